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
