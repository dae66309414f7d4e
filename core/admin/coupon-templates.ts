/**
 * Coupon templates, as the brand admin writes them: face value or discount, threshold, validity
 * (N days after issue, or fixed days), who may get one (audience, value tier, once per customer)
 * and how many a guide may issue per day and per month. Who may be offered one is decided in one
 * place only — core/guide/coupon-eligibility.ts, read by the sidebar's offers and re-checked when a
 * guide issues (core/guide/actions.ts issueCoupon). An edit changes only coupons issued from then
 * on: each coupon keeps the terms and expiry it was issued with. Every change is audited.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { recordAudit } from '../commission/audit';
import type { AppContext } from '../context';
import type { CouponTemplate, CouponTemplateBody } from '../contracts/admin-coupons';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

interface Row {
  id: string;
  code: string;
  name: string;
  kind: 'cash' | 'discount';
  value_fen: string | null;
  discount_bp: number | null;
  min_spend_fen: string;
  valid_days: number | null;
  valid_from: string | null;
  valid_until: string | null;
  audience: CouponTemplate['audience'];
  min_tier: string | null;
  once_per_customer: boolean;
  guide_daily_limit: number | null;
  guide_monthly_limit: number | null;
  enabled: boolean;
  retired_at: Date | null;
  updated_at: Date;
  issued: string;
  redeemed: string;
}

const view = (r: Row): CouponTemplate => ({
  id: Number(r.id),
  code: r.code,
  name: r.name,
  kind: r.kind,
  valueFen: r.value_fen === null ? null : Number(r.value_fen),
  discountBp: r.discount_bp,
  minSpendFen: Number(r.min_spend_fen),
  validDays: r.valid_days,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  audience: r.audience,
  minTier: r.min_tier,
  oncePerCustomer: r.once_per_customer,
  guideDailyLimit: r.guide_daily_limit,
  guideMonthlyLimit: r.guide_monthly_limit,
  enabled: r.enabled,
  retiredAt: r.retired_at?.toISOString() ?? null,
  updatedAt: r.updated_at.toISOString(),
  issued: Number(r.issued),
  redeemed: Number(r.redeemed),
});

/** The corp's templates, live ones first, each with how many were issued and redeemed. */
export async function listCouponTemplates(db: Db, p: Principal, onlyId?: number): Promise<CouponTemplate[]> {
  const q = db('coupon_templates as t')
    .where({ 't.corp_id': p.corpId })
    .select<Row[]>(
      't.id',
      't.code',
      't.name',
      't.kind',
      't.value_fen',
      't.discount_bp',
      't.min_spend_fen',
      't.valid_days',
      db.raw('t.valid_from::text as valid_from'),
      db.raw('t.valid_until::text as valid_until'),
      't.audience',
      't.min_tier',
      't.once_per_customer',
      't.guide_daily_limit',
      't.guide_monthly_limit',
      't.enabled',
      't.retired_at',
      't.updated_at',
      db.raw('(select count(*) from coupons c where c.template_id = t.id and c.voided_at is null) as issued'),
      db.raw(`(select count(*) from coupons c where c.template_id = t.id and c.status = 'redeemed') as redeemed`),
    )
    .orderByRaw('t.retired_at is not null, t.id desc');
  if (onlyId !== undefined) void q.where('t.id', onlyId);
  return (await q).map(view);
}

/** 2026-02-30 matches the pattern but is no day. */
const isCalendarDay = (d: string) => {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
};

/** The cross-field rules the body's schema cannot say, each naming its field. */
function columns(b: CouponTemplateBody) {
  if (b.kind === 'cash' && b.valueFen === null)
    throw new AppError('VALIDATION_FAILED', 'a cash coupon needs its value', { field: 'body.valueFen' });
  if (b.kind === 'discount' && b.discountBp === null)
    throw new AppError('VALIDATION_FAILED', 'a discount coupon needs its rate', { field: 'body.discountBp' });
  const dated = b.validFrom !== null || b.validUntil !== null;
  if (b.validDays === null && !dated)
    throw new AppError('VALIDATION_FAILED', 'say how long it is valid: days after issue, or fixed dates', {
      field: 'body.validDays',
    });
  if (b.validDays !== null && dated)
    throw new AppError('VALIDATION_FAILED', 'valid either N days after issue or between fixed dates, not both', {
      field: 'body.validDays',
    });
  if (dated && (b.validFrom === null || b.validUntil === null))
    throw new AppError('VALIDATION_FAILED', 'fixed dates need a first and a last day', {
      field: b.validFrom === null ? 'body.validFrom' : 'body.validUntil',
    });
  for (const f of ['validFrom', 'validUntil'] as const)
    if (b[f] !== null && !isCalendarDay(b[f]))
      throw new AppError('VALIDATION_FAILED', `${b[f]} is not a calendar day`, { field: `body.${f}` });
  if (dated && b.validFrom! > b.validUntil!)
    throw new AppError('VALIDATION_FAILED', 'the last day comes before the first', { field: 'body.validUntil' });
  if (b.kind === 'cash' && b.minSpendFen > 0 && b.valueFen! >= b.minSpendFen)
    throw new AppError('VALIDATION_FAILED', 'the value must be below the minimum spend', { field: 'body.valueFen' });
  if (b.guideDailyLimit !== null && b.guideMonthlyLimit !== null && b.guideDailyLimit > b.guideMonthlyLimit)
    throw new AppError('VALIDATION_FAILED', 'the daily limit is above the monthly one', {
      field: 'body.guideDailyLimit',
    });
  return {
    name: b.name,
    kind: b.kind,
    value_fen: b.kind === 'cash' ? b.valueFen : null,
    discount_bp: b.kind === 'discount' ? b.discountBp : null,
    min_spend_fen: b.minSpendFen,
    valid_days: b.validDays,
    valid_from: b.validFrom,
    valid_until: b.validUntil,
    audience: b.audience,
    min_tier: b.minTier,
    once_per_customer: b.oncePerCustomer,
    guide_daily_limit: b.guideDailyLimit,
    guide_monthly_limit: b.guideMonthlyLimit,
  };
}

export async function createCouponTemplate(
  ctx: AppContext,
  p: Principal,
  b: CouponTemplateBody,
  requestId: string,
): Promise<CouponTemplate> {
  const cols = columns(b);
  const id = await ctx.db.transaction(async (trx) => {
    const [row] = await trx('coupon_templates')
      .insert({ corp_id: p.corpId, code: `T${randomBytes(6).toString('hex').toUpperCase()}`, ...cols })
      .returning<{ id: string }[]>('id');
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'coupon_template.create',
      entity: 'coupon_template',
      entityId: row!.id,
      detail: { ...b },
      requestId,
    });
    return Number(row!.id);
  });
  return (await listCouponTemplates(ctx.db, p, id))[0]!;
}

async function lockedTemplate(trx: Db, p: Principal, id: number) {
  const t = await trx('coupon_templates')
    .where({ corp_id: p.corpId, id })
    .forUpdate()
    .first<Record<string, unknown> | undefined>();
  if (!t) throw new AppError('NOT_FOUND', `no coupon template ${id}`, { field: 'params.id' });
  return t;
}

/**
 * Replaces a template's terms. Coupons already issued keep theirs (their own columns and
 * expires_at); the audit entry carries the terms before and after.
 */
export async function editCouponTemplate(
  ctx: AppContext,
  p: Principal,
  id: number,
  b: CouponTemplateBody,
  requestId: string,
): Promise<CouponTemplate> {
  const cols = columns(b);
  await ctx.db.transaction(async (trx) => {
    const before = await lockedTemplate(trx, p, id);
    if (before.retired_at)
      throw new AppError('CONFLICT', 'a retired template cannot be edited; create a new one', { field: 'params.id' });
    await trx('coupon_templates')
      .where({ id })
      .update({ ...cols, updated_at: trx.fn.now() });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'coupon_template.edit',
      entity: 'coupon_template',
      entityId: id,
      detail: { before: { ...before, corp_id: undefined }, after: { ...b } },
      requestId,
    });
  });
  return (await listCouponTemplates(ctx.db, p, id))[0]!;
}

/**
 * Retires a template: guides can no longer issue it and campaigns no longer offer it; coupons
 * already issued stay valid until they expire. Retiring twice returns the first retirement.
 */
export async function retireCouponTemplate(
  ctx: AppContext,
  p: Principal,
  id: number,
  reason: string | null,
  requestId: string,
): Promise<CouponTemplate> {
  await ctx.db.transaction(async (trx) => {
    const t = await lockedTemplate(trx, p, id);
    if (t.retired_at) return;
    await trx('coupon_templates')
      .where({ id })
      .update({ enabled: false, retired_at: trx.fn.now(), updated_at: trx.fn.now() });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'coupon_template.retire',
      entity: 'coupon_template',
      entityId: id,
      detail: { why: reason },
      requestId,
    });
  });
  return (await listCouponTemplates(ctx.db, p, id))[0]!;
}
