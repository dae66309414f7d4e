/**
 * The script library (话术库) in the brand admin console (api/routes/admin-scripts.routes.ts),
 * checked on both sides. Parts have the sidebar's shape (core/contracts/sidebar.ts `scriptPart`;
 * contracts import only zod, so the shape is repeated here), written with the limits WeCom's
 * sendChatMessage puts on them; variables are core/contracts/script-vars.ts.
 */
import * as z from 'zod/mini';

const id = () => z.int().check(z.positive());
/** Why a script's coupon cannot fill (the same list as core/contracts/sidebar.ts `scriptCouponWhy`; contracts import only zod). */
export const scriptCouponWhy = z.enum([
  'no_template',
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
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const httpUrl = (max: number) =>
  z.string().check(z.trim(), z.maxLength(max), z.regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL'));

/** What a category is for; the sidebar's recommendation reads it (core/guide/scripts.ts `score`). */
export const SCRIPT_SCENARIOS = [
  'welcome',
  'new_arrival',
  'broken_size',
  'birthday',
  'reactivation',
  'after_sale',
  'promotion',
  'baby',
] as const;
/** The occasion a script waits for (core/guide/occasions.ts), beside its category's scenario. */
export const SCRIPT_OCCASIONS = [
  'welcome',
  'birthday',
  'baby_birthday',
  'purchase_anniversary',
  'lapsed',
  'recent_purchase',
  'reactivation',
  'broken_size',
] as const;

/** A stored part, as the sidebar reads it (core/contracts/sidebar.ts `scriptPart`). */
const scriptPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image'), mediaAssetId: z.int(), title: z.string() }),
  z.object({ type: z.literal('news'), title: z.string(), desc: z.string(), link: z.string(), imgUrl: z.string() }),
  z.object({
    type: z.literal('miniprogram'),
    appid: z.string(),
    title: z.string(),
    page: z.string(),
    imgUrl: z.string(),
  }),
]);

/** A part as an admin writes it: the limits WeCom's client puts on each message. */
export const scriptPartInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: text(2000) }),
  z.object({ type: z.literal('image'), mediaAssetId: id(), title: z.string().check(z.trim(), z.maxLength(64)) }),
  z.object({
    type: z.literal('news'),
    title: text(64),
    desc: z.string().check(z.trim(), z.maxLength(256)),
    link: httpUrl(1024),
    imgUrl: httpUrl(1024),
  }),
  z.object({
    type: z.literal('miniprogram'),
    appid: z.string().check(z.regex(/^wx[0-9a-f]{16}$/, 'a mini-program appid: wx and 16 hex digits')),
    title: text(64),
    page: z.string().check(z.trim(), z.minLength(1), z.maxLength(256), z.regex(/^[^\s]+$/, 'a page path')),
    imgUrl: httpUrl(1024),
  }),
]);
export type ScriptPartInput = z.infer<typeof scriptPartInput>;

export const scriptCategory = z.object({
  id: z.number(),
  name: z.string(),
  scenario: z.string(),
  order: z.number(),
  scripts: z.number(),
});
export type ScriptCategory = z.infer<typeof scriptCategory>;

export const scriptStatus = z.enum(['draft', 'published', 'withdrawn']);
export type ScriptStatus = z.infer<typeof scriptStatus>;

export const adminScript = z.object({
  id: z.number(),
  categoryId: z.number(),
  title: z.string(),
  parts: z.array(scriptPart),
  targetTagIds: z.array(z.number()),
  stages: z.array(z.string()),
  occasion: z.nullable(z.string()),
  couponTemplateId: z.nullable(z.number()),
  status: scriptStatus,
  sendCount: z.number(),
  publishedAt: z.nullable(z.string()),
  updatedAt: z.string(),
});
export type AdminScript = z.infer<typeof adminScript>;

export const scriptLibraryAdmin = z.object({
  categories: z.array(scriptCategory),
  scripts: z.array(adminScript),
  /** What the editor offers: variables, the corp's tags, life stages and coupon templates. */
  options: z.object({
    variables: z.array(z.string()),
    tags: z.array(z.object({ id: z.number(), name: z.string(), group: z.string(), kind: z.string() })),
    stages: z.array(z.string()),
    occasions: z.array(z.string()),
    scenarios: z.array(z.string()),
    couponTemplates: z.array(z.object({ id: z.number(), name: z.string(), enabled: z.boolean() })),
  }),
});
export type ScriptLibraryAdmin = z.infer<typeof scriptLibraryAdmin>;

export const createCategoryBody = z.object({ name: text(64), scenario: z.enum(SCRIPT_SCENARIOS) });
export const renameCategoryBody = z.object({ name: text(64) });
export const reorderCategoriesBody = z.object({ ids: z.array(id()).check(z.minLength(1), z.maxLength(200)) });

export const scriptBody = z.object({
  categoryId: id(),
  title: text(64),
  /** Sent in order, each awaited; at most 10 (one send). */
  parts: z.array(scriptPartInput).check(z.minLength(1), z.maxLength(10)),
  targetTagIds: z._default(z.array(id()).check(z.maxLength(20)), []),
  stages: z._default(z.array(text(32)).check(z.maxLength(10)), []),
  occasion: z._default(z.nullable(z.enum(SCRIPT_OCCASIONS)), null),
  couponTemplateId: z._default(z.nullable(id()), null),
});
export type ScriptBody = z.infer<typeof scriptBody>;
export type ScriptBodyInput = z.input<typeof scriptBody>;

/** A script as written (saved or not) filled for a sample customer the admin picks. */
export const previewBody = z.object({
  script: scriptBody,
  customerId: id(),
});
export const scriptPreview = z.object({
  customer: z.object({ id: z.number(), name: z.string(), guide: z.string(), store: z.string() }),
  /** Each part with its texts filled; a variable without a value stays as {{name}}. */
  parts: z.array(scriptPart),
  /** Variables without a value for her, and why the coupon ones are empty. */
  missing: z.array(z.string()),
  couponWhy: z.nullable(scriptCouponWhy),
  /** Whether the sidebar would recommend it for her, and why. */
  recommended: z.boolean(),
  reasons: z.array(z.object({ code: z.string(), value: z.optional(z.string()) })),
});
export type ScriptPreview = z.infer<typeof scriptPreview>;

export const sampleCustomers = z.object({
  customers: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      guide: z.string(),
      store: z.string(),
      phoneTail: z.nullable(z.string()),
    }),
  ),
});
export type SampleCustomers = z.infer<typeof sampleCustomers>;

export const scriptImage = z.object({ assetId: z.number(), filename: z.string(), bytes: z.number() });
export type ScriptImage = z.infer<typeof scriptImage>;
