import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, attributeOrder, refundCreditFen, transferCreditFen, type OrderFacts } from '../../core/attribution/rules';

const DAY = 86_400_000;
const T = Date.parse('2026-11-20T14:00:00+08:00');
const base: OrderFacts = { orderId: 1, paidAt: T, netFen: 59_900, customerId: 9, exclusiveGuideId: null, coupons: [], interactions: [] };
const at = (ms: number) => new Date(ms).toISOString();

describe('rule 1 — transfer', () => {
  it('credits the payee the bill amount; a refund record reverses its refund', () => {
    expect(transferCreditFen({ billType: 0, totalFeeFen: 39_900, refundFeeFen: 0 })).toBe(39_900);
    expect(transferCreditFen({ billType: 1, totalFeeFen: 39_900, refundFeeFen: 10_000 })).toBe(-10_000);
  });
});

describe('rule 2 — coupon', () => {
  const coupon = (couponId: number, guideId: number, issuedAt: number, expiresAt = issuedAt + 30 * DAY) => ({ couponId, code: `GC${couponId}`, guideId, issuedAt, expiresAt });

  it('credits the issuing guide with the net amount and the coupon code as evidence', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T - DAY)] });
    expect(r).toMatchObject({ guideId: 3, rule: 'coupon', amountFen: 59_900, evidence: { rule: 'coupon', code: 'GC5', couponId: 5 } });
  });
  it('ignores a coupon issued at or after paid_at (not yet issued)', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T)] });
    expect(r.guideId).toBeNull();
    expect(r.candidates).toEqual([{ guideId: 3, rule: 'coupon', lostBecause: 'coupon GC5 was issued after the purchase' }]);
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
  it('comes before the interaction window by default', () => {
    const r = attributeOrder({ ...base, coupons: [coupon(5, 3, T - 5 * DAY)], interactions: [{ id: 1, guideId: 8, at: T - 60_000, kind: 'message' }] });
    expect(r).toMatchObject({ guideId: 3, rule: 'coupon' });
    expect(r.candidates).toContainEqual({ guideId: 8, rule: 'interaction', lostBecause: 'the coupon rule comes first' });
  });
});

describe('rule 3 — 7-day interaction window', () => {
  const i = (id: number, guideId: number, atMs: number, kind = 'script_send') => ({ id, guideId, at: atMs, kind });

  it('counts an interaction exactly 7 days before (start inclusive)', () => {
    const r = attributeOrder({ ...base, interactions: [i(1, 2, T - 7 * DAY)] });
    expect(r).toMatchObject({ guideId: 2, rule: 'interaction', evidence: { interactionIds: [1], lastAt: at(T - 7 * DAY), windowDays: 7, tieBreak: 'none' } });
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
    expect(r.candidates).toEqual([{ guideId: 2, rule: 'interaction', lostBecause: `last interaction ${at(T - 2 * DAY)} is older than ${at(T - DAY)}` }]);
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
    expect(attributeOrder({ ...base, interactions: [i(1, 2, T - DAY, 'behavior')] }, { ...DEFAULT_RULES, countedKinds: ['behavior'] }).guideId).toBe(2);
  });
  it('honours a shorter window and a changed precedence', () => {
    const facts = { ...base, coupons: [{ couponId: 1, code: 'GC1', guideId: 3, issuedAt: T - DAY, expiresAt: T + DAY }], interactions: [i(1, 2, T - 6 * DAY)] };
    expect(attributeOrder(facts, { ...DEFAULT_RULES, precedence: ['interaction', 'coupon'] }).guideId).toBe(2);
    expect(attributeOrder(facts, { ...DEFAULT_RULES, precedence: ['interaction', 'coupon'], windowDays: 5 }).guideId).toBe(3);
  });
});

describe('rule 4 — unattributed', () => {
  it('credits nobody when no rule fires', () => {
    expect(attributeOrder(base)).toEqual({ orderId: 1, guideId: null, rule: null, amountFen: 0, evidence: null, candidates: [] });
  });
});

describe('refunds', () => {
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
