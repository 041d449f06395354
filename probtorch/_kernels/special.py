"""lgamma and digamma of large float arrays in one compiled, vectorized pass (scipy's loops take ~20 ns an element).

The scalar functions are `_vmath.lgamma_pos` / `digamma_pos` (float64 inside, absolute error below 1e-13); callers
use these for float32 only, where that is far inside the resolution, and route x <= 0, inf and NaN to scipy.
"""
import numpy as np

from ._jit import available, kernel
from ._parallel import parallel_chunks
from ._vmath import lgamma_pos, digamma_pos

__all__ = ["lgamma_positive", "digamma_positive", "FAST_MIN_SIZE"]

FAST_MIN_SIZE = 4096  # below this the compiled call's overhead is not worth it


@kernel
def _lgamma(x, out):
    """out = lgamma(x) where 0 < x < inf; returns how many elements were outside that range (left unspecified)."""
    bad = 0
    for i in range(x.size):
        v = np.float64(x[i])
        ok = v > 0.0 and v < np.inf
        bad += 0 if ok else 1
        out[i] = lgamma_pos(v)
    return bad


@kernel
def _digamma(x, out):
    """out = digamma(x) where 0 < x < inf; returns how many elements were outside that range."""
    bad = 0
    for i in range(x.size):
        v = np.float64(x[i])
        ok = v > 0.0 and v < np.inf
        bad += 0 if ok else 1
        out[i] = digamma_pos(v)
    return bad


def _positive_fast(kernel_fn, reference, x):
    """kernel_fn on the finite positive elements of a float32 array, `reference` (scipy) on the others."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape, np.float32)
    if sum(parallel_chunks(kernel_fn, flat, out)):
        bad = ~(flat > 0) | np.isinf(flat)
        out[bad] = reference(flat[bad])
    return out.reshape(x.shape)


def usable(x):
    return x.dtype == np.float32 and x.size >= FAST_MIN_SIZE and available()


def lgamma_positive(x, reference):
    return _positive_fast(_lgamma, reference, x)


def digamma_positive(x, reference):
    return _positive_fast(_digamma, reference, x)

