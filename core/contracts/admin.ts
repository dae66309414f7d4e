/**
 * The brand admin console's HTTP contract (api/routes/admin.routes.ts), checked on both sides
 * like the boards'. Secrets appear only in the one response that creates them.
 */
import * as z from 'zod/mini';

const id = () => z.int().check(z.positive());

export const integrationSettings = z.object({
  wecom: z.object({
    corpId: z.string(),
    agentId: z.number(),
    callbackUrl: z.string(),
    toolbarUrl: z.string(),
    trustedDomain: z.string(),
    verifyFiles: z.array(z.string()),
    /** Whether each secret is set — never the secret. */
    secretsSet: z.object({
      agentSecret: z.boolean(),
      contactSecret: z.boolean(),
      callbackToken: z.boolean(),
      callbackAesKey: z.boolean(),
    }),
  }),
  pos: z.object({
    webhookUrl: z.string(),
    secretSet: z.boolean(),
    rotatedAt: z.nullable(z.string()),
    previousValidUntil: z.nullable(z.string()),
  }),
});
export type IntegrationSettings = z.infer<typeof integrationSettings>;

export const rotatePosSecretBody = z.object({
  /** How long the previous secret is still accepted (the POS switches over meanwhile). At most a week. */
  overlapMinutes: z._default(z.int().check(z.minimum(0), z.maximum(7 * 24 * 60)), 24 * 60),
});
/** The new secret, shown this once. */
export const rotatePosSecretResponse = z.object({ secret: z.string(), previousValidUntil: z.nullable(z.string()) });
export type RotatePosSecretResponse = z.infer<typeof rotatePosSecretResponse>;

export const verifyFileBody = z.object({
  filename: z
    .string()
    .check(z.regex(/^WW_verify_[A-Za-z0-9]{1,40}\.txt$/, 'WeCom names it WW_verify_<letters and digits>.txt')),
  content: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
});
export const verifyFileResponse = z.object({ filename: z.string(), url: z.string() });

/** The callback URL checked the way WeCom checks it when the admin saves it. */
export const callbackCheck = z.object({
  ok: z.boolean(),
  outcome: z.enum(['ok', 'not_configured', 'unreachable', 'http_error', 'wrong_answer']),
  url: z.string(),
  status: z.nullable(z.number()),
  reason: z.string(),
});
export type CallbackCheck = z.infer<typeof callbackCheck>;

export const channelCode = z.object({
  id: z.number(),
  name: z.string(),
  state: z.string(),
  kind: z.enum(['store', 'guide', 'campaign']),
  storeId: z.nullable(z.number()),
  storeName: z.nullable(z.string()),
  guideIds: z.array(z.number()),
  guideNames: z.array(z.string()),
  tagId: z.nullable(z.number()),
  tagName: z.nullable(z.string()),
  /** WeCom's QR image URL: shown in the console; downloaded through /api/admin/channel-codes/:id/qr. */
  qrCode: z.nullable(z.string()),
  /** Relations that arrived through the code (within the range asked for). */
  adds: z.number(),
  createdAt: z.string(),
  /** When it was removed (its contact way deleted in WeCom); relations that came through it keep it. */
  removedAt: z.nullable(z.string()),
});
export type ChannelCode = z.infer<typeof channelCode>;
export const channelCodeList = z.object({ codes: z.array(channelCode) });
const day = () => z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'));
/** Adds counted over business days in the tenant's zone, both ends inclusive; all time without a range. */
export const channelCodeListQuery = z.object({ from: z.optional(day()), to: z.optional(day()) });
export const channelCodeOptions = z.object({
  stores: z.array(z.object({ id: z.number(), name: z.string() })),
  guides: z.array(z.object({ id: z.number(), name: z.string(), storeId: z.nullable(z.number()) })),
  tags: z.array(z.object({ id: z.number(), name: z.string(), group: z.string(), channel: z.boolean() })),
});
export type ChannelCodeOptions = z.infer<typeof channelCodeOptions>;
export const createChannelCodeBody = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  storeId: z._default(z.nullable(id()), null),
  /** Guides whose QR it is: one for a personal code, up to 100 (WeCom's limit) for a store or campaign. */
  guideIds: z.array(id()).check(z.minLength(1), z.maxLength(100)),
  tagId: z._default(z.nullable(id()), null),
});
export type CreateChannelCode = z.input<typeof createChannelCodeBody>;
