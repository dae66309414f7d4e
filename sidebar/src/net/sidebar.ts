import type { Bootstrap, BrokenStyle, CouponView, Credits, CustomerSize, CustomerTag, GroupView, MatchItem, Profile, Recommendations, ScriptLibrary, SendRequest, StyleCustomers } from '../../../core/contracts/sidebar';
import type { Signatures } from '../wecom';
import { http } from './http';

const e = encodeURIComponent;

export const api = {
  signatures: (url: string) => http.post<Signatures>('/api/wecom/jssdk-signatures', { url }),
  bootstrap: () => http.get<Bootstrap>('/api/sidebar/bootstrap'),
  profile: (ext: string, signal?: AbortSignal) => http.get<Profile>(`/api/sidebar/customers/${e(ext)}`, signal),
  library: () => http.get<ScriptLibrary>('/api/sidebar/scripts'),
  recommendations: (ext: string, productId?: number, signal?: AbortSignal) => http.get<Recommendations>(`/api/sidebar/customers/${e(ext)}/scripts${productId ? `?productId=${productId}` : ''}`, signal),
  matches: (ext: string, category?: string, signal?: AbortSignal) => http.get<{ sizes: Record<string, string>; items: MatchItem[] }>(`/api/sidebar/customers/${e(ext)}/matches${category ? `?category=${e(category)}` : ''}`, signal),
  editTags: (ext: string, add: number[], remove: number[]) => http.put<{ tags: Omit<CustomerTag, 'derived'>[] }>(`/api/sidebar/customers/${e(ext)}/tags`, { add, remove }),
  setSize: (ext: string, category: string, size: string) => http.put<{ sizes: CustomerSize[] }>(`/api/sidebar/customers/${e(ext)}/sizes`, { category, size }),
  favorite: (scriptId: number, favorite: boolean) => http.put<{ favorite: boolean }>(`/api/sidebar/scripts/${scriptId}/favorite`, { favorite }),
  issueCoupon: (ext: string, templateId: number) => http.post<{ coupon: CouponView }>(`/api/sidebar/customers/${e(ext)}/coupons`, { templateId }),
  recordSend: (b: SendRequest) => http.post<{ recorded: number; duplicate: boolean }>('/api/sidebar/sends', b),
  media: (assetId: number) => http.post<{ mediaId: string }>(`/api/sidebar/media/${assetId}`, {}),
  group: (chatId: string) => http.get<GroupView>(`/api/sidebar/groups/${e(chatId)}`),
  brokenStyles: (category?: string) => http.get<{ items: BrokenStyle[] }>(`/api/sidebar/styles/broken${category ? `?category=${e(category)}` : ''}`),
  styleCustomers: (productId: number) => http.get<StyleCustomers>(`/api/sidebar/styles/${productId}/customers`),
  credits: () => http.get<Credits>('/api/sidebar/my-credits'),
};
