"""probtorch: PyTorch's API on numpy, scipy and numba — tensors with autograd to any order, and distributions."""
from ._dtype import (dtype, float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, bool,
                     half, float, double, short, int, long, cfloat, cdouble, promote_types, result_type,
                     get_default_dtype, set_default_dtype, can_cast, finfo, iinfo)
from ._device import device
from ._tensor import Tensor, Size
from ._grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                                 is_inference_mode_enabled)
from ._functions.creation import *  # noqa: F401,F403
from ._functions.math import *  # noqa: F401,F403
from ._functions.reduction import *  # noqa: F401,F403
from ._functions.shape import *  # noqa: F401,F403
from ._random import *  # noqa: F401,F403
from . import _tensor_methods  # noqa: F401  (binds methods onto Tensor)
from . import autograd, linalg, nn
from . import constraints  # noqa: E402
from .linalg import matmul, dot, inner
from ._functions.math import softplus_ as _softplus  # noqa: F401

__version__ = "0.1.0"

FloatTensor = DoubleTensor = LongTensor = None


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    return input.__bool__()


def mm(input, mat2):
    return matmul(input, mat2)


def bmm(input, mat2):
    return matmul(input, mat2)


def mv(input, vec):
    return matmul(input, vec)


def detach(input):
    return input.detach()


def set_printoptions(**kwargs):
    pass


def use_deterministic_algorithms(mode, *, warn_only=False):
    pass


def get_num_threads():
    import os
    return os.cpu_count() or 1


def set_num_threads(n):
    pass
