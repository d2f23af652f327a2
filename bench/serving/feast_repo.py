"""Feast's side of the serving benchmark: a repository with the same `objects` view that
feature-service answers for (entity `object_id`; `label`, 1280-d `embedding`), a Redis
online store of its own, and the benchmark's objects written into it.

    feast_repo.py setup REPO REDIS_PORT          feature_store.yaml + definitions, `apply`
    feast_repo.py load REPO EXPORT_DIR           ids.txt, labels.txt, vectors.f32le → online store

Run with the `feast` virtual environment (tests/feast/requirements.txt)."""
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
from feast.types import Array, Float32, String


def definitions():
    entity = Entity(name="object", join_keys=["object_id"], value_type=ValueType.STRING)
    source = FileSource(name="bench_objects", path="objects.parquet", timestamp_field="event_timestamp")
    view = FeatureView(
        name="objects",
        entities=[entity],
        ttl=timedelta(days=3650),
        schema=[Field(name="object_id", dtype=String), Field(name="label", dtype=String),
                Field(name="embedding", dtype=Array(Float32))],
        online=True,
        source=source,
    )
    return [entity, view]


def setup(repo: Path, redis_port: str):
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "feature_store.yaml").write_text(
        "project: sightgraph_bench\n"
        "provider: local\n"
        f"registry: {repo / 'registry.db'}\n"
        "online_store:\n"
        "  type: redis\n"
        f"  connection_string: 127.0.0.1:{redis_port}\n"
        "entity_key_serialization_version: 3\n"
    )
    FeatureStore(repo_path=str(repo)).apply(definitions())


def load(repo: Path, export: Path):
    ids = (export / "ids.txt").read_text().split()
    labels = (export / "labels.txt").read_text().split()
    vectors = np.fromfile(export / "vectors.f32le", dtype="<f4").reshape(len(ids), -1)
    store = FeatureStore(repo_path=str(repo))
    now = datetime.now(timezone.utc)
    for start in range(0, len(ids), 1000):
        end = min(start + 1000, len(ids))
        df = pd.DataFrame({
            "object_id": ids[start:end],
            "label": labels[start:end],
            "embedding": [row.tolist() for row in vectors[start:end]],
            "event_timestamp": [now] * (end - start),
        })
        store.write_to_online_store("objects", df)
    print(f'{{"objects":{len(ids)},"dim":{vectors.shape[1]}}}')


if __name__ == "__main__":
    cmd, repo, arg = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    {"setup": lambda: setup(repo, arg), "load": lambda: load(repo, Path(arg))}[cmd]()
