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
per block, the positions whose trial fell off the fast path (~1.5 %). A sequential pass then finishes those positions
in index order with fresh words drawn from the same bit generator, so the values depend only on the generator state,
never on the thread count. numba is imported on first use; kernels are cached on disk; no fastmath.

Words: for numpy's PCG64 (the generator behind probtorch.Generator) each thread runs the PCG64 recurrence itself from
its first block's position in the stream (the 128-bit LCG jumped ahead; the state, read and moved on once under the
generator's lock, is numpy's public ``state``), so drawing the words is spread over the threads too and no word array
is stored. The words are exactly those of ``random_raw``; any other bit generator goes through ``random_raw``.
"""
import math
import threading

import numpy as np

from ._jit import kernel
from ._parallel import parallel_chunks, MIN_ROWS_PER_THREAD

__all__ = ["LAYERS", "BLOCK", "layer_edges", "tables", "normal_from_words", "fill_standard_normal"]

LAYERS = 256
BLOCK = 4096  # values per block of the fast pass: the unit of work split between threads
JSHIFT = {32: 9, 64: 11}  # where the uniform's integer j starts in a word
_U53 = 1.0 / 9007199254740992.0  # 2^-53

_tables = {}
_registered = []
_register_lock = threading.Lock()

# PCG64 (O'Neill 2014, the XSL-RR 128/64 variant numpy uses): state <- state * MULT + inc (mod 2^128), output
# rotr64(hi ^ lo, hi >> 58) of the new state
_MULT = (2549297995355413924 << 64) | 4865540595714422341
_M_HI = np.uint64(_MULT >> 64)
_M_LO = np.uint64(_MULT & 0xFFFFFFFFFFFFFFFF)
_MASK128 = (1 << 128) - 1
_LMASK = np.uint64(0xFF)
_LMASK9 = np.uint64(0x1FF)
_S32 = np.uint64(32)
_M32 = np.uint64(0xFFFFFFFF)


def _mulhi(a, b):
    """High 64 bits of the 128-bit product of two uint64 (compiled: one LLVM i128 multiply, see `_register`)."""
    return np.uint64((int(a) * int(b)) >> 64)


def _pcg_next(s_hi, s_lo, i_hi, i_lo):
    """One PCG64 step from state (s_hi, s_lo) with increment (i_hi, i_lo): (new s_hi, new s_lo, output word)."""
    lo = s_lo * _M_LO + i_lo
    hi = _mulhi(s_lo, _M_LO) + s_hi * _M_LO + s_lo * _M_HI + i_hi + np.uint64(lo < i_lo)
    v = hi ^ lo
    rot = hi >> np.uint64(58)
    return hi, lo, (v >> rot) | (v << ((np.uint64(64) - rot) & np.uint64(63)))


def _decode(wd, sj, k_tab, w_tab):
    """A trial word's fast value and 1 when the trial falls off the fast path (0 otherwise).

    w_tab holds the signed widths (+w_i at i, -w_i at LAYERS + i), so the word's low 9 bits pick width and sign at once.
    """
    j = wd >> sj
    return np.float64(np.int64(j)) * np.float64(w_tab[wd & _LMASK9]), np.int64(j >= k_tab[wd & _LMASK])


def _run_words(words, out, tmp, sj, k_tab, w_tab):
    """Fast values for a run of words; the run's slow positions (from 0) to tmp[:c]; returns c.

    Branch-free: every position goes to `tmp`, whose end only advances for a slow trial. Runs are indexed from 0 so
    that numba drops its negative-index checks (a third of the time of this loop otherwise).
    """
    c = 0
    for p in range(out.shape[0]):
        out[p], off = _decode(np.uint64(words[p]), sj, k_tab, w_tab)
        tmp[c] = p
        c += off
    return c


def _run_pcg(st, out, tmp, tmp_w, bits, sj, k_tab, w_tab):
    """`_run_words` drawing its own words from the PCG64 state st = [s_hi, s_lo, inc_hi, inc_lo] (advanced in place);
    also lists the slow trials' words. 32-bit trials: the low then the high half of each word."""
    s_hi, s_lo, i_hi, i_lo = st[0], st[1], st[2], st[3]
    n = out.shape[0]
    c = 0
    if bits == 32:
        for h in range(n // 2):
            q = 2 * h
            s_hi, s_lo, wd = _pcg_next(s_hi, s_lo, i_hi, i_lo)
            lo_half = wd & _M32
            out[q], off = _decode(lo_half, sj, k_tab, w_tab)
            tmp[c] = q
            tmp_w[c] = lo_half
            c += off
            hi_half = wd >> _S32
            out[q + 1], off = _decode(hi_half, sj, k_tab, w_tab)
            tmp[c] = q + 1
            tmp_w[c] = hi_half
            c += off
        if n % 2:
            s_hi, s_lo, wd = _pcg_next(s_hi, s_lo, i_hi, i_lo)
            out[n - 1], off = _decode(wd & _M32, sj, k_tab, w_tab)
            tmp[c] = n - 1
            tmp_w[c] = wd & _M32
            c += off
    else:
        for p in range(n):
            s_hi, s_lo, wd = _pcg_next(s_hi, s_lo, i_hi, i_lo)
            out[p], off = _decode(wd, sj, k_tab, w_tab)
            tmp[c] = p
            tmp_w[c] = wd
            c += off
    st[0] = s_hi
    st[1] = s_lo
    return c


def _register():
    """Make the helpers above callable from the kernels (idempotent; imports numba)."""
    with _register_lock:  # two threads' first draws must not register the helpers twice
        if not _registered:
            _register_once()


def _register_once():
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic, overload, register_jitable

    @intrinsic
    def _mulhi_ll(typingctx, a, b):
        def codegen(context, builder, signature, args):
            i128 = ir.IntType(128)
            prod = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
            return builder.trunc(builder.lshr(prod, ir.Constant(i128, 64)), ir.IntType(64))
        return types.uint64(types.uint64, types.uint64), codegen

    @overload(_mulhi, inline="always")
    def _mulhi_ol(a, b):
        return lambda a, b: _mulhi_ll(a, b)

    for fn in (_pcg_next, _decode, _run_words, _run_pcg):
        register_jitable(inline="always" if fn in (_pcg_next, _decode) else "never")(fn)
    _registered.append(True)


def _pcg_jump(state, inc, steps):
    """The PCG64 state `steps` steps after `state` (the affine map s -> MULT s + inc composed by squaring)."""
    mult, add = _MULT, inc
    acc_mult, acc_add = 1, 0
    while steps:
        if steps & 1:
            acc_mult = acc_mult * mult & _MASK128
            acc_add = (acc_add * mult + add) & _MASK128
        add = (mult + 1) * add & _MASK128
        mult = mult * mult & _MASK128
        steps >>= 1
    return (acc_mult * state + acc_add) & _MASK128


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

    Returns (k, w, f, r): k[i] the fast-accept bound on j (j < k[i] means x < x_{i+1}); w[i] = x_i / 2^jbits and
    w[LAYERS + i] = -w[i], float32 for 32-bit words (j w is then exact in float64 and rounds once to float32) and
    float64 for 64-bit words; f[i] = f(x_i) for i = 0 .. LAYERS (f[LAYERS] = 1); r the base edge.
    """
    got = _tables.get(bits)
    if got is not None:
        return got
    x, _, r = layer_edges()
    scale = float(2 ** (bits - JSHIFT[bits]))
    k = np.floor(scale * (x[1:] / x[:-1])).astype(np.uint64)
    w = (x[:-1] / scale).astype(np.float32 if bits == 32 else np.float64)
    w = np.concatenate([w, -w])
    f = np.exp(-0.5 * x * x)
    f[LAYERS] = 1.0
    got = _tables[bits] = (k, w, f, r)
    return got


@kernel
def _fast_blocks(words, out, starts, counts, slow, b0, b1, block, jshift, k_tab, w_tab):
    """Fast pass on blocks b0 .. b1-1: values to `out`; block b's slow positions, in order, to
    slow[starts[b]:starts[b] + counts[b]], the blocks' lists packed one after another from slow[b0 * block] (so that
    few pages of `slow` are touched)."""
    n = out.shape[0]
    sj = np.uint64(jshift)
    tmp = np.empty(block, np.int64)
    at = b0 * block
    for b in range(b0, b1):
        lo = b * block
        hi = min(lo + block, n)
        c = _run_words(words[lo:hi], out[lo:hi], tmp, sj, k_tab, w_tab)
        for q in range(c):
            slow[at + q] = lo + tmp[q]
        starts[b] = at
        counts[b] = c
        at += c


@kernel
def _pcg_fast_blocks(state, out, starts, counts, slow, slow_words, b0, b1, block, bits, k_tab, w_tab):
    """`_fast_blocks` drawing its own words: the PCG64 stream from ``state`` = [s_hi, s_lo, inc_hi, inc_lo], placed
    at block b0's first word; also lists the slow trials' words."""
    n = out.shape[0]
    sj = np.uint64(9 if bits == 32 else 11)
    tmp = np.empty(block, np.int64)
    tmp_w = np.empty(block, np.uint64)
    at = b0 * block
    for b in range(b0, b1):
        lo = b * block
        hi = min(lo + block, n)
        c = _run_pcg(state, out[lo:hi], tmp, tmp_w, bits, sj, k_tab, w_tab)
        for q in range(c):
            slow[at + q] = lo + tmp[q]
            slow_words[at + q] = tmp_w[q]
        starts[b] = at
        counts[b] = c
        at += c


@kernel
def _compact(slow, starts, counts):
    """Gather the blocks' slow lists to the front of `slow`, in block order; returns their total length."""
    m = 0
    for b in range(counts.shape[0]):
        at = starts[b]
        for c in range(counts[b]):
            slow[m] = slow[at + c]
            m += 1
    return m


@kernel
def _finish(out, pos, orig, idx, phase, cw, buf, jshift, tmask, k_tab, w_tab, f_tab, r):
    """Finish the slow positions pos[idx:] (first trial words orig[idx:]) in order, taking fresh words from `buf` in
    order; stop when it runs short.

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
            cw = orig[idx]
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
        out[pos[idx]] = -x if (cw >> s8) & one else x
        idx += 1
        phase = 0
    return idx, phase, cw, q


def _finish_all(out, pos, orig, bits, fresh):
    k_tab, w_tab, f_tab, r = tables(bits)
    m = len(pos)
    if m == 0:
        return out
    tmask = np.uint64(0xFFFFFFFF if bits == 32 else 0xFFFFFFFFFFFFFFFF)
    idx, phase, cw = 0, 0, np.uint64(0)
    buf = fresh(2 * m + 64)  # ~1.2 words per slow position on average: a refill is rare
    while True:
        idx, phase, cw, q = _finish(out, pos, orig, idx, phase, cw, buf, JSHIFT[bits], tmask, k_tab, w_tab, f_tab, r)
        if idx >= m:
            return out
        cw = np.uint64(cw)  # numba hands uint64 back as a Python int
        buf = np.concatenate([buf[q:], fresh(2 * (m - idx) + 64)])


def _blocks(n, run):
    """Run ``run(b0, b1)`` on the BLOCK-sized blocks of n values, split across threads."""
    nblocks = -(-n // BLOCK)
    parallel_chunks(lambda ids: run(int(ids[0]), int(ids[-1]) + 1), np.arange(nblocks),
                    min_rows=max(1, MIN_ROWS_PER_THREAD // BLOCK))
    return nblocks


def normal_from_words(words, np_dtype, fresh):
    """Standard-normal values from one trial word per value, finishing slow trials with words from ``fresh``.

    words: uint32 (float32 results) or uint64 (float64 results) array; fresh(count): a uint64 array of `count` new
    words, called in order (its words are used as one stream). Returns an array of ``np_dtype``, words' length.
    """
    _register()
    bits = 32 if words.dtype == np.uint32 else 64
    words = np.ascontiguousarray(words, np.uint32 if bits == 32 else np.uint64)
    k_tab, w_tab, _, _ = tables(bits)
    n = words.shape[0]
    out = np.empty(n, np_dtype)
    if n == 0:
        return out
    starts = np.empty(-(-n // BLOCK), np.int64)
    counts = np.empty_like(starts)
    slow = np.empty(n, np.int64)
    _blocks(n, lambda b0, b1: _fast_blocks(words, out, starts, counts, slow, b0, b1, BLOCK, JSHIFT[bits], k_tab,
                                           w_tab))
    pos = slow[:_compact(slow, starts, counts)]
    return _finish_all(out, pos, words[pos].astype(np.uint64), bits, fresh)


def _fill_pcg64(bitgen, n, np_dtype):
    _register()
    bits = 32 if np.dtype(np_dtype) == np.float32 else 64
    k_tab, w_tab, _, _ = tables(bits)
    per_word = 2 if bits == 32 else 1
    with bitgen.lock:  # take this call's words off the stream at once
        state = bitgen.state
        s, inc = state["state"]["state"], state["state"]["inc"]
        state["state"] = {"state": _pcg_jump(s, inc, -(-n // per_word)), "inc": inc}
        bitgen.state = state
    out = np.empty(n, np_dtype)
    starts = np.empty(-(-n // BLOCK), np.int64)
    counts = np.empty_like(starts)
    slow = np.empty(n, np.int64)
    slow_words = np.empty(n, np.uint64)
    inc_hi, inc_lo = inc >> 64, inc & 0xFFFFFFFFFFFFFFFF

    def run(b0, b1):
        at = _pcg_jump(s, inc, b0 * BLOCK // per_word)
        st = np.array([at >> 64, at & 0xFFFFFFFFFFFFFFFF, inc_hi, inc_lo], np.uint64)
        _pcg_fast_blocks(st, out, starts, counts, slow, slow_words, b0, b1, BLOCK, bits, k_tab, w_tab)
    _blocks(n, run)
    m = _compact(slow, starts, counts)
    _compact(slow_words, starts, counts)
    return _finish_all(out, slow[:m], slow_words[:m], bits, bitgen.random_raw)


def fill_standard_normal(bitgen, n, np_dtype):
    """n standard-normal values of float32 or float64 ``np_dtype`` from the numpy bit generator ``bitgen``.

    Words used, in order: one 64-bit word per float64 value or per two float32 values (low half first), then the
    fresh words of the slow path.
    """
    if type(bitgen) is np.random.PCG64 and n > 0:
        return _fill_pcg64(bitgen, n, np_dtype)
    if np.dtype(np_dtype) == np.float32:
        words = bitgen.random_raw((n + 1) // 2).view(np.uint32)[:n]
    else:
        words = bitgen.random_raw(n)
    return normal_from_words(words, np_dtype, bitgen.random_raw)
