import type { AppContext } from '../core/context';
import { ensurePartitionsJob } from '../core/jobs/maintenance.jobs';

/** Repeatable jobs (upserted at boot, so N worker processes keep one schedule). */
export async function installSchedules(ctx: AppContext): Promise<void> {
  await ctx.queues.queue('maintenance').upsertJobScheduler('ensure-partitions-daily', { pattern: '15 3 * * *', tz: 'Asia/Shanghai' }, {
    name: ensurePartitionsJob.name,
    data: { payload: { monthsAhead: 3 } },
  });
}
