"""torch's import path for the constraint registries: re-exports ``probtorch.transforms.registry``."""
from ..transforms.registry import ConstraintRegistry, biject_to, transform_to  # noqa: F401

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]
