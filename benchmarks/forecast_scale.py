"""Automatic selection at scale: 100,000 weekly series x 104 weeks (run by hand).

    python benchmarks/forecast_scale.py [--n-series 100000] [--length 104]

Prints the elapsed time of :func:`invplan.forecast.forecast_batch` (patterns classified
inside, season 52, h = 13, sigma horizon 4), its peak traced memory (tracemalloc) and the
process peak RSS (getrusage), and the ratio to an anchor measured in the same run: the
time of our naive method on the same matrix (one vectorised pass).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

from invplan.forecast import Naive, forecast_batch


def generate(n: int, length: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    kind = rng.integers(0, 3, n)
    level = rng.uniform(5, 500, (n, 1))
    seas = 1 + 0.3 * np.sin(2 * np.pi * t / 52 + rng.uniform(0, 6, (n, 1)))
    smooth = np.maximum(level * seas + rng.normal(0, 0.15, (n, length)) * level, 0)
    trend = np.maximum(level * (1 + 0.004 * t) + rng.normal(0, 0.1, (n, length)) * level, 0)
    inter = rng.poisson(3, (n, length)) * (rng.random((n, length)) < 0.3)
    y = np.where(kind[:, None] == 0, smooth, np.where(kind[:, None] == 1, trend, inter))
    return np.rint(y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-series", type=int, default=100_000)
    ap.add_argument("--length", type=int, default=104)
    args = ap.parse_args(argv)
    y = generate(args.n_series, args.length)
    t0 = time.perf_counter()
    Naive().forecast(y, 13)
    anchor = time.perf_counter() - t0
    tracemalloc.start()
    t0 = time.perf_counter()
    res = forecast_batch(y, 13, season_length=52, horizon_for_sigma=4)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    print(f"{args.n_series} series x {args.length} weeks, h=13, season 52, cores={os.cpu_count()}")
    print(f"automatic selection: {elapsed:8.1f} s  (target <= 120 s)")
    print(f"anchor (naive method, same matrix): {anchor:8.3f} s  ratio {elapsed / anchor:8.0f}x")
    print(f"peak traced memory: {peak / 1024**3:6.2f} GiB; peak RSS {rss:6.2f} GiB (target <= 4)")
    print("methods chosen:", res.table["method"].value_counts().to_dict())
    print("statuses:", res.table["status"].value_counts().to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
