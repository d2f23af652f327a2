// Development-only fake of feature-service (docs/api.md): canned fixtures (fake/fixtures.mjs), generated
// PNG photos, and optionally the built UI from a static folder, all on one port like `sightgraph-local`.
//
//   node e2e/fake-api.mjs [--static dist] [--port 8787] [--latency 300]
//
// A pattern search with subject label "error503" answers 503, to show the error state. The admin routes
// (versions, backfills) take the token of fake/versions.mjs.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtures, graphNodes, MODEL_VERSION } from './fake/fixtures.mjs';
import { FAKE_ACTOR, FAKE_ADMIN_TOKEN, handleVersions, NEW_VERSION, versionsState } from './fake/versions.mjs';

export { buildFixtures, FAKE_ACTOR, FAKE_ADMIN_TOKEN, MODEL_VERSION, NEW_VERSION };

const stripEmbedding = ({ embedding: _e, ...o }) => o;
const apiRelation = ({ image_id: _i, ...r }) => r;

const cosine = (a, b) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
};

class HttpError extends Error {
  constructor(status, kind, message) { super(message); this.status = status; this.kind = kind; }
}
const notFound = (what) => new HttpError(404, 'not_found', `${what} not found`);
const checkVersion = (v) => {
  if (v && v !== MODEL_VERSION) throw new HttpError(404, 'not_found', `unknown model version ${v}`);
};

function handleApi(fx, graph, versions, method, url, body, headers) {
  const path = url.pathname;
  const q = url.searchParams;
  let m;
  if (method === 'GET' && path === '/healthz') return { text: 'ok' };
  const answer = handleVersions(versions, method, url, body, headers);
  if (answer) return answer;
  if (method === 'GET' && (m = path.match(/^\/features\/object\/([^/]+)$/))) {
    checkVersion(q.get('version'));
    const o = fx.objects.get(m[1]);
    if (!/^[0-9a-f]{32}$/.test(m[1])) throw new HttpError(400, 'bad_input', 'object id must be 32 lowercase hex characters');
    if (!o) throw notFound(`object ${m[1]}`);
    return { json: { source: 'cache', model_version: MODEL_VERSION, object: o } };
  }
  if (method === 'GET' && path === '/features/image') {
    checkVersion(q.get('version'));
    let entry;
    if (q.get('id')) entry = fx.images.get(q.get('id'));
    else if (q.get('uri')) entry = [...fx.images.values()].find((e) => e.image.uri === q.get('uri'));
    else throw new HttpError(400, 'bad_input', 'give uri or id');
    if (!entry) throw notFound('image');
    return {
      json: {
        source: 'graph', model_version: MODEL_VERSION, image: entry.image,
        objects: entry.objectIds.map((id) => fx.objects.get(id)),
        relations: fx.relations.filter((r) => r.image_id === entry.image.id).map(apiRelation),
      },
    };
  }
  if (method === 'POST' && path === '/query/pattern') {
    const s = body?.subject;
    const o = body?.object;
    if (!s?.label || !o?.label) throw new HttpError(400, 'bad_input', 'subject.label and object.label are required');
    if (s.label === 'error503') throw new HttpError(503, 'unavailable', 'graph store unavailable');
    checkVersion(body.version);
    const max = body.relation?.max_distance ?? Infinity;
    const fits = (obj, p) => obj.label === p.label && (!p.color || obj.color.name === p.color);
    const matches = [];
    for (const r of fx.relations.filter((x) => x.type === 'NEAR' && x.distance <= max)) {
      const a = fx.objects.get(r.from);
      const b = fx.objects.get(r.to);
      for (const [x, y] of [[a, b], [b, a]]) {
        if (fits(x, s) && fits(y, o)) {
          matches.push({
            image: fx.images.get(x.image_id).image, subject: stripEmbedding(x), object: stripEmbedding(y),
            relation: { type: 'NEAR', from: x.id, to: y.id, distance: r.distance },
          });
        }
      }
    }
    // Pages by key like the real API: sorted by image, subject and object id, starting after `cursor`.
    const key = (m) => `${m.image.id}.${m.subject.id}.${m.object.id}`;
    matches.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const start = body.cursor ? matches.findIndex((m) => key(m) > body.cursor) : 0;
    const rest = start < 0 ? [] : matches.slice(start);
    const limit = body.limit ?? 20;
    const page = rest.slice(0, limit);
    const truncated = rest.length > limit;
    return {
      json: { model_version: MODEL_VERSION, matches: page, truncated, next_cursor: truncated ? key(page[page.length - 1]) : null },
    };
  }
  if (method === 'GET' && (m = path.match(/^\/graph\/node\/([^/]+)$/))) {
    const node = graph.nodes.get(m[1]);
    if (!node) throw notFound(`node ${m[1]}`);
    return { json: { node } };
  }
  if (method === 'GET' && (m = path.match(/^\/graph\/neighbourhood\/([^/]+)$/))) {
    if (!graph.nodes.has(m[1])) throw notFound(`node ${m[1]}`);
    const depth = Number(q.get('depth') ?? 1);
    if (depth !== 1 && depth !== 2) throw new HttpError(400, 'bad_input', 'depth must be 1 or 2');
    const limit = Number(q.get('limit') ?? 200);
    const seen = new Set([m[1]]);
    let frontier = [m[1]];
    let truncated = false;
    for (let d = 0; d < depth; d++) {
      const next = [];
      for (const id of frontier) {
        for (const r of graph.rels) {
          const other = r.start === id ? r.end : r.end === id ? r.start : undefined;
          if (other && !seen.has(other)) {
            if (seen.size >= limit) { truncated = true; continue; }
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    return {
      json: {
        nodes: [...seen].map((id) => graph.nodes.get(id)),
        relationships: graph.rels.filter((r) => seen.has(r.start) && seen.has(r.end)),
        truncated,
      },
    };
  }
  if (method === 'GET' && (m = path.match(/^\/similar\/([^/]+)$/))) {
    checkVersion(q.get('version'));
    const target = fx.objects.get(m[1]);
    if (!target) throw notFound(`object ${m[1]}`);
    const k = Math.min(100, Number(q.get('k') ?? 10));
    const results = [...fx.objects.values()]
      .filter((o) => o.id !== target.id)
      .map((o) => ({ score: Math.round(cosine(target.embedding, o.embedding) * 1e4) / 1e4, object: stripEmbedding(o) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
    return { json: { object_id: target.id, model_version: MODEL_VERSION, results } };
  }
  if (method === 'GET' && (m = path.match(/^\/images\/([^/]+)$/))) {
    const entry = fx.images.get(m[1]);
    if (!entry) throw notFound(`image ${m[1]}`);
    return { bytes: entry.bytes, type: entry.image.content_type };
  }
  return undefined;
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

function serveStatic(dir, url, res) {
  const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(dir, rel);
  if (!file.startsWith(dir)) return false;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) return false;
  res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
  return true;
}

/** Starts the fake on `port` (0: any); serves `staticDir` (the built UI) for non-API paths when given. */
export async function startFakeApi({ port = 0, host = '127.0.0.1', staticDir, latencyMs = 0 } = {}) {
  const fx = buildFixtures();
  const graph = graphNodes(fx);
  const versions = versionsState(fx);
  const root = staticDir ? resolve(staticDir) : undefined;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      if (req.method === 'OPTIONS') return res.writeHead(204).end();
      if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
      try {
        let body;
        if (chunks.length) {
          try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); }
          catch { throw new HttpError(400, 'bad_input', 'body is not JSON'); }
        }
        const out = handleApi(fx, graph, versions, req.method, url, body, req.headers);
        if (out?.json) {
          res.writeHead(out.status ?? 200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify(out.json));
        }
        if (out?.text) return res.writeHead(200, { 'Content-Type': 'text/plain' }).end(out.text);
        if (out?.bytes) return res.writeHead(200, { 'Content-Type': out.type, 'Cache-Control': 'max-age=3600' }).end(out.bytes);
        if (req.method === 'GET' && root && serveStatic(root, url, res)) return;
        throw new HttpError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: err.kind ?? 'internal', message: err.message }));
      }
    });
  });
  await new Promise((r) => server.listen(port, host, r));
  const { port: bound } = server.address();
  return {
    url: `http://${host}:${bound}`,
    fixtures: fx,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const api = await startFakeApi({
    port: Number(arg('port') ?? process.env.FAKE_API_PORT ?? 8787),
    staticDir: arg('static'),
    latencyMs: Number(arg('latency') ?? 0),
  });
  console.log(`fake feature-service on ${api.url}`);
}
