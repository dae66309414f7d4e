import { corpsWithWaitingTransfers, pollSuccessions } from '../../core/admin/succession';
import { successionPollFanoutJob, successionPollJob } from '../../core/jobs/succession.jobs';
import { processor } from '../processor';

export const successionProcessors = [
  processor(successionPollJob, async ({ payload, ctx, log }) =>
    log.info({ corpId: payload.corpId, ...(await pollSuccessions(ctx, payload.corpId)) }, 'customer transfers read'),
  ),
  processor(successionPollFanoutJob, async ({ ctx }) => {
    for (const corpId of await corpsWithWaitingTransfers(ctx.db))
      await ctx.queues.enqueue(successionPollJob, { corpId });
  }),
];
