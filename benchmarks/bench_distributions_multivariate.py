"""MultivariateNormal benchmarks (issue 5): batched log_prob with batched covariances, its gradient, and the cost of
argument validation.

Run: python benchmarks/bench_distributions_multivariate.py [--rounds N]
torch and scipy are optional. Times are medians over rounds, each backend timed in its own block; ratios are
probtorch time / other time (lower is better for probtorch).
"""
import argparse
import os
import statistics
import sys
import time


def _threads_from_argv(default=1):
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default


# BLAS worker threads must be fixed before numpy loads OpenBLAS. On a shared, loaded 2-core machine two threads
# (numpy's OpenBLAS or torch's OpenMP) can run several times slower than one, as the workers wait on each other; both
# backends get the same count (--threads, default 1).
THREADS = _threads_from_argv()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402

B, N, S = 1000, 10, 100  # batch of covariances, event size, sample dims for the broadcast workload


def _data():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(B, N, N))
    cov = A @ A.transpose(0, 2, 1) + N * np.eye(N)
    loc = rng.normal(size=(B, N))
    x = rng.normal(size=(B, N))
    xs = rng.normal(size=(S, B, N))
    return loc, cov, np.linalg.cholesky(cov), x, xs


def _libs(threads=1):
    import probtorch
    libs = {"probtorch": probtorch}
    try:
        import torch
        torch.set_num_threads(threads)
        libs["torch"] = torch
    except ImportError:
        pass
    return libs


def _mvn(lib):
    return lib.distributions.MultivariateNormal


def workloads():
    loc, cov, tril, x, xs = _data()

    def log_prob(lib):
        d = _mvn(lib)(lib.tensor(loc), scale_tril=lib.tensor(tril))
        v = lib.tensor(x)
        return lambda: d.log_prob(v)

    def construct_log_prob(lib):
        loc_t, cov_t, v = lib.tensor(loc), lib.tensor(cov), lib.tensor(x)
        return lambda: _mvn(lib)(loc_t, cov_t).log_prob(v)

    def log_prob_grad(lib):
        loc_t = lib.tensor(loc, requires_grad=True)
        tril_t = lib.tensor(tril, requires_grad=True)
        v = lib.tensor(x)

        def step():
            lp = _mvn(lib)(loc_t, scale_tril=tril_t, validate_args=False).log_prob(v).sum()
            return lib.autograd.grad(lp, [loc_t, tril_t])
        return step

    def broadcast_samples(lib):
        d = _mvn(lib)(lib.tensor(loc), scale_tril=lib.tensor(tril))
        v = lib.tensor(xs)
        return lambda: d.log_prob(v)

    def scipy_log_prob():
        from scipy.stats import multivariate_normal
        return lambda: np.array([multivariate_normal.logpdf(x[i], loc[i], cov[i]) for i in range(B)])

    def scipy_broadcast():
        from scipy.stats import multivariate_normal
        return lambda: np.stack([multivariate_normal.logpdf(xs[:, i], loc[i], cov[i]) for i in range(B)], -1)

    rng = np.random.default_rng(1)
    big = rng.normal(size=(100_000, N))
    one_tril = tril[0]

    def big_log_prob(lib):
        d = _mvn(lib)(lib.tensor(loc[0]), scale_tril=lib.tensor(one_tril))
        v = lib.tensor(big)
        return lambda: d.log_prob(v)

    def big_log_prob_grad(lib):
        loc_t, tril_t, v = lib.tensor(loc[0], requires_grad=True), lib.tensor(one_tril, requires_grad=True), \
            lib.tensor(big)

        def step():
            lp = _mvn(lib)(loc_t, scale_tril=tril_t, validate_args=False).log_prob(v).sum()
            return lib.autograd.grad(lp, [loc_t, tril_t])
        return step

    def big_rsample_grad(lib):
        loc_t, tril_t = lib.tensor(loc[0], requires_grad=True), lib.tensor(one_tril, requires_grad=True)

        def step():
            x = _mvn(lib)(loc_t, scale_tril=tril_t, validate_args=False).rsample((100_000,))
            return lib.autograd.grad(x.pow(2).sum(), [loc_t, tril_t])
        return step

    def scipy_big():
        from scipy.stats import multivariate_normal
        return lambda: multivariate_normal.logpdf(big, loc[0], cov[0])

    return {
        f"log_prob, batch {B} of {N}x{N} (factor given)": (log_prob, scipy_log_prob, 5),
        f"log_prob, 1e5 values x {N}, one factor": (big_log_prob, scipy_big, 3),
        f"log_prob + grad, 1e5 values x {N}": (big_log_prob_grad, None, 2),
        f"rsample 1e5 x {N} + grad of sum x^2": (big_rsample_grad, None, 2),
        f"construct from covariance + log_prob": (construct_log_prob, None, 3),
        f"log_prob + grad wrt loc, scale_tril": (log_prob_grad, None, 3),
        f"log_prob of {S}x{B} values, {B} factors": (broadcast_samples, scipy_broadcast, 2),
    }


def validation_workloads():
    """log_prob (and construction) with validate_args on and off, per backend."""
    loc, cov, tril, x, _ = _data()

    def log_prob(validate):
        def make(lib):
            d = _mvn(lib)(lib.tensor(loc), scale_tril=lib.tensor(tril), validate_args=validate)
            v = lib.tensor(x)
            return lambda: d.log_prob(v)
        return make

    def construct(validate):
        def make(lib):
            loc_t, cov_t, v = lib.tensor(loc), lib.tensor(cov), lib.tensor(x)
            return lambda: _mvn(lib)(loc_t, cov_t, validate_args=validate).log_prob(v)
        return make

    return {"log_prob": (log_prob, 30), "construct + log_prob": (construct, 10)}


def _time(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def _fmt(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "-"


def main(rounds=7, threads=1):
    libs = _libs(threads)
    print(f"MultivariateNormal, float64, 2 cores, {threads} BLAS/OpenMP thread(s) per backend; median of {rounds} "
          "rounds\n")
    print(f"{'workload':44s} {'probtorch':>10s} {'torch':>10s} {'scipy':>10s} {'pt/torch':>9s} {'pt/scipy':>9s}")
    for name, (make, make_scipy, inner) in workloads().items():
        fns = {k: make(lib) for k, lib in libs.items()}
        if make_scipy is not None:
            fns["scipy"] = make_scipy()
        # each backend runs its rounds as a block, after a pause: BLAS / OpenMP worker threads of the previous
        # backend keep spinning for a while after their last call and would otherwise steal the two cores
        med = {}
        for k, fn in fns.items():
            time.sleep(0.2)
            fn()  # warm up (lazy imports, caches)
            med[k] = statistics.median(_time(fn, 1 if k == "scipy" else inner) for _ in range(rounds))
        pt, th, sp = med["probtorch"], med.get("torch"), med.get("scipy")
        print(f"{name:44s} {_fmt(pt):>10s} {_fmt(th):>10s} {_fmt(sp):>10s} {_ratio(pt, th):>9s} "
              f"{_ratio(pt, sp):>9s}")
    print(f"\n{'validate_args cost':44s} {'backend':>10s} {'off':>10s} {'on':>10s} {'on/off':>9s}")
    for name, (make, calls) in validation_workloads().items():
        for k, lib in libs.items():
            fns = {"off": make(False)(lib), "on": make(True)(lib)}
            for fn in fns.values():
                fn()
            # the two variants alternate call by call (their difference is small next to the machine's noise)
            samples = {v: [] for v in fns}
            for i in range(calls * rounds):
                order = ("off", "on") if i % 2 else ("on", "off")
                for v in order:
                    samples[v].append(_time(fns[v], 1))
            off, on = (statistics.median(samples[v]) for v in ("off", "on"))
            # the ratio is the median of the ratios of adjacent calls, which cancels slow drifts in machine load
            ratio = statistics.median(a / b for a, b in zip(samples["on"], samples["off"]))
            print(f"{name:44s} {k:>10s} {_fmt(off):>10s} {_fmt(on):>10s} {ratio:>8.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    main(args.rounds, args.threads)
