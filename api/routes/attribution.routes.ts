import { z } from 'zod';
import { activateRuleSet, listRuleSets, proposeRuleSet, ruleConfigSchema } from '../../core/attribution/rule-sets';
import { orderTrail } from '../../core/attribution/trail';
import { whatIf } from '../../core/attribution/what-if';
import { route } from '../http/route';

const creditView = z.object({
  id: z.number(),
  kind: z.enum(['sale', 'refund', 'adjustment']),
  guideId: z.number(),
  guideName: z.string(),
  rule: z.enum(['transfer', 'coupon', 'interaction']),
  amountFen: z.number().int(),
  ruleSetVersion: z.number().int(),
  occurredAt: z.string(),
  transferId: z.number().nullable(),
  adjustsCreditId: z.number().nullable(),
  evidence: z.unknown(),
  candidates: z.array(
    z.object({ guideId: z.number(), guideName: z.string().nullable(), rule: z.string(), lostBecause: z.string() }),
  ),
  validFrom: z.string(),
  supersededAt: z.string().nullable(),
  events: z.array(z.object({ event: z.string(), reason: z.string(), at: z.string() })),
});

const outcomeView = z.object({ guideId: z.number(), guideName: z.string().nullable(), rule: z.string() }).nullable();
const decisionView = z.object({
  at: z.string(),
  first: z.boolean(),
  from: outcomeView,
  to: outcomeView,
  ruleSetVersion: z.number().int(),
  cause: z.object({ kind: z.string(), id: z.string().nullable() }),
  reason: z.string(),
  summary: z.string(),
});

const ruleSetView = z.object({
  version: z.number().int(),
  name: z.string(),
  status: z.enum(['proposed', 'active']),
  effectiveFrom: z.string(),
  config: ruleConfigSchema,
  changeNote: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  activatedAt: z.string().nullable(),
  activatedBy: z.string().nullable(),
});

export const attributionRoutes = [
  route({
    method: 'get',
    path: '/api/attribution/orders/:orderId/trail',
    auth: 'session',
    params: z.object({ orderId: z.coerce.number().int().positive() }),
    response: z.object({
      order: z.object({ id: z.number(), orderNo: z.string(), paidAt: z.string(), netFen: z.number() }),
      live: z.array(creditView),
      history: z.array(creditView),
      decisions: z.array(decisionView),
    }),
    handler: async ({ ctx, principal, params }) => orderTrail(ctx, principal, params.orderId),
  }),
  route({
    method: 'post',
    path: '/api/attribution/what-if',
    auth: ['finance', 'admin'],
    body: z
      .object({
        ruleSet: ruleConfigSchema,
        from: z.iso.datetime({ offset: true }),
        to: z.iso.datetime({ offset: true }),
      })
      .refine((b) => Date.parse(b.from) < Date.parse(b.to), { path: ['to'], message: 'must be after from' })
      .refine((b) => Date.parse(b.to) - Date.parse(b.from) <= 366 * 86_400_000, {
        path: ['to'],
        message: 'at most one year',
      }),
    response: z.object({
      orders: z.number().int(),
      changedOwner: z.number().int(),
      newlyAttributed: z.number().int(),
      newlyUnattributed: z.number().int(),
      byGuide: z.array(
        z.object({
          guideId: z.number(),
          name: z.string(),
          storeId: z.number(),
          currentFen: z.number().int(),
          proposedFen: z.number().int(),
          deltaFen: z.number().int(),
        }),
      ),
      byStore: z.array(
        z.object({
          storeId: z.number(),
          name: z.string(),
          currentFen: z.number().int(),
          proposedFen: z.number().int(),
          deltaFen: z.number().int(),
        }),
      ),
      byRegion: z.array(
        z.object({
          regionId: z.number(),
          name: z.string(),
          currentFen: z.number().int(),
          proposedFen: z.number().int(),
          deltaFen: z.number().int(),
        }),
      ),
    }),
    handler: async ({ ctx, principal, body }) =>
      whatIf(ctx, principal.corpId, body.ruleSet, new Date(body.from), new Date(body.to)),
  }),
  route({
    method: 'get',
    path: '/api/attribution/rule-sets',
    auth: ['finance', 'admin'],
    response: z.object({
      versions: z.array(ruleSetView),
      changes: z.array(
        z.object({
          version: z.number().int(),
          action: z.enum(['proposed', 'activated']),
          actor: z.string(),
          note: z.string(),
          at: z.string(),
        }),
      ),
    }),
    handler: async ({ ctx, principal }) => listRuleSets(ctx.db, principal.corpId),
  }),
  route({
    method: 'post',
    path: '/api/attribution/rule-sets',
    auth: ['admin'],
    status: 201,
    body: z.object({
      name: z.string().min(1).max(64),
      effectiveFrom: z.iso.datetime({ offset: true }),
      config: ruleConfigSchema,
      note: z.string().min(1).max(500),
    }),
    response: z.object({ version: z.number().int() }),
    handler: async ({ ctx, principal, body, requestId }) => ({
      version: await proposeRuleSet(
        ctx.db,
        principal.corpId,
        principal.userid,
        { name: body.name, effectiveFrom: new Date(body.effectiveFrom), config: body.config, note: body.note },
        requestId,
      ),
    }),
  }),
  route({
    method: 'post',
    path: '/api/attribution/rule-sets/:version/activate',
    auth: ['admin'],
    params: z.object({ version: z.coerce.number().int().positive() }),
    body: z.object({ note: z.string().min(1).max(500) }),
    response: z.object({ reattributeOrders: z.number().int(), reattributeTransfers: z.number().int() }),
    handler: async ({ ctx, principal, params, body, requestId }) =>
      activateRuleSet(ctx, principal.corpId, principal.userid, params.version, body.note, requestId),
  }),
];
