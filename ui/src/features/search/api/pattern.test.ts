import { describe, expect, test } from 'vitest';
import { BASE, installFakeApi, MODEL } from '@/shared/testing/fakeFetch';
import { buildPatternQuery, emptyForm } from '../model/pattern';
import { queryPattern } from './pattern';

describe('queryPattern', () => {
  test('posts the query as JSON to /query/pattern', async () => {
    const fetch = installFakeApi({ 'POST /query/pattern': { body: { model_version: MODEL, matches: [], truncated: false } } });
    const query = buildPatternQuery(emptyForm());

    const res = await queryPattern(query);

    expect(res.matches).toEqual([]);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${BASE}/query/pattern`);
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual(query);
  });

  test('a 400 surfaces the server message', async () => {
    installFakeApi({ 'POST /query/pattern': { status: 400, body: { error: 'bad_input', message: 'unknown label "persn"' } } });
    await expect(queryPattern(buildPatternQuery(emptyForm()))).rejects.toMatchObject({
      kind: 'bad_input',
      message: 'unknown label "persn"',
    });
  });
});
