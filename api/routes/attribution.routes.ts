import { z } from 'zod';
import type { Principal } from '../../core/auth/principal';
import type { AppContext } from '../../core/context';
import { activateRuleSet, listRuleSets, proposeRuleSet, ruleConfigSchema } from '../../core/attribution/rule-sets';
import { creationEvent, type TrailEvent } from '../../core/attribution/trail';
import { whatIf } from '../../core/attribution/what-if';
import { AppError } from '../../core/errors';
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

async function trail(ctx: AppContext, p: Principal, orderId: number) {
  const order = await ctx
    .db('orders')
    .where({ id: orderId, corp_id: p.corpId })
    .first<{ id: number; order_no: string; store_id: number | null; paid_at: Date; net_fen: number } | undefined>(
      'id',
      'order_no',
      'store_id',
      'paid_at',
      'net_fen',
    );
  if (!order) throw new AppError('NOT_FOUND', `no order ${orderId}`);
  // The order's lines, and the stand-alone lines of the bill it was paid by (replaced once matched).
  const credits = await ctx
    .db('credits as c')
    .join('guides as g', 'g.id', 'c.guide_id')
    .where({ 'c.corp_id': p.corpId })
    .where((q) =>
      q.where('c.order_id', orderId).orWhereIn(
        'c.transfer_id',
        ctx
          .db('transfers as t')
          .join('orders as o', function () {
            this.on('o.corp_id', 't.corp_id').andOn('o.payment_transaction_id', 't.transaction_id');
          })
          .where('o.id', orderId)
          .select('t.id'),
      ),
    )
    .orderBy('c.id')
    .select<
      {
        id: number;
        order_id: number | null;
        refund_id: number | null;
        kind: 'sale' | 'refund' | 'adjustment';
        guide_id: number;
        name: string;
        rule: 'transfer' | 'coupon' | 'interaction';
        amount_fen: number;
        rule_set_version: number;
        occurred_at: Date;
        transfer_id: number | null;
        adjusts_credit_id: number | null;
        evidence: unknown;
        candidates: { guideId: number; rule: string; lostBecause: string }[];
        valid_from: Date;
        superseded_at: Date | null;
      }[]
    >(
      'c.id',
      'c.order_id',
      'c.refund_id',
      'c.kind',
      'c.guide_id',
      'g.name',
      'c.rule',
      'c.amount_fen',
      'c.rule_set_version',
      'c.occurred_at',
      'c.transfer_id',
      'c.adjusts_credit_id',
      'c.evidence',
      'c.candidates',
      'c.valid_from',
      'c.superseded_at',
    );
  // Scope: finance and admins see all; managers their stores/regions; a guide only orders with a live line of theirs.
  if (p.role === 'guide' && !credits.some((c) => c.guide_id === p.guideId && !c.superseded_at))
    throw new AppError('FORBIDDEN', 'this order is not credited to you');
  if (p.role === 'store_manager' && (order.store_id === null || !p.storeIds.includes(order.store_id)))
    throw new AppError('FORBIDDEN', 'this order is outside your stores');
  if (p.role === 'regional_manager') {
    const s = order.store_id
      ? await ctx.db('stores').where({ id: order.store_id }).first<{ region_id: number }>('region_id')
      : undefined;
    if (!s || !p.regionIds.includes(s.region_id)) throw new AppError('FORBIDDEN', 'this order is outside your regions');
  }
  const names = new Map(
    (
      await ctx
        .db('guides')
        .where({ corp_id: p.corpId })
        .whereIn(
          'id',
          credits.flatMap((c) => c.candidates.map((x) => x.guideId)),
        )
        .select<{ id: number; name: string }[]>('id', 'name')
    ).map((g) => [g.id, g.name]),
  );
  const stored = await ctx
    .db('credit_events')
    .whereIn(
      'credit_id',
      credits.map((c) => c.id),
    )
    .orderBy('id')
    .select<{ credit_id: number; event: string; reason: string; at: Date }[]>('credit_id', 'event', 'reason', 'at');
  // A line's story: its creation (told from the line where it is not stored), then what happened to it.
  const eventsOf = (c: (typeof credits)[number]): TrailEvent[] => {
    const mine = stored.filter((e) => e.credit_id === c.id);
    const created = creationEvent(c);
    return created && !mine.some((e) => e.event === created.event) ? [created, ...mine] : mine;
  };
  const view = (c: (typeof credits)[number]) => ({
    id: c.id,
    kind: c.kind,
    guideId: c.guide_id,
    guideName: c.name,
    rule: c.rule,
    amountFen: c.amount_fen,
    ruleSetVersion: c.rule_set_version,
    occurredAt: c.occurred_at.toISOString(),
    transferId: c.transfer_id,
    adjustsCreditId: c.adjusts_credit_id,
    evidence: c.evidence,
    candidates: c.candidates.map((x) => ({ ...x, guideName: names.get(x.guideId) ?? null })),
    validFrom: c.valid_from.toISOString(),
    supersededAt: c.superseded_at?.toISOString() ?? null,
    events: eventsOf(c).map((e) => ({ event: e.event, reason: e.reason, at: e.at.toISOString() })),
  });
  return {
    order: { id: order.id, orderNo: order.order_no, paidAt: order.paid_at.toISOString(), netFen: order.net_fen },
    live: credits.filter((c) => !c.superseded_at).map(view),
    history: credits.filter((c) => c.superseded_at).map(view),
  };
}

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
    }),
    handler: async ({ ctx, principal, params }) => trail(ctx, principal, params.orderId),
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
    handler: async ({ ctx, principal, body }) => ({
      version: await proposeRuleSet(ctx.db, principal.corpId, principal.userid, {
        name: body.name,
        effectiveFrom: new Date(body.effectiveFrom),
        config: body.config,
        note: body.note,
      }),
    }),
  }),
  route({
    method: 'post',
    path: '/api/attribution/rule-sets/:version/activate',
    auth: ['admin'],
    params: z.object({ version: z.coerce.number().int().positive() }),
    body: z.object({ note: z.string().min(1).max(500) }),
    response: z.object({ reattributeOrders: z.number().int(), reattributeTransfers: z.number().int() }),
    handler: async ({ ctx, principal, params, body }) =>
      activateRuleSet(ctx, principal.corpId, principal.userid, params.version, body.note),
  }),
];
