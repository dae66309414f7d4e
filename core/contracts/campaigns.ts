/** Segments and campaigns: the contracts shared by the API and the boards app (zod/mini, as every contract). */
import * as z from 'zod/mini';

const id = z.number().check(z.int(), z.positive());
const count = z.number();

/**
 * Who is in a segment. Every condition given must hold (AND). `tags`: each entry is a set of tag
 * ids of which the customer carries at least one (OR within an entry, AND across entries), as
 * WeCom's own tag_filter does. Stores and regions are those of the customer's own guide.
 */
export const segmentDefinition = z.strictObject({
  tags: z._default(z.array(z.array(id).check(z.minLength(1), z.maxLength(100))).check(z.maxLength(20)), []),
  storeIds: z.optional(z.array(id).check(z.maxLength(500))),
  regionIds: z.optional(z.array(id).check(z.maxLength(100))),
  /** Customers with one of these sizes recorded in the category. */
  sizes: z.optional(
    z.object({
      category: z.string().check(z.minLength(1), z.maxLength(32)),
      sizes: z.array(z.string().check(z.minLength(1), z.maxLength(16))).check(z.minLength(1), z.maxLength(50)),
    }),
  ),
  /** Total net spend (fen), at least / at most. */
  minSpendFen: z.optional(z.number().check(z.int(), z.nonnegative())),
  maxSpendFen: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** Last purchase at most this many days ago. */
  purchasedWithinDays: z.optional(z.number().check(z.int(), z.gte(1), z.lte(3650))),
  /** No purchase for at least this many days (customers who never bought count). */
  lapsedDays: z.optional(z.number().check(z.int(), z.gte(1), z.lte(3650))),
  /** Coupon behaviour: redeemed at least this many coupons. */
  minCouponsRedeemed: z.optional(z.number().check(z.int(), z.gte(0), z.lte(1000))),
  /** "Fits this style": the reverse size match — a size of the style's category that the customer's guide's store has in stock. */
  fitsProductId: z.optional(id),
});
export type SegmentDefinition = z.infer<typeof segmentDefinition>;

export const segmentPreview = z.object({
  count,
  /** Customers with no guide to send through (guide left, customer deleted the guide): counted, reported. */
  unreachable: count,
  sample: z.array(
    z.object({
      customerId: z.number(),
      name: z.string(),
      guideName: z.nullable(z.string()),
      storeName: z.nullable(z.string()),
      reason: z.nullable(z.string()),
    }),
  ),
});
export type SegmentPreview = z.infer<typeof segmentPreview>;

export const segmentInput = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  definition: segmentDefinition,
});
export const segment = z.object({
  id: z.number(),
  name: z.string(),
  definition: segmentDefinition,
  createdAt: z.string(),
});
export type Segment = z.infer<typeof segment>;

/**
 * What a campaign sends besides its text, as add_msg_template attachments (at most 9): an image
 * from the media library, a link card, or a mini-program card whose cover is a media-library image
 * (WeCom takes the cover as an uploaded pic_media_id, never as a URL).
 */
export const campaignAttachment = z.discriminatedUnion('type', [
  z.object({ type: z.literal('image'), mediaAssetId: id }),
  z.object({
    type: z.literal('link'),
    title: z.string().check(z.minLength(1)),
    url: z.string().check(z.minLength(1)),
    desc: z.string(),
    picurl: z.string(),
  }),
  z.object({
    type: z.literal('miniprogram'),
    appid: z.string().check(z.minLength(1)),
    page: z.string().check(z.minLength(1)),
    title: z.string().check(z.minLength(1)),
    coverAssetId: id,
  }),
]);
export type CampaignAttachment = z.infer<typeof campaignAttachment>;

/** A campaign's content: text (variables filled per guide) and up to 9 attachments. */
export const campaignContent = z.object({
  text: z.string(),
  attachments: z.array(campaignAttachment).check(z.maxLength(9)),
  /** The product of a product card, for {{商品}}. */
  product: z.optional(z.nullable(z.string())),
});
export type CampaignContent = z.infer<typeof campaignContent>;

export const campaignInput = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  channel: z._default(z.enum(['mass_message', 'moment']), 'mass_message'),
  segmentId: id,
  scriptId: id,
  couponTemplateId: z.optional(id),
  /** A product card from the catalog, added after the script's parts (the corp's mini-program page, else its shop link). */
  productId: z.optional(id),
  /** The media-library image used as the cover of mini-program cards (the script's and the product's). */
  coverAssetId: z.optional(id),
  /** Share of the segment held out (not sent), in percent; 0–50. */
  holdoutPercent: z._default(z.number().check(z.gte(0), z.lte(50)), 10),
  windowDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(60)), 7),
  /** ISO time; now when absent. */
  scheduledAt: z.optional(z.iso.datetime({ offset: true })),
});
export type CampaignInput = z.input<typeof campaignInput>;

export const campaignSummary = z.object({
  id: z.number(),
  name: z.string(),
  channel: z.enum(['mass_message', 'moment']),
  scheduledAt: z.string(),
  dispatchedAt: z.nullable(z.string()),
  cancelledAt: z.nullable(z.string()),
  recipients: count,
  holdout: count,
  sent: count,
  unreachable: count,
});
export type CampaignSummary = z.infer<typeof campaignSummary>;

export const campaignProgress = z.object({
  campaign: campaignSummary,
  byStatus: z.record(z.string(), z.number()),
  unreachable: z.array(z.object({ reason: z.string(), customers: count })),
  guides: z.array(
    z.object({
      guideId: z.number(),
      guideName: z.string(),
      storeName: z.string(),
      customers: count,
      sent: count,
      confirmed: z.boolean(),
    }),
  ),
});
export type CampaignProgress = z.infer<typeof campaignProgress>;

const roiFields = {
  recipients: count,
  reached: count,
  couponsRedeemed: count,
  creditedFen: z.record(z.string(), z.number()),
  salesFen: z.number(),
  buyers: count,
};
export const campaignRoi = z.object({
  campaignId: z.number(),
  windowFrom: z.nullable(z.string()),
  windowTo: z.nullable(z.string()),
  treatment: z.object(roiFields),
  holdout: z.object({ customers: count, salesFen: z.number(), buyers: count }),
  /** Sales per targeted customer minus sales per held-out customer, times the targeted customers (fen). */
  incrementalFen: z.number(),
  liftPercent: z.nullable(z.number()),
  costFen: z.number(),
  byStore: z.array(z.object({ ...roiFields, storeId: z.nullable(z.number()), storeName: z.nullable(z.string()) })),
  byGuide: z.array(z.object({ ...roiFields, guideId: z.nullable(z.number()), guideName: z.nullable(z.string()) })),
});
export type CampaignRoi = z.infer<typeof campaignRoi>;

/** A guide's campaign sends, for the sidebar. */
export const guideTasks = z.object({
  items: z.array(
    z.object({
      campaignId: z.number(),
      name: z.string(),
      channel: z.enum(['mass_message', 'moment']),
      text: z.string(),
      customers: count,
      sent: count,
      confirmed: z.boolean(),
      deadline: z.string(),
    }),
  ),
});
export type GuideTasks = z.infer<typeof guideTasks>;

export const campaignOptions = z.object({
  tagGroups: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      kind: z.string(),
      tags: z.array(z.object({ id: z.number(), name: z.string() })),
    }),
  ),
  regions: z.array(z.object({ id: z.number(), name: z.string() })),
  stores: z.array(z.object({ id: z.number(), name: z.string(), regionId: z.number() })),
  /** Scripts, with the coupon template each offers (the campaign's coupon when it names none). */
  scripts: z.array(
    z.object({
      id: z.number(),
      title: z.string(),
      parts: z.array(z.string()),
      couponTemplateId: z.nullable(z.number()),
    }),
  ),
  /** Media-library images: mini-program card covers. */
  images: z.array(z.object({ id: z.number(), filename: z.string() })),
  /** Catalog styles for a product card (the newest 500). */
  products: z.array(z.object({ id: z.number(), name: z.string(), styleNo: z.string() })),
  couponTemplates: z.array(z.object({ id: z.number(), name: z.string(), valueFen: z.nullable(z.number()) })),
});
export type CampaignOptions = z.infer<typeof campaignOptions>;
