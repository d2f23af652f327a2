#!/usr/bin/env python3
"""Writes the committed seed corpus fuzz/seeds/<target>/ from fixtures/ (run with a Python that has
Pillow, e.g. ~/.cache/sightgraph/venvs/ort/bin/python). Small on purpose: libFuzzer grows its own
corpus under fuzz/corpus/ from these."""
import hashlib
import io
import json
import struct
import sys
import zlib
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "fixtures" / "events"
SEEDS = ROOT / "fuzz" / "seeds"


def write(target: str, data: bytes) -> None:
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def body_bytes(fixture: dict) -> bytes:
    body = fixture.get("body")
    if body is None:
        return b""
    return body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()


def small_document(doc: dict, objects: int = 2, dim: int = 4) -> dict:
    """The document with fewer objects and shorter vectors (ids stay valid: they do not cover vectors)."""
    doc = json.loads(json.dumps(doc))
    doc["objects"] = doc["objects"][:objects]
    for o in doc["objects"]:
        o["embedding"] = o["embedding"][:dim]
    kept = {o["id"] for o in doc["objects"]}
    doc["relations"] = [r for r in doc["relations"] if r["from"] in kept and r["to"] in kept]
    return doc


def cloudevents() -> None:
    for path in sorted(EVENTS.glob("*.json")):
        fixture = json.loads(path.read_text())
        if path.name.startswith("features-extracted"):
            body = fixture["body"]
            fixture["body"] = small_document(body["data"] if "data" in body else body) if "data" not in body else \
                {**body, "data": small_document(body["data"])}
        head = "".join(f"{k}: {v}\n" for k, v in fixture.get("headers", {}).items()).encode()
        write("cloudevent", head + b"\n" + body_bytes(fixture))


def pubsub() -> None:
    for path in sorted(EVENTS.glob("pubsub-*.json")):
        write("pubsub_push", body_bytes(json.loads(path.read_text())))


def documents() -> None:
    for path in sorted(EVENTS.glob("features-extracted.*.json")):
        body = json.loads(path.read_text())["body"]
        doc = body.get("data", body)
        write("feature_document", json.dumps(small_document(doc), separators=(",", ":")).encode())


def uris() -> None:
    texts = [
        "gs://sightgraph-raw/photos/dog.jpg#1768471200123456", "gs://sightgraph-raw/photos/dog.jpg",
        "gs://b-1/photo%231.jpg#123", "gs://b-1/a%2523b", "gs://b-1/100%41.jpg", "file:///tmp/x.png",
        "/srv/sightgraph-buckets/raw/x.png", "gs://bucket", "gs://bucket/x#", "http://example.com/x.jpg",
        "sightgraph-raw\0photos/\u8857 #1.jpg\01768471203456789",
    ]
    for t in texts:
        write("object_uri", t.encode())


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def images() -> None:
    photos = sorted((ROOT / "fixtures" / "gcs" / "sightgraph-raw" / "photos").iterdir())
    for photo in photos[:2]:
        thumb = Image.open(photo).convert("RGB").resize((8, 6))
        for fmt in ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"):
            out = io.BytesIO()
            thumb.save(out, fmt)
            write("image_decode", out.getvalue())
    out = io.BytesIO()
    Image.open(photos[0]).convert("RGB").resize((4, 4)).save(out, "PNG")
    png = out.getvalue()
    extra = png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(b"\0" * 4096)) + \
        png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"a" * 4096)) + \
        png_chunk(b"iTXt", b"Comment\0\1\0en\0\0" + zlib.compress(b"b" * 4096))
    write("image_decode", png[:33] + extra + png[33:])


def main() -> int:
    cloudevents()
    pubsub()
    documents()
    uris()
    images()
    for folder in sorted(SEEDS.iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
