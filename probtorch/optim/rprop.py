"""Rprop (Riedmiller & Braun, 1993): sign-based steps whose sizes grow or shrink with gradient sign agreement."""
from .. import full_like, ones_like, where, zeros_like
from ._common import check_lr, scalar_state, value
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop as torch.optim.Rprop: each coordinate's step size is multiplied by etas[1] when the gradient keeps its
    sign, by etas[0] when it flips (and that coordinate skips the step and forgets its gradient), and clamped to
    `step_sizes` = (min, max); the parameter moves by -sign(g) * step size.

    State per parameter: `step` (0-dim Tensor), `prev` (previous gradient), `step_size` (starts at lr).
    `foreach`, `capturable` and `differentiable` are accepted for compatibility; updates always run per parameter,
    outside autograd.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, p, grad, group, state):
        (eta_minus, eta_plus), (smin, smax) = group["etas"], group["step_sizes"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["prev"] = p.new_zeros(p.shape)
            state["step_size"] = p.new_zeros(p.shape).fill_(value(group["lr"]))
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        prev, size = state["prev"], state["step_size"]
        s = (g * prev).sign()
        factor = where(s > 0, full_like(s, eta_plus), where(s < 0, full_like(s, eta_minus), ones_like(s)))
        size.mul_(factor).clamp_(smin, smax)
        g = where(s < 0, zeros_like(g), g)
        p.addcmul_(g.sign(), size, value=-1)
        prev.copy_(g)
