import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import type { AppContext } from '../core/context';
import { QUEUES } from '../core/jobs/job';
import { backoffStrategy, queuePolicy, workerLocks } from '../core/jobs/policy';
import { ownConnection } from '../core/redis';
import { WecomError } from '../core/wecom/wecom-error';
import type { Processor } from './processor';
import { buildRegistry } from './registry';

const envelope = z.object({ payload: z.unknown(), requestId: z.string().optional() });

export interface RunningWorkers {
  workers: Worker[];
  close: () => Promise<void>;
}

/** Starts one BullMQ worker per queue, dispatching by job name; payloads are re-checked here. */
export function startWorkers(
  ctx: AppContext,
  opts: { processors?: readonly Processor[]; concurrency?: number } = {},
): RunningWorkers {
  const registry = buildRegistry(opts.processors);
  const workers = QUEUES.map(
    (queue) =>
      new Worker(
        queue,
        async (job, token) => {
          const p = registry.get(job.name);
          if (!p || p.def.queue !== queue) throw new UnrecoverableError(`no processor for ${queue}/${job.name}`);
          const env = envelope.safeParse(job.data);
          const parsed = env.success ? p.def.schema.safeParse(env.data.payload) : null;
          if (!env.success || !parsed?.success) {
            throw new UnrecoverableError(
              `invalid payload for ${job.name}: ${parsed?.error?.issues[0]?.message ?? 'bad envelope'}`,
            );
          }
          const log = ctx.logger.child({
            job: job.name,
            jobId: job.id,
            requestId: env.data.requestId,
            attempt: job.attemptsMade + 1,
          });
          try {
            return await p.run({ payload: parsed.data, ctx, log, job });
          } catch (err) {
            // WeCom paused the API (45009): wait out its window without spending an attempt.
            if (err instanceof WecomError && err.retryAfterSeconds && token) {
              log.warn({ retryAfterSeconds: err.retryAfterSeconds }, 'wecom rate limit; job delayed');
              await job.moveToDelayed(Date.now() + err.retryAfterSeconds * 1000, token);
              throw new DelayedError();
            }
            throw err;
          }
        },
        {
          connection: ownConnection(ctx.redis),
          prefix: ctx.queues.prefix,
          concurrency: opts.concurrency ?? queuePolicy[queue].concurrency,
          settings: { backoffStrategy },
          ...workerLocks,
        },
      ),
  );
  for (const w of workers) {
    w.on('failed', (job, err) =>
      ctx.logger.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    w.on('error', (err) => ctx.logger.error({ err: err.message }, 'worker error'));
  }
  return {
    workers,
    // close() waits for active jobs to finish.
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
