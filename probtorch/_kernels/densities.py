"""Fused log-densities: Gamma, Beta and Dirichlet log_prob in one vectorized pass each, float64 inside.

Composed from Tensor ops, a log-density is five to eight full-size passes with a temporary each (xlogy, lgamma,
the products and sums); here each element is read once and the logs are `_vmath`'s vectorizable ones. Every kernel
returns how many concentrations were outside (0, inf), where lgamma_pos is unspecified: callers then take their
composed path for the whole call.

    gamma:     a log b + (a - 1) log x - b x - lgamma(a)
    beta:      (a - 1) log x + (b - 1) log(1 - x) + lgamma(a + b) - lgamma(a) - lgamma(b)
    dirichlet: sum_k (c_k - 1) log x_k + lgamma(sum_k c_k) - sum_k lgamma(c_k)     (rows of c, x)

(u log y is `vxlogy`: 0 where u == 0 unless y is NaN, as torch.xlogy.)
"""
import numpy as np

from ._jit import kernel
from ._vmath import vxlogy, lgamma_pos

__all__ = ["gamma_log_prob", "beta_log_prob", "dirichlet_log_prob"]


@kernel
def gamma_log_prob(a, b, x, out):
    bad = 0
    for i in range(out.size):
        ai = np.float64(a[i])
        bi = np.float64(b[i])
        xi = np.float64(x[i])
        bad += 0 if (ai > 0.0) & (ai < np.inf) else 1
        out[i] = vxlogy(ai, bi) + vxlogy(ai - 1.0, xi) - bi * xi - lgamma_pos(ai)
    return bad


@kernel
def beta_log_prob(a, b, x, out):
    bad = 0
    for i in range(out.size):
        ai = np.float64(a[i])
        bi = np.float64(b[i])
        xi = np.float64(x[i])
        bad += 0 if (ai > 0.0) & (ai < np.inf) & (bi > 0.0) & (bi < np.inf) else 1
        out[i] = (vxlogy(ai - 1.0, xi) + vxlogy(bi - 1.0, 1.0 - xi) + lgamma_pos(ai + bi) - lgamma_pos(ai)
                  - lgamma_pos(bi))
    return bad


_ROWS_PER_BLOCK = 256  # the elementwise part of a block of rows stays in cache for the row sums


@kernel
def dirichlet_log_prob(c, x, out):
    rows, k = c.shape
    tmp = np.empty(_ROWS_PER_BLOCK * k)
    part = np.empty(_ROWS_PER_BLOCK)
    csum = np.empty(_ROWS_PER_BLOCK)
    bad = 0
    for r0 in range(0, rows, _ROWS_PER_BLOCK):
        r1 = min(rows, r0 + _ROWS_PER_BLOCK)
        cf = c[r0:r1].reshape(-1)
        xf = x[r0:r1].reshape(-1)
        for j in range(cf.size):  # vectorized: no reduction in this loop
            cj = np.float64(cf[j])
            bad += 0 if (cj > 0.0) & (cj < np.inf) else 1
            tmp[j] = vxlogy(cj - 1.0, np.float64(xf[j])) - lgamma_pos(cj)
        nr = r1 - r0
        part[:nr] = 0.0
        csum[:nr] = 0.0
        for j in range(k):  # row sums, each in index order; the inner loop runs across rows, so it vectorizes
            for r in range(nr):
                part[r] += tmp[r * k + j]
                csum[r] += np.float64(cf[r * k + j])
        for r in range(r1 - r0):
            out[r0 + r] = part[r] + lgamma_pos(csum[r])
    return bad
