import type { JobsOptions } from 'bullmq';
import { QUEUES, type QueueName } from './job';

/**
 * The backoff every queue uses: exponential from the job's `backoff.delay`, capped per attempt
 * at the queue's `maxDelayMs`, with ±20% jitter so jobs that failed together (a database that went
 * away under every worker) do not all come back in the same instant. Workers register it as their
 * custom strategy (workers/runtime.ts); a Worker without it would fail such jobs at the first error.
 */
export const BACKOFF_TYPE = 'capped-exponential';

export interface QueuePolicy {
  defaultJobOptions: JobsOptions;
  concurrency: number;
  /** Longest wait between two attempts. */
  maxDelayMs: number;
}

const retention = { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 7 * 86400 } };

/**
 * Retry, backoff, retention and concurrency for every queue, in one place.
 *
 * The queues that carry facts to a decision (ingest, attribution) and the WeCom reads retry for
 * more than five minutes in all, so a PostgreSQL restart or a minute-long outage is ridden out:
 * the first retries come quickly, later ones once every 30 s (60 s for WeCom). A job that still
 * fails is kept (removeOnFail) and its subject stays pending; the attribution sweep re-enqueues it.
 */
export const queuePolicy: Record<QueueName, QueuePolicy> = {
  wecom: {
    // 2+4+8+16+32+60×5 s ≈ 6 min of retries.
    defaultJobOptions: { attempts: 11, backoff: { type: BACKOFF_TYPE, delay: 2_000 }, ...retention },
    concurrency: 4,
    maxDelayMs: 60_000,
  },
  ingest: {
    // 1+2+4+8+16+30×10 s ≈ 5.5 min of retries.
    defaultJobOptions: { attempts: 16, backoff: { type: BACKOFF_TYPE, delay: 1_000 }, ...retention },
    concurrency: 2,
    maxDelayMs: 30_000,
  },
  attribution: {
    // 0.5+1+2+4+8+16+30×10 s ≈ 5.5 min of retries.
    defaultJobOptions: { attempts: 17, backoff: { type: BACKOFF_TYPE, delay: 500 }, ...retention },
    concurrency: 2,
    maxDelayMs: 30_000,
  },
  maintenance: {
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: BACKOFF_TYPE, delay: 10_000 },
      removeOnComplete: { age: 86400, count: 100 },
      removeOnFail: { age: 7 * 86400 },
    },
    concurrency: 1,
    maxDelayMs: 60_000,
  },
};

/**
 * How soon a job whose worker died (kill -9, OOM, a lost host) runs again: its lock lapses after
 * `lockDuration` (a live worker renews it every half of that), and every `stalledInterval` a worker
 * moves jobs found without a lock on two checks in a row back to waiting. About 15–35 s in all,
 * where BullMQ's defaults (30 s and 30 s) take up to a minute. Jobs are idempotent, so a job taken
 * back from a worker that was only stuck does no harm.
 */
export const workerLocks = { lockDuration: 15_000, stalledInterval: 10_000 } as const;

const JITTER = 0.2;

/** The wait before attempt `attemptsMade + 1` of a job on `queue`, before jitter. */
export function retryDelayMs(queue: QueueName, attemptsMade: number, baseMs?: number): number {
  const p = queuePolicy[queue];
  const base = baseMs ?? (p.defaultJobOptions.backoff as { delay?: number } | undefined)?.delay ?? 1_000;
  return Math.min(p.maxDelayMs, Math.round(base * 2 ** Math.max(0, attemptsMade - 1)));
}

/** Sum of the waits a job on `queue` gets between its first and its last attempt, before jitter. */
export function retrySpanMs(queue: QueueName): number {
  const attempts = queuePolicy[queue].defaultJobOptions.attempts ?? 1;
  let total = 0;
  for (let made = 1; made < attempts; made++) total += retryDelayMs(queue, made);
  return total;
}

const isQueue = (name: string): name is QueueName => (QUEUES as readonly string[]).includes(name);

/**
 * BullMQ's custom backoff strategy (Worker `settings.backoffStrategy`). Returns the delay in ms;
 * jitter only shortens a wait, so the cap holds.
 */
export function backoffStrategy(
  attemptsMade: number,
  _type?: string,
  _err?: Error,
  job?: { queueName: string; opts: { backoff?: number | { delay?: number } } },
): number {
  const queue = job && isQueue(job.queueName) ? job.queueName : 'attribution';
  const b = job?.opts.backoff;
  const delay = retryDelayMs(queue, attemptsMade, typeof b === 'number' ? b : b?.delay);
  return Math.round(delay * (1 - JITTER * Math.random()));
}
