import express, { type Router } from 'express';
import { interactionReport } from '../core/contracts/ingest';
import type { AppContext } from '../core/context';
import { ingestInteractions, interactionEnvelope } from '../core/ingest/interaction-import';
import { sendReport, signedBody, verifiedEnvelope } from './pos-webhook.router';

/**
 * Interactions from other systems: `POST /webhooks/interactions/:corp`, signed like the POS
 * webhook, `{batchId, interactions: [...]}` with up to 1,000 message-archive, call or store-visit
 * records (fields in `core/ingest/interaction-import.ts`).
 */
export function interactionWebhookRouter(ctx: AppContext): Router {
  const r = express.Router();
  r.post('/webhooks/interactions/:corp', signedBody(ctx), async (req, res, next) => {
    try {
      const { corpId, data } = await verifiedEnvelope(ctx, req, interactionEnvelope);
      const report = await ingestInteractions(ctx, corpId, 'interaction-hook', data, {
        requestId: String(res.locals.requestId),
      });
      sendReport(res, interactionReport, report, report.interactions.accepted + report.interactions.duplicates);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
