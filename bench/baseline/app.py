"""Baseline feature service: the original Python design the Rust service is
benchmarked against. FastAPI + uvicorn, a synchronous redis client, one GET:

    GET /features/object/{id} -> redis GET "$KEY_PREFIX{id}" -> json.loads -> JSON

Env: REDIS_URL (redis://127.0.0.1:6379), KEY_PREFIX (features:object:).
Sync route handlers run in Starlette's thread pool, as the original did."""
import json
import os

import redis
from fastapi import FastAPI, HTTPException

KEY_PREFIX = os.environ.get("KEY_PREFIX", "features:object:")
cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
app = FastAPI(title="sightgraph-baseline")


@app.get("/features/object/{object_id}")
def get_object_features(object_id: str):
    raw = cache.get(f"{KEY_PREFIX}{object_id}")
    if raw is None:
        raise HTTPException(status_code=404, detail=f"no features for object {object_id}")
    return json.loads(raw)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
