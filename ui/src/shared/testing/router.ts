//! A memory-history router with the app's routes, for component tests.
import { createMemoryHistory, createRouter } from 'vue-router';
import { routes } from '@/router';

export async function testRouter(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  await router.isReady();
  return router;
}
