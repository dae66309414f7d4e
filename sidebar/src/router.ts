import { createRouter, createWebHashHistory } from 'vue-router';
import HomeView from './views/HomeView.vue';

/** Hash routing: the page URL WeCom signs stays the same while the guide moves around. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/customer/:ext', name: 'customer', component: () => import('./views/CustomerPage.vue'), props: true },
    { path: '/broken', name: 'broken', component: () => import('./views/BrokenView.vue') },
    {
      path: '/broken/:productId',
      name: 'broken-style',
      component: () => import('./views/BrokenStyleView.vue'),
      props: (r) => ({ productId: Number(r.params.productId) }),
    },
    { path: '/credits', name: 'credits', component: () => import('./views/CreditsView.vue') },
    { path: '/commission', name: 'commission', component: () => import('./views/CommissionView.vue') },
    // WeCom's OAuth URL ends in #wechat_redirect, and browsers keep a fragment across redirects.
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});
