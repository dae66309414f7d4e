import { enqueueOrgSyncs, syncOrg } from '../../core/admin/org-sync';
import { orgSyncFanoutJob, orgSyncJob } from '../../core/jobs/maintenance.jobs';
import { processor } from '../processor';

export const orgSyncProcessor = processor(orgSyncJob, async ({ payload, ctx, log }) => {
  const r = await syncOrg(ctx, payload.corpId, payload.trigger);
  log.info({ corpId: payload.corpId, ...r.counts, problems: r.problems.length }, 'org synced from WeCom');
  return r.counts;
});

export const orgSyncFanoutProcessor = processor(orgSyncFanoutJob, async ({ ctx }) => enqueueOrgSyncs(ctx));
