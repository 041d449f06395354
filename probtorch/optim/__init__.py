"""probtorch.optim: torch.optim's optimizers over probtorch Tensors."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from ._stateless import swap_in_optimizer_params_and_state

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "ASGD", "Adadelta", "Adafactor", "Adagrad", "Adamax", "LBFGS", "Muon",
           "NAdam", "RAdam", "RMSprop", "Rprop", "swap_in_optimizer_params_and_state"]
from . import lr_scheduler  # noqa: E402,F401
