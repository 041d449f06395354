"""probtorch.nn: functional ops (probtorch.nn.functional), Parameter, Module and layers, init."""
from . import functional, init, utils
from .parameter import Parameter, Buffer
from .modules import *  # noqa: F401,F403
from .modules.module import factory_kwargs
