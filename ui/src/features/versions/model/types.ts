//! Types of the versions and backfill routes (docs/api.md "Versions" and "Backfills"),
//! mirroring `FeatureSetState`, `Coverage`, `backfill::status::Progress` and `backfill::compare::Report`.

/** Images of a feature set one version has processed. */
export interface VersionCoverage {
  version: string;
  images: number;
  /** `images` over the set's images (0 when the set has none). */
  fraction: number;
}

export interface Coverage {
  feature_set: string;
  /** Images processed by any version of the set. */
  images: number;
  /** Oldest first. */
  versions: VersionCoverage[];
}

/** One entry of the audit trail. */
export interface VersionChange {
  feature_set: string;
  from: string | null;
  to: string;
  /** The name of the admin token that made the switch. */
  actor: string;
  at: string;
  /** Share of the set's images the version covered when activated, where checked. */
  coverage?: number;
}

export interface FeatureSet {
  name: string;
  active: string | null;
  /** Versions with features, oldest first. */
  versions: string[];
  /** Newest first. */
  history: VersionChange[];
  coverage: Coverage;
}

/** `GET /versions`. */
export interface VersionsResponse {
  feature_sets: FeatureSet[];
  /** Coverage a version needs before it can be activated without `force`. */
  min_coverage: number;
}

/** `POST /versions/{set}/activate|rollback`. */
export interface ChangeResponse {
  change: VersionChange;
}

export type RunState = { state: 'running' } | { state: 'complete' } | { state: 'failed'; reason: string };

export interface BackfillManifest {
  run: string;
  feature_set: string;
  model_version: string;
  processor: string;
  scope: string;
  images: number;
  shards: number;
  chunk_size: number;
  created_at: string;
  created_by: string;
}

/** A run's Job (or its local shards). */
export interface JobState {
  name: string;
  state: RunState;
  active: number;
  succeeded: number;
  failed: number;
  completions: number;
  started_at: string | null;
  finished_at: string | null;
}

export interface Progress {
  manifest: BackfillManifest;
  job: JobState | null;
  /** Images in the run. */
  total: number;
  /** Images in finished chunks (delivered or unusable). */
  done: number;
  failed: number;
  elapsed_s: number;
  images_per_s: number;
  eta_s: number | null;
  /** Images of the set with features of the run's version, per the graph. */
  covered: number;
  set_images: number;
}

export interface BackfillRun {
  /** The same line `sightgraph backfill status` prints. */
  line: string;
  state: RunState;
  progress: Progress;
}

/** `GET /backfills`: the newest run of each version, newest first. */
export interface BackfillsResponse {
  feature_set: string;
  backfills: BackfillRun[];
}

export interface LabelStats {
  label: string;
  from: number;
  to: number;
  matched: number;
  relabelled: number;
  mean_score_change: number | null;
  /** Mean 1 − cosine of matched same-label pairs; null when the embedders differ. */
  embedding_drift: number | null;
}

export interface LabelChange {
  from: string;
  to: string;
  count: number;
}

export interface CompareReport {
  feature_set: string;
  from: string;
  to: string;
  generated_at: string;
  set_images: number;
  from_images: number;
  to_images: number;
  images_compared: number;
  truncated: boolean;
  objects_from: number;
  objects_to: number;
  matched: number;
  label_changes_total: number;
  only_from: number;
  only_to: number;
  mean_score_change: number | null;
  labels: LabelStats[];
  label_changes: LabelChange[];
}

/** `POST /backfills/compare`: the report and the same as a Markdown table. */
export interface CompareResponse {
  report: CompareReport;
  table: string;
}
