import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { z } from 'zod';
import type { Db } from '../db/knex';
import { corpTimezone } from './periods';

dayjs.extend(utc);

/**
 * Reconciliation per store and business day. Three sides:
 * - POS: the net of every order paid that day (`posFen`), and of those paid by a WeCom bill
 *   (`posTransferFen`, counted on the bill's day and store so a matched pair always cancels);
 * - WeCom 对外收款 bills: payments (`billsFen`) and refund records (`billRefundsFen`);
 * - credited: every live credit line dated that day in that store (`creditedFen`).
 * Payment difference = billsFen − posTransferFen; refund difference = billRefundsFen −
 * tillRefundsOnTransferFen. Each difference is named by an item (reason, the ids, its amount in
 * the difference); whatever the items do not add up to is `unexplainedFen`.
 */
export const differenceReasons = [
  'bill_without_order',
  'transfer_credited_without_pos_order',
  'order_names_missing_bill',
  'duplicate',
  'amount_mismatch',
  'refund_one_side',
] as const;
export type DifferenceReason = (typeof differenceReasons)[number];

export const differenceView = z.object({
  reason: z.enum(differenceReasons),
  side: z.enum(['payments', 'refunds']),
  /** What this item adds to the difference (bills side minus POS side), in fen. */
  deltaFen: z.number().int(),
  transactionId: z.string().nullable(),
  orderId: z.number().nullable(),
  orderNo: z.string().nullable(),
  transferId: z.number().nullable(),
  detail: z.string(),
});
export type Difference = z.infer<typeof differenceView>;

export const dayTotalsView = z.object({
  posFen: z.number().int(),
  posTransferFen: z.number().int(),
  billsFen: z.number().int(),
  tillRefundsOnTransferFen: z.number().int(),
  billRefundsFen: z.number().int(),
  creditedFen: z.number().int(),
  paymentsDiffFen: z.number().int(),
  refundsDiffFen: z.number().int(),
});
export type DayTotals = z.infer<typeof dayTotalsView>;

export const reconDayView = z.object({
  storeId: z.number(),
  storeName: z.string(),
  day: z.string(),
  totals: dayTotalsView,
  differences: z.array(differenceView),
  unexplainedFen: z.number().int(),
  clean: z.boolean(),
});
export type ReconDay = z.infer<typeof reconDayView>;

const zero = (): DayTotals => ({
  posFen: 0,
  posTransferFen: 0,
  billsFen: 0,
  tillRefundsOnTransferFen: 0,
  billRefundsFen: 0,
  creditedFen: 0,
  paymentsDiffFen: 0,
  refundsDiffFen: 0,
});

/** Reconciles every store over [fromDay, toDay) (tenant days) and stores each store-day. */
export async function reconcileDays(db: Db, corpId: number, fromDay: string, toDay: string): Promise<ReconDay[]> {
  const tz = await corpTimezone(db, corpId);
  const dayOf = `to_char(%s at time zone ?, 'YYYY-MM-DD')`;
  const inRange = (col: string) =>
    `${col} >= (?::date)::timestamp at time zone ? and ${col} < (?::date)::timestamp at time zone ?`;
  const range = [fromDay, tz, toDay, tz];

  const orders = (
    await db.raw<{
      rows: {
        id: number;
        order_no: string;
        store_id: number | null;
        day: string;
        net_fen: number;
        paid_at: Date;
        tx: string | null;
      }[];
    }>(
      `select id, order_no, store_id, ${dayOf.replace('%s', 'paid_at')} as day, net_fen, paid_at, payment_transaction_id as tx
         from orders where corp_id = ? and ${inRange('paid_at')} order by paid_at, source, order_no`,
      [tz, corpId, ...range],
    )
  ).rows;
  const bills = (
    await db.raw<{
      rows: {
        id: number;
        tx: string;
        bill_type: number;
        out_refund_no: string;
        day: string;
        fee: number;
        refund_fee: number;
        store_id: number | null;
      }[];
    }>(
      `select t.id, t.transaction_id as tx, t.bill_type, t.out_refund_no, ${dayOf.replace('%s', 't.pay_time')} as day,
              t.total_fee_fen as fee, t.total_refund_fee_fen as refund_fee, g.store_id
         from transfers t left join guides g on g.id = t.guide_id
        where t.corp_id = ? and ${inRange('t.pay_time')} order by t.pay_time, t.transaction_id, t.out_refund_no`,
      [tz, corpId, ...range],
    )
  ).rows;
  const billTx = [...new Set(bills.map((b) => b.tx))];
  const orderTx = [...new Set(orders.flatMap((o) => (o.tx ? [o.tx] : [])))];
  // Orders naming a bill of the range, wherever they were paid; payment bills named by an order of the range.
  const namers = (
    await db.raw<{ rows: { id: number; order_no: string; store_id: number | null; net_fen: number; tx: string }[] }>(
      `select id, order_no, store_id, net_fen, payment_transaction_id as tx from orders
        where corp_id = ? and payment_transaction_id = any(?) order by paid_at, source, order_no`,
      [corpId, billTx],
    )
  ).rows;
  const namedBills = new Set(
    (
      await db.raw<{ rows: { tx: string }[] }>(
        `select distinct transaction_id as tx from transfers where corp_id = ? and bill_type = 0 and transaction_id = any(?)`,
        [corpId, orderTx],
      )
    ).rows.map((r) => r.tx),
  );
  const standAlone = new Set(
    (
      await db.raw<{ rows: { transfer_id: number }[] }>(
        `select distinct transfer_id from credits where corp_id = ? and superseded_at is null and order_id is null and transfer_id = any(?)`,
        [corpId, bills.map((b) => b.id)],
      )
    ).rows.map((r) => r.transfer_id),
  );
  const tillRefunds = (
    await db.raw<{
      rows: {
        order_id: number;
        order_no: string;
        store_id: number | null;
        day: string;
        amount_fen: number;
        tx: string;
      }[];
    }>(
      `select r.order_id, o.order_no, o.store_id, ${dayOf.replace('%s', 'r.refunded_at')} as day, r.amount_fen,
              o.payment_transaction_id as tx
         from refunds r join orders o on o.id = r.order_id
        where r.corp_id = ? and r.source <> 'transfer' and o.payment_transaction_id is not null and ${inRange('r.refunded_at')}
        order by r.refunded_at, r.refund_no`,
      [tz, corpId, ...range],
    )
  ).rows;
  const credited = (
    await db.raw<{ rows: { store_id: number | null; day: string; fen: number }[] }>(
      `select store_id, ${dayOf.replace('%s', 'occurred_at')} as day, sum(amount_fen)::bigint as fen
         from credits where corp_id = ? and superseded_at is null and ${inRange('occurred_at')} group by 1, 2`,
      [tz, corpId, ...range],
    )
  ).rows;

  const days = new Map<string, { totals: DayTotals; differences: Difference[] }>();
  const at = (storeId: number | null, day: string) => {
    const k = `${storeId ?? 0}|${day}`;
    let d = days.get(k);
    if (!d) days.set(k, (d = { totals: zero(), differences: [] }));
    return d;
  };
  const item = (d: Difference): Difference => d;

  for (const o of orders) at(o.store_id, o.day).totals.posFen += o.net_fen;
  for (const c of credited) at(c.store_id, c.day).totals.creditedFen += c.fen;

  const namersOf = new Map<string, typeof namers>();
  for (const o of namers) namersOf.set(o.tx, [...(namersOf.get(o.tx) ?? []), o]);
  const payments = bills.filter((b) => b.bill_type === 0);
  for (const b of payments) {
    const by = namersOf.get(b.tx) ?? [];
    const storeId = by[0]?.store_id ?? b.store_id;
    const d = at(storeId, b.day);
    d.totals.billsFen += b.fee;
    if (by.length === 0) {
      d.differences.push(
        item({
          reason: standAlone.has(b.id) ? 'transfer_credited_without_pos_order' : 'bill_without_order',
          side: 'payments',
          deltaFen: b.fee,
          transactionId: b.tx,
          orderId: null,
          orderNo: null,
          transferId: b.id,
          detail: standAlone.has(b.id)
            ? 'a transfer the guide took and no till recorded; credited to its payee'
            : 'no order names this bill',
        }),
      );
      continue;
    }
    by.forEach((o, i) => {
      d.totals.posTransferFen += o.net_fen;
      if (i > 0)
        d.differences.push(
          item({
            reason: 'duplicate',
            side: 'payments',
            deltaFen: -o.net_fen,
            transactionId: b.tx,
            orderId: o.id,
            orderNo: o.order_no,
            transferId: b.id,
            detail: `also named by order ${by[0]!.order_no}`,
          }),
        );
      else if (o.net_fen !== b.fee)
        d.differences.push(
          item({
            reason: 'amount_mismatch',
            side: 'payments',
            deltaFen: b.fee - o.net_fen,
            transactionId: b.tx,
            orderId: o.id,
            orderNo: o.order_no,
            transferId: b.id,
            detail: `bill ${b.fee} fen, order ${o.net_fen} fen`,
          }),
        );
    });
  }
  for (const o of orders) {
    if (!o.tx || namedBills.has(o.tx)) continue;
    const d = at(o.store_id, o.day);
    d.totals.posTransferFen += o.net_fen;
    d.differences.push(
      item({
        reason: 'order_names_missing_bill',
        side: 'payments',
        deltaFen: -o.net_fen,
        transactionId: o.tx,
        orderId: o.id,
        orderNo: o.order_no,
        transferId: null,
        detail: 'no WeCom payment bill has this transaction id',
      }),
    );
  }

  // Refunds: each bill refund record absorbs one till refund of the same amount on an order naming the bill.
  const absorbed = new Set<number>();
  const payerStore = new Map(payments.map((b) => [b.tx, (namersOf.get(b.tx) ?? [])[0]?.store_id ?? b.store_id]));
  for (const b of bills.filter((x) => x.bill_type === 1)) {
    const d = at(payerStore.get(b.tx) ?? b.store_id, b.day);
    d.totals.billRefundsFen += b.refund_fee;
    const payer = (namersOf.get(b.tx) ?? [])[0];
    const k = tillRefunds.findIndex((r, i) => !absorbed.has(i) && r.tx === b.tx && r.amount_fen === b.refund_fee);
    if (k >= 0) {
      absorbed.add(k);
      d.totals.tillRefundsOnTransferFen += b.refund_fee;
    } else if (payer)
      d.differences.push(
        item({
          reason: 'refund_one_side',
          side: 'refunds',
          deltaFen: b.refund_fee,
          transactionId: b.tx,
          orderId: payer.id,
          orderNo: payer.order_no,
          transferId: b.id,
          detail: 'refunded in WeCom, not at the till',
        }),
      );
    // A stand-alone bill's own refund has no till side: it reverses the bill's own credit and is no difference.
    else d.totals.tillRefundsOnTransferFen += b.refund_fee;
  }
  tillRefunds.forEach((r, i) => {
    if (absorbed.has(i)) return;
    const d = at(r.store_id, r.day);
    d.totals.tillRefundsOnTransferFen += r.amount_fen;
    d.differences.push(
      item({
        reason: 'refund_one_side',
        side: 'refunds',
        deltaFen: -r.amount_fen,
        transactionId: r.tx,
        orderId: r.order_id,
        orderNo: r.order_no,
        transferId: null,
        detail: 'refunded at the till, no WeCom refund record',
      }),
    );
  });

  const storeNames = new Map(
    (await db('stores').where({ corp_id: corpId }).select<{ id: number; name: string }[]>('id', 'name')).map((s) => [
      s.id,
      s.name,
    ]),
  );
  const out: ReconDay[] = [];
  for (const [k, d] of [...days].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [sid, day] = k.split('|') as [string, string];
    if (sid === '0') continue; // facts without a store are not a store's reconciliation
    d.totals.paymentsDiffFen = d.totals.billsFen - d.totals.posTransferFen;
    d.totals.refundsDiffFen = d.totals.billRefundsFen - d.totals.tillRefundsOnTransferFen;
    const explained = d.differences.reduce((s, x) => s + (x.side === 'payments' ? x.deltaFen : 0), 0);
    const explainedR = d.differences.reduce((s, x) => s + (x.side === 'refunds' ? x.deltaFen : 0), 0);
    const unexplainedFen = d.totals.paymentsDiffFen - explained + (d.totals.refundsDiffFen - explainedR);
    out.push({
      storeId: Number(sid),
      storeName: storeNames.get(Number(sid)) ?? '',
      day,
      totals: d.totals,
      differences: d.differences,
      unexplainedFen,
      clean: unexplainedFen === 0 && d.differences.every((x) => x.reason === 'transfer_credited_without_pos_order'),
    });
  }
  for (let i = 0; i < out.length; i += 500)
    await db('reconciliation_days')
      .insert(
        out.slice(i, i + 500).map((r) => ({
          corp_id: corpId,
          store_id: r.storeId,
          day: r.day,
          totals: JSON.stringify(r.totals),
          differences: JSON.stringify(r.differences),
          unexplained_fen: r.unexplainedFen,
          clean: r.clean,
          reconciled_at: db.fn.now(),
        })),
      )
      .onConflict(['corp_id', 'store_id', 'day'])
      .merge();
  return out;
}

/** A month per store: the sums of its days (so day and month agree to the fen). */
export async function reconcileMonth(db: Db, corpId: number, month: string) {
  const from = `${month}-01`;
  const to = dayjs.utc(from).add(1, 'month').format('YYYY-MM-DD');
  const days = await reconcileDays(db, corpId, from, to);
  const stores = new Map<
    number,
    { storeId: number; storeName: string; totals: DayTotals; differences: number; unexplainedFen: number }
  >();
  for (const d of days) {
    const s = stores.get(d.storeId) ?? {
      storeId: d.storeId,
      storeName: d.storeName,
      totals: zero(),
      differences: 0,
      unexplainedFen: 0,
    };
    for (const key of Object.keys(s.totals) as (keyof DayTotals)[]) s.totals[key] += d.totals[key];
    s.differences += d.differences.length;
    s.unexplainedFen += d.unexplainedFen;
    stores.set(d.storeId, s);
  }
  const rows = [...stores.values()].sort((a, b) => a.storeId - b.storeId);
  return {
    month,
    stores: rows,
    unexplainedFen: rows.reduce((s, r) => s + r.unexplainedFen, 0),
    differences: days.flatMap((d) => d.differences.map((x) => ({ ...x, storeId: d.storeId, day: d.day }))),
  };
}

/** The store-days whose last reconciliation was not clean, newest first. */
export async function uncleanDays(db: Db, corpId: number, limit: number): Promise<ReconDay[]> {
  const rows = await db('reconciliation_days as r')
    .join('stores as s', 's.id', 'r.store_id')
    .where({ 'r.corp_id': corpId, 'r.clean': false })
    .orderBy([{ column: 'r.day', order: 'desc' }, { column: 'r.store_id' }])
    .limit(limit)
    .select<
      {
        store_id: number;
        name: string;
        day: string;
        totals: DayTotals;
        differences: Difference[];
        unexplained_fen: number;
        clean: boolean;
      }[]
    >('r.store_id', 's.name', 'r.day', 'r.totals', 'r.differences', 'r.unexplained_fen', 'r.clean');
  return rows.map((r) => ({
    storeId: r.store_id,
    storeName: r.name,
    day: r.day,
    totals: r.totals,
    differences: r.differences,
    unexplainedFen: r.unexplained_fen,
    clean: r.clean,
  }));
}

/** The daily job: yesterday in each tenant's time zone (WeCom publishes a day's bills the next day). */
export async function reconcileYesterday(db: Db, now: Date, day?: string): Promise<number> {
  const corps = await db('corps').orderBy('id').select<{ id: number; timezone: string }[]>('id', 'timezone');
  let n = 0;
  for (const c of corps) {
    const d = day ?? localYesterday(now, c.timezone);
    n += (await reconcileDays(db, c.id, d, dayjs.utc(d).add(1, 'day').format('YYYY-MM-DD'))).length;
  }
  return n;
}

function localYesterday(now: Date, tz: string): string {
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  return dayjs.utc(today).subtract(1, 'day').format('YYYY-MM-DD');
}
