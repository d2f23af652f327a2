import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, test, vi } from 'vitest';
import { installFakeApi, makeObject, MODEL, settle } from '@/shared/testing/fakeFetch';
import NodeInspector from './NodeInspector.vue';

const object = makeObject({ label: 'car', embedding: Array.from({ length: 1280 }, (_, i) => (i % 7) / 7) });
const longUri = `gs://bucket/${'very-long-folder/'.repeat(12)}scenetext01.jpg#1`;
const node = {
  id: object.id,
  kind: 'Object',
  labels: ['Object'],
  properties: { label: 'car', model_version: MODEL, uri: longUri, score: 0.9 },
};
const similar = makeObject({ id: '2'.repeat(32), label: 'truck', image_id: 'b'.repeat(64) });

function routes(extra = {}) {
  return installFakeApi({
    [`GET /graph/node/${object.id}`]: { body: { node } },
    [`GET /features/object/${object.id}`]: { body: { source: 'cache', model_version: MODEL, object } },
    [`GET /similar/${object.id}`]: { body: { object_id: object.id, model_version: MODEL, results: [{ score: 1, object }, { score: 0.87, object: similar }] } },
    ...extra,
  });
}

async function mountInspector(nodeId?: string) {
  const wrapper = mount(NodeInspector, { props: { nodeId } });
  await settle();
  await flushPromises();
  return wrapper;
}

describe('NodeInspector', () => {
  test('without a selection it asks for one', async () => {
    routes();
    const wrapper = await mountInspector(undefined);
    expect(wrapper.find('[data-testid=inspector-empty]').exists()).toBe(true);
  });

  test('shows the label, kind and model version of an object', async () => {
    routes();
    const wrapper = await mountInspector(object.id);
    expect(wrapper.get('[data-testid=inspector-title]').text()).toBe('car');
    expect(wrapper.get('[data-testid=kind-badge]').text()).toBe('Object');
    expect(wrapper.get('[data-testid=inspector-label]').text()).toBe('car');
    expect(wrapper.get('[data-testid=inspector-model-version]').text()).toBe(MODEL);
  });

  test('long values are cut with an ellipsis and keep the full text in a tooltip', async () => {
    routes();
    const wrapper = await mountInspector(object.id);
    const version = wrapper.get('[data-testid=inspector-model-version]');
    expect(version.classes()).toContain('truncate');
    expect(version.attributes('title')).toBe(MODEL);
    const uri = wrapper.findAll('[data-testid=property-value]').find((v) => v.text() === longUri);
    expect(uri?.classes()).toContain('truncate');
    expect(uri?.attributes('title')).toBe(longUri);
  });

  test('lists every property and plots the feature vector', async () => {
    routes();
    const wrapper = await mountInspector(object.id);
    expect(wrapper.findAll('[data-testid=property-row]')).toHaveLength(Object.keys(node.properties).length);
    expect(wrapper.get('[data-testid=vector-length]').text()).toBe('1280 values');
    expect(wrapper.find('[data-testid=feature-sparkline] polyline').attributes('points')).toBeTruthy();
  });

  test('copy id puts the id on the clipboard', async () => {
    routes();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const wrapper = await mountInspector(object.id);
    await wrapper.get('[data-testid=copy-id]').trigger('click');
    await flushPromises();
    expect(writeText).toHaveBeenCalledWith(object.id);
    expect(wrapper.get('[data-testid=copy-id]').text()).toBe('Copied');
  });

  test('find similar lists other objects with scores, and clicking one opens it', async () => {
    const fetch = routes();
    const wrapper = await mountInspector(object.id);
    await wrapper.get('[data-testid=find-similar]').trigger('click');
    await settle();
    expect(String(fetch.mock.calls.at(-1)?.[0])).toContain(`/similar/${object.id}?k=8`);
    const items = wrapper.findAll('[data-testid=similar-item]');
    expect(items).toHaveLength(1);
    expect(items[0]?.text()).toContain('truck');
    expect(items[0]?.get('[data-testid=similar-score]').text()).toBe('0.870');
    await items[0]?.trigger('click');
    expect(wrapper.emitted('openObject')?.[0]).toEqual([similar]);
  });

  test('an unknown node shows the error with a retry', async () => {
    installFakeApi({});
    const wrapper = await mountInspector('9'.repeat(32));
    expect(wrapper.get('[data-testid=error]').text()).toMatch(/Not found/);
    expect(wrapper.get('[data-testid=error] button').text()).toBe('Retry');
  });

  test('an image node has no similar action and no feature plot', async () => {
    const id = 'c'.repeat(64);
    installFakeApi({
      [`GET /graph/node/${id}`]: { body: { node: { id, kind: 'Image', labels: ['Image'], properties: { name: 'photos/dog.jpg', uri: 'gs://b/photos/dog.jpg#1' } } } },
    });
    const wrapper = await mountInspector(id);
    expect(wrapper.get('[data-testid=inspector-title]').text()).toBe('photos/dog.jpg');
    expect(wrapper.find('[data-testid=find-similar]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=feature-sparkline]').exists()).toBe(false);
  });
});
