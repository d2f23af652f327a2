"""TF.js coco-ssd graph -> lean detector.onnx (run in the `convert` venv).

Why: the registries ship the SSD-MobileNetV2 COCO weights only as a TF.js graph
model. tf2onnx turns it into an ONNX graph that takes uint8 [N,H,W,3] and
resizes inside a Loop; we cut that preprocessing off so the Rust side feeds
`images` float32 [N,3,300,300] (x/127.5-1) and reads `scores` [N,1917,90] and
`boxes` [N,1917,1,4]. See shared MODELS.md. The batch dimension N is left symbolic:
the TF graph has no fixed batch inside, so batch mode runs several images per call
(self_check proves a batch of 3 equals three single runs).

usage: convert_detector.py MODEL_JSON OUT_ONNX
"""
import os
import runpy
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# Tensor names in the tf2onnx graph of the pinned tarball (stable: same TF graph).
CUT_INPUT = "Preprocessor/sub:0"  # after the in-graph resize and x*(2/255)-1
SCORES = "Postprocessor/Slice:0"  # sigmoid scores without the background column
BOXES = "Postprocessor/ExpandDims_1:0"  # decoded boxes, ymin,xmin,ymax,xmax
RENAME = {CUT_INPUT: "images", SCORES: "scores", BOXES: "boxes"}
SHAPES = {"images": ["N", 3, 300, 300], "scores": ["N", 1917, 90], "boxes": ["N", 1917, 1, 4]}


def tf2onnx_convert(model_json, out):
    # NB: tf2onnx 1.17 still calls numpy.product, which numpy 2 removed.
    if not hasattr(np, "product"):
        np.product = np.prod
    argv = sys.argv
    sys.argv = ["tf2onnx.convert", "--tfjs", model_json, "--opset", "13", "--output", out]
    try:
        runpy.run_module("tf2onnx.convert", run_name="__main__")
    except SystemExit as e:
        if e.code:
            raise
    finally:
        sys.argv = argv


def check_preprocessing(model):
    """The cut input must be exactly x*(2/255)-1 of the resized NCHW image."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    by_out = {o: n for n in model.graph.node for o in n.output}
    sub = by_out[CUT_INPUT]
    mul = by_out[sub.input[0]]
    assert sub.op_type == "Sub" and mul.op_type == "Mul", "unexpected preprocessing graph"
    assert np.allclose(inits[mul.input[0]], 2 / 255) and np.allclose(inits[sub.input[1]], 1.0)


def cut(model):
    check_preprocessing(model)
    # Keep the nodes the two outputs need, walking back no further than CUT_INPUT.
    by_out = {o: n for n in model.graph.node for o in n.output}
    inits = {i.name: i for i in model.graph.initializer}
    keep, used, todo = set(), set(), [SCORES, BOXES]
    while todo:
        name = todo.pop()
        if name in used or name == CUT_INPUT:
            continue
        used.add(name)
        if name in by_out:
            node = by_out[name]
            keep.add(id(node))
            todo.extend(i for i in node.input if i)
    nodes = []
    for n in model.graph.node:
        if id(n) in keep:
            n.input[:] = [RENAME.get(i, i) for i in n.input]
            n.output[:] = [RENAME.get(o, o) for o in n.output]
            nodes.append(n)
    io = lambda name: onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, SHAPES[name])
    graph = onnx.helper.make_graph(
        nodes, "ssd_mobilenet_v2_coco", [io("images")], [io("scores"), io("boxes")],
        initializer=[inits[n] for n in sorted(used & inits.keys())])
    lean = onnx.helper.make_model(graph, opset_imports=model.opset_import,
                                  producer_name="sightgraph/scripts/models/convert_detector.py")
    lean.ir_version = model.ir_version
    onnx.checker.check_model(lean)
    return lean


def main(model_json, out):
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full.onnx")
        tf2onnx_convert(model_json, full)
        lean = cut(onnx.load(full))
        self_check(full, lean)
    tmp_out = out + ".tmp"
    onnx.save(lean, tmp_out)
    os.replace(tmp_out, out)
    print(f"wrote {out}", file=sys.stderr)


def self_check(full_path, lean):
    """Full graph on uint8 HWC vs lean graph on our TF1 resize: same numbers."""
    import onnxruntime as ort
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cvref

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    full = ort.InferenceSession(full_path, providers=["CPUExecutionProvider"])
    want = full.run(None, {full.get_inputs()[0].name: img[None]})
    sess = ort.InferenceSession(lean.SerializeToString(), providers=["CPUExecutionProvider"])
    x = cvref.detector_input(cvref.resize_bilinear_tf1(img, 300, 300))
    got = sess.run(["scores", "boxes"], {"images": x})
    for w, g in zip(want, got):
        assert w.shape == g.shape, (w.shape, g.shape)
        assert np.abs(w - g).max() < 1e-3, np.abs(w - g).max()
    # A batch gives each image exactly what a run on its own gives.
    xs = np.concatenate([x, -x, x * 0.5])
    batched = sess.run(["scores", "boxes"], {"images": xs})
    for i in range(3):
        single = sess.run(["scores", "boxes"], {"images": xs[i:i + 1]})
        for b, s in zip(batched, single):
            assert np.abs(b[i] - s[0]).max() < 1e-5, np.abs(b[i] - s[0]).max()


if __name__ == "__main__":
    main(*sys.argv[1:3])
