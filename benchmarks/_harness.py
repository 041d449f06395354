"""Shared benchmark harness: the same workload code runs on probtorch and torch, interleaved, and prints ratios.

A workload is a function `make(lib) -> callable`; `lib` is the probtorch or torch module, so the code is identical
for both backends. Timings are medians over rounds (backends alternate inside each round, since these machines are
shared and noisy); the first call is reported separately (it includes numba compilation / lazy imports).
"""
import statistics
import time


def _time(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def backends():
    import probtorch
    libs = {"probtorch": probtorch}
    try:
        import torch
        libs["torch"] = torch
    except ImportError:
        pass
    return libs


def run(workloads, rounds=7, inner=None, extra=None):
    """workloads: {name: (make, inner)}. Prints a table and returns rows (name, pt_s, torch_s, ratio, first_s)."""
    libs = backends()
    rows = []
    for name, (make, n_inner) in workloads.items():
        n_inner = inner or n_inner
        fns = {k: make(lib) for k, lib in libs.items()}
        first = {}
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            first[k] = time.perf_counter() - t0
        samples = {k: [] for k in fns}
        for _ in range(rounds):
            for k, fn in fns.items():
                samples[k].append(_time(fn, n_inner))
        med = {k: statistics.median(v) for k, v in samples.items()}
        pt = med["probtorch"]
        th = med.get("torch")
        rows.append((name, pt, th, (pt / th) if th else None, first["probtorch"]))
    _print(rows)
    return rows


def _fmt(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _print(rows):
    print(f"{'workload':44s} {'probtorch':>12s} {'torch':>12s} {'ratio':>7s} {'pt first call':>14s}")
    for name, pt, th, ratio, first in rows:
        r = f"{ratio:.2f}x" if ratio else "-"
        print(f"{name:44s} {_fmt(pt):>12s} {_fmt(th):>12s} {r:>7s} {_fmt(first):>14s}")
