/** Segments and campaigns: the contracts shared by the API and the boards app. */
import { z } from 'zod';

const id = z.number().int().positive();

/**
 * Who is in a segment. Every condition given must hold (AND). `tags`: each entry is a set of tag
 * ids of which the customer carries at least one (OR within an entry, AND across entries), as
 * WeCom's own tag_filter does. Stores and regions are those of the customer's own guide.
 */
export const segmentDefinition = z
  .object({
    tags: z.array(z.array(id).min(1).max(100)).max(20).default([]),
    storeIds: z.array(id).max(500).optional(),
    regionIds: z.array(id).max(100).optional(),
    /** Customers with one of these sizes recorded in the category. */
    sizes: z
      .object({ category: z.string().min(1).max(32), sizes: z.array(z.string().min(1).max(16)).min(1).max(50) })
      .optional(),
    /** Total net spend (fen), at least / at most. */
    minSpendFen: z.number().int().min(0).optional(),
    maxSpendFen: z.number().int().min(0).optional(),
    /** Last purchase at most this many days ago. */
    purchasedWithinDays: z.number().int().min(1).max(3650).optional(),
    /** No purchase for at least this many days (customers who never bought count). */
    lapsedDays: z.number().int().min(1).max(3650).optional(),
    /** Coupon behaviour: redeemed at least this many coupons. */
    minCouponsRedeemed: z.number().int().min(0).max(1000).optional(),
    /** "Fits this style": the reverse size match — a size of the style's category that the customer's guide's store has in stock. */
    fitsProductId: id.optional(),
  })
  .strict();
export type SegmentDefinition = z.infer<typeof segmentDefinition>;

export const segmentPreview = z.object({
  count: z.number().int(),
  /** Customers with no guide to send through (guide left, customer deleted the guide): counted, reported. */
  unreachable: z.number().int(),
  sample: z.array(
    z.object({
      customerId: z.number(),
      name: z.string(),
      guideName: z.string().nullable(),
      storeName: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  ),
});
export type SegmentPreview = z.infer<typeof segmentPreview>;

export const segmentInput = z.object({ name: z.string().min(1).max(64), definition: segmentDefinition });
export const segment = z.object({
  id: z.number(),
  name: z.string(),
  definition: segmentDefinition,
  createdAt: z.string(),
});

export const campaignInput = z
  .object({
    name: z.string().min(1).max(64),
    channel: z.enum(['mass_message', 'moment']).default('mass_message'),
    segmentId: id,
    scriptId: id,
    couponTemplateId: id.optional(),
    /** Share of the segment held out (not sent), in percent; 0–50. */
    holdoutPercent: z.number().min(0).max(50).default(10),
    windowDays: z.number().int().min(1).max(60).default(7),
    /** ISO time; now when absent. */
    scheduledAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type CampaignInput = z.infer<typeof campaignInput>;

export const campaignSummary = z.object({
  id: z.number(),
  name: z.string(),
  channel: z.enum(['mass_message', 'moment']),
  scheduledAt: z.string(),
  dispatchedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  recipients: z.number(),
  holdout: z.number(),
  sent: z.number(),
  unreachable: z.number(),
});

export const campaignProgress = z.object({
  campaign: campaignSummary,
  byStatus: z.record(z.string(), z.number()),
  unreachable: z.array(z.object({ reason: z.string(), customers: z.number() })),
  guides: z.array(
    z.object({
      guideId: z.number(),
      guideName: z.string(),
      storeName: z.string(),
      customers: z.number(),
      sent: z.number(),
      confirmed: z.boolean(),
    }),
  ),
});

const roiLine = z.object({
  recipients: z.number(),
  reached: z.number(),
  couponsRedeemed: z.number(),
  creditedFen: z.record(z.string(), z.number()),
  salesFen: z.number(),
  buyers: z.number(),
});
export const campaignRoi = z.object({
  campaignId: z.number(),
  windowFrom: z.string().nullable(),
  windowTo: z.string().nullable(),
  treatment: roiLine,
  holdout: z.object({ customers: z.number(), salesFen: z.number(), buyers: z.number() }),
  /** Sales per targeted customer minus sales per held-out customer, times the targeted customers (fen). */
  incrementalFen: z.number(),
  liftPercent: z.number().nullable(),
  costFen: z.number(),
  byStore: z.array(roiLine.extend({ storeId: z.number().nullable(), storeName: z.string().nullable() })),
  byGuide: z.array(roiLine.extend({ guideId: z.number().nullable(), guideName: z.string().nullable() })),
});
export type CampaignRoi = z.infer<typeof campaignRoi>;
