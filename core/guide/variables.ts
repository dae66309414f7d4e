/**
 * Resolves every script variable for one customer from the right person and the right object
 * (the table is in core/contracts/script-vars.ts): her own size for {{尺码}}, her baby's age and
 * size for {{宝宝月龄}} / {{宝宝尺码}}, the pitched product, and the coupon the script offers — its
 * own name, value and expiry. Pure; a value it cannot find is null, and a script needing it is not
 * recommended. The sidebar's recommendations and the admin console's preview both resolve here.
 */
import { type ScriptVariable, formOfAddress } from '../contracts/script-vars';
import type { ScriptCouponWhy } from '../contracts/sidebar';
import type { Ineligible } from './coupon-eligibility';
import { ageInMonths } from './derive';
import { localDay } from './occasions';
import { couponExpiry } from '../coupons/coupons';

/** Adult categories {{尺码}} falls back to, in order, when no product is chosen. */
export const OWN_SIZE_ORDER = ['shoes', 'tops', 'bottoms'] as const;
export const KIDS_CATEGORY = 'kids';

export interface VariableSources {
  customer: { name: string; gender: number; remark: string | null; babyBirthday: string | null };
  /** Sizes per category; `kids` is the baby's. */
  sizes: Record<string, string>;
  guide: { name: string; store: string };
  product?: { name: string; category: string } | undefined;
  /** The coupon the script offers (couponForScript); none: the coupon variables stay empty. */
  coupon?: ScriptCoupon | null | undefined;
  today: string;
  timeZone: string;
}

export type ResolvedVariables = Record<Exclude<ScriptVariable, '称呼' | '导购' | '门店'>, string | null> & {
  称呼: string;
  导购: string;
  门店: string;
};

/** 8个月, 1岁, 1岁2个月; null before birth. */
export function babyAge(babyBirthday: string | null, today: string): string | null {
  if (!babyBirthday || babyBirthday.slice(0, 10) > today) return null;
  const m = ageInMonths(babyBirthday.slice(0, 10), today);
  if (m < 12) return `${m}个月`;
  return m % 12 === 0 ? `${Math.floor(m / 12)}岁` : `${Math.floor(m / 12)}岁${m % 12}个月`;
}

/** A coupon as a script names it: the template's name and value, and the expiry it has (or would have). */
export interface ScriptCoupon {
  name: string;
  expiresAt: string;
  /** 50元 / 8.5折 */
  value: string;
}

/** What a template says of its value: cash in yuan, a discount in 折. */
export function couponValueText(t: { kind: 'cash' | 'discount'; valueFen: number | null; discountBp: number | null }) {
  if (t.kind === 'cash') {
    const yuan = (t.valueFen ?? 0) / 100;
    return `${Number.isInteger(yuan) ? yuan : yuan.toFixed(2)}元`;
  }
  const zhe = (t.discountBp ?? 10_000) / 1000;
  return `${Number.isInteger(zhe) ? zhe : Number(zhe.toFixed(2))}折`;
}

export interface OfferedTemplate {
  id: number;
  name: string;
  kind: 'cash' | 'discount';
  valueFen: number | null;
  discountBp: number | null;
  /** The template's validity (core/coupons/coupons.ts couponExpiry): N days after issue, or until a fixed day. */
  validDays: number | null;
  validUntil: string | null;
}

/** Her own sent, unexpired coupon of the template: its expiry and the terms it was issued with. */
export interface HeldCoupon {
  expiresAt: string;
  terms?: Pick<OfferedTemplate, 'name' | 'kind' | 'valueFen' | 'discountBp'>;
}

/**
 * The coupon a script offers, for one customer:
 *
 * | the script                        | she                                   | the coupon variables            |
 * |-----------------------------------|---------------------------------------|---------------------------------|
 * | offers no template                | —                                     | unfilled: no_template           |
 * | offers template T                 | holds a sent, unexpired coupon of T   | T's name and value, her expiry  |
 * | offers template T                 | may not be offered T (eligibility)    | unfilled: the eligibility reason |
 * | offers template T                 | may be offered T                      | T's name and value, expiry if issued now |
 */
export function couponForScript(
  template: OfferedTemplate | null,
  held: HeldCoupon | null,
  ineligible: Ineligible | null,
  now: Date,
  timeZone: string,
): { coupon: ScriptCoupon | null; reason: ScriptCouponWhy | null } {
  if (!template) return { coupon: null, reason: 'no_template' };
  if (held) {
    // Her coupon keeps the terms it was issued with, whatever the template says since.
    const terms = held.terms ?? template;
    return { coupon: { name: terms.name, expiresAt: held.expiresAt, value: couponValueText(terms) }, reason: null };
  }
  if (ineligible) return { coupon: null, reason: ineligible };
  // As issueCoupon would issue it now: the template's validity from this moment.
  const expiresAt = couponExpiry(template, now, timeZone).toISOString();
  return { coupon: { name: template.name, expiresAt, value: couponValueText(template) }, reason: null };
}

export function resolveVariables(s: VariableSources): ResolvedVariables {
  const own = s.product
    ? s.product.category === KIDS_CATEGORY
      ? null
      : (s.sizes[s.product.category] ?? null)
    : (OWN_SIZE_ORDER.map((k) => s.sizes[k]).find(Boolean) ?? null);
  const hasBaby = s.customer.babyBirthday !== null;
  // The last day it is valid: a coupon ending at a day's midnight is valid through the day before.
  const expiry = s.coupon
    ? localDay(new Date(Date.parse(s.coupon.expiresAt) - 1), s.timeZone)
        .split('-')
        .map(Number)
    : null;
  return {
    称呼: formOfAddress(s.customer.name, s.customer.gender, s.customer.remark),
    导购: s.guide.name,
    门店: s.guide.store,
    尺码: own,
    宝宝月龄: babyAge(s.customer.babyBirthday, s.today),
    宝宝尺码: hasBaby ? (s.sizes[KIDS_CATEGORY] ?? null) : null,
    商品: s.product?.name ?? null,
    优惠券: s.coupon?.name ?? null,
    券有效期: expiry ? `${expiry[1]}月${expiry[2]}日` : null,
    券面额: s.coupon?.value ?? null,
  };
}
