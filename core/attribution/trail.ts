/**
 * What the trail says of a line. A sale or refund line of an order is its own creation record:
 * the event that created it is told from the line (its evidence, refund and amount), not stored a
 * second time. Events that carry something the line does not (a supersession and its reason, an
 * adjustment, a bill credited by the job that polled it) are rows of `credit_events`.
 */
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { evidenceSchema, type Evidence } from './rules';
import { assertOrder, scopeOf } from '../access/scope';

/** One line a guide reads: why this order is theirs. */
function describeEvidence(e: Evidence): string {
  if (e.rule === 'transfer') return `paid by WeCom transfer ${e.transactionId} received by this guide at ${e.paidAt}`;
  if (e.rule === 'coupon') return `redeemed coupon ${e.code} issued by this guide at ${e.issuedAt}`;
  const tie =
    e.tieBreak === 'exclusive_guide'
      ? ' (tie: exclusive guide)'
      : e.tieBreak === 'smallest_guide_id'
        ? ' (tie: smallest guide id)'
        : '';
  return `last ${e.kind} at ${e.lastAt}, within ${e.windowDays} days before the purchase${tie}`;
}

/** Lines whose creation event is told from the line itself rather than stored. */
export const toldFromLine = (l: { order_id: number | null; kind: string }): boolean =>
  l.order_id !== null && (l.kind === 'sale' || l.kind === 'refund');

export interface TrailEvent {
  event: string;
  reason: string;
  at: Date;
}

/** The event that created a line told from the line, or null where the trail stores it. */
export function creationEvent(l: {
  order_id: number | null;
  kind: string;
  rule: string;
  refund_id: number | null;
  amount_fen: number;
  evidence: unknown;
  valid_from: Date;
}): TrailEvent | null {
  if (!toldFromLine(l)) return null;
  if (l.kind === 'refund')
    return {
      event: 'reversed',
      reason: `refund ${l.refund_id} reverses ${-l.amount_fen} fen pro rata`,
      at: l.valid_from,
    };
  const e = evidenceSchema.safeParse(l.evidence);
  return {
    event: 'created',
    reason: e.success ? describeEvidence(e.data) : `credited by the ${l.rule} rule`,
    at: l.valid_from,
  };
}

/**
 * An order's whole story for one reader: its live lines and the superseded ones, each with its
 * events, and every decision that changed its outcome with the fact that caused it. Scope: finance
 * and admins see all; managers their stores / regions; a guide only orders with a live line of hers.
 */
export async function orderTrail(ctx: AppContext, p: Principal, orderId: number) {
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
  // Scope (core/access/scope.ts): finance and admins see all; managers their stores/regions; a guide only orders with a live line of theirs.
  assertOrder(
    await scopeOf(ctx.db, p),
    order,
    credits.filter((c) => !c.superseded_at).map((c) => c.guide_id),
  );
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
  const decisions = await orderDecisions(ctx, p.corpId, orderId);
  return {
    decisions,
    order: { id: order.id, orderNo: order.order_no, paidAt: order.paid_at.toISOString(), netFen: order.net_fen },
    live: credits.filter((c) => !c.superseded_at).map(view),
    history: credits.filter((c) => c.superseded_at).map(view),
  };
}

const who = (id: number | null, rule: string | null, names: Map<number, string>) =>
  id === null || rule === null ? null : { guideId: id, guideName: names.get(id) ?? null, rule };

/** Every change of the order's outcome, oldest first, told in a sentence with its cause. */
async function orderDecisions(ctx: AppContext, corpId: number, orderId: number) {
  const rows = await ctx.db('attribution_decisions').where({ corp_id: corpId, order_id: orderId }).orderBy('id').select<
    {
      at: Date;
      first: boolean;
      from_guide_id: number | null;
      from_rule: string | null;
      to_guide_id: number | null;
      to_rule: string | null;
      rule_set_version: number;
      cause_kind: string;
      cause_id: string | null;
      reason: string;
    }[]
  >();
  const ids = [...new Set(rows.flatMap((r) => [r.from_guide_id, r.to_guide_id]).filter((x) => x !== null))];
  const names = new Map(
    (
      await ctx
        .db('guides')
        .where({ corp_id: corpId })
        .whereIn('id', ids)
        .select<{ id: number; name: string }[]>('id', 'name')
    ).map((g) => [Number(g.id), g.name]),
  );
  return rows.map((r) => {
    const from = who(r.from_guide_id === null ? null : Number(r.from_guide_id), r.from_rule, names);
    const to = who(r.to_guide_id === null ? null : Number(r.to_guide_id), r.to_rule, names);
    const side = (x: typeof from) =>
      x ? `credited to ${x.guideName ?? `guide ${x.guideId}`} by the ${x.rule} rule` : 'unattributed';
    const cause = `${r.cause_kind}${r.cause_id === null ? '' : ` ${r.cause_id}`}`;
    return {
      at: r.at.toISOString(),
      first: r.first,
      from,
      to,
      ruleSetVersion: r.rule_set_version,
      cause: { kind: r.cause_kind, id: r.cause_id },
      reason: r.reason,
      summary: r.first
        ? `first decided: ${side(to)} (rule set v${r.rule_set_version}; caused by ${cause})`
        : `${side(from)} → ${side(to)} (rule set v${r.rule_set_version}; caused by ${cause})`,
    };
  });
}
