"""Adadelta (Zeiler, 2012): step sizes from running averages of squared gradients and squared updates."""
from ._common import check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta as torch.optim.Adadelta: `lr` scales the unit-corrected update; L2 `weight_decay` joins the gradient.

    State per parameter: `step` (0-dim Tensor), `square_avg`, `acc_delta`. `foreach`, `capturable` and
    `differentiable` are accepted for compatibility; the update always runs per parameter, outside autograd.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg(eps, "epsilon value")
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, p, grad, group, state):
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["square_avg"] = p.new_zeros(p.shape)
            state["acc_delta"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        sq, acc = state["square_avg"], state["acc_delta"]
        sq.mul_(rho).addcmul_(g, g, value=1 - rho)
        delta = (acc + eps).sqrt() / (sq + eps).sqrt() * g
        acc.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        p.add_(delta, alpha=-value(group["lr"]))
