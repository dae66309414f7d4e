/**
 * POS / mall facts: orders with lines and refunds, validated row by row. Good rows are stored in
 * set-based statements (one per table per batch), bad rows come back in a per-row report, and
 * natural keys make every replay a no-op. Refunds may arrive before their orders.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { enqueueAttribution, owe, requestAttribution, type Owed } from '../attribution/outbox';
import { faultPoint } from '../fault-injection';
import { normalizePhone } from './money';

const fen = z.number().int().min(0).max(100_000_000_00);
const when = z.iso.datetime({ offset: true });

export const orderRow = z
  .object({
    orderNo: z.string().min(1).max(64),
    source: z.enum(['pos', 'mall']).default('pos'),
    storeCode: z.string().min(1).max(32),
    paidAt: when,
    grossFen: fen,
    discountFen: fen.default(0),
    netFen: fen,
    memberNo: z.string().max(32).optional(),
    phone: z.string().max(20).optional(),
    unionid: z.string().max(64).optional(),
    couponCodes: z.array(z.string().min(1).max(40)).max(10).default([]),
    /** The WeCom 对外收款 transaction id when the customer paid through a guide's transfer. */
    paymentTransactionId: z.string().min(1).max(64).optional(),
    lines: z
      .array(
        z.object({
          lineNo: z.number().int().positive().optional(),
          skuCode: z.string().min(1).max(40),
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
  });
export type OrderRow = z.infer<typeof orderRow>;

export const refundRow = z.object({
  refundNo: z.string().min(1).max(64),
  orderNo: z.string().min(1).max(64),
  source: z.enum(['pos', 'mall']).default('pos'),
  refundedAt: when,
  amountFen: fen.refine((v) => v > 0, 'must be positive'),
});
export type RefundRow = z.infer<typeof refundRow>;

export const batchEnvelope = z.object({
  batchId: z.string().min(1).max(64),
  orders: z.array(z.unknown()).max(1000).default([]),
  refunds: z.array(z.unknown()).max(1000).default([]),
});

export interface RowProblem {
  kind: 'order' | 'refund';
  /** Index in the batch (webhook) or the sheet row number (files). */
  row: number;
  ref: string | null;
  field: string;
  code: string;
  message: string;
}

export interface IngestReport {
  batchId: string;
  replayed: boolean;
  orders: { accepted: number; duplicates: number };
  refunds: { accepted: number; duplicates: number; waitingForOrder: number };
  rejected: RowProblem[];
}

export function validateRows(
  orders: unknown[],
  refunds: unknown[],
  rows: { orders?: number[]; refunds?: number[] } = {},
) {
  const good: { orders: OrderRow[]; refunds: RefundRow[]; orderRows: number[] } = {
    orders: [],
    refunds: [],
    orderRows: [],
  };
  const rejected: RowProblem[] = [];
  const check = <T>(
    kind: 'order' | 'refund',
    schema: z.ZodType<T>,
    list: unknown[],
    out: T[],
    ref: (r: unknown) => string | null,
  ) =>
    list.forEach((r, i) => {
      const rowOf = (k: number) => (kind === 'order' ? rows.orders : rows.refunds)?.[k] ?? k;
      const p = schema.safeParse(r);
      if (p.success) {
        out.push(p.data);
        if (kind === 'order') good.orderRows.push(rowOf(i));
      } else
        for (const issue of p.error.issues.slice(0, 5))
          rejected.push({
            kind,
            row: rowOf(i),
            ref: ref(r),
            field: issue.path.join('.') || '(row)',
            code: issue.code,
            message: issue.message,
          });
    });
  const refOf = (key: string) => (r: unknown) =>
    r && typeof r === 'object' && key in r ? String((r as Record<string, unknown>)[key]) : null;
  check('order', orderRow, orders, good.orders, refOf('orderNo'));
  check('refund', refundRow, refunds, good.refunds, refOf('refundNo'));
  return { good, rejected };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

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
        .whereIn('code', [...new Set(good.orders.map((o) => o.storeCode))])
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
    const customerOf = await resolveCustomers(trx, corpId, orders);
    const insertedOrders = orders.length
      ? await trx('orders')
          .insert(
            orders.map((o) => ({
              corp_id: corpId,
              source: o.source,
              order_no: o.orderNo,
              store_id: stores.get(o.storeCode),
              customer_id: customerOf.get(o.orderNo) ?? null,
              member_no: o.memberNo ?? null,
              phone_hash: o.phone ? sha256(normalizePhone(o.phone)!) : null,
              unionid: o.unionid ?? null,
              paid_at: new Date(o.paidAt),
              gross_fen: o.grossFen,
              discount_fen: o.discountFen,
              net_fen: o.netFen,
              coupon_codes: o.couponCodes,
              payment_transaction_id: o.paymentTransactionId ?? null,
            })),
          )
          .onConflict(['corp_id', 'source', 'order_no'])
          .ignore()
          .returning<{ id: number; order_no: string; source: string }[]>(['id', 'order_no', 'source'])
      : [];
    const idOf = new Map(insertedOrders.map((o) => [`${o.source}:${o.order_no}`, o.id]));
    const lines = orders.flatMap((o) => {
      const id = idOf.get(`${o.source}:${o.orderNo}`);
      return id
        ? o.lines.map((l, k) => ({
            corp_id: corpId,
            order_id: id,
            line_no: l.lineNo ?? k + 1,
            sku_code: l.skuCode,
            qty: l.qty,
            net_fen: l.netFen,
          }))
        : [];
    });
    if (lines.length) {
      await trx('order_lines').insert(lines);
      await trx.raw(
        `update order_lines l set sku_id = s.id, category = p.category, size = s.size from skus s join products p on p.id = s.product_id
                      where l.order_id = any(?) and s.corp_id = ? and s.sku_code = l.sku_code`,
        [insertedOrders.map((o) => o.id), corpId],
      );
    }
    if (insertedOrders.length) {
      await trx.raw(
        `update coupons c set status = 'redeemed', redeemed_at = o.paid_at, redeemed_order_id = o.id
                      from orders o where o.id = any(?) and c.corp_id = o.corp_id and c.code = any(o.coupon_codes) and c.status = 'issued'`,
        [insertedOrders.map((o) => o.id)],
      );
    }
    const insertedRefunds = good.refunds.length
      ? await trx('refunds')
          .insert(
            good.refunds.map((r) => ({
              corp_id: corpId,
              source: r.source,
              refund_no: r.refundNo,
              order_no: r.orderNo,
              refunded_at: new Date(r.refundedAt),
              amount_fen: r.amountFen,
            })),
          )
          .onConflict(['corp_id', 'source', 'refund_no'])
          .ignore()
          .returning<{ id: number }[]>('id')
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
              .whereIn(
                'id',
                insertedRefunds.map((r) => r.id),
              )
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

/** member number, then unionid, then phone → the customer, in one query. */
async function resolveCustomers(db: Db, corpId: number, orders: OrderRow[]): Promise<Map<string, number>> {
  const keys = orders.flatMap((o) => [
    ...(o.memberNo ? [{ orderNo: o.orderNo, kind: 'member_no', value: o.memberNo, rank: 1 }] : []),
    ...(o.unionid ? [{ orderNo: o.orderNo, kind: 'unionid', value: o.unionid, rank: 2 }] : []),
    ...(o.phone ? [{ orderNo: o.orderNo, kind: 'phone_hash', value: sha256(normalizePhone(o.phone)!), rank: 3 }] : []),
  ]);
  if (keys.length === 0) return new Map();
  const r = await db.raw<{ rows: { order_no: string; customer_id: number }[] }>(
    `select distinct on (k.order_no) k.order_no, i.customer_id
       from unnest(?::text[], ?::text[], ?::text[], ?::int[]) as k(order_no, kind, value, rank)
       join customer_identities i on i.corp_id = ? and i.kind::text = k.kind and i.value = k.value
      order by k.order_no, k.rank`,
    [keys.map((k) => k.orderNo), keys.map((k) => k.kind), keys.map((k) => k.value), keys.map((k) => k.rank), corpId],
  );
  return new Map(r.rows.map((x) => [x.order_no, x.customer_id]));
}

/** Validates, stores and records a batch; a replayed batch id returns its first report. */
export async function ingestBatch(
  ctx: AppContext,
  corpId: number,
  source: string,
  envelope: z.infer<typeof batchEnvelope>,
  opts: { rows?: { orders?: number[]; refunds?: number[] }; problems?: RowProblem[]; requestId?: string } = {},
): Promise<IngestReport> {
  const prior = await ctx
    .db('ingest_batches')
    .where({ corp_id: corpId, source, batch_id: envelope.batchId })
    .first<{ report: IngestReport } | undefined>('report');
  if (prior) {
    // A re-send: its facts are stored; any of its orders still owed an attribution is queued again.
    await enqueueAttribution(
      ctx,
      corpId,
      await owedOrdersNamed(ctx.db, corpId, envelope.orders),
      `${source} batch ${envelope.batchId} re-sent`,
      opts.requestId ? { requestId: opts.requestId } : {},
    );
    return { ...prior.report, replayed: true };
  }
  const { good, rejected } = validateRows(envelope.orders, envelope.refunds, opts.rows);
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
    rejected,
  };
  await ctx
    .db('ingest_batches')
    .insert({
      corp_id: corpId,
      source,
      batch_id: envelope.batchId,
      orders: stored.orders.accepted,
      refunds: stored.refunds.accepted,
      rejected: rejected.length,
      report: JSON.stringify(report),
    })
    .onConflict(['corp_id', 'source', 'batch_id'])
    .ignore();
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

/**
 * Links an identity to a customer (e.g. a guide binds a member number); earlier orders carrying it
 * get the customer and are re-attributed. An identity already linked to another customer is a conflict.
 */
export async function linkIdentity(
  ctx: AppContext,
  corpId: number,
  customerId: number,
  kind: 'member_no' | 'phone' | 'unionid',
  raw: string,
  opts: { requestId?: string; field?: string } = {},
): Promise<number[]> {
  // Errors name the caller's field for the value (a route passes its body's).
  const field = opts.field ?? 'value';
  const value = kind === 'phone' ? normalizePhone(raw) : raw.trim();
  if (!value)
    throw new AppError('VALIDATION_FAILED', kind === 'phone' ? 'not a mainland mobile number' : `empty ${kind}`, {
      field,
    });
  const idKind = kind === 'phone' ? 'phone_hash' : kind;
  const stored = kind === 'phone' ? sha256(value) : value;
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corpId, kind: idKind, value: stored, customer_id: customerId })
    .onConflict(['corp_id', 'kind', 'value'])
    .ignore();
  const owner = await ctx
    .db('customer_identities')
    .where({ corp_id: corpId, kind: idKind, value: stored })
    .first<{ customer_id: number }>('customer_id');
  if (owner?.customer_id !== customerId)
    throw new AppError('CONFLICT', `this ${kind} is already linked to another customer`, { field });
  const reason = `identity ${kind} linked later`;
  const owed = await ctx.db.transaction(async (trx) => {
    const ids = await linkOrdersOfCustomers(trx, corpId, [customerId]);
    const o = owe('order', ids, { kind: 'identity', id: `${idKind}:${customerId}` });
    await requestAttribution(trx, corpId, o, reason, { queued: true });
    return o;
  });
  await enqueueAttribution(ctx, corpId, owed, reason, opts.requestId ? { requestId: opts.requestId } : {});
  return owed.map((o) => o.id);
}

/**
 * Gives orders that carry no customer yet the customer their member number, unionid or phone now
 * resolves to (member number first, then unionid, then phone), for these customers' identities —
 * set-based. Returns the orders linked now: their attribution may change.
 */
export async function linkOrdersOfCustomers(db: Db, corpId: number, customerIds: number[]): Promise<number[]> {
  if (customerIds.length === 0) return [];
  const r = await db.raw<{ rows: { id: number }[] }>(
    `update orders o set customer_id = m.customer_id
       from (
         select distinct on (o2.id) o2.id, i.customer_id
           from customer_identities i
           join orders o2 on o2.corp_id = i.corp_id and o2.customer_id is null
            and ((i.kind = 'member_no' and o2.member_no = i.value) or (i.kind = 'unionid' and o2.unionid = i.value) or (i.kind = 'phone_hash' and o2.phone_hash = i.value))
          where i.corp_id = ? and i.customer_id = any(?)
          order by o2.id, case i.kind when 'member_no' then 1 when 'unionid' then 2 else 3 end
       ) m
      where o.id = m.id and o.customer_id is null
      returning o.id`,
    [corpId, customerIds],
  );
  return r.rows.map((x) => x.id).sort((a, b) => a - b);
}
