"""embedding, gumbel_softmax, pixel_shuffle/pixel_unshuffle and prelu, composed from Tensor ops."""
from ..._dtype import int32, int64, uint8
from ..._functions.creation import empty_like, zeros_like
from ..._functions.math import where
from ..._grad_mode import no_grad
from .activation import softmax

__all__ = ["embedding", "gumbel_softmax", "pixel_shuffle", "pixel_unshuffle", "prelu"]


def _renorm_rows_(weight, indices, max_norm, norm_type):
    """Rescale, in place, the rows of `weight` used by `indices` whose p-norm exceeds max_norm."""
    with no_grad():
        rows = indices.reshape(-1).unique()
        sel = weight[rows]
        norms = sel.norm(norm_type, dim=1, keepdim=True)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[rows] = sel * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by the integer tensor `input`; no gradient flows to row `padding_idx`."""
    if input.dtype not in (int64, int32, uint8):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead")
    if weight.dim() != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {weight.dim()}-D")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    if input.numel() and (int(input.min()) < 0 or int(input.max()) >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows_(weight, input, max_norm, norm_type)
    out = weight[input]
    if scale_grad_by_freq:
        from .attention import scale_grad_by_frequency
        out = scale_grad_by_frequency(out, input)
    if padding_idx is not None:
        out = where((input == padding_idx).unsqueeze(-1), out.detach(), out)
    return out


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """Softmax of (logits + Gumbel noise) / tau; with hard=True a one-hot sample whose gradient is the soft one's."""
    gumbels = -empty_like(logits).exponential_().log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = y.argmax(dim, keepdim=True)
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y.detach() + y


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nb = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if h % r != 0 or w % r != 0:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"input.size(-2)={h}, input.size(-1)={w} and downscale_factor={r}")
    nb = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x) with one slope or one per channel (dim 1)."""
    k = weight.numel()
    if k != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if channels != k:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{k} and channel size = {channels}.")
        weight = weight.reshape((-1,) + (1,) * (input.dim() - 2))
    elif weight.dim() > 0:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)
