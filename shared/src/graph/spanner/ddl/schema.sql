-- Sightgraph on Cloud Spanner (GoogleSQL dialect): the tables and indexes every
-- deployment needs. `SpannerGraphStore::ensure_schema` applies the statements that are
-- missing (checked in INFORMATION_SCHEMA) on every start, and terraform/spanner.tf gives
-- the same file to `google_spanner_database.ddl`. Statements end with `;`; lines that
-- start with `--` are comments. Changes are additive: append new statements (CREATE …,
-- ALTER TABLE … ADD COLUMN …), never edit one that has shipped.
--
-- Keys are the content-derived hex ids (sha256 / truncated sha256): uniformly spread,
-- so writes never pile onto one split. Children are interleaved under their image, the
-- parent every hot path starts from, so an image with its locations, objects, features,
-- relations and runs lives in one split and is read and written together.

CREATE TABLE Images (
  ImageId STRING(64) NOT NULL,
  Uri STRING(MAX) NOT NULL,
  Bucket STRING(MAX),
  Name STRING(MAX) NOT NULL,
  Generation INT64,
  Width INT64 NOT NULL,
  Height INT64 NOT NULL,
  ContentType STRING(MAX) NOT NULL,
  SizeBytes INT64 NOT NULL,
  Md5Hash STRING(MAX) NOT NULL,
  CreatedAt TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (ImageId);

-- Dedup: "were these bytes (GCS md5Hash) already processed by the active version?"
CREATE INDEX ImagesByMd5 ON Images (Md5Hash);

-- Every place the bytes live, the first (Images.Uri) included.
CREATE TABLE Locations (
  ImageId STRING(64) NOT NULL,
  Uri STRING(MAX) NOT NULL,
  Bucket STRING(MAX),
  Name STRING(MAX) NOT NULL,
  Generation INT64,
  RecordedAt TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (ImageId, Uri),
  INTERLEAVE IN PARENT Images ON DELETE CASCADE;

-- Image lookups by any of its locations; a URI names one content.
CREATE UNIQUE INDEX LocationsByUri ON Locations (Uri);

CREATE TABLE Objects (
  ImageId STRING(64) NOT NULL,
  ObjectId STRING(32) NOT NULL,
  ModelVersion STRING(MAX) NOT NULL,
  Label STRING(MAX) NOT NULL,
  CategoryId INT64 NOT NULL,
  Score FLOAT64 NOT NULL,
  XMin FLOAT64 NOT NULL,
  YMin FLOAT64 NOT NULL,
  XMax FLOAT64 NOT NULL,
  YMax FLOAT64 NOT NULL,
  NxMin FLOAT64 NOT NULL,
  NyMin FLOAT64 NOT NULL,
  NxMax FLOAT64 NOT NULL,
  NyMax FLOAT64 NOT NULL,
  Color STRING(MAX) NOT NULL,
  ColorFraction FLOAT64 NOT NULL,
) PRIMARY KEY (ImageId, ObjectId),
  INTERLEAVE IN PARENT Images ON DELETE CASCADE;

-- Online lookups by object id (GET /features/object/{id}, batches).
CREATE UNIQUE INDEX ObjectsById ON Objects (ObjectId);

-- Pattern search: one side of "person NEAR blue car" by version, label and colour.
CREATE INDEX ObjectsByVersionLabel ON Objects (ModelVersion, Label, Color);

-- One feature per object. Vectors of the embedder's dimension (1280) go to Embedding,
-- the column a vector index can cover; any other dimension to OtherEmbedding.
CREATE TABLE Features (
  ImageId STRING(64) NOT NULL,
  ObjectId STRING(32) NOT NULL,
  FeatureId STRING(32) NOT NULL,
  ModelVersion STRING(MAX) NOT NULL,
  Dim INT64 NOT NULL,
  Embedding ARRAY<FLOAT32>(vector_length=>1280),
  OtherEmbedding ARRAY<FLOAT32>,
  JobId STRING(MAX) NOT NULL,
  Detector STRING(MAX) NOT NULL,
  Embedder STRING(MAX) NOT NULL,
  ImageGeneration INT64,
  CreatedAt TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
  NewestShard STRING(1) NOT NULL AS (SUBSTR(FeatureId, 1, 1)) STORED,
) PRIMARY KEY (ImageId, ObjectId, FeatureId),
  INTERLEAVE IN PARENT Objects ON DELETE CASCADE;

CREATE UNIQUE INDEX FeaturesById ON Features (FeatureId);

-- Newest features of a version (cache warming). The first hex digit of the id splits
-- the commit-timestamp order 16 ways, so a write burst does not hot-spot the index's
-- last split; the query merges the 16 ordered runs.
CREATE INDEX FeaturesByVersionNewest ON Features (ModelVersion, NewestShard, CreatedAt DESC, FeatureId);

-- NEAR and OVERLAPS between two objects of one image; From < To by id.
CREATE TABLE Relations (
  ImageId STRING(64) NOT NULL,
  Kind STRING(16) NOT NULL,
  FromId STRING(32) NOT NULL,
  ToId STRING(32) NOT NULL,
  ModelVersion STRING(MAX) NOT NULL,
  Distance FLOAT64,
  Iou FLOAT64,
) PRIMARY KEY (ImageId, Kind, FromId, ToId),
  INTERLEAVE IN PARENT Images ON DELETE CASCADE;

-- Pattern search: every relation of one kind and version.
CREATE INDEX RelationsByVersionKind ON Relations (ModelVersion, Kind) STORING (Distance, Iou);

-- Lineage: which job processed the image with which version.
CREATE TABLE Runs (
  ImageId STRING(64) NOT NULL,
  ModelVersion STRING(MAX) NOT NULL,
  JobId STRING(MAX) NOT NULL,
  Uri STRING(MAX) NOT NULL,
  Host STRING(MAX) NOT NULL,
  Processor STRING(MAX) NOT NULL,
  ExecutionProvider STRING(MAX) NOT NULL,
  StartedAt TIMESTAMP NOT NULL,
  FinishedAt TIMESTAMP NOT NULL,
) PRIMARY KEY (ImageId, ModelVersion, JobId),
  INTERLEAVE IN PARENT Images ON DELETE CASCADE;

-- Feature sets: the active version pointer, the versions seen and the audit trail.
CREATE TABLE FeatureSets (
  Name STRING(MAX) NOT NULL,
  ActiveVersion STRING(MAX),
  AuditSeq INT64 NOT NULL,
) PRIMARY KEY (Name);

CREATE TABLE FeatureSetVersions (
  Name STRING(MAX) NOT NULL,
  Version STRING(MAX) NOT NULL,
  FirstSeen TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (Name, Version),
  INTERLEAVE IN PARENT FeatureSets ON DELETE CASCADE;

CREATE TABLE VersionAudit (
  Name STRING(MAX) NOT NULL,
  Seq INT64 NOT NULL,
  FromVersion STRING(MAX),
  ToVersion STRING(MAX) NOT NULL,
  Actor STRING(MAX) NOT NULL,
  ChangedAt TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (Name, Seq DESC),
  INTERLEAVE IN PARENT FeatureSets ON DELETE CASCADE;

-- Deleted object generations (OBJECT_DELETE): a tombstone per URI. Reads leave these URIs
-- out of an image's locations; an image with none left reads as deleted. Objects,
-- features and lineage stay. Not interleaved: a delete may name a URI no image has yet.
CREATE TABLE RemovedLocations (
  Uri STRING(MAX) NOT NULL,
  ImageId STRING(64),
  RemovedAt TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (Uri);

-- Backfills (issue 12): activation records the share of the set's images the version
-- covered; coverage counts each version's processed images through its runs.
ALTER TABLE VersionAudit ADD COLUMN Coverage FLOAT64;

CREATE INDEX RunsByVersion ON Runs (ModelVersion);
