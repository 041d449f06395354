"""Probability distributions with torch.distributions' names and semantics: sampling (pathwise ``rsample`` where
available), ``log_prob``, ``cdf``/``icdf``, moments and entropies, with parameter validation."""
from .distribution import Distribution
from .exp_family import ExponentialFamily
from . import utils
from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .transforms import *  # noqa: F401,F403  (torch.distributions re-exports every transform)
from .bernoulli import Bernoulli
from .binomial import Binomial
from .categorical import Categorical
from .geometric import Geometric
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .one_hot_categorical import OneHotCategorical
from .one_hot_categorical_straight_through import OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .wishart import Wishart
from .kl import kl_divergence, register_kl
from .beta import Beta
from .cauchy import Cauchy
from .chi2 import Chi2
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .exponential import Exponential
from .fisher_snedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .independent import Independent
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .normal import Normal
from .student_t import StudentT
from .uniform import Uniform
from .von_mises import VonMises
from .transformed_distribution import TransformedDistribution
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .inverse_gamma import InverseGamma
from .kumaraswamy import Kumaraswamy
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .pareto import Pareto
from .weibull import Weibull

__all__ = [
    "Beta", "Cauchy", "Chi2", "ContinuousBernoulli", "Dirichlet", "Distribution", "Exponential",
    "ExponentialFamily", "FisherSnedecor", "Gamma", "GeneralizedPareto", "Independent", "Laplace", "LKJCholesky",
    "Normal", "StudentT", "Uniform", "VonMises", "TransformedDistribution", "Gumbel", "HalfCauchy", "HalfNormal",
    "InverseGamma", "Kumaraswamy", "LogNormal", "LogisticNormal", "Pareto", "Weibull",
    "biject_to", "transform_to", "constraints", "transforms",
]
# the discrete and multivariate families and the KL registry
__all__ += ["Bernoulli", "Binomial", "Categorical", "Geometric", "LowRankMultivariateNormal", "Multinomial",
            "MultivariateNormal", "NegativeBinomial", "OneHotCategorical", "OneHotCategoricalStraightThrough",
            "Poisson", "MixtureSameFamily", "Wishart", "RelaxedBernoulli", "RelaxedOneHotCategorical",
            "kl_divergence", "register_kl"]

# every class is imported now: register the KL pairs that were waiting for theirs
kl._resolve_pending()
