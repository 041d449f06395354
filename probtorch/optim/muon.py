"""Muon (Jordan et al., 2024): momentum SGD whose 2-D update is orthogonalised by a Newton-Schulz iteration."""
import math

import numpy as np

from .. import from_numpy
from ._common import value
from .optimizer import Optimizer

__all__ = ["Muon"]

_NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def _to_bfloat16(x):
    """Round an array to bfloat16 precision (round to nearest, ties to even), returned as float32.

    float64 input is first rounded to float32, as torch converts it (so a float64 value just past a bfloat16 tie
    can round down)."""
    x32 = np.asarray(x, dtype=np.float32)
    bits = x32.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(x32), out, x32)


def _newton_schulz(g, coefficients, steps, eps):
    """Approximately orthogonalise the 2-D array g (U S V^T -> U S' V^T with S' near 1) by `steps` quintic
    Newton-Schulz iterations X <- a X + (b A + c A^2) X, A = X X^T, after scaling X to unit Frobenius norm.
    Works on the shorter side (X transposed when g is tall). Arithmetic emulates torch's bfloat16 path: every
    intermediate is rounded to bfloat16 (products accumulate in float32)."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    x = _to_bfloat16(g)
    tall = g.shape[0] > g.shape[1]
    if tall:
        x = x.T
    norm = _to_bfloat16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = _to_bfloat16(x / max(norm, _to_bfloat16(np.float32(eps))))
    for _ in range(steps):
        gram = _to_bfloat16(x @ x.T)
        poly = _to_bfloat16(np.float32(b) * gram + np.float32(c) * (gram @ gram))
        x = _to_bfloat16(np.float32(a) * x + poly @ x)
    return x.T if tall else x


class Muon(Optimizer):
    """Muon as torch.optim.Muon, for 2-D parameters only.

    Per step: buffer <- lerp(buffer, g, 1 - momentum); the update is lerp(g, buffer, momentum) (Nesterov) or the
    buffer; it is orthogonalised by `ns_steps` Newton-Schulz iterations with `ns_coefficients` (in emulated
    bfloat16, as torch); the parameter is shrunk by (1 - lr weight_decay) and moved by -lr' * update, where
    lr' = lr sqrt(max(1, rows/cols)) (`adjust_lr_fn` None or 'original') or lr 0.2 sqrt(max(rows, cols))
    ('match_rms_adamw'). State per parameter: `momentum_buffer`.
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=_NS_COEFFICIENTS, eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= value(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _update(self, p, grad, group, state):
        if p.is_complex():
            raise RuntimeError("Muon does not support complex parameters")
        lr, mom = value(group["lr"]), group["momentum"]
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = grad.new_zeros(grad.shape)
        buf = state["momentum_buffer"]
        buf.lerp_(grad, 1 - mom)
        update = grad.lerp(buf, mom) if group["nesterov"] else buf
        ortho = _newton_schulz(np.asarray(update._data), group["ns_coefficients"], group["ns_steps"],
                               group["eps"])
        rows, cols = p.shape[:2]
        fn = group["adjust_lr_fn"]
        if fn is None or fn == "original":
            scale = math.sqrt(max(1, rows / cols))
        elif fn == "match_rms_adamw":
            scale = 0.2 * math.sqrt(max(rows, cols))
        else:
            scale = 1.0
        p.mul_(1 - lr * group["weight_decay"])
        p.add_(from_numpy(ortho.astype(p._data.dtype)), alpha=-lr * scale)
