import { describe, expect, test } from 'vitest';
import type { Neighbourhood } from './types';
import { hopsFrom, nodeCaption, toElements } from './elements';

const hood: Neighbourhood = {
  nodes: [
    { id: 'img', kind: 'Image', labels: ['Image'], properties: { name: 'photos/dog.jpg' } },
    { id: 'o1', kind: 'Object', labels: ['Object'], properties: { label: 'dog' } },
    { id: 'f1', kind: 'Feature', labels: ['Feature'], properties: {} },
  ],
  relationships: [
    { id: 'r1', type: 'CONTAINS', start: 'img', end: 'o1', properties: {} },
    { id: 'r2', type: 'HAS_FEATURE', start: 'o1', end: 'f1', properties: {} },
    { id: 'r3', type: 'NEAR', start: 'o1', end: 'gone', properties: {} },
  ],
  truncated: true,
};

describe('neighbourhood elements', () => {
  test('nodes get captions and kind classes; the centre is marked', () => {
    const els = toElements(hood, 'o1');
    const nodes = els.filter((e) => e.group === 'nodes');
    expect(nodes.map((n) => n.data.caption)).toEqual(['dog.jpg', 'dog', 'Feature f1']);
    expect(nodes[1]?.classes).toBe('object center');
  });

  test('edges to nodes outside the answer are dropped', () => {
    const edges = toElements(hood, 'o1').filter((e) => e.group === 'edges');
    expect(edges.map((e) => e.data.id)).toEqual(['e:r1', 'e:r2']);
  });

  test('hops are counted both ways from the centre', () => {
    expect(Object.fromEntries(hopsFrom(hood, 'img'))).toEqual({ img: 0, o1: 1, f1: 2, gone: 2 });
  });

  test('a node without a caption property shows its kind and id', () => {
    expect(nodeCaption({ id: 'abcdef123', kind: 'Object', labels: [], properties: {} })).toBe('Object abcdef');
  });
});
