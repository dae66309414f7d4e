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
  { path: 'org', label: { 'zh-CN': '组织与角色', en: 'Org & roles' }, component: () => import('./OrgTab.vue') },
  { path: 'scripts', label: { 'zh-CN': '话术库', en: 'Scripts' }, component: () => import('./ScriptsTab.vue') },
  {
    path: 'coupons',
    label: { 'zh-CN': '优惠券模板', en: 'Coupon templates' },
    component: () => import('./CouponsTab.vue'),
  },
  { path: 'tags', label: { 'zh-CN': '标签', en: 'Tags' }, component: () => import('./TagsTab.vue') },
  {
    path: 'channel-codes',
    label: { 'zh-CN': '渠道码', en: 'Channel codes' },
    component: () => import('./ChannelCodesTab.vue'),
  },
  {
    path: 'succession',
    label: { 'zh-CN': '离职继承', en: 'Succession' },
    component: () => import('./SuccessionTab.vue'),
  },
  { path: 'rule-sets', label: { 'zh-CN': '规则集', en: 'Rule sets' }, component: () => import('./RuleSetsTab.vue') },
  {
    path: 'integrations',
    label: { 'zh-CN': '集成', en: 'Integrations' },
    component: () => import('./IntegrationsTab.vue'),
  },
];
