/**
 * The sidebar's HTTP contract, checked on both sides: the API validates every response against
 * these schemas before it leaves, and the sidebar parses every response with them before use.
 * Written with zod/mini (functions instead of methods) so the sidebar's bundle carries only the
 * validators it uses; the API's classic zod accepts these schemas as they are.
 */
import * as z from 'zod/mini';

const iso = z.string();
const fen = z.int();
const int = () => z.int();
const nullable = z.nullable;
const optional = z.optional;

export const tagFamily = z.enum(['value', 'stage', 'preference', 'size', 'channel', 'custom']);
export type TagFamily = z.infer<typeof tagFamily>;

export const customerTag = z.object({
  id: int(),
  name: z.string(),
  groupName: z.string(),
  family: tagFamily,
  source: z.enum(['wecom', 'guide', 'rule']),
  /** Computed by the system (value tier from spend, baby stage from birth date); not editable. */
  derived: z.boolean(),
  /** For a derived tag, the rule that made it and its input: 180 days' spend in fen, or the baby's age in months. */
  rule: optional(z.object({ code: z.enum(['spend_180d', 'baby_age_months']), value: int() })),
});
export type CustomerTag = z.infer<typeof customerTag>;
/** After an edit the API returns this guide's stored tags (the derived ones are the profile's). */
export const editTagsResponse = z.object({ tags: z.array(z.omit(customerTag, { derived: true })) });

export const customerSize = z.object({
  category: z.string(),
  size: z.string(),
  source: z.enum(['purchase', 'guide']),
  confidence: z.number(),
  updatedAt: iso,
});
export type CustomerSize = z.infer<typeof customerSize>;
export const setSizeResponse = z.object({ sizes: z.array(customerSize) });

/** A member number or mobile number a guide binds to the customer; the phone is only ever returned masked. */
export const identityKind = z.enum(['member_no', 'phone']);
export type IdentityKind = z.infer<typeof identityKind>;
export const bindIdentityResponse = z.object({
  kind: identityKind,
  memberNo: nullable(z.string()),
  phoneMasked: nullable(z.string()),
  /** Earlier orders that carried this identity and no customer: linked to her now and queued for attribution. */
  reattributedOrders: int(),
});
export type IdentityBound = z.infer<typeof bindIdentityResponse>;

export const couponView = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(['cash', 'discount']),
  valueFen: nullable(fen),
  discountBp: nullable(int()),
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
  amountFen: nullable(fen),
  detail: nullable(z.string()),
});
export type TimelineItem = z.infer<typeof timelineItem>;

export const profileResponse = z.object({
  customer: z.object({
    externalUserid: z.string(),
    name: z.string(),
    remark: nullable(z.string()),
    avatar: nullable(z.string()),
    gender: int(),
    phoneMasked: nullable(z.string()),
    memberNo: nullable(z.string()),
    birthday: nullable(z.string()),
    babyBirthday: nullable(z.string()),
    babyAgeMonths: nullable(int()),
    city: nullable(z.string()),
    addedAt: iso,
    addWay: int(),
    channel: nullable(z.string()),
    channelName: nullable(z.string()),
    exclusiveGuide: nullable(z.string()),
    exclusiveIsMe: z.boolean(),
    /** 离职继承 / 在职继承: the guide this customer was handed over from to the signed-in guide. */
    inheritedFrom: z.optional(nullable(z.string())),
  }),
  valueTier: nullable(z.string()),
  spend: z.object({ last180DaysFen: fen, orders: int(), lastPurchaseAt: nullable(iso) }),
  tags: z.array(customerTag),
  sizes: z.array(customerSize),
  lastPurchases: z.array(
    z.object({
      orderNo: z.string(),
      paidAt: iso,
      netFen: fen,
      store: nullable(z.string()),
      items: z.array(z.string()),
    }),
  ),
  openCoupons: z.array(couponView),
  timeline: z.array(timelineItem),
});
export type Profile = z.infer<typeof profileResponse>;

/**
 * How the tenant shares a product (the strict form a tenant writes is product-share.ts): its
 * mini-program's product page, or a web page for a news card; templates with {styleNo}/{productId}.
 */
export const productShare = z.object({
  miniprogram: nullable(z.object({ appid: z.string(), page: z.string() })),
  linkTemplate: nullable(z.string()),
});
export type ProductShare = z.infer<typeof productShare>;

export const bootstrapResponse = z.object({
  me: z.object({ userid: z.string(), name: z.string(), guideId: int(), storeId: int(), storeName: z.string() }),
  /** The tenant's zone (IANA): the sidebar shows every date and time in it, whatever the device's zone. */
  timeZone: z.string(),
  tagGroups: z.array(
    z.object({
      id: int(),
      name: z.string(),
      family: tagFamily,
      tags: z.array(z.object({ id: int(), name: z.string() })),
    }),
  ),
  /** Per category: the full run; a style is a broken run with at most brokenMaxLeft sizes left or a core size gone. */
  sizeRuns: z.array(
    z.object({
      category: z.string(),
      sizes: z.array(z.string()),
      brokenMaxLeft: int(),
      coreSizes: z.array(z.string()),
    }),
  ),
  couponTemplates: z.array(
    z.object({
      id: int(),
      name: z.string(),
      kind: z.enum(['cash', 'discount']),
      valueFen: nullable(fen),
      discountBp: nullable(int()),
      minSpendFen: fen,
      /** Valid N days after issue, or (null) until a fixed last day. */
      validDays: nullable(int()),
      /** The last day (YYYY-MM-DD, tenant zone) of a fixed-date template. */
      validUntil: nullable(z.string()),
    }),
  ),
  /** How a product goes into the chat: the tenant's mini-program card, else a news card, else the text alone. */
  productShare,
});
export type Bootstrap = z.infer<typeof bootstrapResponse>;

export const scriptPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image'), mediaAssetId: int(), title: z.string() }),
  z.object({ type: z.literal('news'), title: z.string(), desc: z.string(), link: z.string(), imgUrl: z.string() }),
  z.object({
    type: z.literal('miniprogram'),
    appid: z.string(),
    title: z.string(),
    page: z.string(),
    imgUrl: z.string(),
  }),
]);
export type ScriptPart = z.infer<typeof scriptPart>;

export const scriptVars = z.object({
  称呼: z.string(),
  导购: z.string(),
  门店: z.string(),
  尺码: nullable(z.string()),
  宝宝月龄: nullable(z.string()),
  宝宝尺码: nullable(z.string()),
  商品: nullable(z.string()),
  优惠券: nullable(z.string()),
  券有效期: nullable(z.string()),
  券面额: nullable(z.string()),
});
export type ScriptVars = z.infer<typeof scriptVars>;

/** Why a template may not be offered to this customer (core/guide/coupon-eligibility.ts). */
export const couponIneligible = z.enum([
  'disabled',
  'already_used',
  'already_has',
  'not_new',
  'not_birthday',
  'not_lapsed',
  'tier',
  'not_started',
  'ended',
  'guide_daily_limit',
  'guide_monthly_limit',
]);

/** Why a script's coupon cannot fill its variables: no template, or one she may not be offered (coupon eligibility). */
export const scriptCouponWhy = z.enum(['no_template', ...couponIneligible.options]);
export type ScriptCouponWhy = z.infer<typeof scriptCouponWhy>;

export const recommendReason = z.object({
  code: z.enum([
    'tag',
    'stage',
    'birthday',
    'baby_birthday',
    'purchase_anniversary',
    'new_customer',
    'lapsed',
    'recent_purchase',
    'broken_size',
    'new_arrival',
    'favorite',
  ]),
  value: optional(z.string()),
});
export type RecommendReason = z.infer<typeof recommendReason>;

/** The corp's script library with this guide's favourites and counts: loaded once per sidebar session. */
export const scriptLibraryResponse = z.object({
  categories: z.array(z.object({ id: int(), name: z.string(), scenario: z.string() })),
  scripts: z.array(
    z.object({
      id: int(),
      categoryId: int(),
      title: z.string(),
      scenario: z.string(),
      parts: z.array(scriptPart),
      /** The coupon template the script offers ({{优惠券}} and its kin come from it); null: none. */
      couponTemplateId: nullable(int()),
      favorite: z.boolean(),
      sendCount: int(),
      mySendCount: int(),
    }),
  ),
  /** Changes when a script is published, withdrawn or edited: the sidebar reloads the library then. */
  version: z.string(),
});
export type ScriptLibrary = z.infer<typeof scriptLibraryResponse>;
export type ScriptItem = ScriptLibrary['scripts'][number];

/** For one customer (and optionally one product): variable values and the recommended scripts, best first. */
export const recommendationsResponse = z.object({
  vars: scriptVars,
  /** Sizes per category, for {{尺码}} when a product of another category is chosen. */
  sizes: z.record(z.string(), z.string()),
  /** The library version these were scored against: another than the sidebar holds means reload it. */
  libraryVersion: z.string(),
  recommended: z.array(
    z.object({ scriptId: int(), score: z.number(), reasons: z.array(recommendReason).check(z.minLength(1)) }),
  ),
  /**
   * Per coupon template a published script offers: its values for this customer (her sent coupon
   * of it, else the template's own), or why it cannot fill ({{优惠券}} stays unfilled).
   */
  coupons: z.array(
    z.object({
      templateId: int(),
      values: nullable(z.object({ 优惠券: z.string(), 券有效期: z.string(), 券面额: z.string() })),
      reason: nullable(scriptCouponWhy),
    }),
  ),
});
export type Recommendations = z.infer<typeof recommendationsResponse>;

export const stockBySize = z.array(z.object({ size: z.string(), onHand: int() }));

export const matchItem = z.object({
  productId: int(),
  styleNo: z.string(),
  name: z.string(),
  category: z.string(),
  imageUrl: nullable(z.string()),
  priceFen: fen,
  attributes: z.array(z.string()),
  size: z.string(),
  onHandInSize: int(),
  colorsInSize: z.array(z.string()),
  broken: z.boolean(),
  sizesLeft: int(),
  stock: stockBySize,
});
export type MatchItem = z.infer<typeof matchItem>;
export const matchesResponse = z.object({ sizes: z.record(z.string(), z.string()), items: z.array(matchItem) });

export const brokenStyle = z.object({
  productId: int(),
  styleNo: z.string(),
  name: z.string(),
  category: z.string(),
  imageUrl: nullable(z.string()),
  priceFen: fen,
  attributes: z.array(z.string()),
  stock: stockBySize,
  sizesLeft: int(),
  fittingCustomers: int(),
});
export type BrokenStyle = z.infer<typeof brokenStyle>;
export const brokenStylesResponse = z.object({ items: z.array(brokenStyle) });

export const fitReason = z.object({
  code: z.enum(['size', 'prefers_new', 'prefers_sale', 'colour', 'active', 'bought_category']),
  value: optional(z.string()),
});
export type FitReason = z.infer<typeof fitReason>;

export const styleCustomersResponse = z.object({
  style: brokenStyle,
  customers: z.array(
    z.object({
      externalUserid: z.string(),
      name: z.string(),
      remark: nullable(z.string()),
      avatar: nullable(z.string()),
      size: z.string(),
      sizeSource: z.enum(['purchase', 'guide']),
      phoneTail: nullable(z.string()),
      addedAt: iso,
      lastActiveAt: nullable(iso),
      score: z.number(),
      reasons: z.array(fitReason),
    }),
  ),
});
export type StyleCustomers = z.infer<typeof styleCustomersResponse>;

export const groupResponse = z.object({
  chatId: z.string(),
  name: z.string(),
  customers: z.array(
    z.object({
      externalUserid: z.string(),
      name: z.string(),
      avatar: nullable(z.string()),
      followedByMe: z.boolean(),
      /** What tells same-named customers apart — only for her own customers: remark, phone tail, when added. */
      remark: nullable(z.string()),
      phoneTail: nullable(z.string()),
      addedAt: nullable(iso),
    }),
  ),
  others: int(),
});
export type GroupView = z.infer<typeof groupResponse>;

export const sendKind = z.enum(['script', 'product', 'coupon', 'text']);
export const sendRequest = z
  .object({
    clientSendId: z.string().check(z.regex(/^[A-Za-z0-9_-]{8,64}$/)),
    externalUserid: optional(z.string().check(z.minLength(1), z.maxLength(64))),
    chatId: optional(z.string().check(z.minLength(1), z.maxLength(64))),
    kind: sendKind,
    scriptId: optional(int().check(z.positive())),
    productId: optional(int().check(z.positive())),
    couponCode: optional(z.string().check(z.minLength(1), z.maxLength(40))),
    /** What went into the chat, part by part, in order (msgtype and a readable summary). */
    sent: z
      .array(
        z.object({
          msgtype: z.enum(['text', 'image', 'news', 'miniprogram']),
          summary: z.string().check(z.maxLength(2000)),
        }),
      )
      .check(z.minLength(1), z.maxLength(10)),
  })
  .check(
    z.refine((b) => Boolean(b.externalUserid) !== Boolean(b.chatId), {
      message: 'give exactly one of externalUserid or chatId',
      path: ['externalUserid'],
    }),
  );
export type SendRequest = z.infer<typeof sendRequest>;
export const sendResponse = z.object({ recorded: int(), duplicate: z.boolean() });

export const issueCouponResponse = z.object({ coupon: couponView });

export const couponOffersResponse = z.object({
  offers: z.array(z.object({ templateId: int(), eligible: z.boolean(), reason: nullable(couponIneligible) })),
});
export type CouponOffers = z.infer<typeof couponOffersResponse>;

/** Voiding a coupon: by the guide who issued it (a sheet closed without sending) or an admin. */
export const voidCouponRequest = z.object({ reason: optional(z.string().check(z.minLength(1), z.maxLength(200))) });
export const voidCouponResponse = z.object({
  code: z.string(),
  status: z.literal('void'),
  voidedAt: iso,
  /** Orders naming the coupon, queued for re-attribution. */
  reattributedOrders: int(),
});

const creditSums = z.object({ totalFen: fen, orders: int(), byRule: z.record(z.string(), fen) });
/** One line of the guide's ledger: a sale, a refund (negative) or an adjustment, with its receipt. */
export const creditLine = z.object({
  id: int(),
  kind: z.enum(['sale', 'refund', 'adjustment']),
  ref: z.string(),
  at: iso,
  amountFen: fen,
  rule: z.enum(['transfer', 'coupon', 'interaction']),
  customer: nullable(z.string()),
  /** The order the line is for (its trail at /api/attribution/orders/:id/trail); null for a transfer. */
  orderId: nullable(int()),
  ruleSetVersion: int(),
  evidence: z.object({
    kind: optional(z.string()),
    lastAt: optional(z.string()),
    code: optional(z.string()),
    transactionId: optional(z.string()),
    interactionIds: optional(z.array(z.string())),
  }),
});
export type CreditLine = z.infer<typeof creditLine>;
export const creditsResponse = z.object({
  today: creditSums,
  month: creditSums,
  lastMonth: creditSums,
  /** Newest first, a page at a time; `nextCursor` asks for the page after. */
  latest: z.array(creditLine),
  nextCursor: nullable(z.string()),
});
export type Credits = z.infer<typeof creditsResponse>;

export const favoriteResponse = z.object({ favorite: z.boolean() });
export const mediaResponse = z.object({ mediaId: z.string() });

const jssdkSignature = z.object({
  timestamp: int(),
  nonceStr: z.string(),
  signature: z.string().check(z.regex(/^[0-9a-f]{40}$/)),
});
/** POST /api/wecom/jssdk-signatures: what ww.register needs (the tickets stay on the server). */
export const jssdkSignaturesResponse = z.object({
  corpId: z.string(),
  agentId: z.number(),
  config: jssdkSignature,
  agentConfig: jssdkSignature,
});
export type JssdkSignatures = z.infer<typeof jssdkSignaturesResponse>;
