"""probtorch.special: torch.special's functions, composed over the elementwise and special primitives."""
from ._tensor import Tensor
from .prims import elementwise as E
from .prims import special as PS
from ._functions import math as M
from ._functions import reduction as R
from ._functions.math import _out
from .linalg import _tname

__all__ = ["expit", "logit", "erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr", "i0", "i0e", "i1", "i1e",
           "xlogy", "xlog1py", "gammaln", "digamma", "psi", "polygamma", "multigammaln", "logsumexp", "softmax",
           "log_softmax", "entr", "sinc", "gammainc", "gammaincc", "log1p", "expm1", "exp2", "round", "zeta",
           "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "airy_ai"] + [
           f"{kind}_polynomial_{v}" for kind, vs in (("chebyshev", "tuvw"), ("shifted_chebyshev", "tuvw"),
                                                     ("hermite", ("h", "he")), ("laguerre", "l"), ("legendre", "p"))
           for v in vs]


def _unary(prim, doc):
    def f(input, *, out=None):
        return _out(prim(input), out)
    f.__name__ = prim.name.replace("special_", "")
    f.__doc__ = doc
    return f


expit = _unary(E.sigmoid, "The logistic sigmoid 1 / (1 + exp(-x)).")
erf = _unary(E.erf, "The error function.")
erfc = _unary(E.erfc, "The complementary error function 1 - erf(x).")
erfcx = _unary(E.erfcx, "The scaled complementary error function exp(x^2) erfc(x).")
erfinv = _unary(E.erfinv, "The inverse of the error function on (-1, 1).")
ndtr = _unary(E.ndtr, "The standard normal CDF.")
ndtri = _unary(E.ndtri, "The standard normal quantile function (inverse of ndtr).")
log_ndtr = _unary(E.log_ndtr, "log of the standard normal CDF, accurate in the lower tail.")
i0 = _unary(E.i0, "The modified Bessel function of the first kind, order 0.")
i0e = _unary(E.i0e, "exp(-|x|) i0(x).")
i1 = _unary(E.i1, "The modified Bessel function of the first kind, order 1.")
i1e = _unary(E.i1e, "exp(-|x|) i1(x).")
gammaln = _unary(E.lgamma, "log |Gamma(x)|.")
digamma = _unary(E.digamma, "The logarithmic derivative of the gamma function.")
psi = digamma
log1p = _unary(E.log1p, "log(1 + x), accurate for small x.")
expm1 = _unary(E.expm1, "exp(x) - 1, accurate for small x.")
exp2 = _unary(E.exp2, "2 ** x.")
entr = _unary(PS.entr, "The elementwise entropy term -x log x (0 at 0, -inf for x < 0).")
bessel_j0 = _unary(PS.bessel_j0, "Bessel function of the first kind, order 0 (not differentiable, as in torch).")
bessel_j1 = _unary(PS.bessel_j1, "Bessel function of the first kind, order 1 (not differentiable, as in torch).")
bessel_y0 = _unary(PS.bessel_y0, "Bessel function of the second kind, order 0 (not differentiable, as in torch).")
bessel_y1 = _unary(PS.bessel_y1, "Bessel function of the second kind, order 1 (not differentiable, as in torch).")
modified_bessel_i0 = _unary(PS.modified_bessel_i0, "Modified Bessel function I0 (not differentiable, as in torch).")
modified_bessel_i1 = _unary(PS.modified_bessel_i1, "Modified Bessel function I1 (not differentiable, as in torch).")
modified_bessel_k0 = _unary(PS.modified_bessel_k0, "Modified Bessel function K0 (not differentiable, as in torch).")
modified_bessel_k1 = _unary(PS.modified_bessel_k1, "Modified Bessel function K1 (not differentiable, as in torch).")
scaled_modified_bessel_k0 = _unary(PS.scaled_modified_bessel_k0, "exp(x) K0(x) (not differentiable, as in torch).")
scaled_modified_bessel_k1 = _unary(PS.scaled_modified_bessel_k1, "exp(x) K1(x) (not differentiable, as in torch).")
spherical_bessel_j0 = _unary(PS.spherical_bessel_j0, "sin(x) / x (not differentiable, as in torch).")
airy_ai = _unary(PS.airy_ai, "The Airy function Ai (not differentiable, as in torch).")


def _binary_args(name, input, other):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"special.{name}(): expected at least one of 'input' and 'other' to be a Tensor")
    return input, other


def xlogy(input, other, *, out=None):
    """x * log(y), defined as 0 where x == 0 (unless y is NaN). Either argument may be a Python number."""
    return _out(E.xlogy(*_binary_args("xlogy", input, other)), out)


def xlog1py(input, other, *, out=None):
    """x * log1p(y), defined as 0 where x == 0 (unless y is NaN). Either argument may be a Python number."""
    return _out(E.xlog1py(*_binary_args("xlog1py", input, other)), out)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)); with `eps`, p is first clamped to [eps, 1 - eps]."""
    return M.logit(input, eps, out=out)


def polygamma(n, input, *, out=None):
    """The n-th derivative of the digamma function."""
    return M.polygamma(n, input, out=out)


def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension p."""
    return M.mvlgamma(input, p, out=out)


def sinc(input, *, out=None):
    """The normalized sinc sin(pi x) / (pi x), 1 at 0."""
    return M.sinc(input, out=out)


def round(input, *, decimals=0, out=None):
    """Round half to even, to `decimals` decimal places."""
    return M.round(input, decimals=decimals, out=out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over `dim`, computed stably."""
    return _out(R.logsumexp(input, dim, keepdim), out)


def _softmax_dim(input, dim):
    if dim is None:
        raise TypeError("softmax(): argument 'dim' must be int, not NoneType")
    return dim


def softmax(input, dim, *, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, shifted by the (detached) maximum for stability."""
    dim = _softmax_dim(input, dim)
    if dtype is not None:
        input = input.to(dtype)
    elif not input.is_floating_point():
        raise RuntimeError(f'"softmax_lastdim_kernel_impl" not implemented for \'{_tname(input.dtype)}\'')
    m = R.amax(input.detach(), dim, keepdim=True) if input.numel() else input.detach().sum(dim, keepdim=True)
    m = M.where(m.isinf(), 0.0, m)
    e = (input - m).exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input, dim, *, dtype=None):
    """x - logsumexp(x) along `dim`."""
    dim = _softmax_dim(input, dim)
    if dtype is not None:
        input = input.to(dtype)
    elif not input.is_floating_point():
        raise RuntimeError(f'"log_softmax_lastdim_kernel_impl" not implemented for \'{_tname(input.dtype)}\'')
    return input - R.logsumexp(input, dim, keepdim=True)


def _differentiated(t):
    """Does `t` carry a reverse-mode graph or a forward-mode tangent (so a missing derivative must raise)?"""
    return isinstance(t, Tensor) and (t.requires_grad or t._fw is not None)


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(a, x) with a = input, x = other.

    Differentiable in x; the derivative in a is not implemented (it raises NotImplementedError when requested).
    """
    a = PS.igamma_guard(input) if _differentiated(input) else input
    return _out(PS.gammainc(a, other), out)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x); differentiable in x only."""
    a = PS.igamma_guard(input) if _differentiated(input) else input
    return _out(PS.gammaincc(a, other), out)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function sum_k (k + q)^-x with x = input, q = other; differentiable in q only."""
    input, other = _binary_args("zeta", input, other)
    x = PS.zeta_guard(input) if _differentiated(input) else input
    return _out(PS.zeta(x, other), out)


def _polynomial(prim, doc):
    def f(input, n, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"{prim.name}(): expected 'input' or 'n' to be a Tensor")
        return _out(prim(input, n), out)
    f.__name__ = prim.name.replace("special_", "")
    f.__doc__ = doc + " n is truncated to an integer; the value is 0 for n < 0. Not differentiable, as in torch."
    return f


chebyshev_polynomial_t = _polynomial(PS.chebyshev_polynomial_t, "Chebyshev polynomial of the first kind T_n(x).")
chebyshev_polynomial_u = _polynomial(PS.chebyshev_polynomial_u, "Chebyshev polynomial of the second kind U_n(x).")
chebyshev_polynomial_v = _polynomial(PS.chebyshev_polynomial_v, "Chebyshev polynomial of the third kind V_n(x).")
chebyshev_polynomial_w = _polynomial(PS.chebyshev_polynomial_w, "Chebyshev polynomial of the fourth kind W_n(x).")
shifted_chebyshev_polynomial_t = _polynomial(PS.shifted_chebyshev_polynomial_t, "T_n(2x - 1).")
shifted_chebyshev_polynomial_u = _polynomial(PS.shifted_chebyshev_polynomial_u, "U_n(2x - 1).")
shifted_chebyshev_polynomial_v = _polynomial(PS.shifted_chebyshev_polynomial_v, "V_n(2x - 1).")
shifted_chebyshev_polynomial_w = _polynomial(PS.shifted_chebyshev_polynomial_w, "W_n(2x - 1).")
hermite_polynomial_h = _polynomial(PS.hermite_polynomial_h, "Physicists' Hermite polynomial H_n(x).")
hermite_polynomial_he = _polynomial(PS.hermite_polynomial_he, "Probabilists' Hermite polynomial He_n(x).")
laguerre_polynomial_l = _polynomial(PS.laguerre_polynomial_l, "Laguerre polynomial L_n(x).")
legendre_polynomial_p = _polynomial(PS.legendre_polynomial_p, "Legendre polynomial P_n(x).")
