import {
  behaviorDataJob,
  markTagJob,
  pollBillsJob,
  syncContactsJob,
  syncTagsJob,
  wecomCallbackJob,
  wecomFanoutJob,
} from '../../core/jobs/wecom.jobs';
import {
  fanOut,
  processCallbackEvent,
  runBehaviorData,
  runBillPoll,
  runContactSync,
  runMarkTag,
  runTagSync,
} from '../../core/wecom/service';
import { processor } from '../processor';

export const wecomProcessors = [
  processor(wecomCallbackJob, async ({ payload, ctx, log }) => {
    const outcome = await processCallbackEvent(ctx, payload.corpId, payload.eventId, log);
    log.info({ eventId: payload.eventId, outcome }, 'wecom callback processed');
  }),
  processor(syncContactsJob, async ({ payload, ctx, log }) =>
    log.info(await runContactSync(ctx, payload.corpId, payload.userid), 'contacts synced'),
  ),
  processor(syncTagsJob, async ({ payload, ctx, log }) =>
    log.info(await runTagSync(ctx, payload.corpId), 'corp tags synced'),
  ),
  processor(pollBillsJob, async ({ payload, ctx, log }) => {
    const r = await runBillPoll(ctx, payload.corpId);
    log.info({ bills: r.bills, newTransfers: r.newTransferIds.length }, 'bills polled');
  }),
  processor(behaviorDataJob, async ({ payload, ctx }) =>
    runBehaviorData(ctx, payload.corpId, payload.userid, payload.day),
  ),
  processor(markTagJob, async ({ payload, ctx }) => runMarkTag(ctx, payload)),
  processor(wecomFanoutJob, async ({ payload, ctx, log }) =>
    log.info({ kind: payload.kind, jobs: await fanOut(ctx, payload.kind) }, 'wecom fan-out'),
  ),
];
