"""How close ONNX Runtime runs the models to this core's arithmetic peak (run.sh calls it).

  efficiency.py MODEL_DIR OUT_JSON

For each model: multiply-accumulates per call (counted from the graph: every Conv's output size
times its kernel's input channels x height x width, the shapes taken from a real run), the median
time of one call on one intra-op thread with the same session options as cv-processor, and the
GFLOP/s that makes. The yardstick is the same core's single-precision GEMM rate (numpy's OpenBLAS on
one thread, 1024 x 1024): a convolution cannot run faster than the best GEMM the core can do, so the
ratio bounds what any faster ONNX Runtime setting could still gain on this CPU.
"""
import json
import os
import statistics
import sys
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # NB: before numpy loads OpenBLAS: one core's rate, like one shard.
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

INPUTS = {"detector": (1, 3, 300, 300), "embedder": (1, 3, 224, 224)}
CALLS = 30


def conv_macs(path, shape):
    model = onnx.load(path)
    weights = {t.name: list(t.dims) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    # NB: the Conv outputs become graph outputs so one unoptimised run gives every output's real shape.
    del model.graph.output[:]
    model.graph.output.extend(onnx.helper.make_empty_tensor_value_info(n.output[0]) for n in convs)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    outs = session.run(None, {session.get_inputs()[0].name: np.zeros(shape, np.float32)})
    return sum(int(np.prod(o.shape)) * int(np.prod(weights[n.input[1]][1:])) for n, o in zip(convs, outs)), len(convs)


def median_seconds(run, times):
    """The median wall time of `times` calls of `run` (after one untimed call)."""
    run()
    took = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        took.append(time.perf_counter() - started)
    return statistics.median(took)


def call_ms(path, shape):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.random.default_rng(7).random(shape, dtype=np.float32)}
    for _ in range(4):
        session.run(None, feed)
    return median_seconds(lambda: session.run(None, feed), CALLS) * 1000


def sgemm_gflops(n=1024, runs=7):
    a, b = (np.random.default_rng(s).random((n, n), dtype=np.float32) for s in (1, 2))
    return 2 * n**3 / median_seconds(lambda: a @ b, runs) / 1e9


def main(model_dir, out_json):
    models = {}
    for name, shape in INPUTS.items():
        path = os.path.join(model_dir, f"{name}.onnx")
        macs, convs = conv_macs(path, shape)
        ms = call_ms(path, shape)
        models[name] = {"input": list(shape), "convs": convs, "gmac": macs / 1e9, "ms_per_call": ms,
                        "gflops": 2 * macs / ms / 1e6}
    result = {"onnxruntime": ort.__version__, "sgemm_gflops": sgemm_gflops(), "calls": CALLS, "models": models}
    with open(out_json, "w") as f:
        json.dump(result, f, indent=1)
    for name, m in models.items():
        print(f"{name}: {m['gmac']:.3f} GMAC in {m['ms_per_call']:.2f} ms = {m['gflops']:.1f} GFLOP/s "
              f"({m['gflops'] / result['sgemm_gflops']:.0%} of one core's SGEMM, {result['sgemm_gflops']:.1f})")


if __name__ == "__main__":
    main(*sys.argv[1:])
