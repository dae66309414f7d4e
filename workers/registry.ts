import { allJobs } from '../core/jobs/index';
import type { Processor } from './processor';
import { attributeProcessor, sweepAttributionProcessor } from './processors/attribute.processor';
import { campaignProcessors } from './processors/campaign.processors';
import { ensurePartitionsProcessor } from './processors/ensure-partitions.processor';
import { orgSyncFanoutProcessor, orgSyncProcessor } from './processors/org-sync.processor';
import { reconcileDayProcessor } from './processors/reconcile-day.processor';
import { successionProcessors } from './processors/succession.processors';
import { wecomProcessors } from './processors/wecom.processors';

/** Every processor. Add a module's processors by spreading its array below. */
export const allProcessors: readonly Processor[] = [
  ensurePartitionsProcessor,
  ...wecomProcessors,
  attributeProcessor,
  sweepAttributionProcessor,
  reconcileDayProcessor,
  ...campaignProcessors,
  ...successionProcessors,
  orgSyncProcessor,
  orgSyncFanoutProcessor,
];

/** Fails start-up when a defined job has no processor or two, or a processor has no definition. */
export function buildRegistry(
  processors: readonly Processor[] = allProcessors,
  jobs = allJobs,
): Map<string, Processor> {
  const byName = new Map<string, Processor>();
  const problems: string[] = [];
  for (const p of processors) {
    if (byName.has(p.def.name)) problems.push(`job ${p.def.name} has two processors`);
    byName.set(p.def.name, p);
  }
  const defined = new Set(jobs.map((j) => j.name));
  if (defined.size !== jobs.length) problems.push('two job definitions share a name');
  for (const j of jobs) if (!byName.has(j.name)) problems.push(`job ${j.name} has no processor`);
  for (const name of byName.keys())
    if (!defined.has(name)) problems.push(`processor for ${name} has no job definition in core/jobs/index.ts`);
  if (problems.length) throw new Error(`worker registry: ${problems.join('; ')}`);
  return byName;
}
