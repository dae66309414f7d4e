import type { JobsOptions } from 'bullmq';
import type { QueueName } from './job';

/** Retry, backoff, retention and concurrency for every queue, in one place. */
export const queuePolicy: Record<QueueName, { defaultJobOptions: JobsOptions; concurrency: number }> = {
  wecom: {
    defaultJobOptions: {
      attempts: 6,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 86400 },
    },
    concurrency: 4,
  },
  ingest: {
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 86400 },
    },
    concurrency: 2,
  },
  attribution: {
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 86400 },
    },
    concurrency: 2,
  },
  maintenance: {
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 10_000 },
      removeOnComplete: { age: 86400, count: 100 },
      removeOnFail: { age: 7 * 86400 },
    },
    concurrency: 1,
  },
};
