import { z } from 'zod';
import { defineJob } from './job';

/** Keeps monthly partitions created ahead of time (runs daily). */
export const ensurePartitionsJob = defineJob({
  queue: 'maintenance',
  name: 'ensure-partitions',
  schema: z.object({ monthsAhead: z.number().int().min(1).max(24).default(3) }),
  jobId: () => `ensure-partitions-${new Date().toISOString().slice(0, 10)}`,
});

export const maintenanceJobs = [ensurePartitionsJob];
