import { z } from 'zod';
import { exclusiveHistoryFor, setExclusiveGuide } from '../../core/customers/exclusive-guide';
import { route } from '../http/route';

const assignment = z.object({
  id: z.number().int(),
  guideId: z.number().int(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  setBy: z.string(),
  reason: z.string(),
});
const params = z.object({ customerId: z.coerce.number().int().positive() });

export const customerRoutes = [
  route({
    method: 'get',
    path: '/api/customers/:customerId/exclusive-guide',
    auth: ['admin', 'store_manager', 'regional_manager', 'finance'],
    params,
    response: z.object({ assignments: z.array(assignment) }),
    handler: async ({ ctx, principal, params: p }) => ({
      assignments: await exclusiveHistoryFor(ctx, principal, p.customerId),
    }),
  }),
  route({
    method: 'put',
    path: '/api/customers/:customerId/exclusive-guide',
    auth: ['admin', 'store_manager'],
    params,
    body: z.object({
      guideId: z.number().int().positive().nullable(),
      from: z.iso.datetime({ offset: true }).optional(),
      reason: z.string().trim().min(1).max(200),
    }),
    response: z.object({ assignments: z.array(assignment) }),
    handler: async ({ ctx, principal, params: p, body, requestId }) => ({
      assignments: await setExclusiveGuide(ctx, {
        corpId: principal.corpId,
        customerId: p.customerId,
        guideId: body.guideId,
        ...(body.from ? { from: new Date(body.from) } : {}),
        reason: body.reason,
        actor: principal.userid,
        ...(principal.role === 'store_manager' ? { storeScope: principal.storeIds } : {}),
        requestId,
      }),
    }),
  }),
];
