import express, { type Router } from 'express';
import type { AppContext } from '../core/context';
import { wecomCallbackJob } from '../core/jobs/wecom.jobs';
import { receiveCallback, verifyCallbackUrl } from '../core/wecom/callback';

export const CALLBACK_BODY_LIMIT = 64 * 1024;

/**
 * WeCom callbacks: GET URL verification, POST encrypted events. Acknowledged as soon as the
 * event is stored; a worker processes it. Retried deliveries are stored once and processed once.
 */
export function wecomCallbackRouter(ctx: AppContext): Router {
  const r = express.Router();
  // WeCom's encrypted events are a few KiB; a body past the cap is refused before it is read in full.
  const raw = express.text({ type: () => true, limit: CALLBACK_BODY_LIMIT });
  r.get('/wecom/callback/:corp', async (req, res, next) => {
    try {
      const echo = await verifyCallbackUrl(ctx, String(req.params.corp), req.query);
      res.type('text/plain').send(echo);
    } catch (err) {
      next(err);
    }
  });
  r.post('/wecom/callback/:corp', raw, async (req, res, next) => {
    try {
      const stored = await receiveCallback(
        ctx,
        String(req.params.corp),
        req.query,
        typeof req.body === 'string' ? req.body : '',
      );
      // Queued on every delivery until processed (the job id collapses repeats): an event stored
      // while the queue was unreachable is picked up by WeCom's retry instead of being lost.
      if (stored.pending)
        await ctx.queues.enqueue(
          wecomCallbackJob,
          { corpId: stored.corpId, eventId: stored.eventId },
          { requestId: String(res.locals.requestId) },
        );
      res.type('text/plain').send('success');
    } catch (err) {
      next(err);
    }
  });
  return r;
}
