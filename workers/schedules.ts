import type { AppContext } from '../core/context';
import { sweepAttributionJob } from '../core/jobs/attribution.jobs';
import { ensurePartitionsJob } from '../core/jobs/maintenance.jobs';
import { wecomFanoutJob } from '../core/jobs/wecom.jobs';
import { campaignPollFanoutJob } from '../core/jobs/campaign.jobs';

/** Repeatable jobs (upserted at boot, so N worker processes keep one schedule). */
export async function installSchedules(ctx: AppContext): Promise<void> {
  await ctx.queues.queue('maintenance').upsertJobScheduler(
    'ensure-partitions-daily',
    { pattern: '15 3 * * *', tz: 'Asia/Shanghai' },
    {
      name: ensurePartitionsJob.name,
      data: { payload: { monthsAhead: 3 } },
    },
  );
  // What the attribution outbox owes and no job settled in time (a lost job, a crash after a commit).
  await ctx.queues
    .queue('maintenance')
    .upsertJobScheduler(
      'attribution-sweep',
      { every: 15_000 },
      { name: sweepAttributionJob.name, data: { payload: {} } },
    );
  const wecom = ctx.queues.queue('wecom');
  const fanout = (kind: 'bills' | 'tags' | 'contacts' | 'behavior' | 'callbacks') => ({
    name: wecomFanoutJob.name,
    data: { payload: { kind } },
  });
  await wecom.removeJobScheduler('wecom-bills-every-5m'); // its fixed-interval predecessor
  await wecom.upsertJobScheduler('wecom-bills', { every: ctx.cfg.WECOM_BILL_POLL_SECONDS * 1000 }, fanout('bills'));
  await wecom.upsertJobScheduler('wecom-tags-hourly', { pattern: '7 * * * *', tz: 'Asia/Shanghai' }, fanout('tags'));
  await wecom.upsertJobScheduler(
    'wecom-contacts-nightly',
    { pattern: '30 2 * * *', tz: 'Asia/Shanghai' },
    fanout('contacts'),
  );
  await wecom.upsertJobScheduler('wecom-callbacks-sweep-5m', { every: 5 * 60_000 }, fanout('callbacks'));
  // Campaign results (get_groupmsg_task / send_result, moment results) into interactions.
  await wecom.upsertJobScheduler(
    'campaign-results',
    { every: ctx.cfg.WECOM_BILL_POLL_SECONDS * 1000 },
    { name: campaignPollFanoutJob.name, data: { payload: {} } },
  );
  await wecom.upsertJobScheduler(
    'wecom-behavior-daily',
    { pattern: '0 6 * * *', tz: 'Asia/Shanghai' },
    fanout('behavior'),
  );
}
