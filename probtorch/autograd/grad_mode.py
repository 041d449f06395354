"""Re-export of the grad-mode switches (they live in probtorch._grad_mode, below the Tensor)."""
from .._grad_mode import *  # noqa: F401,F403
from .._grad_mode import _state  # noqa: F401
