import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeOrder, refundCreditFen, type OrderFacts } from '../../core/attribution/rules';

const T = Date.parse('2026-11-20T14:00:00+08:00');
const DAY = 86_400_000;
const kinds = ['script_send', 'product_share', 'message', 'call', 'behavior', 'customer_added'];

const orderFacts: fc.Arbitrary<OrderFacts> = fc.record({
  orderId: fc.integer({ min: 1, max: 1000 }),
  paidAt: fc.constant(T),
  netFen: fc.integer({ min: 0, max: 2_000_000 }),
  customerId: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
  exclusiveGuideId: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
  transfers: fc.uniqueArray(
    fc
      .record({
        transferId: fc.integer({ min: 1, max: 300 }),
        guideId: fc.integer({ min: 1, max: 6 }),
        minutesBefore: fc.integer({ min: 0, max: 120 }),
      })
      .map((t) => ({
        transferId: t.transferId,
        transactionId: `TX${t.transferId}`,
        guideId: t.guideId,
        paidAt: T - t.minutesBefore * 60_000,
      })),
    { selector: (t) => t.transferId, maxLength: 2 },
  ),
  coupons: fc.uniqueArray(
    fc
      .record({
        couponId: fc.integer({ min: 1, max: 500 }),
        guideId: fc.integer({ min: 1, max: 6 }),
        issuedOffset: fc.integer({ min: -12, max: 2 }),
        validDays: fc.integer({ min: 1, max: 30 }),
      })
      .map((c) => ({
        couponId: c.couponId,
        code: `GC${c.couponId}`,
        guideId: c.guideId,
        issuedAt: T + c.issuedOffset * DAY,
        expiresAt: T + c.issuedOffset * DAY + c.validDays * DAY,
      })),
    { selector: (c) => c.couponId, maxLength: 4 },
  ),
  interactions: fc.uniqueArray(
    fc
      .record({
        id: fc.integer({ min: 1, max: 10_000 }),
        guideId: fc.integer({ min: 1, max: 6 }),
        hoursBefore: fc.integer({ min: -24, max: 9 * 24 }),
        kind: fc.constantFrom(...kinds),
      })
      .map((i) => ({ id: i.id, guideId: i.guideId, at: T - i.hoursBefore * 3_600_000, kind: i.kind })),
    { selector: (i) => i.id, maxLength: 12 },
  ),
});

describe('attribution invariants', () => {
  it('same facts in any arrival order → byte-identical output', () => {
    fc.assert(
      fc.property(orderFacts, fc.infiniteStream(fc.nat()), (o, seeds) => {
        const shuffle = <T>(xs: T[]) =>
          [...xs]
            .map((x) => ({ x, k: seeds.next().value }))
            .sort((a, b) => a.k - b.k)
            .map((e) => e.x);
        const a = JSON.stringify(attributeOrder(o));
        const b = JSON.stringify(
          attributeOrder({
            ...o,
            transfers: shuffle(o.transfers),
            coupons: shuffle(o.coupons),
            interactions: shuffle(o.interactions),
          }),
        );
        expect(b).toBe(a);
      }),
      { numRuns: 500 },
    );
  });

  it('credits at most the net amount, to at most one guide, by one path; the winner is never listed as a loser on its path', () => {
    fc.assert(
      fc.property(orderFacts, (o) => {
        const r = attributeOrder(o);
        expect(r.amountFen).toBeLessThanOrEqual(Math.max(0, o.netFen));
        expect(r.amountFen).toBeGreaterThanOrEqual(0);
        if (r.guideId === null) {
          expect(r.rule).toBeNull();
          expect(r.amountFen).toBe(0);
        } else {
          expect(r.evidence?.rule).toBe(r.rule);
          expect(r.candidates.some((c) => c.guideId === r.guideId && c.rule === r.rule)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the credited guide really had a valid coupon or a counted interaction in the window', () => {
    fc.assert(
      fc.property(orderFacts, (o) => {
        const r = attributeOrder(o);
        if (r.rule === 'transfer') expect(o.transfers.some((t) => t.guideId === r.guideId)).toBe(true);
        if (r.rule === 'coupon')
          expect(
            o.coupons.some((c) => c.guideId === r.guideId && c.issuedAt < o.paidAt && c.expiresAt > o.paidAt),
          ).toBe(true);
        if (r.rule === 'interaction')
          expect(
            o.interactions.some(
              (i) => i.guideId === r.guideId && i.at >= o.paidAt - 7 * DAY && i.at < o.paidAt && i.kind !== 'behavior',
            ),
          ).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refund reversals, in any sequence, never exceed the credit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 1_500_000 }), { maxLength: 6 }),
        (net, refunds) => {
          let reversed = 0;
          for (const r of refunds)
            reversed += -refundCreditFen({ netFen: net, creditedFen: net, alreadyReversedFen: reversed }, r);
          expect(reversed).toBeLessThanOrEqual(net);
          expect(reversed).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
