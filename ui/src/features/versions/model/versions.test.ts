import { describe, expect, test } from 'vitest';
import { ApiError } from '@/shared/http/errors';
import type { BackfillRun, FeatureSet } from './types';
import {
  actionFailure,
  barWidth,
  compareDefaults,
  coverageText,
  duration,
  percent,
  rollbackTarget,
  runView,
  signed,
  versionRows,
} from './versions';

const OLD = 'ssd@1+mobilenet@1';
const NEW = 'ssd_int8@1+mobilenet@1';

function makeSet(over: Partial<FeatureSet> = {}): FeatureSet {
  return {
    name: 'default',
    active: OLD,
    versions: [OLD, NEW],
    history: [],
    coverage: {
      feature_set: 'default',
      images: 5,
      versions: [
        { version: OLD, images: 5, fraction: 1 },
        { version: NEW, images: 1, fraction: 0.2 },
      ],
    },
    ...over,
  };
}

function makeRun(over: Partial<BackfillRun['progress']> = {}, state: BackfillRun['state'] = { state: 'running' }): BackfillRun {
  return {
    line: 'bf-1 running',
    state,
    progress: {
      manifest: {
        run: 'bf-20261130-abc',
        feature_set: 'default',
        model_version: NEW,
        processor: 'local',
        scope: 'all',
        images: 5,
        shards: 2,
        chunk_size: 32,
        created_at: '2026-11-30T09:00:00Z',
        created_by: 'cli',
      },
      job: null,
      total: 4,
      done: 1,
      failed: 0,
      elapsed_s: 2,
      images_per_s: 0.5,
      eta_s: 6,
      covered: 2,
      set_images: 5,
      ...over,
    },
  };
}

describe('versionRows', () => {
  test('each version carries its coverage, which one is active, and whether it may be activated unforced', () => {
    const rows = versionRows(makeSet(), 0.95);
    expect(rows).toEqual([
      { version: OLD, images: 5, total: 5, fraction: 1, active: true, activatable: true },
      { version: NEW, images: 1, total: 5, fraction: 0.2, active: false, activatable: false },
    ]);
  });

  test('a version the coverage does not count shows zero images, and a coverage-only version is still listed', () => {
    const set = makeSet({ versions: ['lonely@1'], coverage: { feature_set: 'default', images: 4, versions: [{ version: OLD, images: 4, fraction: 1 }] } });
    const rows = versionRows(set, 0.95);
    expect(rows.map((r) => [r.version, r.images, r.fraction])).toEqual([
      ['lonely@1', 0, 0],
      [OLD, 4, 1],
    ]);
  });
});

describe('formatting', () => {
  test.each([
    [5, 5, '5 / 5 images (100.0%)'],
    [1, 5, '1 / 5 images (20.0%)'],
    [949, 1000, '949 / 1000 images (94.9%)'],
    [0, 0, '0 / 0 images (0.0%)'],
    [1, 1, '1 / 1 image (100.0%)'],
  ])('%i of %i images reads %s', (images, total, text) => {
    expect(coverageText(images, total)).toBe(text);
  });

  test('a percentage keeps one decimal, so 94.96% never rounds up to a 95% threshold it misses', () => {
    expect(percent(0.9496)).toBe('95.0%');
    expect(percent(0.9449)).toBe('94.5%');
    expect(percent(-1)).toBe('0.0%');
  });

  test('the bar is empty at zero, at least a sliver when anything is covered, and never past full', () => {
    expect([barWidth(0), barWidth(0.001), barWidth(0.5), barWidth(2), barWidth(Number.NaN)]).toEqual([0, 1, 50, 100, 0]);
  });

  test('durations read like the command line prints them', () => {
    expect([duration(42.4), duration(306), duration(3720)]).toEqual(['42s', '5m06s', '1h02m']);
  });

  test('changes are signed and absent values are a dash', () => {
    expect([signed(0.0123), signed(-0.5), signed(0), signed(-0.0001), signed(null)]).toEqual(['+0.012', '−0.500', '0.000', '0.000', '–']);
  });
});

describe('rollback and compare defaults', () => {
  test('a rollback returns to the version active before the newest switch', () => {
    const history = [{ feature_set: 'default', from: OLD, to: NEW, actor: 'alice', at: '2026-11-30T09:00:00Z', coverage: 1 }];
    expect(rollbackTarget(makeSet({ active: NEW, history }))).toBe(OLD);
    expect(rollbackTarget(makeSet())).toBeUndefined();
    expect(rollbackTarget(makeSet({ history: [{ ...history[0]!, from: null }] }))).toBeUndefined();
  });

  test('comparison defaults to the active version against the newest other one', () => {
    expect(compareDefaults(makeSet())).toEqual({ from: OLD, to: NEW });
    expect(compareDefaults(makeSet({ active: NEW }))).toEqual({ from: NEW, to: OLD });
    expect(compareDefaults(makeSet({ versions: [OLD] }))).toBeUndefined();
  });
});

describe('runView', () => {
  test('a running backfill shows images done, its rate with an ETA, and the graph coverage of its version', () => {
    const v = runView(makeRun());
    expect(v).toMatchObject({
      run: 'bf-20261130-abc',
      version: NEW,
      state: 'running',
      fraction: 0.25,
      progressText: '1 / 4 images',
      rateText: '0.5 images/s · ETA 6s',
      coverage: '2 / 5 images (40.0%)',
    });
  });

  test('a failed run says why and counts its unusable images; a finished one has no ETA', () => {
    const failed = runView(makeRun({ failed: 2 }, { state: 'failed', reason: 'shard 1 exited 2' }));
    expect([failed.stateText, failed.progressText]).toEqual(['failed: shard 1 exited 2', '1 / 4 images, 2 failed']);
    expect(runView(makeRun({ done: 4, eta_s: null }, { state: 'complete' })).rateText).toBe('0.5 images/s');
  });
});

describe('actionFailure', () => {
  test('a 401 is a refused token, a 409 a refusal that may be forced, anything else a plain message', () => {
    expect(actionFailure(new ApiError(401, 'unauthorized', 'wrong bearer token'))).toEqual({
      message: 'The server refused the admin token: wrong bearer token',
      badToken: true,
      canForce: false,
    });
    expect(actionFailure(new ApiError(409, 'conflict', 'v covers 1/5 images'))).toEqual({
      message: 'Refused: v covers 1/5 images',
      badToken: false,
      canForce: true,
    });
    expect(actionFailure(new ApiError(503, 'unavailable', 'neo4j down'))).toMatchObject({ badToken: false, canForce: false });
    expect(actionFailure(new ApiError(503, 'unavailable', 'neo4j down')).message).toMatch(/unavailable.*neo4j down/);
  });
});
