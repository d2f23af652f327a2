"""Loads benchmark data for the baseline (and the Rust service): COUNT objects
with ids 0..COUNT-1 at "$KEY_PREFIX{id}", each a JSON document with a DIM-float
embedding, labels and a box. Usage: seed.py [COUNT] [DIM]; env REDIS_URL, KEY_PREFIX."""
import json
import os
import random
import sys

import redis


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    dim = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    prefix = os.environ.get("KEY_PREFIX", "features:object:")
    cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    rng = random.Random(42)
    pipe = cache.pipeline(transaction=False)
    for i in range(count):
        doc = {
            "object_id": str(i),
            "labels": [{"name": rng.choice(["car", "person", "bike"]), "score": round(rng.random(), 4)}],
            "bbox": [rng.randint(0, 640), rng.randint(0, 480), rng.randint(10, 200), rng.randint(10, 200)],
            "embedding": [round(rng.uniform(-1, 1), 6) for _ in range(dim)],
            "model_version": "baseline-1",
        }
        pipe.set(f"{prefix}{i}", json.dumps(doc))
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    print(f"seeded {count} objects (dim {dim}) at {prefix}0..{count - 1}")


if __name__ == "__main__":
    main()
