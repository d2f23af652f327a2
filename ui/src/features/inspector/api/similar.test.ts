import { describe, expect, test } from 'vitest';
import { BASE, installFakeApi, MODEL } from '@/shared/testing/fakeFetch';
import { fetchSimilar } from './similar';

describe('fetchSimilar', () => {
  test('asks for k results of one object', async () => {
    const fetch = installFakeApi({ 'GET /similar/abc': { body: { object_id: 'abc', model_version: MODEL, results: [] } } });
    await fetchSimilar('abc');
    await fetchSimilar('abc', 3, 'v2');
    expect(String(fetch.mock.calls[0]?.[0])).toBe(`${BASE}/similar/abc?k=8`);
    expect(String(fetch.mock.calls[1]?.[0])).toBe(`${BASE}/similar/abc?k=3&version=v2`);
  });
});
