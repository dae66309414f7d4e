/**
 * Which coupon templates a guide may offer this customer, and why not the others. Pure; the
 * facts come from couponOffers (the one query), and test/unit/guide-coupon-eligibility.test.ts
 * walks the table. The first rule that refuses gives the reason.
 *
 * | rule                | refuses when                                                   | reason        |
 * |---------------------|----------------------------------------------------------------|---------------|
 * | switched on         | the template is switched off (or retired)                      | disabled      |
 * | fixed dates         | today (tenant zone) is before its first day                    | not_started   |
 * |                     | today is after its last day                                    | ended         |
 * | once per customer   | (once_per_customer) she already redeemed one of this template  | already_used  |
 * |                     | (once_per_customer) she holds a sent, unexpired, unused one    | already_has   |
 * | audience new        | she has bought before                                          | not_new       |
 * | audience birthday   | her birthday is not within the next 30 days (or unknown)       | not_birthday  |
 * | audience lapsed     | she never bought, or bought within the last 90 days            | not_lapsed    |
 * | min tier            | her value tier (from 180 days' spend) is below the template's  | tier          |
 * | guide's daily limit | this guide issued as many of it today (tenant zone) as allowed | guide_daily_limit   |
 * | guide's monthly     | … this calendar month                                          | guide_monthly_limit |
 *
 * The guide's limits count her own issues from the sidebar that were not voided (a sheet closed
 * without sending voids its coupon, so it does not count); coupons a campaign issues in her name do
 * not count. issueCoupon re-checks the table under a per-guide, per-template lock, so two taps at
 * once cannot both pass a limit.
 */
import type { z } from 'zod';
import type { couponIneligible } from '../contracts/sidebar';
import { VALUE_TIERS } from './derive';

export const COUPON_AUDIENCES = ['any', 'new', 'birthday', 'lapsed'] as const;
export type CouponAudience = (typeof COUPON_AUDIENCES)[number];
/** The reasons, as the sidebar contract names them (one list: core/contracts/sidebar.ts `couponIneligible`). */
export type Ineligible = z.infer<typeof couponIneligible>;

export const COUPON_WINDOWS = { birthdayAhead: 30, lapsedDays: 90 } as const;
/** Lowest to highest. */
export const TIER_ORDER: string[] = [VALUE_TIERS.reactivate, VALUE_TIERS.grow, VALUE_TIERS.top];

export interface TemplateRule {
  id: number;
  enabled: boolean;
  audience: CouponAudience;
  minTier: string | null;
  oncePerCustomer: boolean;
  /** Fixed-date validity, days in the tenant's zone (YYYY-MM-DD); absent: N days after issue. */
  validFrom?: string | null;
  validUntil?: string | null;
  /** Most issues per guide per day / per calendar month; absent or null: no limit. */
  guideDailyLimit?: number | null;
  guideMonthlyLimit?: number | null;
}

export interface CouponFacts {
  orders: number;
  /** Calendar days since her last purchase in the tenant's zone; null if she never bought. */
  sinceLastPaid: number | null;
  /** Days until her next birthday; null when unknown. */
  toBirthday: number | null;
  /** Her value tier, or null with no purchase. */
  tier: string | null;
  redeemedTemplateIds: ReadonlySet<number>;
  openTemplateIds: ReadonlySet<number>;
  /** Today in the tenant's zone (YYYY-MM-DD); needed for fixed-date templates. */
  today?: string;
  /** This guide's issues per template today and this month (not voided, not a campaign's). */
  guideIssuedToday?: ReadonlyMap<number, number>;
  guideIssuedMonth?: ReadonlyMap<number, number>;
}

export function couponIneligibility(t: TemplateRule, f: CouponFacts): Ineligible | null {
  if (!t.enabled) return 'disabled';
  if (t.validFrom && f.today && f.today < t.validFrom) return 'not_started';
  if (t.validUntil && f.today && f.today > t.validUntil) return 'ended';
  if (t.oncePerCustomer && f.redeemedTemplateIds.has(t.id)) return 'already_used';
  if (t.oncePerCustomer && f.openTemplateIds.has(t.id)) return 'already_has';
  if (t.audience === 'new' && f.orders > 0) return 'not_new';
  if (t.audience === 'birthday' && (f.toBirthday === null || f.toBirthday > COUPON_WINDOWS.birthdayAhead))
    return 'not_birthday';
  if (t.audience === 'lapsed' && (f.sinceLastPaid === null || f.sinceLastPaid < COUPON_WINDOWS.lapsedDays))
    return 'not_lapsed';
  if (t.minTier && TIER_ORDER.indexOf(f.tier ?? '') < TIER_ORDER.indexOf(t.minTier)) return 'tier';
  if (t.guideDailyLimit && (f.guideIssuedToday?.get(t.id) ?? 0) >= t.guideDailyLimit) return 'guide_daily_limit';
  if (t.guideMonthlyLimit && (f.guideIssuedMonth?.get(t.id) ?? 0) >= t.guideMonthlyLimit) return 'guide_monthly_limit';
  return null;
}
