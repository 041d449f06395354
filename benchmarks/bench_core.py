"""Core benchmarks (issue 2): per-op overhead, an MLP step, big elementwise chains, a 10-d hessian.

Run: python benchmarks/bench_core.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run

N_OPS = 100


def chained_small_ops(lib):
    """N_OPS small elementwise ops on a 10-vector, then backward: time / N_OPS is the per-op cost with backward."""
    x = lib.tensor(np.linspace(0.1, 1.0, 10), dtype=lib.float32, requires_grad=True)

    def step():
        y = x
        for i in range(N_OPS // 4):
            y = y * 1.01
            y = y + 0.1
            y = y.tanh()
            y = y - 0.05
        y.sum().backward()
        x.grad = None
    return step


def mlp_step(lib):
    """784-400-20 MLP at batch 128: forward, cross-entropy, backward, SGD update."""
    rng = np.random.default_rng(0)
    X = lib.tensor(rng.standard_normal((128, 784)), dtype=lib.float32)
    y = lib.tensor(rng.integers(0, 20, 128))
    W1 = lib.tensor(rng.standard_normal((784, 400)) * 0.05, dtype=lib.float32, requires_grad=True)
    b1 = lib.zeros(400, requires_grad=True)
    W2 = lib.tensor(rng.standard_normal((400, 20)) * 0.05, dtype=lib.float32, requires_grad=True)
    b2 = lib.zeros(20, requires_grad=True)
    params = [W1, b1, W2, b2]
    F = lib.nn.functional

    def step():
        h = F.relu(X @ W1 + b1)
        logits = h @ W2 + b2
        logp = F.log_softmax(logits, dim=1)
        loss = -logp.gather(1, y.unsqueeze(1)).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
    return step


def elementwise_chain(lib):
    """exp/sin/tanh/mul/add/sum on 10^6 float32 elements, forward and backward."""
    x = lib.tensor(np.linspace(-2, 2, 10 ** 6), dtype=lib.float32, requires_grad=True)

    def step():
        y = ((x.exp() * x.sin() + x.tanh()) * 0.5 - x * x).sum()
        y.backward()
        x.grad = None
    return step


def reduction_chain(lib):
    """logsumexp / softmax / var over a 1000 x 1000 float32 array, forward and backward."""
    x = lib.tensor(np.random.default_rng(1).standard_normal((1000, 1000)), dtype=lib.float32, requires_grad=True)

    def step():
        y = x.logsumexp(1).sum() + lib.nn.functional.softmax(x, 1).max() + x.var(0).sum()
        y.backward()
        x.grad = None
    return step


def hessian_10d(lib):
    """Hessian of a 10-d log density by 10 double-backward sweeps."""
    A = lib.tensor(np.eye(10) + 0.1, dtype=lib.float64)
    x = lib.tensor(np.linspace(-1, 1, 10), dtype=lib.float64, requires_grad=True)

    def f(v):
        return -0.5 * (v @ A @ v) - (v.exp() * 0.01).sum() + lib.special.log_ndtr(v).sum() \
            if hasattr(lib, "special") and hasattr(lib.special, "log_ndtr") else -0.5 * (v @ A @ v) - (v.exp() * 0.01).sum()

    def step():
        (g,) = lib.autograd.grad(f(x), x, create_graph=True)
        rows = [lib.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(10)]
        return lib.stack(rows)
    return step


if __name__ == "__main__":
    rows = run({
        f"chained small ops + backward ({N_OPS} ops)": (chained_small_ops, 20),
        "MLP 784-400-20 b128 fwd+bwd+SGD": (mlp_step, 10),
        "elementwise chain 1e6 fwd+bwd": (elementwise_chain, 3),
        "reduction chain 1000x1000 fwd+bwd": (reduction_chain, 3),
        "hessian 10-d (double backward)": (hessian_10d, 5),
    })
    name, pt, th, ratio, _ = rows[0]
    print(f"\nper-op cost incl. backward: probtorch {pt / N_OPS * 1e6:.1f} us"
          + (f", torch {th / N_OPS * 1e6:.1f} us" if th else ""))
