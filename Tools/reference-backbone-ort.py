#!/usr/bin/env python3
"""ONNX Runtime on the *backbone alone* (timm lcnet_050 forward_features, 128x128), the like-for-like
reference for `classify-and-embed benchmark`'s backbone inference figures (bench.py's ONNX model includes the
two heads). Same method as bench.py: 2 threads, median batch-1 latency over 300 runs, batch-64 throughput
over 40 runs. Run with the reference venv: /tmp/ce-work/refenv/bin/python Tools/reference-backbone-ort.py"""
import json, os, statistics, sys, tempfile, time
import numpy as np

path = os.path.join(tempfile.gettempdir(), "lcnet050_backbone.onnx")
if not os.path.exists(path):
    import torch, timm
    m = timm.create_model("lcnet_050", pretrained=False).eval()
    class F(torch.nn.Module):
        def __init__(self, m): super().__init__(); self.m = m
        def forward(self, x): return self.m.forward_features(x)
    torch.onnx.export(F(m), torch.zeros(1, 3, 128, 128), path, input_names=["x"], output_names=["features"],
                      dynamic_axes={"x": {0: "b"}, "features": {0: "b"}}, opset_version=18, dynamo=False)
import onnxruntime as ort
o = ort.SessionOptions(); o.intra_op_num_threads = 2; o.inter_op_num_threads = 1
s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
def timed(x, warm, runs):
    for _ in range(warm): s.run(None, {"x": x})
    t = []
    for _ in range(runs):
        a = time.perf_counter(); s.run(None, {"x": x}); t.append(time.perf_counter() - a)
    return statistics.median(t)
rng = np.random.default_rng(0)
b1 = timed(rng.standard_normal((1, 3, 128, 128), dtype=np.float32), 50, 300)
b64 = timed(rng.standard_normal((64, 3, 128, 128), dtype=np.float32), 5, 40)
print(json.dumps({"ort_backbone_b1_ms": b1 * 1000, "ort_backbone_b64_img_per_s": 64 / b64}))
