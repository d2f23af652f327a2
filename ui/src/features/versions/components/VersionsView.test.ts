import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, test } from 'vitest';
import { installFakeApi, settle, type Routes } from '@/shared/testing/fakeFetch';
import { useAdminToken } from '../model/token';
import type { FeatureSet, VersionsResponse } from '../model/types';
import VersionsView from './VersionsView.vue';

const OLD = 'ssd@1+mobilenet@1';
const NEW = 'ssd_int8@1+mobilenet@1';
const TOKEN = 'alice-token-0123456789';

function versions(active = OLD): VersionsResponse {
  const set: FeatureSet = {
    name: 'default',
    active,
    versions: [OLD, NEW],
    history: [],
    coverage: { feature_set: 'default', images: 5, versions: [{ version: OLD, images: 5, fraction: 1 }, { version: NEW, images: 1, fraction: 0.2 }] },
  };
  return { feature_sets: [set], min_coverage: 0.95 };
}

const auth = (init: RequestInit | undefined) => (init?.headers as Record<string, string> | undefined)?.Authorization;

async function mountView(routes: Routes) {
  const fetch = installFakeApi({ 'GET /backfills': { body: { feature_set: 'default', backfills: [] } }, ...routes });
  const wrapper = mount(VersionsView);
  await settle();
  return { wrapper, fetch };
}

afterEach(() => useAdminToken().clear());

describe('VersionsView', () => {
  test('lists each version with its coverage and marks the active one; backfills wait for the token', async () => {
    const { wrapper, fetch } = await mountView({ 'GET /versions': { body: versions() } });
    const rows = wrapper.findAll('[data-testid=version-row]');
    expect(rows.map((r) => r.attributes('data-version'))).toEqual([OLD, NEW]);
    expect(rows.map((r) => r.get('[data-testid=coverage-text]').text())).toEqual(['5 / 5 images (100.0%)', '1 / 5 images (20.0%)']);
    expect(rows[0]!.find('[data-testid=active-badge]').exists()).toBe(true);
    expect(rows[1]!.find('[data-testid=activate]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=backfills-need-token]').exists()).toBe(true);
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual(['http://api.test/versions']);
  });

  test('no feature set says so, and a failure shows the error', async () => {
    const empty = await mountView({ 'GET /versions': { body: { feature_sets: [], min_coverage: 0.95 } } });
    expect(empty.wrapper.get('[data-testid=empty]').text()).toMatch(/No feature sets yet/);
    const failed = await mountView({ 'GET /versions': { status: 503, body: { error: 'unavailable', message: 'neo4j down' } } });
    expect(failed.wrapper.get('[data-testid=error]').text()).toMatch(/unavailable.*neo4j down/);
  });

  test('activating asks for the token, a wrong one is refused with the server message and forgotten', async () => {
    const { wrapper, fetch } = await mountView({
      'GET /versions': { body: versions() },
      'POST /versions/default/activate': { status: 401, body: { error: 'unauthorized', message: 'wrong bearer token' } },
    });
    await wrapper.get('[data-testid=activate]').trigger('click');
    await wrapper.get('[data-testid=confirm-action] [data-testid=token-input]').setValue('not-the-token-000000');
    await wrapper.get('[data-testid=confirm-action] [data-testid=token-form]').trigger('submit');
    await settle();

    expect(wrapper.get('[data-testid=action-error]').text()).toBe('The server refused the admin token: wrong bearer token');
    expect(wrapper.find('[data-testid=confirm-action] [data-testid=token-input]').exists()).toBe(true);
    expect(useAdminToken().token.value).toBeUndefined();
    const post = fetch.mock.calls.find((c) => String(c[0]).endsWith('/activate'));
    expect(auth(post?.[1] as RequestInit)).toBe('Bearer not-the-token-000000');
  });

  test('a coverage refusal offers to force, and forcing activates and refreshes the page', async () => {
    let active = OLD;
    const { wrapper, fetch } = await mountView({
      'GET /versions': () => ({ body: versions(active) }),
      'POST /versions/default/activate': (init) => {
        const body = JSON.parse(String(init?.body));
        if (!body.force) return { status: 409, body: { error: 'conflict', message: `${NEW} covers 1/5 images of default (20.0%)` } };
        active = NEW;
        return { body: { change: { feature_set: 'default', from: OLD, to: NEW, actor: 'alice', at: '2026-11-30T09:00:00Z', coverage: 0.2 } } };
      },
    });
    useAdminToken().set(TOKEN);
    await wrapper.get('[data-testid=activate]').trigger('click');
    await wrapper.get('[data-testid=confirm-submit]').trigger('click');
    await settle();
    expect(wrapper.get('[data-testid=action-error]').text()).toBe(`Refused: ${NEW} covers 1/5 images of default (20.0%)`);

    await wrapper.get('[data-testid=confirm-force]').trigger('click');
    await settle();

    expect(wrapper.get('[data-testid=action-notice]').text()).toBe(`${NEW} is now active in default (switched by alice at 20.0% coverage).`);
    expect(wrapper.find('[data-testid=confirm-action]').exists()).toBe(false);
    expect(wrapper.get(`[data-testid=version-row][data-version="${NEW}"]`).find('[data-testid=active-badge]').exists()).toBe(true);
    const posts = fetch.mock.calls.filter((c) => String(c[0]).endsWith('/activate'));
    expect(posts.map((c) => JSON.parse(String((c[1] as RequestInit).body)).force)).toEqual([false, true]);
  });

  test('with the token the backfill runs show, and a comparison shows its tables', async () => {
    const run = {
      line: 'x',
      state: { state: 'complete' },
      progress: {
        manifest: { run: 'bf-1', feature_set: 'default', model_version: NEW, processor: 'p', scope: 'gs://raw/d', images: 1, shards: 1, chunk_size: 32, created_at: '2026-11-30T09:00:00Z', created_by: 'cli' },
        job: null, total: 1, done: 1, failed: 0, elapsed_s: 2, images_per_s: 0.5, eta_s: null, covered: 1, set_images: 5,
      },
    };
    const report = {
      feature_set: 'default', from: OLD, to: NEW, generated_at: '2026-11-30T09:00:00Z', set_images: 5, from_images: 5, to_images: 1,
      images_compared: 1, truncated: false, objects_from: 2, objects_to: 2, matched: 2, label_changes_total: 1, only_from: 0, only_to: 0,
      mean_score_change: -0.0123,
      labels: [{ label: 'dog', from: 1, to: 0, matched: 0, relabelled: 1, mean_score_change: null, embedding_drift: null },
        { label: 'cat', from: 1, to: 2, matched: 1, relabelled: 0, mean_score_change: -0.0123, embedding_drift: 0.00042 }],
      label_changes: [{ from: 'dog', to: 'cat', count: 1 }],
    };
    const { wrapper, fetch } = await mountView({
      'GET /versions': { body: versions() },
      'GET /backfills': { body: { feature_set: 'default', backfills: [run] } },
      'POST /backfills/compare': { body: { report, table: '' } },
    });
    await wrapper.get('[data-testid=admin-token] [data-testid=token-input]').setValue(TOKEN);
    await wrapper.get('[data-testid=admin-token] [data-testid=token-form]').trigger('submit');
    await settle();

    const r = wrapper.get('[data-testid=backfill-run]');
    expect([r.get('[data-testid=backfill-state]').text(), r.get('[data-testid=backfill-progress]').text()]).toEqual(['complete', '1 / 1 images']);
    expect(r.get('[data-testid=backfill-coverage]').text()).toBe('graph: 1 / 5 images (20.0%)');

    await wrapper.get('[data-testid=compare-form]').trigger('submit');
    await settle();
    const labels = wrapper.findAll('[data-testid=compare-label-row]');
    expect(labels.map((l) => [l.attributes('data-label'), l.get('[data-testid=label-from]').text(), l.get('[data-testid=label-to]').text(), l.get('[data-testid=label-drift]').text()])).toEqual([
      ['dog', '1', '0', '–'],
      ['cat', '1', '2', '0.0004'],
    ]);
    expect(wrapper.get('[data-testid=compare-change-row]').text()).toMatch(/dog\s*cat\s*1/);
    expect(wrapper.get('[data-testid=compare-totals]').text()).toContain('−0.012');
    const compare = fetch.mock.calls.find((c) => String(c[0]).endsWith('/backfills/compare'));
    expect(JSON.parse(String((compare?.[1] as RequestInit).body))).toEqual({ feature_set: 'default', from: OLD, to: NEW });
    expect(auth(compare?.[1] as RequestInit)).toBe(`Bearer ${TOKEN}`);
  });
});
