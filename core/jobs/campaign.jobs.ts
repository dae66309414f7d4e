import { z } from 'zod';
import { defineJob } from './job';

const corpId = z.number().int().positive();
const campaignId = z.number().int().positive();
const bucket = (ms: number) =>
  new Date(Math.floor(Date.now() / ms) * ms).toISOString().slice(0, 16).replace(/[-:T]/g, '');

/** Creates a campaign's WeCom tasks at its scheduled time (one job per campaign). */
export const campaignDispatchJob = defineJob({
  queue: 'wecom',
  name: 'campaign-dispatch',
  schema: z.object({ corpId, campaignId }),
  jobId: (p) => `campaign-dispatch-${p.campaignId}`,
});

/** Reads a campaign's send results back from WeCom into interactions and coupon sends. */
export const campaignPollJob = defineJob({
  queue: 'wecom',
  name: 'campaign-poll',
  schema: z.object({ corpId, campaignId }),
  jobId: (p) => `campaign-poll-${p.campaignId}-${bucket(60_000)}`,
});

/** Scheduled: one poll job per campaign dispatched in the last week. */
export const campaignPollFanoutJob = defineJob({
  queue: 'wecom',
  name: 'campaign-poll-fanout',
  schema: z.object({}),
});

export const campaignJobs = [campaignDispatchJob, campaignPollJob, campaignPollFanoutJob];
