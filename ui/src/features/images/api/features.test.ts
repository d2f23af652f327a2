import { describe, expect, test } from 'vitest';
import { BASE, installFakeApi, makeImage, makeObject, MODEL } from '@/shared/testing/fakeFetch';
import { fetchImageFeatures, fetchObjectFeatures, imageUrl } from './features';

describe('feature lookups', () => {
  test('image features are fetched by image id, with the version only when given', async () => {
    const image = makeImage();
    const fetch = installFakeApi({
      'GET /features/image': { body: { source: 'graph', model_version: MODEL, image, objects: [], relations: [] } },
    });

    const res = await fetchImageFeatures(image.id);
    await fetchImageFeatures(image.id, 'v1');

    expect(res.image.id).toBe(image.id);
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/features/image?id=${image.id}`);
    expect(String(fetch.mock.calls[1]?.[0])).toBe(`${BASE}/features/image?id=${image.id}&version=v1`);
  });

  test('an object is fetched by id', async () => {
    const object = makeObject();
    const fetch = installFakeApi({
      [`GET /features/object/${object.id}`]: { body: { source: 'cache', model_version: MODEL, object } },
    });
    expect((await fetchObjectFeatures(object.id)).object.label).toBe('person');
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/features/object/${object.id}`);
  });

  test('an unknown object is a not_found error', async () => {
    installFakeApi({});
    await expect(fetchObjectFeatures('0'.repeat(32))).rejects.toMatchObject({ status: 404, kind: 'not_found' });
  });

  test('image bytes come from /images/{id}', () => {
    installFakeApi({});
    expect(imageUrl('abc')).toBe(`${BASE}/images/abc`);
  });
});
