"""Normalization ops (layer, group, instance, batch, RMS, local response), composed from Tensor ops."""
from ..._dtype import finfo
from ..._grad_mode import no_grad

__all__ = ["layer_norm", "group_norm", "instance_norm", "batch_norm", "rms_norm", "local_response_norm"]


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_trailing(input, shape, fname):
    n = len(shape)
    if n == 0 or input.dim() < n or tuple(input.shape[input.dim() - n:]) != shape:
        raise RuntimeError(f"{fname}: normalized_shape {list(shape)} does not match the trailing dimensions of "
                           f"input of shape {list(input.shape)}")
    return tuple(range(input.dim() - n, input.dim()))


def _affine(out, weight, bias):
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Standardise over the trailing `normalized_shape` dimensions, then apply the elementwise affine map."""
    shape = _as_shape(normalized_shape)
    dims = _check_trailing(input, shape, "layer_norm")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {list(shape)}, got {list(p.shape)}")
    mean = input.mean(dim=dims, keepdim=True)
    var = input.var(dim=dims, correction=0, keepdim=True)
    return _affine((input - mean) * (var + eps).rsqrt(), weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the trailing dimensions; eps defaults to the dtype's machine epsilon."""
    shape = _as_shape(normalized_shape)
    dims = _check_trailing(input, shape, "rms_norm")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"rms_norm: expected weight of shape {list(shape)}, got {list(weight.shape)}")
    if eps is None:
        eps = finfo(input.dtype).eps
    out = input * ((input * input).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def _channel_shape(input):
    return (1, -1) + (1,) * (input.dim() - 2)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Standardise each of `num_groups` channel groups per sample, then a per-channel affine map."""
    if input.dim() < 2:
        raise RuntimeError(f"group_norm: expected input with at least 2 dimensions, got {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(f"group_norm: expected number of channels in input ({c}) to be divisible by "
                           f"num_groups ({num_groups})")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p.dim() != 1 or p.shape[0] != c):
            raise RuntimeError(f"group_norm: expected {name} to be a vector of size {c}, got shape {list(p.shape)}")
    g = input.reshape(n, num_groups, -1)
    mean = g.mean(dim=2, keepdim=True)
    var = g.var(dim=2, correction=0, keepdim=True)
    out = ((g - mean) * (var + eps).rsqrt()).reshape(tuple(input.shape))
    cs = _channel_shape(input)
    return _affine(out, None if weight is None else weight.reshape(cs), None if bias is None else bias.reshape(cs))


def _update_running(running, batch_value, momentum):
    with no_grad():
        running.mul_(1 - momentum).add_(batch_value.detach() * momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Per-channel standardisation: batch statistics when training (updating running stats), else running stats."""
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dimensions, got {input.dim()}")
    c = input.shape[1]
    cs = _channel_shape(input)
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if p is not None and p.numel() != c:
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {p.numel()}")
    if training:
        dims = (0,) + tuple(range(2, input.dim()))
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
        mean = input.mean(dim=dims, keepdim=True)
        var = input.var(dim=dims, correction=0, keepdim=True)
        if running_mean is not None:
            _update_running(running_mean, mean.reshape(-1), momentum)
        if running_var is not None:
            _update_running(running_var, var.reshape(-1) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when training=False")
        mean, var = running_mean.reshape(cs), running_var.reshape(cs)
    out = (input - mean) * (var + eps).rsqrt()
    return _affine(out, None if weight is None else weight.reshape(cs), None if bias is None else bias.reshape(cs))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Standardise each (sample, channel) slice over its spatial dimensions."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected input with at least 3 dimensions, got {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    cs = _channel_shape(input)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    dims = tuple(range(2, input.dim()))
    count = input.numel() // (n * c)
    mean = input.mean(dim=dims, keepdim=True)
    var = input.var(dim=dims, correction=0, keepdim=True)
    if running_mean is not None:
        _update_running(running_mean, mean.reshape(n, c).mean(dim=0), momentum)
    if running_var is not None:
        unbiased = var.reshape(n, c) * (count / (count - 1)) if count > 1 else var.reshape(n, c)
        _update_running(running_var, unbiased.mean(dim=0), momentum)
    out = (input - mean) * (var + eps).rsqrt()
    return _affine(out, None if weight is None else weight.reshape(cs), None if bias is None else bias.reshape(cs))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide by (k + alpha * mean of squares over `size` neighbouring channels) ** beta."""
    from .padding import pad
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    sq = input * input
    c = input.shape[1]
    padded = pad(sq.movedim(1, -1), (size // 2, (size - 1) // 2))
    acc = padded[..., 0:c]
    for i in range(1, size):
        acc = acc + padded[..., i:i + c]
    div = (acc.movedim(-1, 1) * (alpha / size) + k) ** beta
    return input / div
