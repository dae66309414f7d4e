/**
 * The engine's only I/O: loads the facts of a batch of orders in a few set-based queries, runs
 * the pure rules, and writes only what changed — superseding the old credit (kept in the trail)
 * and inserting the new one. Orders are row-locked in id order, and the partial unique index
 * `credits_one_live` guarantees one live credit per order and role whatever runs concurrently.
 */
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { loadRuleSets, ruleSetAt } from './rule-sets';
import { attributeOrder, refundCreditFen, transferCreditFen, type Attribution, type OrderFacts } from './rules';

const BATCH = 2_000;

export interface OrderRow { id: number; paid_at: Date; net_fen: number; customer_id: number | null; store_id: number | null }
interface LiveCredit { id: number; order_id: number | null; transfer_id: number | null; refund_id: number | null; kind: 'sale' | 'refund'; guide_id: number; rule: string; amount_fen: number; occurred_at: Date; rule_set_version: number; evidence: unknown; candidates: unknown }

export interface AttributeResult {
  orders: number;
  changed: number;
  unchanged: number;
  lockedInClosedPeriod: number;
}

/** Orders of these customers that a changed fact may affect (paid in an open period or later). */
export async function ordersOfCustomers(db: Db, corpId: number, customerIds: number[]): Promise<number[]> {
  if (customerIds.length === 0) return [];
  return db('orders').where({ corp_id: corpId }).whereIn('customer_id', customerIds).pluck<number[]>('id');
}

export async function attributeOrders(ctx: AppContext, corpId: number, orderIds: number[], reason: string): Promise<AttributeResult> {
  const total: AttributeResult = { orders: 0, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 };
  const sorted = [...new Set(orderIds)].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += BATCH) {
    const r = await attributeBatch(ctx, corpId, sorted.slice(i, i + BATCH), reason);
    total.orders += r.orders;
    total.changed += r.changed;
    total.unchanged += r.unchanged;
    total.lockedInClosedPeriod += r.lockedInClosedPeriod;
  }
  return total;
}

async function closedMonths(db: Db, corpId: number): Promise<Set<string>> {
  const rows = await db('commission_periods').where({ corp_id: corpId, status: 'closed' }).select<{ month: string }[]>('month');
  return new Set(rows.map((r) => r.month.slice(0, 7)));
}

/** The candidate facts of a batch of orders, in three set-based queries. */
export async function loadOrderFacts(db: Db, corpId: number, orders: OrderRow[], maxWindowDays: number, kinds: string[]): Promise<Map<number, OrderFacts>> {
  const ids = orders.map((o) => o.id);
  const coupons = await db.raw<{ rows: { order_id: number; id: number; code: string; guide_id: number; issued_at: Date; expires_at: Date }[] }>(
    `select o.id as order_id, c.id, c.code, c.guide_id, c.issued_at, c.expires_at
       from orders o join coupons c on c.corp_id = o.corp_id and c.code = any(o.coupon_codes)
      where o.id = any(?) and c.guide_id is not null`, [ids]);
  const interactions = await db.raw<{ rows: { order_id: number; id: number; guide_id: number; occurred_at: Date; kind: string }[] }>(
    `select o.id as order_id, i.id, i.guide_id, i.occurred_at, i.kind::text as kind
       from orders o join interactions i on i.customer_id = o.customer_id
        and i.occurred_at >= o.paid_at - make_interval(days => ?) and i.occurred_at < o.paid_at
      where o.id = any(?) and i.corp_id = ? and i.kind::text = any(?)`, [maxWindowDays, ids, corpId, kinds]);
  const customerIds = [...new Set(orders.flatMap((o) => (o.customer_id ? [o.customer_id] : [])))];
  const exclusive = new Map((await db('customer_guides').where({ corp_id: corpId, is_exclusive: true }).whereNull('ended_at').whereIn('customer_id', customerIds).select<{ customer_id: number; guide_id: number }[]>('customer_id', 'guide_id')).map((r) => [r.customer_id, r.guide_id]));
  const facts = new Map<number, OrderFacts>(orders.map((o) => [o.id, { orderId: o.id, paidAt: o.paid_at.getTime(), netFen: o.net_fen, customerId: o.customer_id, exclusiveGuideId: o.customer_id ? (exclusive.get(o.customer_id) ?? null) : null, coupons: [], interactions: [] }]));
  for (const c of coupons.rows) facts.get(c.order_id)!.coupons.push({ couponId: c.id, code: c.code, guideId: c.guide_id, issuedAt: c.issued_at.getTime(), expiresAt: c.expires_at.getTime() });
  for (const i of interactions.rows) facts.get(i.order_id)!.interactions.push({ id: i.id, guideId: i.guide_id, at: i.occurred_at.getTime(), kind: i.kind });
  return facts;
}

async function attributeBatch(ctx: AppContext, corpId: number, ids: number[], reason: string): Promise<AttributeResult> {
  const sets = await loadRuleSets(ctx.db, corpId);
  const maxWindow = Math.max(...sets.map((s) => s.config.windowDays));
  const kinds = [...new Set(sets.flatMap((s) => s.config.countedKinds))];
  const corp = await ctx.db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  const tz = corp?.timezone ?? 'Asia/Shanghai';

  return ctx.db.transaction(async (trx) => {
    // Lock the batch's orders in id order: concurrent workers on overlapping batches serialize here.
    const orders = await trx('orders').where({ corp_id: corpId }).whereIn('id', ids).orderBy('id').forUpdate().select<OrderRow[]>('id', 'paid_at', 'net_fen', 'customer_id', 'store_id');
    if (orders.length === 0) return { orders: 0, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 };
    const orderIdList = orders.map((o) => o.id);
    const factsOf = await loadOrderFacts(trx, corpId, orders, maxWindow, kinds);
    // Per order through the order_id index (a fenced lateral), whatever the table statistics say:
    // credits grows fast under a bulk run, and a plan made from stale statistics scans it whole.
    const live = (await trx.raw<{ rows: LiveCredit[] }>(
      `select c.* from unnest(?::bigint[]) as o(id) cross join lateral (
         select id, order_id, transfer_id, refund_id, kind, guide_id, rule, amount_fen, occurred_at, rule_set_version, evidence, candidates
           from credits where order_id = o.id and corp_id = ? and superseded_at is null offset 0) c`,
      [orderIdList, corpId],
    )).rows;
    const refunds = await trx('refunds').where({ corp_id: corpId }).whereIn('order_id', orderIdList).orderBy(['refunded_at', 'id']).select<{ id: number; order_id: number; refunded_at: Date; amount_fen: number }[]>('id', 'order_id', 'refunded_at', 'amount_fen');
    const closed = await closedMonths(trx, corpId);
    const monthFormat = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' });
    const monthOf = (d: Date) => monthFormat.format(d).slice(0, 7);

    const byOrder = <T extends { order_id: number }>(rows: T[]) => {
      const m = new Map<number, T[]>();
      for (const r of rows) m.set(r.order_id, [...(m.get(r.order_id) ?? []), r]);
      return m;
    };
    const liveOf = byOrder(live.filter((l): l is LiveCredit & { order_id: number } => l.order_id !== null));
    const refundsOf = byOrder(refunds);

    const result: AttributeResult = { orders: orders.length, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 };
    const affected = new Set<string>();
    const now = new Date();
    const supersede: LiveCredit[] = [];
    const lockedEvents: object[] = [];
    const fresh: NewCredit[] = [];
    for (const o of orders) {
      const rs = ruleSetAt(sets, o.paid_at.getTime());
      const a = attributeOrder(factsOf.get(o.id)!, rs.config);
      const current = liveOf.get(o.id) ?? [];
      const sale = current.find((c) => c.kind === 'sale');
      const same = sale ? sale.guide_id === a.guideId && sale.rule === a.rule && sale.amount_fen === a.amountFen && sale.rule_set_version === rs.version && canonical(sale.evidence) === canonical(a.evidence) && canonical(sale.candidates) === canonical(a.candidates) : a.guideId === null;
      // Desired refund lines follow the (new) sale credit.
      let reversed = 0;
      const wantRefunds = a.guideId === null ? [] : (refundsOf.get(o.id) ?? []).flatMap((r) => {
        const amt = refundCreditFen({ netFen: o.net_fen, creditedFen: a.amountFen, alreadyReversedFen: reversed }, r.amount_fen);
        reversed -= amt;
        return amt === 0 ? [] : [{ refund: r, amountFen: amt }];
      });
      const liveRefunds = current.filter((c) => c.kind === 'refund');
      const refundsSame = same && liveRefunds.length === wantRefunds.length && wantRefunds.every((w) => liveRefunds.some((l) => l.refund_id === w.refund.id && l.amount_fen === w.amountFen && l.guide_id === a.guideId));
      if (same && refundsSame) {
        result.unchanged++;
        continue;
      }
      if (closed.has(monthOf(o.paid_at)) && sale) {
        // Locked: the credit stays; the correction is recorded for finance in the trail.
        result.lockedInClosedPeriod++;
        lockedEvents.push({ corp_id: corpId, credit_id: sale.id, event: 'adjusted', reason: `period closed; re-attribution would give ${a.guideId ?? 'nobody'} (${a.rule ?? 'unattributed'}): ${reason}`, detail: JSON.stringify({ proposed: a, ruleSetVersion: rs.version }) });
        continue;
      }
      result.changed++;
      for (const c of current) {
        supersede.push(c);
        affected.add(`${c.guide_id}|${c.occurred_at.toISOString()}`);
      }
      if (a.guideId === null || a.rule === null) continue;
      const common = { corp_id: corpId, order_id: o.id, role: 'seller', guide_id: a.guideId, store_id: o.store_id, rule: a.rule, rule_set_version: rs.version, valid_from: now };
      fresh.push({ row: { ...common, kind: 'sale', refund_id: null, amount_fen: a.amountFen, occurred_at: o.paid_at, evidence: JSON.stringify(a.evidence), candidates: JSON.stringify(a.candidates) }, event: 'created', reason: describe(a), replaces: sale?.id ?? null });
      affected.add(`${a.guideId}|${o.paid_at.toISOString()}`);
      for (const w of wantRefunds) {
        fresh.push({ row: { ...common, kind: 'refund', refund_id: w.refund.id, amount_fen: w.amountFen, occurred_at: w.refund.refunded_at, evidence: JSON.stringify({ rule: a.rule, refundId: w.refund.id, reversesOrderCredit: true }), candidates: '[]' }, event: 'reversed', reason: `refund ${w.refund.id} reverses ${-w.amountFen} fen pro rata`, replaces: null });
        affected.add(`${a.guideId}|${w.refund.refunded_at.toISOString()}`);
      }
    }
    // Set-based writes: supersede first (the partial unique index admits one live credit per order and role), then insert.
    for (const part of chunks(supersede, 5_000)) {
      await trx('credits').whereIn('id', part.map((c) => c.id)).update({ superseded_at: now });
      await trx('credit_events').insert(part.map((c) => ({ corp_id: corpId, credit_id: c.id, event: 'superseded', reason })));
    }
    for (const part of chunks(fresh, 1_000)) {
      const ids = await trx('credits').insert(part.map((f) => f.row)).returning<{ id: number }[]>('id');
      await trx('credit_events').insert(part.map((f, k) => ({ corp_id: corpId, credit_id: ids[k]!.id, event: f.event, reason: f.reason })));
      const links = part.flatMap((f, k) => (f.replaces ? [{ old: f.replaces, new: ids[k]!.id }] : []));
      if (links.length) {
        await trx.raw('update credits c set superseded_by = l.new_id from unnest(?::bigint[], ?::bigint[]) as l(old_id, new_id) where c.id = l.old_id', [links.map((l) => l.old), links.map((l) => l.new)]);
      }
    }
    for (const part of chunks(lockedEvents, 5_000)) await trx('credit_events').insert(part);
    await refreshRollup(trx, corpId, tz, affected);
    return result;
  });
}

interface NewCredit {
  row: Record<string, unknown>;
  event: 'created' | 'reversed';
  reason: string;
  replaces: number | null;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** JSON with sorted keys: jsonb does not keep key order, so compare canonical forms. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** One line a guide reads: why this order is theirs. */
export function describe(a: Attribution): string {
  if (!a.evidence) return 'unattributed';
  if (a.evidence.rule === 'coupon') return `redeemed coupon ${a.evidence.code} issued by this guide at ${a.evidence.issuedAt}`;
  const tie = a.evidence.tieBreak === 'exclusive_guide' ? ' (tie: exclusive guide)' : a.evidence.tieBreak === 'smallest_guide_id' ? ' (tie: smallest guide id)' : '';
  return `last ${a.evidence.kind} at ${a.evidence.lastAt}, within ${a.evidence.windowDays} days before the purchase${tie}`;
}

/** Transfers: payments credit their payee, refund records reverse. One live credit per bill row. */
export async function attributeTransfers(ctx: AppContext, corpId: number, transferIds: number[], reason: string): Promise<number> {
  if (transferIds.length === 0) return 0;
  const corp = await ctx.db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  return ctx.db.transaction(async (trx) => {
    const rows = await trx('transfers').where({ corp_id: corpId }).whereIn('id', transferIds).whereNotNull('guide_id').orderBy('id').forUpdate()
      .select<{ id: number; transaction_id: string; bill_type: number; guide_id: number; pay_time: Date; total_fee_fen: number; total_refund_fee_fen: number }[]>('id', 'transaction_id', 'bill_type', 'guide_id', 'pay_time', 'total_fee_fen', 'total_refund_fee_fen');
    const version = ruleSetAt(await loadRuleSets(trx, corpId), Date.now()).version;
    const store = new Map((await trx('guides').whereIn('id', rows.map((r) => r.guide_id)).select<{ id: number; store_id: number }[]>('id', 'store_id')).map((g) => [g.id, g.store_id]));
    const affected = new Set<string>();
    let written = 0;
    for (const t of rows) {
      const amount = transferCreditFen({ billType: t.bill_type, totalFeeFen: t.total_fee_fen, refundFeeFen: t.total_refund_fee_fen });
      const inserted = await trx('credits')
        .insert({ corp_id: corpId, transfer_id: t.id, kind: t.bill_type === 0 ? 'sale' : 'refund', role: 'seller', guide_id: t.guide_id, store_id: store.get(t.guide_id) ?? null, rule: 'transfer', amount_fen: amount, occurred_at: t.pay_time, rule_set_version: version, evidence: JSON.stringify({ rule: 'transfer', transactionId: t.transaction_id, billType: t.bill_type }), candidates: '[]' })
        .onConflict(trx.raw('(corp_id, coalesce(order_id, 0), coalesce(transfer_id, 0), role, kind, coalesce(refund_id, 0)) where superseded_at is null'))
        .ignore()
        .returning<{ id: number }[]>('id');
      if (inserted.length) {
        written++;
        await trx('credit_events').insert({ corp_id: corpId, credit_id: inserted[0]!.id, event: t.bill_type === 0 ? 'created' : 'reversed', reason: `WeCom transfer ${t.transaction_id} ${t.bill_type === 0 ? 'received' : 'refunded'} by this guide (${reason})` });
        affected.add(`${t.guide_id}|${t.pay_time.toISOString()}`);
      }
    }
    await refreshRollup(trx, corpId, corp?.timezone ?? 'Asia/Shanghai', affected);
    return written;
  });
}

/** Recomputes the board rollup for the touched (guide, tenant day) pairs from live credits. */
async function refreshRollup(trx: Db, corpId: number, tz: string, affected: Set<string>): Promise<void> {
  if (affected.size === 0) return;
  const pairs = [...affected].map((k) => {
    const [guide, at] = k.split('|');
    return { guideId: Number(guide), at: at! };
  });
  const guideIds = pairs.map((p) => p.guideId);
  const ats = pairs.map((p) => p.at);
  const touched = `select distinct g as guide_id, (a::timestamptz at time zone ?)::date as day from unnest(?::bigint[], ?::text[]) as t(g, a)`;
  // Serialize per (guide, day) so concurrent batches recompute from each other's committed credits.
  await trx.raw(`select pg_advisory_xact_lock(hashtext('rollup:' || t.guide_id || ':' || t.day)) from (${touched}) t order by t.guide_id, t.day`, [tz, guideIds, ats]);
  await trx.raw(`delete from guide_daily_credits d using (${touched}) t where d.guide_id = t.guide_id and d.day = t.day`, [tz, guideIds, ats]);
  await trx.raw(
    `insert into guide_daily_credits (corp_id, guide_id, store_id, day, rule, orders, amount_fen)
     select ?, t.guide_id, r.store_id, t.day, r.rule, r.orders, r.amount_fen
       from (${touched}) t cross join lateral (
         select max(c.store_id) as store_id, c.rule, count(distinct coalesce(c.order_id, -c.transfer_id)) filter (where c.kind = 'sale') as orders, sum(c.amount_fen) as amount_fen
           from credits c
          where c.guide_id = t.guide_id and c.corp_id = ? and c.superseded_at is null
            and c.occurred_at >= (t.day::timestamp at time zone ?) and c.occurred_at < ((t.day + 1)::timestamp at time zone ?)
          group by c.rule) r`,
    [corpId, tz, guideIds, ats, corpId, tz, tz],
  );
}
