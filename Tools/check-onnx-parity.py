#!/usr/bin/env python3
"""Checks an exported ONNX model against this engine's own outputs.

    python3 Tools/check-onnx-parity.py model.onnx [--tolerance 1e-4]

Reads model.onnx.parity.safetensors (written by `classify-and-embed export --onnx model.onnx --parity IMAGES`):
the preprocessed images and the Swift engine's probabilities and embeddings for them. Runs the images through
ONNX Runtime (CPU), once as one batch and once one by one (the batch axis is dynamic), and requires every
output within the tolerance (absolute). Prints one line per check and a closing 'N passed, N failed' line.
"""
import argparse
import json
import struct
import sys

import numpy as np
import onnxruntime as ort


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{name}: unexpected dtype {entry['dtype']}"
        lo, hi = entry["data_offsets"]
        out[name] = np.frombuffer(body[lo:hi], dtype="<f4").reshape(entry["shape"])
    return out, header.get("__metadata__", {})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    tensors, meta = read_safetensors(args.onnx + ".parity.safetensors")
    files = meta.get("files", "").split("\n")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    assert names == ["probabilities", "embedding"], names
    passed = failed = 0
    batch = dict(zip(names, session.run(names, {"image": tensors["image"]})))
    for i, f in enumerate(files):
        single = dict(zip(names, session.run(names, {"image": tensors["image"][i:i + 1]})))
        for name in names:
            for how, got in (("batch", batch[name][i]), ("single", single[name][0])):
                err = float(np.max(np.abs(got - tensors[name][i])))
                ok = err <= args.tolerance
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {f}: {name} ({how}) max |onnxruntime - swift| = {err:.2e}")
    print(f"onnx-parity: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
