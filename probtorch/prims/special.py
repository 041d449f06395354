"""Special-function primitives not in prims.elementwise: entr, the regularized incomplete gamma functions, Hurwitz
zeta, and torch.special's Bessel family (which torch does not differentiate either)."""
import numpy as np
import scipy.special as sc

from .._primitive import Primitive
from . import elementwise as E


def _unary(name, impl, **kw):
    return Primitive(name, impl, elementwise=True, dtype_rule="float", **kw)


def _cast_like(fn):
    """scipy computes some functions in float64 only; hand back the input's dtype."""
    def impl(*args):
        dt = next(a.dtype for a in args if isinstance(a, np.ndarray))
        return np.asarray(fn(*args)).astype(dt, copy=False)
    return impl


entr = _unary("special_entr", sc.entr)
# d/dx (-x log x) = -(log x + 1): +inf at 0, NaN for x < 0, as torch
entr.defpartials(lambda out, x: (-(E.log(x) + 1),))


def _not_implemented_guard(name):
    """An identity on an argument whose derivative is not implemented.

    The main primitive sends a placeholder gradient to it; the engine runs this rule only when that argument's
    gradient is actually requested, and then it raises (the behaviour of torch's not-implemented derivatives).
    """
    guard = Primitive(f"{name}_guard", lambda a: a, saves=())

    @guard.defvjp
    def _raise(g, out, a):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
    return guard


igamma_guard = _not_implemented_guard("igamma: input")
zeta_guard = _not_implemented_guard("zeta")


def _placeholder(t):
    return E.mul(t, 0.0) if getattr(t, "requires_grad", False) else None


def _igamma_density(a, x):
    """x^(a-1) e^-x / Gamma(a), the x-derivative of the regularized lower incomplete gamma function."""
    lg = E.lgamma(a) if hasattr(a, "_data") else float(sc.gammaln(a))
    return E.exp(E.xlogy(a - 1, x) - x - lg)


gammainc = Primitive("special_gammainc", _cast_like(sc.gammainc), elementwise=True, dtype_rule="float")


@gammainc.defvjp
def _gammainc_vjp(g, out, a, x):
    gx = g * _igamma_density(a, x) if getattr(x, "requires_grad", False) else None
    return (_placeholder(a), gx)


gammaincc = Primitive("special_gammaincc", _cast_like(sc.gammaincc), elementwise=True, dtype_rule="float")


@gammaincc.defvjp
def _gammaincc_vjp(g, out, a, x):
    gx = -g * _igamma_density(a, x) if getattr(x, "requires_grad", False) else None
    return (_placeholder(a), gx)


zeta = Primitive("special_zeta", _cast_like(sc.zeta), elementwise=True, dtype_rule="float")


@zeta.defvjp
def _zeta_vjp(g, out, x, q):
    # d/dq zeta(x, q) = -x zeta(x + 1, q); torch has no derivative in x
    gq = g * (-x) * zeta(x + 1, q) if getattr(q, "requires_grad", False) else None
    return (_placeholder(x), gq)


def _nondiff(name, impl):
    return Primitive(name, _cast_like(impl), elementwise=True, dtype_rule="float", differentiable=False)


bessel_j0 = _nondiff("special_bessel_j0", sc.j0)
bessel_j1 = _nondiff("special_bessel_j1", sc.j1)
bessel_y0 = _nondiff("special_bessel_y0", sc.y0)
bessel_y1 = _nondiff("special_bessel_y1", sc.y1)
modified_bessel_i0 = _nondiff("special_modified_bessel_i0", sc.i0)
modified_bessel_i1 = _nondiff("special_modified_bessel_i1", sc.i1)
modified_bessel_k0 = _nondiff("special_modified_bessel_k0", sc.k0)
modified_bessel_k1 = _nondiff("special_modified_bessel_k1", sc.k1)
scaled_modified_bessel_k0 = _nondiff("special_scaled_modified_bessel_k0", sc.k0e)
scaled_modified_bessel_k1 = _nondiff("special_scaled_modified_bessel_k1", sc.k1e)
spherical_bessel_j0 = _nondiff("special_spherical_bessel_j0", lambda x: sc.spherical_jn(0, x))
airy_ai = _nondiff("special_airy_ai", lambda x: sc.airy(x)[0])
