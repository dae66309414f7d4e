/**
 * The board rollup is exact per (tenant day, store, guide, path): a guide's sales at two stores on
 * one day stay apart, mini-program orders are their own path, bills are credited to the payee's
 * store, and re-attributions and refunds move the cells with the lines. A rebuild from the ledger
 * writes the same cells.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeOrders, attributeTransfers } from '../../core/attribution/attribution.service';
import { activityCells, rebuildActivity } from '../../core/boards/activity';
import { levelBoard, trendBoard } from '../../core/boards/boards';
import { rebuildRollup, rollupCells } from '../../core/boards/rollup';
import { rebuildStoreSales, storeSalesCells } from '../../core/boards/store-sales';
import { loadPrincipal } from '../../core/auth/principal';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  createUser,
  follow,
} from '../factories/org.factory';

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

describe('activity rollups', () => {
  /** The boards' activity figures counted from the raw facts, per guide's current store (as boards did before the rollups). */
  async function direct(corp: number, key: 's.region_id' | 'g.store_id' | 'g.id', from: string, to: string) {
    const r = await t.ctx.db.raw<{
      rows: { what: string; k: string; channel: string; n: number; c: number }[];
    }>(
      `with z as (select timezone as tz from corps where id = :corp),
            g as (select g.id, ${key} as k from guides g join stores s on s.id = g.store_id where g.corp_id = :corp)
       select 'i' as what, g.k, '' as channel, count(*)::int as n, count(distinct i.customer_id)::int as c
         from interactions i join g on g.id = i.guide_id, z
        where (i.occurred_at at time zone z.tz)::date between :from and :to group by 1, 2, 3
       union all
       select 'a', g.k, coalesce(cg.state, ''), count(*)::int, 0 from customer_guides cg join g on g.id = cg.guide_id, z
        where (cg.added_at at time zone z.tz)::date between :from and :to group by 1, 2, 3
       union all
       select 'ci', g.k, '', count(*)::int, 0 from coupons c join g on g.id = c.guide_id, z
        where (c.issued_at at time zone z.tz)::date between :from and :to group by 1, 2, 3
       union all
       select 'cr', g.k, '', count(*)::int, 0 from coupons c join g on g.id = c.guide_id, z
        where (c.redeemed_at at time zone z.tz)::date between :from and :to group by 1, 2, 3`,
      { corp, from, to },
    );
    const out = new Map<number, Record<string, unknown>>();
    for (const x of r.rows) {
      const a = out.get(Number(x.k)) ?? {
        interactions: 0,
        customersAdded: 0,
        addedByChannel: {},
        activeCustomers: 0,
        couponsIssued: 0,
        couponsRedeemed: 0,
      };
      if (x.what === 'i') Object.assign(a, { interactions: x.n, activeCustomers: x.c });
      if (x.what === 'a') {
        a.customersAdded = (a.customersAdded as number) + x.n;
        (a.addedByChannel as Record<string, number>)[x.channel] = x.n;
      }
      if (x.what === 'ci') a.couponsIssued = x.n;
      if (x.what === 'cr') a.couponsRedeemed = x.n;
      out.set(Number(x.k), a);
    }
    return out;
  }

  it('agrees with counting the facts at every level, after late and changed facts, and with a rebuild', async () => {
    const corp = await createCorp(t.ctx.db, t.ctx.secrets);
    const [r1, r2] = [await createRegion(t.ctx.db, corp.id), await createRegion(t.ctx.db, corp.id)];
    const stores = [
      await createStore(t.ctx.db, corp.id, r1),
      await createStore(t.ctx.db, corp.id, r1),
      await createStore(t.ctx.db, corp.id, r2),
    ];
    const guides: number[] = [];
    for (const st of [...stores, stores[0]!]) guides.push((await createGuide(t.ctx.db, corp.id, st)).id);
    const customers: number[] = [];
    for (let i = 0; i < 6; i++) customers.push((await createCustomer(t.ctx.db, corp.id)).id);
    const [template] = await t.ctx
      .db('coupon_templates')
      .insert({ corp_id: corp.id, code: 'T10', name: '10元券', kind: 'cash', value_fen: 1000, valid_days: 30 })
      .returning<{ id: number }[]>('id');
    await createUser(t.ctx.db, corp.id, { userid: 'hq', role: 'admin' });
    const hq = (await loadPrincipal(t.ctx.db, corp.id, 'hq'))!;

    // Deterministic pseudo-random facts around the tenant's midnights (Shanghai), several per guide, customer and day.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor(seed / 65_536) % n;
    };
    const base = Date.parse('2026-11-01T00:00:00+08:00');
    const at = () => new Date(base + rnd(10 * 24 * 60) * 60_000 - 2 * H);
    const facts = async (n: number, tag: string) => {
      await recordInteractions(
        t.ctx.db,
        Array.from({ length: n }, (_, i) => ({
          corpId: corp.id,
          guideId: guides[rnd(guides.length)]!,
          customerId: customers[rnd(customers.length)]!,
          occurredAt: at(),
          kind: 'message' as const,
          source: 'archive',
          evidenceId: `${tag}-${i}`,
        })),
      );
      for (let i = 0; i < n / 10; i++) {
        const issued = at();
        await t.ctx.db('coupons').insert({
          corp_id: corp.id,
          template_id: template!.id,
          code: `${tag}-C${i}`,
          customer_id: customers[rnd(customers.length)],
          guide_id: i % 5 === 0 ? null : guides[rnd(guides.length)],
          issued_at: issued,
          sent_at: issued,
          expires_at: new Date(base + 60 * 24 * H),
          ...(i % 2 === 0 ? { redeemed_at: at(), status: 'redeemed' } : {}),
        });
      }
    };
    await facts(60, 'a');
    for (const [i, c] of customers.entries())
      await follow(t.ctx.db, corp.id, c, guides[i % guides.length]!, {
        addedAt: at(),
        ...(i % 3 === 0 ? {} : { state: i % 3 === 1 ? 'qr-door' : 'qr-till' }),
      });

    const check = async () => {
      const principal = hq;
      for (const [from, to] of [
        ['2026-11-01', '2026-11-30'],
        ['2026-11-03', '2026-11-05'],
        ['2026-10-31', '2026-10-31'],
      ] as const) {
        const q = { from, to };
        const regions = await levelBoard(t.ctx, principal, 'region', null, q);
        const want = await direct(corp.id, 's.region_id', from, to);
        if (from === '2026-11-01') {
          const sum = (f: (a: (typeof regions.rows)[number]['activity']) => number) =>
            regions.rows.reduce((n, r) => n + f(r.activity), 0);
          expect(sum((a) => a.interactions)).toBeGreaterThan(50);
          expect(sum((a) => a.activeCustomers)).toBeGreaterThan(5);
          expect(sum((a) => a.couponsRedeemed)).toBeGreaterThan(0);
          expect(sum((a) => Object.keys(a.addedByChannel).length)).toBeGreaterThan(2);
        }
        for (const row of regions.rows)
          expect(row.activity, `region ${row.id} ${from}..${to}`).toMatchObject(want.get(row.id) ?? {});
        for (const r of [r1, r2]) {
          const st = await levelBoard(t.ctx, principal, 'store', r, q);
          const wantS = await direct(corp.id, 'g.store_id', from, to);
          for (const row of st.rows) expect(row.activity).toMatchObject(wantS.get(row.id) ?? {});
        }
        const wantG = await direct(corp.id, 'g.id', from, to);
        for (const st of stores)
          for (const row of (await levelBoard(t.ctx, principal, 'guide', st, q)).rows)
            expect(row.activity).toMatchObject(wantG.get(row.id) ?? { interactions: 0, activeCustomers: 0 });
        const trend = await trendBoard(t.ctx, principal, null, q);
        const perDay = await t.ctx.db.raw<{ rows: { day: string; n: number }[] }>(
          `select to_char((occurred_at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, count(*)::int as n
             from interactions where corp_id = ? group by 1`,
          [corp.id],
        );
        for (const d of trend.days)
          expect(d.interactions, d.day).toBe(perDay.rows.find((x) => x.day === d.day)?.n ?? 0);
      }
      const incremental = await activityCells(t.ctx.db, corp.id);
      expect(incremental.activity.length).toBeGreaterThan(0);
      await rebuildActivity(t.ctx.db, corp.id);
      expect(await activityCells(t.ctx.db, corp.id)).toEqual(incremental);
    };
    await check();

    // Late facts: interactions dated days back, replays (ignored), a coupon redeemed now for an earlier day,
    // a follow relation's channel and guide changed, a guide moved to another region's store, facts deleted.
    await facts(40, 'b');
    await facts(40, 'c');
    const again = await t.ctx
      .db('interactions')
      .where({ corp_id: corp.id })
      .orderBy('id')
      .limit(5)
      .select<{ guide_id: number; customer_id: number; occurred_at: Date; evidence_id: string }[]>();
    const replayed = await recordInteractions(
      t.ctx.db,
      again.map((x) => ({
        corpId: corp.id,
        guideId: Number(x.guide_id),
        customerId: Number(x.customer_id),
        occurredAt: x.occurred_at,
        kind: 'message' as const,
        source: 'archive',
        evidenceId: x.evidence_id,
      })),
    );
    expect(replayed).toEqual([]);
    await t.ctx
      .db('coupons')
      .where({ corp_id: corp.id })
      .whereNull('redeemed_at')
      .update({ redeemed_at: new Date(base + 3 * 24 * H), status: 'redeemed' });
    await t.ctx
      .db('customer_guides')
      .where({ corp_id: corp.id, customer_id: customers[1] })
      .update({ state: 'qr-moved', guide_id: guides[2] });
    await t.ctx.db('guides').where({ id: guides[3] }).update({ store_id: stores[2] });
    await t.ctx.db('interactions').where({ corp_id: corp.id, evidence_id: 'a-1' }).del();
    await t.ctx.db('coupons').where({ corp_id: corp.id, code: 'a-C1' }).del();
    await check();
  });
});

describe('store total sales and the private-domain share', () => {
  it('counts transfer bills no order names in the store total, so the share never passes 100 %', async () => {
    const corp = await createCorp(t.ctx.db, t.ctx.secrets);
    const region = await createRegion(t.ctx.db, corp.id);
    const store = await createStore(t.ctx.db, corp.id, region);
    const other = await createStore(t.ctx.db, corp.id, region);
    const guide = await createGuide(t.ctx.db, corp.id, store);
    const customer = (await createCustomer(t.ctx.db, corp.id)).id;
    await createUser(t.ctx.db, corp.id, { userid: 'hq', role: 'admin' });
    const hq = (await loadPrincipal(t.ctx.db, corp.id, 'hq'))!;
    const day = Date.parse('2026-11-10T15:00:00+08:00');
    const q = { from: '2026-11-01', to: '2026-11-30' };

    // An uncredited till sale of ¥100 and a ¥500 sale by WeCom transfer that no till recorded.
    const [pos] = await t.ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: 'POS-S1',
        store_id: store,
        customer_id: customer,
        paid_at: new Date(day),
        gross_fen: 10_000,
        net_fen: 10_000,
        coupon_codes: [],
      })
      .returning<{ id: number }[]>('id');
    await attributeOrders(t.ctx, corp.id, [pos!.id], 'test');
    const [bill] = await t.ctx
      .db('transfers')
      .insert({
        corp_id: corp.id,
        transaction_id: 'TX-S1',
        bill_type: 0,
        trade_state: 1,
        pay_time: new Date(day + H),
        payee_userid: guide.userid,
        guide_id: guide.id,
        total_fee_fen: 50_000,
        raw: {},
      })
      .returning<{ id: number }[]>('id');
    await attributeTransfers(t.ctx, corp.id, [bill!.id], 'test');

    const row = async () => (await levelBoard(t.ctx, hq, 'store', region, q)).rows.find((r) => r.id === store)!;
    let r = await row();
    expect(r.current.creditedFen).toBe(50_000);
    expect(r.current.storeSalesFen).toBe(60_000);
    expect(r.current.storeOrders).toBe(2);
    expect(r.current.privateShareBp).toBe(8333);
    expect(r.current.transferShareBp).toBe(8333);
    const cells = await storeSalesCells(t.ctx.db, corp.id);
    await rebuildStoreSales(t.ctx.db, corp.id);
    expect(await storeSalesCells(t.ctx.db, corp.id)).toEqual(cells);

    // The till's record of the transfer sale arrives late and names the bill: the bill's own line is
    // replaced by the order's credit, and the sale is counted once, as an order.
    const [late] = await t.ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: 'POS-S2',
        store_id: store,
        customer_id: customer,
        paid_at: new Date(day + H),
        gross_fen: 50_000,
        net_fen: 50_000,
        coupon_codes: [],
        payment_transaction_id: 'TX-S1',
      })
      .returning<{ id: number }[]>('id');
    await attributeOrders(t.ctx, corp.id, [late!.id], 'test');
    await attributeTransfers(t.ctx, corp.id, [bill!.id], 'test');
    r = await row();
    expect(r.current.creditedFen).toBe(50_000);
    expect(r.current.storeSalesFen).toBe(60_000);
    expect(r.current.storeOrders).toBe(2);
    expect(r.current.privateShareBp).toBe(8333);

    // Orders corrected and moved: the rollup follows, and equals a rebuild.
    await t.ctx.db('orders').where({ id: pos!.id }).update({ net_fen: 8_000, store_id: other });
    r = await row();
    expect(r.current.storeSalesFen).toBe(50_000);
    expect(r.current.privateShareBp).toBe(10_000);
    const board = await levelBoard(t.ctx, hq, 'store', region, q);
    expect(board.total.storeSalesFen).toBe(58_000);
    const after = await storeSalesCells(t.ctx.db, corp.id);
    await rebuildStoreSales(t.ctx.db, corp.id);
    expect(await storeSalesCells(t.ctx.db, corp.id)).toEqual(after);
    for (const x of board.rows) expect(x.current.privateShareBp ?? 0).toBeLessThanOrEqual(10_000);
  });
});
