import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { ZodMiniType } from 'zod/mini';
import { ingestReport } from '../core/contracts/ingest';
import { verifyCorpSignature } from '../core/admin/integrations';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { batchEnvelope, ingestBatch } from '../core/ingest/pos';
import { findCorp } from '../core/wecom/corp-client';

/**
 * The raw body of a signed integration webhook, at most INGEST_WEBHOOK_MAX_BYTES (a larger
 * Content-Length is refused before reading).
 */
export function signedBody(ctx: AppContext) {
  const max = ctx.cfg.INGEST_WEBHOOK_MAX_BYTES;
  const read = express.text({ type: () => true, limit: max });
  return (req: Request, res: Response, next: NextFunction) =>
    read(req, res, (err?: unknown) => {
      const e = err as { type?: string } | undefined;
      if (e?.type === 'entity.too.large')
        return next(
          new AppError('PAYLOAD_TOO_LARGE', `the body is larger than ${max} bytes (INGEST_WEBHOOK_MAX_BYTES)`, {
            field: 'body',
          }),
        );
      next(err);
    });
}

/**
 * Checks the corp's integration signature (`X-Guidepost-Signature`, HMAC with its POS secret)
 * over the raw body, then parses the JSON body with `envelope`.
 */
export async function verifiedEnvelope<S extends z.ZodType>(
  ctx: AppContext,
  req: Request,
  envelope: S,
): Promise<{ corpId: number; data: z.infer<S> }> {
  const corp = await findCorp(ctx, String(req.params.corp));
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${req.params.corp}`);
  const body = typeof req.body === 'string' ? req.body : '';
  // The current secret, or the previous one while a rotation's overlap lasts.
  await verifyCorpSignature(ctx, corp.id, req.get('x-guidepost-signature'), body);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'body: not valid JSON', { field: 'body' });
  }
  const env = envelope.safeParse(json);
  if (!env.success) {
    const path = env.error.issues[0]?.path ?? [];
    const field = path.length ? `body.${path.join('.')}` : 'body';
    throw new AppError('VALIDATION_FAILED', `${field}: ${env.error.issues[0]?.message}`, { field });
  }
  return { corpId: corp.id, data: env.data };
}

/**
 * The report, checked against its contract: 200 when anything was usable; 400 carrying it when
 * nothing was.
 */
export function sendReport<R extends { rejected: unknown[] }>(
  res: Response,
  contract: ZodMiniType<R>,
  unchecked: R,
  usable: number,
): void {
  const report = contract.parse(unchecked);
  const nothing = usable === 0 && report.rejected.length > 0;
  res.status(nothing ? 400 : 200).json(
    nothing
      ? {
          error: {
            code: 'VALIDATION_FAILED',
            message: 'no row in the batch is usable',
            field: 'body',
            requestId: res.locals.requestId,
          },
          report,
        }
      : report,
  );
}

/**
 * POS / mall webhook: `POST /webhooks/pos/:corp`, HMAC-signed raw body, batches of up to 1,000
 * orders and 1,000 refunds.
 */
export function posWebhookRouter(ctx: AppContext): Router {
  const r = express.Router();
  r.post('/webhooks/pos/:corp', signedBody(ctx), async (req, res, next) => {
    try {
      const { corpId, data } = await verifiedEnvelope(ctx, req, batchEnvelope);
      const report = await ingestBatch(ctx, corpId, 'pos-webhook', data, { requestId: String(res.locals.requestId) });
      sendReport(
        res,
        ingestReport,
        report,
        report.orders.accepted + report.orders.duplicates + report.refunds.accepted + report.refunds.duplicates,
      );
    } catch (err) {
      next(err);
    }
  });
  return r;
}
