"""Write the parity data in fixtures/reference/ (run in the `convert` venv).

Why: the Rust cv-processor tests compare their detections and embeddings with
these. The resize here is TensorFlow's own TF1 bilinear
(tf.compat.v1.image.resize_bilinear, align_corners=False,
half_pixel_centers=False), i.e. what the detector graph was trained with; the
numpy version in cvref.py (used by the Python baseline) is checked against it.
Models run with onnxruntime on CPU.

usage: reference.py MODEL_DIR PHOTOS_DIR OUT_DIR   (see fixtures/reference/README.md)
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvref  # noqa: E402

PHOTOS = ["dog.jpg", "person.jpg", "horses.jpg", "scenetext01.jpg", "coffee.png"]
EMBED_PHOTO = "dog.jpg"


def tf_resize(img, size):
    x = tf.constant(img[None].astype(np.float32))
    out = tf.compat.v1.image.resize_bilinear(x, [size, size], align_corners=False,
                                             half_pixel_centers=False)
    out = out.numpy()[0]
    drift = np.abs(out - cvref.resize_bilinear_tf1(img, size, size)).max()
    assert drift < 1e-3, f"cvref resize differs from TensorFlow by {drift}"
    return out


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main(model_dir, photos, out_dir):
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    load = lambda name: ort.InferenceSession(os.path.join(model_dir, name), opts,
                                             providers=["CPUExecutionProvider"])
    det, emb = load("detector.onnx"), load("embedder.onnx")

    images = {}
    for name in PHOTOS:
        img = cvref.decode(os.path.join(photos, name))
        x = cvref.detector_input(tf_resize(img, cvref.DETECTOR_SIZE))
        scores, boxes = det.run(["scores", "boxes"], {"images": x})
        images[name] = {"width": int(img.shape[1]), "height": int(img.shape[0]),
                        "detections": cvref.postprocess(scores, boxes)}

    img = cvref.decode(os.path.join(photos, EMBED_PHOTO))
    x = cvref.embedder_input(tf_resize(img, cvref.EMBEDDER_SIZE))[None]
    (e,) = emb.run(["embeddings"], {"images": x})
    e = e[0].astype(np.float64)

    os.makedirs(out_dir, exist_ok=True)
    write_json(os.path.join(out_dir, "detections.json"), {
        "model_version": manifest["model_version"],
        "score_threshold": cvref.SCORE_THRESHOLD,
        "nms_iou": cvref.NMS_IOU,
        "images": images,
    })
    write_json(os.path.join(out_dir, "embeddings.json"), {
        "model_version": manifest["model_version"],
        "dim": int(e.size),
        "images": {EMBED_PHOTO: {"first_8": [float(v) for v in e[:8]],
                                 "l2_norm": float(np.linalg.norm(e))}},
    })
    write_json(os.path.join(out_dir, "coco_labels.json"),
               {str(k): v for k, v in sorted(cvref.COCO_LABELS.items())})
    for name, r in images.items():
        found = ", ".join(f"{d['label']} {d['score']:.3f}" for d in r["detections"])
        print(f"{name}: {found}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
