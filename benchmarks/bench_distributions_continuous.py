"""Continuous-distribution benchmarks (issue 5): log_prob, rsample and their gradients for Normal, Gamma, Beta on
10^6 elements and Dirichlet on 10^5 x 10, against torch and scipy.stats; plus log_prob with and without
validate_args.

Run: python benchmarks/bench_distributions_continuous.py [--rounds N] [--dtype float32|float64]
torch and scipy are optional. The backends alternate inside each round; each time is the best of the rounds (the
machine is shared by many processes, so the minimum is the least load-dependent statistic; --stat median for
medians). Ratios are probtorch time / other time (lower is better for probtorch). scipy.stats works in float64 and
has no gradients; its column shows logpdf / rvs. Inputs are float32 unless --dtype float64.
"""
import argparse
import statistics
import time

import numpy as np

N = 10 ** 6
B, K = 10 ** 5, 10


def _libs():
    import probtorch
    libs = {"probtorch": probtorch}
    try:
        import torch
        torch.set_num_threads(2)
        libs["torch"] = torch
    except ImportError:
        pass
    return libs


def _data():
    rng = np.random.default_rng(0)
    return {
        "Normal": ({"loc": rng.normal(size=N), "scale": rng.uniform(0.5, 2, N)}, rng.normal(size=N)),
        "Gamma": ({"concentration": rng.uniform(0.5, 5, N), "rate": rng.uniform(0.5, 2, N)},
                  rng.gamma(2.0, size=N)),
        "Beta": ({"concentration1": rng.uniform(0.5, 5, N), "concentration0": rng.uniform(0.5, 5, N)},
                 rng.beta(2.0, 2.0, size=N)),
        "Dirichlet": ({"concentration": rng.uniform(0.5, 5, (B, K))}, rng.dirichlet(np.ones(K), size=B)),
    }


def _scipy(name, params, value):
    try:
        import scipy.stats as st
    except ImportError:
        return None, None
    if name == "Normal":
        d = st.norm(params["loc"], params["scale"])
    elif name == "Gamma":
        d = st.gamma(params["concentration"], scale=1 / params["rate"])
    elif name == "Beta":
        d = st.beta(params["concentration1"], params["concentration0"])
    else:
        alpha = params["concentration"]
        rng = np.random.default_rng(1)

        def logpdf():  # scipy.stats.dirichlet takes one parameter vector: the vectorized density by hand
            from scipy.special import gammaln, xlogy
            return (xlogy(alpha - 1, value).sum(-1) + gammaln(alpha.sum(-1)) - gammaln(alpha).sum(-1))

        def rvs():
            g = rng.standard_gamma(alpha)
            return g / g.sum(-1, keepdims=True)
        return logpdf, rvs
    return (lambda: d.logpdf(value)), (lambda: d.rvs(random_state=1))


def workloads(dtype_name):
    data = _data()
    out = {}
    for name, (params, value) in data.items():
        def make(lib, kind, params=params, value=value, name=name):
            dt = getattr(lib, dtype_name)
            cls = getattr(lib.distributions, name)
            rg = kind.endswith("grad")
            ps = {k: lib.tensor(v, dtype=dt, requires_grad=rg) for k, v in params.items()}
            v = lib.tensor(value, dtype=dt)
            if kind == "log_prob":
                d = cls(**ps)
                return lambda: d.log_prob(v)
            if kind == "log_prob novalidate":
                d = cls(**ps, validate_args=False)
                return lambda: d.log_prob(v)
            if kind == "construct+log_prob":
                return lambda: cls(**ps).log_prob(v)
            if kind == "log_prob grad":
                def step():
                    lp = cls(**ps).log_prob(v).sum()
                    return lib.autograd.grad(lp, list(ps.values()))
                return step
            if kind == "rsample":
                d = cls(**ps)
                return lambda: d.rsample()
            if kind == "rsample grad":
                def step():
                    x = cls(**ps).rsample()
                    return lib.autograd.grad((x * x).sum(), list(ps.values()))
                return step
            raise ValueError(kind)
        sp_logpdf, sp_rvs = _scipy(name, params, value)
        for kind in ("log_prob", "log_prob novalidate", "construct+log_prob", "log_prob grad", "rsample",
                     "rsample grad"):
            scipy_fn = sp_logpdf if kind.startswith("log_prob") else sp_rvs if kind == "rsample" else None
            out[f"{name} {kind}"] = (lambda lib, kind=kind, make=make: make(lib, kind), scipy_fn)
    return out


def _time(fn, inner=1):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--stat", default="min", choices=("min", "median"))
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    libs = _libs()
    rows = []
    for name, (make, scipy_fn) in workloads(args.dtype).items():
        if args.only and args.only not in name:
            continue
        fns = {k: make(lib) for k, lib in libs.items()}
        if scipy_fn is not None:
            fns["scipy"] = scipy_fn
        for fn in fns.values():
            fn()  # warm-up: numba compilation, lazy imports
        samples = {k: [] for k in fns}
        for _ in range(args.rounds):
            for k, fn in fns.items():
                samples[k].append(_time(fn))
        stat = min if args.stat == "min" else statistics.median
        med = {k: stat(v) for k, v in samples.items()}
        rows.append((name, med.get("probtorch"), med.get("torch"), med.get("scipy")))
        _print_row(*rows[-1])
    by_name = {r[0]: r[1] for r in rows}
    print()
    for name in ("Normal", "Gamma", "Beta", "Dirichlet"):
        a, b = by_name.get(f"{name} log_prob"), by_name.get(f"{name} log_prob novalidate")
        if a and b:
            print(f"{name}: log_prob with validation / without = {a / b:.2f}x")


def _fmt(s):
    if s is None:
        return "-"
    return f"{s * 1e3:.2f} ms"


_HEADER = False


def _print_row(name, pt, th, sp):
    global _HEADER
    if not _HEADER:
        print(f"{'workload':34s} {'probtorch':>11s} {'torch':>11s} {'scipy':>11s} {'pt/torch':>9s} {'pt/scipy':>9s}")
        _HEADER = True
    r1 = f"{pt / th:.2f}x" if pt and th else "-"
    r2 = f"{pt / sp:.2f}x" if pt and sp else "-"
    print(f"{name:34s} {_fmt(pt):>11s} {_fmt(th):>11s} {_fmt(sp):>11s} {r1:>9s} {r2:>9s}", flush=True)


if __name__ == "__main__":
    main()
