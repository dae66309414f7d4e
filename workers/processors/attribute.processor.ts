import { runAttribution } from '../../core/attribution/run';
import { sweepPending } from '../../core/attribution/outbox';
import { attributeJob, sweepAttributionJob } from '../../core/jobs/attribution.jobs';
import { processor } from '../processor';

export const attributeProcessor = processor(attributeJob, async ({ payload, ctx, log }) => {
  const r = await runAttribution(ctx, payload);
  log.info({ ...r, reason: payload.reason }, 'attributed');
  return r;
});

export const sweepAttributionProcessor = processor(sweepAttributionJob, async ({ ctx, log }) => {
  const queued = await sweepPending(ctx);
  if (queued) log.info({ queued }, 'outbox sweep queued owed attributions');
  return { queued };
});
