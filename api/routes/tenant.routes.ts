import { productShareSettings } from '../../core/contracts/product-share';
import { productShare } from '../../core/contracts/sidebar';
import { readProductShare, writeProductShare } from '../../core/tenant/product-share';
import { route } from '../http/route';

/** Tenant settings an admin sets: how the sidebar shares a product (mini-program card, news link, or neither). */
export const tenantRoutes = [
  route({
    method: 'get',
    path: '/api/tenant/product-share',
    auth: ['admin'],
    response: productShare,
    handler: ({ ctx, principal }) => readProductShare(ctx.db, principal.corpId),
  }),
  route({
    method: 'put',
    path: '/api/tenant/product-share',
    auth: ['admin'],
    body: productShareSettings,
    response: productShare,
    handler: ({ ctx, principal, body, requestId }) =>
      writeProductShare(ctx.db, principal.corpId, principal.userid, body, requestId),
  }),
];
