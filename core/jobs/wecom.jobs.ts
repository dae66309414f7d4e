import { z } from 'zod';
import { defineJob } from './job';

const corpId = z.number().int().positive();
const bucket = (ms: number) =>
  new Date(Math.floor(Date.now() / ms) * ms).toISOString().slice(0, 16).replace(/[-:T]/g, '');

/** A stored callback event, processed once (the job id is the event id). */
export const wecomCallbackJob = defineJob({
  queue: 'wecom',
  name: 'wecom-callback',
  schema: z.object({ corpId, eventId: z.number().int().positive() }),
  jobId: (p) => `wecom-callback-${p.eventId}`,
});

export const syncContactsJob = defineJob({
  queue: 'wecom',
  name: 'wecom-sync-contacts',
  schema: z.object({ corpId, userid: z.string().min(1) }),
  jobId: (p) => `sync-contacts-${p.corpId}-${p.userid}-${bucket(3_600_000)}`,
});

/**
 * A corp's tags re-read in full: syncs asked for while one waits are that one; one asked for while
 * a sync runs runs after it (the running one may have read before the change). Never two at once.
 */
export const syncTagsJob = defineJob({
  queue: 'wecom',
  name: 'wecom-sync-tags',
  schema: z.object({ corpId }),
  collapseKey: (p) => String(p.corpId),
});

/** A corp's bills from its cursor to now, collapsed like the tag sync: never dropped, never two at once. */
export const pollBillsJob = defineJob({
  queue: 'wecom',
  name: 'wecom-poll-bills',
  schema: z.object({ corpId }),
  collapseKey: (p) => String(p.corpId),
});

export const behaviorDataJob = defineJob({
  queue: 'wecom',
  name: 'wecom-behavior',
  schema: z.object({ corpId, userid: z.string().min(1), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  jobId: (p) => `behavior-${p.corpId}-${p.userid}-${p.day}`,
});

/** A guide's tag edit in the sidebar, written to WeCom (mark_tag). Tag ids are ours. */
export const markTagJob = defineJob({
  queue: 'wecom',
  name: 'wecom-mark-tag',
  schema: z.object({
    corpId,
    guideId: z.number().int().positive(),
    customerId: z.number().int().positive(),
    add: z.array(z.number().int().positive()),
    remove: z.array(z.number().int().positive()),
  }),
});

/** Scheduled fan-out: one job per corp (and per guide for contacts and behaviour; per stuck event for callbacks). */
export const wecomFanoutJob = defineJob({
  queue: 'wecom',
  name: 'wecom-fanout',
  schema: z.object({ kind: z.enum(['bills', 'tags', 'contacts', 'behavior', 'callbacks']) }),
});

export const wecomJobs = [
  wecomCallbackJob,
  syncContactsJob,
  syncTagsJob,
  pollBillsJob,
  behaviorDataJob,
  markTagJob,
  wecomFanoutJob,
];
