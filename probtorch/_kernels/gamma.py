"""Derivative of a standard-gamma sample with respect to its concentration (implicit reparameterization).

A sample x = F^{-1}(u; a) of Gamma(a, 1), with u held fixed, moves with a as

    dx/da = -(dP(a, x)/da) / (dP(a, x)/dx)

where P is the regularized lower incomplete gamma function. We return d log x / da, which stays finite when
x underflows (tiny a): log x is passed in, not x.

* x < a + 1: from P(a, x) = e^{-x} sum_n x^{a+n} / Gamma(a + n + 1),
      d log x / da = -sum_n t_n (log x - psi(a + n + 1)),   t_n = x^n / (a (a+1) ... (a+n)),
  a series of positive t_n whose ratio x / (a + n) is below one from the first term.
* x >= a + 1: from Q(a, x) = e^{-x} x^a K(a, x) / Gamma(a), K the Legendre continued fraction,
      d log x / da = K (log x - psi(a)) + dK/da,
  with dK/da carried through the modified Lentz recurrence in forward mode.

Both converge in O(sqrt(a)) steps near the mode for large a, and in a few steps elsewhere.
numba is imported on first use; kernels are cached on disk; no fastmath (inf/NaN must propagate). The work per
element (~100 ns) is large, so the loop runs on all threads (`parallel_chunks`); float32 inputs are read and the
result written in place of float32 copies, the arithmetic being float64 throughout.
"""
import math

import numpy as np

from ._jit import available, kernel
from ._parallel import parallel_chunks

MIN_ROWS_PER_THREAD = 1 << 12  # ~0.4 ms of work, far above a thread hand-off


@kernel
def _dlogx(lx_arr, a_arr, eps, out):
    z_min = 10.0 if eps < 1e-12 else 6.0
    for k in range(lx_arr.shape[0]):
        lx = np.float64(lx_arr[k])  # float64 arithmetic also for float32 arrays (numba keeps float() float32)
        a = np.float64(a_arr[k])
        if not (a > 0.0) or math.isnan(lx) or lx == math.inf:
            out[k] = math.nan
            continue
        # digamma(a): recurrence up to z >= z_min, then the asymptotic series (relative error < 1e-15 from z = 10,
        # < 1e-11 from z = 6, enough when eps asks only for float32 accuracy)
        z = a
        psi_a = 0.0
        while z < z_min:
            psi_a -= 1.0 / z
            z += 1.0
        r = 1.0 / (z * z)
        psi_a += math.log(z) - 0.5 / z - r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r / 132))))
        x = math.exp(lx)
        if x < a + 1.0:
            t = 1.0 / a
            psi = psi_a + t  # digamma(a + 1)
            s = t * (lx - psi)
            n = 1.0
            for _ in range(10000000):
                inv = 1.0 / (a + n)
                t *= x * inv
                psi += inv
                s += t * (lx - psi)
                n += 1.0
                if t * (abs(lx - psi) + 1.0) <= eps * abs(s):
                    break
            out[k] = -s
            continue
        tiny = 1e-300
        b = x + 1.0 - a
        db = -1.0
        c = 1.0 / tiny
        dc = 0.0
        d = 1.0 / b
        dd = -db * d * d
        h = d
        dh = dd
        i = 1.0
        for _ in range(10000000):
            an = -i * (i - a)
            dan = i
            b += 2.0
            den = an * d + b
            dden = dan * d + an * dd + db
            if abs(den) < tiny:
                den = tiny
            d = 1.0 / den
            dd = -dden * d * d
            inv_c = 1.0 / c
            cc = b + an * inv_c
            dcc = db + (dan - an * dc * inv_c) * inv_c
            if abs(cc) < tiny:
                cc = tiny
            c = cc
            dc = dcc
            delta = d * c
            ddelta = dd * c + d * dc
            dh = dh * delta + h * ddelta
            h *= delta
            i += 1.0
            if abs(delta - 1.0) <= eps and abs(ddelta) * abs(h) <= eps * abs(dh) + 1e-300:
                break
        out[k] = h * (lx - psi_a) + dh


def standard_gamma_dlogx(log_x, alpha, eps=1e-15, dtype=np.float64):
    """d log(x) / d alpha for standard-gamma samples x = exp(log_x) of concentration alpha, as ``dtype``.

    Computed in float64; `eps` is the relative truncation error of the series (1e-15 for float64 results; a
    float32 result needs only ~1e-8, which saves about a third of the terms). float32 inputs are read as they are.
    """
    lx, a = np.broadcast_arrays(np.asarray(log_x), np.asarray(alpha))
    shape = lx.shape
    if lx.dtype != a.dtype or lx.dtype.type not in (np.float32, np.float64):
        lx, a = lx.astype(np.float64), a.astype(np.float64)
    lx = np.ascontiguousarray(lx).reshape(-1)
    a = np.ascontiguousarray(a).reshape(-1)
    dtype = np.dtype(dtype)
    out = np.empty(lx.shape[0], dtype if dtype.type in (np.float32, np.float64) else np.float64)
    eps = float(eps)
    if available():
        parallel_chunks(lambda l, c, o: _dlogx(l, c, eps, o), lx, a, out, min_rows=MIN_ROWS_PER_THREAD)
    else:  # the same loop as plain Python (slow, but the values are identical)
        _dlogx.py(lx, a, eps, out)
    return out.reshape(shape).astype(dtype, copy=False)
