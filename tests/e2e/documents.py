"""Distinct, valid feature documents for delivery tests, derived from the real cv-processor
document in fixtures/events/features-extracted.dog.valid.json: each gets its own image id,
location and job, and every object, feature and relation id is derived again exactly as
shared/src/domain/ids.rs does, so each passes `FeatureDocument::validate` and is a new image
to the graph."""
import copy
import hashlib
import json
import math
import struct

from harness import ROOT

FIXTURE = ROOT / "fixtures/events/features-extracted.dog.valid.json"


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _quantum(v: float) -> int:
    """`(v * 10_000.0).round() as i32` on an f32, as Rust computes it."""
    product = _f32(_f32(v) * 10_000.0)
    return int(math.copysign(math.floor(abs(product) + 0.5), product))


def object_id(image: str, version: str, category_id: int, box: dict) -> str:
    h = hashlib.sha256(b"object\0" + image.encode() + b"\0" + version.encode() + b"\0")
    h.update(struct.pack("<I", category_id))
    for k in ("x_min", "y_min", "x_max", "y_max"):
        h.update(struct.pack("<i", _quantum(box[k])))
    return h.hexdigest()[:32]


def feature_id(obj: str, version: str) -> str:
    return hashlib.sha256(b"feature\0" + obj.encode() + b"\0" + version.encode()).hexdigest()[:32]


def base_document() -> dict:
    return json.loads(FIXTURE.read_text())["body"]


def derive(base: dict, n: int, run: str, bucket: str = "e2e-reliability") -> dict:
    """Document number `n` of run `run`: a new image (id, md5, location, job), same detections."""
    doc = copy.deepcopy(base)
    image = hashlib.sha256(f"sightgraph-e2e:{run}:{n}".encode()).hexdigest()
    version = doc["model"]["version"]
    name, generation = f"{run}/img-{n:05d}.jpg", 1_700_000_000_000_000 + n
    doc["image"].update({
        "id": image, "bucket": bucket, "name": name, "generation": generation,
        "uri": f"gs://{bucket}/{name}#{generation}",
        "md5_hash": hashlib.md5(image.encode()).digest().hex()[:22] + "==",
    })
    renamed = {}
    for o in doc["objects"]:
        new = object_id(image, version, o["category_id"], o["box_norm"])
        renamed[o["id"]] = new
        o["id"], o["feature_id"] = new, feature_id(new, version)
    for r in doc["relations"]:
        a, b = renamed[r["from"]], renamed[r["to"]]
        r["from"], r["to"] = min(a, b), max(a, b)
    doc["lineage"]["job_id"] = f"cv-{run}-{n:05d}"
    return doc


def event_attributes(doc: dict) -> dict:
    """The `ce-*` attributes cv-processor publishes a document with (shared/src/pubsub/binding.rs)."""
    return {
        "ce-specversion": "1.0",
        "ce-id": f"{doc['lineage']['job_id']}:{doc['image']['id']}",
        "ce-source": "/sightgraph/cv-processor",
        "ce-type": "dev.sightgraph.features.extracted",
        "ce-subject": doc["image"]["uri"],
        "ce-time": doc["lineage"]["finished_at"],
        "Content-Type": "application/json",
    }
