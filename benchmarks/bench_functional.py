"""autograd.functional benchmarks (issue 3): jvp of a 100->100 tanh MLP, jacobian of a 50->50 function, hessian
and hvp of a 10-d log density, probtorch against torch.

torch computes jvp and hvp by double backward; probtorch runs them in forward mode (one forward pass carrying
tangents; forward-over-reverse for hvp). Rows marked "(double backward)" time probtorch's own double-backward
implementation of the same quantity, so the gain of forward mode shows within probtorch as well.

Run: python benchmarks/bench_functional.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run


def _functional(lib, name):
    if lib.__name__ == "probtorch":
        from probtorch.autograd import functional as F
    else:
        from torch.autograd import functional as F
    return getattr(F, name)


def _mlp(lib):
    rng = np.random.default_rng(0)
    W1 = lib.tensor(rng.standard_normal((100, 100)) / 10)
    b1 = lib.tensor(rng.standard_normal(100))
    W2 = lib.tensor(rng.standard_normal((100, 100)) / 10)
    x = lib.tensor(rng.standard_normal(100))
    v = lib.tensor(rng.standard_normal(100))
    return (lambda t: (W2 @ (W1 @ t + b1).tanh()).tanh()), x, v


def jvp_mlp(lib):
    f, x, v = _mlp(lib)
    jvp = _functional(lib, "jvp")
    return lambda: jvp(f, x, v)


def jvp_mlp_double_backward(lib):
    f, x, v = _mlp(lib)
    if lib.__name__ == "probtorch":
        from probtorch.autograd.functional import _jvp_double_backward as jvp
    else:
        jvp = _functional(lib, "jvp")
    return lambda: jvp(f, x, v)


def _fn50(lib):
    rng = np.random.default_rng(1)
    W = lib.tensor(rng.standard_normal((50, 50)) / 7)
    x = lib.tensor(rng.standard_normal(50))
    return (lambda t: (W @ t).tanh() * t.sin() + t.exp() / 10), x


def jacobian_reverse(lib):
    f, x = _fn50(lib)
    jac = _functional(lib, "jacobian")
    return lambda: jac(f, x)


def jacobian_forward(lib):
    f, x = _fn50(lib)
    jac = _functional(lib, "jacobian")
    return lambda: jac(f, x, vectorize=True, strategy="forward-mode")


def _log_density(lib):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((10, 10))
    P = lib.tensor(a @ a.T / 10 + np.eye(10))
    mu = lib.tensor(rng.standard_normal(10))
    x = lib.tensor(rng.standard_normal(10))
    v = lib.tensor(rng.standard_normal(10))

    def logp(t):
        d = t - mu
        # a Gaussian core with heavier (log-cosh) tails
        return -0.5 * ((P @ d) * d).sum() - (d.cosh().log()).sum()
    return logp, x, v


def hessian_logdensity(lib):
    f, x, _ = _log_density(lib)
    hess = _functional(lib, "hessian")
    return lambda: hess(f, x)


def hessian_logdensity_fwd(lib):
    f, x, _ = _log_density(lib)
    hess = _functional(lib, "hessian")
    return lambda: hess(f, x, vectorize=True, outer_jacobian_strategy="forward-mode")


def hvp_logdensity(lib):
    f, x, v = _log_density(lib)
    hvp = _functional(lib, "hvp")
    return lambda: hvp(f, x, v)


def hvp_logdensity_double_backward(lib):
    f, x, v = _log_density(lib)
    if lib.__name__ == "probtorch":
        from probtorch.autograd.functional import _hvp_double_backward as hvp
    else:
        hvp = _functional(lib, "hvp")
    return lambda: hvp(f, x, v)


WORKLOADS = {
    "jvp 100->100 tanh MLP": (jvp_mlp, 50),
    "jvp 100->100 tanh MLP (pt double backward)": (jvp_mlp_double_backward, 50),
    "jacobian 50->50 reverse-mode": (jacobian_reverse, 3),
    "jacobian 50->50 forward-mode (vectorize)": (jacobian_forward, 3),
    "hessian 10-d log density": (hessian_logdensity, 5),
    "hessian 10-d log density (fwd-over-rev)": (hessian_logdensity_fwd, 5),
    "hvp 10-d log density": (hvp_logdensity, 50),
    "hvp 10-d log density (pt double backward)": (hvp_logdensity_double_backward, 50),
}


if __name__ == "__main__":
    run(WORKLOADS, rounds=7)
