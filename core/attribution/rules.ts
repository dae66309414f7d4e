/**
 * The attribution rules (README.md in this folder is the rule table). Pure functions over plain
 * data: no I/O, no clock, no randomness — the same facts in any order give byte-identical output.
 */
export type CreditRule = 'transfer' | 'coupon' | 'interaction';
export type OrderRule = Exclude<CreditRule, 'transfer'>;

export interface RuleConfig {
  /** Order paths in precedence order (transfers are credited on their own bills). */
  precedence: OrderRule[];
  windowDays: number;
  /** Interaction kinds that count for the window rule. */
  countedKinds: string[];
}

export const DEFAULT_RULES: RuleConfig = {
  precedence: ['coupon', 'interaction'],
  windowDays: 7,
  countedKinds: ['script_send', 'product_share', 'coupon_issue', 'message', 'customer_added', 'call', 'archive_message'],
};

export interface CouponFact {
  couponId: number;
  code: string;
  guideId: number;
  issuedAt: number; // epoch ms
  expiresAt: number;
}

export interface InteractionFact {
  id: number;
  guideId: number;
  at: number;
  kind: string;
}

export interface OrderFacts {
  orderId: number;
  paidAt: number;
  netFen: number;
  customerId: number | null;
  exclusiveGuideId: number | null;
  /** Guide coupons named on the order (the order's coupon codes joined to coupons). */
  coupons: CouponFact[];
  /** The customer's interactions; the rule picks those in the window itself. */
  interactions: InteractionFact[];
}

export interface Candidate {
  guideId: number;
  rule: OrderRule;
  /** Why this guide did not get the credit. */
  lostBecause: string;
}

export type Evidence =
  | { rule: 'coupon'; couponId: number; code: string; issuedAt: string }
  | { rule: 'interaction'; interactionIds: number[]; lastAt: string; kind: string; windowDays: number; tieBreak: 'none' | 'exclusive_guide' | 'smallest_guide_id' };

export interface Attribution {
  orderId: number;
  guideId: number | null;
  rule: OrderRule | null;
  amountFen: number;
  evidence: Evidence | null;
  candidates: Candidate[];
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function couponWinner(o: OrderFacts): { winner: CouponFact | null; losers: Candidate[] } {
  const losers: Candidate[] = [];
  const valid: CouponFact[] = [];
  for (const c of [...o.coupons].sort((a, b) => a.couponId - b.couponId)) {
    if (c.issuedAt >= o.paidAt) losers.push({ guideId: c.guideId, rule: 'coupon', lostBecause: `coupon ${c.code} was issued after the purchase` });
    else if (c.expiresAt <= o.paidAt) losers.push({ guideId: c.guideId, rule: 'coupon', lostBecause: `coupon ${c.code} had expired at the purchase` });
    else valid.push(c);
  }
  // Most recently issued wins; ties by coupon id.
  valid.sort((a, b) => b.issuedAt - a.issuedAt || a.couponId - b.couponId);
  const [winner, ...rest] = valid;
  for (const c of rest) losers.push({ guideId: c.guideId, rule: 'coupon', lostBecause: `coupon ${c.code} was issued before ${winner!.code}` });
  return { winner: winner ?? null, losers };
}

function windowWinner(o: OrderFacts, cfg: RuleConfig): { winner: { guideId: number; ids: number[]; lastAt: number; kind: string; tieBreak: 'none' | 'exclusive_guide' | 'smallest_guide_id' } | null; losers: Candidate[] } {
  const start = o.paidAt - cfg.windowDays * DAY_MS;
  const counted = new Set(cfg.countedKinds);
  // Window [paidAt − window, paidAt): start inclusive, end exclusive.
  const inWindow = o.interactions.filter((i) => i.at >= start && i.at < o.paidAt && counted.has(i.kind));
  if (inWindow.length === 0) return { winner: null, losers: [] };
  const byGuide = new Map<number, InteractionFact[]>();
  for (const i of inWindow) byGuide.set(i.guideId, [...(byGuide.get(i.guideId) ?? []), i]);
  const latest = [...byGuide].map(([guideId, list]) => {
    const sorted = [...list].sort((a, b) => b.at - a.at || a.id - b.id);
    return { guideId, lastAt: sorted[0]!.at, kind: sorted[0]!.kind, ids: list.map((i) => i.id).sort((a, b) => a - b) };
  });
  const top = Math.max(...latest.map((l) => l.lastAt));
  const tied = latest.filter((l) => l.lastAt === top).sort((a, b) => a.guideId - b.guideId);
  let pick = tied[0]!;
  let tieBreak: 'none' | 'exclusive_guide' | 'smallest_guide_id' = 'none';
  if (tied.length > 1) {
    const excl = tied.find((t) => t.guideId === o.exclusiveGuideId);
    pick = excl ?? tied[0]!;
    tieBreak = excl ? 'exclusive_guide' : 'smallest_guide_id';
  }
  const losers: Candidate[] = latest
    .filter((l) => l.guideId !== pick.guideId)
    .sort((a, b) => a.guideId - b.guideId)
    .map((l) => ({
      guideId: l.guideId,
      rule: 'interaction' as const,
      lostBecause: l.lastAt < top ? `last interaction ${iso(l.lastAt)} is older than ${iso(top)}` : tieBreak === 'exclusive_guide' ? 'tied on the last interaction; the exclusive guide wins' : 'tied on the last interaction; the smaller guide id wins',
    }));
  return { winner: { guideId: pick.guideId, ids: pick.ids, lastAt: pick.lastAt, kind: pick.kind, tieBreak }, losers };
}

/** Credits one order to at most one guide (role seller), with the evidence and the losers. */
export function attributeOrder(o: OrderFacts, cfg: RuleConfig = DEFAULT_RULES): Attribution {
  const coupon = couponWinner(o);
  const window = windowWinner(o, cfg);
  let chosen: { guideId: number; rule: OrderRule; evidence: Evidence } | null = null;
  for (const rule of cfg.precedence) {
    if (rule === 'coupon' && coupon.winner) {
      const c = coupon.winner;
      chosen = { guideId: c.guideId, rule, evidence: { rule: 'coupon', couponId: c.couponId, code: c.code, issuedAt: iso(c.issuedAt) } };
    } else if (rule === 'interaction' && window.winner) {
      const w = window.winner;
      chosen = { guideId: w.guideId, rule, evidence: { rule: 'interaction', interactionIds: w.ids, lastAt: iso(w.lastAt), kind: w.kind, windowDays: cfg.windowDays, tieBreak: w.tieBreak } };
    }
    if (chosen) break;
  }
  const candidates: Candidate[] = [...coupon.losers, ...window.losers];
  // Winners of a lower-precedence path lose to the chosen path.
  if (chosen) {
    if (coupon.winner && chosen.rule !== 'coupon') candidates.push({ guideId: coupon.winner.guideId, rule: 'coupon', lostBecause: `the ${chosen.rule} rule comes first` });
    if (window.winner && chosen.rule !== 'interaction') candidates.push({ guideId: window.winner.guideId, rule: 'interaction', lostBecause: `the ${chosen.rule} rule comes first` });
  }
  const sorted = candidates
    .filter((c) => !chosen || c.guideId !== chosen.guideId || c.rule !== chosen.rule)
    .sort((a, b) => a.guideId - b.guideId || a.rule.localeCompare(b.rule) || a.lostBecause.localeCompare(b.lostBecause));
  return {
    orderId: o.orderId,
    guideId: chosen?.guideId ?? null,
    rule: chosen?.rule ?? null,
    amountFen: chosen ? Math.max(0, o.netFen) : 0,
    evidence: chosen?.evidence ?? null,
    candidates: sorted,
  };
}

/**
 * A refund's negative credit for the guide the sale was credited to: pro rata to the refunded
 * share of the order, never taking the total below zero.
 */
export function refundCreditFen(o: { netFen: number; creditedFen: number; alreadyReversedFen: number }, refundFen: number): number {
  if (o.creditedFen <= 0 || o.netFen <= 0 || refundFen <= 0) return 0;
  const share = Math.round((o.creditedFen * Math.min(refundFen, o.netFen)) / o.netFen);
  return -Math.min(share, o.creditedFen - o.alreadyReversedFen);
}

/** A transfer bill's credit: payments credit their payee; refund records reverse them. */
export function transferCreditFen(bill: { billType: number; totalFeeFen: number; refundFeeFen: number }): number {
  return bill.billType === 0 ? bill.totalFeeFen : -bill.refundFeeFen;
}
