import { createRouter, createWebHashHistory } from 'vue-router';
import BoardView from './views/BoardView.vue';
import { adminTabs } from './admin/tabs';

/** Region → store → guide → orders → trail, each a page; hash routing like the sidebar. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', name: 'regions', component: BoardView, props: { level: 'region', id: null } },
    {
      path: '/regions/:id',
      name: 'stores',
      component: BoardView,
      props: (r) => ({ level: 'store', id: Number(r.params.id) }),
    },
    {
      path: '/stores/:id',
      name: 'guides',
      component: BoardView,
      props: (r) => ({ level: 'guide', id: Number(r.params.id) }),
    },
    {
      path: '/guides/:id',
      name: 'orders',
      component: () => import('./views/OrdersView.vue'),
      props: (r) => ({ id: Number(r.params.id) }),
    },
    {
      path: '/orders/:id',
      name: 'trail',
      component: () => import('./views/TrailView.vue'),
      props: (r) => ({ id: Number(r.params.id) }),
    },
    { path: '/finance', name: 'finance', component: () => import('./views/FinanceView.vue') },
    { path: '/disputes', name: 'disputes', component: () => import('./views/DisputesView.vue') },
    { path: '/campaigns', name: 'campaigns', component: () => import('./views/CampaignsView.vue') },
    {
      path: '/campaigns/:id',
      name: 'campaign',
      component: () => import('./views/CampaignView.vue'),
      props: (r) => ({ id: Number(r.params.id) }),
    },
    {
      path: '/admin',
      component: () => import('./admin/AdminView.vue'),
      children: [
        ...(adminTabs[0] ? [{ path: '', redirect: `/admin/${adminTabs[0].path}` }] : []),
        ...adminTabs.map((tab) => ({ path: tab.path, name: `admin-${tab.path}`, component: tab.component })),
      ],
    },
    { path: '/signin', name: 'signin', component: () => import('./views/SignInView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});
