import type { JobDef } from './job';
import { attributionJobs } from './attribution.jobs';
import { commissionJobs } from './commission.jobs';
import { campaignJobs } from './campaign.jobs';
import { maintenanceJobs } from './maintenance.jobs';
import { successionJobs } from './succession.jobs';
import { wecomJobs } from './wecom.jobs';

/**
 * Every job definition in the system. The worker registry refuses to start when a job here has
 * no processor, or two. Add a module's jobs by spreading its array below.
 */
export const allJobs: readonly JobDef[] = [
  ...maintenanceJobs,
  ...wecomJobs,
  ...attributionJobs,
  ...commissionJobs,
  ...campaignJobs,
  ...successionJobs,
];

export * from './job';
export { queuePolicy } from './policy';
