//! DDL of the embedded store. Tables mirror the Neo4j model: `images`
//! (Image), `objects` (Object, CONTAINS via `image_id`), `features` (Feature,
//! HAS_FEATURE via `object_id`), `relations` (NEAR/OVERLAPS), `runs`
//! (lineage: which job processed which image with which version),
//! `locations`, and the versioning tables.

pub(super) const DDL: &str = r#"
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    bucket TEXT,
    name TEXT NOT NULL,
    generation INTEGER,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    md5_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS images_md5 ON images(md5_hash);
CREATE TABLE IF NOT EXISTS locations (
    uri TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id),
    bucket TEXT,
    name TEXT NOT NULL,
    generation INTEGER,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS locations_image ON locations(image_id);
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id),
    model_version TEXT NOT NULL,
    label TEXT NOT NULL,
    category_id INTEGER NOT NULL,
    score REAL NOT NULL,
    x_min REAL NOT NULL, y_min REAL NOT NULL, x_max REAL NOT NULL, y_max REAL NOT NULL,
    nx_min REAL NOT NULL, ny_min REAL NOT NULL, nx_max REAL NOT NULL, ny_max REAL NOT NULL,
    color TEXT NOT NULL,
    color_fraction REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_image_version ON objects(image_id, model_version);
CREATE INDEX IF NOT EXISTS objects_label ON objects(model_version, label);
CREATE TABLE IF NOT EXISTS features (
    id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL UNIQUE REFERENCES objects(id),
    model_version TEXT NOT NULL,
    dim INTEGER NOT NULL,
    embedding BLOB NOT NULL,
    job_id TEXT NOT NULL,
    detector TEXT NOT NULL,
    embedder TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    image_generation INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS features_version ON features(model_version);
CREATE TABLE IF NOT EXISTS relations (
    kind TEXT NOT NULL,
    from_id TEXT NOT NULL REFERENCES objects(id),
    to_id TEXT NOT NULL REFERENCES objects(id),
    model_version TEXT NOT NULL,
    distance REAL,
    iou REAL,
    PRIMARY KEY (kind, from_id, to_id)
);
CREATE INDEX IF NOT EXISTS relations_version ON relations(model_version, kind);
CREATE TABLE IF NOT EXISTS runs (
    image_id TEXT NOT NULL REFERENCES images(id),
    model_version TEXT NOT NULL,
    job_id TEXT NOT NULL,
    uri TEXT NOT NULL,
    host TEXT NOT NULL,
    processor TEXT NOT NULL,
    execution_provider TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (image_id, model_version, job_id)
);
CREATE TABLE IF NOT EXISTS feature_sets (
    name TEXT PRIMARY KEY,
    active_version TEXT
);
CREATE TABLE IF NOT EXISTS feature_set_versions (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS version_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    from_version TEXT,
    to_version TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    coverage REAL
);
"#;
