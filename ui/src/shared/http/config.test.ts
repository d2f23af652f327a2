import { describe, expect, test } from 'vitest';
import { resolveApiBase, type ApiBaseSources } from './config';

describe('resolveApiBase', () => {
  test.each<[ApiBaseSources, string, string]>([
    [{}, '', 'nothing set means same origin'],
    [{ buildTime: 'http://build:1/' }, 'http://build:1', 'build-time value, trailing slash dropped'],
    [{ buildTime: 'http://build:1', runtime: 'http://run:2' }, 'http://run:2', 'window value beats build time'],
    [{ buildTime: 'http://b', runtime: 'http://r', search: '?api=http%3A%2F%2Fq%3A3%2F' }, 'http://q:3', 'query beats all'],
    [{ runtime: '  ', buildTime: 'http://b' }, 'http://b', 'blank values are skipped'],
    [{ search: '?other=1', runtime: '/api/' }, '/api', 'a path prefix works too'],
  ])('%o gives %s (%s)', (sources, expected, _why) => {
    expect(resolveApiBase(sources)).toBe(expected);
  });
});
