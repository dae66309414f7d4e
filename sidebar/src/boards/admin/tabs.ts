import type { Component } from 'vue';

/**
 * The brand admin console's pages, in the order of its side navigation. Each page is one lazily
 * loaded component under admin/, with its own messages; add a page by adding one entry here.
 */
export interface AdminTab {
  /** Path under /admin and the route name `admin-<path>`. */
  path: string;
  label: { 'zh-CN': string; en: string };
  component: () => Promise<Component>;
}

export const adminTabs: AdminTab[] = [
  {
    path: 'coupons',
    label: { 'zh-CN': '优惠券模板', en: 'Coupon templates' },
    component: () => import('./CouponsTab.vue'),
  },
  { path: 'tags', label: { 'zh-CN': '标签', en: 'Tags' }, component: () => import('./TagsTab.vue') },
];
