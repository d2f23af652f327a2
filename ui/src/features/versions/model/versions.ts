//! What the versions view shows, computed from the API's answers: coverage rows, backfill
//! progress, the compare defaults and how an admin action's failure reads.
import { ApiError, describeError } from '@/shared/http/errors';
import type { BackfillRun, FeatureSet, RunState } from './types';

/** One version of a set as the table shows it. */
export interface VersionRow {
  version: string;
  /** Images of the set with features of this version. */
  images: number;
  /** Images of the set. */
  total: number;
  fraction: number;
  active: boolean;
  /** Covers enough of the set to be activated without force. */
  activatable: boolean;
}

/** The set's versions, oldest first, each with its coverage (0 where the graph counted none). */
export function versionRows(set: FeatureSet, minCoverage: number): VersionRow[] {
  const names = [...set.versions];
  for (const c of set.coverage.versions) if (!names.includes(c.version)) names.push(c.version);
  const total = set.coverage.images;
  return names.map((version) => {
    const c = set.coverage.versions.find((v) => v.version === version);
    const images = c?.images ?? 0;
    const fraction = c?.fraction ?? (total > 0 ? images / total : 0);
    return { version, images, total, fraction, active: version === set.active, activatable: fraction >= minCoverage };
  });
}

/** `42.5%`: one decimal, so 94.9% never reads as the 95% a threshold asks for. */
export function percent(fraction: number): string {
  return `${(Math.max(0, fraction) * 100).toFixed(1)}%`;
}

/** `3 / 5 images (60.0%)`. */
export function coverageText(images: number, total: number): string {
  return `${images} / ${total} image${total === 1 ? '' : 's'} (${percent(total > 0 ? images / total : 0)})`;
}

/** The bar's width: 0..100, at least a sliver when anything is covered. */
export function barWidth(fraction: number): number {
  if (!(fraction > 0)) return 0;
  return Math.min(100, Math.max(1, fraction * 100));
}

/** The version a rollback returns to: the one active before the newest switch. */
export function rollbackTarget(set: FeatureSet): string | undefined {
  return set.history[0]?.from ?? undefined;
}

/** Compare the active version with the newest other one by default. */
export function compareDefaults(set: FeatureSet): { from: string; to: string } | undefined {
  const from = set.active ?? set.versions[0];
  const to = [...set.versions].reverse().find((v) => v !== from);
  return from && to ? { from, to } : undefined;
}

/** `1h02m`, `5m06s`, `42s`, like `sightgraph backfill status`. */
export function duration(seconds: number): string {
  const s = Math.round(Math.max(0, seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function stateText(state: RunState): string {
  return state.state === 'failed' ? `failed: ${state.reason}` : state.state;
}

/** A backfill run as the view shows it. */
export interface RunView {
  run: string;
  version: string;
  state: RunState['state'];
  stateText: string;
  /** Images done over the run's images. */
  fraction: number;
  progressText: string;
  rateText: string;
  coverage: string;
}

export function runView(b: BackfillRun): RunView {
  const p = b.progress;
  const eta = p.eta_s === null || b.state.state !== 'running' ? '' : ` · ETA ${duration(p.eta_s)}`;
  return {
    run: p.manifest.run,
    version: p.manifest.model_version,
    state: b.state.state,
    stateText: stateText(b.state),
    fraction: p.total > 0 ? p.done / p.total : 1,
    progressText: `${p.done} / ${p.total} images${p.failed > 0 ? `, ${p.failed} failed` : ''}`,
    rateText: `${p.images_per_s.toFixed(1)} images/s${eta}`,
    coverage: coverageText(p.covered, p.set_images),
  };
}

/** How an admin action's failure reads, and what the user can do next. */
export interface ActionFailure {
  message: string;
  /** The token was refused: forget it and ask again. */
  badToken: boolean;
  /** A coverage refusal (409): the same action may be forced. */
  canForce: boolean;
}

export function actionFailure(err: unknown): ActionFailure {
  if (err instanceof ApiError && err.kind === 'unauthorized') {
    return { message: `The server refused the admin token: ${err.message}`, badToken: true, canForce: false };
  }
  if (err instanceof ApiError && err.kind === 'conflict') {
    return { message: `Refused: ${err.message}`, badToken: false, canForce: true };
  }
  return { message: describeError(err), badToken: false, canForce: false };
}

/** Signed, three decimals: `+0.012`, `−0.034`, `–` for none. */
export function signed(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return '–';
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${value < 0 ? '−' : '+'}${text}`;
}

export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}
