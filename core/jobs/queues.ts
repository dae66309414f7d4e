import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { QUEUES, type JobDef, type QueueName } from './job';
import { ownConnection } from '../redis';
import { queuePolicy } from './policy';

export interface EnqueueOptions {
  delay?: number;
  /** Overrides the definition's deterministic id. */
  jobId?: string;
  requestId?: string;
}

/** A job's deterministic id, or its collapse key (see JobDef), as BullMQ options. */
function identity<S extends z.ZodType>(def: JobDef<S>, data: z.infer<S>, jobId?: string): JobsOptions {
  if (jobId) return { jobId };
  if (def.collapseKey) return { deduplication: { id: `${def.name}-${def.collapseKey(data)}`, keepLastIfActive: true } };
  const id = def.jobId?.(data);
  return id ? { jobId: id } : {};
}

/** Producer side: one BullMQ Queue per queue name, payloads validated before they leave. */
export class JobQueues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
  ) {
    for (const name of QUEUES) {
      this.queues.set(
        name,
        new Queue(name, { connection, prefix, defaultJobOptions: queuePolicy[name].defaultJobOptions }),
      );
    }
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  async enqueue<S extends z.ZodType>(def: JobDef<S>, payload: z.input<S>, opts: EnqueueOptions = {}): Promise<string> {
    const data = def.schema.parse(payload) as z.infer<S>;
    const job = await this.queue(def.queue).add(
      def.name,
      { payload: data, requestId: opts.requestId },
      {
        ...identity(def, data, opts.jobId),
        ...(opts.delay ? { delay: opts.delay } : {}),
      },
    );
    return job.id!;
  }

  async enqueueMany<S extends z.ZodType>(
    def: JobDef<S>,
    payloads: z.input<S>[],
    opts: { requestId?: string } = {},
  ): Promise<void> {
    if (payloads.length === 0) return;
    await this.queue(def.queue).addBulk(
      payloads.map((p) => {
        const data = def.schema.parse(p) as z.infer<S>;
        return { name: def.name, data: { payload: data, requestId: opts.requestId }, opts: identity(def, data) };
      }),
    );
  }

  /** For tests and benchmarks: resolves when every queue has no waiting, delayed or active job. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let pending = 0;
      for (const q of this.queues.values()) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        pending += Object.values(c).reduce((a, b) => a + b, 0);
      }
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`queues not drained after ${timeoutMs} ms (${pending} pending)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A QueueEvents listener on a connection of its own, which its close() closes. */
  events(name: QueueName): QueueEvents {
    return new QueueEvents(name, { connection: ownConnection(this.connection), prefix: this.prefix });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
