import { describe, expect, test, vi } from 'vitest';
import { ApiClient, bearer } from './client';
import { ApiError } from './errors';

const reply = (status: number, body: string) => vi.fn(async () => new Response(body, { status }));

describe('ApiClient', () => {
  test('builds URLs from the base and skips empty query values', () => {
    const client = new ApiClient({ baseUrl: 'http://api:8080' });
    expect(client.url('/features/image', { id: 'abc', version: undefined, x: '', k: 8 })).toBe(
      'http://api:8080/features/image?id=abc&k=8',
    );
    expect(new ApiClient({ baseUrl: '' }).url('/images/1')).toBe('/images/1');
  });

  test('a GET asks for JSON and returns the parsed body', async () => {
    const fetch = reply(200, '{"node":{"id":"n"}}');
    const client = new ApiClient({ baseUrl: 'http://api', fetch });

    const body = await client.get<{ node: { id: string } }>('/graph/node/n');

    expect(body.node.id).toBe('n');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://api/graph/node/n');
    expect(init.method).toBe('GET');
    expect((init.headers as Record<string, string>).Accept).toBe('application/json');
  });

  test('a POST sends a JSON body with its content type', async () => {
    const fetch = reply(200, '{}');
    await new ApiClient({ baseUrl: '', fetch }).post('/query/pattern', { a: 1 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/query/pattern');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"a":1}');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  test('admin headers travel with a GET and a POST, and a POST keeps its JSON content type', async () => {
    const fetch = reply(200, '{}');
    const client = new ApiClient({ baseUrl: '', fetch });

    await client.get('/backfills', { feature_set: 'default' }, undefined, bearer('t0k3n-0123456789abcdef'));
    await client.post('/versions/default/rollback', {}, undefined, bearer('t0k3n-0123456789abcdef'));

    for (const [, init] of fetch.mock.calls as unknown as [string, RequestInit][]) {
      const headers = init.headers as Record<string, string>;
      expect(headers.Authorization).toBe('Bearer t0k3n-0123456789abcdef');
      expect(headers.Accept).toBe('application/json');
    }
    expect(((fetch.mock.calls[1] as unknown as [string, RequestInit])[1].headers as Record<string, string>)['Content-Type']).toBe(
      'application/json',
    );
  });

  test.each([
    [400, '{"error":"bad_input","message":"depth must be 1 or 2"}', 'bad_input', 'depth must be 1 or 2', 'bad_input'],
    [401, '{"error":"unauthorized","message":"missing token"}', 'unauthorized', 'missing token', 'unauthorized'],
    [404, '{"error":"not_found","message":"object 12 not found"}', 'not_found', 'object 12 not found', 'not_found'],
    [409, '{"error":"conflict","message":"covers 1/5 images"}', 'conflict', 'covers 1/5 images', 'conflict'],
    [503, '{"error":"unavailable","message":"neo4j down"}', 'unavailable', 'neo4j down', 'unavailable'],
    [500, 'Internal Server Error', 'server', 'Internal Server Error', undefined],
    [502, '', 'server', 'HTTP 502', undefined],
  ])('status %i with body %s maps to kind %s', async (status, body, kind, message, code) => {
    const client = new ApiClient({ baseUrl: '', fetch: reply(status, body) });
    const err = await client.get('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status, kind, code });
    expect((err as ApiError).message).toContain(message);
  });

  test('a network failure becomes a network error with status 0', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = (await new ApiClient({ baseUrl: '', fetch }).get('/x').catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 0, kind: 'network' });
    expect(err.userMessage).toMatch(/Cannot reach the API/);
  });

  test('a 200 that is not JSON is an error, not a crash', async () => {
    const err = await new ApiClient({ baseUrl: '', fetch: reply(200, '<html>') }).get('/x').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'http' });
  });

  test('user messages name the problem', () => {
    expect(new ApiError(404, 'not_found', 'node x').userMessage).toBe('Not found: node x');
    expect(new ApiError(503, 'unavailable', 'down').userMessage).toMatch(/unavailable/);
  });
});
