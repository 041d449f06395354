"""probtorch.transforms: bijective (and pseudo-invertible) transforms with log-det-jacobians, and the
``biject_to`` / ``transform_to`` registries from constraints. ``probtorch.distributions.transforms`` and
``probtorch.distributions.constraint_registry`` re-export these under torch's import paths.
"""
from .transform import Transform, ComposeTransform, identity_transform, _InverseTransform  # noqa: F401
from .elementwise import (AbsTransform, AffineTransform, CumulativeDistributionTransform, ExpTransform,
                          PowerTransform, SigmoidTransform, SoftplusTransform, TanhTransform)
from .simplex import SoftmaxTransform, StickBreakingTransform
from .matrix import CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform
from .structural import CatTransform, IndependentTransform, ReshapeTransform, StackTransform
from .registry import ConstraintRegistry, biject_to, transform_to

__all__ = [
    "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
    "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
    "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftplusTransform",
    "TanhTransform", "SoftmaxTransform", "StackTransform", "StickBreakingTransform", "Transform",
    "identity_transform", "ConstraintRegistry", "biject_to", "transform_to",
]
