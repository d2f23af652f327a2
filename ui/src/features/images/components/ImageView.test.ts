import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { installFakeApi, makeImage, makeObject, MODEL, settle } from '@/shared/testing/fakeFetch';
import { testRouter } from '@/shared/testing/router';
import ImageView from './ImageView.vue';

const image = makeImage();
const person = makeObject({ id: 'p'.repeat(32), label: 'person' });
const car = makeObject({ id: 'c'.repeat(32), label: 'car', box: { x_min: 400, y_min: 300, x_max: 780, y_max: 580 } });

async function mountAt(path: string, routes: Parameters<typeof installFakeApi>[0]) {
  const fetch = installFakeApi(routes);
  const router = await testRouter(path);
  const wrapper = mount(ImageView, { global: { plugins: [router] }, attachTo: document.body });
  await settle();
  // NB: happy-dom does no layout; give the image a displayed size as a browser would.
  const img = wrapper.find('[data-testid=image]');
  if (img.exists()) {
    Object.defineProperty(img.element, 'clientWidth', { value: 400 });
    Object.defineProperty(img.element, 'clientHeight', { value: 300 });
    await img.trigger('load');
    await flushPromises();
  }
  return { wrapper, router, fetch };
}

const features = { body: { source: 'graph', model_version: MODEL, image, objects: [person, car], relations: [{ type: 'NEAR', from: person.id, to: car.id, distance: 0.31 }] } };

describe('ImageView', () => {
  test('loads the image by id and draws one scaled box per object', async () => {
    const { wrapper, fetch } = await mountAt(`/image/${image.id}`, { 'GET /features/image': features });
    expect(String(fetch.mock.calls[0]?.[0])).toContain(`/features/image?id=${image.id}`);
    expect(wrapper.get('[data-testid=image]').attributes('src')).toBe(`http://api.test/images/${image.id}`);
    const boxes = wrapper.findAll('[data-testid=object-box]');
    expect(boxes.map((b) => b.attributes('data-label')).sort()).toEqual(['car', 'person']);
    const carRect = wrapper.get('[data-testid=object-box][data-label=car] > rect');
    expect([carRect.attributes('x'), carRect.attributes('y')]).toEqual(['200', '150']);
    expect(wrapper.get('[data-testid=relations]').text()).toContain('person NEAR car');
  });

  test('clicking a box puts the object in the URL for the inspector', async () => {
    const { wrapper, router } = await mountAt(`/image/${image.id}`, { 'GET /features/image': features });
    await wrapper.get('[data-testid=object-box][data-label=car]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query.node).toBe(car.id);
  });

  test('an unknown image shows the error', async () => {
    const { wrapper } = await mountAt(`/image/${'0'.repeat(64)}`, {});
    expect(wrapper.get('[data-testid=error]').text()).toMatch(/Not found/);
  });

  test('an image without objects says so', async () => {
    const { wrapper } = await mountAt(`/image/${image.id}`, {
      'GET /features/image': { body: { ...features.body, objects: [], relations: [] } },
    });
    expect(wrapper.get('[data-testid=empty]').text()).toMatch(/No objects/);
  });
});
