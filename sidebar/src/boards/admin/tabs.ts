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
];
