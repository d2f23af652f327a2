"""Check a built model directory against its manifest (run in the `ort` venv).

Why: the build must fail loudly if a conversion went wrong. Loads both models
with onnxruntime, checks tensor names, dtypes and shapes against the manifest,
runs the detector on dog.jpg (bicycle, dog and car must score > 0.4) and the
embedder on a batch of two crops.

usage: validate.py MANIFEST_JSON MODEL_DIR DOG_JPG
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvref  # noqa: E402

EXPECTED_ON_DOG = {"bicycle", "dog", "car"}


def session(model_dir, spec):
    sess = ort.InferenceSession(os.path.join(model_dir, spec["file"]),
                                providers=["CPUExecutionProvider"])
    for kind, got in (("inputs", sess.get_inputs()), ("outputs", sess.get_outputs())):
        want = spec[kind]
        assert [t.name for t in got] == [t["name"] for t in want], (kind, got)
        for g, w in zip(got, want):
            shape = [d if isinstance(d, int) else -1 for d in g.shape]
            assert shape == w["shape"], (g.name, g.shape, w["shape"])
            assert g.type == "tensor(float)" and w["dtype"] == "float32", g.type
    return sess


def main(manifest_path, model_dir, dog):
    with open(manifest_path) as f:
        m = json.load(f)
    assert ort.__version__ == m["onnxruntime"]["version"], ort.__version__
    assert os.path.isfile(m["onnxruntime"]["dylib"]), m["onnxruntime"]["dylib"]
    det, emb = session(model_dir, m["detector"]), session(model_dir, m["embedder"])

    img = cvref.decode(dog)
    x = cvref.detector_input(cvref.resize_bilinear_tf1(img, 300, 300))
    scores, boxes = det.run(["scores", "boxes"], {"images": x})
    assert scores.shape == (1, 1917, 90) and boxes.shape == (1, 1917, 1, 4)
    found = cvref.postprocess(scores, boxes)
    labels = {d["label"] for d in found}
    missing = EXPECTED_ON_DOG - labels
    assert not missing, f"detector missed {missing} on dog.jpg (found {sorted(labels)})"
    pair_scores, _ = det.run(["scores", "boxes"], {"images": np.concatenate([x, x])})
    assert pair_scores.shape == (2, 1917, 90) and np.abs(pair_scores[1] - scores[0]).max() < 1e-5, "batch of 2"

    crops = [cvref.crop(img, d["box_norm"]) for d in found[:2]]
    batch = np.stack([cvref.embedder_input(cvref.resize_bilinear_tf1(c, 224, 224)) for c in crops])
    (e,) = emb.run(["embeddings"], {"images": batch})
    assert e.shape == (2, 1280) and np.isfinite(e).all() and (e >= 0).all(), e.shape
    summary = ", ".join(f"{d['label']} {d['score']:.2f}" for d in found)
    print(f"validated: dog.jpg -> {summary}; embeddings {e.shape}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except AssertionError as err:
        sys.exit(f"validation failed: {err}")
