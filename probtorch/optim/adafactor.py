"""Adafactor (Shazeer & Stern, 2018): factored second-moment estimates and relative step sizes."""
from .. import finfo
from ._common import scalar_state, value
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor as torch.optim.Adafactor (no first moment).

    At step t: beta2_t = 1 - t^beta2_decay; rho_t = min(lr, 1/sqrt(t)); alpha = max(eps2, RMS(param)) * rho_t.
    For a parameter of 2 or more dims the second moment is kept as a row mean `row_var` (last dim reduced to 1) and a
    column mean `col_var` (second-to-last dim reduced to 1) whose outer product over the mean row estimate gives the
    variance; vectors keep a full `variance`. The update g / sqrt(max(variance, eps1^2)) is scaled down when its RMS
    exceeds `d`. eps1 = None means the parameter dtype's machine epsilon. `weight_decay` is decoupled: the parameter
    is shrunk by (1 - lr weight_decay). `foreach` is accepted for compatibility and changes nothing here.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= value(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _update(self, p, grad, group, state):
        if p.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")
        lr, wd, d = value(group["lr"]), group["weight_decay"], group["d"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = finfo(p.dtype).eps
        if not state:
            state["step"] = scalar_state(0.0)
            if grad.dim() > 1:
                state["row_var"] = grad.new_zeros(tuple(grad.shape[:-1]) + (1,))
                state["col_var"] = grad.new_zeros(tuple(grad.shape[:-2]) + (1, grad.shape[-1]))
            else:
                state["variance"] = grad.new_zeros(grad.shape)
        g = -grad if group["maximize"] else grad
        state["step"].add_(1)
        t = state["step"].item()
        w = t ** group["beta2_decay"]
        rho = min(lr, 1 / t ** 0.5)
        alpha = max(eps2, p.norm(2).item() / p.numel() ** 0.5) * rho
        if wd:
            p.mul_(1 - lr * wd)
        if g.dim() > 1:
            row, col = state["row_var"], state["col_var"]
            row.lerp_((g * g).mean(dim=-1, keepdim=True), w)
            col.lerp_((g * g).mean(dim=-2, keepdim=True), w)
            var = (row @ col) / row.mean(dim=-2, keepdim=True).clamp(min=eps1)
        else:
            state["variance"].lerp_(g * g, w)
            var = state["variance"]
        update = var.clamp(min=eps1 * eps1).rsqrt() * g
        denom = max(1.0, update.norm(2).item() / (update.numel() ** 0.5 * d))
        p.add_(update, alpha=-alpha / denom)
