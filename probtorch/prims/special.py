"""Special-function primitives not in prims.elementwise: entr, the regularized incomplete gamma functions, Hurwitz
zeta, and torch.special's Bessel family (which torch does not differentiate either)."""
import numpy as np

from .._primitive import Primitive
from . import elementwise as E
from .elementwise import sc  # scipy.special, imported on first use (keeps `import probtorch` fast)


def _late(name):
    """scipy.special.<name>, looked up when first called."""
    def impl(*args):
        return getattr(sc, name)(*args)
    impl.__name__ = name
    return impl


def _unary(name, impl, **kw):
    return Primitive(name, impl, elementwise=True, dtype_rule="float", **kw)


def _cast_like(fn):
    """scipy computes some functions in float64 only; hand back the input's dtype."""
    def impl(*args):
        dt = next(a.dtype for a in args if isinstance(a, np.ndarray))
        return np.asarray(fn(*args)).astype(dt, copy=False)
    return impl


entr = _unary("special_entr", _late("entr"))
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


gammainc = Primitive("special_gammainc", _cast_like(_late("gammainc")), elementwise=True, dtype_rule="float")


@gammainc.defvjp
def _gammainc_vjp(g, out, a, x):
    gx = g * _igamma_density(a, x) if getattr(x, "requires_grad", False) else None
    return (_placeholder(a), gx)


gammaincc = Primitive("special_gammaincc", _cast_like(_late("gammaincc")), elementwise=True, dtype_rule="float")


@gammaincc.defvjp
def _gammaincc_vjp(g, out, a, x):
    gx = -g * _igamma_density(a, x) if getattr(x, "requires_grad", False) else None
    return (_placeholder(a), gx)


zeta = Primitive("special_zeta", _cast_like(_late("zeta")), elementwise=True, dtype_rule="float")


@zeta.defvjp
def _zeta_vjp(g, out, x, q):
    # d/dq zeta(x, q) = -x zeta(x + 1, q); torch has no derivative in x
    gq = g * (-x) * zeta(x + 1, q) if getattr(q, "requires_grad", False) else None
    return (_placeholder(x), gq)


def _nondiff(name, impl):
    return Primitive(name, _cast_like(impl), elementwise=True, dtype_rule="float", differentiable=False)


bessel_j0 = _nondiff("special_bessel_j0", _late("j0"))
bessel_j1 = _nondiff("special_bessel_j1", _late("j1"))
bessel_y0 = _nondiff("special_bessel_y0", _late("y0"))
bessel_y1 = _nondiff("special_bessel_y1", _late("y1"))
modified_bessel_i0 = _nondiff("special_modified_bessel_i0", _late("i0"))
modified_bessel_i1 = _nondiff("special_modified_bessel_i1", _late("i1"))
modified_bessel_k0 = _nondiff("special_modified_bessel_k0", _late("k0"))
modified_bessel_k1 = _nondiff("special_modified_bessel_k1", _late("k1"))
scaled_modified_bessel_k0 = _nondiff("special_scaled_modified_bessel_k0", _late("k0e"))
scaled_modified_bessel_k1 = _nondiff("special_scaled_modified_bessel_k1", _late("k1e"))
spherical_bessel_j0 = _nondiff("special_spherical_bessel_j0", lambda x: sc.spherical_jn(0, x))
airy_ai = _nondiff("special_airy_ai", lambda x: sc.airy(x)[0])


# ------------------------------------------------------------------------------------------------ polynomials
def _poly(first, step, shift=False):
    """An orthogonal-polynomial family p_n(x) from p_0 = 1, p_1 = first(x) and p_{k+1} = step(k, x, p_k, p_{k-1}).

    n is truncated to an integer per element; p_n = 0 for n < 0 (torch's convention).
    """
    def impl(x, n):
        dt = np.result_type(x, n)
        x, n = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(n))
        if shift:
            x = 2 * x - 1
        with np.errstate(invalid="ignore"):
            ni = np.where(np.isfinite(n), n, -1).astype(np.int64)
        out = np.zeros(x.shape)
        out[ni == 0] = 1.0
        top = int(ni.max()) if ni.size else 0
        if top >= 1:
            prev, cur = np.ones(x.shape), first(x)
            out[ni == 1] = cur[ni == 1]
            for k in range(1, top):
                prev, cur = cur, step(k, x, cur, prev)
                sel = ni == k + 1
                out[sel] = cur[sel]
        return out.astype(dt, copy=False)
    return impl


def _polynomial(name, first, step, shift=False):
    return Primitive(f"special_{name}", _poly(first, step, shift), elementwise=True, dtype_rule="float",
                     differentiable=False)


def _cheb_step(k, x, p, q):
    return 2 * x * p - q


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", lambda x: x, _cheb_step)
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", lambda x: 2 * x, _cheb_step)
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", lambda x: 2 * x - 1, _cheb_step)
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", lambda x: 2 * x + 1, _cheb_step)
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", lambda x: x, _cheb_step, True)
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u", lambda x: 2 * x, _cheb_step, True)
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v", lambda x: 2 * x - 1, _cheb_step,
                                             True)
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w", lambda x: 2 * x + 1, _cheb_step,
                                             True)
hermite_polynomial_h = _polynomial("hermite_polynomial_h", lambda x: 2 * x, lambda k, x, p, q: 2 * x * p - 2 * k * q)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", lambda x: x, lambda k, x, p, q: x * p - k * q)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", lambda x: 1 - x,
                                    lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1))
legendre_polynomial_p = _polynomial("legendre_polynomial_p", lambda x: x,
                                    lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1))
