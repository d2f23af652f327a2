// Shared plumbing of the end-to-end tests: the stack under test and a headless Chromium.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startFakeApi } from './fake-api.mjs';

const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(UI_DIR, 'test-results');

/**
 * The stack: `SIGHTGRAPH_URL` (e.g. `sightgraph-local`, serving the API and the UI on one port) or,
 * when unset, the fake API serving `dist/` (run `npm run build` first).
 */
export async function startStack() {
  const external = process.env.SIGHTGRAPH_URL?.replace(/\/+$/, '');
  if (external) {
    await waitForHealth(external);
    return { url: external, fake: false, close: async () => {} };
  }
  const api = await startFakeApi({ staticDir: join(UI_DIR, 'dist') });
  return { url: api.url, fake: true, close: api.close };
}

async function waitForHealth(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs / 1000}s (${last})`);
}

/**
 * Debian's Chromium (never a downloaded browser), headless, with a fresh throw-away profile.
 * NB: Playwright takes the profile as `userDataDir` of a persistent context, not as `--user-data-dir`.
 */
export async function launchBrowser(baseUrl) {
  const profile = mkdtempSync(join(tmpdir(), 'sightgraph-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that records uncaught errors and failed API calls, so tests can assert there were none. */
export async function newPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
  return { page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Starts the stack and a browser before the calling file's tests and closes both after them; the
 * returned object's `stack` and `chromium` are set once the tests run.
 */
export function useStackAndBrowser() {
  const env = { stack: undefined, chromium: undefined };
  before(async () => {
    env.stack = await startStack();
    env.chromium = await launchBrowser(env.stack.url);
  });
  after(async () => {
    await env.chromium?.close();
    await env.stack?.close();
  });
  return env;
}
