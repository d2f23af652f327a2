import { describe, expect, test } from 'vitest';
import { makeObject, MODEL } from '@/shared/testing/fakeFetch';
import type { GraphNode } from '@/features/graph/model/types';
import { formatValue, lineage, nodeModelVersion, nodeTitle, propertyRows, sparklinePoints, vectorStats } from './inspect';

const objectNode: GraphNode = { id: '1'.repeat(32), kind: 'Object', labels: ['Object'], properties: { label: 'person', score: 0.91234 } };

describe('inspector model', () => {
  test.each([
    [null, '—'],
    [3, '3'],
    [0.912345, '0.9123'],
    ['text', 'text'],
    [[1, 2], '1, 2'],
    [Array.from({ length: 1280 }, () => 0.5), '[1280 numbers]'],
    [{ a: 1 }, '{"a":1}'],
  ])('formatValue(%o) is %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  test('properties are sorted and keep their full value for the tooltip', () => {
    expect(propertyRows({ z: 'last', a: 'x'.repeat(300) })).toEqual([
      { key: 'a', value: 'x'.repeat(300), full: 'x'.repeat(300) },
      { key: 'z', value: 'last', full: 'last' },
    ]);
  });

  test('an object is titled by its label and versioned by its features', () => {
    const object = makeObject();
    expect(nodeTitle(objectNode, object)).toBe('person');
    expect(nodeModelVersion(objectNode, object)).toBe(MODEL);
    expect(nodeModelVersion({ ...objectNode, properties: {} })).toBeUndefined();
  });

  test('an object lineage runs image → object → feature → model', () => {
    const object = makeObject();
    expect(lineage(objectNode, object).map((s) => [s.kind, s.id])).toEqual([
      ['Image', object.image_id],
      ['Object', objectNode.id],
      ['Feature', object.feature_id],
      ['Model', MODEL],
    ]);
  });

  test('vector statistics', () => {
    expect(vectorStats([3, -4])).toEqual({ length: 2, min: -4, max: 3, mean: -0.5, norm: 5 });
    expect(vectorStats([]).length).toBe(0);
  });

  test('a 1280-value sparkline is averaged into at most `width` points inside the box', () => {
    const values = Array.from({ length: 1280 }, (_, i) => Math.sin(i / 20));
    const points = sparklinePoints(values, 320, 48).split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(320);
    expect(points.every(([x, y]) => x! >= 0 && x! <= 320 && y! >= 0 && y! <= 48)).toBe(true);
    expect(sparklinePoints([], 320, 48)).toBe('');
  });
});
