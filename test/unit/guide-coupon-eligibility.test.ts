import { describe, expect, it } from 'vitest';
import {
  type CouponFacts,
  type Ineligible,
  type TemplateRule,
  couponIneligibility,
} from '../../core/guide/coupon-eligibility';
import { scriptCouponWhy as adminScriptCouponWhy } from '../../core/contracts/admin-scripts';
import { scriptCouponWhy } from '../../core/contracts/sidebar';

const tpl = (over: Partial<TemplateRule>): TemplateRule => ({
  id: 1,
  enabled: true,
  audience: 'any',
  minTier: null,
  oncePerCustomer: true,
  ...over,
});
const regular: CouponFacts = {
  orders: 5,
  sinceLastPaid: 20,
  toBirthday: 100,
  tier: '重点培养',
  redeemedTemplateIds: new Set(),
  openTemplateIds: new Set(),
};
const brandNew: CouponFacts = { ...regular, orders: 0, sinceLastPaid: null, tier: null };

describe('coupon eligibility (the rule table in core/guide/coupon-eligibility.ts)', () => {
  // [case, template, customer, reason or null when offered]
  const table: [string, TemplateRule, CouponFacts, Ineligible | null][] = [
    ['an open template to anyone', tpl({}), regular, null],
    ['a template switched off', tpl({ enabled: false }), regular, 'disabled'],
    ['once per customer: she redeemed one', tpl({}), { ...regular, redeemedTemplateIds: new Set([1]) }, 'already_used'],
    [
      'not once per customer: again',
      tpl({ oncePerCustomer: false }),
      { ...regular, redeemedTemplateIds: new Set([1]) },
      null,
    ],
    [
      'she holds an unused one (once per customer)',
      tpl({}),
      { ...regular, openTemplateIds: new Set([1]) },
      'already_has',
    ],
    [
      'holding one does not block a repeatable template',
      tpl({ oncePerCustomer: false }),
      { ...regular, openTemplateIds: new Set([1]) },
      null,
    ],
    ['another template’s coupon does not count', tpl({}), { ...regular, redeemedTemplateIds: new Set([2]) }, null],
    ['new-customer coupon to a new customer', tpl({ audience: 'new' }), brandNew, null],
    ['new-customer coupon to a buyer', tpl({ audience: 'new' }), regular, 'not_new'],
    // A VIP who already used the new-customer coupon: the use is the reason given.
    [
      'new-customer coupon to a VIP who used it',
      tpl({ audience: 'new' }),
      { ...regular, tier: '超级VIP', redeemedTemplateIds: new Set([1]) },
      'already_used',
    ],
    ['birthday coupon 30 days ahead', tpl({ audience: 'birthday' }), { ...regular, toBirthday: 30 }, null],
    ['birthday coupon 31 days ahead', tpl({ audience: 'birthday' }), { ...regular, toBirthday: 31 }, 'not_birthday'],
    [
      'birthday coupon, birthday unknown',
      tpl({ audience: 'birthday' }),
      { ...regular, toBirthday: null },
      'not_birthday',
    ],
    ['lapsed coupon after 90 days', tpl({ audience: 'lapsed' }), { ...regular, sinceLastPaid: 90 }, null],
    ['lapsed coupon after 89 days', tpl({ audience: 'lapsed' }), { ...regular, sinceLastPaid: 89 }, 'not_lapsed'],
    ['lapsed coupon to one who never bought', tpl({ audience: 'lapsed' }), brandNew, 'not_lapsed'],
    ['min tier met exactly', tpl({ minTier: '重点培养' }), regular, null],
    ['min tier exceeded', tpl({ minTier: '重点培养' }), { ...regular, tier: '超级VIP' }, null],
    ['min tier not met', tpl({ minTier: '重点培养' }), { ...regular, tier: '重点促活' }, 'tier'],
    ['min tier and no purchase', tpl({ minTier: '重点促活' }), brandNew, 'tier'],
    [
      'fixed dates, before the first day',
      tpl({ validFrom: '2026-12-20', validUntil: '2026-12-31' }),
      { ...regular, today: '2026-12-19' },
      'not_started',
    ],
    [
      'fixed dates, on the first day',
      tpl({ validFrom: '2026-12-20', validUntil: '2026-12-31' }),
      { ...regular, today: '2026-12-20' },
      null,
    ],
    [
      'fixed dates, on the last day',
      tpl({ validFrom: '2026-12-20', validUntil: '2026-12-31' }),
      { ...regular, today: '2026-12-31' },
      null,
    ],
    [
      'fixed dates, after the last day',
      tpl({ validFrom: '2026-12-20', validUntil: '2026-12-31' }),
      { ...regular, today: '2027-01-01' },
      'ended',
    ],
    [
      'a retired template outside its dates: switched off is the reason',
      tpl({ enabled: false, validUntil: '2020-01-01' }),
      { ...regular, today: '2026-12-01' },
      'disabled',
    ],
    ['daily limit not reached', tpl({ guideDailyLimit: 2 }), { ...regular, guideIssuedToday: new Map([[1, 1]]) }, null],
    [
      'daily limit reached',
      tpl({ guideDailyLimit: 2 }),
      { ...regular, guideIssuedToday: new Map([[1, 2]]) },
      'guide_daily_limit',
    ],
    [
      'another template’s issues do not count',
      tpl({ guideDailyLimit: 2 }),
      { ...regular, guideIssuedToday: new Map([[2, 5]]) },
      null,
    ],
    [
      'monthly limit reached',
      tpl({ guideMonthlyLimit: 10 }),
      { ...regular, guideIssuedMonth: new Map([[1, 10]]) },
      'guide_monthly_limit',
    ],
    [
      'the customer’s own reason comes before the guide’s limit',
      tpl({ audience: 'new', guideDailyLimit: 1 }),
      { ...regular, guideIssuedToday: new Map([[1, 1]]) },
      'not_new',
    ],
  ];
  it.each(table)('%s', (_case, t, facts, reason) => {
    expect(couponIneligibility(t, facts)).toBe(reason);
  });
});

describe('the reasons are one list', () => {
  // Contracts import only zod, so the admin script contract repeats the sidebar's list: they must agree.
  it('the admin script preview names the same coupon reasons as the sidebar', () => {
    expect(adminScriptCouponWhy.options).toEqual(scriptCouponWhy.options);
  });
});
