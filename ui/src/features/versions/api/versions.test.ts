import { describe, expect, test } from 'vitest';
import { BASE, installFakeApi } from '@/shared/testing/fakeFetch';
import { activateVersion, compareVersions, fetchBackfills, fetchVersions, rollbackVersion } from './versions';

const TOKEN = 'alice-token-0123456789';
const NEW = 'ssd_int8@1+mobilenet@1';

const call = (fetch: ReturnType<typeof installFakeApi>, i = 0) => {
  const [url, init] = fetch.mock.calls[i] as unknown as [string, RequestInit];
  return { url, init, headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined };
};

describe('versions api', () => {
  test('listing versions sends no token', async () => {
    const fetch = installFakeApi({ 'GET /versions': { body: { feature_sets: [], min_coverage: 0.95 } } });
    const res = await fetchVersions();
    expect(res.min_coverage).toBe(0.95);
    expect(call(fetch).headers.Authorization).toBeUndefined();
  });

  test('activation posts the version and force with the bearer token, and escapes the set in the path', async () => {
    const fetch = installFakeApi({ 'POST /versions/my%20set/activate': { body: { change: { to: NEW } } } });
    await activateVersion(TOKEN, 'my set', NEW, true);
    const c = call(fetch);
    expect(c.url).toBe(`${BASE}/versions/my%20set/activate`);
    expect(c.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(c.body).toEqual({ version: NEW, force: true });
  });

  test('a coverage refusal surfaces as a conflict with the server message', async () => {
    installFakeApi({ 'POST /versions/default/activate': { status: 409, body: { error: 'conflict', message: `${NEW} covers 1/5 images` } } });
    await expect(activateVersion(TOKEN, 'default', NEW)).rejects.toMatchObject({ status: 409, kind: 'conflict', message: `${NEW} covers 1/5 images` });
  });

  test('a wrong token surfaces as unauthorized', async () => {
    installFakeApi({ 'POST /versions/default/rollback': { status: 401, body: { error: 'unauthorized', message: 'wrong bearer token' } } });
    await expect(rollbackVersion('nope', 'default')).rejects.toMatchObject({ status: 401, kind: 'unauthorized' });
  });

  test('backfills are asked for one feature set with the token', async () => {
    const fetch = installFakeApi({ 'GET /backfills': { body: { feature_set: 'default', backfills: [] } } });
    await fetchBackfills(TOKEN, 'default');
    const c = call(fetch);
    expect(c.url).toBe(`${BASE}/backfills?feature_set=default`);
    expect(c.headers.Authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('a comparison posts the set and both versions with the token', async () => {
    const fetch = installFakeApi({ 'POST /backfills/compare': { body: { report: {}, table: '' } } });
    await compareVersions(TOKEN, { feature_set: 'default', from: 'a@1', to: NEW });
    const c = call(fetch);
    expect(c.body).toEqual({ feature_set: 'default', from: 'a@1', to: NEW });
    expect(c.headers.Authorization).toBe(`Bearer ${TOKEN}`);
  });
});
