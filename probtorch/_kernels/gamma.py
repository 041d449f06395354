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
  with K and dK/da from the forward (Wallis) recurrence of the continued fraction, carried in forward mode.

Both converge in O(sqrt(a)) steps near the mode for large a, and in a few steps elsewhere.
numba is imported on first use; kernels are cached on disk; no fastmath (inf/NaN must propagate). The work per
element (~60 ns) is large, so the loop runs on all threads (`parallel_chunks`); float32 arrays are read and written
as they are (no float64 copies), the arithmetic being float64 throughout.
"""
import math

import numpy as np

from ._jit import available, kernel
from ._parallel import parallel_chunks
from ._vmath import digamma_pos

MIN_ROWS_PER_THREAD = 1 << 12  # ~0.4 ms of work, far above a thread hand-off


@kernel
def _dlogx(lx_arr, a_arr, eps, out):
    n_el = lx_arr.shape[0]
    # first the branch-free parts, in loops LLVM vectorizes: psi(a) and x (float64 scratch, whatever out's dtype)
    psis = np.empty(n_el)
    xs = np.empty(n_el)
    if eps < 1e-12:
        for k in range(n_el):
            # recurrence up to z >= 10, then the asymptotic series: relative error < 1e-15 (float64 results)
            z = np.float64(a_arr[k])  # float64 arithmetic also for float32 arrays (numba keeps float() float32)
            psi_a = 0.0
            while z < 10.0:
                psi_a -= 1.0 / z
                z += 1.0
            r = 1.0 / (z * z)
            psis[k] = psi_a + math.log(z) - 0.5 / z - r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (
                1.0 / 240 - r / 132))))
    else:
        for k in range(n_el):
            psis[k] = digamma_pos(np.float64(a_arr[k]))  # absolute error < 1e-13: far inside float32
    for k in range(n_el):
        xs[k] = math.exp(np.float64(lx_arr[k]))
    for k in range(n_el):
        lx = np.float64(lx_arr[k])
        a = np.float64(a_arr[k])
        if not (a > 0.0) or math.isnan(lx) or lx == math.inf:
            out[k] = math.nan
            continue
        if lx == -math.inf:  # x = 0: the leading term (psi(a + 1) - log x) / a is already infinite
            out[k] = math.inf
            continue
        psi_a = psis[k]
        x = xs[k]
        if x < a + 1.0:
            t = 1.0 / a
            psi = psi_a + t  # digamma(a + 1)
            s = t * (lx - psi)
            m = a + 1.0
            for _ in range(10000000):
                # two terms a step, 1/(a+n) and 1/(a+n+1) from one division (one more term than needed is harmless)
                m1 = m + 1.0
                r = 1.0 / (m * m1)
                inv1 = m1 * r
                inv2 = m * r
                t *= x * inv1
                psi += inv1
                s += t * (lx - psi)
                t *= x * inv2
                psi += inv2
                s += t * (lx - psi)
                m = m1 + 1.0
                if t * (abs(lx - psi) + 1.0) <= eps * abs(s):
                    break
            out[k] = -s
            continue
        # K = 1 / (b0 + a1 / (b1 + a2 / (b2 + ...))), b_i = x + 1 - a + 2i, a_i = -i (i - a), by the forward (Wallis)
        # recurrence P_i = b_i P_{i-1} + a_i P_{i-2} (Q alike) with the a-derivatives carried along (db_i = -1,
        # da_i = i): no division on the recurrence's critical path (Lentz's form has two); rescaled when it grows
        b = x + 1.0 - a
        p0, p1, q0, q1 = 0.0, 1.0, 1.0, b  # P_0, P_1 = 1, Q_0, Q_1 = b0
        dp0, dp1, dq0, dq1 = 0.0, 0.0, 0.0, -1.0
        h = 1.0 / b
        dh = h * h
        scale = lx - psi_a
        i = 1.0
        for _ in range(10000000):
            an = -i * (i - a)
            b += 2.0
            p2 = b * p1 + an * p0
            q2 = b * q1 + an * q0
            dp2 = -p1 + b * dp1 + i * p0 + an * dp0
            dq2 = -q1 + b * dq1 + i * q0 + an * dq0
            p0, p1, q0, q1 = p1, p2, q1, q2
            dp0, dp1, dq0, dq1 = dp1, dp2, dq1, dq2
            if abs(q1) > 1e150:
                p0 *= 1e-150
                p1 *= 1e-150
                q0 *= 1e-150
                q1 *= 1e-150
                dp0 *= 1e-150
                dp1 *= 1e-150
                dq0 *= 1e-150
                dq1 *= 1e-150
            rq = 1.0 / q1
            h_new = p1 * rq
            dh_new = (dp1 - h_new * dq1) * rq
            i += 1.0
            # converged when K and dK/da (on the scale of the result's two terms) stop moving
            done = (abs(h_new - h) <= eps * abs(h_new)
                    and abs(dh_new - dh) <= eps * (abs(dh_new) + abs(h_new * scale)))
            h = h_new
            dh = dh_new
            if done:
                break
        out[k] = h * scale + dh


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
