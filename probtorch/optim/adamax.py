"""Adamax (Kingma & Ba, 2015): Adam with an infinity-norm second moment."""
from ._common import check_betas, check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax as torch.optim.Adamax: exp_avg of gradients, exp_inf = max(beta2 exp_inf, |g| + eps).

    State per parameter: `step` (0-dim Tensor), `exp_avg`, `exp_inf`. `foreach`, `capturable` and `differentiable`
    are accepted for compatibility; updates always run per parameter, outside autograd.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, p, grad, group, state):
        (b1, b2), eps = group["betas"], group["eps"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_inf"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        t = state["step"].item()
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        m, u = state["exp_avg"], state["exp_inf"]
        m.lerp_(g, 1 - b1)
        u.copy_((u * b2).maximum(g.abs() + eps))
        p.addcdiv_(m, u, value=-value(group["lr"]) / (1 - b1 ** t))
