// The fake's versions and backfill routes (docs/api.md "Versions", "Backfills"): the fixtures' version,
// active and covering every image, and an int8 version whose backfill has covered one image so far.
// Admin routes take `Authorization: Bearer ${FAKE_ADMIN_TOKEN}`; activation below 95% coverage is a
// 409 unless forced, like the real service.
import { MODEL_VERSION } from './fixtures.mjs';

export const FAKE_ADMIN_TOKEN = 'fake-admin-token-0123456789';
export const FAKE_ACTOR = 'e2e';
export const NEW_VERSION = MODEL_VERSION.replace(/^ssd_mobilenet_v2_coco@/, 'ssd_mobilenet_v2_coco_int8@');
const MIN_COVERAGE = 0.95;
const SET = 'default';

const fail = (status, error, message) => ({ status, json: { error, message } });

/** Mutable state of one fake server. */
export function versionsState(fx) {
  const total = fx.images.size;
  const dogImage = [...fx.images.values()].find((e) => e.objectIds.some((id) => fx.objects.get(id).label === 'dog'));
  return {
    total,
    covered: { [MODEL_VERSION]: total, [NEW_VERSION]: 1 },
    active: MODEL_VERSION,
    history: [{ feature_set: SET, from: null, to: MODEL_VERSION, actor: 'bootstrap', at: '2026-11-30T08:00:00Z' }],
    startedAt: Date.now(),
    compareLabels: dogImage.objectIds.map((id) => fx.objects.get(id).label),
  };
}

function setState(s) {
  const versions = [MODEL_VERSION, NEW_VERSION];
  return {
    name: SET,
    active: s.active,
    versions,
    history: s.history,
    coverage: {
      feature_set: SET,
      images: s.total,
      versions: versions.map((version) => ({ version, images: s.covered[version], fraction: s.covered[version] / s.total })),
    },
  };
}

function backfillRun(s) {
  const total = s.total;
  const done = s.covered[NEW_VERSION];
  const elapsed = Math.max(2, (Date.now() - s.startedAt) / 1000);
  const manifest = {
    schema: 'sightgraph.backfill/v1', run: 'bf-fake0000001', feature_set: SET, model_version: NEW_VERSION,
    processor: 'local:models-int8', scope: 'all', images: total, shards: 2, chunk_size: 32,
    created_at: new Date(s.startedAt).toISOString(), created_by: FAKE_ACTOR,
  };
  const progress = {
    manifest, job: null, total, done, failed: 0, elapsed_s: elapsed, images_per_s: done / elapsed,
    eta_s: (total - done) / (done / elapsed),
    covered: s.covered[NEW_VERSION], set_images: s.total,
  };
  return { line: `${manifest.run}  running`, state: { state: 'running' }, progress };
}

function report(s, from, to) {
  const counts = {};
  for (const l of s.compareLabels) counts[l] = (counts[l] ?? 0) + 1;
  // NB: in the int8 version the dog's box is labelled cat, so the report has a label change.
  const labels = Object.entries(counts).map(([label, n]) => ({
    label, from: n, to: label === 'dog' ? 0 : n, matched: label === 'dog' ? 0 : n, relabelled: label === 'dog' ? n : 0,
    mean_score_change: label === 'dog' ? null : -0.012, embedding_drift: label === 'dog' ? null : 0.0163,
  }));
  labels.push({ label: 'cat', from: 0, to: counts.dog ?? 0, matched: 0, relabelled: 0, mean_score_change: null, embedding_drift: null });
  const objects = s.compareLabels.length;
  return {
    feature_set: SET, from, to, generated_at: new Date().toISOString(), set_images: s.total,
    from_images: s.covered[from], to_images: s.covered[to], images_compared: 1, truncated: false,
    objects_from: objects, objects_to: objects, matched: objects, label_changes_total: counts.dog ?? 0, only_from: 0, only_to: 0,
    mean_score_change: -0.0135, labels, label_changes: counts.dog ? [{ from: 'dog', to: 'cat', count: counts.dog }] : [],
  };
}

function authenticate(headers) {
  const given = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (!given) return fail(401, 'unauthorized', 'unauthorized: missing bearer token');
  if (given !== FAKE_ADMIN_TOKEN) return fail(401, 'unauthorized', 'unauthorized: wrong bearer token');
  return undefined;
}

/** Answers the versions and backfill routes, or `undefined` for any other path. */
export function handleVersions(s, method, url, body, headers) {
  const path = url.pathname;
  let m;
  if (method === 'GET' && path === '/versions') return { json: { feature_sets: [setState(s)], min_coverage: MIN_COVERAGE } };
  if (method === 'POST' && (m = path.match(/^\/versions\/([^/]+)\/(activate|rollback)$/))) {
    const denied = authenticate(headers);
    if (denied) return denied;
    if (decodeURIComponent(m[1]) !== SET) return fail(404, 'not_found', `feature set ${m[1]} not found`);
    let change;
    if (m[2] === 'activate') {
      const fraction = (s.covered[body?.version] ?? 0) / s.total;
      if (!(body?.version in s.covered)) return fail(404, 'not_found', `version ${body?.version} has no features`);
      if (fraction < MIN_COVERAGE && !body.force) {
        const pct = (fraction * 100).toFixed(1);
        return fail(409, 'conflict', `${body.version} covers ${s.covered[body.version]}/${s.total} images of ${SET} (${pct}%), below the 95.0% required to activate it: finish its backfill, or force the switch`);
      }
      change = { feature_set: SET, from: s.active, to: body.version, actor: FAKE_ACTOR, at: new Date().toISOString(), coverage: fraction };
    } else {
      const to = s.history[0]?.from;
      if (!to) return fail(404, 'not_found', `feature set ${SET} has no earlier version to roll back to`);
      change = { feature_set: SET, from: s.active, to, actor: FAKE_ACTOR, at: new Date().toISOString() };
    }
    s.active = change.to;
    s.history.unshift(change);
    return { json: { change } };
  }
  if (method === 'GET' && path === '/backfills') {
    return authenticate(headers) ?? { json: { feature_set: SET, backfills: [backfillRun(s)] } };
  }
  if (method === 'POST' && path === '/backfills/compare') {
    const denied = authenticate(headers);
    if (denied) return denied;
    if (!(body?.from in s.covered) || !(body?.to in s.covered)) return fail(404, 'not_found', 'unknown version');
    const r = report(s, body.from, body.to);
    return { json: { report: r, table: `# ${r.from} → ${r.to}` } };
  }
  return undefined;
}
