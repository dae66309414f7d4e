import { z } from 'zod';

/** The brand admin console's integrations page. */
export const integrationSettings = z.object({
  wecom: z.object({
    corpId: z.string(),
    agentId: z.number(),
    callbackUrl: z.string(),
    toolbarUrl: z.string(),
    trustedDomain: z.string(),
    verifyFiles: z.array(z.string()),
  }),
  pos: z.object({
    webhookUrl: z.string(),
    secretSet: z.boolean(),
    rotatedAt: z.string().nullable(),
    previousValidUntil: z.string().nullable(),
  }),
});
export type IntegrationSettings = z.infer<typeof integrationSettings>;

export const rotatePosSecretBody = z.object({
  /** How long the previous secret is still accepted (the POS switches over meanwhile). At most a week. */
  overlapMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(24 * 60),
});
/** The new secret, shown this once. */
export const rotatePosSecretResponse = z.object({ secret: z.string(), previousValidUntil: z.string().nullable() });

export const verifyFileBody = z.object({
  filename: z.string().regex(/^WW_verify_[A-Za-z0-9]{1,40}\.txt$/, 'WeCom names it WW_verify_<letters and digits>.txt'),
  content: z.string().trim().min(1).max(128),
});
export const verifyFileResponse = z.object({ filename: z.string(), url: z.string() });

export const channelCode = z.object({
  id: z.number(),
  name: z.string(),
  state: z.string(),
  storeId: z.number().nullable(),
  guideIds: z.array(z.number()),
  tagId: z.number().nullable(),
  /** WeCom's QR image URL: shown in the console and downloadable. */
  qrCode: z.string().nullable(),
  /** Relations that arrived through the code. */
  adds: z.number(),
  createdAt: z.string(),
});
export const channelCodeList = z.object({ codes: z.array(channelCode) });
export const createChannelCodeBody = z.object({
  name: z.string().trim().min(1).max(64),
  storeId: z.number().int().positive().nullable().default(null),
  /** Guides whose QR it is: one for a personal code, up to 100 (WeCom's limit) for a store or campaign. */
  guideIds: z.array(z.number().int().positive()).min(1).max(100),
  tagId: z.number().int().positive().nullable().default(null),
});
