import * as c from '../../../../core/contracts/admin-coupons';
import { request } from '../http';

/** The coupon templates page's API client, over the consoles' one fetch (http.ts). */
export const couponsApi = {
  list: () => request(c.couponTemplateList, '/api/admin/coupon-templates'),
  create: (body: c.CouponTemplateInput) => request(c.couponTemplate, '/api/admin/coupon-templates', { body }),
  edit: (id: number, body: c.CouponTemplateInput) =>
    request(c.couponTemplate, `/api/admin/coupon-templates/${id}`, { method: 'PUT', body }),
  retire: (id: number, reason: string | null) =>
    request(c.couponTemplate, `/api/admin/coupon-templates/${id}/retire`, { body: { reason } }),
};
export type { CouponTemplate, CouponTemplateInput } from '../../../../core/contracts/admin-coupons';
export const VALUE_TIER_NAMES = c.VALUE_TIER_NAMES;
