"""Adagrad (Duchi et al., 2011): per-coordinate step sizes from the sum of squared gradients."""
from ._common import check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad as torch.optim.Adagrad, with `lr_decay` (lr / (1 + (t-1) lr_decay)) and L2 `weight_decay`.

    The state (`step`, a 0-dim Tensor, and `sum`, filled with `initial_accumulator_value`) is created for every
    parameter at construction, as torch does. `foreach`, `fused` and `differentiable` are accepted for
    compatibility (with torch's checks on their combination); updates always run per parameter, outside autograd.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg(lr_decay, "lr_decay value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(initial_accumulator_value, "initial_accumulator_value value")
        check_nonneg(eps, "epsilon value")
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))

    def _init_state(self, p, group):
        state = self._state(p)
        if not state:
            state["step"] = scalar_state(0.0)
            state["sum"] = p.new_zeros(p.shape).add_(group["initial_accumulator_value"])

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(p, group)

    def _update(self, p, grad, group, state):
        if not state:
            self._init_state(p, group)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        t = state["step"].item()
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        clr = value(group["lr"]) / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]
        s.addcmul_(g, g, value=1)
        p.addcdiv_(g, s.sqrt() + group["eps"], value=-clr)
