/**
 * The engine's only I/O: loads the facts of a batch of orders in a few set-based queries, runs
 * the pure rules (rules.ts) and the line planner (ledger.ts), and writes only what changed —
 * superseding old lines (kept in the trail) and inserting new ones, or, where a period is
 * closed, posting adjustment lines in the open period. Orders are row-locked in id order (then
 * the transfer bills they were paid by), and the partial unique index `credits_one_live`
 * guarantees one live sale line per order and role whatever runs concurrently.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { guideStoresAt } from '../admin/guide-moves';
import { canonical, planLines, wantedLines, type CurrentLine, type LineKind, type WantedLine } from './ledger';
import { loadRuleSets, ruleSetAt } from './rule-sets';
import type { Cause } from '../jobs/attribution.jobs';
import type { BillEvidence, ManualEvidence } from './evidence';
import { attributeOrder, transferCreditFen, type CouponRedemption, type CreditRule, type OrderFacts } from './rules';
import { toldFromLine } from './trail';
import { pathOfLine } from '../boards/rollup';

dayjs.extend(utc);
dayjs.extend(timezone);

const BATCH = 2_000;

export interface OrderRow {
  id: number;
  order_no: string;
  paid_at: Date;
  net_fen: number;
  customer_id: number | null;
  store_id: number | null;
  payment_transaction_id: string | null;
}
export const ORDER_COLUMNS = [
  'id',
  'order_no',
  'paid_at',
  'net_fen',
  'customer_id',
  'store_id',
  'payment_transaction_id',
] as const;
interface LiveCredit {
  id: number;
  order_id: number | null;
  transfer_id: number | null;
  refund_id: number | null;
  adjusts_credit_id: number | null;
  dispute_id: number | null;
  kind: LineKind;
  guide_id: number;
  store_id: number | null;
  rule: CreditRule;
  amount_fen: number;
  occurred_at: Date;
  rule_set_version: number;
  evidence: unknown;
  candidates: unknown;
}
const LIVE_COLUMNS =
  'id, order_id, transfer_id, refund_id, adjusts_credit_id, dispute_id, kind, guide_id, store_id, rule, amount_fen, occurred_at, rule_set_version, evidence, candidates';

export interface AttributeResult {
  orders: number;
  changed: number;
  unchanged: number;
  /** Orders whose change touched a closed period, so part of it was posted as adjustment lines. */
  lockedInClosedPeriod: number;
}

/** Orders of these customers that a changed fact may affect. */
export async function ordersOfCustomers(db: Db, corpId: number, customerIds: number[]): Promise<number[]> {
  if (customerIds.length === 0) return [];
  return db('orders').where({ corp_id: corpId }).whereIn('customer_id', customerIds).pluck<number[]>('id');
}

/** The same, per customer. */
export async function ordersByCustomer(db: Db, corpId: number, customerIds: number[]): Promise<Map<number, number[]>> {
  const byCustomer = new Map<number, number[]>();
  if (customerIds.length === 0) return byCustomer;
  const rows = await db('orders')
    .where({ corp_id: corpId })
    .whereIn('customer_id', customerIds)
    .orderBy('id')
    .select<{ id: number; customer_id: number }[]>('id', 'customer_id');
  for (const r of rows)
    byCustomer.set(Number(r.customer_id), [...(byCustomer.get(Number(r.customer_id)) ?? []), Number(r.id)]);
  return byCustomer;
}

export async function attributeOrders(
  ctx: AppContext,
  corpId: number,
  orderIds: number[],
  reason: string,
  causeOf: (orderId: number) => Cause = () => RECOMPUTE,
): Promise<AttributeResult> {
  const total: AttributeResult = { orders: 0, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 };
  const sorted = [...new Set(orderIds)].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += BATCH) {
    const r = await attributeBatch(ctx, corpId, sorted.slice(i, i + BATCH), reason, causeOf);
    total.orders += r.orders;
    total.changed += r.changed;
    total.unchanged += r.unchanged;
    total.lockedInClosedPeriod += r.lockedInClosedPeriod;
  }
  return total;
}

/** Closed periods of a tenant as a predicate over moments, and where adjustment lines are dated. */
export async function periodClock(
  db: Db,
  corpId: number,
  tz: string,
  now: Date,
): Promise<{ isClosed: (ms: number) => boolean; postAt: number }> {
  const rows = await db('commission_periods')
    .where({ corp_id: corpId, status: 'closed' })
    .select<{ month: string | Date }[]>('month');
  // Each closed month as [start, end) in epoch ms, its bounds taken in the tenant's time zone.
  const closed = [
    ...new Set(
      rows.map((r) => (typeof r.month === 'string' ? r.month : dayjs(r.month).format('YYYY-MM-DD')).slice(0, 7)),
    ),
  ].map((m) => {
    const next = dayjs.utc(`${m}-01`).add(1, 'month').format('YYYY-MM-DD');
    return [dayjs.tz(`${m}-01`, tz).valueOf(), dayjs.tz(next, tz).valueOf()] as const;
  });
  const isClosed =
    closed.length === 0 ? () => false : (ms: number) => closed.some(([from, to]) => ms >= from && ms < to);
  // Adjustments are dated now, or — should the current month be closed already — at the start of the next open one.
  let postAt = now.getTime();
  for (let m = dayjs(now).tz(tz).startOf('month'); isClosed(postAt); m = m.add(1, 'month'))
    postAt = m.add(1, 'month').valueOf();
  return { isClosed, postAt };
}

/** The candidate facts of a batch of orders, in a few set-based queries. */
export async function loadOrderFacts(
  db: Db,
  corpId: number,
  orders: OrderRow[],
  maxWindowDays: number,
  kinds: string[],
): Promise<Map<number, OrderFacts>> {
  const ids = orders.map((o) => o.id);
  // Each guide coupon with every order naming it: it credits only the earliest valid redemption.
  const coupons = await db.raw<{
    rows: {
      order_id: number;
      id: number;
      code: string;
      guide_id: number;
      issued_at: Date;
      sent_at: Date | null;
      voided_at: Date | null;
      expires_at: Date;
      redemptions: CouponRedemption[];
    }[];
  }>(
    `select o.id as order_id, c.id, c.code, c.guide_id, c.issued_at, c.sent_at, c.voided_at, c.expires_at,
            (select json_agg(json_build_object('orderId', r.id, 'orderNo', r.order_no, 'source', r.source,
                    'paidAt', floor(extract(epoch from r.paid_at) * 1000)::bigint))
               from orders r where r.corp_id = c.corp_id and r.coupon_codes @> array[c.code::text]) as redemptions
       from orders o join coupons c on c.corp_id = o.corp_id and c.code = any(o.coupon_codes)
      where o.id = any(?) and c.guide_id is not null`,
    [ids],
  );
  // The window in exact hours, as the rule counts milliseconds: an interval of days would be taken in
  // the session's time zone and lose (or gain) an hour across a daylight-saving change.
  const interactions = await db.raw<{
    rows: { order_id: number; id: number; guide_id: number; occurred_at: Date; kind: string }[];
  }>(
    `select o.id as order_id, i.id, i.guide_id, i.occurred_at, i.kind::text as kind
       from orders o join interactions i on i.customer_id = o.customer_id
        and i.occurred_at >= o.paid_at - make_interval(hours => 24 * ?) and i.occurred_at < o.paid_at
      where o.id = any(?) and i.corp_id = ? and i.kind::text = any(?)`,
    [maxWindowDays, ids, corpId, kinds],
  );
  const paidByTransfer = orders.filter((o) => o.payment_transaction_id !== null).map((o) => o.id);
  const transfers = paidByTransfer.length
    ? (
        await db.raw<{
          rows: { order_id: number; id: number; transaction_id: string; guide_id: number; pay_time: Date }[];
        }>(
          `select o.id as order_id, t.id, t.transaction_id, t.guide_id, t.pay_time
           from orders o join transfers t on t.corp_id = o.corp_id and t.transaction_id = o.payment_transaction_id and t.bill_type = 0
          where o.id = any(?) and t.guide_id is not null and o.id = (${PAYER_OF_O})`,
          [paidByTransfer],
        )
      ).rows
    : [];
  const facts = new Map<number, OrderFacts>(
    orders.map((o) => [
      o.id,
      {
        orderId: o.id,
        paidAt: o.paid_at.getTime(),
        netFen: o.net_fen,
        customerId: o.customer_id,
        exclusiveGuideId: null,
        transfers: [],
        coupons: [],
        interactions: [],
      },
    ]),
  );
  for (const t of transfers)
    facts.get(t.order_id)!.transfers.push({
      transferId: t.id,
      transactionId: t.transaction_id,
      guideId: t.guide_id,
      paidAt: t.pay_time.getTime(),
    });
  for (const c of coupons.rows)
    facts.get(c.order_id)!.coupons.push({
      couponId: c.id,
      code: c.code,
      guideId: c.guide_id,
      issuedAt: c.issued_at.getTime(),
      sentAt: c.sent_at?.getTime() ?? null,
      expiresAt: c.expires_at.getTime(),
      voidedAt: c.voided_at?.getTime() ?? null,
      redemptions: c.redemptions ?? [],
    });
  for (const i of interactions.rows)
    facts
      .get(i.order_id)!
      .interactions.push({ id: i.id, guideId: i.guide_id, at: i.occurred_at.getTime(), kind: i.kind });
  // Completed takeovers (离职继承 / 在职继承) before a purchase decide whose the handover guide's window is.
  const withInteractions = [...facts.values()].filter((f) => f.customerId !== null && f.interactions.length > 0);
  if (withInteractions.length) {
    const handovers = await db.raw<{
      rows: { order_id: number; handover_guide_id: number; takeover_guide_id: number; takeover_at: Date }[];
    }>(
      `select o.id as order_id, s.handover_guide_id, s.takeover_guide_id, s.takeover_at from orders o
         join customer_successions s on s.customer_id = o.customer_id and s.status = 'done' and s.takeover_at <= o.paid_at
        where o.id = any(?::bigint[]) and s.corp_id = ?`,
      [withInteractions.map((f) => f.orderId), corpId],
    );
    for (const h of handovers.rows)
      (facts.get(Number(h.order_id))!.handovers ??= []).push({
        fromGuideId: Number(h.handover_guide_id),
        toGuideId: Number(h.takeover_guide_id),
        at: h.takeover_at.getTime(),
      });
  }
  // The exclusive guide only breaks a tie between guides, so it is looked up only for orders with two or
  // more guides among their candidate interactions — the assignment in force at the order's paid_at.
  const mayTie = [...facts.values()].filter(
    (f) => f.customerId !== null && f.interactions.some((i) => i.guideId !== f.interactions[0]!.guideId),
  );
  if (mayTie.length) {
    const exclusive = await db.raw<{ rows: { order_id: number; guide_id: number }[] }>(
      `select o.id as order_id, a.guide_id from orders o
         join exclusive_assignments a on a.customer_id = o.customer_id and a.valid_from <= o.paid_at
          and (a.valid_to is null or a.valid_to > o.paid_at)
        where o.id = any(?::bigint[]) and a.corp_id = ?`,
      [mayTie.map((f) => f.orderId), corpId],
    );
    for (const r of exclusive.rows) facts.get(Number(r.order_id))!.exclusiveGuideId = Number(r.guide_id);
  }
  return facts;
}

/**
 * A bill pays at most one order: should several orders name it, the earliest paid (then source
 * and order number) — natural keys, so the choice does not depend on arrival order.
 */
const PAYER_OF_O = `select o2.id from orders o2 where o2.corp_id = o.corp_id and o2.payment_transaction_id = o.payment_transaction_id order by o2.paid_at, o2.source, o2.order_no limit 1`;

const toCurrent = (c: LiveCredit): CurrentLine => ({
  id: c.id,
  kind: c.kind,
  guideId: c.guide_id,
  rule: c.rule,
  amountFen: c.amount_fen,
  occurredAt: c.occurred_at.getTime(),
  ruleSetVersion: c.rule_set_version,
  refundId: c.refund_id,
  transferId: c.transfer_id,
  adjustsCreditId: c.adjusts_credit_id,
  evidence: c.evidence,
  candidates: c.candidates,
});

const clip = (s: string) => (s.length > 256 ? `${s.slice(0, 255)}…` : s);

/** What every batch of a tenant reads first: its rule sets, the widest window and counted kinds, its zone. */
async function batchSettings(db: Db, corpId: number) {
  const sets = await loadRuleSets(db, corpId);
  const corp = await db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  return {
    sets,
    maxWindow: Math.max(...sets.map((s) => s.config.windowDays)),
    kinds: [...new Set(sets.flatMap((s) => s.config.countedKinds))],
    tz: corp?.timezone ?? 'Asia/Shanghai',
  };
}
type BatchSettings = Awaited<ReturnType<typeof batchSettings>>;

/**
 * The batch and its siblings: orders naming the same bill or the same guide coupon as one in the
 * batch are judged with it (which one the bill pays, or the coupon credits, may change).
 */
async function withSiblings(db: Db, corpId: number, ids: number[]): Promise<number[]> {
  const siblings = (
    await db.raw<{ rows: { id: number }[] }>(
      `select s.id from orders s
      where s.corp_id = ? and s.id <> all(?::bigint[]) and s.payment_transaction_id is not null
        and s.payment_transaction_id = any(array(select payment_transaction_id from orders where id = any(?::bigint[]) and corp_id = ? and payment_transaction_id is not null))
      union
      select s.id from orders o join coupons c on c.corp_id = o.corp_id and c.code = any(o.coupon_codes) and c.guide_id is not null
        join orders s on s.corp_id = c.corp_id and s.coupon_codes @> array[c.code::text]
      where o.id = any(?::bigint[]) and o.corp_id = ? and s.id <> all(?::bigint[])`,
      [corpId, ids, ids, corpId, ids, corpId, ids],
    )
  ).rows.map((r) => r.id);
  return siblings.length ? [...new Set([...ids, ...siblings])] : ids;
}

/** Locks the batch's orders in id order: concurrent workers on overlapping batches serialize here. */
async function lockOrders(trx: Db, corpId: number, ids: number[]): Promise<OrderRow[]> {
  return trx('orders')
    .where({ corp_id: corpId })
    .whereRaw('id = any(?::bigint[])', [ids])
    .orderBy('id')
    .forUpdate()
    .select<OrderRow[]>(...ORDER_COLUMNS);
}

interface BillRow {
  id: number;
  transaction_id: string;
  bill_type: number;
  out_refund_no: string;
  pay_time: Date;
  total_refund_fee_fen: number;
}

/**
 * Then the bills they were paid by (attributeTransfers locks bills and never orders: no cycle); a
 * paid-by bill's refund records become the refunds (source transfer) of the order it pays.
 */
async function lockPaidByBills(trx: Db, corpId: number, orders: OrderRow[]): Promise<BillRow[]> {
  const txIds = [...new Set(orders.flatMap((o) => (o.payment_transaction_id ? [o.payment_transaction_id] : [])))];
  if (txIds.length === 0) return [];
  const bills = await trx('transfers')
    .where({ corp_id: corpId })
    .whereIn('transaction_id', txIds)
    .orderBy('id')
    .forUpdate()
    .select<BillRow[]>('id', 'transaction_id', 'bill_type', 'out_refund_no', 'pay_time', 'total_refund_fee_fen');
  if (bills.some((b) => b.bill_type === 1)) {
    await trx.raw(
      `insert into refunds (corp_id, source, refund_no, order_no, order_id, refunded_at, amount_fen)
       select o.corp_id, 'transfer', t.transaction_id || ':' || t.out_refund_no, o.order_no, o.id, t.pay_time, t.total_refund_fee_fen
         from orders o join transfers t on t.corp_id = o.corp_id and t.transaction_id = o.payment_transaction_id
        where o.id = any(?) and t.bill_type = 1 and t.total_refund_fee_fen > 0 and o.id = (${PAYER_OF_O})
       on conflict (corp_id, source, refund_no) do update set order_id = excluded.order_id, order_no = excluded.order_no
        where refunds.order_id is distinct from excluded.order_id`,
      [orders.map((o) => o.id)],
    );
  }
  return bills;
}

interface RefundRow {
  id: number;
  order_id: number;
  source: string;
  refund_no: string;
  refunded_at: Date;
  amount_fen: number;
}

/** What the batch's orders have now: facts for the rules, live lines, the paid-by bills' lines, refunds. */
async function loadBatchState(trx: Db, corpId: number, orders: OrderRow[], bills: BillRow[], env: BatchSettings) {
  const orderIdList = orders.map((o) => o.id);
  const factsOf = await loadOrderFacts(trx, corpId, orders, env.maxWindow, env.kinds);
  // Per order through the order_id index (a fenced lateral), whatever the table statistics say:
  // credits grows fast under a bulk run, and a plan made from stale statistics scans it whole.
  const live = (
    await trx.raw<{ rows: LiveCredit[] }>(
      `select c.* from unnest(?::bigint[]) as o(id) cross join lateral (
       select ${LIVE_COLUMNS} from credits where order_id = o.id and corp_id = ? and superseded_at is null offset 0) c`,
      [orderIdList, corpId],
    )
  ).rows;
  // Stand-alone credits of the paid-by bills become the order's lines to replace (or adjust).
  const billLive = bills.length
    ? (
        await trx.raw<{ rows: LiveCredit[] }>(
          `select ${LIVE_COLUMNS} from credits where corp_id = ? and transfer_id = any(?) and superseded_at is null and dispute_id is null`,
          [corpId, bills.map((b) => b.id)],
        )
      ).rows
    : [];
  const refunds = await trx('refunds')
    .where({ corp_id: corpId })
    .whereRaw('order_id = any(?::bigint[])', [orderIdList])
    .orderBy(['refunded_at', 'id'])
    .select<RefundRow[]>('id', 'order_id', 'source', 'refund_no', 'refunded_at', 'amount_fen');
  // The order each bill pays (its stand-alone lines become that order's to replace).
  const txIds = [...new Set(bills.map((b) => b.transaction_id))];
  const payerOf = txIds.length
    ? new Map(
        (
          await trx.raw<{ rows: { tx: string; id: number }[] }>(
            `select distinct on (payment_transaction_id) payment_transaction_id as tx, id from orders where corp_id = ? and payment_transaction_id = any(?)
          order by payment_transaction_id, paid_at, source, order_no`,
            [corpId, txIds],
          )
        ).rows.map((r) => [r.tx, r.id]),
      )
    : new Map<string, number>();
  const billTx = new Map(bills.map((b) => [b.id, b.transaction_id]));
  const approved = await approvedDisputes(trx, corpId, { orderIds: orderIdList });
  return {
    approvedOf: group(approved, (d) => d.order_id!),
    factsOf,
    liveOf: group(live, (l) => l.order_id!),
    refundsOf: group(refunds, (r) => r.order_id),
    billLiveOf: group(billLive, (l) => billTx.get(l.transfer_id!)!),
    payerOf,
    byId: new Map([...live, ...billLive].map((c) => [c.id, c])),
  };
}
type BatchState = Awaited<ReturnType<typeof loadBatchState>>;

function group<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

interface BatchPlan {
  result: AttributeResult;
  supersede: LiveCredit[];
  fresh: NewCredit[];
  outcomes: Outcome[];
  adjustedEvents: object[];
}

/** Runs the rules and the line planner over every order of the batch: what to write. No I/O. */
function planBatch(
  corpId: number,
  orders: OrderRow[],
  state: BatchState,
  env: BatchSettings,
  clock: { isClosed: (ms: number) => boolean; postAt: number },
  run: { causeOf: (orderId: number) => Cause; reason: string; now: Date },
): BatchPlan {
  const out: BatchPlan = {
    result: { orders: orders.length, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 },
    supersede: [],
    fresh: [],
    outcomes: [],
    adjustedEvents: [],
  };
  for (const o of orders) {
    const rs = ruleSetAt(env.sets, o.paid_at.getTime());
    const a = attributeOrder(state.factsOf.get(o.id)!, rs.config);
    const want = wantedLines(
      a,
      { netFen: o.net_fen, paidAt: o.paid_at.getTime() },
      (state.refundsOf.get(o.id) ?? []).map((r) => ({
        id: r.id,
        source: r.source,
        key: `${r.source}:${r.refund_no}`,
        at: r.refunded_at.getTime(),
        amountFen: r.amount_fen,
      })),
      rs.version,
    );
    const live = state.liveOf.get(o.id) ?? [];
    // Manual lines (approved disputes) are the disputes' own: the order's rules never replace them.
    const current = [
      ...live.filter((c) => c.dispute_id === null),
      ...(o.payment_transaction_id && state.payerOf.get(o.payment_transaction_id) === o.id
        ? (state.billLiveOf.get(o.payment_transaction_id) ?? [])
        : []),
    ];
    const credited = new Set(live.flatMap((c) => (c.dispute_id === null ? [] : [c.dispute_id])));
    const manual = (state.approvedOf.get(o.id) ?? []).filter((d) => !credited.has(d.id));
    for (const d of manual)
      out.fresh.push(manualLine(corpId, d, { orderId: o.id, storeId: o.store_id }, rs.version, clock, run.now));
    const plan = planLines(want, current.map(toCurrent), clock.isClosed, clock.postAt);
    const cause = run.causeOf(o.id);
    out.outcomes.push({
      order_id: o.id,
      guide_id: a.guideId,
      rule: a.rule,
      rule_set_version: rs.version,
      cause_kind: cause.kind,
      cause_id: cause.id,
    });
    if (plan.unchanged) {
      if (manual.length) out.result.changed++;
      else out.result.unchanged++;
      continue;
    }
    out.result.changed++;
    const oldSale = plan.supersede.find((c) => c.kind === 'sale');
    for (const c of plan.supersede) out.supersede.push(state.byId.get(c.id)!);
    if (plan.adjusted) {
      out.result.lockedInClosedPeriod++;
      const locked = plan.insert.find((l) => l.kind === 'adjustment')?.adjustsCreditId;
      const moves = plan.insert
        .filter((l) => l.kind === 'adjustment')
        .map((l) => `${l.guideId}: ${l.amountFen}`)
        .join(', ');
      if (locked)
        out.adjustedEvents.push({
          corp_id: corpId,
          credit_id: locked,
          event: 'adjusted',
          reason: clip(`period closed; correction posted as adjustment lines (${moves}): ${run.reason}`),
          detail: JSON.stringify({ proposed: a, ruleSetVersion: rs.version }),
        });
    }
    for (const l of plan.insert) {
      // A sale or refund line tells its own creation (trail.ts); an adjustment stores why it was posted.
      const why = toldFromLine({ order_id: o.id, kind: l.kind })
        ? null
        : clip(
            `${l.amountFen > 0 ? 'credited' : 'reversed'} ${Math.abs(l.amountFen)} fen in the open period: the original period is closed (${run.reason})`,
          );
      out.fresh.push(lineRow(corpId, o, l, run.now, why, l.kind === 'sale' ? (oldSale?.id ?? null) : null));
    }
  }
  return out;
}

/**
 * One batch, in named steps: the tenant's settings and the batch's siblings outside the transaction;
 * inside it, lock the orders and their bills, load what they have, plan (pure), then write the lines,
 * the outcomes and the adjustment events.
 */
async function attributeBatch(
  ctx: AppContext,
  corpId: number,
  ids: number[],
  reason: string,
  causeOf: (orderId: number) => Cause,
): Promise<AttributeResult> {
  const env = await batchSettings(ctx.db, corpId);
  const batch = await withSiblings(ctx.db, corpId, ids);
  return ctx.db.transaction(async (trx) => {
    // Batches already run side by side on every core (several workers); a parallel plan per
    // statement only adds process start-up to a CPU-bound run.
    await trx.raw('set local max_parallel_workers_per_gather = 0');
    const orders = await lockOrders(trx, corpId, batch);
    if (orders.length === 0) return { orders: 0, changed: 0, unchanged: 0, lockedInClosedPeriod: 0 };
    const bills = await lockPaidByBills(trx, corpId, orders);
    const state = await loadBatchState(trx, corpId, orders, bills, env);
    const now = new Date();
    const clock = await periodClock(trx, corpId, env.tz, now);
    const plan = planBatch(corpId, orders, state, env, clock, { causeOf, reason, now });
    await writeLines(trx, corpId, env.tz, plan.supersede, plan.fresh, reason, now);
    await writeOutcomes(trx, corpId, plan.outcomes, reason, now);
    for (const part of chunks(plan.adjustedEvents, 5_000)) await trx('credit_events').insert(part);
    return plan.result;
  });
}

const RECOMPUTE: Cause = { kind: 'recompute', id: null };

/** An approved dispute as the engine reads it: the manual credit it is owed. */
export interface ApprovedDispute {
  id: number;
  kind: 'contest' | 'claim';
  order_id: number | null;
  guide_id: number;
  rule: string | null;
  approved_fen: number;
  claimed_fen: number | null;
  credit_at: Date;
  decided_by: string;
  resolution: string;
  contested_credit_id: number | null;
  contested_transfer_id: number | null;
}

/** Approved disputes of these orders (or these ids), with the credit line a contest names. */
export async function approvedDisputes(
  db: Db,
  corpId: number,
  by: { orderIds?: number[]; ids?: number[] },
): Promise<ApprovedDispute[]> {
  const { rows } = await db.raw<{ rows: ApprovedDispute[] }>(
    `select d.id, d.kind, d.order_id, d.guide_id, d.rule, d.approved_fen, d.claimed_fen, d.credit_at, d.decided_by, d.resolution,
            d.credit_id as contested_credit_id, c.transfer_id as contested_transfer_id
       from disputes d left join credits c on c.id = d.credit_id
      where d.corp_id = ? and d.status = 'accepted' and d.credit_at is not null
        and (d.order_id = any(?::bigint[]) or d.id = any(?::bigint[]))
      order by d.id`,
    [corpId, by.orderIds ?? [], by.ids ?? []],
  );
  return rows;
}

/**
 * The manual line an approved dispute credits: its guide, the amount approved, dated when the
 * approval counts — or, should that period have closed before the engine got to it, in the open
 * period (a closed period never changes). Its evidence is the dispute; a contest links the line
 * it contested. One live line per dispute (credits_one_per_dispute).
 */
function manualLine(
  corpId: number,
  d: ApprovedDispute,
  subject: { orderId: number | null; storeId: number | null; transferId?: number | null },
  ruleSetVersion: number,
  clock: { isClosed: (ms: number) => boolean; postAt: number },
  now: Date,
): NewCredit {
  const at = d.credit_at.getTime();
  const evidence: ManualEvidence = {
    disputeId: d.id,
    dispute: d.kind,
    decidedBy: d.decided_by,
    reason: d.resolution,
    claimedFen: d.claimed_fen,
    approvedFen: d.approved_fen,
    contestedCreditId: d.contested_credit_id,
  };
  return {
    corp_id: corpId,
    order_id: subject.orderId,
    transfer_id: subject.orderId === null ? (subject.transferId ?? null) : null,
    refund_id: null,
    adjusts_credit_id: d.contested_credit_id,
    dispute_id: d.id,
    kind: 'adjustment',
    role: 'seller',
    guide_id: d.guide_id,
    store_id: subject.storeId,
    rule: (d.rule ?? 'interaction') as CreditRule,
    amount_fen: d.approved_fen,
    occurred_at: new Date(clock.isClosed(at) ? clock.postAt : at),
    rule_set_version: ruleSetVersion,
    evidence,
    candidates: [],
    valid_from: now,
    event: 'adjusted',
    reason: clip(
      `dispute #${d.id} (${d.kind}) approved by ${d.decided_by}: ${d.approved_fen} fen credited — ${d.resolution}`,
    ),
    replaces: null,
  };
}

/**
 * An approved dispute on a line no order carries (a WeCom bill credited on its own): credited here,
 * in the caller's transaction, against the bill. Approvals on an order are credited by the order's
 * attribution run instead (the outbox owes the order).
 */
export async function creditStandaloneDispute(trx: Db, corpId: number, disputeId: number, now: Date): Promise<void> {
  const [d] = await approvedDisputes(trx, corpId, { ids: [disputeId] });
  if (!d || d.order_id !== null) return;
  if (await trx('credits').where({ dispute_id: d.id }).whereNull('superseded_at').first('id')) return;
  const corp = await trx('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  const tz = corp?.timezone ?? 'Asia/Shanghai';
  const sets = await loadRuleSets(trx, corpId);
  const clock = await periodClock(trx, corpId, tz, now);
  const store = await trx('guides').where({ id: d.guide_id }).first<{ store_id: number | null }>('store_id');
  const line = manualLine(
    corpId,
    d,
    { orderId: null, storeId: store?.store_id ?? null, transferId: d.contested_transfer_id },
    ruleSetAt(sets, d.credit_at.getTime()).version,
    clock,
    now,
  );
  await writeLines(trx, corpId, tz, [], [line], `dispute ${d.id} approved`, now);
}

/** An order's outcome as a run decided it, with the fact that caused the run. */
interface Outcome {
  order_id: number;
  guide_id: number | null;
  rule: CreditRule | null;
  rule_set_version: number;
  cause_kind: Cause['kind'];
  cause_id: string | null;
}

/**
 * Keeps `attribution_outcomes` equal to what the latest run decided, and appends to
 * `attribution_decisions` every order whose outcome changed — its first decision included, and
 * unattributed ↔ credited both ways — with the fact that caused the run. One statement per batch,
 * under the orders' row locks.
 */
async function writeOutcomes(trx: Db, corpId: number, outcomes: Outcome[], reason: string, now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await trx.raw(
    `with src as (
       select * from jsonb_to_recordset(?::jsonb) as r(order_id bigint, guide_id bigint, rule credit_rule, rule_set_version int, cause_kind text, cause_id text)),
     old as (select o.order_id, o.guide_id, o.rule, o.rule_set_version from attribution_outcomes o where o.order_id in (select order_id from src)),
     cmp as (
       select s.*, old.order_id is null as first, old.guide_id as from_guide_id, old.rule as from_rule,
              old.order_id is null or old.guide_id is distinct from s.guide_id or old.rule is distinct from s.rule as moved,
              old.order_id is null or old.guide_id is distinct from s.guide_id or old.rule is distinct from s.rule
                or old.rule_set_version <> s.rule_set_version as touched
         from src s left join old on old.order_id = s.order_id),
     up as (
       insert into attribution_outcomes (order_id, corp_id, guide_id, rule, rule_set_version, decided_at)
       select order_id, ?, guide_id, rule, rule_set_version, ? from cmp where touched order by order_id
       on conflict (order_id) do update
         set guide_id = excluded.guide_id, rule = excluded.rule, rule_set_version = excluded.rule_set_version, decided_at = excluded.decided_at)
     insert into attribution_decisions (corp_id, order_id, first, from_guide_id, from_rule, to_guide_id, to_rule, rule_set_version, cause_kind, cause_id, reason, at)
     select ?, order_id, first, from_guide_id, from_rule, guide_id, rule, rule_set_version, cause_kind, cause_id, ?, ? from cmp where moved order by order_id`,
    [JSON.stringify(outcomes), corpId, now, corpId, clip(reason), now],
  );
}

/** An order's line to insert; `why` is the reason of its stored creation event, null where the line tells it. */
function lineRow(
  corpId: number,
  o: OrderRow,
  l: WantedLine,
  now: Date,
  why: string | null,
  replaces: number | null,
): NewCredit {
  return {
    corp_id: corpId,
    order_id: o.id,
    transfer_id: null,
    refund_id: l.refundId,
    adjusts_credit_id: l.adjustsCreditId,
    dispute_id: null,
    kind: l.kind,
    role: 'seller',
    guide_id: l.guideId,
    store_id: o.store_id,
    rule: l.rule,
    amount_fen: l.amountFen,
    occurred_at: new Date(l.occurredAt),
    rule_set_version: l.ruleSetVersion,
    evidence: l.evidence,
    candidates: l.candidates,
    valid_from: now,
    event: why === null ? null : 'adjusted',
    reason: why,
    replaces,
  };
}

/**
 * A line to insert, as the row `writeLines` serialises: every column, then `event` and `reason`
 * (its stored creation event, null where the line tells it itself) and `replaces` (the line it
 * supersedes).
 */
interface NewCredit {
  corp_id: number;
  order_id: number | null;
  transfer_id: number | null;
  refund_id: number | null;
  adjusts_credit_id: number | null;
  dispute_id: number | null;
  kind: LineKind;
  role: 'seller';
  guide_id: number;
  store_id: number | null;
  rule: CreditRule;
  amount_fen: number;
  occurred_at: Date;
  rule_set_version: number;
  evidence: unknown;
  candidates: unknown;
  valid_from: Date;
  event: 'created' | 'reversed' | 'adjusted' | null;
  reason: string | null;
  replaces: number | null;
}

/**
 * Set-based writes, two statements: supersede first (the partial unique index admits one live
 * line per order and role) with its trail events; then insert the new lines with their stored
 * events, link each replaced line to its successor, and move the board rollup by the difference.
 * Ids are drawn from the sequence up front so one statement writes a line, its event and the link.
 *
 * The rollup stays equal to the live lines: each superseded line leaves its (guide, tenant day,
 * store, path) cell and each new line enters one (core/boards/rollup.ts says what a path is). Exact because the lines of an order or bill change only
 * under its row lock; cells are upserted in key order, so concurrent batches never deadlock on them.
 */
async function writeLines(
  trx: Db,
  corpId: number,
  tz: string,
  supersede: LiveCredit[],
  fresh: NewCredit[],
  reason: string,
  now: Date,
): Promise<void> {
  if (supersede.length === 0 && fresh.length === 0) return;
  const gone = supersede.map((c) => c.id);
  if (gone.length) {
    await trx.raw(
      `with s as (update credits set superseded_at = ? where id = any(?::bigint[]) returning id)
       insert into credit_events (corp_id, credit_id, event, reason) select ?, id, 'superseded', ? from s`,
      [now, gone, corpId, clip(reason)],
    );
  }
  await trx.raw(
    `with src as materialized (
       select nextval('credits_id_seq') as id, r.* from jsonb_to_recordset(?::jsonb) as r(
         corp_id bigint, order_id bigint, transfer_id bigint, refund_id bigint, adjusts_credit_id bigint, dispute_id bigint, kind credit_kind, role text, guide_id bigint, store_id bigint,
         rule credit_rule, amount_fen bigint, occurred_at timestamptz, rule_set_version int, evidence jsonb, candidates jsonb, valid_from timestamptz,
         event credit_event, reason text, replaces bigint)),
     ins as (
       insert into credits (id, corp_id, order_id, transfer_id, refund_id, adjusts_credit_id, dispute_id, kind, role, guide_id, store_id, rule, amount_fen, occurred_at, rule_set_version, evidence, candidates, valid_from)
       select id, corp_id, order_id, transfer_id, refund_id, adjusts_credit_id, dispute_id, kind, role, guide_id, store_id, rule, amount_fen, occurred_at, rule_set_version, evidence, coalesce(candidates, '[]'), valid_from from src),
     ev as (insert into credit_events (corp_id, credit_id, event, reason) select corp_id, id, event, reason from src where event is not null),
     link as (update credits c set superseded_by = src.id from src where src.replaces is not null and c.id = src.replaces),
     cells as (
       select s.guide_id, s.store_id, s.occurred_at, ${pathOfLine('s.rule', 'o.source')} as path, (s.kind = 'sale')::int as n, s.amount_fen as f
         from src s left join orders o on o.id = s.order_id
       union all
       select c.guide_id, c.store_id, c.occurred_at, ${pathOfLine('c.rule', 'o.source')}, -(c.kind = 'sale')::int, -c.amount_fen
         from credits c left join orders o on o.id = c.order_id where c.id = any(?::bigint[]))
     insert into daily_credits as d (corp_id, guide_id, store_id, day, path, orders, amount_fen)
     select ?, guide_id, store_id, (occurred_at at time zone ?)::date as day, path, sum(n), sum(f) from cells
      group by guide_id, day, store_id, path
     having sum(n) <> 0 or sum(f) <> 0
      order by guide_id, day, store_id, path
     on conflict (guide_id, day, store_id, path) do update
       set orders = d.orders + excluded.orders, amount_fen = d.amount_fen + excluded.amount_fen`,
    [JSON.stringify(fresh), gone, corpId, tz],
  );
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Transfer bills. A bill some order names as its payment is that order's transfer evidence: the
 * order is (re-)attributed and the bill gets no credit of its own. Any other bill is a sale on its
 * own: a payment credits its payee, a refund record reverses — by the rule-set version in force
 * at its pay time; one live line per bill, replaced when it changes, adjusted when its period is closed.
 */
export async function attributeTransfers(
  ctx: AppContext,
  corpId: number,
  transferIds: number[],
  reason: string,
  cause: Cause = RECOMPUTE,
): Promise<number> {
  if (transferIds.length === 0) return 0;
  const corp = await ctx.db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  const tz = corp?.timezone ?? 'Asia/Shanghai';
  const sets = await loadRuleSets(ctx.db, corpId);
  const { written, matchedOrders } = await ctx.db.transaction(async (trx) => {
    const rows = await trx('transfers')
      .where({ corp_id: corpId })
      .whereIn('id', transferIds)
      .whereNotNull('guide_id')
      .orderBy('id')
      .forUpdate()
      .select<
        {
          id: number;
          transaction_id: string;
          bill_type: number;
          guide_id: number;
          pay_time: Date;
          total_fee_fen: number;
          total_refund_fee_fen: number;
        }[]
      >('id', 'transaction_id', 'bill_type', 'guide_id', 'pay_time', 'total_fee_fen', 'total_refund_fee_fen');
    const matched = rows.length
      ? await trx('orders')
          .where({ corp_id: corpId })
          .whereIn('payment_transaction_id', [...new Set(rows.map((r) => r.transaction_id))])
          .select<{ id: number; payment_transaction_id: string }[]>('id', 'payment_transaction_id')
      : [];
    const matchedTx = new Set(matched.map((m) => m.payment_transaction_id));
    const own = rows.filter((r) => !matchedTx.has(r.transaction_id));
    // The store she sold in when the bill was paid (a refund: when its sale was), not where she is now.
    const soldAt = new Map(
      (own.length
        ? await trx('transfers')
            .where({ corp_id: corpId })
            .whereIn('transaction_id', [...new Set(own.map((r) => r.transaction_id))])
            .groupBy('transaction_id')
            .select<{ transaction_id: string; at: Date }[]>('transaction_id', trx.raw('min(pay_time) as at'))
        : []
      ).map((r) => [r.transaction_id, r.at]),
    );
    const store = await guideStoresAt(
      trx,
      own.map((r) => ({ key: r.id, guideId: r.guide_id, at: soldAt.get(r.transaction_id) ?? r.pay_time })),
    );
    const live = own.length
      ? (
          await trx.raw<{ rows: LiveCredit[] }>(
            `select ${LIVE_COLUMNS} from credits where corp_id = ? and transfer_id = any(?) and superseded_at is null and dispute_id is null`,
            [corpId, own.map((r) => r.id)],
          )
        ).rows
      : [];
    const now = new Date();
    const { isClosed, postAt } = await periodClock(trx, corpId, tz, now);
    const supersede: LiveCredit[] = [];
    const fresh: NewCredit[] = [];
    for (const t of own) {
      const kind = t.bill_type === 0 ? 'sale' : 'refund';
      const amount = transferCreditFen({
        billType: t.bill_type,
        totalFeeFen: t.total_fee_fen,
        refundFeeFen: t.total_refund_fee_fen,
      });
      const version = ruleSetAt(sets, t.pay_time.getTime()).version;
      const evidence: BillEvidence = { rule: 'transfer', transactionId: t.transaction_id, billType: t.bill_type };
      const mine = live.filter((l) => l.transfer_id === t.id);
      const line = mine.find((l) => l.kind !== 'adjustment');
      if (
        line &&
        line.guide_id === t.guide_id &&
        line.amount_fen === amount &&
        line.rule_set_version === version &&
        canonical(line.evidence) === canonical(evidence)
      )
        continue;
      const base = {
        corp_id: corpId,
        order_id: null,
        transfer_id: t.id,
        refund_id: null,
        adjusts_credit_id: null,
        dispute_id: null,
        role: 'seller',
        guide_id: t.guide_id,
        store_id: store.get(t.id) ?? null,
        rule: 'transfer',
        rule_set_version: version,
        valid_from: now,
        candidates: [],
      } as const;
      const what = `WeCom transfer ${t.transaction_id} ${t.bill_type === 0 ? 'received' : 'refunded'} by this guide (${reason})`;
      if (isClosed(t.pay_time.getTime())) {
        // Locked: a bill first seen after its period closed is credited by an adjustment line, once.
        if (mine.length) continue;
        fresh.push({
          ...base,
          kind: 'adjustment',
          amount_fen: amount,
          occurred_at: new Date(postAt),
          evidence: { ...evidence, why: 'credited after its period closed' },
          event: 'adjusted',
          reason: clip(`${what}; its period is closed`),
          replaces: null,
        });
        continue;
      }
      for (const l of mine) {
        supersede.push(l);
      }
      fresh.push({
        ...base,
        kind,
        amount_fen: amount,
        occurred_at: t.pay_time,
        evidence,
        event: t.bill_type === 0 ? 'created' : 'reversed',
        reason: clip(what),
        replaces: line?.id ?? null,
      });
    }
    await writeLines(trx, corpId, tz, supersede, fresh, reason, now);
    return { written: fresh.length, matchedOrders: matched.map((m) => m.id) };
  });
  if (matchedOrders.length) await attributeOrders(ctx, corpId, matchedOrders, reason, () => cause);
  return written;
}
