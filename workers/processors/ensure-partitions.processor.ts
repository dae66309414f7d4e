import { ensurePartitionsJob } from '../../core/jobs/maintenance.jobs';
import { processor } from '../processor';

export const ensurePartitionsProcessor = processor(ensurePartitionsJob, async ({ payload, ctx }) => {
  await ctx.db.raw(`select gp_ensure_month_partitions('interactions', date_trunc('month', now())::date, ?)`, [
    payload.monthsAhead + 1,
  ]);
});
