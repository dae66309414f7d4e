import { reconcileYesterday } from '../../core/commission/reconciliation';
import { reconcileDayJob } from '../../core/jobs/commission.jobs';
import { processor } from '../processor';

export const reconcileDayProcessor = processor(reconcileDayJob, async ({ payload, ctx, log }) => {
  const storeDays = await reconcileYesterday(ctx.db, new Date(), payload.day);
  log.info({ storeDays, day: payload.day ?? 'yesterday' }, 'reconciled');
  return { storeDays };
});
