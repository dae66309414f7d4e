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
}

export function defineJob<S extends z.ZodType>(def: JobDef<S>): JobDef<S> {
  if (def.name.includes(':')) throw new Error(`job name ${def.name} may not contain ':' (BullMQ job ids use it)`);
  return def;
}

export type JobPayload<D> = D extends JobDef<infer S> ? z.infer<S> : never;
