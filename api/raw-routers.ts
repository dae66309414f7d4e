import type { Router } from 'express';
import type { AppContext } from '../core/context';

/**
 * Routers that need the raw request body (signature checks) and so are mounted before the
 * JSON parser: WeCom callbacks, POS webhooks.
 */
export const apiRawRouters: ((ctx: AppContext) => Router)[] = [];
