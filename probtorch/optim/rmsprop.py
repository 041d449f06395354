"""RMSprop (Hinton, 2012), with torch's centered and momentum variants."""
from ._common import check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop as torch.optim.RMSprop: divide the gradient by sqrt(running mean of g^2) + eps; `centered` subtracts
    the squared running mean of g first; `momentum` > 0 accumulates the scaled steps in a buffer.

    State per parameter: `step` (0-dim Tensor), `square_avg`, plus `momentum_buffer` when momentum > 0 and
    `grad_avg` when centered. `foreach`, `capturable` and `differentiable` are accepted for compatibility; updates
    always run per parameter, outside autograd.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_nonneg(momentum, "momentum value")
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(alpha, "alpha value")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, p, grad, group, state):
        alpha, eps, mom = group["alpha"], group["eps"], group["momentum"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["square_avg"] = p.new_zeros(p.shape)
            if mom > 0:
                state["momentum_buffer"] = p.new_zeros(p.shape)
            if group["centered"]:
                state["grad_avg"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        sq = state["square_avg"]
        sq.mul_(alpha).addcmul_(g, g, value=1 - alpha)
        if group["centered"]:
            ga = state["grad_avg"]
            ga.lerp_(g, 1 - alpha)
            avg = sq.addcmul(ga, ga, value=-1).sqrt() + eps
        else:
            avg = sq.sqrt() + eps
        lr = value(group["lr"])
        if mom > 0:
            buf = state["momentum_buffer"]
            buf.mul_(mom).addcdiv_(g, avg)
            p.add_(buf, alpha=-lr)
        else:
            p.addcdiv_(g, avg, value=-lr)
