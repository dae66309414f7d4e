/**
 * What the trail says of a line. A sale or refund line of an order is its own creation record:
 * the event that created it is told from the line (its evidence, refund and amount), not stored a
 * second time. Events that carry something the line does not (a supersession and its reason, an
 * adjustment, a bill credited by the job that polled it) are rows of `credit_events`.
 */
import { evidenceSchema, type Evidence } from './rules';

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
