import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { listAudit } from '../../core/commission/audit';
import { exportPeriod } from '../../core/commission/exports';
import { addAdjustment, closePeriod, reviewPeriod, syncPeriod } from '../../core/commission/periods';
import { createPlan } from '../../core/commission/plans';
import { guideStatement, periodSummary } from '../../core/commission/statements';
import { deleteTenant } from '../../core/tenant/remove';
import { useTestContext } from '../helpers/context';
import { createCorp, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
let corpId: number;
let storeId: number;
let g1: number;
let g2: number;
let g3: number;
let n = 0;

/** An order and its engine credit line (what core/attribution writes). */
async function sale(guideId: number, at: string, fen: number, rule = 'coupon', source = 'pos') {
  n += 1;
  const [o] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source,
      order_no: `T${n}`,
      store_id: storeId,
      paid_at: new Date(at),
      gross_fen: fen,
      net_fen: fen,
    })
    .returning<{ id: number }[]>('id');
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
      evidence: JSON.stringify({ couponCode: `C${n}` }),
    })
    .returning<{ id: number }[]>('id');
  return { orderId: o!.id, creditId: c!.id };
}
async function refund(orderId: number, guideId: number, at: string, fen: number, rule = 'coupon') {
  const [c] = await t.ctx
    .db('credits')
    .insert({
      corp_id: corpId,
      order_id: orderId,
      guide_id: guideId,
      store_id: storeId,
      rule,
      kind: 'refund',
      amount_fen: -fen,
      occurred_at: new Date(at),
      rule_set_version: 1,
      evidence: JSON.stringify({ refundNo: `R${orderId}` }),
    })
    .returning<{ id: number }[]>('id');
  return c!.id;
}
const lineOf = (creditId: number) => t.ctx.db('commission_lines').where({ credit_id: creditId }).first();

beforeAll(async () => {
  corpId = (await createCorp(t.ctx.db, t.ctx.secrets)).id;
  const regionId = await createRegion(t.ctx.db, corpId);
  storeId = await createStore(t.ctx.db, corpId, regionId);
  g1 = (await createGuide(t.ctx.db, corpId, storeId, { name: '周晴' })).id;
  g2 = (await createGuide(t.ctx.db, corpId, storeId, { name: '=HYPERLINK("x")' })).id;
  g3 = (await createGuide(t.ctx.db, corpId, storeId, { name: '王芳' })).id;
  await createPlan(
    t.ctx.db,
    corpId,
    {
      name: '2026 标准',
      rates: { transfer: 300, coupon: 200, interaction: 100, mall: 150 },
      tiers: [{ fromFen: 1_000_000, bonusBp: 50 }],
      holdDays: 7,
      effectiveFrom: '2026-09-01',
      changeNote: 'first plan',
    },
    'fin01',
  );
});

describe('commission lines, statements, review and close', () => {
  it('every credit line becomes one commission line, rounded per line; the statement total is the sum of its lines', async () => {
    await sale(g1, '2026-09-03T10:00:00+08:00', 12_345, 'coupon'); // 2% → 246.9 → 247
    await sale(g1, '2026-09-04T10:00:00+08:00', 12_375, 'interaction'); // 1% → 123.75 → 124
    await sale(g1, '2026-09-05T10:00:00+08:00', 10_050, 'interaction', 'mall'); // 1.5% → 150.75 → 151
    const s = await guideStatement(t.ctx.db, corpId, '2026-09', g1);
    expect(s.lines.map((l) => l.amountFen)).toEqual([247, 124, 151]);
    expect(s.lines.map((l) => l.rateBp)).toEqual([200, 100, 150]);
    expect(s.totals.totalFen).toBe(247 + 124 + 151);
    expect(s.totals.totalFen).toBe(s.lines.reduce((a, l) => a + l.amountFen, 0));
    expect(s.lines[0]!.receipt).toMatchObject({
      rule: 'coupon',
      ruleSetVersion: 1,
      planVersion: 1,
      arithmetic: 'round(12345 × 200 / 10000) = 247',
    });
    // Idempotent: a second sync writes the same lines.
    await syncPeriod(t.ctx.db, corpId, '2026-09');
    expect(await t.ctx.db('commission_lines').where({ corp_id: corpId }).count('* as n').first()).toEqual({ n: 3 });
  });

  it('the tier reached by monthly credited sales applies to every line of the month, from its edge on', async () => {
    await sale(g2, '2026-09-10T10:00:00+08:00', 999_999, 'transfer');
    let s = await guideStatement(t.ctx.db, corpId, '2026-09', g2);
    expect(s.lines.map((l) => l.rateBp)).toEqual([300]);
    await sale(g2, '2026-09-11T10:00:00+08:00', 1, 'transfer'); // exactly 1 000 000 fen
    s = await guideStatement(t.ctx.db, corpId, '2026-09', g2);
    expect(s.lines.map((l) => l.rateBp)).toEqual([350, 350]);
    expect(s.lines.map((l) => l.amountFen)).toEqual([35_000, 0]); // 34 999.965 → 35 000; 0.035 → 0
  });

  it('a manual adjustment survives recomputation; closing needs a review and nothing changed since', async () => {
    await expect(closePeriod(t.ctx.db, corpId, '2026-09', 'fin01', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
    const adj = await addAdjustment(
      t.ctx.db,
      corpId,
      { month: '2026-09', guideId: g1, amountFen: 500, reason: '门店活动奖励' },
      'fin01',
    );
    await syncPeriod(t.ctx.db, corpId, '2026-09');
    expect(await t.ctx.db('commission_lines').where({ id: adj.lineId }).first()).toMatchObject({ amount_fen: 500 });

    const r1 = await reviewPeriod(t.ctx.db, corpId, '2026-09', 'fin01');
    expect(r1.firstReview).toBe(true);
    await sale(g3, '2026-09-20T10:00:00+08:00', 20_000, 'coupon');
    await expect(closePeriod(t.ctx.db, corpId, '2026-09', 'fin01', 'month end')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('changed since its last review'),
    });
    const r2 = await reviewPeriod(t.ctx.db, corpId, '2026-09', 'fin01');
    expect(r2.changes).toEqual([{ guideId: g3, beforeFen: null, afterFen: 400, deltaFen: 400 }]);
    // g3's sale on 9-28 is still held at the month's end.
    await sale(g3, '2026-09-28T10:00:00+08:00', 10_000, 'coupon');
    await reviewPeriod(t.ctx.db, corpId, '2026-09', 'fin01');
    const closed = await closePeriod(t.ctx.db, corpId, '2026-09', 'fin01', 'month end');
    expect(closed.lines).toBe(8);
    expect(
      await t.ctx.db('commission_lines').where({ corp_id: corpId, locked: false }).count('* as n').first(),
    ).toEqual({
      n: 0,
    });
    const s3 = await guideStatement(t.ctx.db, corpId, '2026-09', g3);
    expect(s3.payout).toEqual({ carryInFen: 0, paidLinesFen: 400, heldFen: 200, payoutFen: 400, carryOutFen: 0 });
    const audit = await listAudit(t.ctx.db, corpId, { limit: 50 });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['plan.create', 'adjustment.create', 'period.review', 'period.close']),
    );
    expect(audit.find((a) => a.action === 'adjustment.create')).toMatchObject({
      actor: 'fin01',
      detail: { why: '门店活动奖励' },
    });
  });

  it('a closed period is unchanged under late facts, refunds and plan changes; corrections land in the next open period', async () => {
    const before = JSON.stringify(await periodSummary(t.ctx.db, corpId, '2026-09', 'guide'));
    const sepLines = await t.ctx.db('commission_lines').where({ corp_id: corpId }).orderBy('id').select();
    await expect(
      createPlan(
        t.ctx.db,
        corpId,
        {
          name: 'x',
          rates: { transfer: 1, coupon: 1, interaction: 1 },
          tiers: [],
          holdDays: 7,
          effectiveFrom: '2026-09-01',
          changeNote: 'retro',
        },
        'fin01',
      ),
    ).rejects.toMatchObject({ code: 'PERIOD_CLOSED', field: 'effectiveFrom' });
    await createPlan(
      t.ctx.db,
      corpId,
      {
        name: '2026 Q4',
        rates: { transfer: 400, coupon: 400, interaction: 400 },
        tiers: [],
        holdDays: 7,
        effectiveFrom: '2026-10-01',
        changeNote: 'Q4 rates',
      },
      'fin01',
    );
    // A refund in October of a September sale: clawed back at September's rate, linked to it.
    const sepSale = (await t.ctx.db('credits').where({ corp_id: corpId, guide_id: g1 }).orderBy('id').first())!;
    const r = await refund(sepSale.order_id, g1, '2026-10-02T10:00:00+08:00', 12_345);
    // A late sale dated in September, arriving after the close.
    const late = await sale(g1, '2026-09-15T10:00:00+08:00', 1_000, 'coupon');
    const oct = await guideStatement(t.ctx.db, corpId, '2026-10', g1);
    const sepLine = await lineOf(sepSale.id);
    expect(await lineOf(r)).toMatchObject({
      kind: 'clawback',
      rate_bp: 200,
      amount_fen: -247,
      links_line_id: sepLine.id,
    });
    expect(await lineOf(late.creditId)).toMatchObject({ kind: 'earn', rate_bp: 400, amount_fen: 40 });
    expect(oct.lines.map((l) => l.kind).sort()).toEqual(['clawback', 'earn']);
    expect(JSON.stringify(await periodSummary(t.ctx.db, corpId, '2026-09', 'guide'))).toBe(before);
    expect(
      await t.ctx
        .db('commission_lines')
        .whereIn(
          'id',
          sepLines.map((l: { id: number }) => l.id),
        )
        .orderBy('id')
        .select(),
    ).toEqual(sepLines);
  });

  it('a clawback larger than the earnings carries over; no payout is negative', async () => {
    // g3 was paid 400 in September, 200 held. October: a refund of the 9-20 sale (−400) and nothing earned.
    const s = (await t.ctx.db('credits').where({ corp_id: corpId, guide_id: g3 }).orderBy('id').first())!;
    await refund(s.order_id, g3, '2026-10-05T10:00:00+08:00', 20_000);
    await reviewPeriod(t.ctx.db, corpId, '2026-10', 'fin01');
    await closePeriod(t.ctx.db, corpId, '2026-10', 'fin01', 'october');
    const oct = await guideStatement(t.ctx.db, corpId, '2026-10', g3);
    // Settled in October: September's held 200 plus the −400 clawback → −200, paid 0, carried.
    expect(oct.payout).toEqual({ carryInFen: 0, paidLinesFen: -200, heldFen: 0, payoutFen: 0, carryOutFen: -200 });
    await sale(g3, '2026-11-02T10:00:00+08:00', 15_000, 'coupon'); // 4% → 600
    await reviewPeriod(t.ctx.db, corpId, '2026-11', 'fin01');
    await closePeriod(t.ctx.db, corpId, '2026-11', 'fin01', 'november');
    const nov = await guideStatement(t.ctx.db, corpId, '2026-11', g3);
    expect(nov.payout).toEqual({ carryInFen: -200, paidLinesFen: 600, heldFen: 0, payoutFen: 400, carryOutFen: 0 });
    const negatives = await t.ctx.db('commission_payouts').where('payout_fen', '<', 0).count('* as n').first();
    expect(negatives).toEqual({ n: 0 });
  });

  it('a closed period’s exports are byte-for-byte reproducible, published with their SHA-256, and formulas neutralised', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      // Two runs a day apart (by the clock every library reads), same bytes.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-12-03T09:00:00Z'));
      const a = await exportPeriod(t.ctx.db, corpId, '2026-09', 'payroll', format, 'fin01');
      vi.setSystemTime(new Date('2026-12-04T17:31:07Z'));
      const b = await exportPeriod(t.ctx.db, corpId, '2026-09', 'payroll', format, 'fin01');
      vi.useRealTimers();
      expect(a.published).toBe(true);
      expect(Buffer.compare(a.body, b.body)).toBe(0);
      expect(a.sha256).toBe(createHash('sha256').update(b.body).digest('hex'));
    }
    const csv = await exportPeriod(t.ctx.db, corpId, '2026-09', 'statements', 'csv', 'fin01');
    expect([...csv.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.body.toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    // ids are text, amounts bare integers: 周晴's coupon line of 12 345 fen at 200 bp.
    expect(text).toMatch(
      new RegExp(
        `^"${g1}","周晴","[^"]+","\\d+","earn","2026-09-03","2026-09-10","\\d+","T1","coupon","1","1",12345,200,247,`,
        'm',
      ),
    );
    const xlsx = await exportPeriod(t.ctx.db, corpId, '2026-09', 'payroll', 'xlsx', 'fin01');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const payoutCol = (ws.getRow(1).values as string[]).indexOf('payout_fen');
    let sum = 0;
    ws.eachRow((row, i) => {
      if (i > 1) sum += Number(row.getCell(payoutCol).value ?? 0);
    });
    const corp = await periodSummary(t.ctx.db, corpId, '2026-09', 'corp');
    expect(sum).toBe(corp.rows[0]!.payoutFen);
    expect(await t.ctx.db('commission_exports').where({ corp_id: corpId }).count('* as n').first()).toEqual({ n: 3 });
  });
});

describe('tenant removal', () => {
  it('a tenant with commission lines, payouts, reviews, exports and adjustments can be removed', async () => {
    expect(await t.ctx.db('commission_payouts').where({ corp_id: corpId }).count('* as n').first()).not.toEqual({
      n: 0,
    });
    expect(await deleteTenant(t.ctx.db, corpId)).toBe(true);
    for (const table of [
      'commission_lines',
      'commission_payouts',
      'commission_reviews',
      'commission_exports',
      'adjustments',
    ])
      expect(await t.ctx.db(table).where({ corp_id: corpId }).count('* as n').first(), table).toEqual({ n: 0 });
  });
});
