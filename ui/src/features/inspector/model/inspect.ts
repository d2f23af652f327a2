//! What the NodeInspector shows, computed from a graph node and (for objects) its features.
import type { DetectedObject } from '@/features/images/model/types';
import type { GraphNode, NodeKind, PropertyValue } from '@/features/graph/model/types';

export interface PropertyRow {
  key: string;
  /** One-line display text (may be cut by CSS with an ellipsis). */
  value: string;
  /** The full value for the tooltip. */
  full: string;
}

const LONG_ARRAY = 16;

/** One-line text for a property value; long numeric arrays are summarised. */
export function formatValue(value: PropertyValue | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) {
    if (value.length > LONG_ARRAY && value.every((v) => typeof v === 'number')) return `[${value.length} numbers]`;
    return value.map((v) => formatValue(v)).join(', ');
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Properties sorted by key, embedding-sized arrays summarised. */
export function propertyRows(properties: Record<string, PropertyValue>): PropertyRow[] {
  return Object.keys(properties)
    .sort()
    .map((key) => {
      const v = properties[key];
      const value = formatValue(v);
      const full = Array.isArray(v) && value.startsWith('[') ? value : typeof v === 'string' ? v : JSON.stringify(v);
      return { key, value, full };
    });
}

/** Best title for a node: an object's label, an image's name, else the id. */
export function nodeTitle(node: GraphNode, object?: DetectedObject): string {
  const p = node.properties;
  const pick = (...keys: string[]) => keys.map((k) => p[k]).find((v) => typeof v === 'string' && v !== '');
  if (object) return object.label;
  return (pick('label', 'name', 'uri') as string | undefined) ?? node.id;
}

/** The model version of a node: from its features, else its `model_version` property. */
export function nodeModelVersion(node: GraphNode, object?: DetectedObject): string | undefined {
  if (object) return object.model_version;
  const v = node.properties.model_version;
  return typeof v === 'string' ? v : undefined;
}

export interface LineageStep {
  kind: NodeKind | 'Model' | 'Source';
  id: string;
  /** Whether the id is a node the UI can select. */
  selectable: boolean;
}

/** Where a node comes from: source image → object → feature, and the model version that made it. */
export function lineage(node: GraphNode, object?: DetectedObject): LineageStep[] {
  const p = node.properties;
  const str = (k: string) => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);
  const steps: LineageStep[] = [];
  const push = (kind: LineageStep['kind'], id: string | undefined, selectable = true) => {
    if (id) steps.push({ kind, id, selectable });
  };
  const model = nodeModelVersion(node, object);
  if (node.kind === 'Image') {
    push('Source', str('uri'), false);
    push('Image', node.id);
  } else if (node.kind === 'Object') {
    push('Image', object?.image_id ?? str('image_id'));
    push('Object', node.id);
    push('Feature', object?.feature_id ?? str('feature_id'));
    push('Model', model, false);
  } else {
    push('Image', str('image_id'));
    push('Object', str('object_id'));
    push('Feature', node.id);
    push('Model', model, false);
  }
  return steps;
}

export interface VectorStats {
  length: number;
  min: number;
  max: number;
  mean: number;
  norm: number;
}

export function vectorStats(values: readonly number[]): VectorStats {
  if (values.length === 0) return { length: 0, min: 0, max: 0, mean: 0, norm: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sq += v * v;
  }
  return { length: values.length, min, max, mean: sum / values.length, norm: Math.sqrt(sq) };
}

/** Polyline points of `values` averaged into at most `width` buckets, scaled into `width`×`height`. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const buckets = Math.max(1, Math.min(values.length, Math.floor(width)));
  const means: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * values.length) / buckets);
    const end = Math.max(start + 1, Math.floor(((b + 1) * values.length) / buckets));
    let s = 0;
    for (let i = start; i < end; i++) s += values[i] ?? 0;
    means.push(s / (end - start));
  }
  const { min, max } = vectorStats(means);
  const span = max - min || 1;
  const step = buckets > 1 ? width / (buckets - 1) : 0;
  return means
    .map((m, i) => `${(i * step).toFixed(1)},${(height - ((m - min) / span) * height).toFixed(1)}`)
    .join(' ');
}
