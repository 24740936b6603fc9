#!/usr/bin/env python3
"""ONNX Runtime running the exported two-head model (`classify-and-embed export --onnx M.onnx`): the reference
for `classify-and-embed benchmark --inference`. Same method as the anchors' bench.py: 2 intra-op threads,
median batch-1 latency over 300 runs, median batch-64 throughput over 40 runs, random preprocessed inputs.

    python3 Tools/reference-inference-ort.py M.onnx     (needs numpy and onnxruntime from PyPI)
"""
import json, statistics, sys, time
import numpy as np
import onnxruntime as ort

o = ort.SessionOptions(); o.intra_op_num_threads = 2; o.inter_op_num_threads = 1
s = ort.InferenceSession(sys.argv[1], o, providers=["CPUExecutionProvider"])
shape = s.get_inputs()[0].shape
h, w = int(shape[2]), int(shape[3])
def timed(x, warm, runs):
    for _ in range(warm): s.run(None, {"image": x})
    t = []
    for _ in range(runs):
        a = time.perf_counter(); s.run(None, {"image": x}); t.append(time.perf_counter() - a)
    return statistics.median(t)
rng = np.random.default_rng(0)
b1 = timed(rng.standard_normal((1, 3, h, w), dtype=np.float32), 50, 300)
b64 = timed(rng.standard_normal((64, 3, h, w), dtype=np.float32), 5, 40)
print(json.dumps({"ort_b1_ms": b1 * 1000, "ort_b64_img_per_s": 64 / b64, "onnxruntime": ort.__version__}))
