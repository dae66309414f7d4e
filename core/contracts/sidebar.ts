/**
 * The sidebar's HTTP contract: the API validates every response against these schemas, and
 * the sidebar takes its types from them (type-only imports, so zod stays out of its bundle).
 */
import { z } from 'zod';

const iso = z.string();
const fen = z.number().int();

export const tagFamily = z.enum(['value', 'stage', 'preference', 'size', 'channel', 'custom']);
export type TagFamily = z.infer<typeof tagFamily>;

export const customerTag = z.object({
  id: z.number().int(),
  name: z.string(),
  groupName: z.string(),
  family: tagFamily,
  source: z.enum(['wecom', 'guide', 'rule']),
  /** Computed by the system (value tier from spend, baby stage from birth date); not editable. */
  derived: z.boolean(),
});
export type CustomerTag = z.infer<typeof customerTag>;

export const customerSize = z.object({
  category: z.string(),
  size: z.string(),
  source: z.enum(['purchase', 'guide']),
  confidence: z.number(),
  updatedAt: iso,
});
export type CustomerSize = z.infer<typeof customerSize>;

export const couponView = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(['cash', 'discount']),
  valueFen: fen.nullable(),
  discountBp: z.number().int().nullable(),
  minSpendFen: fen,
  issuedAt: iso,
  expiresAt: iso,
  byMe: z.boolean(),
});
export type CouponView = z.infer<typeof couponView>;

export const timelineItem = z.object({
  at: iso,
  kind: z.enum(['order', 'refund', 'coupon_issued', 'coupon_redeemed', 'interaction']),
  title: z.string(),
  amountFen: fen.nullable(),
  detail: z.string().nullable(),
});
export type TimelineItem = z.infer<typeof timelineItem>;

export const profileResponse = z.object({
  customer: z.object({
    externalUserid: z.string(),
    name: z.string(),
    remark: z.string().nullable(),
    avatar: z.string().nullable(),
    gender: z.number().int(),
    phoneMasked: z.string().nullable(),
    memberNo: z.string().nullable(),
    birthday: z.string().nullable(),
    babyBirthday: z.string().nullable(),
    babyAgeMonths: z.number().int().nullable(),
    city: z.string().nullable(),
    addedAt: iso,
    addWay: z.number().int(),
    channel: z.string().nullable(),
    channelName: z.string().nullable(),
    exclusiveGuide: z.string().nullable(),
    exclusiveIsMe: z.boolean(),
  }),
  valueTier: z.string().nullable(),
  spend: z.object({ last180DaysFen: fen, orders: z.number().int(), lastPurchaseAt: iso.nullable() }),
  tags: z.array(customerTag),
  sizes: z.array(customerSize),
  lastPurchases: z.array(z.object({ orderNo: z.string(), paidAt: iso, netFen: fen, store: z.string().nullable(), items: z.array(z.string()) })),
  openCoupons: z.array(couponView),
  timeline: z.array(timelineItem),
});
export type Profile = z.infer<typeof profileResponse>;

export const bootstrapResponse = z.object({
  me: z.object({ userid: z.string(), name: z.string(), guideId: z.number().int(), storeId: z.number().int(), storeName: z.string() }),
  tagGroups: z.array(z.object({ id: z.number().int(), name: z.string(), family: tagFamily, tags: z.array(z.object({ id: z.number().int(), name: z.string() })) })),
  sizeRuns: z.array(z.object({ category: z.string(), sizes: z.array(z.string()), brokenMaxLeft: z.number().int() })),
  couponTemplates: z.array(z.object({ id: z.number().int(), name: z.string(), kind: z.enum(['cash', 'discount']), valueFen: fen.nullable(), discountBp: z.number().int().nullable(), minSpendFen: fen, validDays: z.number().int() })),
});
export type Bootstrap = z.infer<typeof bootstrapResponse>;

export const scriptPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image'), mediaAssetId: z.number().int(), title: z.string() }),
  z.object({ type: z.literal('news'), title: z.string(), desc: z.string(), link: z.string(), imgUrl: z.string() }),
  z.object({ type: z.literal('miniprogram'), appid: z.string(), title: z.string(), page: z.string(), imgUrl: z.string() }),
]);
export type ScriptPart = z.infer<typeof scriptPart>;

export const scriptVars = z.object({ 称呼: z.string(), 导购: z.string(), 门店: z.string(), 尺码: z.string().nullable(), 商品: z.string().nullable(), 优惠券: z.string().nullable() });
export type ScriptVars = z.infer<typeof scriptVars>;

export const recommendReason = z.object({
  code: z.enum(['tag', 'stage', 'birthday', 'new_customer', 'lapsed', 'recent_purchase', 'broken_size', 'new_arrival', 'favorite']),
  value: z.string().optional(),
});
export type RecommendReason = z.infer<typeof recommendReason>;

/** The corp's script library with this guide's favourites and counts: loaded once per sidebar session. */
export const scriptLibraryResponse = z.object({
  categories: z.array(z.object({ id: z.number().int(), name: z.string(), scenario: z.string() })),
  scripts: z.array(z.object({
    id: z.number().int(),
    categoryId: z.number().int(),
    title: z.string(),
    scenario: z.string(),
    parts: z.array(scriptPart),
    favorite: z.boolean(),
    sendCount: z.number().int(),
    mySendCount: z.number().int(),
  })),
});
export type ScriptLibrary = z.infer<typeof scriptLibraryResponse>;
export type ScriptItem = ScriptLibrary['scripts'][number];

/** For one customer (and optionally one product): variable values and the recommended scripts, best first. */
export const recommendationsResponse = z.object({
  vars: scriptVars,
  /** Sizes per category, for {{尺码}} when a product of another category is chosen. */
  sizes: z.record(z.string(), z.string()),
  recommended: z.array(z.object({ scriptId: z.number().int(), score: z.number(), reasons: z.array(recommendReason).min(1) })),
});
export type Recommendations = z.infer<typeof recommendationsResponse>;

export const stockBySize = z.array(z.object({ size: z.string(), onHand: z.number().int() }));

export const matchItem = z.object({
  productId: z.number().int(),
  styleNo: z.string(),
  name: z.string(),
  category: z.string(),
  imageUrl: z.string().nullable(),
  priceFen: fen,
  attributes: z.array(z.string()),
  size: z.string(),
  onHandInSize: z.number().int(),
  colorsInSize: z.array(z.string()),
  broken: z.boolean(),
  sizesLeft: z.number().int(),
  stock: stockBySize,
});
export type MatchItem = z.infer<typeof matchItem>;
export const matchesResponse = z.object({ sizes: z.record(z.string(), z.string()), items: z.array(matchItem) });

export const brokenStyle = z.object({
  productId: z.number().int(), styleNo: z.string(), name: z.string(), category: z.string(), imageUrl: z.string().nullable(), priceFen: fen, attributes: z.array(z.string()),
  stock: stockBySize, sizesLeft: z.number().int(), fittingCustomers: z.number().int(),
});
export type BrokenStyle = z.infer<typeof brokenStyle>;
export const brokenStylesResponse = z.object({ items: z.array(brokenStyle) });

export const fitReason = z.object({ code: z.enum(['size', 'prefers_new', 'prefers_sale', 'colour', 'active', 'bought_category']), value: z.string().optional() });
export type FitReason = z.infer<typeof fitReason>;

export const styleCustomersResponse = z.object({
  style: brokenStyle,
  customers: z.array(z.object({
    externalUserid: z.string(), name: z.string(), remark: z.string().nullable(), avatar: z.string().nullable(), size: z.string(), sizeSource: z.enum(['purchase', 'guide']),
    lastActiveAt: iso.nullable(), score: z.number(), reasons: z.array(fitReason),
  })),
});
export type StyleCustomers = z.infer<typeof styleCustomersResponse>;

export const groupResponse = z.object({
  chatId: z.string(),
  name: z.string(),
  customers: z.array(z.object({ externalUserid: z.string(), name: z.string(), avatar: z.string().nullable(), followedByMe: z.boolean() })),
  others: z.number().int(),
});
export type GroupView = z.infer<typeof groupResponse>;

export const sendKind = z.enum(['script', 'product', 'coupon', 'text']);
export const sendRequest = z.object({
  clientSendId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  externalUserid: z.string().min(1).max(64).optional(),
  chatId: z.string().min(1).max(64).optional(),
  kind: sendKind,
  scriptId: z.number().int().positive().optional(),
  productId: z.number().int().positive().optional(),
  couponCode: z.string().min(1).max(40).optional(),
  /** What went into the chat, part by part, in order (msgtype and a readable summary). */
  sent: z.array(z.object({ msgtype: z.enum(['text', 'image', 'news', 'miniprogram']), summary: z.string().max(2000) })).min(1).max(10),
}).refine((b) => Boolean(b.externalUserid) !== Boolean(b.chatId), { message: 'give exactly one of externalUserid or chatId', path: ['externalUserid'] });
export type SendRequest = z.infer<typeof sendRequest>;
export const sendResponse = z.object({ recorded: z.number().int(), duplicate: z.boolean() });

export const issueCouponResponse = z.object({ coupon: couponView });

export const creditsResponse = z.object({
  today: z.object({ totalFen: fen, orders: z.number().int(), byRule: z.record(z.string(), fen) }),
  month: z.object({ totalFen: fen, orders: z.number().int(), byRule: z.record(z.string(), fen) }),
  latest: z.array(z.object({
    ref: z.string(), at: iso, amountFen: fen, rule: z.enum(['transfer', 'coupon', 'interaction']), customer: z.string().nullable(),
    evidence: z.object({ kind: z.string().optional(), lastAt: z.string().optional(), code: z.string().optional(), transactionId: z.string().optional() }),
  })),
});
export type Credits = z.infer<typeof creditsResponse>;
