"""probtorch: PyTorch's API on numpy, scipy and numba — tensors with autograd to any order, and distributions."""
from ._dtype import (dtype, float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, bool,
                     half, float, double, short, int, long, cfloat, cdouble, promote_types, result_type,
                     get_default_dtype, set_default_dtype, can_cast, finfo, iinfo)
from ._device import device
from ._tensor import Tensor, Size
from ._grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                                 is_inference_mode_enabled, is_anomaly_enabled, is_anomaly_check_nan_enabled)
from ._functions.creation import *  # noqa: F401,F403
from ._functions.math import *  # noqa: F401,F403
from ._functions.reduction import *  # noqa: F401,F403
from ._functions.shape import *  # noqa: F401,F403
from ._functions.gradient import gradient  # noqa: F401
from ._functions.extra import *  # noqa: F401,F403
from ._random import *  # noqa: F401,F403
from . import _tensor_methods  # noqa: F401  (binds methods onto Tensor)
from . import autograd, linalg, nn, optim
from . import distributions
from . import constraints, transforms  # noqa: E402
from . import special
from .nn.modules.rnn import rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell  # noqa: F401,E402
from . import random  # noqa: F401  (torch.random namespace)
from .special import gammainc as igamma, gammaincc as igammac
from .linalg import matmul, dot, inner
from .linalg import (einsum, det, slogdet, logdet, inv as inverse, cholesky_ as cholesky, cholesky_solve,
                     cholesky_inverse, triangular_solve, matrix_exp, matrix_power, lu_unpack,
                     svd_legacy as svd, qr_legacy as qr, pinverse, lu_solve_legacy as lu_solve, chain_matmul, vdot,
                     nuclear_norm, frobenius_norm, addmm, addmv, addr, baddbmm, addbmm, geqrf, orgqr, ormqr)
from ._functions.math import softplus_ as _softplus  # noqa: F401

__version__ = "0.1.0"



class _LegacyTensorType(type):
    """torch.FloatTensor and friends: calling one builds a tensor of its dtype; isinstance checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args):
        return Tensor(*args, dtype=cls.dtype)


def _legacy_type(name, dt):
    return _LegacyTensorType(name, (), {"dtype": dt, "__doc__": f"Legacy constructor/type check for {dt}."})


FloatTensor = _legacy_type("FloatTensor", float32)
DoubleTensor = _legacy_type("DoubleTensor", float64)
HalfTensor = _legacy_type("HalfTensor", float16)
LongTensor = _legacy_type("LongTensor", int64)
IntTensor = _legacy_type("IntTensor", int32)
ShortTensor = _legacy_type("ShortTensor", int16)
CharTensor = _legacy_type("CharTensor", int8)
ByteTensor = _legacy_type("ByteTensor", uint8)
BoolTensor = _legacy_type("BoolTensor", bool)


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


from ._format import set_printoptions  # noqa: E402


import builtins as _builtins  # noqa: E402  (this namespace's `bool`, `int` and `float` are dtypes)

_settings = {"deterministic": False, "warn_only": False, "threads": None}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded for torch compatibility: every probtorch kernel is already deterministic."""
    _settings["deterministic"] = _builtins.bool(mode)
    _settings["warn_only"] = _builtins.bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _settings["warn_only"]


def get_num_threads():
    """Threads available to probtorch's compiled kernels (the CPU count unless set_num_threads chose fewer)."""
    import os
    return _settings["threads"] or os.cpu_count() or 1


def set_num_threads(n):
    """Limit the threads of probtorch's compiled kernels (numba); numpy's BLAS threads are set by its environment."""
    n = _builtins.int(n)
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    _settings["threads"] = n
    import sys
    if "numba" in sys.modules:
        import numba
        numba.set_num_threads(_builtins.min(n, numba.config.NUMBA_NUM_THREADS))


import math as _math

pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
newaxis = None


def _top_level_inplace():
    """torch.exp_(x) and friends: the top-level spellings of in-place methods."""
    names = ["abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
             "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
             "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_",
             "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "round_",
             "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_",
             "relu_", "fill_", "zero_", "index_put_"]
    g = globals()
    for name in names:
        if hasattr(Tensor, name) and name not in g:
            def f(input, *args, _name=name, **kwargs):
                return getattr(input, _name)(*args, **kwargs)
            f.__name__ = name
            f.__doc__ = f"In-place {name[:-1]} of `input` (same as input.{name}(...))."
            g[name] = f


_top_level_inplace()


def is_same_size(input, other):
    return input.shape == other.shape


def is_signed(input):
    return input.dtype.is_signed


def is_inference(input):
    return input._is_inference


def is_conj(input):
    return False


def is_neg(input):
    return False


def typename(obj):
    return type(obj).__name__ if not isinstance(obj, Tensor) else obj.type()
