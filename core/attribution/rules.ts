/**
 * The attribution rules (README.md in this folder is the rule table). Pure functions over plain
 * data: no I/O, no clock, no randomness — the same facts in any order give byte-identical output.
 */
import { saleEvidence, type SaleEvidence } from './evidence';

export type CreditRule = 'transfer' | 'coupon' | 'interaction';
/** Every path can credit an order: a transfer path through the bill the order was paid by. */
export type OrderRule = CreditRule;
export const CREDIT_RULES: readonly CreditRule[] = ['transfer', 'coupon', 'interaction'];

/**
 * Where a handed-over customer's open windows go (离职继承 / 在职继承): the handover guide's interactions
 * from before the takeover count, for purchases from the takeover on, as the successor's (`successor`,
 * the default) or not at all (`nobody`).
 */
export type HandoverWindows = 'successor' | 'nobody';
export const DEFAULT_HANDOVER_WINDOWS: HandoverWindows = 'successor';

export interface RuleConfig {
  /** The three paths in precedence order (a path left out never credits an order). */
  precedence: OrderRule[];
  windowDays: number;
  /** Interaction kinds that count for the window rule. */
  countedKinds: string[];
  /** Absent: DEFAULT_HANDOVER_WINDOWS (rule sets stored before the option keep their bytes). */
  handoverWindows?: HandoverWindows;
}

export const DEFAULT_RULES: RuleConfig = {
  precedence: ['transfer', 'coupon', 'interaction'],
  windowDays: 7,
  countedKinds: [
    'script_send',
    'product_share',
    'coupon_issue',
    'message',
    'customer_added',
    'call',
    'archive_message',
  ],
};

/** An order naming a coupon's code: the coupon credits the earliest of these it was valid for. */
export interface CouponRedemption {
  orderId: number;
  orderNo: string;
  source: string;
  paidAt: number;
}

export interface CouponFact {
  couponId: number;
  code: string;
  guideId: number;
  issuedAt: number; // epoch ms
  /** When it went into the chat; null: never sent (it credits nothing). */
  sentAt: number | null;
  expiresAt: number;
  /** When it was voided (it then credits no order, paid before or after); null: not voided. */
  voidedAt: number | null;
  /**
   * Every order naming the code (this one may be left out): the coupon credits only the earliest
   * paid of those it was valid for, ties by source and order number.
   */
  redemptions: CouponRedemption[];
}

/** A WeCom 对外收款 payment bill matched to the order (the order names its transaction id). */
export interface TransferFact {
  transferId: number;
  transactionId: string;
  guideId: number;
  paidAt: number;
}

export interface InteractionFact {
  id: number;
  guideId: number;
  at: number;
  kind: string;
}

/** A completed takeover of the customer: from this moment the successor serves her. */
export interface HandoverFact {
  fromGuideId: number;
  toGuideId: number;
  at: number;
}

export interface OrderFacts {
  orderId: number;
  paidAt: number;
  netFen: number;
  customerId: number | null;
  exclusiveGuideId: number | null;
  /** Payment bills the order was paid by, payee known as a guide. */
  transfers: TransferFact[];
  /** Guide coupons named on the order (the order's coupon codes joined to coupons). */
  coupons: CouponFact[];
  /** The customer's interactions; the rule picks those in the window itself. */
  interactions: InteractionFact[];
  /** Completed takeovers of the customer (none: never handed over). */
  handovers?: HandoverFact[];
}

export interface Candidate {
  guideId: number;
  rule: OrderRule;
  /** Why this guide did not get the credit. */
  lostBecause: string;
}

/** What a sale credit stores as its evidence (evidence.ts has the schema of every kind of line). */
export { saleEvidence as evidenceSchema };
export type Evidence = SaleEvidence;

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

function transferWinner(o: OrderFacts): { winner: TransferFact | null; losers: Candidate[] } {
  // One bill per order in practice; should several name it, the latest payment wins, ties by
  // transaction id (a natural key, so the outcome does not depend on arrival order).
  const sorted = [...o.transfers].sort(
    (a, b) => b.paidAt - a.paidAt || a.transactionId.localeCompare(b.transactionId) || a.transferId - b.transferId,
  );
  const [winner, ...rest] = sorted;
  return {
    winner: winner ?? null,
    losers: rest.map((t) => ({
      guideId: t.guideId,
      rule: 'transfer' as const,
      lostBecause: `transfer ${t.transactionId} was paid before ${winner!.transactionId}`,
    })),
  };
}

/** Why a coupon cannot credit a purchase at `paidAt`, or null when it was valid then. */
function couponInvalidAt(c: CouponFact, paidAt: number): string | null {
  // A void withdraws the coupon whenever it came: the order it credited is re-attributed.
  if (c.voidedAt !== null) return `coupon ${c.code} was voided`;
  if (c.sentAt === null) return `coupon ${c.code} was never sent to the customer`;
  if (c.issuedAt >= paidAt) return `coupon ${c.code} was issued after the purchase`;
  if (c.sentAt >= paidAt) return `coupon ${c.code} was sent after the purchase`;
  if (c.expiresAt <= paidAt) return `coupon ${c.code} had expired at the purchase`;
  return null;
}

/** Code-unit order, as PostgreSQL's `collate "C"` sorts (the coupon status update in SQL picks the same order). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byPaidThenKeys = (a: CouponRedemption, b: CouponRedemption) =>
  a.paidAt - b.paidAt || cmp(a.source, b.source) || cmp(a.orderNo, b.orderNo) || a.orderId - b.orderId;

/**
 * The order a coupon credits: the earliest paid redemption it was valid for (then source and
 * order number — natural keys, so arrival order never matters); null when none.
 */
export function couponHolder(c: CouponFact, self: { orderId: number; paidAt: number }): CouponRedemption | null {
  const mine = c.redemptions.find((r) => r.orderId === self.orderId);
  const all = mine
    ? c.redemptions
    : [...c.redemptions, { orderId: self.orderId, orderNo: '', source: '', paidAt: self.paidAt }];
  return all.filter((r) => couponInvalidAt(c, r.paidAt) === null).sort(byPaidThenKeys)[0] ?? null;
}

function couponWinner(o: OrderFacts): { winner: CouponFact | null; losers: Candidate[] } {
  const losers: Candidate[] = [];
  const valid: CouponFact[] = [];
  for (const c of [...o.coupons].sort((a, b) => a.couponId - b.couponId)) {
    const invalid = couponInvalidAt(c, o.paidAt);
    const holder = invalid === null ? couponHolder(c, o) : null;
    const lostBecause =
      invalid ??
      (holder && holder.orderId !== o.orderId
        ? `coupon ${c.code} was already redeemed by order ${holder.orderNo}`
        : null);
    if (lostBecause) losers.push({ guideId: c.guideId, rule: 'coupon', lostBecause });
    else valid.push(c);
  }
  // Most recently issued wins; ties by coupon id.
  valid.sort((a, b) => b.issuedAt - a.issuedAt || a.couponId - b.couponId);
  const [winner, ...rest] = valid;
  for (const c of rest)
    losers.push({
      guideId: c.guideId,
      rule: 'coupon',
      lostBecause: `coupon ${c.code} was issued before ${winner!.code}`,
    });
  return { winner: winner ?? null, losers };
}

/**
 * The interactions as they count for a purchase at `paidAt` after the customer's takeovers: each takeover
 * at or before the purchase moves the handover guide's earlier interactions to the successor (noting whose
 * they were), or drops them (`nobody`). Takeovers apply in time order, so a chain A → B → C ends at C.
 */
export function afterHandovers(
  interactions: InteractionFact[],
  handovers: HandoverFact[] | undefined,
  paidAt: number,
  mode: HandoverWindows,
): (InteractionFact & { inheritedFrom?: number })[] {
  const due = (handovers ?? [])
    .filter((h) => h.at <= paidAt)
    .sort((a, b) => a.at - b.at || a.fromGuideId - b.fromGuideId || a.toGuideId - b.toGuideId);
  let out: (InteractionFact & { inheritedFrom?: number })[] = interactions;
  for (const h of due)
    out = out.flatMap((i) =>
      i.guideId !== h.fromGuideId || i.at >= h.at
        ? [i]
        : mode === 'nobody'
          ? []
          : [{ ...i, guideId: h.toGuideId, inheritedFrom: i.inheritedFrom ?? h.fromGuideId }],
    );
  return out;
}

function windowWinner(
  o: OrderFacts,
  cfg: RuleConfig,
): {
  winner: {
    guideId: number;
    ids: number[];
    lastAt: number;
    kind: string;
    tieBreak: 'none' | 'exclusive_guide' | 'smallest_guide_id';
    inheritedFrom: number[];
  } | null;
  losers: Candidate[];
} {
  const start = o.paidAt - cfg.windowDays * DAY_MS;
  const counted = new Set(cfg.countedKinds);
  const mode = cfg.handoverWindows ?? DEFAULT_HANDOVER_WINDOWS;
  // Window [paidAt − window, paidAt): start inclusive, end exclusive.
  const inWindow = afterHandovers(o.interactions, o.handovers, o.paidAt, mode).filter(
    (i) => i.at >= start && i.at < o.paidAt && counted.has(i.kind),
  );
  if (inWindow.length === 0) return { winner: null, losers: [] };
  const byGuide = new Map<number, typeof inWindow>();
  for (const i of inWindow) byGuide.set(i.guideId, [...(byGuide.get(i.guideId) ?? []), i]);
  const latest = [...byGuide].map(([guideId, list]) => {
    // The guide's latest interaction; at equal times the kind decides, not the arrival-dependent id.
    const sorted = [...list].sort((a, b) => b.at - a.at || a.kind.localeCompare(b.kind) || a.id - b.id);
    return {
      guideId,
      lastAt: sorted[0]!.at,
      kind: sorted[0]!.kind,
      ids: list.map((i) => i.id).sort((a, b) => a - b),
      inheritedFrom: [...new Set(list.flatMap((i) => (i.inheritedFrom === undefined ? [] : [i.inheritedFrom])))].sort(
        (a, b) => a - b,
      ),
    };
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
      lostBecause:
        l.lastAt < top
          ? `last interaction ${iso(l.lastAt)} is older than ${iso(top)}`
          : tieBreak === 'exclusive_guide'
            ? 'tied on the last interaction; the exclusive guide wins'
            : 'tied on the last interaction; the smaller guide id wins',
    }));
  return {
    winner: {
      guideId: pick.guideId,
      ids: pick.ids,
      lastAt: pick.lastAt,
      kind: pick.kind,
      tieBreak,
      inheritedFrom: pick.inheritedFrom,
    },
    losers,
  };
}

/** Credits one order to at most one guide (role seller), with the evidence and the losers. */
export function attributeOrder(o: OrderFacts, cfg: RuleConfig = DEFAULT_RULES): Attribution {
  const transfer = transferWinner(o);
  const coupon = couponWinner(o);
  const window = windowWinner(o, cfg);
  const winners: Record<OrderRule, { guideId: number; evidence: Evidence } | null> = {
    transfer: transfer.winner && {
      guideId: transfer.winner.guideId,
      evidence: {
        rule: 'transfer',
        transferId: transfer.winner.transferId,
        transactionId: transfer.winner.transactionId,
        paidAt: iso(transfer.winner.paidAt),
      },
    },
    coupon: coupon.winner && {
      guideId: coupon.winner.guideId,
      evidence: {
        rule: 'coupon',
        couponId: coupon.winner.couponId,
        code: coupon.winner.code,
        issuedAt: iso(coupon.winner.issuedAt),
      },
    },
    interaction: window.winner && {
      guideId: window.winner.guideId,
      evidence: {
        rule: 'interaction',
        interactionIds: window.winner.ids,
        lastAt: iso(window.winner.lastAt),
        kind: window.winner.kind,
        windowDays: cfg.windowDays,
        tieBreak: window.winner.tieBreak,
        ...(window.winner.inheritedFrom.length ? { inheritedFrom: window.winner.inheritedFrom } : {}),
      },
    },
  };
  const rule = cfg.precedence.find((r) => winners[r] !== null) ?? null;
  const chosen = rule ? { rule, ...winners[rule]! } : null;
  const candidates: Candidate[] = [...transfer.losers, ...coupon.losers, ...window.losers];
  // Winners of the other paths lose to the chosen path, or to precedence leaving their path out.
  for (const r of CREDIT_RULES) {
    const w = winners[r];
    if (!w || r === chosen?.rule) continue;
    candidates.push({
      guideId: w.guideId,
      rule: r,
      lostBecause: !cfg.precedence.includes(r)
        ? `the ${r} rule is not in this rule set`
        : `the ${chosen!.rule} rule comes first`,
    });
  }
  const sorted = candidates
    .filter((c) => !chosen || c.guideId !== chosen.guideId || c.rule !== chosen.rule)
    .sort(
      (a, b) => a.guideId - b.guideId || a.rule.localeCompare(b.rule) || a.lostBecause.localeCompare(b.lostBecause),
    );
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
export function refundCreditFen(
  o: { netFen: number; creditedFen: number; alreadyReversedFen: number },
  refundFen: number,
): number {
  if (o.creditedFen <= 0 || o.netFen <= 0 || refundFen <= 0) return 0;
  const share = Math.round((o.creditedFen * Math.min(refundFen, o.netFen)) / o.netFen);
  return -Math.min(share, o.creditedFen - o.alreadyReversedFen);
}

/** A transfer bill's credit: payments credit their payee; refund records reverse them. */
export function transferCreditFen(bill: { billType: number; totalFeeFen: number; refundFeeFen: number }): number {
  return bill.billType === 0 ? bill.totalFeeFen : -bill.refundFeeFen;
}
