"""The examples table that drives the generic distribution checks, and the checks themselves.

A row (`Example`) names a distribution class, gives float64 numpy parameters (several batch shapes = several
rows), an optional scipy.stats equivalent (a function of the numpy parameters returning a frozen, broadcasting
scipy distribution), a value outside the support and a bad parameter for the validation checks. The generic
checks in test_continuous.py run each row in float32 and float64. Add a row to test a new distribution.

Fields:
    cls: class name in probtorch.distributions (also looked up in torch.distributions for the oracle).
    params: dict name -> numpy float64 array or Python scalar (non-arrays, e.g. LKJCholesky's dim, pass as is).
    scipy: None or f(params) -> frozen scipy distribution with logpdf/cdf/ppf/mean/var/entropy.
    make: None or f(module, tensors) -> distribution (for wrappers such as Independent); module is
        probtorch.distributions or torch.distributions and tensors the converted params.
    bad: (param, value) that must raise ValueError naming `param`, or None.
    outside: a value outside the support (must make log_prob raise ValueError), or None.
    quantile_path: rsample's derivative is the inverse-CDF path (checked per sample against scipy's ppf).
    skip: names of generic checks not applicable to this row.
    torch_differs: names of properties where torch 2.13 is wrong and we deliberately differ (checked otherwise).
"""
import dataclasses
from typing import Any, Callable, Optional

import numpy as np
import scipy.stats as st


@dataclasses.dataclass
class Example:
    cls: str
    params: dict
    scipy: Optional[Callable] = None
    make: Optional[Callable] = None
    bad: Optional[tuple] = None
    outside: Any = None
    quantile_path: bool = False
    skip: tuple = ()
    tol32: float = 2e-4
    torch_differs: tuple = ()

    @property
    def id(self):
        shapes = "x".join(str(np.shape(v)) for v in self.params.values() if isinstance(v, np.ndarray))
        return f"{self.cls}{shapes}"


A = np.array


class _CircularVonMises:
    """scipy's vonmises with the CDF taken on the circle: values are wrapped into [loc - pi, loc + pi)."""

    def __init__(self, kappa, loc):
        self.loc = loc
        self.base = st.vonmises(kappa)

    def logpdf(self, x):
        return self.base.logpdf(self._centre(x))

    def cdf(self, x):
        return self.base.cdf(self._centre(x))

    def _centre(self, x):
        return np.mod(x - self.loc + np.pi, 2 * np.pi) - np.pi

    def stats(self, moments):
        return self.base.stats(moments=moments)


class _Kumaraswamy:
    """Kumaraswamy(a, b) in closed form (scipy has no such distribution)."""

    def __init__(self, a, b):
        self.a, self.b = np.asarray(a), np.asarray(b)

    def logpdf(self, x):
        a, b = self.a, self.b
        return np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x ** a)

    def cdf(self, x):
        return 1 - (1 - x ** self.a) ** self.b

    def ppf(self, u):
        return (1 - (1 - u) ** (1 / self.b)) ** (1 / self.a)

    def _raw(self, n):
        from scipy.special import beta
        return self.b * beta(1 + n / self.a, self.b)

    def mean(self):
        return self._raw(1)

    def var(self):
        return self._raw(2) - self._raw(1) ** 2

    def entropy(self):
        from scipy.special import digamma
        a, b = self.a, self.b
        return (1 - 1 / b) + (1 - 1 / a) * (digamma(b + 1) + np.euler_gamma) - np.log(a * b)

    def stats(self, moments):
        # fourth moments exist for every a, b > 0
        return np.zeros(np.broadcast(self.a, self.b).shape)


def _lkj_make(D, t):
    return D.LKJCholesky(t["dim"], t["concentration"])


def _independent_make(D, t):
    return D.Independent(D.Normal(t["loc"], t["scale"]), 1)


def _tril_make(name):
    """Build `name` from the lower triangle of the scale_tril parameter: the generic gradcheck perturbs every entry,
    and entries above the diagonal must not leave the constraint."""
    def make(D, t):
        t = dict(t)
        t["scale_tril"] = t["scale_tril"].tril()
        return getattr(D, name)(**t)
    return make


CONTINUOUS = [
    Example("Normal", {"loc": A([0.0, -1.5, 2.0]), "scale": A([1.0, 0.5, 3.0])},
            lambda p: st.norm(p["loc"], p["scale"]), bad=("scale", -1.0), quantile_path=True),
    Example("Normal", {"loc": A([[0.3], [-0.2]]), "scale": A([0.7, 1.2, 2.0])},
            lambda p: st.norm(p["loc"], p["scale"]), bad=("scale", 0.0), quantile_path=True),
    Example("Uniform", {"low": A([0.0, -2.0]), "high": A([1.0, 3.0])},
            lambda p: st.uniform(p["low"], p["high"] - p["low"]), outside=-5.0, quantile_path=True,
            skip=("mode",)),
    Example("Exponential", {"rate": A([0.5, 1.0, 4.0])}, lambda p: st.expon(scale=1 / p["rate"]),
            bad=("rate", -1.0), outside=-1.0, quantile_path=True),
    Example("Laplace", {"loc": A([0.0, 1.0]), "scale": A([1.0, 0.3])},
            lambda p: st.laplace(p["loc"], p["scale"]), bad=("scale", -1.0), quantile_path=True),
    Example("Cauchy", {"loc": A([0.0, 1.0]), "scale": A([1.0, 0.3])},
            lambda p: st.cauchy(p["loc"], p["scale"]), bad=("scale", -1.0), quantile_path=True,
            skip=("moments", "mean_grad")),
    Example("Gamma", {"concentration": A([0.3, 1.0, 2.5, 40.0]), "rate": A([1.0, 2.0, 0.5, 3.0])},
            lambda p: st.gamma(p["concentration"], scale=1 / p["rate"]), bad=("concentration", -1.0),
            outside=-1.0, quantile_path=True),
    Example("Gamma", {"concentration": A([[0.7], [3.0]]), "rate": A([1.0, 5.0])},
            lambda p: st.gamma(p["concentration"], scale=1 / p["rate"]), bad=("rate", 0.0), outside=-0.5,
            quantile_path=True),
    Example("Chi2", {"df": A([0.8, 3.0, 10.0])}, lambda p: st.chi2(p["df"]), bad=("df", -2.0), outside=-1.0,
            quantile_path=True),
    Example("Beta", {"concentration1": A([0.5, 2.0, 5.0]), "concentration0": A([0.5, 3.0, 1.2])},
            lambda p: st.beta(p["concentration1"], p["concentration0"]), bad=("concentration0", -1.0),
            outside=1.5),
    Example("StudentT", {"df": A([1.5, 3.0, 9.0]), "loc": A([0.0, 1.0, -1.0]), "scale": A([1.0, 2.0, 0.5])},
            lambda p: st.t(p["df"], p["loc"], p["scale"]), bad=("df", 0.0)),
    Example("FisherSnedecor", {"df1": A([3.0, 6.0, 12.0]), "df2": A([5.0, 9.0, 20.0])},
            lambda p: st.f(p["df1"], p["df2"]), bad=("df2", -1.0), outside=-1.0, skip=("entropy",)),
    Example("VonMises", {"loc": A([0.0, 1.0, -2.0]), "concentration": A([0.5, 2.0, 10.0])},
            lambda p: _CircularVonMises(p["concentration"], p["loc"]), bad=("concentration", -1.0),
            skip=("moments", "entropy", "mean_grad")),
    Example("GeneralizedPareto", {"loc": A([0.0, 1.0, -1.0]), "scale": A([1.0, 2.0, 0.5]),
                                  "concentration": A([-0.3, 0.0, 0.2])},
            lambda p: st.genpareto(p["concentration"], p["loc"], p["scale"]), bad=("scale", -1.0), outside=-5.0,
            quantile_path=True),
    Example("ContinuousBernoulli", {"probs": A([0.1, 0.4995, 0.7, 0.95])}, None, bad=("probs", 1.5),
            outside=1.5),
    Example("Dirichlet", {"concentration": A([[0.5, 1.0, 2.0], [3.0, 0.7, 1.5]])}, None,
            bad=("concentration", A([1.0, -1.0, 1.0])), outside=A([0.5, 0.6, -0.1])),
    Example("LKJCholesky", {"dim": 3, "concentration": A([0.5, 1.0, 3.0])}, None, make=_lkj_make,
            bad=("concentration", -1.0), outside=A([[1.0, 0, 0], [0.5, 0.5, 0], [0, 0, 1.0]])),
    Example("LogNormal", {"loc": A([0.0, 1.0, -0.5]), "scale": A([0.5, 1.0, 0.25])},
            lambda p: st.lognorm(p["scale"], scale=np.exp(p["loc"])), bad=("scale", -1.0), outside=-1.0,
            quantile_path=True),
    Example("HalfNormal", {"scale": A([0.5, 1.0, 3.0])}, lambda p: st.halfnorm(scale=p["scale"]),
            bad=("scale", -1.0), outside=-1.0, quantile_path=True),
    Example("HalfCauchy", {"scale": A([0.5, 2.0])}, lambda p: st.halfcauchy(scale=p["scale"]),
            bad=("scale", -1.0), outside=-1.0, quantile_path=True, skip=("moments", "mean_grad")),
    Example("Gumbel", {"loc": A([0.0, 1.0, -2.0]), "scale": A([1.0, 0.5, 2.0])},
            lambda p: st.gumbel_r(p["loc"], p["scale"]), bad=("scale", -1.0), quantile_path=True),
    Example("Weibull", {"scale": A([1.0, 2.0, 0.5]), "concentration": A([0.8, 1.5, 4.0])},
            lambda p: st.weibull_min(p["concentration"], scale=p["scale"]), bad=("concentration", -1.0),
            outside=-1.0, quantile_path=True, torch_differs=("mode",)),
    Example("Pareto", {"scale": A([1.0, 2.0, 0.5]), "alpha": A([2.5, 5.0, 9.0])},
            lambda p: st.pareto(p["alpha"], scale=p["scale"]), bad=("alpha", -1.0), outside=0.1,
            quantile_path=True),
    Example("InverseGamma", {"concentration": A([2.5, 5.0, 9.0]), "rate": A([1.0, 2.0, 0.5])},
            lambda p: st.invgamma(p["concentration"], scale=p["rate"]), bad=("rate", -1.0), outside=-1.0,
            quantile_path=True),
    Example("Kumaraswamy", {"concentration1": A([0.7, 2.0, 5.0]), "concentration0": A([1.5, 3.0, 0.8])},
            lambda p: _Kumaraswamy(p["concentration1"], p["concentration0"]), bad=("concentration0", -1.0),
            outside=1.5, quantile_path=True, torch_differs=("mode",)),
    Example("LogisticNormal", {"loc": A([[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]]), "scale": A([[1.0, 0.5, 2.0]])},
            None, bad=("scale", -1.0), outside=A([0.5, 0.5, 0.1, -0.1]), tol32=1e-3, skip=("mean_grad",)),
    Example("Independent", {"loc": A([[0.0, 1.0, 2.0]]), "scale": A([[1.0, 2.0, 0.5]])},
            None, make=_independent_make),
    # multivariate and relaxed families
    Example("MultivariateNormal", {"loc": A([[0.0, 1.0], [-1.0, 0.5]]), "scale_tril": A([[[1.0, 0.0], [0.5, 2.0]]])},
            None, make=_tril_make("MultivariateNormal"), bad=("scale_tril", A([[[-1.0, 0.0], [0.5, 2.0]]])),
            outside=np.nan, tol32=1e-3),
    Example("LowRankMultivariateNormal", {"loc": A([[0.0, 1.0, -1.0]]), "cov_factor": A([[[1.0], [0.5], [-0.3]]]),
                                          "cov_diag": A([0.5, 1.0, 2.0])},
            None, bad=("cov_diag", -1.0), outside=np.nan, tol32=1e-3),
    Example("Wishart", {"df": A([4.0, 6.5]), "scale_tril": A([[[1.4, 0.0], [0.2, 1.0]]])},
            None, make=_tril_make("Wishart"), bad=("df", 0.5), outside=-np.eye(2), tol32=1e-3),
    Example("RelaxedBernoulli", {"temperature": A([0.5]), "probs": A([0.2, 0.5, 0.9])},
            None, bad=("probs", 1.5), outside=1.5, tol32=1e-3),
    Example("RelaxedOneHotCategorical", {"temperature": A([0.7]), "probs": A([[0.2, 0.3, 0.5]])},
            None, bad=("probs", A([[0.5, -0.1, 0.6]])), outside=A([0.5, 0.6, 0.1]), tol32=1e-3),
]
