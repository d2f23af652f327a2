//! Routes; hash history so the server can serve `dist/` as plain static files.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: { name: 'search' } },
  { path: '/search', name: 'search', component: () => import('@/features/search/components/SearchView.vue') },
  { path: '/image/:id', name: 'image', component: () => import('@/features/images/components/ImageView.vue') },
  { path: '/versions', name: 'versions', component: () => import('@/features/versions/components/VersionsView.vue') },
  { path: '/graph/:id', name: 'graph', component: () => import('@/features/graph/components/GraphView.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/shared/components/NotFound.vue') },
];

export function makeRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
