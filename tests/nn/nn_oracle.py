"""Shared by the nn test tables: run one case on probtorch or torch and return its output and input gradients."""
import numpy as np


def run_case(lib, fn, arrays):
    """fn(lib, lib.nn.functional, *float64 leaf tensors) -> (output array, list of gradient arrays or None).

    The gradients are those of sum(out * w) for a fixed random w, so every output element is weighted differently.
    """
    ts = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, lib.nn.functional, *ts)
    w = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=lib.float64)
    grads = lib.autograd.grad((out * w).sum(), ts, allow_unused=True)
    return out.detach().numpy(), [None if g is None else g.numpy() for g in grads]
