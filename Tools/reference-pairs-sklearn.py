#!/usr/bin/env python3
"""scikit-learn's roc_curve + roc_auc_score over all unordered pairs of N random clustered 256-d embeddings,
the reference for `classify-and-embed benchmark --pairs N` (same generator shape: identities of 4, noise 3).
Usage: python Tools/reference-pairs-sklearn.py N   (needs numpy + scikit-learn)"""
import resource, sys, time
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
rng = np.random.default_rng(5)
ids = np.arange(n) // 4
centres = rng.standard_normal((n // 4 + 1, 256)).astype(np.float32)
x = centres[ids] + 3 * rng.standard_normal((n, 256)).astype(np.float32)
x /= np.linalg.norm(x, axis=1, keepdims=True)
t0 = time.perf_counter()
s = x @ x.T
iu = np.triu_indices(n, 1)
scores, pos = s[iu], (ids[:, None] == ids[None, :])[iu]
fpr, tpr, thr = roc_curve(pos, scores, drop_intermediate=False)
auc = roc_auc_score(pos, scores)
dt = time.perf_counter() - t0
print(f"scikit-learn: {n} embeddings, {len(scores)} pairs, AUROC {auc:.6f} in {dt:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
