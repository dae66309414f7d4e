import express, { type Router } from 'express';
import type { AppContext } from '../core/context';
import { AppError } from '../core/errors';
import { batchEnvelope, ingestBatch } from '../core/ingest/pos';
import { verifyPosSignature } from '../core/ingest/signature';
import { findCorp } from '../core/wecom/corp-client';

/**
 * POS / mall webhook: `POST /webhooks/pos/:corp`, HMAC-signed raw body, batches of up to 1,000
 * orders. 200 with a per-row report when anything was usable; 400 with the report when nothing was.
 */
export function posWebhookRouter(ctx: AppContext): Router {
  const r = express.Router();
  r.post('/webhooks/pos/:corp', express.text({ type: () => true, limit: '10mb' }), async (req, res, next) => {
    try {
      const corp = await findCorp(ctx, String(req.params.corp));
      if (!corp) throw new AppError('NOT_FOUND', `no corp ${req.params.corp}`);
      const row = await ctx
        .db('corps')
        .where({ id: corp.id })
        .first<{ pos_hmac_secret_enc: string | null }>('pos_hmac_secret_enc');
      if (!row?.pos_hmac_secret_enc) throw new AppError('FORBIDDEN', 'this corp has no POS integration configured');
      const body = typeof req.body === 'string' ? req.body : '';
      verifyPosSignature(ctx.secrets.open(row.pos_hmac_secret_enc), req.get('x-guidepost-signature'), body);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new AppError('VALIDATION_FAILED', 'body: not valid JSON', { field: 'body' });
      }
      const env = batchEnvelope.safeParse(json);
      if (!env.success) {
        const field = `body.${env.error.issues[0]?.path.join('.')}`;
        throw new AppError('VALIDATION_FAILED', `${field}: ${env.error.issues[0]?.message}`, { field });
      }
      const report = await ingestBatch(ctx, corp.id, 'pos-webhook', env.data, {
        requestId: String(res.locals.requestId),
      });
      const nothing =
        report.orders.accepted + report.orders.duplicates + report.refunds.accepted + report.refunds.duplicates === 0 &&
        report.rejected.length > 0;
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
    } catch (err) {
      next(err);
    }
  });
  return r;
}
