import { z } from 'zod';
import { defineJob } from './job';

/**
 * Reconciles a business day per store (POS, WeCom bills, credits). Scheduled daily for yesterday,
 * after WeCom has published the day's bills; `day` reconciles a given day again.
 */
export const reconcileDayJob = defineJob({
  queue: 'maintenance',
  name: 'reconcile-day',
  schema: z.object({
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  }),
  jobId: (p) => `reconcile-day-${p.day ?? new Date().toISOString().slice(0, 10)}`,
});

export const commissionJobs = [reconcileDayJob];
