import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express, type Router } from 'express';
import type { AppContext } from '../core/context';
import { mount } from './http/route';
import { accessLog } from './middleware/access-log';
import { JSON_BODY_LIMIT_BYTES, bodyGuards, webhookCorp } from './middleware/body-guards';
import { errorHandler, notFound } from './middleware/errors';
import { rateLimits } from './middleware/rate-limit';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { session } from './middleware/session';
import { apiRawRouters } from './raw-routers';
import { allRoutes } from './routes/index';

const SIDEBAR_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'sidebar');

export interface AppOptions {
  /** Extra raw-body routers mounted before JSON parsing (signed webhooks and callbacks). */
  rawRouters?: ((ctx: AppContext) => Router)[];
  serveSidebar?: boolean;
}

/** Builds the Express app over a context; tests call this with their own context. */
export function createApp(ctx: AppContext, opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set(
    'trust proxy',
    ctx.cfg.TRUST_PROXY.split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
  // JSON API responses are per user and change with every credit: no ETags (each costs a hash of the body).
  app.set('etag', false);
  app.use(requestId);
  app.use(accessLog(ctx.logger, (req) => req.url === '/healthz'));
  app.use(securityHeaders(ctx.cfg));
  // Before any body is read: the caller's address within its limit, then who the caller is, the
  // corp within its limit, and what the path demands before its body (size, role, signature).
  const limits = rateLimits(ctx);
  app.use(limits.byAddress);
  app.use(cookieParser());
  const resolveSession = session(ctx);
  // Signed webhooks and WeCom callbacks authenticate themselves; a cookie there means nothing.
  app.use((req, res, next) =>
    req.path.startsWith('/webhooks/') || req.path.startsWith('/wecom/') ? next() : resolveSession(req, res, next),
  );
  app.use(limits.byCorp);
  app.use(bodyGuards(ctx.cfg));
  app.use(webhookCorp(ctx));
  for (const make of opts.rawRouters ?? apiRawRouters) app.use(make(ctx));
  app.use(express.json({ limit: JSON_BODY_LIMIT_BYTES }));
  const router = express.Router();
  // Route paths are absolute: '/healthz', '/api/…'.
  mount(router, ctx, allRoutes);
  app.use(router);
  app.use('/api', notFound);
  if (opts.serveSidebar !== false && existsSync(SIDEBAR_DIST)) {
    app.use(
      express.static(SIDEBAR_DIST, {
        index: false,
        maxAge: '1h',
        setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache'),
      }),
    );
    const index = readFileSync(join(SIDEBAR_DIST, 'index.html'), 'utf8');
    // Sandbox: the simulated desktop client injects its WeixinJSBridge before the app's scripts.
    const html = ctx.cfg.WECOM_JS_BRIDGE_URL
      ? index.replace('<head>', `<head><script src="${ctx.cfg.WECOM_JS_BRIDGE_URL}"></script>`)
      : index;
    app.get(/^\/(?!api\/).*/, (_req, res) => {
      res.type('html').set('Cache-Control', 'no-cache').send(html);
    });
  }
  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
