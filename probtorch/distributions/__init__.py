"""Probability distributions with torch.distributions' names and semantics: sampling (pathwise ``rsample`` where
available), ``log_prob``, ``cdf``/``icdf``, moments and entropies, with parameter validation."""
from .distribution import Distribution
from .exp_family import ExponentialFamily
from . import utils
from .bernoulli import Bernoulli
from .binomial import Binomial
from .categorical import Categorical
from .geometric import Geometric
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .one_hot_categorical import OneHotCategorical
from .one_hot_categorical_straight_through import OneHotCategoricalStraightThrough
from .poisson import Poisson
from .kl import kl_divergence, register_kl

__all__ = ["Distribution", "ExponentialFamily"]
__all__ += ["Bernoulli", "Binomial", "Categorical", "Geometric", "Multinomial", "NegativeBinomial", "OneHotCategorical",
            "OneHotCategoricalStraightThrough", "Poisson", "LowRankMultivariateNormal", "MultivariateNormal",
            "kl_divergence", "register_kl"]
