/** The sidebar's API client: one call per route, each response parsed with its shared contract. */
import * as c from '../../../core/contracts/sidebar';
import { http } from './http';

const e = encodeURIComponent;

export const api = {
  signatures: (url: string, retry?: boolean) =>
    http.post(c.jssdkSignaturesResponse, '/api/wecom/jssdk-signatures', retry ? { url, retry } : { url }),
  bootstrap: () => http.get(c.bootstrapResponse, '/api/sidebar/bootstrap'),
  profile: (ext: string, signal?: AbortSignal) =>
    http.get(c.profileResponse, `/api/sidebar/customers/${e(ext)}`, signal),
  library: () => http.get(c.scriptLibraryResponse, '/api/sidebar/scripts'),
  recommendations: (ext: string, productId?: number, signal?: AbortSignal) =>
    http.get(
      c.recommendationsResponse,
      `/api/sidebar/customers/${e(ext)}/scripts${productId ? `?productId=${productId}` : ''}`,
      signal,
    ),
  matches: (ext: string, category?: string, signal?: AbortSignal) =>
    http.get(
      c.matchesResponse,
      `/api/sidebar/customers/${e(ext)}/matches${category ? `?category=${e(category)}` : ''}`,
      signal,
    ),
  editTags: (ext: string, add: number[], remove: number[]) =>
    http.put(c.editTagsResponse, `/api/sidebar/customers/${e(ext)}/tags`, { add, remove }),
  setSize: (ext: string, category: string, size: string) =>
    http.put(c.setSizeResponse, `/api/sidebar/customers/${e(ext)}/sizes`, { category, size }),
  bindIdentity: (ext: string, kind: c.IdentityKind, value: string) =>
    http.post(c.bindIdentityResponse, `/api/sidebar/customers/${e(ext)}/identities`, { kind, value }),
  favorite: (scriptId: number, favorite: boolean) =>
    http.put(c.favoriteResponse, `/api/sidebar/scripts/${scriptId}/favorite`, { favorite }),
  couponOffers: (ext: string) => http.get(c.couponOffersResponse, `/api/sidebar/customers/${e(ext)}/coupon-offers`),
  issueCoupon: (ext: string, templateId: number) =>
    http.post(c.issueCouponResponse, `/api/sidebar/customers/${e(ext)}/coupons`, { templateId }),
  voidCoupon: (code: string, reason: string) =>
    http.post(c.voidCouponResponse, `/api/coupons/${e(code)}/void`, { reason }),
  recordSend: (b: c.SendRequest) => http.post(c.sendResponse, '/api/sidebar/sends', b),
  media: (assetId: number) => http.post(c.mediaResponse, `/api/sidebar/media/${assetId}`, {}),
  group: (chatId: string, signal?: AbortSignal) =>
    http.get(c.groupResponse, `/api/sidebar/groups/${e(chatId)}`, signal),
  brokenStyles: (category?: string, signal?: AbortSignal) =>
    http.get(c.brokenStylesResponse, `/api/sidebar/styles/broken${category ? `?category=${e(category)}` : ''}`, signal),
  styleCustomers: (productId: number) =>
    http.get(c.styleCustomersResponse, `/api/sidebar/styles/${productId}/customers`),
  credits: (cursor?: string) =>
    http.get(c.creditsResponse, `/api/sidebar/my-credits${cursor ? `?cursor=${e(cursor)}` : ''}`),
};
