import { describe, expect, test } from 'vitest';
import { BASE, installFakeApi } from '@/shared/testing/fakeFetch';
import { fetchNeighbourhood, fetchNode } from './graph';

describe('graph routes', () => {
  test('a node is fetched by id', async () => {
    const fetch = installFakeApi({
      'GET /graph/node/n1': { body: { node: { id: 'n1', kind: 'Image', labels: ['Image'], properties: {} } } },
    });
    expect((await fetchNode('n1')).node.kind).toBe('Image');
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/graph/node/n1`);
  });

  test('a neighbourhood carries depth and limit', async () => {
    const fetch = installFakeApi({ 'GET /graph/neighbourhood/n1': { body: { nodes: [], relationships: [], truncated: true } } });
    const hood = await fetchNeighbourhood('n1', 2);
    expect(hood.truncated).toBe(true);
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/graph/neighbourhood/n1?depth=2&limit=200`);
  });
});
