"""Shared helpers for the transform tests: conversions and an autograd jacobian built row by row."""
import numpy as np

import probtorch


def pt(arr, dtype=None):
    """A probtorch tensor from a numpy array (keeping its float dtype unless ``dtype`` is given)."""
    arr = np.asarray(arr)
    if dtype is not None:
        arr = arr.astype(dtype)
    return probtorch.tensor(arr)


def np_of(t):
    return t.detach().numpy()


def jacobian(f, x):
    """d flatten(f(x)) / d flatten(x) as an ndarray, one reverse sweep per output entry."""
    x = x.detach().requires_grad_(True)
    y = f(x).reshape(-1)
    rows = []
    for i in range(y.numel()):
        (g,) = probtorch.autograd.grad(y[i], x, retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.numel()) if g is None else np_of(g).reshape(-1))
    return np.array(rows).reshape(y.numel(), x.numel())


def block_logdets(J, batch, n_out, n_in):
    """Per-batch-element log|det| of the diagonal blocks of J; asserts the off-diagonal blocks vanish."""
    J = J.reshape(batch, n_out, batch, n_in)
    out = np.empty(batch)
    for b in range(batch):
        off = np.delete(J[:, :, b, :], b, axis=0)
        assert np.abs(off).max(initial=0.0) == 0.0, "output of one batch element depends on another"
        block = J[b, :, b, :]
        assert block.shape[0] == block.shape[1], "jacobian block must be square (pick free coordinates)"
        out[b] = np.linalg.slogdet(block)[1]
    return out
