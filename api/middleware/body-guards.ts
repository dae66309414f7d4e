import type { NextFunction, Request, Response } from 'express';
import type { Principal, Role } from '../../core/auth/principal';
import type { Config } from '../../core/config/env';
import type { AppContext } from '../../core/context';
import { AppError } from '../../core/errors';
import { findCorp } from '../../core/wecom/corp-client';

/**
 * What a request must show before its body is read, per path (first match wins):
 * - `maxBytes`: a declared Content-Length over the cap is refused at once (413, naming `setting`
 *   when the cap is a configured one); a chunked body is cut off at the same cap by the route's own parser;
 * - `roles`: uploads are read only for a signed-in user with one of these roles (401 / 403 first);
 * - `signatureHeader`: signed webhooks must carry their signature header before the body is read.
 *
 * Raw routers added later (another webhook, another upload) get their rule here, in front of them.
 */
export interface BodyRule {
  match: RegExp;
  maxBytes: number;
  /** The setting `maxBytes` comes from, named in the 413 so an operator knows what to raise. */
  setting?: string;
  roles?: readonly Role[];
  signatureHeader?: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** JSON API bodies: express.json's limit, and the declared-length cap below. */
export const JSON_BODY_LIMIT_BYTES = MiB;

/** The rules for a deployment: the ingestion caps are its configured ones (core/config/env.ts). */
export function bodyRules(
  cfg: Pick<Config, 'INGEST_WEBHOOK_MAX_BYTES' | 'INGEST_FILE_MAX_BYTES'>,
): readonly BodyRule[] {
  return [
    { match: /^\/wecom\/callback\//, maxBytes: 64 * KiB },
    {
      match: /^\/webhooks\//,
      maxBytes: cfg.INGEST_WEBHOOK_MAX_BYTES,
      setting: 'INGEST_WEBHOOK_MAX_BYTES',
      signatureHeader: 'x-guidepost-signature',
    },
    {
      match: /^\/api\/ingest\//,
      maxBytes: cfg.INGEST_FILE_MAX_BYTES,
      setting: 'INGEST_FILE_MAX_BYTES',
      roles: ['admin', 'finance'],
    },
    { match: /^\/api\/admin\/script-images$/, maxBytes: 10 * MiB, roles: ['admin'] },
    { match: /^\/api\//, maxBytes: JSON_BODY_LIMIT_BYTES },
  ];
}

const SIGNATURE = /^t=\d{1,12},v1=[0-9a-f]{64}$/;

export function bodyGuards(cfg: Config) {
  const rules = bodyRules(cfg);
  return (req: Request, res: Response, next: NextFunction): void => guard(rules, req, res, next);
}

function guard(rules: readonly BodyRule[], req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const rule = rules.find((r) => r.match.test(req.path));
  if (!rule) return next();
  const principal = res.locals.principal as Principal | null | undefined;
  if (rule.roles) {
    if (!principal) return next(new AppError('UNAUTHENTICATED', 'sign in first'));
    if (!rule.roles.includes(principal.role))
      return next(new AppError('FORBIDDEN', `this needs one of the roles: ${rule.roles.join(', ')}`));
  }
  if (rule.signatureHeader && !SIGNATURE.test(req.get(rule.signatureHeader)?.trim() ?? ''))
    return next(
      new AppError('BAD_SIGNATURE', 'missing or malformed X-Guidepost-Signature', {
        field: 'X-Guidepost-Signature',
      }),
    );
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > rule.maxBytes) {
    const limit = rule.setting ? `${rule.maxBytes} bytes (${rule.setting})` : `${Math.round(rule.maxBytes / KiB)} KiB`;
    return next(new AppError('PAYLOAD_TOO_LARGE', `request body over ${limit}`, { field: 'body' }));
  }
  next();
}

/**
 * Signed webhooks (`/webhooks/<kind>/<corp>`): an unknown corp, or one without a POS secret,
 * answers exactly as a wrong signature does, before the body is read, so the answer does not
 * reveal which corps exist.
 */
export function webhookCorp(ctx: AppContext) {
  const WEBHOOK = /^\/webhooks\/[^/]+\/([^/]+)\/?$/;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const ref = req.method === 'POST' ? WEBHOOK.exec(req.path)?.[1] : undefined;
    if (ref === undefined) return next();
    (async () => {
      const corp = await findCorp(ctx, decodeURIComponent(ref));
      const secret = corp
        ? await ctx
            .db('corps')
            .where({ id: corp.id })
            .first<{ pos_hmac_secret_enc: string | null }>('pos_hmac_secret_enc')
        : undefined;
      if (!secret?.pos_hmac_secret_enc)
        throw new AppError('BAD_SIGNATURE', 'signature does not match', { field: 'X-Guidepost-Signature' });
    })().then(() => next(), next);
  };
}
