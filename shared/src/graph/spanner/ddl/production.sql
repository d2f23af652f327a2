-- Production-only DDL for real Cloud Spanner (Enterprise edition or higher): the vector
-- index behind APPROX_COSINE_DISTANCE and Spanner Graph's property graph over the same
-- tables as schema.sql. The Cloud Spanner emulator (1.5.28) refuses every statement in
-- this file, so NONE OF IT IS TESTED HERE: it is written from the Spanner documentation.
-- terraform/spanner.tf applies it after schema.sql; `ensure_schema` applies what is
-- missing only when it talks to real Spanner (never with SPANNER_EMULATOR_HOST set).

-- Approximate nearest neighbours over the 1280-d vectors (SPANNER_VECTOR_SEARCH=approx).
-- STORING ModelVersion lets the index filter a version at its leaves. Sized for about a
-- billion vectors (num_leaves ≈ rows / 1000); build it once most rows exist and rebuild
-- after large loads, as Spanner recommends: the tree is trained on the data present.
CREATE VECTOR INDEX FeaturesByEmbedding ON Features (Embedding)
  STORING (ModelVersion)
  WHERE Embedding IS NOT NULL
  OPTIONS (distance_type = 'COSINE', tree_depth = 3, num_branches = 1000, num_leaves = 1000000);

-- One edge label per relation kind: views select each kind's rows.
CREATE VIEW NearRelations SQL SECURITY INVOKER AS
  SELECT r.ImageId, r.FromId, r.ToId, r.ModelVersion, r.Distance FROM Relations AS r WHERE r.Kind = 'NEAR';

CREATE VIEW OverlapsRelations SQL SECURITY INVOKER AS
  SELECT r.ImageId, r.FromId, r.ToId, r.ModelVersion, r.Iou FROM Relations AS r WHERE r.Kind = 'OVERLAPS';

-- GQL over the feature graph: (Image)-[:CONTAINS]->(Object)-[:HAS_FEATURE]->(Feature),
-- (Object)-[:NEAR|OVERLAPS]->(Object). CONTAINS is a reserved word in GoogleSQL, so the
-- label is quoted (`CONTAINS`). Examples: docs/deploy.md, "When to choose Spanner".
CREATE PROPERTY GRAPH Sightgraph
  NODE TABLES (
    Images AS Image
      KEY (ImageId)
      LABEL Image PROPERTIES (ImageId AS id, Uri AS uri, Bucket AS bucket, Name AS name,
        Generation AS generation, Width AS width, Height AS height, ContentType AS content_type,
        Md5Hash AS md5_hash, CreatedAt AS created_at),
    Objects AS Object
      KEY (ImageId, ObjectId)
      LABEL Object PROPERTIES (ObjectId AS id, ImageId AS image_id, ModelVersion AS model_version,
        Label AS label, CategoryId AS category_id, Score AS score, Color AS color,
        ColorFraction AS color_fraction, NxMin AS nx_min, NyMin AS ny_min, NxMax AS nx_max, NyMax AS ny_max),
    Features AS Feature
      KEY (ImageId, ObjectId, FeatureId)
      LABEL Feature PROPERTIES (FeatureId AS id, ObjectId AS object_id, ModelVersion AS model_version,
        Dim AS dim, Embedding AS embedding, JobId AS job_id, Detector AS detector, Embedder AS embedder,
        CreatedAt AS created_at)
  )
  EDGE TABLES (
    Objects AS Contains
      KEY (ImageId, ObjectId)
      SOURCE KEY (ImageId) REFERENCES Image (ImageId)
      DESTINATION KEY (ImageId, ObjectId) REFERENCES Object (ImageId, ObjectId)
      LABEL `CONTAINS` PROPERTIES (ModelVersion AS model_version),
    Features AS HasFeature
      KEY (ImageId, ObjectId, FeatureId)
      SOURCE KEY (ImageId, ObjectId) REFERENCES Object (ImageId, ObjectId)
      DESTINATION KEY (ImageId, ObjectId, FeatureId) REFERENCES Feature (ImageId, ObjectId, FeatureId)
      LABEL HAS_FEATURE PROPERTIES (ModelVersion AS model_version),
    NearRelations AS Near
      KEY (ImageId, FromId, ToId)
      SOURCE KEY (ImageId, FromId) REFERENCES Object (ImageId, ObjectId)
      DESTINATION KEY (ImageId, ToId) REFERENCES Object (ImageId, ObjectId)
      LABEL NEAR PROPERTIES (ModelVersion AS model_version, Distance AS distance),
    OverlapsRelations AS Overlaps
      KEY (ImageId, FromId, ToId)
      SOURCE KEY (ImageId, FromId) REFERENCES Object (ImageId, ObjectId)
      DESTINATION KEY (ImageId, ToId) REFERENCES Object (ImageId, ObjectId)
      LABEL OVERLAPS PROPERTIES (ModelVersion AS model_version, Iou AS iou)
  );
