"""Small helpers shared by the optimizers: argument checks and 0-dim scalar state as torch keeps it."""
from .. import _dtype
from .._tensor import Tensor

__all__ = []


def scalar_dtype():
    """dtype of scalar state (step, eta, mu, mu_product): float64 when that is the default dtype, else float32."""
    from .. import get_default_dtype
    return _dtype.float64 if get_default_dtype() == _dtype.float64 else _dtype.float32


def scalar_state(value):
    """A 0-dim Tensor holding `value` in the scalar-state dtype (rounded to it, as torch rounds)."""
    from .. import tensor
    return tensor(float(value), dtype=scalar_dtype())


def value(x):
    """A Python float from a number or a one-element Tensor."""
    return float(x.item()) if isinstance(x, Tensor) else x


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= value(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(x, what):
    if not 0.0 <= x:
        raise ValueError(f"Invalid {what}: {x}")


def check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
