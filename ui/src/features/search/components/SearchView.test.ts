import { mount } from '@vue/test-utils';
import { describe, expect, test, vi } from 'vitest';
import { installFakeApi, makeImage, makeObject, MODEL, settle } from '@/shared/testing/fakeFetch';
import { testRouter } from '@/shared/testing/router';
import SearchView from './SearchView.vue';

const image = makeImage();
const person = makeObject({ id: 'p'.repeat(32), label: 'person' });
const car = makeObject({ id: 'c'.repeat(32), label: 'car' });
const match = { image, subject: person, object: car, relation: { type: 'NEAR', from: person.id, to: car.id, distance: 0.123 } };

async function mountAt(path: string, reply: { status?: number; body: unknown }) {
  const fetch = installFakeApi({ 'POST /query/pattern': reply });
  const router = await testRouter(path);
  const wrapper = mount(SearchView, { global: { plugins: [router] } });
  await settle();
  return { wrapper, router, fetch };
}

describe('SearchView', () => {
  test('without a query it explains itself and sends nothing', async () => {
    const { wrapper, fetch } = await mountAt('/search', { body: {} });
    expect(wrapper.find('.hint').exists()).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });

  test('submitting puts the search in the URL and posts the pattern', async () => {
    const { wrapper, router, fetch } = await mountAt('/search', { body: { model_version: MODEL, matches: [match], truncated: false } });
    await wrapper.get('[data-testid=max-distance]').setValue('0.2');
    await wrapper.get('[data-testid=pattern-form]').trigger('submit');
    await settle();

    expect(router.currentRoute.value.query).toEqual({ s: 'person', d: '0.2', o: 'car' });
    const body = JSON.parse(String((fetch.mock.calls[0]?.[1] as RequestInit).body));
    expect(body.relation).toEqual({ type: 'NEAR', max_distance: 0.2 });
    const card = wrapper.get('[data-testid=match-card]');
    expect(card.get('[data-testid=match-subject]').text()).toBe('person');
    expect(card.get('[data-testid=match-object]').text()).toBe('car');
    expect(card.get('[data-testid=match-distance]').text()).toBe('distance 0.123');
    expect(card.get('img').attributes('src')).toBe(`http://api.test/images/${image.id}`);
    expect(wrapper.get('[data-testid=results-model-version]').text()).toBe(MODEL);
  });

  test('opening a match goes to its image with the subject selected', async () => {
    const { wrapper, router } = await mountAt('/search?s=person&o=car', { body: { model_version: MODEL, matches: [match], truncated: false } });
    await wrapper.get('[data-testid=match-open]').trigger('click');
    // NB: the image route is lazy-loaded, so navigation ends after its chunk is imported.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('image'));
    expect(router.currentRoute.value.params.id).toBe(image.id);
    expect(router.currentRoute.value.query.node).toBe(person.id);
  });

  test('no matches says so', async () => {
    const { wrapper } = await mountAt('/search?s=giraffe&o=toaster', { body: { model_version: MODEL, matches: [], truncated: false } });
    expect(wrapper.get('[data-testid=empty]').text()).toMatch(/No images match/);
  });

  test('a backend failure shows the error', async () => {
    const { wrapper } = await mountAt('/search?s=person&o=car', { status: 503, body: { error: 'unavailable', message: 'neo4j down' } });
    expect(wrapper.get('[data-testid=error]').text()).toMatch(/unavailable.*neo4j down/);
  });

  test('truncated results offer the next page from the cursor the server returned', async () => {
    const cursor = `${image.id}.${person.id}.${car.id}`;
    const { wrapper, fetch } = await mountAt('/search?s=person&o=car', { body: { model_version: MODEL, matches: [match], truncated: true, next_cursor: cursor } });
    await wrapper.get('[data-testid=load-more]').trigger('click');
    await settle();
    const body = JSON.parse(String((fetch.mock.calls[1]?.[1] as RequestInit).body));
    expect(body.cursor).toBe(cursor);
    expect(body).not.toHaveProperty('offset');
  });
});
