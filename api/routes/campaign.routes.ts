import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import { cancelCampaign, createCampaign, pushStyleToFits, remindCampaign } from '../../core/campaigns/campaigns';
import { campaignOptions } from '../../core/campaigns/options';
import { campaignProgressOf, campaignRoiOf, guideCampaignTasks, listCampaigns } from '../../core/campaigns/results';
import { deleteSegment, listSegments, previewSegment, saveSegment } from '../../core/campaigns/segments';
import * as c from '../../core/contracts/campaigns';
import { asGuide } from '../../core/guide/access';
import { route } from '../http/route';

/** Who builds segments and campaigns (head office, and managers within their stores). */
const BUILDERS: readonly Role[] = ['store_manager', 'regional_manager', 'admin'];
/** Who reads campaign results. */
const READERS: readonly Role[] = ['store_manager', 'regional_manager', 'finance', 'admin'];
const GUIDE: readonly Role[] = ['guide', 'store_manager', 'regional_manager'];
const id = z.coerce.number().int().positive();
const created = z.object({ id: z.number(), recipients: z.number() });

export const campaignRoutes = [
  route({
    method: 'get',
    path: '/api/campaigns/options',
    auth: BUILDERS,
    response: c.campaignOptions,
    handler: ({ ctx, principal }) => campaignOptions(ctx.db, principal),
  }),
  route({
    method: 'post',
    path: '/api/segments/preview',
    auth: BUILDERS,
    body: z.object({ definition: c.segmentDefinition }),
    response: c.segmentPreview,
    handler: ({ ctx, principal, body }) => previewSegment(ctx.db, principal, body.definition),
  }),
  route({
    method: 'get',
    path: '/api/segments',
    auth: BUILDERS,
    response: z.object({ items: z.array(c.segment) }),
    handler: async ({ ctx, principal }) => ({ items: await listSegments(ctx.db, principal) }),
  }),
  route({
    method: 'post',
    path: '/api/segments',
    auth: BUILDERS,
    body: c.segmentInput,
    status: 201,
    response: c.segment,
    handler: ({ ctx, principal, body, requestId }) => saveSegment(ctx.db, principal, body, undefined, requestId),
  }),
  route({
    method: 'delete',
    path: '/api/segments/:segmentId',
    auth: BUILDERS,
    params: z.object({ segmentId: id }),
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, principal, params, requestId }) => {
      await deleteSegment(ctx.db, principal, params.segmentId, requestId);
      return { ok: true as const };
    },
  }),
  route({
    method: 'get',
    path: '/api/campaigns',
    auth: READERS,
    response: z.object({ items: z.array(c.campaignSummary) }),
    handler: async ({ ctx, principal }) => ({ items: await listCampaigns(ctx.db, principal) }),
  }),
  route({
    method: 'post',
    path: '/api/campaigns',
    auth: BUILDERS,
    body: c.campaignInput,
    status: 201,
    response: created,
    handler: ({ ctx, principal, body }) => createCampaign(ctx, principal, body),
  }),
  route({
    method: 'get',
    path: '/api/campaigns/:campaignId',
    auth: READERS,
    params: z.object({ campaignId: id }),
    response: c.campaignProgress,
    handler: ({ ctx, principal, params }) => campaignProgressOf(ctx.db, principal, params.campaignId),
  }),
  route({
    method: 'get',
    path: '/api/campaigns/:campaignId/roi',
    auth: READERS,
    params: z.object({ campaignId: id }),
    response: c.campaignRoi,
    handler: ({ ctx, principal, params }) => campaignRoiOf(ctx.db, principal, params.campaignId),
  }),
  route({
    method: 'post',
    path: '/api/campaigns/:campaignId/remind',
    auth: BUILDERS,
    params: z.object({ campaignId: id }),
    response: z.object({ reminded: z.number() }),
    handler: ({ ctx, principal, params }) => remindCampaign(ctx, principal, params.campaignId),
  }),
  route({
    method: 'post',
    path: '/api/campaigns/:campaignId/cancel',
    auth: BUILDERS,
    params: z.object({ campaignId: id }),
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, principal, params }) => {
      await cancelCampaign(ctx, principal, params.campaignId);
      return { ok: true as const };
    },
  }),
  route({
    method: 'get',
    path: '/api/sidebar/campaign-tasks',
    auth: GUIDE,
    response: c.guideTasks,
    handler: async ({ ctx, principal }) => ({
      items: await guideCampaignTasks(ctx.db, principal.corpId, asGuide(principal).guideId),
    }),
  }),
  route({
    method: 'post',
    path: '/api/sidebar/styles/:productId/push',
    auth: GUIDE,
    params: z.object({ productId: id }),
    status: 201,
    response: created,
    handler: ({ ctx, principal, params }) => pushStyleToFits(ctx, asGuide(principal), params.productId),
  }),
];
