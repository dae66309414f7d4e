import { z } from 'zod';
import { defineJob } from './job';

/**
 * Reads back a corp's waiting customer transfers (transfer_result) until each is final, then moves the
 * relation, the exclusive guide and the attribution (core/admin/succession.ts). Collapsed per corp.
 */
export const successionPollJob = defineJob({
  queue: 'wecom',
  name: 'succession-poll',
  schema: z.object({ corpId: z.number().int().positive() }),
  collapseKey: (p) => String(p.corpId),
});

/** Scheduled: one poll per corp with transfers still waiting. */
export const successionPollFanoutJob = defineJob({
  queue: 'wecom',
  name: 'succession-poll-fanout',
  schema: z.object({}),
});

export const successionJobs = [successionPollJob, successionPollFanoutJob];
