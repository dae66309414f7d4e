import type { Router } from 'express';
import type { AppContext } from '../core/context';
import { adminScriptImageRouter } from './admin-script-image.router';
import { ingestFileRouter } from './ingest-file.router';
import { interactionWebhookRouter } from './interaction-webhook.router';
import { posWebhookRouter } from './pos-webhook.router';
import { wecomCallbackRouter } from './wecom-callback.router';
import { wecomVerifyRouter } from './wecom-verify.router';

/**
 * Routers that need the raw request body (signature checks) and so are mounted before the
 * JSON parser: WeCom callbacks, POS and interaction webhooks, file uploads. In front of them (api/app.ts):
 * rate limits by path (api/middleware/rate-limit.ts) and what each path must show before its body is
 * read — size cap, role, signature header (`bodyRules` in api/middleware/body-guards.ts). A new raw
 * route gets a line there and an entry in test/integration/authz-matrix.test.ts.
 */
export const apiRawRouters: ((ctx: AppContext) => Router)[] = [
  wecomCallbackRouter,
  posWebhookRouter,
  interactionWebhookRouter,
  ingestFileRouter,
  adminScriptImageRouter,
  // Not a raw body, but it must answer before the page fallback: WeCom's trusted-domain file.
  wecomVerifyRouter,
];
