import type { Job } from 'bullmq';
import type { z } from 'zod';
import type { AppContext } from '../core/context';
import type { JobDef } from '../core/jobs/job';
import type { Logger } from '../core/logger';

export interface ProcessorInput<T> {
  payload: T;
  ctx: AppContext;
  log: Logger;
  job: Job;
}

export interface Processor<S extends z.ZodType = z.ZodType> {
  def: JobDef<S>;
  run: (input: ProcessorInput<z.infer<S>>) => Promise<unknown>;
}

export function processor<S extends z.ZodType>(def: JobDef<S>, run: Processor<S>['run']): Processor {
  return { def, run } as unknown as Processor;
}
