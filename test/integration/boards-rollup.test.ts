/**
 * The board rollup is exact per (tenant day, store, guide, path): a guide's sales at two stores on
 * one day stay apart, mini-program orders are their own path, bills are credited to the payee's
 * store, and re-attributions and refunds move the cells with the lines. A rebuild from the ledger
 * writes the same cells.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeOrders, attributeTransfers } from '../../core/attribution/attribution.service';
import { rebuildRollup, rollupCells } from '../../core/boards/rollup';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
const H = 3_600_000;
// 23:30 in Shanghai on 20 November: 15:30 UTC, the tenant's day is the 20th.
const T = Date.parse('2026-11-20T23:30:00+08:00');

let corpId: number;
let storeA: number;
let storeB: number;
let g1: number;
let g2: number;
let customerId: number;

async function order(no: string, store: number, paidAt: number, net: number, source = 'pos'): Promise<number> {
  const [r] = await t.ctx
    .db('orders')
    .insert({
      corp_id: corpId,
      source,
      order_no: no,
      store_id: store,
      customer_id: customerId,
      paid_at: new Date(paidAt),
      gross_fen: net,
      net_fen: net,
      coupon_codes: [],
    })
    .returning<{ id: number }[]>('id');
  return r!.id;
}
const chat = (guideId: number, at: number, ev: string) =>
  recordInteractions(t.ctx.db, [
    { corpId, guideId, customerId, occurredAt: new Date(at), kind: 'script_send', source: 'sidebar', evidenceId: ev },
  ]);

beforeAll(async () => {
  const corp = await createCorp(t.ctx.db, t.ctx.secrets);
  corpId = corp.id;
  const region = await createRegion(t.ctx.db, corpId);
  storeA = await createStore(t.ctx.db, corpId, region);
  storeB = await createStore(t.ctx.db, corpId, region);
  g1 = (await createGuide(t.ctx.db, corpId, storeA)).id;
  g2 = (await createGuide(t.ctx.db, corpId, storeB)).id;
  customerId = (await createCustomer(t.ctx.db, corpId, { name: '王雅琴' })).id;
});

describe('daily_credits rollup', () => {
  it('keeps one cell per (day, store, guide, path) and moves it with re-attributions and refunds', async () => {
    await chat(g1, T - 24 * H, 'e1');
    const atA = await order('POS-A', storeA, T, 10_000);
    const atB = await order('POS-B', storeB, T - H, 20_000);
    const mall = await order('MALL-1', storeA, T - 2 * H, 30_000, 'mall');
    await attributeOrders(t.ctx, corpId, [atA, atB, mall], 'test');
    const [bill] = await t.ctx
      .db('transfers')
      .insert({
        corp_id: corpId,
        transaction_id: 'TX-1',
        bill_type: 0,
        trade_state: 1,
        pay_time: new Date(T - 3 * H),
        payee_userid: 'g2',
        guide_id: g2,
        total_fee_fen: 5_000,
        raw: {},
      })
      .returning<{ id: number }[]>('id');
    await attributeTransfers(t.ctx, corpId, [bill!.id], 'test');

    const cell = (guide_id: number, store_id: number, path: string, orders: number, amount_fen: number) => ({
      day: '2026-11-20',
      store_id,
      guide_id,
      path,
      orders,
      amount_fen,
    });
    // In key order: guide, day, store, path.
    expect(await rollupCells(t.ctx.db, corpId)).toEqual([
      cell(g1, storeA, 'interaction', 1, 10_000),
      cell(g1, storeA, 'mall', 1, 30_000),
      cell(g1, storeB, 'interaction', 1, 20_000),
      cell(g2, storeB, 'transfer', 1, 5_000),
    ]);

    // g2 chats later: the store-B order (paid after the chat) moves to g2; a refund of the store-A order.
    await chat(g2, T - 2 * H, 'e2');
    await t.ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: 'R-A',
      order_no: 'POS-A',
      order_id: atA,
      refunded_at: new Date(T + 48 * H),
      amount_fen: 4_000,
    });
    await attributeOrders(t.ctx, corpId, [atA, atB, mall], 'test');
    const after = await rollupCells(t.ctx.db, corpId);
    expect(after.filter((c) => c.store_id === storeB)).toEqual([
      cell(g2, storeB, 'interaction', 1, 20_000),
      cell(g2, storeB, 'transfer', 1, 5_000),
    ]);
    expect(after.find((c) => c.day === '2026-11-22')).toMatchObject({
      guide_id: g2,
      store_id: storeA,
      path: 'interaction',
      orders: 0,
      amount_fen: -4_000,
    });

    const incremental = await rollupCells(t.ctx.db, corpId);
    await rebuildRollup(t.ctx.db, corpId);
    expect(await rollupCells(t.ctx.db, corpId)).toEqual(incremental);
  });
});
