"""End-to-end latency of the event path on the local stack: finalize event → features answered.

  latency.py STACK_BIN PHOTOS_DIR COUNT WORK OUT_JSON

Starts `sightgraph-local serve` (its own bucket folder and SQLite file under WORK, no watcher),
then uploads COUNT images one at a time: the file is placed in the bucket folder (the upload
itself is not timed: that is GCS's time, not ours), the clock starts, the GCS "object finalized"
CloudEvent goes to the stack's broker as Eventarc would send it, and `GET /features/image?uri=…`
is polled every 5 ms until it answers 200. The sample is the time from sending the event to that
answer: ingest-trigger, a cv-processor child process (process start, model load, detect, embed),
feature-ingestor's graph commit and cache write, and feature-service's lookup. One upload at a
time, so no sample waits behind another.
"""
import base64
import hashlib
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BUCKET = "live"
POLL_S = 0.005
TIMEOUT_S = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def finalize_event(name, data_bytes, generation):
    """A structured CloudEvent shaped as Eventarc sends a GCS finalize (see shared/EVENTS.md)."""
    return {
        "specversion": "1.0",
        "id": f"{BUCKET}/{name}/{generation}",
        "type": "google.cloud.storage.object.v1.finalized",
        "source": f"//storage.googleapis.com/projects/_/buckets/{BUCKET}",
        "subject": f"objects/{name}",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "datacontenttype": "application/json",
        "data": {
            "bucket": BUCKET, "name": name, "generation": str(generation), "metageneration": "1",
            "contentType": "image/jpeg", "size": str(len(data_bytes)),
            "md5Hash": base64.b64encode(hashlib.md5(data_bytes).digest()).decode(),
            "id": f"{BUCKET}/{name}/{generation}", "storageClass": "STANDARD",
        },
    }


def main(stack_bin, photos_dir, count, work, out_json):
    work = Path(work)
    root = work / "bucket"
    (root / BUCKET / "photos").mkdir(parents=True, exist_ok=True)
    (work / "ui").mkdir(exist_ok=True)
    photos = sorted(Path(photos_dir).glob("*.jpg"))[: int(count)]
    if len(photos) < int(count):
        sys.exit(f"{photos_dir} holds {len(photos)} photos, {count} wanted")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(work / "stack.log", "w")
    stack = subprocess.Popen([stack_bin, "serve", "--port", str(port), "--bucket-root", str(root),
                              "--sqlite-path", str(work / "graph.db"), "--ui-dist", str(work / "ui")],
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while get(f"{base}/healthz")[0] != 200:
            if stack.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the local stack did not start: {(work / 'stack.log').read_text()[-2000:]}")
            time.sleep(0.1)
        samples, accepted = [], []
        for i, photo in enumerate(photos):
            name = f"photos/{i:04d}.jpg"
            shutil.copyfile(photo, root / BUCKET / name)
            data_bytes = (root / BUCKET / name).read_bytes()
            generation = time.time_ns() // 1000
            body = json.dumps(finalize_event(name, data_bytes, generation)).encode()
            uri = urllib.parse.quote(f"gs://{BUCKET}/{name}#{generation}", safe="")
            lookup = f"{base}/features/image?uri={uri}&embeddings=false"
            req = urllib.request.Request(f"{base}/broker", data=body,
                                         headers={"content-type": "application/cloudevents+json"})
            started = time.monotonic()
            with urllib.request.urlopen(req, timeout=30) as r:
                if r.status // 100 != 2:
                    sys.exit(f"the broker answered {r.status} for {name}")
            accepted.append(time.monotonic() - started)
            while True:
                status, answer = get(lookup)
                if status == 200:
                    break
                if time.monotonic() - started > TIMEOUT_S:
                    sys.exit(f"{name}: no features after {TIMEOUT_S} s (last answer {status}: {answer[:200]!r})")
                time.sleep(POLL_S)
            samples.append(time.monotonic() - started)
            if not json.loads(answer).get("objects"):
                print(f"note: {name} has no objects", file=sys.stderr)
    finally:
        stack.terminate()
        stack.wait(timeout=30)
    ms = sorted(s * 1000 for s in samples)
    rank = lambda p: ms[max(0, math.ceil(p / 100 * len(ms)) - 1)]  # nearest rank
    result = {"uploads": len(ms), "p50_ms": statistics.median(ms), "p90_ms": rank(90), "p99_ms": rank(99),
              "max_ms": ms[-1], "mean_ms": statistics.fmean(ms),
              "broker_accept_p50_ms": statistics.median(a * 1000 for a in accepted),
              "cv_threads": os.environ.get("CV_THREADS", "default"), "samples_ms": ms}
    Path(out_json).write_text(json.dumps(result))
    print(f"event → features over {len(ms)} uploads: p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
