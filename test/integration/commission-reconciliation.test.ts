import { beforeAll, describe, expect, it } from 'vitest';
import { reconcileDays, reconcileMonth, reconcileYesterday, uncleanDays } from '../../core/commission/reconciliation';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { seedTenant } from '../../sandbox/seed/seed';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
let corpId: number;

beforeAll(async () => {
  const r = await seedTenant({
    databaseUrl: t.ctx.cfg.DATABASE_URL,
    secretsKey: t.ctx.cfg.SECRETS_KEY,
    scale: 'demo',
    anchor: new Date('2026-11-24T09:00:00+08:00'),
  });
  corpId = r.corpId;
  await creditHistory(t.ctx, corpId);
}, 180_000);

describe('reconciliation: POS, WeCom bills and credits per store and day', () => {
  it("the demo tenant's last full month reconciles with zero unexplained differences, per store and in total", async () => {
    const m = await reconcileMonth(t.ctx.db, corpId, '2026-10');
    expect(m.stores.length).toBeGreaterThan(0);
    expect(m.unexplainedFen).toBe(0);
    for (const s of m.stores) expect(s.unexplainedFen, s.storeName).toBe(0);
    // Totals agree to the fen: each side's difference is exactly the sum of its named items.
    const sum = (side: string) => m.differences.filter((d) => d.side === side).reduce((a, d) => a + d.deltaFen, 0);
    expect(sum('payments')).toBe(m.stores.reduce((a, s) => a + s.totals.paymentsDiffFen, 0));
    expect(sum('refunds')).toBe(m.stores.reduce((a, s) => a + s.totals.refundsDiffFen, 0));
    // The demo's transfers are the guides' own (no till names them), each credited to its payee.
    expect(m.stores.reduce((a, s) => a + s.totals.billsFen, 0)).toBeGreaterThan(0);
    expect(new Set(m.differences.map((d) => d.reason))).toEqual(new Set(['transfer_credited_without_pos_order']));
    expect(await uncleanDays(t.ctx.db, corpId, 100)).toEqual([]);
  });

  it('planted differences are found and named, and their days listed as not clean', async () => {
    const bill = (await t.ctx
      .db('transfers')
      .where({ corp_id: corpId, bill_type: 0 })
      .where('pay_time', '>=', new Date('2026-10-10T00:00:00+08:00'))
      .where('pay_time', '<', new Date('2026-10-11T00:00:00+08:00'))
      .orderBy('id')
      .first())!;
    const store = (await t.ctx.db('guides').where({ id: bill.guide_id }).first<{ store_id: number }>('store_id'))!;
    const order = (no: string, tx: string, fen: number) => ({
      corp_id: corpId,
      source: 'pos',
      order_no: no,
      store_id: store.store_id,
      paid_at: new Date('2026-10-10T15:00:00+08:00'),
      gross_fen: fen,
      net_fen: fen,
      payment_transaction_id: tx,
    });
    // An order naming a bill WeCom never issued; two orders naming one real bill (one of a different amount).
    await t.ctx
      .db('orders')
      .insert([
        order('PLANT-MISSING', '4200missingbill', 12_300),
        order('PLANT-A', bill.transaction_id, bill.total_fee_fen - 100),
        order('PLANT-B', bill.transaction_id, 5_000),
      ]);
    const days = await reconcileDays(t.ctx.db, corpId, '2026-10-10', '2026-10-11');
    const day = days.find((d) => d.storeId === store.store_id)!;
    expect(day.unexplainedFen).toBe(0);
    expect(day.clean).toBe(false);
    const named = day.differences
      .filter((d) => d.reason !== 'transfer_credited_without_pos_order')
      .map((d) => [d.reason, d.orderNo, d.deltaFen]);
    expect(named).toEqual(
      expect.arrayContaining([
        ['order_names_missing_bill', 'PLANT-MISSING', -12_300],
        ['amount_mismatch', 'PLANT-A', 100],
        ['duplicate', 'PLANT-B', -5_000],
      ]),
    );
    expect(named).toHaveLength(3);
    // A till refund on the transfer-paid order, with no refund record in WeCom.
    const plantA = (await t.ctx.db('orders').where({ corp_id: corpId, order_no: 'PLANT-A' }).first())!;
    await t.ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'PLANT-RF',
      order_no: 'PLANT-A',
      order_id: plantA.id,
      refunded_at: new Date('2026-10-10T18:00:00+08:00'),
      amount_fen: 2_000,
    });
    const again = (await reconcileDays(t.ctx.db, corpId, '2026-10-10', '2026-10-11')).find(
      (d) => d.storeId === store.store_id,
    )!;
    expect(again.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'refund_one_side', side: 'refunds', deltaFen: -2_000 }),
      ]),
    );
    expect(again.unexplainedFen).toBe(0);
    const unclean = await uncleanDays(t.ctx.db, corpId, 100);
    expect(unclean.map((d) => [d.storeId, d.day])).toEqual([[store.store_id, '2026-10-10']]);
  });

  it('the daily job reconciles yesterday in the tenant’s time zone', async () => {
    const n = await reconcileYesterday(t.ctx.db, new Date('2026-10-12T01:00:00+08:00'));
    expect(n).toBeGreaterThan(0);
    const rows = await t.ctx
      .db('reconciliation_days')
      .where({ corp_id: corpId, day: '2026-10-11' })
      .count('* as n')
      .first();
    expect(Number(rows!.n)).toBe(n);
  });
});
