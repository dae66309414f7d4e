/**
 * A coupon's lifecycle: issued (a code reserved for a chat) → sent (it went into the chat) →
 * redeemed, or voided, or expired (expires_at passed; not stored). The times are the facts the
 * attribution engine reads (rules.ts); `status` and `redeemed_order_id` are their summary, kept
 * here for the sidebar and recomputed from the facts whenever one changes, so they never depend
 * on which order, send or void arrived first.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { enqueueAttribution, owe, requestAttribution } from '../attribution/outbox';

dayjs.extend(utc);
dayjs.extend(timezone);

/** A template's validity: N days after issue, or fixed days (YYYY-MM-DD, the tenant's zone). */
export interface Validity {
  validDays: number | null;
  validUntil: string | null;
}

/**
 * When a coupon issued at `issuedAt` expires: N days later, or at the end of the template's last
 * day in the tenant's zone. The coupon keeps it: a later template edit does not move it.
 */
export function couponExpiry(v: Validity, issuedAt: Date, timeZone: string): Date {
  if (v.validDays !== null) return dayjs(issuedAt).add(v.validDays, 'day').toDate();
  return dayjs.tz(v.validUntil!, timeZone).add(1, 'day').toDate();
}

/**
 * Status and redemption from the facts: the coupon is redeemed by the earliest paid order naming
 * it that it was valid for (issued and — a guide coupon — sent before the purchase, not expired
 * at it); a voided coupon is redeemed by none. Ties by source and order number in code-unit
 * order, as `couponHolder` in rules.ts picks. The POS ingest runs the same statement over the coupons its orders name.
 */
const SETTLE = `
with h as (
  select c.id, (select r.id from orders r
                 where r.corp_id = c.corp_id and r.coupon_codes @> array[c.code::text]
                   and r.paid_at > c.issued_at and r.paid_at < c.expires_at
                   and (c.guide_id is null or r.paid_at > c.sent_at)
                   and c.voided_at is null
                 order by r.paid_at, r.source::text collate "C", r.order_no collate "C", r.id limit 1) as order_id
    from coupons c where c.corp_id = ? and c.code = any(?::text[]))
update coupons c
   set redeemed_order_id = h.order_id,
       redeemed_at = (select o.paid_at from orders o where o.id = h.order_id),
       status = (case when c.voided_at is not null then 'void' when h.order_id is not null then 'redeemed'
                      when c.sent_at is not null then 'sent' else 'issued' end)::coupon_status
  from h where c.id = h.id`;

export async function settleCoupons(db: Db, corpId: number, codes: string[]): Promise<void> {
  if (codes.length) await db.raw(SETTLE, [corpId, [...new Set(codes)]]);
}

/** Orders naming any of these codes: whichever of them a coupon credits may change with its facts. */
export async function ordersNamingCoupons(db: Db, corpId: number, codes: string[]): Promise<number[]> {
  if (codes.length === 0) return [];
  return db('orders')
    .where({ corp_id: corpId })
    .whereRaw('coupon_codes && ?::text[]', [codes])
    .orderBy('id')
    .pluck<number[]>('id');
}

/** In the transaction that changed a coupon's facts: the orders naming it are owed a re-attribution (the outbox). */
async function oweCouponOrders(db: Db, corpId: number, code: string, reason: string): Promise<void> {
  const orderIds = await ordersNamingCoupons(db, corpId, [code]);
  await requestAttribution(db, corpId, owe('order', orderIds, { kind: 'coupon', id: code }), reason, { queued: true });
}

/** Queues the re-attribution of the orders naming these coupons (after the commit that changed their facts). */
export async function reattributeCouponOrders(
  ctx: AppContext,
  corpId: number,
  codes: string[],
  reason: string,
  requestId?: string,
): Promise<number> {
  const orderIds = await ordersNamingCoupons(ctx.db, corpId, codes);
  const cause = { kind: 'coupon', id: codes.length === 1 ? codes[0]! : null } as const;
  await enqueueAttribution(ctx, corpId, owe('order', orderIds, cause), reason, requestId ? { requestId } : {});
  return orderIds.length;
}

/** The coupon went into the chat at `at`: its first send is the one that counts. True when it was not sent before. */
export async function markCouponSent(db: Db, corpId: number, code: string, at: Date): Promise<boolean> {
  const n = await db('coupons').where({ corp_id: corpId, code }).whereNull('sent_at').update({ sent_at: at });
  await settleCoupons(db, corpId, [code]);
  if (n > 0) await oweCouponOrders(db, corpId, code, `coupon ${code} sent`);
  return n > 0;
}

/** The coupon is withdrawn at `at`: it credits no order from now on. The first void counts. True when it was not void before. */
export async function markCouponVoided(
  db: Db,
  corpId: number,
  code: string,
  at: Date,
  by: number | null,
  reason: string | null,
): Promise<boolean> {
  const n = await db('coupons')
    .where({ corp_id: corpId, code })
    .whereNull('voided_at')
    .update({ voided_at: at, voided_by: by, void_reason: reason });
  await settleCoupons(db, corpId, [code]);
  if (n > 0) await oweCouponOrders(db, corpId, code, `coupon ${code} voided`);
  return n > 0;
}

export interface VoidedCoupon {
  code: string;
  status: 'void';
  voidedAt: string;
  /** Orders naming the coupon, queued for re-attribution. */
  reattributedOrders: number;
}

/**
 * Voids a coupon: its issuing guide or an admin may. A void withdraws it whenever it came — it
 * then credits no order — so the orders naming it are re-attributed after the commit (the one it
 * credited falls to the next rule; in a closed period the change is posted as adjustment lines).
 * Voiding twice returns the first void.
 */
export async function voidCoupon(
  ctx: AppContext,
  p: Principal,
  code: string,
  reason: string | null,
  requestId?: string,
): Promise<VoidedCoupon> {
  const result = await ctx.db.transaction(async (trx) => {
    const c = await trx('coupons')
      .where({ corp_id: p.corpId, code })
      .forUpdate()
      .first<{ guide_id: number | null; voided_at: Date | null } | undefined>('guide_id', 'voided_at');
    if (!c) throw new AppError('NOT_FOUND', `no coupon ${code}`, { field: 'params.code' });
    if (p.role !== 'admin' && (p.guideId === null || p.guideId !== c.guide_id))
      throw new AppError('FORBIDDEN', 'only the guide who issued this coupon, or an admin, may void it', {
        field: 'params.code',
      });
    if (c.voided_at) return { voidedAt: c.voided_at, changed: false };
    const at = new Date();
    await markCouponVoided(trx, p.corpId, code, at, p.userId, reason);
    return { voidedAt: at, changed: true };
  });
  const reattributedOrders = result.changed
    ? await reattributeCouponOrders(ctx, p.corpId, [code], `coupon ${code} voided`, requestId)
    : 0;
  return { code, status: 'void', voidedAt: result.voidedAt.toISOString(), reattributedOrders };
}
