"""Averaged stochastic gradient descent (Polyak & Juditsky, 1992), torch.optim.ASGD's schedule."""
from ._common import check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """SGD whose step size decays as lr / (1 + lambd lr t)^alpha, keeping a running average `ax` of the iterates.

    Averaging starts after `t0` steps (before that `ax` simply tracks the parameter). State per parameter: `step`,
    `eta` (current step size), `mu` (averaging weight), `ax` (the average); the three scalars are 0-dim Tensors in
    float32 (float64 when that is the default dtype), as torch keeps them. `foreach`, `capturable` and
    `differentiable` are accepted for signature compatibility and change nothing here: updates always run one
    parameter at a time on the CPU, outside autograd.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _update(self, p, grad, group, state):
        lr, lambd, alpha, t0 = value(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["eta"] = scalar_state(lr)
            state["mu"] = scalar_state(1.0)
            state["ax"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        eta = state["eta"].item()
        p.mul_(1 - lambd * eta)
        p.add_(g, alpha=-eta)
        mu = state["mu"].item()
        ax = state["ax"]
        if mu != 1:
            ax.add_((p - ax) * mu)
        else:
            ax.copy_(p)
        t = state["step"].item()
        state["eta"].fill_(lr / ((1 + lambd * lr * t) ** alpha))
        state["mu"].fill_(1 / max(1, t - t0))
