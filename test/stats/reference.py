"""Reference values for test/stats/*.test.ts, computed independently with numpy and scipy.

Run: python3 test/stats/reference.py   (output recorded in the tests; numpy 2.4.6, scipy 1.17.1)
"""
import json
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st

M32 = 0xFFFFFFFF


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


def xoshiro128ss(s):
    s = list(s)
    while True:
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 11)
        yield result


def splitmix32(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B9) & M32
        z = state
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
        yield z ^ (z >> 16)


def take(gen, n):
    return [next(gen) for _ in range(n)]


out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__}}
out["xoshiro_1234"] = take(xoshiro128ss([1, 2, 3, 4]), 6)
for seed in (0, 42, 4294967295):
    out[f"seeded_{seed}"] = take(xoshiro128ss(take(splitmix32(seed), 4)), 4)

xs = [2.5, -1.0, 4.0, 4.0, 0.5, 10.0, 3.25]
out["mean"] = float(np.mean(xs))
out["var"] = float(np.var(xs, ddof=1))
big = [1e9 + v for v in (4, 7, 13, 16)]
out["var_offset"] = float(np.var(np.array(big) - 1e9, ddof=1))
srt = sorted(xs)
out["quantiles"] = {str(p): float(np.quantile(srt, p, method="linear")) for p in (0, 0.1, 0.25, 0.5, 0.9, 0.975, 1)}
out["rankdata"] = st.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]).tolist()

out["gammaln"] = {str(x): float(sp.gammaln(x)) for x in (0.1, 0.5, 1, 2.5, 10, 171.3, 1e5)}
out["betainc"] = [[x, a, b, float(sp.betainc(a, b, x))] for (x, a, b) in
                  ((0.3, 2, 3), (0.9, 0.5, 0.5), (0.01, 50, 0.5), (0.999, 500, 0.5), (0.5, 1e4, 1e4), (0.2, 0.1, 10))]
out["t_cdf"] = [[t, df, float(st.t.cdf(t, df))] for (t, df) in
                ((0.0, 5), (1.5, 1), (-2.3, 4), (2.0, 10), (-4.5, 30), (3.0, 2.5), (-1.96, 1e5), (8.0, 200), (-12.0, 9))]
d = [-0.12, 0.03, -0.08, -0.2, 0.01, -0.05, -0.15, 0.02, -0.09, -0.11]
out["ttest"] = {alt: float(st.ttest_1samp(d, -0.02, alternative=alt).pvalue) for alt in ("less", "greater", "two-sided")}

p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
out["bh"] = st.false_discovery_control(p, method="bh").tolist()

pos = [0.9, 0.8, 0.8, 0.7, 0.55, 0.3, 0.8]
neg = [0.1, 0.3, 0.8, 0.5, 0.2, 0.55, 0.05, 0.3]
u = st.mannwhitneyu(pos, neg, alternative="two-sided").statistic
out["auc"] = float(u / (len(pos) * len(neg)))

a = [0.91, 0.85, 0.85, 0.7, 0.66, 0.5, 0.42, 0.42, 0.3, 0.1]
b = [0.88, 0.9, 0.8, 0.71, 0.5, 0.6, 0.4, 0.45, 0.45, 0.05]
out["spearman"] = float(st.spearmanr(a, b).statistic)
out["kendall"] = float(st.kendalltau(a, b, variant="b").statistic)
out["kendall_ties_x"] = float(st.kendalltau([1, 1, 2, 2, 3], [5, 3, 4, 1, 2], variant="b").statistic)

# Vector health: small float32 matrices with entries on a 1/8 grid (exact in float32).
rng = np.random.default_rng(7)
m1 = np.round(rng.normal(size=(12, 5)) * 8) / 8
m2 = np.round(rng.normal(size=(6, 9)) * 8) / 8
m2[:, 3] = m2[:, 0] * 2 - m2[:, 1]  # rank-deficient columns
out["m1"] = m1.tolist()
out["m2"] = m2.tolist()


def erank(m, center):
    x = m - m.mean(axis=0) if center else m
    s = np.linalg.svd(x, compute_uv=False)
    pr = s / s.sum()
    pr = pr[pr > 0]
    return float(np.exp(-(pr * np.log(pr)).sum()))


def mean_cos(m):
    u = m / np.linalg.norm(m, axis=1, keepdims=True)
    c = u @ u.T
    n = len(m)
    return float((c.sum() - np.trace(c)) / (n * (n - 1)))


out["erank"] = {"m1": erank(m1, True), "m1_raw": erank(m1, False), "m2": erank(m2, True), "m2_raw": erank(m2, False)}
# A larger matrix given by a formula, so the test can rebuild it: X[i][j] = sin(0.37 (i + 1)(j + 1) + 0.5 j).
i, j = np.meshgrid(np.arange(60), np.arange(24), indexing="ij")
m3 = np.sin(0.37 * (i + 1) * (j + 1) + 0.5 * j).astype(np.float32).astype(np.float64)
out["erank"]["m3"] = erank(m3, True)
out["erank"]["m3_raw"] = erank(m3, False)
out["mean_cos"] = {"m1": mean_cos(m1), "m2": mean_cos(m2)}
out["norms_m1"] = np.linalg.norm(m1, axis=1).tolist()
sym = (lambda x: x + x.T)(np.round(rng.normal(size=(7, 7)) * 4) / 4)
out["sym"] = sym.tolist()
out["sym_eig"] = np.linalg.eigvalsh(sym).tolist()
print(json.dumps(out, indent=1))
