"""Compiled kernels (numba) behind a few primitives. Never imports probtorch; numba is imported on first use."""
import numpy as np

__all__ = ["index_add_at"]


def index_add_at(out, idx, src):
    """out[idx] += src with repeated indices accumulating (numpy's add.at semantics), in place."""
    np.add.at(out, idx, src)
