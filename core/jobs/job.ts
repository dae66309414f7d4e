import type { z } from 'zod';

/** Queues, one per concern; policy for each lives in ./policy.ts. */
export const QUEUES = ['wecom', 'ingest', 'attribution', 'maintenance'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobDef<S extends z.ZodType = z.ZodType> {
  readonly queue: QueueName;
  /** Unique across all queues. */
  readonly name: string;
  readonly schema: S;
  /** Deterministic job id, so that duplicate enqueues collapse. Omit for always-new jobs. */
  readonly jobId?: (payload: z.infer<S>) => string;
  /**
   * For jobs that re-read a whole state (a bill poll, a tag sync): enqueues with the same key
   * collapse only while a job with it is waiting; while one is running, one more is kept to run
   * after it (BullMQ deduplication with keepLastIfActive). Never two at once, and a request made
   * after a run started is never dropped. Use instead of `jobId`.
   */
  readonly collapseKey?: (payload: z.infer<S>) => string;
}

export function defineJob<S extends z.ZodType>(def: JobDef<S>): JobDef<S> {
  if (def.name.includes(':')) throw new Error(`job name ${def.name} may not contain ':' (BullMQ job ids use it)`);
  if (def.jobId && def.collapseKey) throw new Error(`job ${def.name}: a jobId and a collapseKey exclude each other`);
  return def;
}

export type JobPayload<D> = D extends JobDef<infer S> ? z.infer<S> : never;
