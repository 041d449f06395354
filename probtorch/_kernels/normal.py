"""Standard-normal draws by the ziggurat method (Marsaglia & Tsang 2000), fed with raw words from a numpy bit generator.

The half density f(x) = exp(-x^2 / 2), x >= 0, is covered by ``LAYERS`` pieces of equal area v: a base (the rectangle
[0, r] x [0, f(r)] plus the tail beyond r) and rectangles [0, x_i] x [f(x_i), f(x_{i+1})] stacked on it, with
x_1 = r > x_2 > ... > x_LAYERS = 0. The base counts as a rectangle of width x_0 = v / f(r). One trial picks a layer
i, a sign and a uniform u from one random word and sets x = u x_i. When x < x_{i+1} the point lies under the curve
(the fast path, ~99 % of trials). Otherwise the trial is finished on the slow path: in the base, a draw from the tail
x > r (Marsaglia 1964: t = -log(U1) / r accepted when -2 log(U2) > t^2, giving r + t); in any other layer, the wedge
test f(x_i) + U (f(x_{i+1}) - f(x_i)) < f(x), and only on its failure a brand-new trial.

Word layout: bits 0-7 the layer, bit 8 the sign, the bits from ``JSHIFT[bits]`` up the integer j of u = j / 2^jbits
(23 bits for float32 results, one 32-bit half-word per value; 53 bits for float64, one 64-bit word per value).

Parallel and reproducible: the fast pass runs on fixed-size blocks (`BLOCK` values) split across threads and lists,
per block, the positions whose trial fell off the fast path. A sequential pass then finishes those positions in index
order with fresh words drawn from the same bit generator, so the values depend only on the generator state, never on
the thread count. numba is imported on first use; kernels are cached on disk; no fastmath.
"""
import math

import numpy as np

from ._jit import kernel
from ._parallel import parallel_chunks, MIN_ROWS_PER_THREAD

__all__ = ["LAYERS", "BLOCK", "layer_edges", "tables", "normal_from_words", "fill_standard_normal"]

LAYERS = 256
BLOCK = 4096  # values per block of the fast pass: the unit of work split between threads
JSHIFT = {32: 9, 64: 11}  # where the uniform's integer j starts in a word
_U53 = 1.0 / 9007199254740992.0  # 2^-53

_tables = {}


def _half_density(x):
    return math.exp(-0.5 * x * x)


def _layers(r):
    """(v, x_1 .. x_{LAYERS-1}, closure) for base edge r: closure = f(x_{N-1}) + v / x_{N-1} - 1, zero at the right r.

    A positive closure (r too small, v too large) may show before the top: it is returned as soon as the stack
    passes f = 1.
    """
    v = r * _half_density(r) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2.0))
    xs = [r]
    x = r
    for _ in range(LAYERS - 2):
        y = _half_density(x) + v / x
        if y >= 1.0:
            return v, xs, y - 1.0
        x = math.sqrt(-2.0 * math.log(y))
        xs.append(x)
    return v, xs, _half_density(x) + v / x - 1.0


def _solve_r():
    lo, hi = 2.0, 5.0  # closure > 0 at 2 (layers too thick), < 0 at 5
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid == lo or mid == hi:
            break
        if _layers(mid)[2] > 0:
            lo = mid
        else:
            hi = mid
    return hi


def layer_edges():
    """(x, v, r): the layer edges x_0 .. x_LAYERS (x_0 = v / f(r) the base's pseudo-width, x_1 = r, x_LAYERS = 0),
    the common layer area v and the base edge r, computed once."""
    got = _tables.get("edges")
    if got is None:
        r = _solve_r()
        v, xs, _ = _layers(r)
        x = np.array([v / _half_density(r)] + xs + [0.0])
        got = _tables["edges"] = (x, v, r)
    return got


def tables(bits):
    """Ziggurat tables for words of ``bits`` (32 or 64) bits, computed once.

    Returns (k, w, f, r): k[i] the fast-accept bound on j (j < k[i] means x < x_{i+1}); w[i] = x_i / 2^jbits, float32
    for 32-bit words (j w is then exact in float64 and rounds once to float32) and float64 for 64-bit words;
    f[i] = f(x_i) for i = 0 .. LAYERS (f[LAYERS] = 1); r the base edge.
    """
    got = _tables.get(bits)
    if got is not None:
        return got
    x, _, r = layer_edges()
    scale = float(2 ** (bits - JSHIFT[bits]))
    k = np.floor(scale * (x[1:] / x[:-1])).astype(np.uint64)
    w = (x[:-1] / scale).astype(np.float32 if bits == 32 else np.float64)
    f = np.exp(-0.5 * x * x)
    f[LAYERS] = 1.0
    got = _tables[bits] = (k, w, f, r)
    return got


@kernel
def _fast_blocks(words, out, counts, slow, b0, b1, block, jshift, k_tab, w_tab):
    """Fast pass on blocks b0 .. b1-1: values to `out`; the slow positions of block b to slow[b*block:], in order.

    Branch-free: every position gets its fast value and goes to a cache-resident list that only advances when the
    trial fell off the fast path; that short list is then copied out, so `slow` is touched sparsely.
    """
    n = out.shape[0]
    one = np.uint64(1)
    lmask = np.uint64(0xFF)
    s8 = np.uint64(8)
    sj = np.uint64(jshift)
    tmp = np.empty(block, np.int64)
    for b in range(b0, b1):
        lo = b * block
        hi = min(lo + block, n)
        c = 0
        for p in range(lo, hi):
            wd = np.uint64(words[p])
            i = wd & lmask
            j = wd >> sj
            x = np.float64(np.int64(j)) * np.float64(w_tab[i])
            out[p] = x - 2.0 * np.float64(np.int64((wd >> s8) & one)) * x
            tmp[c] = p
            c += np.int64(j >= k_tab[i])
        slow[lo:lo + c] = tmp[:c]
        counts[b] = c


@kernel
def _compact(slow, counts, block):
    """Gather the per-block slow lists to the front of `slow`, in index order; returns their number."""
    m = 0
    for b in range(counts.shape[0]):
        lo = b * block
        for c in range(counts[b]):
            slow[m] = slow[lo + c]
            m += 1
    return m


@kernel
def _finish(out, words, pos, idx, phase, cw, buf, jshift, tmask, k_tab, w_tab, f_tab, r):
    """Finish the slow positions pos[idx:] in order, taking fresh words from `buf` in order; stop when it runs short.

    State between calls: idx (next position), phase (0: start from the position's own word, 1: go on with the trial
    word cw, 2: a new trial is due) and cw. Returns that state and how many words of `buf` were used; the caller
    hands the unused rest back at the front of the next buffer, so the fresh words form one unbroken stream.
    """
    one = np.uint64(1)
    lmask = np.uint64(0xFF)
    s8 = np.uint64(8)
    s11 = np.uint64(11)
    sj = np.uint64(jshift)
    nb = buf.shape[0]
    q = 0
    m = pos.shape[0]
    while idx < m:
        if phase == 0:
            cw = np.uint64(words[pos[idx]])
            phase = 1
        elif phase == 2:
            if q >= nb:
                break
            cw = buf[q] & tmask
            q += 1
            phase = 1
        i = cw & lmask
        j = cw >> sj
        x = np.float64(np.int64(j)) * np.float64(w_tab[i])
        if j < k_tab[i]:
            pass
        elif i == np.uint64(0):  # the tail beyond r
            if q + 2 > nb:
                break
            u1 = (np.float64(np.int64(buf[q] >> s11)) + 1.0) * _U53
            u2 = (np.float64(np.int64(buf[q + 1] >> s11)) + 1.0) * _U53
            q += 2
            t = -math.log(u1) / r
            if -2.0 * math.log(u2) <= t * t:
                continue
            x = r + t
        else:  # the wedge of layer i
            if q >= nb:
                break
            u = np.float64(np.int64(buf[q] >> s11)) * _U53
            q += 1
            if f_tab[i] + u * (f_tab[i + one] - f_tab[i]) >= math.exp(-0.5 * x * x):
                phase = 2
                continue
        out[pos[idx]] = x - 2.0 * np.float64(np.int64((cw >> s8) & one)) * x
        idx += 1
        phase = 0
    return idx, phase, cw, q


def normal_from_words(words, np_dtype, fresh):
    """Standard-normal values from one trial word per value, finishing slow trials with words from ``fresh``.

    words: uint32 (float32 results) or uint64 (float64 results) array; fresh(count): a uint64 array of `count` new
    words, called in order (its words are used as one stream). Returns an array of ``np_dtype``, words' length.
    """
    bits = 32 if words.dtype == np.uint32 else 64
    words = np.ascontiguousarray(words, np.uint32 if bits == 32 else np.uint64)
    k_tab, w_tab, f_tab, r = tables(bits)
    jshift = JSHIFT[bits]
    n = words.shape[0]
    out = np.empty(n, np_dtype)
    if n == 0:
        return out
    nblocks = -(-n // BLOCK)
    counts = np.empty(nblocks, np.int64)
    slow = np.empty(n, np.int64)
    parallel_chunks(lambda ids: _fast_blocks(words, out, counts, slow, int(ids[0]), int(ids[-1]) + 1, BLOCK,
                                             jshift, k_tab, w_tab),
                    np.arange(nblocks), min_rows=max(1, MIN_ROWS_PER_THREAD // BLOCK))
    m = _compact(slow, counts, BLOCK)
    if m == 0:
        return out
    pos = slow[:m]
    tmask = np.uint64(0xFFFFFFFF if bits == 32 else 0xFFFFFFFFFFFFFFFF)
    idx, phase, cw = 0, 0, np.uint64(0)
    buf = fresh(2 * m + 64)  # ~1.2 words per slow position on average: a refill is rare
    while True:
        idx, phase, cw, q = _finish(out, words, pos, idx, phase, cw, buf, jshift, tmask, k_tab, w_tab, f_tab, r)
        if idx >= m:
            return out
        cw = np.uint64(cw)  # numba hands uint64 back as a Python int
        buf = np.concatenate([buf[q:], fresh(2 * (m - idx) + 64)])


def fill_standard_normal(bitgen, n, np_dtype):
    """n standard-normal values of float32 or float64 ``np_dtype`` from the numpy bit generator ``bitgen``.

    Words used, in order: one 64-bit word per float64 value or per two float32 values (low half first), then the
    fresh words of the slow path.
    """
    if np.dtype(np_dtype) == np.float32:
        words = bitgen.random_raw((n + 1) // 2).view(np.uint32)[:n]
    else:
        words = bitgen.random_raw(n)
    return normal_from_words(words, np_dtype, bitgen.random_raw)
