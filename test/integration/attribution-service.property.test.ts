/**
 * The engine's invariants as properties of the system, not only of the pure rules: random fact
 * sets go through the real service into PostgreSQL. Each run builds three identical tenants and
 * feeds them the same facts — two in different random arrival orders, re-attributing after every
 * arrival (incremental), one all at once and credited from scratch — then compares their live
 * credits byte for byte (database ids mapped to natural keys) and checks the per-order invariants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeOrders, attributeTransfers, ordersOfCustomers } from '../../core/attribution/attribution.service';
import { readLineEvidence } from '../../core/attribution/evidence';
import { canonical } from '../../core/attribution/ledger';
import { markCouponSent, markCouponVoided, ordersNamingCoupons, settleCoupons } from '../../core/coupons/coupons';
import { recordInteractions } from '../../core/ingest/interactions';
import { rebuildRollup } from '../../core/boards/rollup';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

const t = useTestContext();
const H = 3_600_000;
const T = Date.parse('2026-11-20T12:00:00+08:00');
const GUIDES = 4;
const CUSTOMERS = 3;
const KINDS = ['script_send', 'message', 'behavior', 'call'] as const;

interface Facts {
  coupons: {
    code: string;
    guide: number;
    customer: number;
    issuedH: number;
    validH: number;
    /** Hours after its issue it went into the chat; null: never sent. */
    sentAfterH: number | null;
    /** Hours after its issue it was voided; null: not voided. */
    voidAfterH: number | null;
  }[];
  interactions: { ev: string; guide: number; customer: number; atH: number; kind: (typeof KINDS)[number] }[];
  /** Dated exclusive-guide assignments of a customer: [fromH, toH) with toH null for the open one. */
  exclusives: { customer: number; guide: number; fromH: number; toH: number | null }[];
  bills: { tx: string; guide: number; atH: number; fee: number; refund: number }[];
  orders: { no: string; customer: number | null; paidH: number; net: number; coupons: string[]; tx: string | null }[];
  refunds: { no: string; order: string; afterH: number; amount: number }[];
}

const factsArb: fc.Arbitrary<Facts> = fc
  .record({
    // Distinct issue times: equal ones would be decided by coupon id, which the issuing order assigns.
    coupons: fc.uniqueArray(
      fc.record({
        guide: fc.integer({ min: 0, max: GUIDES - 1 }),
        customer: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
        issuedH: fc.integer({ min: -300, max: 24 }),
        validH: fc.integer({ min: 1, max: 400 }),
        sentAfterH: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null, freq: 4 }),
        voidAfterH: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null, freq: 2 }),
      }),
      { selector: (c) => c.issuedH, maxLength: 3 },
    ),
    interactions: fc.array(
      fc.record({
        guide: fc.integer({ min: 0, max: GUIDES - 1 }),
        customer: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
        atH: fc.integer({ min: -220, max: 24 }),
        kind: fc.constantFrom(...KINDS),
      }),
      { maxLength: 8 },
    ),
    // Two guides reaching a customer at the same moment: the exclusive guide at paid_at breaks the tie.
    ties: fc.array(
      fc.record({
        customer: fc.integer({ min: 0, max: 1 }),
        guides: fc.uniqueArray(fc.integer({ min: 0, max: GUIDES - 1 }), { minLength: 2, maxLength: 2 }),
        atH: fc.integer({ min: -60, max: -1 }),
      }),
      { maxLength: 2 },
    ),
    // Each customer's exclusive guide changing over time: boundaries, and the guide of each span.
    exclusive: fc.array(
      fc.record({
        bounds: fc.uniqueArray(fc.integer({ min: -120, max: 10 }), { minLength: 1, maxLength: 3 }),
        guides: fc.array(fc.integer({ min: 0, max: GUIDES - 1 }), { minLength: 3, maxLength: 3 }),
      }),
      { minLength: 2, maxLength: 2 },
    ),
    bills: fc.array(
      fc.record({
        guide: fc.integer({ min: 0, max: GUIDES - 1 }),
        atH: fc.integer({ min: -48, max: 0 }),
        fee: fc.integer({ min: 1, max: 90_000 }),
        refund: fc.integer({ min: 0, max: 90_000 }),
      }),
      { maxLength: 2 },
    ),
    orders: fc.array(
      fc.record({
        customer: fc.option(fc.integer({ min: 0, max: CUSTOMERS - 1 }), { nil: null }),
        paidH: fc.integer({ min: -48, max: 0 }),
        net: fc.integer({ min: 0, max: 90_000 }),
        couponMask: fc.nat(7),
        bill: fc.option(fc.nat(1), { nil: null }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    refunds: fc.array(
      fc.record({
        order: fc.nat(3),
        afterH: fc.integer({ min: 0, max: 48 }),
        amount: fc.integer({ min: 1, max: 120_000 }),
      }),
      { maxLength: 3 },
    ),
  })
  .map((r) => {
    const coupons = r.coupons.map((c, k) => ({ ...c, code: `GC${k}` }));
    const bills = r.bills.map((b, k) => ({ ...b, tx: `TX${k}` }));
    const orders = r.orders.map((o, k) => ({
      no: `P${k}`,
      customer: o.customer,
      paidH: o.paidH,
      net: o.net,
      coupons: coupons.filter((_, c) => (o.couponMask >> c) & 1).map((c) => c.code),
      tx: o.bill !== null && bills[o.bill] ? bills[o.bill]!.tx : null,
    }));
    return {
      coupons,
      interactions: [
        ...r.interactions,
        ...r.ties.flatMap((t) =>
          t.guides.map((guide) => ({ guide, customer: t.customer, atH: t.atH, kind: 'message' as const })),
        ),
      ].map((i, k) => ({ ...i, ev: `E${k}` })),
      exclusives: r.exclusive.flatMap((e, customer) => {
        const b = [...e.bounds].sort((x, y) => x - y);
        return b.map((fromH, k) => ({ customer, guide: e.guides[k]!, fromH, toH: b[k + 1] ?? null }));
      }),
      bills,
      orders,
      refunds: r.refunds
        .filter((f) => f.order < orders.length)
        .map((f, k) => ({ no: `R${k}`, order: orders[f.order]!.no, afterH: f.afterH, amount: f.amount })),
    };
  });

type Arrival = {
  kind: 'coupon' | 'send' | 'void' | 'interaction' | 'exclusive' | 'bill' | 'order' | 'refund';
  index: number;
};
const arrivals = (f: Facts): Arrival[] => [
  ...f.coupons.map((_, index) => ({ kind: 'coupon' as const, index })),
  ...f.coupons.flatMap((c, index) => (c.sentAfterH === null ? [] : [{ kind: 'send' as const, index }])),
  ...f.coupons.flatMap((c, index) => (c.voidAfterH === null ? [] : [{ kind: 'void' as const, index }])),
  ...f.interactions.map((_, index) => ({ kind: 'interaction' as const, index })),
  ...f.exclusives.map((_, index) => ({ kind: 'exclusive' as const, index })),
  ...f.bills.map((_, index) => ({ kind: 'bill' as const, index })),
  ...f.orders.map((_, index) => ({ kind: 'order' as const, index })),
  ...f.refunds.map((_, index) => ({ kind: 'refund' as const, index })),
];

/** A coupon's issue moves to just before its send or void should they come first; everything else stays in its random place. */
function issueFirst(xs: Arrival[]): Arrival[] {
  const out: Arrival[] = [];
  const issued = new Set<number>();
  for (const x of xs) {
    if (x.kind === 'coupon' && issued.has(x.index)) continue;
    if ((x.kind === 'send' || x.kind === 'void' || x.kind === 'coupon') && !issued.has(x.index)) {
      issued.add(x.index);
      out.push({ kind: 'coupon', index: x.index });
      if (x.kind === 'coupon') continue;
    }
    out.push(x);
  }
  return out;
}

/** A tenant shaped like every other one: same guides and customers, in the same creation order. */
async function tenant() {
  const { ctx } = t;
  const corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region);
  const guides: { id: number; userid: string }[] = [];
  for (let g = 0; g < GUIDES; g++)
    guides.push(await createGuide(ctx.db, corp.id, store, { userid: `g${g}-${corp.id}` }));
  const customers: number[] = [];
  for (let c = 0; c < CUSTOMERS; c++) customers.push((await createCustomer(ctx.db, corp.id)).id);
  // The exclusive guide is a fact of the run (dated assignments arriving like any other fact).
  await follow(ctx.db, corp.id, customers[0]!, guides[1]!.id);
  const [tpl] = await ctx
    .db('coupon_templates')
    .insert({ corp_id: corp.id, code: 'T', name: '券', kind: 'cash', value_fen: 1000, valid_days: 30 })
    .returning('id');
  return { corpId: corp.id, store, guides, customers, templateId: tpl.id as number };
}
type Tenant = Awaited<ReturnType<typeof tenant>>;

/** Stores one fact; when `engine`, re-attributes what it affects the way the workers do. */
async function arrive(tn: Tenant, f: Facts, a: Arrival, engine: boolean): Promise<void> {
  const { ctx } = t;
  const corpId = tn.corpId;
  if (a.kind === 'coupon') {
    const c = f.coupons[a.index]!;
    await ctx.db('coupons').insert({
      corp_id: corpId,
      template_id: tn.templateId,
      code: c.code,
      customer_id: tn.customers[c.customer],
      guide_id: tn.guides[c.guide]!.id,
      issued_at: new Date(T + c.issuedH * H),
      expires_at: new Date(T + (c.issuedH + c.validH) * H),
    });
    await settleCoupons(ctx.db, corpId, [c.code]);
    if (engine) await attributeOrders(ctx, corpId, await ordersNamingCoupons(ctx.db, corpId, [c.code]), 'coupon');
  } else if (a.kind === 'send' || a.kind === 'void') {
    // A send or a void of a coupon issued already (a coupon's issue always comes first).
    const c = f.coupons[a.index]!;
    const at = new Date(T + (c.issuedH + (a.kind === 'send' ? c.sentAfterH! : c.voidAfterH!)) * H);
    if (a.kind === 'send') await markCouponSent(ctx.db, corpId, c.code, at);
    else await markCouponVoided(ctx.db, corpId, c.code, at, null, 'property');
    if (engine) await attributeOrders(ctx, corpId, await ordersNamingCoupons(ctx.db, corpId, [c.code]), a.kind);
  } else if (a.kind === 'interaction') {
    const i = f.interactions[a.index]!;
    const customers = await recordInteractions(ctx.db, [
      {
        corpId,
        guideId: tn.guides[i.guide]!.id,
        customerId: tn.customers[i.customer]!,
        occurredAt: new Date(T + i.atH * H),
        kind: i.kind,
        source: 'archive',
        evidenceId: i.ev,
      },
    ]);
    if (engine) await attributeOrders(ctx, corpId, await ordersOfCustomers(ctx.db, corpId, customers), 'interaction');
  } else if (a.kind === 'exclusive') {
    const e = f.exclusives[a.index]!;
    const customerId = tn.customers[e.customer]!;
    await ctx.db('exclusive_assignments').insert({
      corp_id: corpId,
      customer_id: customerId,
      guide_id: tn.guides[e.guide]!.id,
      valid_from: new Date(T + e.fromH * H),
      valid_to: e.toH === null ? null : new Date(T + e.toH * H),
      set_by: 'property',
    });
    if (engine) await attributeOrders(ctx, corpId, await ordersOfCustomers(ctx.db, corpId, [customerId]), 'exclusive');
  } else if (a.kind === 'bill') {
    const b = f.bills[a.index]!;
    const base = {
      corp_id: corpId,
      transaction_id: b.tx,
      trade_state: 3,
      payee_userid: tn.guides[b.guide]!.userid,
      guide_id: tn.guides[b.guide]!.id,
      total_fee_fen: b.fee,
      raw: '{}',
    };
    const ids = [
      (
        await ctx
          .db('transfers')
          .insert({ ...base, bill_type: 0, pay_time: new Date(T + b.atH * H) })
          .returning('id')
      )[0].id as number,
    ];
    if (b.refund > 0)
      ids.push(
        (
          await ctx
            .db('transfers')
            .insert({
              ...base,
              bill_type: 1,
              out_refund_no: `${b.tx}-R`,
              total_refund_fee_fen: Math.min(b.refund, b.fee),
              pay_time: new Date(T + (b.atH + 1) * H),
            })
            .returning('id')
        )[0].id as number,
      );
    if (engine) await attributeTransfers(ctx, corpId, ids, 'bills');
  } else if (a.kind === 'order') {
    const o = f.orders[a.index]!;
    const [row] = await ctx
      .db('orders')
      .insert({
        corp_id: corpId,
        source: 'pos',
        order_no: o.no,
        store_id: tn.store,
        customer_id: o.customer === null ? null : tn.customers[o.customer],
        paid_at: new Date(T + o.paidH * H),
        gross_fen: o.net,
        net_fen: o.net,
        coupon_codes: o.coupons,
        payment_transaction_id: o.tx,
      })
      .returning('id');
    await ctx
      .db('refunds')
      .where({ corp_id: corpId, source: 'pos', order_no: o.no })
      .whereNull('order_id')
      .update({ order_id: row.id });
    await settleCoupons(ctx.db, corpId, o.coupons);
    if (engine) await attributeOrders(ctx, corpId, [row.id], 'order');
  } else {
    const r = f.refunds[a.index]!;
    const o = f.orders.find((x) => x.no === r.order)!;
    const order = await ctx
      .db('orders')
      .where({ corp_id: corpId, source: 'pos', order_no: r.order })
      .first<{ id: number } | undefined>('id');
    await ctx.db('refunds').insert({
      corp_id: corpId,
      source: 'pos',
      refund_no: r.no,
      order_no: r.order,
      order_id: order?.id ?? null,
      refunded_at: new Date(T + (o.paidH + r.afterH) * H),
      amount_fen: r.amount,
    });
    if (engine && order) await attributeOrders(ctx, corpId, [order.id], 'refund');
  }
}

/** Live credits with every database id replaced by the natural key of what it names. */
async function snapshot(tn: Tenant): Promise<string[]> {
  const { db } = t.ctx;
  const corpId = tn.corpId;
  const guide = new Map(tn.guides.map((g, k) => [g.id, `G${k}`]));
  const ev = new Map(
    (
      await db('interactions')
        .where({ corp_id: corpId })
        .select<{ id: number; evidence_id: string }[]>('id', 'evidence_id')
    ).map((i) => [Number(i.id), i.evidence_id]),
  );
  const coupon = new Map(
    (await db('coupons').where({ corp_id: corpId }).select<{ id: number; code: string }[]>('id', 'code')).map((c) => [
      Number(c.id),
      c.code,
    ]),
  );
  const bill = new Map(
    (
      await db('transfers')
        .where({ corp_id: corpId })
        .select<{ id: number; transaction_id: string; bill_type: number }[]>('id', 'transaction_id', 'bill_type')
    ).map((b) => [Number(b.id), `${b.transaction_id}/${b.bill_type}`]),
  );
  const refund = new Map(
    (
      await db('refunds')
        .where({ corp_id: corpId })
        .select<{ id: number; source: string; refund_no: string }[]>('id', 'source', 'refund_no')
    ).map((r) => [Number(r.id), `${r.source}:${r.refund_no}`]),
  );
  const rows = await db('credits as c')
    .leftJoin('orders as o', 'o.id', 'c.order_id')
    .where({ 'c.corp_id': corpId })
    .whereNull('c.superseded_at')
    .select<
      {
        order_no: string | null;
        transfer_id: number | null;
        refund_id: number | null;
        kind: string;
        guide_id: number;
        rule: string;
        amount_fen: number;
        rule_set_version: number;
        occurred_at: Date;
        evidence: Record<string, unknown>;
        candidates: { guideId: number }[];
      }[]
    >(
      'o.order_no',
      'c.transfer_id',
      'c.refund_id',
      'c.kind',
      'c.guide_id',
      'c.rule',
      'c.amount_fen',
      'c.rule_set_version',
      'c.occurred_at',
      'c.evidence',
      'c.candidates',
    );
  // The coupons' summaries too: status and the order that redeemed each, whatever arrived first.
  const coupons = (
    await db('coupons as c')
      .leftJoin('orders as o', 'o.id', 'c.redeemed_order_id')
      .where({ 'c.corp_id': corpId })
      .select<{ code: string; status: string; order_no: string | null }[]>('c.code', 'c.status', 'o.order_no')
  ).map((c) => canonical({ coupon: c.code, status: c.status, redeemedBy: c.order_no }));
  return rows
    .map((r) => {
      const e = { ...r.evidence };
      if (Array.isArray(e.interactionIds))
        e.interactionIds = (e.interactionIds as number[]).map((i) => ev.get(i)).sort();
      if (typeof e.couponId === 'number') e.couponId = coupon.get(e.couponId);
      if (typeof e.transferId === 'number') e.transferId = bill.get(e.transferId);
      if (typeof e.refundId === 'number') e.refundId = refund.get(e.refundId);
      return canonical({
        subject: r.order_no ?? bill.get(Number(r.transfer_id)),
        refund: r.refund_id === null ? null : refund.get(Number(r.refund_id)),
        kind: r.kind,
        guide: guide.get(Number(r.guide_id)),
        rule: r.rule,
        amountFen: r.amount_fen,
        version: r.rule_set_version,
        at: r.occurred_at.toISOString(),
        evidence: e,
        candidates: r.candidates.map((c) => ({ ...c, guideId: guide.get(c.guideId) })),
      });
    })
    .concat(coupons)
    .sort();
}

async function checkInvariants(tn: Tenant, f: Facts): Promise<void> {
  const { db } = t.ctx;
  // Every line the engine wrote, live or superseded, reads back with the one evidence schema.
  const lines = await db('credits')
    .where({ corp_id: tn.corpId })
    .select<{ id: number; order_id: number | null; kind: string; evidence: unknown }[]>(
      'id',
      'order_id',
      'kind',
      'evidence',
    );
  for (const l of lines) expect(readLineEvidence(l), `line ${l.id}: ${JSON.stringify(l.evidence)}`).not.toBeNull();
  const rows = await db.raw<{
    rows: { order_no: string; net_fen: number; sales: number; guides: number; total: number }[];
  }>(
    `select o.order_no, o.net_fen, count(*) filter (where c.kind = 'sale')::int as sales, count(distinct c.guide_id)::int as guides, coalesce(sum(c.amount_fen), 0)::bigint as total
       from orders o join credits c on c.order_id = o.id and c.superseded_at is null
      where o.corp_id = ? group by o.id`,
    [tn.corpId],
  );
  for (const r of rows.rows) {
    expect(r.sales, `${r.order_no}: one live sale`).toBeLessThanOrEqual(1);
    expect(r.guides, `${r.order_no}: one guide in the seller role`).toBe(1);
    expect(Number(r.total), `${r.order_no}: credited ≤ net`).toBeLessThanOrEqual(r.net_fen);
    expect(Number(r.total), `${r.order_no}: never below zero`).toBeGreaterThanOrEqual(0);
  }
  // A coupon credits at most one order, and that order is the one the coupon's status says redeemed it.
  const byCoupon = await db.raw<{
    rows: { code: string; orders: number; credited: number; redeemed: number | null; status: string }[];
  }>(
    `select c.code, count(distinct cr.order_id)::int as orders, min(cr.order_id) as credited, c.redeemed_order_id as redeemed, c.status::text as status
       from coupons c join credits cr on cr.corp_id = c.corp_id and cr.superseded_at is null and cr.kind = 'sale'
        and cr.rule = 'coupon' and cr.evidence->>'code' = c.code
      where c.corp_id = ? group by c.id`,
    [tn.corpId],
  );
  for (const r of byCoupon.rows) {
    expect(r.orders, `${r.code}: credits one order`).toBe(1);
    expect(r.status, `${r.code}: redeemed`).toBe('redeemed');
    expect(Number(r.redeemed), `${r.code}: by the credited order`).toBe(Number(r.credited));
  }
  const voidOrUnsent = await db('credits as cr')
    .join('coupons as c', function () {
      this.on('c.corp_id', 'cr.corp_id').andOn(db.raw(`c.code = cr.evidence->>'code'`));
    })
    .where({ 'cr.corp_id': tn.corpId, 'cr.rule': 'coupon' })
    .whereNull('cr.superseded_at')
    .where((q) => q.whereNotNull('c.voided_at').orWhereNull('c.sent_at'))
    .count<{ n: number }[]>('* as n');
  expect(Number(voidOrUnsent[0]!.n), 'a voided or never-sent coupon credits nothing').toBe(0);
  // A bill an order names is never credited on its own as well.
  const named = f.orders.flatMap((o) => (o.tx ? [o.tx] : []));
  const doubled = await db('credits as c')
    .join('transfers as t', 't.id', 'c.transfer_id')
    .where({ 'c.corp_id': tn.corpId })
    .whereNull('c.superseded_at')
    .whereIn('t.transaction_id', named)
    .count<{ n: number }[]>('* as n');
  expect(doubled[0]!.n).toBe(0);
  // The board rollup, cell by cell (guide, tenant day, store, path), is the live lines aggregated —
  // and a rebuild from the ledger writes the same cells.
  const cells = (q: string) =>
    db
      .raw<{
        rows: {
          guide_id: number;
          day: string;
          store_id: number | null;
          path: string;
          orders: number;
          amount_fen: string;
        }[];
      }>(q, [tn.corpId])
      .then((r) => r.rows.map((c) => JSON.stringify(c)));
  const fromLines = await cells(
    `select c.guide_id, to_char((c.occurred_at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, c.store_id,
            case when c.rule = 'transfer' then 'transfer' when o.source = 'mall' then 'mall' else c.rule::text end as path,
            (count(*) filter (where c.kind = 'sale'))::int as orders, sum(c.amount_fen)::text as amount_fen
       from credits c left join orders o on o.id = c.order_id where c.corp_id = ? and c.superseded_at is null
      group by 1, 2, 3, 4 having count(*) filter (where c.kind = 'sale') <> 0 or sum(c.amount_fen) <> 0 order by 1, 2, 3, 4`,
  );
  const rollupQuery = `select guide_id, to_char(day, 'YYYY-MM-DD') as day, store_id, path::text as path, orders, amount_fen::text as amount_fen
       from daily_credits where corp_id = ? and (orders <> 0 or amount_fen <> 0) order by 1, 2, 3, 4`;
  expect(await cells(rollupQuery)).toEqual(fromLines);
  await rebuildRollup(db, tn.corpId);
  expect(await cells(rollupQuery)).toEqual(fromLines);
}

describe('attribution service invariants (PostgreSQL)', () => {
  it('any arrival order, incremental, gives byte-identical credits to a recompute from scratch; invariants hold', async () => {
    await fc.assert(
      fc.asyncProperty(factsArb, fc.infiniteStream(fc.nat()), async (f, seeds) => {
        const shuffle = <X>(xs: X[]) =>
          xs
            .map((x) => ({ x, k: seeds.next().value }))
            .sort((a, b) => a.k - b.k)
            .map((e) => e.x);
        const [a, b, scratch] = [await tenant(), await tenant(), await tenant()];
        for (const arr of issueFirst(shuffle(arrivals(f)))) await arrive(a, f, arr, true);
        for (const arr of issueFirst(shuffle(arrivals(f)))) await arrive(b, f, arr, true);
        for (const arr of arrivals(f)) await arrive(scratch, f, arr, false);
        await attributeOrders(
          t.ctx,
          scratch.corpId,
          await t.ctx.db('orders').where({ corp_id: scratch.corpId }).pluck('id'),
          'from scratch',
        );
        await attributeTransfers(
          t.ctx,
          scratch.corpId,
          await t.ctx.db('transfers').where({ corp_id: scratch.corpId }).pluck('id'),
          'from scratch',
        );
        const want = await snapshot(scratch);
        expect(await snapshot(a)).toEqual(want);
        expect(await snapshot(b)).toEqual(want);
        await checkInvariants(a, f);
        // Recomputing a tenant that is already up to date writes nothing.
        expect(
          await attributeOrders(
            t.ctx,
            a.corpId,
            await t.ctx.db('orders').where({ corp_id: a.corpId }).pluck('id'),
            'again',
          ),
        ).toMatchObject({ changed: 0 });
      }),
      { numRuns: 30 },
    );
  }, 240_000);
});
