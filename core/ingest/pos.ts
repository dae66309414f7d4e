/**
 * POS / mall facts: orders with lines and refunds, validated row by row. Good rows are stored in
 * set-based statements (one per table per batch, each passing its rows as one jsonb parameter, so
 * no batch size comes near PostgreSQL's 65,535 bind parameters), bad rows come back in a per-row
 * report, and natural keys make every replay a no-op. Refunds may arrive before their orders.
 */
import { z } from 'zod';
import type { IngestReport } from '../contracts/ingest';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { enqueueAttribution, owe, requestAttribution, type Owed } from '../attribution/outbox';
import { phoneHash, resolveCustomers } from '../customers/identity';
import { faultPoint } from '../fault-injection';
import { normalizePhone } from './money';
import { priorBatch, recordBatch } from './batches';
import {
  contentHash,
  issuesToProblems,
  outsideWindow,
  refOf,
  sanitizeProblems,
  text,
  timeWindow,
  when,
  type RowProblem,
  type TimeWindow,
} from './rows';

export type { RowProblem } from './rows';

const fen = z.number().int().min(0).max(100_000_000_00);

export const orderRow = z
  .object({
    orderNo: text(64),
    source: z.enum(['pos', 'mall']).default('pos'),
    storeCode: text(32),
    paidAt: when,
    grossFen: fen,
    discountFen: fen.default(0),
    netFen: fen,
    memberNo: text(32).optional(),
    phone: z.string().max(20).optional(),
    unionid: text(64).optional(),
    couponCodes: z.array(text(40)).max(10).default([]),
    /** The WeCom 对外收款 transaction id when the customer paid through a guide's transfer. */
    paymentTransactionId: text(64).optional(),
    lines: z
      .array(
        z.object({
          lineNo: z.number().int().positive().max(999_999).optional(),
          skuCode: text(40),
          qty: z.number().int().positive().max(999),
          netFen: fen,
        }),
      )
      .min(1)
      .max(200),
  })
  .superRefine((o, c) => {
    if (o.netFen !== o.grossFen - o.discountFen)
      c.addIssue({ code: 'custom', path: ['netFen'], message: 'must equal grossFen − discountFen' });
    if (o.lines.reduce((s, l) => s + l.netFen, 0) !== o.netFen)
      c.addIssue({ code: 'custom', path: ['lines'], message: 'line netFen must add up to netFen' });
    if (o.phone !== undefined && normalizePhone(o.phone) === null)
      c.addIssue({ code: 'custom', path: ['phone'], message: 'not a mainland mobile number' });
    const seen = new Set<number>();
    o.lines.forEach((l, k) => {
      const no = l.lineNo ?? k + 1;
      if (seen.has(no))
        c.addIssue({
          code: 'custom',
          path: ['lines', k, 'lineNo'],
          message: `line number ${no} appears twice in this order`,
          params: { code: 'duplicate_line' },
        });
      seen.add(no);
    });
  });
export type OrderRow = z.infer<typeof orderRow>;

export const refundRow = z.object({
  refundNo: text(64),
  orderNo: text(64),
  source: z.enum(['pos', 'mall']).default('pos'),
  refundedAt: when,
  amountFen: fen.refine((v) => v > 0, 'must be positive'),
});
export type RefundRow = z.infer<typeof refundRow>;

/** Documented limits of one webhook batch. */
export const MAX_BATCH_ORDERS = 1000;
export const MAX_BATCH_REFUNDS = 1000;

export const batchEnvelope = z.object({
  batchId: text(64),
  orders: z.array(z.unknown()).max(MAX_BATCH_ORDERS).default([]),
  refunds: z.array(z.unknown()).max(MAX_BATCH_REFUNDS).default([]),
});

export type { IngestReport } from '../contracts/ingest';

export function validateRows(
  orders: unknown[],
  refunds: unknown[],
  rows: { orders?: number[]; refunds?: number[] } = {},
  window?: TimeWindow,
) {
  const good: { orders: OrderRow[]; refunds: RefundRow[]; orderRows: number[] } = {
    orders: [],
    refunds: [],
    orderRows: [],
  };
  const rejected: RowProblem[] = [];
  // The first row of a (source, number) is kept; a later one in the same batch is refused, as a
  // later batch's would be (as a duplicate) — the batch can never hold two versions of one fact.
  const firstRow = { order: new Map<string, number>(), refund: new Map<string, number>() };
  const check = <T extends { source: string }>(
    kind: 'order' | 'refund',
    schema: z.ZodType<T>,
    list: unknown[],
    out: T[],
    refKey: 'orderNo' | 'refundNo',
    timeKey: keyof T & string,
  ) =>
    list.forEach((r, i) => {
      const row = (kind === 'order' ? rows.orders : rows.refunds)?.[i] ?? i;
      const ref = refOf(r, refKey);
      const p = schema.safeParse(r);
      if (!p.success) {
        rejected.push(...issuesToProblems(kind, row, ref, p.error.issues));
        return;
      }
      const at = String(p.data[timeKey]);
      const outside = window ? outsideWindow(at, window) : null;
      if (outside) {
        rejected.push({ kind, row, ref, field: timeKey, code: 'date_out_of_range', message: `${at} is ${outside}` });
        return;
      }
      const key = `${p.data.source}:${String((p.data as Record<string, unknown>)[refKey])}`;
      const first = firstRow[kind].get(key);
      if (first !== undefined) {
        rejected.push({
          kind,
          row,
          ref,
          field: refKey,
          code: 'duplicate_in_batch',
          message: `the same ${kind} number (source ${p.data.source}) is already at row ${first} of this batch`,
        });
        return;
      }
      firstRow[kind].set(key, row);
      out.push(p.data);
      if (kind === 'order') good.orderRows.push(row);
    });
  check('order', orderRow, orders, good.orders, 'orderNo', 'paidAt');
  check('refund', refundRow, refunds, good.refunds, 'refundNo', 'refundedAt');
  return { good, rejected };
}

/** Stores validated rows. Returns counts; the caller records the batch. */
export async function storeFacts(
  ctx: AppContext,
  corpId: number,
  good: { orders: OrderRow[]; refunds: RefundRow[]; orderRows: number[] },
  rejected: RowProblem[],
) {
  const db = ctx.db;
  const stores = new Map(
    (
      await db('stores')
        .where({ corp_id: corpId })
        .whereRaw('code = any(?)', [[...new Set(good.orders.map((o) => o.storeCode))]])
        .select<{ id: number; code: string }[]>('id', 'code')
    ).map((s) => [s.code, s.id]),
  );
  const orders = good.orders.filter((o, i) => {
    if (stores.has(o.storeCode)) return true;
    rejected.push({
      kind: 'order',
      row: good.orderRows[i] ?? i,
      ref: o.orderNo,
      field: 'storeCode',
      code: 'unknown_store',
      message: `no store with code ${o.storeCode}`,
    });
    return false;
  });
  return db.transaction(async (trx) => {
    const customerOf = await resolveCustomers(
      trx,
      corpId,
      orders.map((o) => [o.orderNo, { memberNo: o.memberNo, unionid: o.unionid, phone: o.phone }]),
    );
    // Rows go in as one jsonb parameter per statement: any batch size stays one statement.
    const insertedOrders = orders.length
      ? (
          await trx.raw<{ rows: { id: number; order_no: string; source: string }[] }>(
            `insert into orders (corp_id, source, order_no, store_id, customer_id, member_no, phone_hash, unionid,
                                 paid_at, gross_fen, discount_fen, net_fen, coupon_codes, payment_transaction_id)
             select ?, x.source::order_source, x.order_no, x.store_id, x.customer_id, x.member_no, x.phone_hash, x.unionid,
                    x.paid_at, x.gross_fen, x.discount_fen, x.net_fen,
                    array(select jsonb_array_elements_text(x.coupon_codes)), x.payment_transaction_id
               from rows from (jsonb_to_recordset(?::jsonb) as (source text, order_no text, store_id bigint,
                    customer_id bigint, member_no text, phone_hash text, unionid text, paid_at timestamptz,
                    gross_fen bigint, discount_fen bigint, net_fen bigint, coupon_codes jsonb,
                    payment_transaction_id text)) with ordinality as x(source, order_no, store_id, customer_id,
                    member_no, phone_hash, unionid, paid_at, gross_fen, discount_fen, net_fen, coupon_codes,
                    payment_transaction_id, n)
              order by x.n
             on conflict (corp_id, source, order_no) do nothing
             returning id, order_no, source`,
            [
              corpId,
              JSON.stringify(
                orders.map((o) => ({
                  source: o.source,
                  order_no: o.orderNo,
                  store_id: stores.get(o.storeCode),
                  customer_id: customerOf.get(o.orderNo) ?? null,
                  member_no: o.memberNo ?? null,
                  phone_hash: o.phone ? phoneHash(o.phone) : null,
                  unionid: o.unionid ?? null,
                  paid_at: o.paidAt,
                  gross_fen: o.grossFen,
                  discount_fen: o.discountFen,
                  net_fen: o.netFen,
                  coupon_codes: o.couponCodes,
                  payment_transaction_id: o.paymentTransactionId ?? null,
                })),
              ),
            ],
          )
        ).rows
      : [];
    const idOf = new Map(insertedOrders.map((o) => [`${o.source}:${o.order_no}`, o.id]));
    const lines = orders.flatMap((o) => {
      const id = idOf.get(`${o.source}:${o.orderNo}`);
      return id
        ? o.lines.map((l, k) => ({
            order_id: id,
            line_no: l.lineNo ?? k + 1,
            sku_code: l.skuCode,
            qty: l.qty,
            net_fen: l.netFen,
          }))
        : [];
    });
    if (lines.length) {
      await trx.raw(
        `insert into order_lines (corp_id, order_id, line_no, sku_code, qty, net_fen)
         select ?, x.order_id, x.line_no, x.sku_code, x.qty, x.net_fen
           from jsonb_to_recordset(?::jsonb) as x(order_id bigint, line_no int, sku_code text, qty int, net_fen bigint)`,
        [corpId, JSON.stringify(lines)],
      );
      await trx.raw(
        `update order_lines l set sku_id = s.id, category = p.category, size = s.size from skus s join products p on p.id = s.product_id
                      where l.order_id = any(?) and s.corp_id = ? and s.sku_code = l.sku_code`,
        [insertedOrders.map((o) => o.id), corpId],
      );
    }
    if (insertedOrders.length) {
      // The coupons these orders name: redeemed by the earliest paid order each was valid for, whatever
      // arrived first (the statement settleCoupons in core/coupons runs; couponHolder in rules.ts).
      await trx.raw(
        `with h as (
           select c.id, (select r.id from orders r
                          where r.corp_id = c.corp_id and r.coupon_codes @> array[c.code::text]
                            and r.paid_at > c.issued_at and r.paid_at < c.expires_at
                            and (c.guide_id is null or r.paid_at > c.sent_at)
                            and c.voided_at is null
                          order by r.paid_at, r.source::text collate "C", r.order_no collate "C", r.id limit 1) as order_id
             from coupons c
            where c.corp_id = ? and c.code = any(array(select unnest(coupon_codes) from orders where id = any(?))))
         update coupons c
            set redeemed_order_id = h.order_id,
                redeemed_at = (select o.paid_at from orders o where o.id = h.order_id),
                status = (case when c.voided_at is not null then 'void' when h.order_id is not null then 'redeemed'
                               when c.sent_at is not null then 'sent' else 'issued' end)::coupon_status
           from h where c.id = h.id`,
        [corpId, insertedOrders.map((o) => o.id)],
      );
    }
    const insertedRefunds = good.refunds.length
      ? (
          await trx.raw<{ rows: { id: number }[] }>(
            `insert into refunds (corp_id, source, refund_no, order_no, refunded_at, amount_fen)
             select ?, x.source::order_source, x.refund_no, x.order_no, x.refunded_at, x.amount_fen
               from rows from (jsonb_to_recordset(?::jsonb) as (source text, refund_no text, order_no text,
                    refunded_at timestamptz, amount_fen bigint)) with ordinality
                    as x(source, refund_no, order_no, refunded_at, amount_fen, n)
              order by x.n
             on conflict (corp_id, source, refund_no) do nothing
             returning id`,
            [
              corpId,
              JSON.stringify(
                good.refunds.map((r) => ({
                  source: r.source,
                  refund_no: r.refundNo,
                  order_no: r.orderNo,
                  refunded_at: r.refundedAt,
                  amount_fen: r.amountFen,
                })),
              ),
            ],
          )
        ).rows
      : [];
    // Link refunds (new, and earlier ones waiting) to their orders, set-based.
    const linked = await trx.raw<{ rows: { order_id: number; id: number }[] }>(
      `update refunds r set order_id = o.id from orders o
        where r.corp_id = ? and r.order_id is null and o.corp_id = r.corp_id and o.source = r.source and o.order_no = r.order_no
        returning r.order_id, r.id`,
      [corpId],
    );
    const waiting = insertedRefunds.length
      ? Number(
          (
            await trx('refunds')
              .whereRaw('id = any(?)', [insertedRefunds.map((r) => r.id)])
              .whereNull('order_id')
              .count<{ n: number }[]>('* as n')
          )[0]!.n,
        )
      : 0;
    const toAttribute = [...new Set([...insertedOrders.map((o) => o.id), ...linked.rows.map((r) => r.order_id)])];
    // Owed in the same transaction as the facts: committed facts always reach a decision (outbox.ts).
    const owed: Owed[] = [
      ...owe(
        'order',
        insertedOrders.map((o) => o.id),
        'self',
      ),
      ...linked.rows.flatMap((r) => owe('order', [r.order_id], { kind: 'refund', id: String(r.id) })),
    ];
    await requestAttribution(trx, corpId, owed, 'POS facts stored', { queued: true });
    return {
      orders: { accepted: insertedOrders.length, duplicates: orders.length - insertedOrders.length },
      refunds: {
        accepted: insertedRefunds.length,
        duplicates: good.refunds.length - insertedRefunds.length,
        waitingForOrder: waiting,
      },
      toAttribute,
      owed,
    };
  });
}

/**
 * Validates, stores and records a batch. A replayed batch id with the same content returns its
 * first report; the same id with other content is a BATCH_CONFLICT (nothing of it is stored).
 */
export async function ingestBatch(
  ctx: AppContext,
  corpId: number,
  source: string,
  envelope: z.infer<typeof batchEnvelope>,
  opts: { rows?: { orders?: number[]; refunds?: number[] }; problems?: RowProblem[]; requestId?: string } = {},
): Promise<IngestReport> {
  const hash = contentHash({ orders: envelope.orders, refunds: envelope.refunds, problems: opts.problems ?? [] });
  const prior = await priorBatch(ctx.db, corpId, source, envelope.batchId, hash);
  if (prior) {
    // A re-send: its facts are stored; any of its orders still owed an attribution is queued again.
    await enqueueAttribution(
      ctx,
      corpId,
      await owedOrdersNamed(ctx.db, corpId, envelope.orders),
      `${source} batch ${envelope.batchId} re-sent`,
      opts.requestId ? { requestId: opts.requestId } : {},
    );
    return { ...(prior as IngestReport), replayed: true };
  }
  const { good, rejected } = validateRows(envelope.orders, envelope.refunds, opts.rows, timeWindow(ctx.cfg));
  rejected.unshift(...(opts.problems ?? []));
  const stored = await storeFacts(ctx, corpId, good, rejected);
  faultPoint('EXIT_AFTER_COMMIT');
  // Sheet order: by row, then kind (stable within a row).
  rejected.sort((a, b) => a.row - b.row || a.kind.localeCompare(b.kind));
  const report: IngestReport = {
    batchId: envelope.batchId,
    replayed: false,
    orders: stored.orders,
    refunds: stored.refunds,
    rejected: sanitizeProblems(rejected),
  };
  await recordBatch(ctx.db, corpId, source, envelope.batchId, hash, report, {
    orders: stored.orders.accepted,
    refunds: stored.refunds.accepted,
  });
  // New facts, and orders of the batch stored before but still owed (a re-send after a crash).
  const again = stored.orders.duplicates ? await owedOrdersNamed(ctx.db, corpId, envelope.orders) : [];
  await enqueueAttribution(
    ctx,
    corpId,
    [...stored.owed, ...again],
    `${source} batch ${envelope.batchId}`,
    opts.requestId ? { requestId: opts.requestId } : {},
  );
  return report;
}

/** Orders of a batch (by source and order number) that are stored and still owed an attribution. */
async function owedOrdersNamed(db: Db, corpId: number, orders: unknown[]): Promise<Owed[]> {
  const keys = orders.flatMap((o) => {
    const r = orderKey.safeParse(o);
    return r.success ? [r.data] : [];
  });
  if (keys.length === 0) return [];
  const ids = await db.raw<{ rows: { id: number }[] }>(
    `select o.id from unnest(?::text[], ?::text[]) as k(source, order_no)
       join orders o on o.corp_id = ? and o.source::text = k.source and o.order_no = k.order_no
      where exists (select 1 from attribution_pending p where p.corp_id = o.corp_id and p.subject = 'order' and p.subject_id = o.id)`,
    [keys.map((k) => k.source), keys.map((k) => k.orderNo), corpId],
  );
  return owe(
    'order',
    ids.rows.map((r) => Number(r.id)),
    'self',
  );
}
const orderKey = z.object({ orderNo: z.string().min(1).max(64), source: z.enum(['pos', 'mall']).default('pos') });
