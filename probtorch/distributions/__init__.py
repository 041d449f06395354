"""Probability distributions with torch.distributions' names and semantics: sampling (pathwise ``rsample`` where
available), ``log_prob``, ``cdf``/``icdf``, moments and entropies, with parameter validation."""
from .distribution import Distribution
from .exp_family import ExponentialFamily
from . import utils

__all__ = ["Distribution", "ExponentialFamily"]
