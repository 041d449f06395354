"""probtorch.autograd: reverse-mode differentiation to any order, custom Functions, gradcheck."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .grad_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import gradcheck, gradgradcheck
from . import functional, forward_ad

Variable = None  # torch's legacy Variable is not provided

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "functional",
           "forward_ad"]
