import { beforeAll, describe, expect, it } from 'vitest';
import { closePeriod, previewPlan, reviewPeriod } from '../../core/commission/periods';
import { commissionFen } from '../../core/commission/money';
import { createPlan, rateBp } from '../../core/commission/plans';
import { guideStatement } from '../../core/commission/statements';
import { useTestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
let corpId: number;
let storeId: number;
let n = 0;

const PLAN = {
  name: '分品类',
  rates: { transfer: 300, coupon: 200, interaction: 100, mall: 150 },
  categoryRates: { shoes: { coupon: 400, interaction: 250 }, kids: { mall: 50 } },
  tiers: [
    { fromFen: 100_000, bonusBp: 20 },
    { fromFen: 200_000, bonusBp: 50 },
  ],
  holdDays: 7,
  effectiveFrom: '2026-09-01',
  changeNote: 'shoes and kids have their own rates',
};

/** An order with its lines (category, fen) and its engine sale credit. */
async function sale(
  guideId: number,
  at: string,
  lines: [string | null, number][],
  rule = 'coupon',
  source = 'pos',
): Promise<{ orderId: number; creditId: number; fen: number }> {
  n += 1;
  const fen = lines.reduce((s, [, f]) => s + f, 0);
  const [o] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source,
      order_no: `K${n}`,
      store_id: storeId,
      paid_at: new Date(at),
      gross_fen: fen,
      net_fen: fen,
    })
    .returning<{ id: number }[]>('id');
  if (lines.length)
    await t.ctx.db('order_lines').insert(
      lines.map(([category, f], i) => ({
        corp_id: corpId,
        order_id: o!.id,
        line_no: i + 1,
        sku_code: `SKU${n}-${i}`,
        category,
        qty: 1,
        net_fen: f,
      })),
    );
  const [c] = await t.ctx
    .db('credits')
    .insert({
      corp_id: corpId,
      order_id: o!.id,
      guide_id: guideId,
      store_id: storeId,
      rule,
      kind: 'sale',
      amount_fen: fen,
      occurred_at: new Date(at),
      rule_set_version: 1,
      evidence: JSON.stringify({}),
    })
    .returning<{ id: number }[]>('id');
  return { orderId: o!.id, creditId: c!.id, fen };
}

async function refund(orderId: number, guideId: number, at: string, fen: number, rule = 'coupon'): Promise<number> {
  n += 1;
  const [r] = await t.ctx
    .db('refunds')
    .insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: `RK${n}`,
      order_id: orderId,
      order_no: `K${orderId}`,
      refunded_at: new Date(at),
      amount_fen: fen,
    })
    .returning<{ id: number }[]>('id');
  const [c] = await t.ctx
    .db('credits')
    .insert({
      corp_id: corpId,
      order_id: orderId,
      refund_id: r!.id,
      guide_id: guideId,
      store_id: storeId,
      rule,
      kind: 'refund',
      amount_fen: -fen,
      occurred_at: new Date(at),
      rule_set_version: 1,
      evidence: JSON.stringify({}),
    })
    .returning<{ id: number }[]>('id');
  return c!.id;
}

const guide = async (name: string) => (await createGuide(t.ctx.db, corpId, storeId, { name })).id;

beforeAll(async () => {
  corpId = (await createCorp(t.ctx.db, t.ctx.secrets)).id;
  storeId = await createStore(t.ctx.db, corpId, await createRegion(t.ctx.db, corpId));
  await createPlan(t.ctx.db, corpId, PLAN, 'fin01');
});

describe('per-category rates and tiers', () => {
  it("a line takes its order's category rate for its path, else the path rate; the receipt names the category", async () => {
    const g = await guide('李翠');
    await sale(g, '2026-09-02T11:00:00+08:00', [['shoes', 12_345]], 'coupon'); // shoes coupon 4%: 493.8 → 494
    await sale(
      g,
      '2026-09-03T11:00:00+08:00',
      [
        ['shoes', 6_000],
        ['tops', 4_000],
      ],
      'interaction',
    ); // mostly shoes: 2.5% → 250
    await sale(
      g,
      '2026-09-04T11:00:00+08:00',
      [
        ['shoes', 5_000],
        ['tops', 5_001],
      ],
      'interaction',
    ); // mostly tops: path 1% → 100.01 → 100
    await sale(
      g,
      '2026-09-05T11:00:00+08:00',
      [
        ['tops', 3_000],
        ['shoes', 3_000],
      ],
      'coupon',
    ); // tie → by name: shoes 4% → 240
    await sale(g, '2026-09-06T11:00:00+08:00', [['kids', 9_999]], 'coupon', 'mall'); // kids mall 0.5% → 49.995 → 50
    await sale(g, '2026-09-07T11:00:00+08:00', [['shoes', 7_000]], 'transfer'); // shoes has no transfer rate → 3% → 210
    await sale(g, '2026-09-08T11:00:00+08:00', [], 'coupon'); // no lines: path 2%
    const s = await guideStatement(t.ctx.db, corpId, '2026-09', g);
    expect(s.lines.map((l) => [l.rateBp, l.amountFen, l.receipt.category])).toEqual([
      [400, 494, 'shoes'],
      [250, 250, 'shoes'],
      [100, 100, null],
      [400, 240, 'shoes'],
      [50, 50, 'kids'],
      [300, 210, null],
      [200, 0, null],
    ]);
    expect(s.totals.totalFen).toBe(s.lines.reduce((a, l) => a + l.amountFen, 0));
  });

  it('a refund claws back at the category rate its sale earned, also across a close', async () => {
    const g = await guide('周晴');
    const a = await sale(g, '2026-09-12T11:00:00+08:00', [['shoes', 10_001]], 'coupon');
    const r1 = await refund(a.orderId, g, '2026-09-13T11:00:00+08:00', 5_001);
    let s = await guideStatement(t.ctx.db, corpId, '2026-09', g);
    const byCredit = new Map(s.lines.map((l) => [l.receipt.creditId, l]));
    expect(byCredit.get(a.creditId)).toMatchObject({ rateBp: 400, amountFen: 400 }); // 400.04
    expect(byCredit.get(r1)).toMatchObject({ kind: 'clawback', rateBp: 400, amountFen: -200, linksLineId: null });
    await reviewPeriod(t.ctx.db, corpId, '2026-09', 'fin01');
    await closePeriod(t.ctx.db, corpId, '2026-09', 'fin01', 'September');
    const r2 = await refund(a.orderId, g, '2026-10-02T11:00:00+08:00', 5_000);
    s = await guideStatement(t.ctx.db, corpId, '2026-10', g);
    const sep = await t.ctx.db('commission_lines').where({ credit_id: a.creditId }).first<{ id: number }>('id');
    expect(s.lines.find((l) => l.receipt.creditId === r2)).toMatchObject({
      kind: 'clawback',
      rateBp: 400,
      amountFen: -200,
      linksLineId: sep!.id,
    });
  });

  it('tiers apply from their edge on: one fen below, at and above each edge', async () => {
    const cases: [number, number][] = [
      [99_999, 0],
      [100_000, 20],
      [100_001, 20],
      [199_999, 20],
      [200_000, 50],
      [200_001, 50],
    ];
    for (const [fen, bonus] of cases) {
      const g = await guide(`tier${fen}`);
      // Two sales summing to `fen`, in October, of a category without its own rate.
      await sale(g, '2026-10-05T11:00:00+08:00', [['tops', fen - 1]], 'interaction');
      await sale(g, '2026-10-06T11:00:00+08:00', [['tops', 1]], 'interaction');
      const s = await guideStatement(t.ctx.db, corpId, '2026-10', g);
      expect(
        s.lines.map((l) => l.rateBp),
        `${fen} fen`,
      ).toEqual([100 + bonus, 100 + bonus]);
      expect(s.lines[0]!.amountFen).toBe(commissionFen(fen - 1, 100 + bonus));
      expect(rateBp(PLAN, 'interaction', 'pos', fen, 'tops')).toBe(100 + bonus);
    }
    // A refund brings monthly credited sales back under the edge: the tier is gone for every line.
    const g = await guide('edge-refund');
    const a = await sale(g, '2026-10-07T11:00:00+08:00', [['tops', 100_000]], 'interaction');
    await refund(a.orderId, g, '2026-10-08T11:00:00+08:00', 1, 'interaction');
    const s = await guideStatement(t.ctx.db, corpId, '2026-10', g);
    expect(s.lines.map((l) => l.rateBp)).toEqual([100, 100]);
  });

  it('a proposed plan with category rates is previewed against a past month, beside the plan in force', async () => {
    const pv = await previewPlan(t.ctx.db, corpId, '2026-09', {
      rates: PLAN.rates,
      categoryRates: { shoes: { coupon: 500, interaction: 250 }, kids: { mall: 50 } },
      tiers: PLAN.tiers,
      holdDays: 7,
    });
    const zhou = pv.rows.find((r) => r.guideName === '周晴')!;
    // 10 001 shoes coupon at 5% (500.05 → 500) and its refund of 5 001 (−250.05 → −250), against 400 − 200.
    expect(zhou).toMatchObject({ currentFen: 200, proposedFen: 250, deltaFen: 50 });
    expect(pv.proposedFen - pv.currentFen).toBe(pv.rows.reduce((s, r) => s + r.deltaFen, 0));
    // Without category rates, every line takes its path's rate.
    const flat = await previewPlan(t.ctx.db, corpId, '2026-09', { rates: PLAN.rates, tiers: [], holdDays: 7 });
    expect(flat.rows.find((r) => r.guideName === '周晴')).toMatchObject({ proposedFen: 200 - 100 });
  });
});
