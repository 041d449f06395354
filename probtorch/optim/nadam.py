"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum-decay schedule."""
from ._common import check_betas, check_lr, check_nonneg, scalar_state, value
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam as torch.optim.NAdam. mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)); the step mixes the current
    gradient (weight (1 - mu_t) / (1 - prod mu)) and the first moment (weight mu_{t+1} / (1 - prod mu up to t+1)),
    both over sqrt(bias-corrected second moment) + eps. `decoupled_weight_decay=True` shrinks the parameter by
    (1 - lr weight_decay) instead of adding an L2 term to the gradient (NAdamW).

    State per parameter: `step` and `mu_product` (0-dim Tensors in the scalar-state dtype, float32 unless float64 is
    the default dtype, as torch), `exp_avg`, `exp_avg_sq`. `foreach`, `capturable` and `differentiable` are
    accepted for compatibility; updates always run per parameter, outside autograd.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_lr(lr)
        check_nonneg(eps, "epsilon value")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay value")
        check_nonneg(momentum_decay, "momentum_decay value")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, grad, group, state):
        lr, (b1, b2), eps, wd = value(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
        psi = group["momentum_decay"]
        if not state:
            state["step"] = scalar_state(0.0)
            state["mu_product"] = scalar_state(1.0)
            state["exp_avg"] = p.new_zeros(p.shape)
            state["exp_avg_sq"] = p.new_zeros(p.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        t = state["step"].item()
        bc2 = 1 - b2 ** t
        if wd:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g + wd * p
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"].mul_(mu)
        prod = state["mu_product"].item()
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (v / bc2).sqrt() + eps
        p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - prod))
        p.addcdiv_(m, denom, value=-lr * mu_next / (1.0 - prod * mu_next))
