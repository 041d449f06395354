"""probtorch.optim: torch.optim's optimizers over probtorch Tensors."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
from . import lr_scheduler  # noqa: E402,F401
