"""col2im for convolutions (the scatter-add of overlapping windows), in a canonical 3-D form (1-D and 2-D
problems add unit dims). im2col needs no kernel: numpy copies a strided window view as fast as a compiled loop.

Layouts (the columns channel-major, so threads can split the channel axis without write conflicts):
    x     [N, C, S1, S2, S3]                      the unpadded result
    cols  [C, K1, K2, K3, N, L1, L2, L3]          column (c, k, n, l) adds into x[n, c, l * stride + k * dilation - pad]
Positions that fall in the padding are dropped, so no padded buffer is made.
"""
import numpy as np

from ._jit import kernel, available
from ._parallel import parallel_chunks

__all__ = ["col2im"]

_ELEMENTS_PER_THREAD = 1 << 16


def _ranges(pad, k_size, d, s, size, n_out):
    """Per kernel offset k: the output positions l in [lo, hi) with 0 <= l * s + k * d - pad < size, and the
    offset k * d - pad (int64 arrays of length k_size)."""
    off = np.arange(k_size, dtype=np.int64) * d - pad
    lo = np.where(off < 0, (-off + s - 1) // s, 0)
    hi = np.where(size - 1 - off >= 0, (size - 1 - off) // s + 1, 0)
    hi = np.minimum(hi, n_out)
    lo = np.minimum(lo, hi)
    return lo, hi, off


@kernel
def _col2im3(cols, x, c0, s1, s2, s3, a1, b1, o1, a2, b2, o2, a3, b3, o3):
    C, N = cols.shape[0], x.shape[0]
    K1, K2, K3 = cols.shape[1], cols.shape[2], cols.shape[3]
    for c in range(C):
        for k1 in range(K1):
            for k2 in range(K2):
                for k3 in range(K3):
                    lo3, hi3, off3 = a3[k3], b3[k3], o3[k3]
                    for n in range(N):
                        for l1 in range(a1[k1], b1[k1]):
                            i1 = l1 * s1 + o1[k1]
                            for l2 in range(a2[k2], b2[k2]):
                                i2 = l2 * s2 + o2[k2]
                                for l3 in range(lo3, hi3):
                                    x[n, c0 + c, i1, i2, l3 * s3 + off3] += cols[c, k1, k2, k3, n, l1, l2, l3]
    return 0


def _rows(total, c):
    return max(1, -(-_ELEMENTS_PER_THREAD * c // max(total, 1)))


def _as3(shape, fill):
    return tuple(fill for _ in range(3 - len(shape))) + tuple(shape)


def _prepare(x, kernel_size, out_size, stride, padding, dilation):
    n, c = x.shape[:2]
    x3 = x.reshape((n, c) + _as3(x.shape[2:], 1))
    k3, l3 = _as3(kernel_size, 1), _as3(out_size, 1)
    s3, d3, p3 = _as3(stride, 1), _as3(dilation, 1), _as3(padding, 0)
    ranges = []
    for i in range(3):
        ranges.extend(_ranges(p3[i], k3[i], d3[i], s3[i], x3.shape[2 + i], l3[i]))
    return x3, (c,) + k3 + (n,) + l3, s3, ranges


def _first(idx):
    return int(idx[0]) if len(idx) else 0


def col2im(cols, x, stride, padding, dilation):
    """Add ``cols`` [C, *kernel, N, *out] into x [N, C, *S] (give zeros for a plain col2im); positions in the padding
    are dropped. Returns False, writing nothing, when numba is unavailable."""
    if not available() or x.dtype.kind == "b":  # bool sums (logical or) stay with numpy
        return False
    nd = x.ndim - 2
    cols = np.ascontiguousarray(cols)  # one compiled specialization per dtype
    x3, shape3, s, r = _prepare(x, cols.shape[1:1 + nd], cols.shape[2 + nd:], stride, padding, dilation)
    c = x.shape[1]
    parallel_chunks(lambda idx, part: _col2im3(part, x3, _first(idx), *s, *r), np.arange(c), cols.reshape(shape3),
                    min_rows=_rows(cols.size, c))
    return True
