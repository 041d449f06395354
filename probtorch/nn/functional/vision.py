"""Resampling: interpolate (and its deprecated upsample aliases), grid_sample and affine_grid.

interpolate is separable: each spatial axis, last first, goes through one linear map from the input length to the
output length. That map is a small sparse matrix (a few taps per output position: 1 nearest, 2 linear, 4 cubic, a
window for area / antialias) applied by the primitive `resample_axis`, whose gradient is the same primitive with the
transposed matrix -- so every order of derivative costs one more pass of the same kernel. Applying the axes last
first reproduces torch's arithmetic (an inner 1-D interpolation per row, then the outer one) in the input's
precision. Nearest modes are plain index_select along each axis (exact for every dtype, NaN stays local).

grid_sample computes, with Tensor ops, per output position the weights of its taps (4 / 8 corners, 16 for bicubic;
unnormalize, padding, floor) and, as constants, the taps' flat positions in the image; a weighted gather primitive
then combines the taps. The gather, its adjoint scatter and the tap-wise dot product are three bilinear primitives
that are each other's derivatives, so gradients for input and grid (through the weights) exist to any order.
"""
import functools
import math
import numbers
import warnings

import numpy as np

from ... import _dtype
from ..._primitive import Primitive
from ..._tensor import Tensor, _make
from ..._kernels import vision as _K
from ..._kernels.vision import csr_axis_apply
from ..._functions.shape import cat as _cat

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "GRID_SAMPLE_INTERPOLATION_MODES", "GRID_SAMPLE_PADDING_MODES"]

GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_CUBIC_A = -0.75  # Keys' cubic convolution parameter used by torch's bicubic modes
_AA_CUBIC_A = -0.5  # the antialiased bicubic filter (as PIL)


# ------------------------------------------------------------------------------------------ the sparse axis map
class _AxisMap:
    """A (n_out x n_in) matrix in CSR form, with its transpose built on demand (the adjoint map)."""

    __slots__ = ("indptr", "cols", "vals", "n_in", "n_out", "_t", "_cast")

    def __init__(self, indptr, cols, vals, n_in, n_out):
        self.indptr = np.ascontiguousarray(indptr, np.intp)
        self.cols = np.ascontiguousarray(cols, np.intp)
        self.vals = np.ascontiguousarray(vals)
        self.n_in, self.n_out = n_in, n_out
        self._t = None
        self._cast = {}

    @classmethod
    def from_taps(cls, idx, w, n_in):
        """From (n_out, K) source indices and weights (every row has K entries, summed in column order)."""
        n_out, k = idx.shape
        return cls(np.arange(0, n_out * k + 1, k), idx.reshape(-1), w.reshape(-1), n_in, n_out)

    @property
    def T(self):
        if self._t is None:
            # rows of the transpose: stable sort of the entries by column keeps each row's sum order fixed
            rows = np.repeat(np.arange(self.n_out), np.diff(self.indptr))
            order = np.argsort(self.cols, kind="stable")
            counts = np.bincount(self.cols, minlength=self.n_in)
            indptr = np.concatenate([[0], np.cumsum(counts)])
            t = _AxisMap(indptr, rows[order], self.vals[order], self.n_out, self.n_in)
            t._t = self
            self._t = t
        return self._t

    def values(self, dtype):
        v = self._cast.get(dtype)
        if v is None:
            v = self._cast[dtype] = self.vals.astype(dtype)
        return v

    def dense(self):
        m = np.zeros((self.n_out, self.n_in), self.vals.dtype)
        rows = np.repeat(np.arange(self.n_out), np.diff(self.indptr))
        np.add.at(m, (rows, self.cols), self.vals)
        return m


def _resample_impl(x, amap, dim):
    shape = x.shape
    p = int(np.prod(shape[:dim], dtype=np.int64))
    r = int(np.prod(shape[dim + 1:], dtype=np.int64))
    out = csr_axis_apply(x.reshape(p, shape[dim], r), amap.indptr, amap.cols, amap.values(x.dtype), amap.n_out)
    return out.reshape(shape[:dim] + (amap.n_out,) + shape[dim + 1:])


resample_axis = Primitive("resample_axis", _resample_impl, saves=(), linear=True)


@resample_axis.defvjp
def _resample_vjp(g, out, x, amap, dim):
    return (resample_axis(g, amap=amap.T, dim=dim),)


# ------------------------------------------------------------------------------- per-axis weights, torch's rules
def _scale_value(scale, n_in, n_out, ftype):
    """Source step per output step: 1/scale_factor when one was given (and positive), else n_in / n_out."""
    if scale is not None and scale > 0:
        return ftype(1.0 / scale)
    return ftype(n_in) / ftype(n_out)


def _area_scale(n_in, n_out, align_corners, scale, ftype):
    if align_corners:
        return ftype(n_in - 1) / ftype(n_out - 1) if n_out > 1 else ftype(0)
    return _scale_value(scale, n_in, n_out, ftype)


def _source_positions(n_in, n_out, align_corners, scale, ftype, cubic):
    s = _area_scale(n_in, n_out, align_corners, scale, ftype)
    j = np.arange(n_out).astype(ftype)
    if align_corners:
        return s * j
    src = s * (j + ftype(0.5)) - ftype(0.5)
    return src if cubic else np.maximum(src, ftype(0))


def _nearest_index(n_in, n_out, scale, exact):
    # torch computes these in single precision whatever the input dtype
    s = _scale_value(scale, n_in, n_out, np.float32)
    j = np.arange(n_out)
    if exact:
        pos = ((j + 0.5) * np.float64(s)).astype(np.float32)
    else:
        pos = j.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), n_in - 1)


def _cubic_weights(t, a):
    """Keys' cubic convolution weights of the 4 taps at offsets -1, 0, 1, 2 from floor(position)."""
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    one = t.dtype.type(1)
    return np.stack([far(t + one), near(t), near(one - t), far(one + one - t)], axis=-1)


def _aa_filter(x, mode):
    x = np.abs(x)
    if mode == "bilinear":
        return np.maximum(0.0, 1.0 - x)
    if mode == "lanczos":  # Lanczos-3: sinc(x) sinc(x / 3) on |x| < 3
        return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0.0)
    a = _AA_CUBIC_A
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


@functools.lru_cache(maxsize=256)
def _axis_map(mode, n_in, n_out, align_corners, scale, dtype_name, antialias=False):
    ftype = np.dtype(dtype_name).type
    if mode == "area":  # adaptive average pooling windows [floor(i n_in / n_out), ceil((i + 1) n_in / n_out))
        i = np.arange(n_out)
        start = (i * n_in) // n_out
        end = -((-(i + 1) * n_in) // n_out)
        counts = end - start
        indptr = np.concatenate([[0], np.cumsum(counts)])
        cols = np.concatenate([np.arange(a, b) for a, b in zip(start, end)])
        vals = np.repeat(1.0 / counts, counts)
        return _AxisMap(indptr, cols, vals, n_in, n_out)
    if antialias:
        return _antialias_map(mode, n_in, n_out, align_corners, scale)
    if mode == "linear":
        src = _source_positions(n_in, n_out, align_corners, scale, ftype, cubic=False)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        lam1 = np.clip(src - i0.astype(ftype), ftype(0), ftype(1))
        lam0 = ftype(1) - lam1
        i1 = i0 + (i0 < n_in - 1)
        return _AxisMap.from_taps(np.stack([i0, i1], -1), np.stack([lam0, lam1], -1), n_in)
    # cubic: taps at floor(src) - 1 .. + 2, clamped to the borders (repeated border values)
    src = _source_positions(n_in, n_out, align_corners, scale, ftype, cubic=True)
    fl = np.floor(src)
    t = (src - fl).astype(ftype)
    base = fl.astype(np.int64)
    idx = np.clip(base[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return _AxisMap.from_taps(idx, _cubic_weights(t, ftype(_CUBIC_A)), n_in)


def _antialias_map(mode, n_in, n_out, align_corners, scale):
    """Separable antialiasing when downsampling: the filter stretched by the scale, weights normalized per row."""
    s = float(_area_scale(n_in, n_out, align_corners, scale, np.float64))
    stretch = max(s, 1.0)  # the filter widens when downsampling only
    support = {"linear": 1.0, "cubic": 2.0, "lanczos": 3.0}[mode] * stretch
    rows, cols, vals = [], [], []
    for i in range(n_out):
        center = s * (i + 0.5)  # (align_corners changes only the scale, as in torch)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        j = np.arange(lo, hi)
        w = _aa_filter((j - center + 0.5) / stretch, {"linear": "bilinear", "cubic": "bicubic"}.get(mode, mode))
        total = w.sum()
        if total != 0:
            w = w / total
        cols.append(j)
        vals.append(w)
        rows.append(len(j))
    indptr = np.concatenate([[0], np.cumsum(rows)])
    return _AxisMap(indptr, np.concatenate(cols), np.concatenate(vals), n_in, n_out)


# ---------------------------------------------------------------------------------------------- interpolate
_MODE_NDIM = {"linear": 3, "bilinear": 4, "trilinear": 5}
_SIZE_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _is_integer(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool) or (
        isinstance(x, Tensor) and x.ndim == 0 and x.dtype.category == _dtype._INT)


_SCALAR_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double", "uint8": "Byte",
                 "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}


def _scalar_name(dt):
    """torch's C++ name of a dtype, as its kernels' errors spell it."""
    return _SCALAR_NAMES.get(dt.name, dt.name.capitalize())


def _describe(sizes):
    names = _SIZE_NAMES[len(sizes)]
    return ", ".join(f"{n}: {s}" for n, s in zip(names, sizes))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of a batched (N, C, *spatial) input, to `size` or by `scale_factor`.

    Args:
        input (Tensor): 3-D (linear), 4-D (bilinear, bicubic) or 5-D (trilinear) input; nearest, nearest-exact and
            area take any of the three.
        size (int or sequence of int): output spatial size.
        scale_factor (float or sequence of float): multiplier of the spatial size (output size = floor(in * s)).
        mode (str): 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' | 'area' |
            'lanczos' (Lanczos-3, 4-D input, antialias=True only).
        align_corners (bool, optional): map the corner pixel centres onto each other (linear and cubic modes only).
        recompute_scale_factor (bool, optional): when True, the scale used for the source positions is recomputed
            from the integer output size; otherwise a given scale_factor is used as is.
        antialias (bool): filter before downsampling (bilinear, bicubic and lanczos, 4-D input).

    Returns:
        Tensor of shape (N, C, *output size).

    Example::

        >>> x = probtorch.arange(16.).reshape(1, 1, 4, 4)
        >>> interpolate(x, scale_factor=2, mode="bilinear").shape
        probtorch.Size([1, 1, 8, 8])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {size}. Please provide input tensor "
                    "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                    "(s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    known = ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear", "lanczos")
    if input.ndim not in (3, 4, 5) or mode not in known or (mode in ("bicubic", "lanczos") and input.ndim != 4):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    need = _MODE_NDIM.get(mode)
    if need is not None and input.ndim != need:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need}D input")
    if output_size is None:
        # the output size from an explicit scale: floor(in * s), computed in double precision
        output_size = [int(math.floor(input.shape[i + 2] * scale_factors[i])) for i in range(dim)]
    in_sizes = list(input.shape[2:])
    return _interpolate(input, in_sizes, output_size, scale_factors, mode, align_corners, antialias)


def _interpolate(input, in_sizes, output_size, scale_factors, mode, align_corners, antialias):
    dim = len(in_sizes)
    if min(in_sizes) <= 0 or min(output_size) <= 0:
        if mode == "area" and min(in_sizes) <= 0:
            d = next(k for k, s in enumerate(in_sizes) if s <= 0) + 2
            raise RuntimeError(f"adaptive_avg_pool{dim}d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being empty")
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({_describe(in_sizes)}) "
                           f"output ({_describe(output_size)})")
    if mode not in ("nearest", "nearest-exact", "area") and input.shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")
    dt = input.dtype
    nearest = mode in ("nearest", "nearest-exact")
    if dt is _dtype.uint8 and mode in ("bilinear", "bicubic", "lanczos"):
        return _interpolate_uint8(input, output_size, scale_factors, mode, align_corners, antialias)
    if dt.category != _dtype._FLOAT and not (nearest and dt is _dtype.uint8):
        # (the names of the torch kernels that refuse integer inputs)
        kind = {"nearest": "compute_indices_weights_nearest", "nearest-exact": "compute_indices_weights_nearest",
                "area": "adaptive_avg_pool3d_cpu" if dim == 3 else "adaptive_avg_pool2d",
                "linear": "compute_indices_weights_linear", "trilinear": "compute_indices_weights_linear",
                "bilinear": "upsample_bilinear2d_channels_last", "bicubic": "compute_indices_weights_cubic",
                "lanczos": "compute_indices_weights_lanczos"}[mode]
        if nearest and dim == 2:
            kind = "upsample_nearest2d_channels_last"
        raise NotImplementedError(f'"{kind}" not implemented for \'{_scalar_name(dt)}\'')
    if not nearest and dt not in (_dtype.float32, _dtype.float64):
        # half precision: computed in single precision and rounded once (torch's CPU kernels accumulate in float)
        return _interpolate(input.float(), in_sizes, output_size, scale_factors, mode, align_corners,
                            antialias).to(dt)
    axis_mode = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic",
                 "area": "area", "lanczos": "lanczos"}.get(mode)
    out = input
    for k in reversed(range(dim)):  # the last axis first: torch's inner loop
        n_in, n_out = in_sizes[k], output_size[k]
        scale = None if scale_factors is None else scale_factors[k]
        if nearest:
            if dim == 2 and mode == "nearest" and n_out in (n_in, 2 * n_in):
                # torch's 2-D nearest shortcuts same size and exact doubling, whatever the scale given
                if n_out == n_in:
                    continue
                idx = np.arange(n_out) >> 1
            else:
                idx = _nearest_index(n_in, n_out, scale, mode == "nearest-exact")
            out = out.index_select(k + 2, _make(idx))
            continue
        if n_in == n_out and (axis_mode in ("linear", "area") or antialias):
            continue  # an axis of unchanged length is copied by the linear modes (and area)
        amap = _axis_map(axis_mode, n_in, n_out, bool(align_corners), scale, dt.np.name, bool(antialias))
        out = resample_axis(out, amap=amap, dim=k + 2)
    if out is input:
        out = input.clone()
    return out


def _interpolate_uint8(input, output_size, scale_factors, mode, align_corners, antialias):
    """8-bit images (torch's fixed-point path): per axis, last first, the float weights scaled to int16 with as many
    fraction bits as fit, integer accumulation, rounding and clamping to [0, 255] after each pass."""
    x = input._data.astype(np.int64)
    axis_mode = {"bilinear": "linear", "bicubic": "cubic", "lanczos": "lanczos"}[mode]
    for k in (1, 0):
        n_in, n_out = x.shape[2 + k], output_size[k]
        if n_in == n_out:
            continue
        scale = None if scale_factors is None else scale_factors[k]
        m = _axis_map(axis_mode, n_in, n_out, bool(align_corners), scale, "float64", bool(antialias)).dense()
        prec = 0
        while prec < 22 and int(0.5 + m.max() * (1 << (prec + 1))) < (1 << 15):
            prec += 1
        v = m * (1 << prec)
        mi = np.where(v < 0, v - 0.5, v + 0.5).astype(np.int64)  # rounded half away from zero
        y = np.moveaxis(np.tensordot(mi, np.moveaxis(x, 2 + k, 0), axes=(1, 0)), 0, 2 + k)
        x = np.clip((y + (1 << max(prec - 1, 0))) >> prec, 0, 255)
    return _make(np.ascontiguousarray(x.astype(np.uint8)))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of `interpolate` (warns)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(input, size, scale_factor, mode='nearest')` (warns)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)` (warns)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------------------------------ grid_sample's taps
# (see probtorch._kernels.vision): gather, scatter and dot are bilinear and each other's derivatives, so the
# gradients of grid_sample with respect to input and weights (hence grid) exist to any order.
def _gather_impl(x, w, idx):
    return _K.tap_gather(x, idx, w.astype(x.dtype, copy=False))


def _scatter_impl(g, w, idx, size):
    return _K.tap_scatter(g, idx, w.astype(g.dtype, copy=False), size)


def _dot_impl(g, x, idx):
    return _K.tap_dot(g, x.astype(g.dtype, copy=False), idx)


tap_gather = Primitive("grid_sampler_gather", _gather_impl)
tap_scatter = Primitive("grid_sampler_scatter", _scatter_impl)
tap_dot = Primitive("grid_sampler_dot", _dot_impl)


@tap_gather.defvjp
def _tap_gather_vjp(g, out, x, w, idx):
    return tap_scatter(g, w, idx=idx, size=x.shape[2]), tap_dot(g, x, idx=idx)


@tap_scatter.defvjp
def _tap_scatter_vjp(gz, out, g, w, idx, size):
    return tap_gather(gz, w, idx=idx), tap_dot(g, gz, idx=idx)


@tap_dot.defvjp
def _tap_dot_vjp(gv, out, g, x, idx):
    return tap_gather(x, gv, idx=idx), tap_scatter(g, gv, idx=idx, size=x.shape[2])


# the constant 0 as a function of a tensor: its derivative (zeros of the tensor's shape) is exact at every order
_zero_of = Primitive("grid_sampler_nearest_grid", lambda t: np.zeros((), t.dtype), saves=())
_zero_of.defvjp(lambda g, out, t: (g.new_zeros(t.shape),))


# ---------------------------------------------------------------------------------------------- grid_sample
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _unnormalize(coord, size, align_corners):
    """[-1, 1] grid coordinates to pixel positions (corner pixel centres, or corner pixel edges, at -1 and 1)."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(c, size):
    """Clamp to [0, size - 1]; the gradient is zero at and beyond the bounds (as torch's clip)."""
    d = c._data
    inside = (d > 0) & (d < size - 1)
    return c.where(_make(inside), _make(np.clip(np.nan_to_num(d, nan=0.0), 0, size - 1)))  # (NaN goes to 0)


def _reflect(c, twice_low, twice_high):
    """Reflect about the bounds twice_low / 2 and twice_high / 2 until the position falls between them."""
    if twice_low == twice_high:
        return c * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    a = c - low
    d = a.detach()
    a = a.where(d >= 0, -a)  # (the gradient sign flips on the negative side)
    extra = a.fmod(span)
    flips = (a.detach() / span).floor()
    even = flips.remainder(2) == 0
    return (extra + low).where(even, span - extra + low)


def _pad_coordinate(c, size, padding_mode, align_corners):
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        if align_corners:
            c = _reflect(c, 0, 2 * (size - 1))
        else:
            c = _reflect(c, -1, 2 * size - 1)
        return _clip(c, size)
    return c


def _check_grid_sample(input, grid, mode):
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_name(input.dtype)} but found {_scalar_name(grid.dtype)}")
    nd = input.ndim
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd - 2} in last dimension, but got grid "
                           f"with sizes {list(grid.shape)}")
    if nd not in (4, 5) or grid.ndim != nd:
        raise RuntimeError(f"grid_sampler(): expected {nd if nd in (4, 5) else 4}D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    for d in range(2, nd):
        if input.shape[d] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {d} being empty")
    if mode == "bicubic" and nd != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype.category != _dtype._FLOAT:
        raise NotImplementedError(f'"grid_sampler_{nd - 2}d_cpu_kernel_impl" not implemented for '
                                  f"'{_scalar_name(input.dtype)}'")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample `input` (N, C, H, W) or (N, C, D, H, W) at the positions of `grid` (N, H_out, W_out, 2) or
    (N, D_out, H_out, W_out, 3), given in [-1, 1] as (x, y[, z]) = (width, height[, depth]) coordinates.

    Args:
        input (Tensor): the image batch.
        grid (Tensor): sampling positions, same dtype as input.
        mode (str): 'bilinear' (trilinear for 5-D), 'nearest' (ties to even) or 'bicubic' (4-D only).
        padding_mode (str): value outside the image: 'zeros', 'border' (nearest edge) or 'reflection'.
        align_corners (bool, optional): -1 and 1 are the centres (True) or the outer edges (False) of the corner
            pixels; default False (with torch's warning when left unset).

    Returns:
        Tensor (N, C, *grid.shape[1:-1]), differentiable with respect to input and grid.
    """
    if mode not in GRID_SAMPLE_INTERPOLATION_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in GRID_SAMPLE_PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _check_grid_sample(input, grid, mode)
    if input.dtype not in (_dtype.float32, _dtype.float64):  # half precision: computed in single precision
        return grid_sample(input.float(), grid.float(), mode, padding_mode, align_corners).to(input.dtype)
    nd = input.ndim - 2
    n, c = input.shape[0], input.shape[1]
    sizes = list(input.shape[2:])
    out_spatial = list(grid.shape[1:-1])
    npos = int(np.prod(out_spatial, dtype=np.int64))
    g = grid.reshape(n, 1, npos, nd)
    # per spatial axis k (input order) its coordinate, grid[..., nd - 1 - k], shaped (N, 1, P)
    coords = [_unnormalize(g[..., nd - 1 - k], sizes[k], align_corners) for k in range(nd)]
    if mode == "bicubic":
        lows = [ck.detach().floor() for ck in coords]
        taps = [_cubic_taps(ck - lo) for ck, lo in zip(coords, lows)]  # per axis: 4 weights (N, 1, P)
        offsets = np.arange(-1, 3).astype(input.dtype.np).reshape(1, 4, 1)
        positions = [_bounded(lo._data + offsets, size, padding_mode, align_corners)
                     for lo, size in zip(lows, sizes)]
        wy, wx = taps
        weights = [wx[i] * wy[j] for j in range(4) for i in range(4)]
    else:
        coords = [_pad_coordinate(ck, sizes[k], padding_mode, align_corners) for k, ck in enumerate(coords)]
        if mode == "nearest":  # (ties to even, as nearbyint); piecewise constant: no gradient for the grid
            positions = [ck._data.round() for ck in coords]
            weights = [_make(np.ones((n, 1, npos), input.dtype.np))]
        else:
            lows = [ck.detach().floor() for ck in coords]
            w_hi = [ck - lo for ck, lo in zip(coords, lows)]
            w_lo = [(lo + 1) - ck for ck, lo in zip(coords, lows)]
            positions = [lo._data + np.array([0, 1], lo._data.dtype).reshape(1, 2, 1) for lo in lows]
            weights = []
            for corner in range(1 << nd):  # torch's corner order: the last axis varies fastest
                weight = None
                for k in range(nd):
                    wk = w_hi[k] if (corner >> (nd - 1 - k)) & 1 else w_lo[k]
                    weight = wk if weight is None else weight * wk
                weights.append(weight)
    idx = _K.tap_index(positions, sizes)  # flat positions (N, K, P), -1 outside the image
    w = weights[0] if len(weights) == 1 else _cat(weights, 1)
    out = tap_gather(input.reshape(n, c, int(np.prod(sizes, dtype=np.int64))), w, idx=idx)
    if mode == "nearest" and grid.requires_grad:
        out = out + _zero_of(grid)  # the grid's gradient is zero (torch reports zeros, not None)
    return out.reshape([n, c] + out_spatial)


def _cubic_taps(t):
    a = _CUBIC_A
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bounded(p, size, padding_mode, align_corners):
    """Integer tap positions from float ones after padding (border / reflection), as torch's bicubic sampler."""
    if padding_mode == "zeros":
        return p
    c = p.astype(np.float64)
    if padding_mode == "reflection":
        lo, hi = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if lo == hi:
            c = np.zeros_like(c)
        else:
            low, span = lo / 2, (hi - lo) / 2
            with np.errstate(all="ignore"):  # (non-finite positions: NaN, then 0 below)
                a = np.abs(c - low)
                extra = np.fmod(a, span)
                flips = np.floor(a / span)
                c = np.where(flips % 2 == 0, extra + low, span - extra + low)
    return np.clip(np.nan_to_num(c, nan=0.0), 0, size - 1).astype(np.int64)


# ---------------------------------------------------------------------------------------------- affine_grid
def _base_axis(steps, align_corners, np_dtype):
    if steps <= 1:
        return np.zeros(max(steps, 0), np_dtype)
    r = np.linspace(-1.0, 1.0, steps).astype(np_dtype)
    if not align_corners:
        r = r * np_dtype.type((steps - 1) / steps)
    return r


def affine_grid(theta, size, align_corners=None):
    """Sampling grid of the affine maps `theta` for an output of `size`: the positions to give `grid_sample`.

    Args:
        theta (Tensor): (N, 2, 3) for a 4-D size (N, C, H, W), (N, 3, 4) for a 5-D size (N, C, D, H, W).
        size (sequence of int): the output size.
        align_corners (bool, optional): as in `grid_sample` (default False, with torch's warning when unset).

    Returns:
        Tensor (N, H, W, 2) or (N, D, H, W, 3) with theta applied to the normalized (x, y[, z], 1) positions.
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if theta.dtype.category != _dtype._FLOAT:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, list(size)
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {given}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {given}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    n = size[0]
    if theta.shape[0] != n:
        k = len(spatial)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {k + 1}] but got: "
                           f"[{theta.shape[0]}, {k + 1}].")
    npd = theta.dtype.np
    axes = [_base_axis(s, align_corners, npd) for s in spatial]  # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    # columns x (width), y (height)[, z (depth)], 1
    cols = [mesh[k] for k in reversed(range(len(spatial)))] + [np.ones(tuple(spatial), npd)]
    base = _make(np.stack(cols, -1).reshape(1, -1, len(spatial) + 1))
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape([n] + spatial + [len(spatial)])
