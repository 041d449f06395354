"""RAdam (Liu et al., 2020): Adam with a variance rectification term; plain momentum SGD while it is undefined."""
import math

from ._common import check_betas, check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam as torch.optim.RAdam. With rho_inf = 2/(1-beta2) - 1 and rho_t = rho_inf - 2 t beta2^t/(1 - beta2^t),
    the adaptive step (times the rectification sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t)))
    is used once rho_t > 5, the bias-corrected momentum alone before. `decoupled_weight_decay=True` shrinks the
    parameter by (1 - lr weight_decay) instead of adding an L2 term (RAdamW).

    State per parameter: `step` (0-dim Tensor), `exp_avg`, `exp_avg_sq`. `foreach`, `capturable` and
    `differentiable` are accepted for compatibility; updates always run per parameter, outside autograd.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _update(self, p, grad, group, state):
        lr, (b1, b2), eps, wd = value(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_avg_sq"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        t = state["step"].item()
        if wd:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g + wd * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        bc1 = 1 - b1 ** t
        bc2 = 1 - b2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2 ** t) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = math.sqrt(bc2) / (v.sqrt() + eps)
            p.sub_(m_hat * lr * adaptive * rect)
        else:
            p.sub_(m_hat * lr)
