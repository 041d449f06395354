"""probtorch.nn: functional ops (probtorch.nn.functional) and, later, modules."""
from . import functional
