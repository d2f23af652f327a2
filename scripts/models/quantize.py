"""A second model version for backfill demos and tests: the detector with int8 weights.

Dynamic quantization (onnxruntime.quantization, QUInt8 weights) of the built
detector.onnx; the embedder is copied unchanged. The result is a genuinely
different model (scores shift by a few hundredths, an occasional detection comes or
goes), which is what `sightgraph backfill compare` is for. Run in the `convert` venv.

usage: quantize.py MODEL_DIR OUT_DIR
"""
import hashlib
import json
import os
import shutil
import sys

from onnxruntime.quantization import QuantType, quantize_dynamic

DETECTOR_NAME = "ssd_mobilenet_v2_coco_int8"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(model_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    det_out = os.path.join(out_dir, "detector.onnx")
    quantize_dynamic(os.path.join(model_dir, "detector.onnx"), det_out + ".tmp", weight_type=QuantType.QUInt8)
    os.replace(det_out + ".tmp", det_out)
    shutil.copyfile(os.path.join(model_dir, "embedder.onnx"), os.path.join(out_dir, "embedder.onnx"))

    det = manifest["detector"]
    det["name"] = DETECTOR_NAME
    det["sha256"] = sha256(det_out)
    det["derived"] = "onnxruntime.quantization.quantize_dynamic(weight_type=QUInt8) of detector.onnx"
    old_name = manifest["model_version"].split("@", 1)[0]
    manifest["model_version"] = manifest["model_version"].replace(old_name, DETECTOR_NAME, 1)
    manifest["embedder"]["sha256"] = sha256(os.path.join(out_dir, "embedder.onnx"))
    with open(os.path.join(out_dir, "manifest.json.new"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {out_dir}: {manifest['model_version']}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
