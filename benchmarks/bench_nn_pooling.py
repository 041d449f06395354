"""Pooling benchmarks: max_pool2d (k3 s2 p1), avg_pool2d and adaptive_avg_pool2d (to 1x1 and 7x7) on a
32 x 64 x 64 x 64 float32 batch, forward and forward + backward, probtorch against torch.

Run: python benchmarks/bench_nn_pooling.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run

SHAPE = (32, 64, 64, 64)


def _input(lib, grad):
    a = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    return lib.tensor(a, requires_grad=grad)


def _workload(op, backward):
    def make(lib):
        F = lib.nn.functional
        x = _input(lib, backward)
        f = {"max": lambda: F.max_pool2d(x, 3, 2, 1),
             "avg": lambda: F.avg_pool2d(x, 3, 2, 1),
             "aavg1": lambda: F.adaptive_avg_pool2d(x, 1),
             "aavg7": lambda: F.adaptive_avg_pool2d(x, 7)}[op]
        if not backward:
            return f

        def step():
            y = f()
            y.sum().backward()
            x.grad = None
        return step
    return make


WORKLOADS = {}
for op, label in [("max", "max_pool2d k3 s2 p1"), ("avg", "avg_pool2d k3 s2 p1"),
                  ("aavg1", "adaptive_avg_pool2d -> 1x1"), ("aavg7", "adaptive_avg_pool2d -> 7x7")]:
    WORKLOADS[f"{label} fwd"] = (_workload(op, False), 3)
    WORKLOADS[f"{label} fwd+bwd"] = (_workload(op, True), 2)


if __name__ == "__main__":
    run(WORKLOADS, rounds=5)
