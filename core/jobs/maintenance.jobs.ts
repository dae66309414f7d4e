import { z } from 'zod';
import { defineJob } from './job';

/** Keeps monthly partitions created ahead of time (runs daily). */
export const ensurePartitionsJob = defineJob({
  queue: 'maintenance',
  name: 'ensure-partitions',
  schema: z.object({ monthsAhead: z.number().int().min(1).max(24).default(3) }),
  jobId: () => `ensure-partitions-${new Date().toISOString().slice(0, 10)}`,
});

/**
 * A corp's org (departments and members) re-read from WeCom in full (core/admin/org-sync.ts):
 * collapsed like the tag sync, so a burst of change_contact events is one or two runs, never two at once.
 */
export const orgSyncJob = defineJob({
  queue: 'maintenance',
  name: 'org-sync',
  schema: z.object({ corpId: z.number().int().positive(), trigger: z.enum(['schedule', 'callback', 'manual']) }),
  collapseKey: (p) => String(p.corpId),
});

/** The scheduled re-sync: one org sync per corp (for corps whose contacts send no callbacks). */
export const orgSyncFanoutJob = defineJob({
  queue: 'maintenance',
  name: 'org-sync-fanout',
  schema: z.object({}),
});

export const maintenanceJobs = [ensurePartitionsJob, orgSyncJob, orgSyncFanoutJob];
