/**
 * Coupon templates in the brand admin console (api/routes/admin-coupons.routes.ts,
 * core/admin/coupon-templates.ts), checked on both sides. Money is integer fen; days are the
 * tenant's (YYYY-MM-DD).
 */
import * as z from 'zod/mini';

const int = () => z.int();
const day = () => z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD'));
/** Lowest to highest (core/guide/derive.ts VALUE_TIERS). */
export const VALUE_TIER_NAMES = ['重点促活', '重点培养', '超级VIP'] as const;
export const couponAudience = z.enum(['any', 'new', 'birthday', 'lapsed']);

export const couponTemplate = z.object({
  id: z.number(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(['cash', 'discount']),
  valueFen: z.nullable(z.number()),
  discountBp: z.nullable(z.number()),
  minSpendFen: z.number(),
  /** Valid N days after issue, or from/until fixed days. */
  validDays: z.nullable(z.number()),
  validFrom: z.nullable(z.string()),
  validUntil: z.nullable(z.string()),
  audience: couponAudience,
  minTier: z.nullable(z.string()),
  oncePerCustomer: z.boolean(),
  guideDailyLimit: z.nullable(z.number()),
  guideMonthlyLimit: z.nullable(z.number()),
  enabled: z.boolean(),
  retiredAt: z.nullable(z.string()),
  updatedAt: z.string(),
  /** Coupons issued from it (voided ones not counted) and redeemed. */
  issued: z.number(),
  redeemed: z.number(),
});
export type CouponTemplate = z.infer<typeof couponTemplate>;
export const couponTemplateList = z.object({ templates: z.array(couponTemplate) });

/**
 * A template as the admin writes it (create, or replace on edit). Cross-field rules — a cash
 * coupon has a value, a discount a rate; either validDays or both dates — are checked in core
 * with the field named.
 */
export const couponTemplateBody = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  kind: z.enum(['cash', 'discount']),
  valueFen: z._default(z.nullable(int().check(z.positive(), z.maximum(100_000_000))), null),
  /** The price share paid, in basis points: 8500 = 85% (8.5折). */
  discountBp: z._default(z.nullable(int().check(z.minimum(100), z.maximum(9_900))), null),
  minSpendFen: z._default(int().check(z.minimum(0), z.maximum(1_000_000_000)), 0),
  validDays: z._default(z.nullable(int().check(z.minimum(1), z.maximum(3_650))), null),
  validFrom: z._default(z.nullable(day()), null),
  validUntil: z._default(z.nullable(day()), null),
  audience: z._default(couponAudience, 'any'),
  minTier: z._default(z.nullable(z.enum(VALUE_TIER_NAMES)), null),
  oncePerCustomer: z._default(z.boolean(), false),
  guideDailyLimit: z._default(z.nullable(int().check(z.minimum(1), z.maximum(10_000))), null),
  guideMonthlyLimit: z._default(z.nullable(int().check(z.minimum(1), z.maximum(100_000))), null),
});
export type CouponTemplateInput = z.input<typeof couponTemplateBody>;
export type CouponTemplateBody = z.infer<typeof couponTemplateBody>;

export const retireCouponTemplateBody = z.object({
  reason: z._default(z.nullable(z.string().check(z.trim(), z.maxLength(200))), null),
});
