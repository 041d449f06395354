"""probtorch.autograd: reverse-mode differentiation to any order, custom Functions, gradcheck."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .grad_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import gradcheck, gradgradcheck
from . import functional, forward_ad



def Variable(data, requires_grad=False, volatile=False):
    """torch's legacy wrapper: since torch 0.4 a Variable is just a Tensor (returned as a new leaf here)."""
    from .._tensor import Tensor
    t = data.detach() if isinstance(data, Tensor) else Tensor(data)
    return t.requires_grad_(requires_grad) if requires_grad else t

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "functional",
           "forward_ad"]
