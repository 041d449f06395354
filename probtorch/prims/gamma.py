"""Gamma-family primitives: standard-gamma sampling with implicit reparameterization and the regularized lower
incomplete gamma function.

Sampling primitives draw from the default generator in their impl; their vjp differentiates the sample along
the quantile path (u held fixed): dx/da = -(dF/da) / (dF/dx), F the CDF.
"""
import numpy as np

from .._primitive import Primitive
from .._tensor import Tensor
from .elementwise import sc, where as _where


# ------------------------------------------------------------------------------------------------ standard gamma
def _standard_gamma_log_impl(concentration):
    from .._random import _rng
    rng = _rng(None)
    # float32 draws numpy's float32 sampler directly (no float64 pass and cast); other dtypes go through float64
    dt = concentration.dtype if concentration.dtype.type in (np.float32, np.float64) else np.dtype(np.float64)
    a = np.asarray(concentration, dt)
    small = np.flatnonzero(a < 1)
    with np.errstate(divide="ignore"):  # a zero concentration (validation off) gives log(0) = -inf
        if not small.size:
            out = np.log(rng.standard_gamma(a, dtype=dt))
        else:
            # a < 1: x = G(a + 1) * U^(1/a), kept in log space so that tiny concentrations (where x underflows even
            # in float64) still give finite, distinct log-samples and finite gradients; only those elements draw U
            shifted = a.copy()
            shifted.flat[small] += 1
            out = np.log(rng.standard_gamma(shifted, dtype=dt))
            a_small = a.flat[small].astype(np.float64)
            u = 1.0 - rng.random(small.size)  # in (0, 1]
            out.flat[small] += np.log(u) / a_small
    return out.astype(concentration.dtype, copy=False)


standard_gamma_log = Primitive("_standard_gamma_log", _standard_gamma_log_impl, elementwise=True, dtype_rule="float",
                               saves=(0,), save_out=True)


def _dlogx_impl(log_x, concentration):
    from .._kernels.gamma import standard_gamma_dlogx
    dtype = np.result_type(log_x, concentration)
    eps = 1e-12 if dtype.itemsize >= 8 else 1e-8  # relative truncation error: far below a Monte Carlo gradient's noise
    return standard_gamma_dlogx(log_x, concentration, eps, dtype)


standard_gamma_dlogx = Primitive("_standard_gamma_grad", _dlogx_impl, elementwise=True, dtype_rule="float")


@standard_gamma_dlogx.defvjp
def _dlogx_vjp(g, out, log_x, concentration):
    raise RuntimeError("the derivative of the standard-gamma sample gradient (a second derivative through "
                       "Gamma.rsample or Gamma.cdf w.r.t. the concentration) is not implemented")


@standard_gamma_log.defvjp
def _standard_gamma_log_vjp(g, out, concentration):
    return (g * standard_gamma_dlogx(out.detach(), concentration),)


def _standard_gamma(concentration):
    """A Gamma(concentration, 1) sample, differentiable w.r.t. the concentration (implicit reparameterization)."""
    return standard_gamma_log(concentration).exp()


# ------------------------------------------------------------------------------------------------ gammainc
def _gammainc_impl(a, x):
    return sc.gammainc(a, x)


gammainc = Primitive("gammainc", _gammainc_impl, elementwise=True, dtype_rule="float")


@gammainc.defvjp
def _gammainc_vjp(g, out, a, x):
    # log of x^a e^{-x} / Gamma(a), the density times x
    log_xf = a.xlogy(x) - x - a.lgamma() if isinstance(a, Tensor) else _xlogy(a, x) - x - _lgamma(a)
    ga = gx = None
    if isinstance(x, Tensor) and x.requires_grad:
        gx = g * (log_xf - x.log()).exp()
    if isinstance(a, Tensor) and a.requires_grad:
        # dP/da = -x f(x) * dlog(x)/da along the quantile path; at x = 0 that is 0 * inf, and P(a, 0) = 0 for all a
        ga = -g * _zero_at_zero(log_xf.exp() * standard_gamma_dlogx(x.log(), a), x)
    return ga, gx


def _zero_at_zero(v, x):
    """v, with 0 where x == 0 (a product 0 * inf there whose limit is 0)."""
    return _where(x > 0, v, 0.0) if isinstance(x, Tensor) else v


def _xlogy(a, x):
    from .._functions.math import xlogy
    return xlogy(a, x)


def _lgamma(a):
    import math
    return math.lgamma(a)


# ------------------------------------------------------------------------------------------------ gammaincinv
def _gammaincinv_impl(a, p):
    return sc.gammaincinv(a, p)


gammaincinv = Primitive("gammaincinv", _gammaincinv_impl, elementwise=True, dtype_rule="float", save_out=True)


@gammaincinv.defvjp
def _gammaincinv_vjp(g, out, a, p):
    # x = P^{-1}(a, p): dx/dp = 1 / density(x); dx/da = x * dlog(x)/da along the quantile path (fixed p)
    ga = gp = None
    log_x = out.log()
    if isinstance(p, Tensor) and p.requires_grad:
        a_t = a if isinstance(a, Tensor) else _full_like(out, a)
        gp = g * (a_t.lgamma() - (a_t - 1) * log_x + out).exp()
    if isinstance(a, Tensor) and a.requires_grad:
        ga = g * _zero_at_zero(out * standard_gamma_dlogx(log_x, a), out)  # the quantile 0 of p = 0 stays put
    return ga, gp


def _full_like(t, v):
    from .._functions.creation import full_like
    return full_like(t, v)
