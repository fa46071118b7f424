"""Reference values for the monitor's drift statistics, computed independently with
numpy, scipy and scikit-learn. Run once; the output is committed and read by drift.test.ts:

    /usr/bin/python3 test/monitor/reference.py > test/monitor/fixtures/drift-reference.json

(Debian's python3-numpy, python3-scipy and python3-sklearn.)
"""
import json

import numpy as np
import scipy
import sklearn
from scipy.spatial.distance import pdist, squareform
from scipy.special import kolmogorov
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(20261203)
d = 6
reference = rng.normal(0.0, 1.0, size=(60, d))
current = rng.normal(0.0, 1.0, size=(50, d))
current[:, 0] += 0.8          # a shift in two components
current[:, 3] *= 1.6          # and a wider spread in a third
x = np.vstack([reference, current])
labels = np.r_[np.zeros(60, dtype=int), np.ones(50, dtype=int)]
folds = rng.permutation(np.r_[np.zeros(55, dtype=int), np.ones(55, dtype=int)])

# Cross-fitted nearest-centroid classifier: each fold scored by the mean difference of the other.
scores = np.empty(len(x))
for f in (0, 1):
    train = folds != f
    w = x[train & (labels == 1)].mean(axis=0) - x[train & (labels == 0)].mean(axis=0)
    scores[folds == f] = x[folds == f] @ w
classifier_auc = roc_auc_score(labels, scores)

sq = pdist(x, "sqeuclidean")
bandwidth = float(np.median(sq))
k = np.exp(-squareform(sq) / bandwidth)
kxx, kyy, kxy = k[:60, :60], k[60:, 60:], k[:60, 60:]
mmd2 = (kxx.sum() - np.trace(kxx)) / (60 * 59) + (kyy.sum() - np.trace(kyy)) / (50 * 49) - 2 * kxy.mean()

en = 60 * 50 / 110
ks_d = [float(ks_2samp(reference[:, j], current[:, j]).statistic) for j in range(d)]
ks_p = [float(kolmogorov(np.sqrt(en) * s)) for s in ks_d]
# Benjamini-Hochberg step-up adjustment (as R's p.adjust(method="BH")), written out in numpy.
order = np.argsort(ks_p)
ranked = np.asarray(ks_p)[order] * d / np.arange(1, d + 1)
adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
bh = [0.0] * d
for rank, index in enumerate(order):
    bh[index] = float(adjusted[rank])

points = [0.05, 0.3, 0.6, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0]
print(json.dumps({
    "provenance": f"test/monitor/reference.py: numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}",
    "dimension": d,
    "reference": reference.tolist(),
    "current": current.tolist(),
    "folds": folds.tolist(),
    "classifierAuc": float(classifier_auc),
    "medianSquaredDistance": bandwidth,
    "mmd2": float(mmd2),
    "ksStatistics": ks_d,
    "ksPValues": ks_p,
    "bhAdjusted": bh,
    "kolmogorov": [[p, float(kolmogorov(p))] for p in points],
}, indent=1))
