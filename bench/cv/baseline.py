"""Python CV baseline for the cv-processor benchmark (run in the `ort` venv).

Why: a side-by-side reference for the Rust pipeline, same models and same
pre/post-processing (scripts/models/cvref.py). Per image and round:
  decode      PIL decode to RGB (EXIF orientation applied)
  preprocess  numpy TF1 bilinear resize to 300x300, x/127.5-1, NCHW
  detect      detector.onnx + per-class NMS (score > 0.4, IoU 0.5)
  embed       crop each detection, resize to 224x224, normalise, one embedder batch
Prints one JSON object: images/s over the measured rounds and per-stage median ms.

usage: $SIGHTGRAPH_CACHE/venvs/ort/bin/python bench/cv/baseline.py [--rounds N] [--threads T]
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
import cvref  # noqa: E402

STAGES = ("decode", "preprocess", "detect", "embed")


def default_model_dir():
    cache = os.environ.get("SIGHTGRAPH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sightgraph")
    return os.environ.get("SIGHTGRAPH_MODEL_DIR") or os.path.join(cache, "models")


def session(path, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def process(path, det, emb, times):
    t0 = time.perf_counter()
    img = cvref.decode(path)
    t1 = time.perf_counter()
    x = cvref.detector_input(cvref.resize_bilinear_tf1(img, cvref.DETECTOR_SIZE, cvref.DETECTOR_SIZE))
    t2 = time.perf_counter()
    scores, boxes = det.run(["scores", "boxes"], {"images": x})
    found = cvref.postprocess(scores, boxes)
    t3 = time.perf_counter()
    if found:
        crops = [cvref.crop(img, d["box_norm"]) for d in found]
        batch = np.stack([cvref.embedder_input(
            cvref.resize_bilinear_tf1(c, cvref.EMBEDDER_SIZE, cvref.EMBEDDER_SIZE)) for c in crops])
        emb.run(["embeddings"], {"images": batch})
    t4 = time.perf_counter()
    for stage, dt in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
        times[stage].append(dt * 1e3)
    times["total"].append((t4 - t0) * 1e3)
    return len(found)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ap.add_argument("--model-dir", default=default_model_dir())
    ap.add_argument("--photos", default=os.path.join(ROOT, "fixtures/gcs/sightgraph-raw/photos"))
    args = ap.parse_args()

    photos = sorted(glob.glob(os.path.join(args.photos, "*.jpg")) +
                    glob.glob(os.path.join(args.photos, "*.png")))
    det = session(os.path.join(args.model_dir, "detector.onnx"), args.threads)
    emb = session(os.path.join(args.model_dir, "embedder.onnx"), args.threads)
    for p in photos:  # warm-up round, not measured
        process(p, det, emb, {k: [] for k in STAGES + ("total",)})

    times = {k: [] for k in STAGES + ("total",)}
    detections = 0
    start = time.perf_counter()
    for _ in range(args.rounds):
        for p in photos:
            detections += process(p, det, emb, times)
    wall = time.perf_counter() - start
    print(json.dumps({
        "impl": "python",
        "onnxruntime": ort.__version__,
        "intra_op_threads": args.threads,
        "rounds": args.rounds,
        "images": len(photos) * args.rounds,
        "detections": detections,
        "images_per_s": round(len(photos) * args.rounds / wall, 2),
        "median_ms": {k: round(statistics.median(v), 3) for k, v in times.items()},
    }))


if __name__ == "__main__":
    main()
