import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  createCouponTemplate,
  editCouponTemplate,
  listCouponTemplates,
  retireCouponTemplate,
} from '../../core/admin/coupon-templates';
import * as c from '../../core/contracts/admin-coupons';
import { route } from '../http/route';

/** The brand admin console: head office's admin role only. */
const ADMIN: readonly Role[] = ['admin'];
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

export const adminCouponRoutes = [
  route({
    method: 'get',
    path: '/api/admin/coupon-templates',
    auth: ADMIN,
    response: c.couponTemplateList,
    handler: async ({ ctx, principal }) => ({ templates: await listCouponTemplates(ctx.db, principal) }),
  }),
  route({
    method: 'post',
    path: '/api/admin/coupon-templates',
    auth: ADMIN,
    body: c.couponTemplateBody,
    response: c.couponTemplate,
    status: 201,
    handler: async ({ ctx, principal, body, requestId }) => createCouponTemplate(ctx, principal, body, requestId),
  }),
  route({
    method: 'put',
    path: '/api/admin/coupon-templates/:id',
    auth: ADMIN,
    params: idParams,
    body: c.couponTemplateBody,
    response: c.couponTemplate,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      editCouponTemplate(ctx, principal, params.id, body, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/coupon-templates/:id/retire',
    auth: ADMIN,
    params: idParams,
    body: c.retireCouponTemplateBody,
    response: c.couponTemplate,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      retireCouponTemplate(ctx, principal, params.id, body.reason, requestId),
  }),
];
