import express, { type Router } from 'express';
import { verifyFileContent } from '../core/admin/integrations';
import type { AppContext } from '../core/context';

/** The route's path: a pattern, as WeCom names the file per corp (the authorization matrix keys it by this). */
export const WECOM_VERIFY_PATH = /^\/WW_verify_[A-Za-z0-9]+\.txt$/;

/**
 * WeCom's trusted-domain check fetches `https://<host>/WW_verify_<token>.txt` at the domain root
 * and compares the body with the file it issued (protocol §16). The admin stores that file; this
 * serves it as plain text, ahead of the page fallback that would answer with index.html.
 */
export function wecomVerifyRouter(ctx: AppContext): Router {
  const r = express.Router();
  r.get(WECOM_VERIFY_PATH, async (req, res, next) => {
    try {
      const content = await verifyFileContent(ctx, req.path.slice(1));
      if (content === undefined) return void res.status(404).type('text/plain').send('not found');
      res.type('text/plain').set('Cache-Control', 'no-cache').send(content);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
