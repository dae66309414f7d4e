import { campaignsToPoll, dispatchCampaign, pollCampaign } from '../../core/campaigns/campaigns';
import { campaignDispatchJob, campaignPollFanoutJob, campaignPollJob } from '../../core/jobs/campaign.jobs';
import { processor } from '../processor';

export const campaignProcessors = [
  processor(campaignDispatchJob, async ({ payload, ctx, log }) =>
    log.info(
      { campaignId: payload.campaignId, ...(await dispatchCampaign(ctx, payload.corpId, payload.campaignId)) },
      'campaign dispatched',
    ),
  ),
  processor(campaignPollJob, async ({ payload, ctx, log }) =>
    log.info(
      { campaignId: payload.campaignId, ...(await pollCampaign(ctx, payload.corpId, payload.campaignId)) },
      'campaign results read',
    ),
  ),
  processor(campaignPollFanoutJob, async ({ ctx }) => {
    for (const c of await campaignsToPoll(ctx.db)) await ctx.queues.enqueue(campaignPollJob, c);
  }),
];
