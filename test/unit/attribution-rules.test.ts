import { describe, expect, it } from 'vitest';
import { readLineEvidence } from '../../core/attribution/evidence';
import { planLines, wantedLines, type CurrentLine } from '../../core/attribution/ledger';
import { ruleConfigSchema, ruleSetAt } from '../../core/attribution/rule-sets';
import {
  DEFAULT_RULES,
  attributeOrder,
  refundCreditFen,
  transferCreditFen,
  type CouponFact,
  type OrderFacts,
} from '../../core/attribution/rules';

const DAY = 86_400_000;
const T = Date.parse('2026-11-20T14:00:00+08:00');
const base: OrderFacts = {
  orderId: 1,
  paidAt: T,
  netFen: 59_900,
  customerId: 9,
  exclusiveGuideId: null,
  transfers: [],
  coupons: [],
  interactions: [],
};
const at = (ms: number) => new Date(ms).toISOString();

describe('rule 1 — transfer', () => {
  const bill = (transferId: number, guideId: number, paidAt = T - 60_000) => ({
    transferId,
    transactionId: `TX${transferId}`,
    guideId,
    paidAt,
  });
  const coupon = {
    couponId: 5,
    code: 'GC5',
    guideId: 3,
    issuedAt: T - DAY,
    sentAt: T - DAY,
    expiresAt: T + DAY,
    voidedAt: null,
    redemptions: [],
  };
  const chat = { id: 1, guideId: 8, at: T - 60_000, kind: 'message' };

  it('credits the payee of the bill the order was paid by, with the transaction id as evidence', () => {
    const r = attributeOrder({ ...base, transfers: [bill(7, 4)] });
    expect(r).toMatchObject({
      guideId: 4,
      rule: 'transfer',
      amountFen: 59_900,
      evidence: { rule: 'transfer', transferId: 7, transactionId: 'TX7', paidAt: at(T - 60_000) },
    });
  });
  it('comes before coupon and interaction by default; their winners are listed as losing', () => {
    const r = attributeOrder({ ...base, transfers: [bill(7, 4)], coupons: [coupon], interactions: [chat] });
    expect(r).toMatchObject({ guideId: 4, rule: 'transfer' });
    expect(r.candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'the transfer rule comes first' },
      { guideId: 8, rule: 'interaction', lostBecause: 'the transfer rule comes first' },
    ]);
  });
  it('precedence is configurable: coupon above transfer', () => {
    const r = attributeOrder(
      { ...base, transfers: [bill(7, 4)], coupons: [coupon], interactions: [chat] },
      { ...DEFAULT_RULES, precedence: ['coupon', 'transfer', 'interaction'] },
    );
    expect(r).toMatchObject({ guideId: 3, rule: 'coupon' });
    expect(r.candidates).toContainEqual({ guideId: 4, rule: 'transfer', lostBecause: 'the coupon rule comes first' });
    // Interaction above both.
    expect(
      attributeOrder(
        { ...base, transfers: [bill(7, 4)], coupons: [coupon], interactions: [chat] },
        { ...DEFAULT_RULES, precedence: ['interaction', 'coupon', 'transfer'] },
      ).guideId,
    ).toBe(8);
  });
  it('a rule set that leaves transfer out never credits by it, and says so', () => {
    const r = attributeOrder(
      { ...base, transfers: [bill(7, 4)] },
      { ...DEFAULT_RULES, precedence: ['coupon', 'interaction'] },
    );
    expect(r.guideId).toBeNull();
    expect(r.candidates).toEqual([
      { guideId: 4, rule: 'transfer', lostBecause: 'the transfer rule is not in this rule set' },
    ]);
  });
  it('several bills naming one order: the latest payment wins, ties by transaction id', () => {
    expect(attributeOrder({ ...base, transfers: [bill(7, 4, T - 2 * DAY), bill(9, 5, T - DAY)] })).toMatchObject({
      guideId: 5,
      candidates: [{ guideId: 4, rule: 'transfer', lostBecause: 'transfer TX7 was paid before TX9' }],
    });
    expect(attributeOrder({ ...base, transfers: [bill(9, 5), bill(7, 4)] }).guideId).toBe(4);
    expect(
      attributeOrder({
        ...base,
        transfers: [
          { ...bill(1, 5), transactionId: 'TX-B' },
          { ...bill(2, 4), transactionId: 'TX-A' },
        ],
      }).guideId,
    ).toBe(4);
  });
  it('row T — a bill no order names credits its payee the bill amount; a refund record reverses its refund', () => {
    expect(transferCreditFen({ billType: 0, totalFeeFen: 39_900, refundFeeFen: 0 })).toBe(39_900);
    expect(transferCreditFen({ billType: 1, totalFeeFen: 39_900, refundFeeFen: 10_000 })).toBe(-10_000);
  });
});

describe('rule sets', () => {
  it('precedence may name each of the three paths once, in any order', () => {
    expect(ruleConfigSchema.safeParse({ ...DEFAULT_RULES, precedence: ['coupon', 'transfer'] }).success).toBe(true);
    expect(ruleConfigSchema.safeParse({ ...DEFAULT_RULES, precedence: ['coupon', 'coupon'] }).success).toBe(false);
    expect(ruleConfigSchema.safeParse({ ...DEFAULT_RULES, precedence: ['gift'] }).success).toBe(false);
  });
  it('an order is judged by the version in force at paid_at (effective_from inclusive)', () => {
    const sets = [
      { version: 1, effectiveFrom: 0, config: DEFAULT_RULES },
      { version: 2, effectiveFrom: T, config: { ...DEFAULT_RULES, windowDays: 5 } },
    ];
    expect(ruleSetAt(sets, T - 1).version).toBe(1);
    expect(ruleSetAt(sets, T).version).toBe(2);
  });
});

describe('rule 2 — coupon', () => {
  // Sent into the chat when issued, not voided, named by no other order — unless a case says otherwise.
  const coupon = (
    couponId: number,
    guideId: number,
    issuedAt: number,
    expiresAt = issuedAt + 30 * DAY,
  ): CouponFact => ({
    couponId,
    code: `GC${couponId}`,
    guideId,
    issuedAt,
    sentAt: issuedAt,
    expiresAt,
    voidedAt: null,
    redemptions: [],
  });
  const redemption = (orderId: number, orderNo: string, paidAt: number, source = 'pos') => ({
    orderId,
    orderNo,
    source,
    paidAt,
  });

  it('credits the issuing guide with the net amount and the coupon code as evidence', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T - DAY)] });
    expect(r).toMatchObject({
      guideId: 3,
      rule: 'coupon',
      amountFen: 59_900,
      evidence: { rule: 'coupon', code: 'GC5', couponId: 5 },
    });
  });
  it('ignores a coupon issued at or after paid_at (not yet issued)', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T)] });
    expect(r.guideId).toBeNull();
    expect(r.candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was issued after the purchase' },
    ]);
  });
  it('ignores a coupon expired at or before paid_at', () => {
    expect(attributeOrder({ ...base, coupons: [coupon(5, 3, T - 10 * DAY, T)] }).guideId).toBeNull();
    expect(attributeOrder({ ...base, coupons: [coupon(5, 3, T - 10 * DAY, T + 1)] }).guideId).toBe(3);
  });
  it('several guide coupons: the most recently issued wins', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T - 3 * DAY), coupon(6, 4, T - DAY)] });
    expect(r).toMatchObject({ guideId: 4, evidence: { code: 'GC6' } });
    expect(r.candidates).toEqual([{ guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was issued before GC6' }]);
  });
  it('coupons issued at the same time: the smaller coupon id wins', () => {
    expect(attributeOrder({ ...base, coupons: [coupon(9, 4, T - DAY), coupon(7, 3, T - DAY)] }).guideId).toBe(3);
  });
  it('credits only once it was sent: a coupon never sent, or sent at or after paid_at, is a losing candidate', () => {
    const never = attributeOrder({ ...base, coupons: [{ ...coupon(5, 3, T - DAY), sentAt: null }] });
    expect(never.guideId).toBeNull();
    expect(never.candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was never sent to the customer' },
    ]);
    const late = attributeOrder({ ...base, coupons: [{ ...coupon(5, 3, T - DAY), sentAt: T }] });
    expect(late.guideId).toBeNull();
    expect(late.candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was sent after the purchase' },
    ]);
    expect(attributeOrder({ ...base, coupons: [{ ...coupon(5, 3, T - DAY), sentAt: T - 1 }] }).guideId).toBe(3);
  });
  it('a voided coupon credits nothing, whether voided before the purchase or after it (the credit is withdrawn)', () => {
    for (const voidedAt of [T - 60_000, T, T + DAY]) {
      const r = attributeOrder({ ...base, coupons: [{ ...coupon(5, 3, T - DAY), voidedAt }] });
      expect(r.guideId).toBeNull();
      expect(r.candidates).toEqual([{ guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was voided' }]);
    }
  });
  it('a voided coupon held by no order: a later order naming it loses because it was voided, not to the earlier one', () => {
    const c = {
      ...coupon(5, 3, T - DAY),
      voidedAt: T + DAY,
      redemptions: [redemption(1, 'P1', T), redemption(2, 'P0', T - 60_000)],
    };
    expect(attributeOrder({ ...base, coupons: [c] }).candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was voided' },
    ]);
  });
  it('credits at most one order: the earliest paid redemption it was valid for; a later one loses, naming it', () => {
    const c = { ...coupon(5, 3, T - DAY), redemptions: [redemption(1, 'P1', T), redemption(2, 'P0', T - 60_000)] };
    const later = attributeOrder({ ...base, coupons: [c] });
    expect(later.guideId).toBeNull();
    expect(later.candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was already redeemed by order P0' },
    ]);
    expect(attributeOrder({ ...base, orderId: 2, paidAt: T - 60_000, coupons: [c] }).guideId).toBe(3);
  });
  it('an earlier order it was not valid for (paid before the send, or after the void) does not hold it', () => {
    const sentLate = {
      ...coupon(5, 3, T - DAY),
      sentAt: T - 2 * 60_000,
      redemptions: [redemption(1, 'P1', T), redemption(2, 'P0', T - 3 * 60_000)],
    };
    expect(attributeOrder({ ...base, coupons: [sentLate] }).guideId).toBe(3);
    expect(attributeOrder({ ...base, orderId: 2, paidAt: T - 3 * 60_000, coupons: [sentLate] }).candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was sent after the purchase' },
    ]);
  });
  it('redemptions paid at the same moment: source, then order number decide — not order ids', () => {
    const c = (r: ReturnType<typeof redemption>[]) => ({ ...coupon(5, 3, T - DAY), redemptions: r });
    // Order 1 is pos P9; order 2 is mall P1 at the same time: mall sorts before pos.
    const tie = [redemption(1, 'P9', T), redemption(2, 'P1', T, 'mall')];
    expect(attributeOrder({ ...base, coupons: [c(tie)] }).candidates).toEqual([
      { guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was already redeemed by order P1' },
    ]);
    expect(attributeOrder({ ...base, orderId: 2, coupons: [c([...tie].reverse())] }).guideId).toBe(3);
    // Same source: the smaller order number.
    expect(attributeOrder({ ...base, coupons: [c([redemption(1, 'P1', T), redemption(2, 'P2', T)])] }).guideId).toBe(3);
  });
  it('comes before the interaction window by default', () => {
    const r = attributeOrder({
      ...base,
      coupons: [coupon(5, 3, T - 5 * DAY)],
      interactions: [{ id: 1, guideId: 8, at: T - 60_000, kind: 'message' }],
    });
    expect(r).toMatchObject({ guideId: 3, rule: 'coupon' });
    expect(r.candidates).toContainEqual({
      guideId: 8,
      rule: 'interaction',
      lostBecause: 'the coupon rule comes first',
    });
  });
});

describe('rule 3 — 7-day interaction window', () => {
  const i = (id: number, guideId: number, atMs: number, kind = 'script_send') => ({ id, guideId, at: atMs, kind });

  it('counts an interaction exactly 7 days before (start inclusive)', () => {
    const r = attributeOrder({ ...base, interactions: [i(1, 2, T - 7 * DAY)] });
    expect(r).toMatchObject({
      guideId: 2,
      rule: 'interaction',
      evidence: { interactionIds: [1], lastAt: at(T - 7 * DAY), windowDays: 7, tieBreak: 'none' },
    });
  });
  it('does not count one a millisecond earlier', () => {
    expect(attributeOrder({ ...base, interactions: [i(1, 2, T - 7 * DAY - 1)] }).guideId).toBeNull();
  });
  it('does not count one at paid_at (end exclusive) or after it', () => {
    expect(attributeOrder({ ...base, interactions: [i(1, 2, T)] }).guideId).toBeNull();
    expect(attributeOrder({ ...base, interactions: [i(1, 2, T + 1000)] }).guideId).toBeNull();
  });
  it('credits the guide with the most recent counted interaction, listing the other', () => {
    const r = attributeOrder({ ...base, interactions: [i(1, 2, T - 3 * DAY), i(2, 5, T - DAY), i(3, 2, T - 2 * DAY)] });
    expect(r.guideId).toBe(5);
    expect(r.candidates).toEqual([
      {
        guideId: 2,
        rule: 'interaction',
        lostBecause: `last interaction ${at(T - 2 * DAY)} is older than ${at(T - DAY)}`,
      },
    ]);
  });
  it("one guide's interactions at the same moment: the evidence names the same kind whatever their ids", () => {
    expect(
      attributeOrder({ ...base, interactions: [i(9, 2, T - DAY, 'message'), i(3, 2, T - DAY, 'call')] }).evidence,
    ).toMatchObject({ kind: 'call', interactionIds: [3, 9] });
    expect(
      attributeOrder({ ...base, interactions: [i(3, 2, T - DAY, 'message'), i(9, 2, T - DAY, 'call')] }).evidence,
    ).toMatchObject({ kind: 'call', interactionIds: [3, 9] });
  });
  it('ties go to the exclusive guide', () => {
    const r = attributeOrder({ ...base, exclusiveGuideId: 7, interactions: [i(1, 2, T - DAY), i(2, 7, T - DAY)] });
    expect(r).toMatchObject({ guideId: 7, evidence: { tieBreak: 'exclusive_guide' } });
  });
  it('ties without an exclusive guide among them go to the smallest guide id', () => {
    const r = attributeOrder({ ...base, exclusiveGuideId: 99, interactions: [i(1, 7, T - DAY), i(2, 2, T - DAY)] });
    expect(r).toMatchObject({ guideId: 2, evidence: { tieBreak: 'smallest_guide_id' } });
  });
  it('ignores kinds the rule set does not count', () => {
    expect(attributeOrder({ ...base, interactions: [i(1, 2, T - DAY, 'behavior')] }).guideId).toBeNull();
    expect(
      attributeOrder(
        { ...base, interactions: [i(1, 2, T - DAY, 'behavior')] },
        { ...DEFAULT_RULES, countedKinds: ['behavior'] },
      ).guideId,
    ).toBe(2);
  });
  it('honours a shorter window and a changed precedence', () => {
    const facts = {
      ...base,
      coupons: [
        {
          couponId: 1,
          code: 'GC1',
          guideId: 3,
          issuedAt: T - DAY,
          sentAt: T - DAY,
          expiresAt: T + DAY,
          voidedAt: null,
          redemptions: [],
        },
      ],
      interactions: [i(1, 2, T - 6 * DAY)],
    };
    expect(attributeOrder(facts, { ...DEFAULT_RULES, precedence: ['interaction', 'coupon'] }).guideId).toBe(2);
    expect(
      attributeOrder(facts, { ...DEFAULT_RULES, precedence: ['interaction', 'coupon'], windowDays: 5 }).guideId,
    ).toBe(3);
  });
});

describe('rule 3 after a handover (离职继承 / 在职继承) — handoverWindows', () => {
  // Guide 5 chatted two days before the purchase, then handed the customer to guide 6 a day before it.
  const chat = { id: 31, guideId: 5, at: T - 2 * DAY, kind: 'script_send' };
  const handover = { fromGuideId: 5, toGuideId: 6, at: T - DAY };

  it('successor (the default): her open window is the successor’s, the evidence naming whose it was', () => {
    const r = attributeOrder({ ...base, interactions: [chat], handovers: [handover] });
    expect(r).toMatchObject({
      guideId: 6,
      rule: 'interaction',
      evidence: { interactionIds: [31], inheritedFrom: [5] },
    });
    expect(r.candidates).toEqual([]);
  });
  it('nobody: her open window counts for nobody; the order is unattributed', () => {
    const r = attributeOrder(
      { ...base, interactions: [chat], handovers: [handover] },
      { ...DEFAULT_RULES, handoverWindows: 'nobody' },
    );
    expect(r).toMatchObject({ guideId: null, rule: null });
  });
  it('a purchase before the takeover is still hers; her interactions after it are hers too', () => {
    expect(attributeOrder({ ...base, interactions: [chat], handovers: [{ ...handover, at: T + 1 }] }).guideId).toBe(5);
    const later = { id: 32, guideId: 5, at: T - 60_000, kind: 'message' };
    expect(attributeOrder({ ...base, interactions: [chat, later], handovers: [handover] })).toMatchObject({
      guideId: 5,
      evidence: { interactionIds: [32] },
    });
  });
  it('a chain A → B → C ends at C, the evidence naming A', () => {
    const r = attributeOrder({
      ...base,
      interactions: [{ ...chat, at: T - 3 * DAY }],
      handovers: [
        { fromGuideId: 6, toGuideId: 7, at: T - DAY },
        { fromGuideId: 5, toGuideId: 6, at: T - 2 * DAY },
      ],
    });
    expect(r).toMatchObject({ guideId: 7, evidence: { inheritedFrom: [5] } });
  });
  it('rule sets stored before the option parse unchanged (absent means successor)', () => {
    const { handoverWindows: _absent, ...old } = { ...DEFAULT_RULES, handoverWindows: undefined };
    expect(ruleConfigSchema.parse(old)).not.toHaveProperty('handoverWindows');
    expect(() => ruleConfigSchema.parse({ ...DEFAULT_RULES, handoverWindows: 'leaver' })).toThrow();
  });
});

describe('rule 4 — unattributed', () => {
  it('credits nobody when no rule fires', () => {
    expect(attributeOrder(base)).toEqual({
      orderId: 1,
      guideId: null,
      rule: null,
      amountFen: 0,
      evidence: null,
      candidates: [],
    });
  });
});

describe('refunds', () => {
  it('a till refund that records a transfer refund again reverses nothing itself, whatever the arrival order', () => {
    const a = attributeOrder({
      ...base,
      netFen: 60_000,
      interactions: [{ id: 1, guideId: 2, at: T - DAY, kind: 'message' }],
    });
    const wecom = { id: 7, source: 'transfer', key: 'transfer:4200001:R1', at: T + DAY, amountFen: 20_000 };
    const till = { id: 8, source: 'pos', key: 'pos:RF-1', at: T + DAY + 3_600_000, amountFen: 20_000 };
    const cash = { id: 9, source: 'pos', key: 'pos:RF-2', at: T + 2 * DAY, amountFen: 5_000 };
    const one = wantedLines(a, { netFen: 60_000, paidAt: T }, [wecom, till, cash], 1);
    const two = wantedLines(a, { netFen: 60_000, paidAt: T }, [cash, till, wecom], 1);
    expect(one).toEqual(two);
    expect(one.slice(1).map((l) => [l.refundId, l.amountFen])).toEqual([
      [7, -20_000],
      [9, -5_000],
    ]);
    expect(one[1]!.evidence).toMatchObject({ refundId: 7, alsoRecordedAsRefundId: 8 });
    expect(one[2]!.evidence).not.toHaveProperty('alsoRecordedAsRefundId');
  });

  it('each transfer refund record absorbs at most one till refund of its amount; a till refund on an order without transfer records counts', () => {
    const a = attributeOrder({
      ...base,
      netFen: 60_000,
      interactions: [{ id: 1, guideId: 2, at: T - DAY, kind: 'message' }],
    });
    const refunds = [
      { id: 1, source: 'transfer', key: 'transfer:X:R1', at: T + DAY, amountFen: 10_000 },
      { id: 2, source: 'pos', key: 'pos:A', at: T + DAY, amountFen: 10_000 },
      { id: 3, source: 'pos', key: 'pos:B', at: T + 2 * DAY, amountFen: 10_000 },
    ];
    expect(
      wantedLines(a, { netFen: 60_000, paidAt: T }, refunds, 1)
        .slice(1)
        .map((l) => [l.refundId, l.amountFen]),
    ).toEqual([
      [1, -10_000],
      [3, -10_000],
    ]);
    const tillOnly = wantedLines(a, { netFen: 60_000, paidAt: T }, refunds.slice(1), 1);
    expect(tillOnly.slice(1).map((l) => [l.refundId, l.amountFen])).toEqual([
      [2, -10_000],
      [3, -10_000],
    ]);
  });

  it('refunds at the same moment are applied in refund-number order, not arrival order', () => {
    const a = attributeOrder({
      ...base,
      netFen: 60_000,
      interactions: [{ id: 1, guideId: 2, at: T - DAY, kind: 'message' }],
    });
    const one = wantedLines(
      a,
      { netFen: 60_000, paidAt: T },
      [
        { id: 1, source: 'pos', key: 'pos:RB', at: T + DAY, amountFen: 50_000 },
        { id: 2, source: 'pos', key: 'pos:RA', at: T + DAY, amountFen: 30_000 },
      ],
      1,
    );
    const two = wantedLines(
      a,
      { netFen: 60_000, paidAt: T },
      [
        { id: 2, source: 'pos', key: 'pos:RA', at: T + DAY, amountFen: 30_000 },
        { id: 1, source: 'pos', key: 'pos:RB', at: T + DAY, amountFen: 50_000 },
      ],
      1,
    );
    expect(one).toEqual(two);
    expect(one.slice(1).map((l) => [l.refundId, l.amountFen])).toEqual([
      [2, -30_000],
      [1, -30_000],
    ]);
  });
  it('reverse pro rata', () => {
    expect(refundCreditFen({ netFen: 60_000, creditedFen: 60_000, alreadyReversedFen: 0 }, 20_000)).toBe(-20_000);
  });
  it('never reverse more than was credited (refund larger than the credit)', () => {
    expect(refundCreditFen({ netFen: 60_000, creditedFen: 60_000, alreadyReversedFen: 50_000 }, 20_000)).toBe(-10_000);
    expect(refundCreditFen({ netFen: 60_000, creditedFen: 60_000, alreadyReversedFen: 0 }, 90_000)).toBe(-60_000);
  });
  it('reverse nothing for an order that was not credited', () => {
    expect(refundCreditFen({ netFen: 60_000, creditedFen: 0, alreadyReversedFen: 0 }, 20_000)).toBe(0);
  });
});

describe('periods — lines in a closed period are locked, corrections land as adjustments', () => {
  const SEP = Date.parse('2026-09-10T12:00:00+08:00');
  const POST = Date.parse('2026-11-25T10:00:00+08:00');
  const closedSep = (ms: number) => ms < Date.parse('2026-10-01T00:00:00+08:00');
  const open = () => false;
  const facts = (guideId: number): OrderFacts => ({
    ...base,
    paidAt: SEP,
    netFen: 30_000,
    interactions: [{ id: guideId, guideId, at: SEP - DAY, kind: 'call' }],
  });
  const line = (over: Partial<CurrentLine>): CurrentLine => ({
    id: 1,
    kind: 'sale',
    guideId: 1,
    rule: 'interaction',
    amountFen: 30_000,
    occurredAt: SEP,
    ruleSetVersion: 1,
    refundId: null,
    transferId: null,
    adjustsCreditId: null,
    evidence: {},
    candidates: [],
    ...over,
  });
  const asCurrent = (want: ReturnType<typeof wantedLines>, firstId = 1): CurrentLine[] =>
    want.map((w, k) => ({ ...w, id: firstId + k, transferId: null }));

  it('open period: the old line is superseded and the new one inserted', () => {
    const want = wantedLines(attributeOrder(facts(2)), { netFen: 30_000, paidAt: SEP }, [], 1);
    const plan = planLines(want, [line({})], open, POST);
    expect(plan).toMatchObject({
      unchanged: false,
      adjusted: false,
      supersede: [{ id: 1 }],
      insert: [{ kind: 'sale', guideId: 2, amountFen: 30_000 }],
    });
  });
  it('same facts again: nothing to write', () => {
    const want = wantedLines(
      attributeOrder(facts(2)),
      { netFen: 30_000, paidAt: SEP },
      [{ id: 4, source: 'pos', key: 'pos:R4', at: SEP + DAY, amountFen: 10_000 }],
      1,
    );
    expect(planLines(want, asCurrent(want), open, POST).unchanged).toBe(true);
  });
  it('closed period: the locked sale stays; the move is posted as linked adjustment lines at the posting time', () => {
    const want = wantedLines(attributeOrder(facts(2)), { netFen: 30_000, paidAt: SEP }, [], 1);
    const plan = planLines(want, [line({ id: 11 })], closedSep, POST);
    expect(plan.supersede).toEqual([]);
    expect(plan.adjusted).toBe(true);
    expect(plan.insert.map((l) => [l.kind, l.guideId, l.amountFen, l.occurredAt, l.adjustsCreditId])).toEqual([
      ['adjustment', 1, -30_000, POST, 11],
      ['adjustment', 2, 30_000, POST, 11],
    ]);
    // Every planned line reads back with the one evidence schema, as an adjustment of order 1.
    for (const l of plan.insert) expect(readLineEvidence({ order_id: 1, ...l })?.type).toBe('adjustment');
    // Posted once: planning again over the result changes nothing.
    expect(planLines(want, [line({ id: 11 }), ...asCurrent(plan.insert, 12)], closedSep, POST + DAY).unchanged).toBe(
      true,
    );
  });
  it('a refund in the open period of a locked sale is an ordinary refund line for the credited guide', () => {
    const want = wantedLines(
      attributeOrder(facts(1)),
      { netFen: 30_000, paidAt: SEP },
      [{ id: 4, source: 'pos', key: 'pos:R4', at: POST - DAY, amountFen: 12_000 }],
      1,
    );
    const plan = planLines(
      want,
      [line({ id: 11, evidence: want[0]!.evidence, candidates: want[0]!.candidates })],
      closedSep,
      POST,
    );
    expect(plan.insert.map((l) => [l.kind, l.guideId, l.amountFen, l.refundId])).toEqual([['refund', 1, -12_000, 4]]);
    expect(plan.adjusted).toBe(false);
  });
  it('a late order for a closed period is credited by an adjustment line, with no locked original', () => {
    const want = wantedLines(attributeOrder(facts(2)), { netFen: 30_000, paidAt: SEP }, [], 1);
    expect(
      planLines(want, [], closedSep, POST).insert.map((l) => [l.kind, l.guideId, l.amountFen, l.adjustsCreditId]),
    ).toEqual([['adjustment', 2, 30_000, null]]);
  });
  it('a refund dated in a closed period, arriving late, is reversed by an adjustment line', () => {
    const want = wantedLines(
      attributeOrder(facts(1)),
      { netFen: 30_000, paidAt: SEP },
      [{ id: 4, source: 'pos', key: 'pos:R4', at: SEP + DAY, amountFen: 45_000 }],
      1,
    );
    const plan = planLines(
      want,
      [line({ id: 11, evidence: want[0]!.evidence, candidates: want[0]!.candidates })],
      closedSep,
      POST,
    );
    // A refund larger than the sale reverses the whole credit, never more.
    expect(plan.insert.map((l) => [l.kind, l.guideId, l.amountFen])).toEqual([['adjustment', 1, -30_000]]);
  });
});

describe('refunds without their order', () => {
  it('credit nothing until the order arrives, then reverse pro rata', () => {
    const none = wantedLines(
      attributeOrder({ ...base, netFen: 60_000 }),
      { netFen: 60_000, paidAt: T },
      [{ id: 1, source: 'pos', key: 'pos:R1', at: T + DAY, amountFen: 20_000 }],
      1,
    );
    expect(none).toEqual([]);
    const credited = wantedLines(
      attributeOrder({ ...base, netFen: 60_000, interactions: [{ id: 1, guideId: 2, at: T - DAY, kind: 'message' }] }),
      { netFen: 60_000, paidAt: T },
      [{ id: 1, source: 'pos', key: 'pos:R1', at: T + DAY, amountFen: 20_000 }],
      1,
    );
    expect(credited.map((l) => [l.kind, l.amountFen])).toEqual([
      ['sale', 60_000],
      ['refund', -20_000],
    ]);
  });
});
