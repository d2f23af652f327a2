"""Sightgraph's objects as a Feast feature view: what a Feast repository declares to read
them through the remote online store. The names and types mirror feature-service's
`objects` view (functions/feature-service/src/feast.rs); the source is never read (Feast
requires one; serving goes to Sightgraph)."""
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Array, Float32, Int64, String

object_entity = Entity(name="object", join_keys=["object_id"], value_type=ValueType.STRING,
                       description="A detected object (32 hex characters).")

source = FileSource(name="sightgraph_objects", path="objects.parquet", timestamp_field="event_timestamp")

objects = FeatureView(
    name="objects",
    entities=[object_entity],
    ttl=timedelta(days=3650),
    schema=[
        Field(name="object_id", dtype=String),
        Field(name="label", dtype=String),
        Field(name="category_id", dtype=Int64),
        Field(name="score", dtype=Float32),
        Field(name="color", dtype=String),
        Field(name="color_fraction", dtype=Float32),
        Field(name="box", dtype=Array(Float32)),
        Field(name="box_norm", dtype=Array(Float32)),
        Field(name="embedding", dtype=Array(Float32)),
        Field(name="image_id", dtype=String),
        Field(name="feature_id", dtype=String),
        Field(name="model_version", dtype=String),
    ],
    online=True,
    source=source,
)

object_features = FeatureService(name="object_features", features=[objects])

DEFINITIONS = [object_entity, objects, object_features]
