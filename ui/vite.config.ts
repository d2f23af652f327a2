import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// NB: `npm run dev` proxies API routes to SIGHTGRAPH_API (default: the fake API of e2e/fake-api.mjs),
// so the browser sees one origin and the backend needs no CORS for development.
const apiTarget = process.env.SIGHTGRAPH_API ?? 'http://127.0.0.1:8787';
const apiRoutes = ['/features', '/query', '/graph', '/similar', '/images', '/versions', '/backfills', '/healthz', '/openapi.json'];

export default defineConfig({
  // NB: relative asset paths so the Rust server can serve dist/ from any mount point.
  base: './',
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: Object.fromEntries(apiRoutes.map((route) => [route, { target: apiTarget, changeOrigin: true }])),
  },
  build: { chunkSizeWarningLimit: 800 },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
