import type { Router } from 'express';
import type { AppContext } from '../core/context';
import { wecomCallbackRouter } from './wecom-callback.router';

/**
 * Routers that need the raw request body (signature checks) and so are mounted before the
 * JSON parser: WeCom callbacks, POS webhooks.
 */
export const apiRawRouters: ((ctx: AppContext) => Router)[] = [wecomCallbackRouter];
