import { describe, expect, it } from 'vitest';
import { previewText, variablesOf } from '../../core/contracts/script-vars';
import { localDay, occasionsFor, type OccasionInput } from '../../core/guide/occasions';
import { type CustomerContext, type Targeting, score } from '../../core/guide/scripts';
import type { Ineligible } from '../../core/guide/coupon-eligibility';
import {
  type HeldCoupon,
  type OfferedTemplate,
  babyAge,
  couponForScript,
  couponValueText,
  resolveVariables,
  type VariableSources,
} from '../../core/guide/variables';

const SH = 'Asia/Shanghai';
const base: VariableSources = {
  customer: { name: '王雅琴', gender: 2, remark: null, babyBirthday: '2026-01-15' },
  sizes: { shoes: '37', tops: 'M', kids: '90' },
  guide: { name: '李翠', store: '徐汇店' },
  today: '2026-12-01',
  timeZone: SH,
};

describe('variable resolver: each variable from its own person and object', () => {
  // [case, sources, variable, expected]
  const table: [string, Partial<VariableSources>, string, string | null][] = [
    ['称呼 from surname and gender', {}, '称呼', '王女士'],
    ['称呼 for a man', { customer: { ...base.customer, name: '刘强', gender: 1 } }, '称呼', '刘先生'],
    ['称呼: the remark wins', { customer: { ...base.customer, remark: '琴姐' } }, '称呼', '琴姐'],
    ['导购 is the guide', {}, '导购', '李翠'],
    ['门店 is the guide’s store', {}, '门店', '徐汇店'],
    ['尺码 without a product: her own shoes', {}, '尺码', '37'],
    ['尺码 never falls back to the baby’s size', { sizes: { kids: '90' } }, '尺码', null],
    ['尺码 for a product: her size in its category', { product: { name: '针织开衫', category: 'tops' } }, '尺码', 'M'],
    ['尺码 for a kids’ product is not hers', { product: { name: '连体衣', category: 'kids' } }, '尺码', null],
    ['宝宝尺码 is the baby’s', {}, '宝宝尺码', '90'],
    ['宝宝尺码 needs a baby', { customer: { ...base.customer, babyBirthday: null } }, '宝宝尺码', null],
    ['宝宝月龄 from the baby’s birth date', {}, '宝宝月龄', '10个月'],
    [
      '宝宝月龄 before birth is unknown',
      { customer: { ...base.customer, babyBirthday: '2027-03-01' } },
      '宝宝月龄',
      null,
    ],
    ['商品 is the pitched product', { product: { name: '针织开衫', category: 'tops' } }, '商品', '针织开衫'],
    ['商品 without a product is unknown', {}, '商品', null],
    [
      '优惠券 is the coupon’s name',
      { coupon: { name: '老友回归30元', expiresAt: '2026-12-29T15:59:59Z', value: '30元' } },
      '优惠券',
      '老友回归30元',
    ],
    // 15:59:59 UTC on the 29th is 23:59:59 in Shanghai: the coupon's own day, in the tenant's zone.
    [
      '券有效期 is the coupon’s own expiry, tenant day',
      { coupon: { name: 'x', expiresAt: '2026-12-29T15:59:59Z', value: '30元' } },
      '券有效期',
      '12月29日',
    ],
    [
      '券有效期 just after midnight in Shanghai',
      { coupon: { name: 'x', expiresAt: '2026-12-29T16:30:00Z', value: '30元' } },
      '券有效期',
      '12月30日',
    ],
    ['no coupon, no 优惠券', { coupon: null }, '优惠券', null],
    ['no coupon, no 券有效期', { coupon: null }, '券有效期', null],
    [
      '券面额 is the coupon’s own value',
      { coupon: { name: 'x', expiresAt: '2026-12-29T16:30:00Z', value: '50元' } },
      '券面额',
      '50元',
    ],
    ['no coupon, no 券面额', { coupon: null }, '券面额', null],
  ];
  it.each(table)('%s', (_case, over, variable, expected) => {
    const v = resolveVariables({ ...base, ...over }) as Record<string, string | null>;
    expect(v[variable]).toBe(expected);
  });

  it('writes a baby’s age in months, then years and months', () => {
    expect(babyAge('2026-11-01', '2026-12-01')).toBe('1个月');
    expect(babyAge('2025-12-01', '2026-12-01')).toBe('1岁');
    expect(babyAge('2025-10-01', '2026-12-01')).toBe('1岁2个月');
    expect(babyAge(null, '2026-12-01')).toBeNull();
  });

  it('lists never show {{…}}: a missing value is a readable blank', () => {
    const text = '{{称呼}}，{{商品}}有您的{{尺码}}码';
    expect(previewText(text, { 称呼: '王女士', 尺码: '37', 商品: null })).toBe('王女士，【商品】有您的37码');
    expect(variablesOf([text, '{{ 优惠券 }}'])).toEqual(['称呼', '商品', '尺码', '优惠券']);
  });
});

describe('the coupon a script offers (couponForScript)', () => {
  const NEW50: OfferedTemplate = {
    id: 1,
    name: '新客立减50元',
    kind: 'cash',
    valueFen: 5000,
    discountBp: null,
    validDays: 30,
    validUntil: null,
  };
  const OFF85: OfferedTemplate = {
    id: 2,
    name: '新品85折',
    kind: 'discount',
    valueFen: null,
    discountBp: 8500,
    validDays: 10,
    validUntil: null,
  };
  const XMAS: OfferedTemplate = {
    id: 3,
    name: '圣诞礼券',
    kind: 'cash',
    valueFen: 2000,
    discountBp: null,
    validDays: null,
    validUntil: '2026-12-29',
  };
  // 2026-12-01 20:00 in Shanghai.
  const now = new Date('2026-12-01T12:00:00Z');
  const fill = (r: ReturnType<typeof couponForScript>) => {
    const v = resolveVariables({ ...base, coupon: r.coupon });
    return { 优惠券: v.优惠券, 券有效期: v.券有效期, 券面额: v.券面额, reason: r.reason };
  };
  // [case, template, her sent coupon of it, eligibility, expected]
  const table: [string, OfferedTemplate | null, HeldCoupon | null, Ineligible | null, object][] = [
    [
      'no template: unfillable',
      null,
      null,
      null,
      { 优惠券: null, 券有效期: null, 券面额: null, reason: 'no_template' },
    ],
    [
      'eligible: the template’s own name, value and validity from today',
      NEW50,
      null,
      null,
      { 优惠券: '新客立减50元', 券有效期: '12月31日', 券面额: '50元', reason: null },
    ],
    [
      'a discount template says 折',
      OFF85,
      null,
      null,
      { 优惠券: '新品85折', 券有效期: '12月11日', 券面额: '8.5折', reason: null },
    ],
    [
      'a template valid until a fixed day says that day (not "N days")',
      XMAS,
      null,
      null,
      { 优惠券: '圣诞礼券', 券有效期: '12月29日', 券面额: '20元', reason: null },
    ],
    [
      'her coupon keeps the terms it was issued with after the template is edited',
      NEW50,
      {
        expiresAt: '2026-12-20T16:30:00Z',
        terms: { name: '新客立减30元', kind: 'cash', valueFen: 3000, discountBp: null },
      },
      'already_has',
      { 优惠券: '新客立减30元', 券有效期: '12月21日', 券面额: '30元', reason: null },
    ],
    [
      'not eligible: unfillable, with the reason',
      NEW50,
      null,
      'not_new',
      { 优惠券: null, 券有效期: null, 券面额: null, reason: 'not_new' },
    ],
    [
      'she holds one of it: her own coupon’s expiry (tenant day), even where a new one is refused',
      NEW50,
      { expiresAt: '2026-12-20T16:30:00Z' },
      'already_has',
      { 优惠券: '新客立减50元', 券有效期: '12月21日', 券面额: '50元', reason: null },
    ],
  ];
  it.each(table)('%s', (_case, tpl, held, why, expected) => {
    expect(fill(couponForScript(tpl, held, why, now, 'Asia/Shanghai'))).toEqual(expected);
  });

  it('writes values as a guide says them', () => {
    expect(couponValueText({ kind: 'cash', valueFen: 8800, discountBp: null })).toBe('88元');
    expect(couponValueText({ kind: 'cash', valueFen: 1990, discountBp: null })).toBe('19.90元');
    expect(couponValueText({ kind: 'discount', valueFen: null, discountBp: 8000 })).toBe('8折');
  });
});

describe('occasions by calendar day in the tenant’s zone', () => {
  const c: OccasionInput = {
    today: '2026-12-01',
    birthday: null,
    babyBirthday: null,
    addedAt: '2025-01-01T02:00:00Z',
    firstPaidAt: '2025-06-01T02:00:00Z',
    lastPaidAt: '2026-11-01T02:00:00Z',
    timeZone: SH,
  };
  const codes = (o: Partial<OccasionInput>) => occasionsFor({ ...c, ...o }).map((x) => `${x.code}:${x.value}`);

  it('takes an instant’s day in the zone, not in UTC', () => {
    expect(localDay('2026-11-27T16:30:00Z', SH)).toBe('2026-11-28');
    expect(localDay('2026-11-27T15:59:59Z', SH)).toBe('2026-11-27');
    expect(localDay('2026-11-27T16:30:00Z', 'UTC')).toBe('2026-11-27');
  });

  // [case, input, expected occasions]
  const table: [string, Partial<OccasionInput>, string[]][] = [
    ['nothing on an ordinary day', {}, []],
    ['her birthday in 3 days', { birthday: '1990-12-04' }, ['birthday:3']],
    ['her birthday today', { birthday: '1990-12-01' }, ['birthday:0']],
    ['her birthday 8 days ahead is too far', { birthday: '1990-12-09' }, []],
    [
      'her birthday across the year end',
      { today: '2026-12-30', birthday: '1990-01-02', lastPaidAt: '2026-12-20T02:00:00Z' },
      ['birthday:3', 'recent_purchase:10'],
    ],
    ['her baby’s birthday is not hers', { birthday: '1990-12-04', babyBirthday: '2025-01-15' }, ['birthday:3']],
    ['her baby’s birthday in 2 days', { babyBirthday: '2025-12-03' }, ['baby_birthday:2']],
    ['an unborn baby has no birthday', { babyBirthday: '2027-12-03' }, []],
    ['first-purchase anniversary in 5 days', { firstPaidAt: '2025-12-06T02:00:00Z' }, ['purchase_anniversary:5']],
    [
      'no anniversary in the first year',
      { firstPaidAt: '2026-11-20T02:00:00Z', lastPaidAt: '2026-11-20T02:00:00Z' },
      ['recent_purchase:11'],
    ],
    // Bought 2026-11-27 23:30 in Shanghai (15:30 UTC): 4 calendar days ago there, not 3.
    [
      'days since a late-evening purchase count Shanghai days',
      { lastPaidAt: '2026-11-27T15:30:00Z' },
      ['recent_purchase:4'],
    ],
    ['added at 00:30 Shanghai on 11-24 is 7 days ago', { addedAt: '2026-11-23T16:30:00Z' }, ['new_customer:7']],
    ['added 8 days ago is no longer new', { addedAt: '2026-11-22T16:30:00Z' }, []],
    ['lapsed after 90 days', { lastPaidAt: '2026-09-02T02:00:00Z' }, ['lapsed:90']],
    // Days since her last visit at the zone's edge: 23:30 on 09-02 in Shanghai is 90 days before
    // 12-01 there, 00:30 on 09-03 only 89 — although both are 09-02 in UTC.
    ['last visit late on 09-02 in Shanghai: 90 days, lapsed', { lastPaidAt: '2026-09-02T15:30:00Z' }, ['lapsed:90']],
    ['last visit just after midnight on 09-03 in Shanghai: 89 days', { lastPaidAt: '2026-09-02T16:30:00Z' }, []],
    [
      'the same instant in a UTC tenant is 09-02: 90 days',
      { lastPaidAt: '2026-09-02T16:30:00Z', timeZone: 'UTC' },
      ['lapsed:90'],
    ],
    ['never bought is lapsed', { firstPaidAt: null, lastPaidAt: null }, ['lapsed:']],
  ];
  it.each(table)('%s', (_case, over, expected) => {
    expect(codes(over)).toEqual(expected);
  });
});

describe('script recommendation', () => {
  const script = (over: Partial<Targeting>): Targeting => ({
    id: 1,
    scenario: 'birthday',
    occasion: null,
    targetTagIds: [],
    stages: [],
    variables: ['称呼'],
    couponTemplateId: null,
    ...over,
  });
  const ctx = (over: Partial<CustomerContext>): CustomerContext => ({
    tagIds: new Set(),
    tagName: new Map(),
    stages: new Set(),
    favorites: new Set(),
    occasions: [],
    filled: new Set(['称呼', '导购', '门店']),
    coupons: new Map(),
    ...over,
  });

  it('recommends a baby-birthday script for the baby’s birthday, never for hers', () => {
    const babyScript = script({ occasion: 'baby_birthday', stages: ['宝宝1-2岁'] });
    const hers = ctx({ stages: new Set(['宝宝6-12个月']), occasions: [{ code: 'birthday', value: '3' }] });
    expect(score(babyScript, hers).reasons).toEqual([]);
    const babys = ctx({ stages: new Set(['宝宝1-2岁']), occasions: [{ code: 'baby_birthday', value: '2' }] });
    expect(score(babyScript, babys).reasons).toEqual([
      { code: 'stage', value: '宝宝1-2岁' },
      { code: 'baby_birthday', value: '2' },
    ]);
  });

  it('does not recommend a script whose variables cannot all be filled', () => {
    const s = script({ scenario: 'welcome', occasion: 'welcome', variables: ['称呼', '尺码'] });
    const newCustomer = { occasions: [{ code: 'new_customer' as const, value: '1' }] };
    expect(score(s, ctx(newCustomer)).reasons).toEqual([]);
    expect(score(s, ctx({ ...newCustomer, filled: new Set(['称呼', '尺码']) })).reasons).toEqual([
      { code: 'new_customer', value: '1' },
    ]);
  });

  it('fills a script’s coupon only from the template it offers, and only where she may be offered it', () => {
    const welcome = { scenario: 'welcome', occasion: 'welcome', variables: ['称呼', '优惠券', '券有效期'] };
    const newCustomer = { occasions: [{ code: 'new_customer' as const, value: '1' }] };
    // No template: whatever coupon she holds, the script cannot name one.
    const none = script(welcome);
    expect(score(none, ctx({ ...newCustomer, filled: new Set(['称呼', '优惠券', '券有效期']) })).reasons).toEqual([]);
    const offering = script({ ...welcome, couponTemplateId: 7 });
    expect(score(offering, ctx({ ...newCustomer, coupons: new Map([[7, false]]) })).reasons).toEqual([]);
    expect(score(offering, ctx({ ...newCustomer, coupons: new Map([[8, true]]) })).reasons).toEqual([]);
    expect(score(offering, ctx({ ...newCustomer, coupons: new Map([[7, true]]) })).reasons).toEqual([
      { code: 'new_customer', value: '1' },
    ]);
  });

  it('gives every recommendation a reason', () => {
    const s = script({ scenario: 'reactivation', occasion: 'reactivation' });
    expect(score(s, ctx({ occasions: [{ code: 'lapsed', value: '' }] })).reasons).toEqual([
      { code: 'lapsed', value: '' },
    ]);
  });
});
