import type { RepeatOptions } from 'bullmq';
import type { AppContext } from '../core/context';
import { sweepAttributionJob } from '../core/jobs/attribution.jobs';
import type { QueueName } from '../core/jobs/job';
import { reconcileDayJob } from '../core/jobs/commission.jobs';
import { ensurePartitionsJob, orgSyncFanoutJob } from '../core/jobs/maintenance.jobs';
import { wecomFanoutJob } from '../core/jobs/wecom.jobs';
import { successionPollFanoutJob } from '../core/jobs/succession.jobs';
import { campaignPollFanoutJob } from '../core/jobs/campaign.jobs';

export interface Schedule {
  queue: QueueName;
  id: string;
  repeat: Omit<RepeatOptions, 'key'>;
  job: { name: string; data: { payload: unknown } };
}

/** Every repeatable job, with the configuration's intervals. */
export function schedules(cfg: AppContext['cfg']): Schedule[] {
  const fanout = (
    id: string,
    repeat: Schedule['repeat'],
    kind: 'bills' | 'tags' | 'contacts' | 'behavior' | 'callbacks',
  ) => ({
    queue: 'wecom' as const,
    id,
    repeat,
    job: { name: wecomFanoutJob.name, data: { payload: { kind } } },
  });
  return [
    {
      queue: 'maintenance',
      id: 'ensure-partitions-daily',
      repeat: { pattern: '15 3 * * *', tz: 'Asia/Shanghai' },
      job: { name: ensurePartitionsJob.name, data: { payload: { monthsAhead: 3 } } },
    },
    {
      // Yesterday's reconciliation, once WeCom has published its bills (the bill poll runs all night).
      queue: 'maintenance',
      id: 'reconcile-yesterday',
      repeat: { pattern: '30 10 * * *', tz: 'Asia/Shanghai' },
      job: { name: reconcileDayJob.name, data: { payload: {} } },
    },
    {
      // What the attribution outbox owes and no job settled in time (a lost job, a crash after a commit).
      queue: 'maintenance',
      id: 'attribution-sweep',
      repeat: { every: 15_000 },
      job: { name: sweepAttributionJob.name, data: { payload: {} } },
    },
    fanout('wecom-bills', { every: cfg.WECOM_BILL_POLL_SECONDS * 1000 }, 'bills'),
    fanout('wecom-tags-hourly', { pattern: '7 * * * *', tz: 'Asia/Shanghai' }, 'tags'),
    fanout('wecom-contacts-nightly', { pattern: '30 2 * * *', tz: 'Asia/Shanghai' }, 'contacts'),
    fanout('wecom-callbacks-sweep-5m', { every: 5 * 60_000 }, 'callbacks'),
    {
      // Campaign results (get_groupmsg_task / send_result, moment results) into interactions.
      queue: 'wecom',
      id: 'campaign-results',
      repeat: { every: cfg.WECOM_BILL_POLL_SECONDS * 1000 },
      job: { name: campaignPollFanoutJob.name, data: { payload: {} } },
    },
    {
      // The org re-read from WeCom, for corps whose contacts send no change_contact callbacks.
      queue: 'maintenance',
      id: 'org-sync-hourly',
      repeat: { pattern: '23 * * * *', tz: 'Asia/Shanghai' },
      job: { name: orgSyncFanoutJob.name, data: { payload: {} } },
    },
    fanout('wecom-behavior-daily', { pattern: '0 6 * * *', tz: 'Asia/Shanghai' }, 'behavior'),
    // Waiting customer transfers (离职继承 / 在职继承) read back until final.
    {
      queue: 'wecom',
      id: 'succession-poll',
      repeat: { every: 10 * 60_000 },
      job: { name: successionPollFanoutJob.name, data: { payload: {} } },
    },
  ];
}

/** Repeatable jobs (upserted at boot, so N worker processes keep one schedule). */
export async function installSchedules(ctx: AppContext): Promise<void> {
  await ctx.queues.queue('wecom').removeJobScheduler('wecom-bills-every-5m'); // its fixed-interval predecessor
  for (const s of schedules(ctx.cfg)) await ctx.queues.queue(s.queue).upsertJobScheduler(s.id, s.repeat, s.job);
}

/**
 * Installs the schedules Redis no longer has (it restarted empty, or was flushed) and leaves the
 * others alone, so a check never moves a schedule's next run. Returns the ids it installed.
 */
export async function restoreMissingSchedules(ctx: AppContext): Promise<string[]> {
  const restored: string[] = [];
  for (const s of schedules(ctx.cfg)) {
    const q = ctx.queues.queue(s.queue);
    if (await q.getJobScheduler(s.id)) continue;
    await q.upsertJobScheduler(s.id, s.repeat, s.job);
    restored.push(s.id);
  }
  return restored;
}

/**
 * Keeps the schedules alive while the workers run: whenever the Redis connection becomes ready
 * again after a loss, and every `checkEveryMs` in case Redis lost its data without us seeing the
 * connection drop (a failover, a FLUSHALL), missing schedules are installed again.
 */
export function keepSchedules(ctx: AppContext, opts: { checkEveryMs?: number } = {}): { stop: () => void } {
  let running: Promise<void> | null = null;
  const check = (why: string) => {
    // One check at a time; a check asked for while one runs is that one.
    running ??= restoreMissingSchedules(ctx)
      .then((ids) => {
        if (ids.length) ctx.logger.warn({ schedules: ids, why }, 'schedules were missing from Redis: installed again');
      })
      .catch((err: unknown) =>
        ctx.logger.warn({ err: err instanceof Error ? err.message : String(err), why }, 'schedule check failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  const onReady = () => check('redis reconnected');
  ctx.redis.on('ready', onReady);
  const timer = setInterval(() => check('periodic check'), opts.checkEveryMs ?? 60_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      ctx.redis.off('ready', onReady);
    },
  };
}
