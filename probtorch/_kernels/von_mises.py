"""Von Mises sampling (Best & Fisher 1979 rejection) and the implicit derivative of a sample w.r.t. concentration.

A centred sample z in [-pi, pi) of VonMises(0, k) moves with k along its quantile path as

    dz/dk = -(dF/dk) / f(z),   f(z) = exp(k (cos z - 1)) / (2 pi i0e(k)),

and from the Fourier series F(z) = (z + pi) / (2 pi) + (1 / pi) sum_n R_n sin(n z) / n, R_n = I_n(k) / I_0(k),

    dF/dk = (1 / pi) sum_n [(R_{n-1} + R_{n+1}) / 2 - R_n R_1] sin(n z) / n

(using I_n' = (I_{n-1} + I_{n+1}) / 2). The ratios I_n / I_{n-1} come from their backward continued-fraction
recurrence, which cannot overflow. numba is imported on first use; cached; no fastmath.
"""
import math

import numpy as np

from ._jit import available, kernel


@kernel
def _dz_dk(z, k, i0e_k, out):
    nmax = 0
    for j in range(k.shape[0]):
        n = 30 + int(12.0 * math.sqrt(k[j]))
        if n > nmax:
            nmax = n
    ratio = np.empty(nmax + 2)
    big_r = np.empty(nmax + 2)
    for j in range(z.shape[0]):
        kj = k[j]
        n_terms = 30 + int(12.0 * math.sqrt(kj))
        # I_n / I_{n-1} = 1 / (2n/k + I_{n+1} / I_n), started from 0 far out
        r = 0.0
        for n in range(n_terms + 1, 0, -1):
            r = 1.0 / (2.0 * n / kj + r)
            ratio[n] = r
        big_r[0] = 1.0
        for n in range(1, n_terms + 2):
            big_r[n] = big_r[n - 1] * ratio[n]
        r1 = big_r[1]
        zj = z[j]
        c2 = 2.0 * math.cos(zj)
        s_prev = 0.0
        s_cur = math.sin(zj)  # sin(n z) by the Chebyshev recurrence
        acc = 0.0
        for n in range(1, n_terms + 1):
            coef = 0.5 * (big_r[n - 1] + big_r[n + 1]) - big_r[n] * r1
            acc += coef * s_cur / n
            s_next = c2 * s_cur - s_prev
            s_prev = s_cur
            s_cur = s_next
        out[j] = -2.0 * acc * i0e_k[j] * math.exp(kj * (1.0 - math.cos(zj)))


def von_mises_dz_dk(z, concentration, i0e_k):
    """dz/dk for centred von Mises samples z (float64 arrays broadcast together)."""
    z, k, i = np.broadcast_arrays(np.asarray(z, np.float64), np.asarray(concentration, np.float64),
                                  np.asarray(i0e_k, np.float64))
    shape = z.shape
    z = np.ascontiguousarray(z).reshape(-1)
    out = np.empty(z.shape[0])
    # without numba the same loop runs as plain Python (slow, but the values are identical)
    fn = _dz_dk if available() else _dz_dk.py
    fn(z, np.ascontiguousarray(k).reshape(-1), np.ascontiguousarray(i).reshape(-1), out)
    return out.reshape(shape)


def von_mises_sample(concentration, rng):
    """Centred VonMises(0, k) samples in [-pi, pi) for a float64 array of concentrations (Best-Fisher rejection)."""
    k = np.asarray(concentration, np.float64)
    shape = k.shape
    k = k.reshape(-1)
    # tau - sqrt(2 tau) written without cancellation for small k
    tau = 1.0 + np.sqrt(1.0 + 4.0 * k * k)
    tau_m2 = 4.0 * k * k / (np.sqrt(1.0 + 4.0 * k * k) + 1.0)
    rho = tau * tau_m2 / (tau + np.sqrt(2.0 * tau)) / (2.0 * k)
    r = (1.0 + rho * rho) / (2.0 * rho)
    out = np.empty(k.shape)
    todo = np.arange(k.size)
    while todo.size:
        u1, u2, u3 = rng.random((3, todo.size))
        kk, rr = k[todo], r[todo]
        zc = np.cos(np.pi * u1)
        f = (1.0 + rr * zc) / (rr + zc)
        c = kk * (rr - f)
        with np.errstate(divide="ignore", invalid="ignore"):
            accept = (c * (2.0 - c) - u2 > 0) | (np.log(c / u2) + 1.0 - c >= 0)
        theta = np.sign(u3 - 0.5) * np.arccos(np.clip(f, -1.0, 1.0))
        out[todo[accept]] = theta[accept]
        todo = todo[~accept]
    # arccos lies in [0, pi]; map +pi to -pi so that samples lie in [-pi, pi)
    out[out >= np.pi] -= 2 * np.pi
    return out.reshape(shape)
