import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  guideHandovers,
  handoverCustomers,
  markGuideLeft,
  refreshSuccessions,
  startTransfers,
  successionOverview,
} from '../../core/admin/succession';
import * as c from '../../core/contracts/succession';
import { asGuide } from '../../core/guide/access';
import { route } from '../http/route';

/** 离职继承 / 在职继承 in the brand admin console (the admin role), and each guide's view of it. */
const ADMIN: readonly Role[] = ['admin'];
const guideParam = z.object({ guideId: z.coerce.number().int().positive().max(2_147_483_647) });

export const successionRoutes = [
  route({
    method: 'get',
    path: '/api/admin/succession',
    auth: ADMIN,
    response: c.successionOverview,
    handler: async ({ ctx, principal }) => successionOverview(ctx, principal),
  }),
  route({
    method: 'get',
    path: '/api/admin/succession/guides/:guideId/customers',
    auth: ADMIN,
    params: guideParam,
    response: c.handoverCustomers,
    handler: async ({ ctx, principal, params }) => handoverCustomers(ctx, principal, params.guideId),
  }),
  route({
    method: 'post',
    path: '/api/admin/succession/guides/:guideId/leave',
    auth: ADMIN,
    params: guideParam,
    body: c.markLeftBody,
    response: c.markLeftResponse,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      markGuideLeft(ctx, principal, params.guideId, body, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/succession/transfers',
    auth: ADMIN,
    body: c.startTransfersBody,
    response: c.startTransfersResponse,
    handler: async ({ ctx, principal, body, requestId }) => startTransfers(ctx, principal, body, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/succession/refresh',
    auth: ADMIN,
    response: c.refreshResponse,
    handler: async ({ ctx, principal, requestId }) => refreshSuccessions(ctx, principal, requestId),
  }),
  route({
    method: 'get',
    path: '/api/guide/handovers',
    auth: ['guide', 'store_manager'],
    response: c.guideHandovers,
    handler: async ({ ctx, principal }) => {
      const g = asGuide(principal);
      return guideHandovers(ctx.db, g.corpId, g.guideId);
    },
  }),
];
