"""KL divergence between distributions: ``kl_divergence(p, q)`` and the ``register_kl`` registry.

An implementation is looked up by the pair ``(type(p), type(q))``. When no function is registered for that exact
pair, the most specific registered pair of base classes is used: candidates are ranked by how far up each class's
MRO the registered types sit, once with ``p`` first and once with ``q`` first; if the two rankings pick different
functions the pair is ambiguous and a ``RuntimeWarning`` names the registration that would settle it. Lookups are
cached per pair (the cache is cleared by every registration).

The closed forms below are grouped by the type of ``p``. Each is ``E_p[log p(x) - log q(x)]`` worked out for the
pair; where ``p`` puts mass outside the support of ``q`` the divergence is ``inf``.

Pairs whose classes live in modules that are not importable yet are kept pending and registered as soon as the
classes appear (checked on each lookup when new modules have been loaded).
"""
import importlib
import math
import sys
import warnings

import probtorch

from .._tensor import Size
from .distribution import Distribution

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}  # (type_p, type_q) -> function(p, q)
_KL_MEMOIZE = {}  # (type_p, type_q) -> function chosen by dispatch
_PENDING = []  # [(name_p, name_q, function)] whose classes are not importable yet
_PENDING_STATE = {"modules": -1}

_EULER = 0.57721566490153286060
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

# class name -> module in this package (the snake_case file named after the class)
_MODULES = {
    "ExponentialFamily": "exp_family", "TransformedDistribution": "transformed_distribution",
    "ContinuousBernoulli": "continuous_bernoulli", "HalfNormal": "half_normal",
    "LowRankMultivariateNormal": "lowrank_multivariate_normal", "MultivariateNormal": "multivariate_normal",
    "OneHotCategorical": "one_hot_categorical",
}


def register_kl(type_p, type_q):
    """Decorator registering a pairwise KL implementation ``fn(p, q)`` for ``p`` of ``type_p`` and ``q`` of
    ``type_q`` (subclasses included, most specific registration wins).

    Args:
        type_p (type): a subclass of :class:`Distribution`.
        type_q (type): a subclass of :class:`Distribution`.

    Example::

        @register_kl(Normal, Normal)
        def kl_normal_normal(p, q):
            ...
    """
    if not isinstance(type_p, type) or not issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) or not issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


def _register(name_p, name_q):
    """Register by class name: now if both classes are importable, otherwise when they become so."""
    def decorator(fun):
        _PENDING.append((name_p, name_q, fun))
        return fun
    return decorator


def _find_class(name):
    pkg = sys.modules.get("probtorch.distributions")
    cls = getattr(pkg, name, None) if pkg is not None else None
    if isinstance(cls, type):
        return cls
    module = _MODULES.get(name) or "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    try:
        mod = importlib.import_module("probtorch.distributions." + module)
    except ImportError:
        return None
    cls = getattr(mod, name, None)
    return cls if isinstance(cls, type) else None


def _resolve_pending():
    """Register every pending pair whose two classes can now be imported."""
    n = len(sys.modules)
    if not _PENDING or _PENDING_STATE["modules"] == n:
        return
    still = []
    for name_p, name_q, fun in _PENDING:
        cp, cq = _find_class(name_p), _find_class(name_q)
        if cp is None or cq is None:
            still.append((name_p, name_q, fun))
        elif (cp, cq) not in _KL_REGISTRY:
            register_kl(cp, cq)(fun)
    _PENDING[:] = still
    _PENDING_STATE["modules"] = len(sys.modules)


def _dispatch_kl(type_p, type_q):
    """The function registered for the most specific pair of base classes of (type_p, type_q), or None."""
    matches = [(sp, sq) for sp, sq in _KL_REGISTRY if issubclass(type_p, sp) and issubclass(type_q, sq)]
    if not matches:
        return None
    mro_p, mro_q = type_p.__mro__, type_q.__mro__
    left = min(matches, key=lambda m: (mro_p.index(m[0]), mro_q.index(m[1])))
    right = min(matches, key=lambda m: (mro_q.index(m[1]), mro_p.index(m[0])))
    left_fun, right_fun = _KL_REGISTRY[left], _KL_REGISTRY[right]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl("
                      f"{left[0].__name__}, {right[1].__name__})", RuntimeWarning)
    return left_fun


def kl_divergence(p, q):
    r"""The Kullback-Leibler divergence :math:`KL(p \| q) = \int p(x) \log \frac{p(x)}{q(x)} dx`, batched.

    Args:
        p (Distribution): the distribution the expectation is taken under.
        q (Distribution): the reference distribution.

    Returns:
        Tensor: the divergences, of shape ``batch_shape``.

    Raises:
        NotImplementedError: if no implementation is registered for the pair (the message names both types).
    """
    _resolve_pending()
    key = (type(p), type(q))
    try:
        fun = _KL_MEMOIZE[key]
    except KeyError:
        fun = _dispatch_kl(*key)
        _KL_MEMOIZE[key] = fun
    if fun is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p of type {type(p).__name__} and q of type "
                                  f"{type(q).__name__}; register one with "
                                  f"@register_kl({type(p).__name__}, {type(q).__name__}).")
    return fun(p, q)


# ------------------------------------------------------------------------------------------------------------- helpers
def _sum_rightmost(value, dim):
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def _infinite(p, q):
    """inf for every member of the broadcast batch: p charges a region where q has no density."""
    shape = probtorch.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape))
    dtype = _float_dtype(p)
    return probtorch.full(tuple(shape), float("inf"), dtype=dtype)


def _float_dtype(d):
    for v in d.__dict__.values():
        if isinstance(v, probtorch.Tensor) and v.is_floating_point():
            return v.dtype
    return probtorch.get_default_dtype()


def _inf_where(mask, value):
    return probtorch.where(mask, float("inf"), value)


def _zero_where(mask, value):
    return probtorch.where(mask, 0.0, value)


def _softplus(x):
    return probtorch.logaddexp(x, 0.0)


def _x_log_x(x):
    return probtorch.xlogy(x, x)




def _gamma_log_density_mean(q, mean, mean_log):
    """E_p[log Gamma(x; a, b)] from E_p[x] and E_p[log x]."""
    a, b = q.concentration, q.rate
    return a * probtorch.log(b) - probtorch.lgamma(a) + (a - 1) * mean_log - b * mean


def _kl_to_gumbel(p, q, mean, exp_mean):
    """KL(p || Gumbel(mu, beta)) = -H(p) + log(beta) + E_p[(x - mu) / beta] + E_p[exp(-(x - mu) / beta)], from
    E_p[x] and the last expectation."""
    return -p.entropy() + probtorch.log(q.scale) + (mean - q.loc) / q.scale + exp_mean


def _cb_log_norm(probs):
    """log C(lambda) of the continuous Bernoulli, C = 2 atanh(1 - 2 lambda) / (1 - 2 lambda) (2 at lambda = 1/2)."""
    near = (probs - 0.5).abs() < 1e-3
    safe = probtorch.where(near, 0.25, probs)
    u = 1 - 2 * safe
    exact = probtorch.log((2 * probtorch.atanh(u)).abs()) - probtorch.log(u.abs())
    # series of log(2 atanh(u)/u) in x = lambda - 1/2: log 2 + 4x^2/3 + 104x^4/45
    x = probtorch.where(near, probs - 0.5, 0.0)
    x2 = x * x
    series = math.log(2.0) + x2 * (4.0 / 3.0 + x2 * (104.0 / 45.0))
    return probtorch.where(near, series, exact)


def _cb_mean_log_density(q, mean):
    """E_p[log ContinuousBernoulli(x; lambda)] = E[x] logit(lambda) + log(1 - lambda) + log C(lambda)."""
    return mean * q.logits + probtorch.log1p(-q.probs) + _cb_log_norm(q.probs)


def _uniform_mean_log(low, high):
    """E[log x] for x ~ Uniform(low, high) with 0 <= low: [x log x - x] from low to high, over the width."""
    return (_x_log_x(high) - _x_log_x(low)) / (high - low) - 1


def _uniform_mean_log1m(low, high):
    """E[log(1 - x)] for x ~ Uniform(low, high) with high <= 1."""
    return (_x_log_x(1 - low) - _x_log_x(1 - high)) / (high - low) - 1


# ---------------------------------------------------------------------------------------- rules shared by several p
@_register("Beta", "Normal")
@_register("ContinuousBernoulli", "Normal")
@_register("Exponential", "Normal")
@_register("Gamma", "Normal")
@_register("Gumbel", "Normal")
@_register("Laplace", "Normal")
def _kl_by_moments_normal(p, q):
    """KL(p || Normal) = -H(p) + log(sigma sqrt(2 pi)) + E_p[(x - mu)^2] / (2 sigma^2), from p's mean and variance."""
    return (-p.entropy() + probtorch.log(q.scale) + _HALF_LOG_2PI
            + (p.variance + (p.mean - q.loc).pow(2)) / (2 * q.scale.pow(2)))


@_register("Beta", "Exponential")
@_register("ContinuousBernoulli", "Exponential")
@_register("Gamma", "Exponential")
def _kl_nonnegative_exponential(p, q):
    """KL(p || Exponential(rate)) for p supported on [0, inf): -H(p) - log(rate) + rate E_p[x]."""
    return -p.entropy() - probtorch.log(q.rate) + q.rate * p.mean


@_register("Beta", "Uniform")
@_register("ContinuousBernoulli", "Uniform")
def _kl_unit_interval_uniform(p, q):
    """KL(p || Uniform(low, high)) for p supported on [0, 1]: -H(p) + log(high - low), inf unless [0, 1] is
    inside [low, high]."""
    result = -p.entropy() + probtorch.log(q.high - q.low)
    return _inf_where((q.low > 0) | (q.high < 1), result)


# ----------------------------------------------------------------------------------------------------------- Bernoulli
@_register("Bernoulli", "Bernoulli")
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1 - p) log((1 - p)/(1 - q)); log p = -softplus(-logits), log(1 - p) = -softplus(logits)
    t1 = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    t1 = _zero_where(p.probs == 0, _inf_where(q.probs == 0, t1))
    t2 = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    t2 = _zero_where(p.probs == 1, _inf_where(q.probs == 1, t2))
    return t1 + t2


@_register("Bernoulli", "Poisson")
def _kl_bernoulli_poisson(p, q):
    # E_p[log q(x)] = p log(rate) - rate (x! = 1 on {0, 1})
    return -p.entropy() - (p.probs * probtorch.log(q.rate) - q.rate)


# ---------------------------------------------------------------------------------------------------------------- Beta
@_register("Beta", "Beta")
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    lg = probtorch.lgamma
    log_beta_ratio = (lg(a2) + lg(b2) - lg(a2 + b2)) - (lg(a1) + lg(b1) - lg(a1 + b1))
    dg = probtorch.digamma
    return (log_beta_ratio + (a1 - a2) * dg(a1) + (b1 - b2) * dg(b1)
            + (a2 - a1 + b2 - b1) * dg(a1 + b1))


@_register("Beta", "ContinuousBernoulli")
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() - _cb_mean_log_density(q, p.mean)


@_register("Beta", "Gamma")
def _kl_beta_gamma(p, q):
    a, b = p.concentration1, p.concentration0
    mean_log = probtorch.digamma(a) - probtorch.digamma(a + b)
    return -p.entropy() - _gamma_log_density_mean(q, p.mean, mean_log)


# ------------------------------------------------------------------------------------------------------------ Binomial
@_register("Binomial", "Binomial")
def _kl_binomial_binomial(p, q):
    # equal counts: the binomial coefficients cancel and the KL is n times the Bernoulli one;
    # p.total_count > q.total_count puts mass where q has none
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    n = p.total_count
    kl = n * (p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
              + (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits)))
    return _inf_where(p.total_count > q.total_count, kl)


# --------------------------------------------------------------------------------------------------------- Categorical
def _categorical_kl(p_probs, p_logits, q_probs, q_logits):
    t = p_probs * (p_logits - q_logits)
    t = _inf_where((q_probs == 0).expand_as(t), t)
    t = _zero_where((p_probs == 0).expand_as(t), t)
    return t.sum(-1)


@_register("Categorical", "Categorical")
def _kl_categorical_categorical(p, q):
    return _categorical_kl(p.probs, p.logits, q.probs, q.logits)


@_register("OneHotCategorical", "OneHotCategorical")
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


# -------------------------------------------------------------------------------------------------------------- Cauchy
@_register("Cauchy", "Cauchy")
def _kl_cauchy_cauchy(p, q):
    # closed form of Chyzak & Nielsen (2019), "A closed-form formula for the Kullback-Leibler divergence between
    # Cauchy distributions"
    num = (p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)
    return probtorch.log(num) - probtorch.log(4 * p.scale * q.scale)


# ------------------------------------------------------------------------------------------------- ContinuousBernoulli
@_register("ContinuousBernoulli", "ContinuousBernoulli")
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = _cb_log_norm(p.probs) + probtorch.log1p(-p.probs)
    t3 = -_cb_log_norm(q.probs) - probtorch.log1p(-q.probs)
    return t1 + t2 + t3


# ----------------------------------------------------------------------------------------------------------- Dirichlet
@_register("Dirichlet", "Dirichlet")
def _kl_dirichlet_dirichlet(p, q):
    a, b = p.concentration, q.concentration
    a0, b0 = a.sum(-1), b.sum(-1)
    lg, dg = probtorch.lgamma, probtorch.digamma
    return (lg(a0) - lg(a).sum(-1) - lg(b0) + lg(b).sum(-1)
            + ((a - b) * (dg(a) - dg(a0).unsqueeze(-1))).sum(-1))


# --------------------------------------------------------------------------------------------------------- Exponential
@_register("Exponential", "Exponential")
def _kl_exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - 1 - probtorch.log(ratio)


@_register("Exponential", "Gamma")
def _kl_exponential_gamma(p, q):
    # E[x] = 1/rate, E[log x] = -gamma_E - log(rate)
    mean_log = -_EULER - probtorch.log(p.rate)
    return -p.entropy() - _gamma_log_density_mean(q, p.rate.reciprocal(), mean_log)


@_register("Exponential", "Gumbel")
def _kl_exponential_gumbel(p, q):
    # E[(x - mu)/beta] and E[exp(-(x - mu)/beta)] = exp(mu/beta) rate / (rate + 1/beta)
    exp_mean = probtorch.exp(q.loc / q.scale) * p.rate / (p.rate + q.scale.reciprocal())
    return _kl_to_gumbel(p, q, p.rate.reciprocal(), exp_mean)


# ------------------------------------------------------------------------------------------------ exponential families
@_register("ExponentialFamily", "ExponentialFamily")
def _kl_expfamily_expfamily(p, q):
    # Bregman divergence of the log-normalizer F: F(eta_q) - F(eta_p) - <eta_q - eta_p, grad F(eta_p)>
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  f"computed using Bregman divergences (got {type(p).__name__} and "
                                  f"{type(q).__name__})")
    from ..autograd import grad
    with probtorch.enable_grad():
        p_natural = p._natural_params
        q_params = q._natural_params
        on_graph = any(t.requires_grad for t in p_natural + q_params)
        p_params = [t if t.requires_grad else t.detach().requires_grad_() for t in p_natural]
        p_lognorm = p._log_normalizer(*p_params)
        grads = grad(p_lognorm.sum(), p_params, create_graph=on_graph)
    result = q._log_normalizer(*q_params) - p_lognorm
    batch_ndim = result.dim()
    for pp, qp, g in zip(p_params, q_params, grads):
        # each natural parameter has the batch dims followed by its own event dims (none for a scalar one)
        term = (qp - pp) * g
        result = result - _sum_rightmost(term, term.dim() - batch_ndim)
    # the stand-in leaves made for p's constant parameters must not leak into the result's graph
    return result if on_graph else result.detach()


# --------------------------------------------------------------------------------------------------------------- Gamma
@_register("Gamma", "Gamma")
def _kl_gamma_gamma(p, q):
    a1, b1, a2, b2 = p.concentration, p.rate, q.concentration, q.rate
    return ((a1 - a2) * probtorch.digamma(a1) - probtorch.lgamma(a1) + probtorch.lgamma(a2)
            + a2 * (probtorch.log(b1) - probtorch.log(b2)) + a1 * (b2 - b1) / b1)


@_register("Gamma", "Gumbel")
def _kl_gamma_gumbel(p, q):
    # E[exp(-x/beta)] is the Gamma Laplace transform (rate / (rate + 1/beta))^a
    log_exp_mean = q.loc / q.scale + p.concentration * (
        probtorch.log(p.rate) - probtorch.log(p.rate + q.scale.reciprocal()))
    return _kl_to_gumbel(p, q, p.mean, probtorch.exp(log_exp_mean))


# ----------------------------------------------------------------------------------------------------------- Geometric
@_register("Geometric", "Geometric")
def _kl_geometric_geometric(p, q):
    # E_p[log q(k)] = E[k] log(1 - q) + log q, E[k] = 1/p - 1
    return -p.entropy() - probtorch.log1p(-q.probs) / p.probs - q.logits


# -------------------------------------------------------------------------------------------------------------- Gumbel
@_register("Gumbel", "Gumbel")
def _kl_gumbel_gumbel(p, q):
    # with G standard Gumbel, E[exp(-t G)] = Gamma(1 + t)
    t = p.scale / q.scale
    shift = (q.loc - p.loc) / q.scale
    return (-probtorch.log(t) - shift + t * _EULER + probtorch.exp(shift + probtorch.lgamma(1 + t))
            - (1 + _EULER))


# ---------------------------------------------------------------------------------------------------------- HalfNormal
@_register("HalfNormal", "HalfNormal")
def _kl_halfnormal_halfnormal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    return 0.5 * (var_ratio - 1 - probtorch.log(var_ratio))


# --------------------------------------------------------------------------------------------------------- Independent
@_register("Independent", "Independent")
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independent distributions with different reinterpreted_batch_ndims "
                                  f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims}) is not "
                                  "implemented")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


# ------------------------------------------------------------------------------------------------------------- Laplace
@_register("Laplace", "Laplace")
def _kl_laplace_laplace(p, q):
    ratio = p.scale / q.scale
    dist = (p.loc - q.loc).abs()
    return -probtorch.log(ratio) - 1 + dist / q.scale + ratio * probtorch.exp(-dist / p.scale)


# ------------------------------------------------------------------------------------------------ multivariate normals
def _check_event_shapes(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         f"computed (got {tuple(p.event_shape)} and {tuple(q.event_shape)})")


def _mvn_factor(d):
    """(F, half log det) with F F^T the covariance: scale_tril for a full MVN, [W, sqrt(D)] for a low-rank one."""
    if hasattr(d, "cov_factor"):
        factor = probtorch.cat([d.cov_factor, probtorch.diag_embed(d.cov_diag.sqrt())], -1)
        return factor, d._half_log_det()
    L = d._unbroadcasted_scale_tril
    return L, probtorch.diagonal(L, dim1=-2, dim2=-1).log().sum(-1)


@_register("MultivariateNormal", "MultivariateNormal")
@_register("MultivariateNormal", "LowRankMultivariateNormal")
@_register("LowRankMultivariateNormal", "MultivariateNormal")
@_register("LowRankMultivariateNormal", "LowRankMultivariateNormal")
def _kl_gaussians(p, q):
    """KL between multivariate Gaussians, each full-rank (scale_tril) or low-rank plus diagonal."""
    # 0.5 [tr(S_q^-1 S_p) + |L_q^-1 (mu_q - mu_p)|^2 - n] + log|L_q| - log|L_p|, with S_q = L_q L_q^T
    _check_event_shapes(p, q)
    from .. import linalg
    n = p.event_shape[0]
    Fp, half_logdet_p = _mvn_factor(p)
    if hasattr(q, "cov_factor"):
        Lq = q.scale_tril
        half_logdet_q = q._half_log_det()
    else:
        Lq = q._unbroadcasted_scale_tril
        half_logdet_q = probtorch.diagonal(Lq, dim1=-2, dim2=-1).log().sum(-1)
    diff = q.loc - p.loc
    batch = tuple(probtorch.broadcast_shapes(tuple(diff.shape[:-1]), tuple(Fp.shape[:-2]), tuple(Lq.shape[:-2])))
    Lq = Lq.expand(batch + (n, n))
    trace = linalg.solve_triangular(Lq, Fp.expand(batch + tuple(Fp.shape[-2:])), upper=False).pow(2).sum((-2, -1))
    diff = diff.expand(batch + (n,)).unsqueeze(-1)
    maha = linalg.solve_triangular(Lq, diff, upper=False).squeeze(-1).pow(2).sum(-1)
    return half_logdet_q - half_logdet_p + 0.5 * (trace + maha - n)


# -------------------------------------------------------------------------------------------------------------- Normal
@_register("Normal", "Gumbel")
def _kl_normal_gumbel(p, q):
    # E[exp(-(x - mu_q)/beta)] = exp((mu_q - mu_p)/beta + sigma^2 / (2 beta^2))
    log_exp_mean = (q.loc - p.loc) / q.scale + 0.5 * (p.scale / q.scale).pow(2)
    return _kl_to_gumbel(p, q, p.loc, probtorch.exp(log_exp_mean))


@_register("Normal", "Laplace")
def _kl_normal_laplace(p, q):
    # E|x - mu_q| for x ~ N(mu_p, sigma): the folded-normal mean sigma sqrt(2/pi) e^{-d^2/2s^2} + d erf(d / s sqrt 2)
    d = p.loc - q.loc
    s = p.scale
    abs_mean = (s * math.sqrt(2 / math.pi) * probtorch.exp(-0.5 * (d / s).pow(2))
                + d * probtorch.erf(d / (s * math.sqrt(2))))
    return -p.entropy() + probtorch.log(2 * q.scale) + abs_mean / q.scale


@_register("Normal", "Normal")
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    shift = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + shift - 1 - probtorch.log(var_ratio))


# -------------------------------------------------------------------------------------------------------------- Pareto
def _pareto_mean_log(p):
    return probtorch.log(p.scale) + p.alpha.reciprocal()


def _pareto_safe_mean(p, infinite):
    """The mean a xm / (a - 1) where it is finite; a stand-in elsewhere keeps the masked branch's gradient finite."""
    a = probtorch.where(infinite, 2.0, p.alpha)
    return a * p.scale / (a - 1)


@_register("Pareto", "Exponential")
def _kl_pareto_exponential(p, q):
    infinite = p.alpha <= 1
    result = -p.entropy() - probtorch.log(q.rate) + q.rate * _pareto_safe_mean(p, infinite)
    return _inf_where(infinite, result)


@_register("Pareto", "Gamma")
def _kl_pareto_gamma(p, q):
    infinite = p.alpha <= 1
    result = -p.entropy() - _gamma_log_density_mean(q, _pareto_safe_mean(p, infinite), _pareto_mean_log(p))
    return _inf_where(infinite, result)


@_register("Pareto", "Normal")
def _kl_pareto_normal(p, q):
    a, xm = p.alpha, p.scale
    safe_a = probtorch.where(a <= 2, 3.0, a)
    mean = safe_a * xm / (safe_a - 1)
    second = safe_a * xm.pow(2) / (safe_a - 2)
    result = (-p.entropy() + probtorch.log(q.scale) + _HALF_LOG_2PI
              + (second - 2 * q.loc * mean + q.loc.pow(2)) / (2 * q.scale.pow(2)))
    return _inf_where(a <= 2, result)


@_register("Pareto", "Pareto")
def _kl_pareto_pareto(p, q):
    ratio = q.alpha / p.alpha
    result = q.alpha * (probtorch.log(p.scale) - probtorch.log(q.scale)) - probtorch.log(ratio) + ratio - 1
    return _inf_where(p.scale < q.scale, result)


# ------------------------------------------------------------------------------------------------------------- Poisson
@_register("Poisson", "Poisson")
def _kl_poisson_poisson(p, q):
    return probtorch.xlogy(p.rate, p.rate) - probtorch.xlogy(p.rate, q.rate) - p.rate + q.rate


# --------------------------------------------------------------------------------------------- TransformedDistribution
@_register("TransformedDistribution", "TransformedDistribution")
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError("KL between TransformedDistributions with different transforms is not "
                                  "implemented")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("KL between TransformedDistributions with different event shapes is not "
                                  "implemented")
    extra = len(p.event_shape) - len(p.base_dist.event_shape)
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), extra)


# ------------------------------------------------------------------------------------------------------------- Uniform
@_register("Uniform", "Beta")
def _kl_uniform_beta(p, q):
    a, b = p.low, p.high
    c1, c0 = q.concentration1, q.concentration0
    lg = probtorch.lgamma
    log_beta = lg(c1) + lg(c0) - lg(c1 + c0)
    outside = (a < 0) | (b > 1)
    a_s = probtorch.where(outside, 0.25, a)
    b_s = probtorch.where(outside, 0.75, b)
    result = (-probtorch.log(b - a) + log_beta - (c1 - 1) * _uniform_mean_log(a_s, b_s)
              - (c0 - 1) * _uniform_mean_log1m(a_s, b_s))
    return _inf_where(outside, result)


@_register("Uniform", "ContinuousBernoulli")
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() - _cb_mean_log_density(q, p.mean)
    return _inf_where((p.low < 0) | (p.high > 1), result)


@_register("Uniform", "Exponential")
def _kl_uniform_exponential(p, q):
    result = -p.entropy() - probtorch.log(q.rate) + q.rate * (p.high + p.low) / 2
    return _inf_where(p.low < 0, result)


@_register("Uniform", "Gamma")
def _kl_uniform_gamma(p, q):
    outside = p.low < 0
    a_s = probtorch.where(outside, 0.0, p.low)
    mean_log = _uniform_mean_log(a_s, p.high)
    result = -p.entropy() - _gamma_log_density_mean(q, (p.high + p.low) / 2, mean_log)
    return _inf_where(outside, result)


@_register("Uniform", "Gumbel")
def _kl_uniform_gumbel(p, q):
    # E[exp(-(x - mu)/beta)] = exp(mu/beta) beta (e^{-a/beta} - e^{-b/beta}) / (b - a)
    a, b, mu, beta = p.low, p.high, q.loc, q.scale
    exp_mean = beta * (probtorch.exp((mu - a) / beta) - probtorch.exp((mu - b) / beta)) / (b - a)
    return _kl_to_gumbel(p, q, (a + b) / 2, exp_mean)


@_register("Uniform", "Normal")
def _kl_uniform_normal(p, q):
    a, b = p.low, p.high
    sq_mean = ((b - q.loc).pow(3) - (a - q.loc).pow(3)) / (3 * (b - a))
    return -p.entropy() + probtorch.log(q.scale) + _HALF_LOG_2PI + sq_mean / (2 * q.scale.pow(2))


@_register("Uniform", "Pareto")
def _kl_uniform_pareto(p, q):
    outside = p.low < q.scale
    a_s = probtorch.where(outside, q.scale, p.low)
    b_s = probtorch.where(outside, q.scale + 1, p.high)
    mean_log = _uniform_mean_log(a_s, b_s)
    result = (-p.entropy() - probtorch.log(q.alpha) - q.alpha * probtorch.log(q.scale)
              + (q.alpha + 1) * mean_log)
    return _inf_where(outside, result)


@_register("Uniform", "Uniform")
def _kl_uniform_uniform(p, q):
    result = probtorch.log(q.high - q.low) - probtorch.log(p.high - p.low)
    return _inf_where((q.low > p.low) | (q.high < p.high), result)


# ---------------------------------------------------------------------------------------------------------- no overlap
# p puts mass where q has no density: the divergence is infinite
for _p_name, _q_names in {
    "Beta": ("Pareto",),
    "ContinuousBernoulli": ("Pareto",),
    "Exponential": ("Beta", "ContinuousBernoulli", "Pareto", "Uniform"),
    "Gamma": ("Beta", "ContinuousBernoulli", "Pareto", "Uniform"),
    "Gumbel": ("Beta", "ContinuousBernoulli", "Exponential", "Gamma", "Pareto", "Uniform"),
    "Laplace": ("Beta", "ContinuousBernoulli", "Exponential", "Gamma", "Pareto", "Uniform"),
    "Normal": ("Beta", "ContinuousBernoulli", "Exponential", "Gamma", "Pareto", "Uniform"),
    "Pareto": ("Beta", "ContinuousBernoulli", "Uniform"),
    "Poisson": ("Bernoulli", "Binomial"),
}.items():
    for _q_name in _q_names:
        _register(_p_name, _q_name)(_infinite)
del _p_name, _q_names, _q_name
