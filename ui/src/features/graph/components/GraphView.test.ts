import { mount } from '@vue/test-utils';
import { describe, expect, test, vi } from 'vitest';
import { installFakeApi, settle } from '@/shared/testing/fakeFetch';
import { testRouter } from '@/shared/testing/router';
import GraphView from './GraphView.vue';

// NB: Cytoscape needs a canvas; the drawing itself is covered by the end-to-end test.
const added: unknown[] = [];
vi.mock('cytoscape', () => {
  const collection = { remove: vi.fn(), removeClass: vi.fn(), addClass: vi.fn() };
  const cy = {
    on: vi.fn(),
    elements: () => collection,
    nodes: () => collection,
    getElementById: () => collection,
    add: (els: unknown[]) => added.push(...els),
    layout: () => ({ run: vi.fn() }),
    zoom: () => 1,
    center: vi.fn(),
    destroy: vi.fn(),
  };
  return { default: vi.fn(() => cy) };
});

const hood = {
  nodes: [
    { id: 'o1', kind: 'Object', labels: ['Object'], properties: { label: 'dog' } },
    { id: 'img', kind: 'Image', labels: ['Image'], properties: { name: 'dog.jpg' } },
  ],
  relationships: [{ id: 'r1', type: 'CONTAINS', start: 'img', end: 'o1', properties: {} }],
  truncated: true,
};

describe('GraphView', () => {
  test('asks for the neighbourhood at the chosen depth and shows the truncated flag', async () => {
    const fetch = installFakeApi({
      'GET /graph/neighbourhood/o1': { body: hood },
      'GET /graph/node/o1': { body: { node: hood.nodes[0] } },
    });
    const router = await testRouter('/graph/o1?depth=2');
    const wrapper = mount(GraphView, { global: { plugins: [router] } });
    await settle();

    expect(String(fetch.mock.calls[0]?.[0])).toContain('/graph/neighbourhood/o1?depth=2&limit=200');
    expect(wrapper.get('[data-testid=graph-counts]').text()).toBe('2 nodes · 1 relationships');
    expect(wrapper.find('[data-testid=graph-truncated]').exists()).toBe(true);
    expect(wrapper.get('[data-testid=graph-title]').text()).toContain('dog');
    expect(added).toHaveLength(3);
  });
});
