"""The ziggurat standard-normal kernel: a plain-Python twin word for word, the law of its output (overall, per layer,
on the slow paths alone), reproducibility (seeds, generators, thread counts) and the routes that use it."""
import math

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import probtorch
from probtorch._kernels import normal as nk

pytestmark = pytest.mark.skipif(not probtorch._kernels._jit.available(), reason="numba unavailable")


# ---------------------------------------------------------------------------------------------------------- the twin
def twin(words, np_dtype, fresh_words):
    """The word -> value map in plain Python/numpy: one trial per word; slow trials (tail, wedge, then whole new
    trials) finished in index order with the words of `fresh_words` taken one after another."""
    bits = 32 if words.dtype == np.uint32 else 64
    k, w, f, r = nk.tables(bits)
    js = nk.JSHIFT[bits]
    wd = words.astype(np.uint64)
    layer = (wd & np.uint64(0xFF)).astype(np.intp)
    j = wd >> np.uint64(js)
    signed_layer = (wd & np.uint64(0x1FF)).astype(np.intp)  # w holds +w_i at i and -w_i at 256 + i
    out = (j.astype(np.float64) * w[signed_layer].astype(np.float64)).astype(np_dtype)
    stream = iter(int(v) for v in fresh_words)
    trial_mask = 0xFFFFFFFF if bits == 32 else 0xFFFFFFFFFFFFFFFF
    for p in np.flatnonzero(j >= k[layer]):
        cw = int(wd[p])
        while True:
            i, jj = cw & 0xFF, cw >> js
            x = float(jj) * float(w[i])
            if jj < int(k[i]):
                break
            if i == 0:
                u1 = ((next(stream) >> 11) + 1) * 2.0 ** -53
                u2 = ((next(stream) >> 11) + 1) * 2.0 ** -53
                t = -math.log(u1) / r
                if -2.0 * math.log(u2) > t * t:
                    x = r + t
                    break
                continue
            u = (next(stream) >> 11) * 2.0 ** -53
            if f[i] + u * (f[i + 1] - f[i]) < math.exp(-0.5 * x * x):
                break
            cw = next(stream) & trial_mask
        out[p] = -x if (cw >> 8) & 1 else x
    return out


def _crafted(bits, per_kind, seed):
    """Random words plus words forced onto the slow path: tails, wedges of every layer (top one included), extremes."""
    rng = np.random.default_rng(seed)
    k, _, _, _ = nk.tables(bits)
    jbits = bits - nk.JSHIFT[bits]
    top = 2 ** jbits
    layers = np.concatenate([np.zeros(per_kind, np.int64), rng.integers(1, nk.LAYERS, per_kind),
                             np.full(per_kind, nk.LAYERS - 1)])
    j = np.array([rng.integers(int(k[i]), top) for i in layers], dtype=np.uint64)
    j[:4] = [top - 1, int(k[0]), top - 1, int(k[0])]  # extremes of the slow range
    sign = rng.integers(0, 2, len(layers)).astype(np.uint64)
    forced = (j << np.uint64(nk.JSHIFT[bits])) | (sign << np.uint64(8)) | layers.astype(np.uint64)
    plain = np.random.PCG64(seed).random_raw(per_kind)
    words = np.concatenate([plain, forced])
    rng.shuffle(words)
    if bits == 32:
        words = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        words[:3] = [0, 0xFFFFFFFF, 0xFF]  # j = 0 in layer 0, the top word, j = 0 in the top layer
    return words


def _fresh_from(seed, chunk=None):
    bg = np.random.PCG64(seed)
    if chunk is None:
        return bg.random_raw
    return lambda count: bg.random_raw(chunk)  # a stingy source: forces the kernel to stop and resume often


@pytest.mark.parametrize("bits,np_dtype", [(32, np.float32), (64, np.float64)])
def test_kernel_matches_twin_on_slow_words(bits, np_dtype):
    words = _crafted(bits, 1500, seed=11)
    got = nk.normal_from_words(words, np_dtype, _fresh_from(5))
    ref = twin(words, np_dtype, np.random.PCG64(5).random_raw(40 * len(words)))
    assert got.dtype == np_dtype
    np.testing.assert_array_max_ulp(got, ref, maxulp=1)
    assert np.mean(got == ref) > 0.999


@pytest.mark.parametrize("chunk", [1, 2, 3, 17])
def test_resuming_keeps_one_fresh_stream(chunk):
    words = _crafted(64, 400, seed=3)
    whole = nk.normal_from_words(words, np.float64, _fresh_from(8))
    pieces = nk.normal_from_words(words, np.float64, _fresh_from(8, chunk))
    np.testing.assert_array_equal(whole, pieces)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_fill_uses_the_generators_words_in_order(np_dtype):
    n = 3 * nk.BLOCK + 77  # odd, several blocks, a partial last block
    got = nk.fill_standard_normal(np.random.PCG64(21), n, np_dtype)
    bg = np.random.PCG64(21)
    if np_dtype == np.float32:
        words = bg.random_raw((n + 1) // 2).view(np.uint32)[:n]
    else:
        words = bg.random_raw(n)
    ref = twin(words, np_dtype, bg.random_raw(20 * n))
    np.testing.assert_array_max_ulp(got, ref, maxulp=1)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 4097, 2 * 32768 + 4096 * 3 + 5])
def test_pcg64_path_equals_the_random_raw_path(np_dtype, n):
    """For PCG64 the threads run the recurrence themselves: same values, and the generator ends where it would have
    after drawing the same words with random_raw (its uint32 buffer untouched)."""
    a = np.random.PCG64(33)
    a.random_raw(5)
    b = np.random.Generator(np.random.PCG64(33))
    b.bit_generator.random_raw(5)
    b.integers(0, 10, dtype=np.uint32)  # leaves a buffered half word in the state
    a.state = b.bit_generator.state
    got = nk.fill_standard_normal(a, n, np_dtype)
    raw = a.random_raw(3)
    class NotPCG:  # the same stream seen through random_raw only
        def __init__(self, bg):
            self.random_raw = bg.random_raw
    ref = nk.fill_standard_normal(NotPCG(b.bit_generator), n, np_dtype)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(raw, b.bit_generator.random_raw(3))
    assert a.state == b.bit_generator.state


@pytest.mark.parametrize("steps", [0, 1, 2, 1000, 2 ** 40 + 12345])
def test_pcg_jump_matches_numpys_advance(steps):
    bg = np.random.PCG64(77)
    s = bg.state["state"]
    assert nk._pcg_jump(s["state"], s["inc"], steps) == bg.advance(steps).state["state"]["state"]


def test_empty_and_tiny():
    assert nk.normal_from_words(np.zeros(0, np.uint64), np.float64, _fresh_from(0)).shape == (0,)
    words = np.array([0xFF], np.uint64)  # top layer, j = 0: always the slow path
    np.testing.assert_array_equal(nk.normal_from_words(words, np.float64, _fresh_from(1)),
                                  twin(words, np.float64, np.random.PCG64(1).random_raw(100)))


# ------------------------------------------------------------------------------------------------------- the tables
def test_layers_have_equal_area_and_close_at_the_top():
    x, v, r = nk.layer_edges()
    f = np.exp(-0.5 * x * x)
    assert x[1] == r and x[-1] == 0.0 and np.all(np.diff(x) < 0)
    base = r * f[1] + math.sqrt(math.pi / 2) * sc.erfc(r / math.sqrt(2))
    np.testing.assert_allclose(x[0] * f[1], base, rtol=1e-14)  # the base as a rectangle of width x_0
    np.testing.assert_allclose(base, v, rtol=1e-14)
    np.testing.assert_allclose(x[1:-1] * (f[2:] - f[1:-1]), v, rtol=1e-11)  # every layer, the top one included
    for bits in (32, 64):
        k, w, _, _ = nk.tables(bits)
        scale = 2.0 ** (bits - nk.JSHIFT[bits])
        np.testing.assert_allclose(k / scale, x[1:] / x[:-1], atol=2 / scale)
        np.testing.assert_allclose(w[:nk.LAYERS].astype(np.float64) * scale, x[:-1], rtol=1e-7 if bits == 32 else 1e-15)
        np.testing.assert_array_equal(w[nk.LAYERS:], -w[:nk.LAYERS])


# -------------------------------------------------------------------------------------------------------- the law
def _check_normal_law(z):
    n = len(z)
    assert np.all(np.isfinite(z))
    assert st.kstest(z, st.norm.cdf).pvalue > 1e-3
    m = z.mean()
    c = z - m
    var = np.mean(c ** 2)
    skew = np.mean(c ** 3) / var ** 1.5
    kurt = np.mean(c ** 4) / var ** 2 - 3
    for stat, se in ((m, 1 / math.sqrt(n)), (var - 1, math.sqrt(2 / n)), (skew, math.sqrt(6 / n)),
                     (kurt, math.sqrt(24 / n))):
        assert abs(stat) < 5 * se
    a = np.abs(z)
    _, _, r = nk.layer_edges()
    for t in (1.0, 3.0, 4.0, r):
        p = 2 * st.norm.sf(t)
        assert abs(np.mean(a > t) - p) < 5 * math.sqrt(p * (1 - p) / n) + 1 / n
    # every layer and the tail: |z| counted between consecutive layer edges against the exact half-normal mass
    x, _, _ = nk.layer_edges()
    edges = np.concatenate([x[::-1][:-1], [np.inf]])  # 0 = x_LAYERS < ... < x_1 = r < inf
    counts = np.histogram(a, edges)[0]
    expected = n * np.diff(2 * st.norm.cdf(edges) - 1)
    assert counts[-1] > 150  # the tail beyond r is well represented (~260 expected)
    assert st.chisquare(counts, expected * counts.sum() / expected.sum()).pvalue > 1e-3
    # the sign is a fair coin independent of the size
    assert abs(np.mean(z > 0) - 0.5) < 5 * 0.5 / math.sqrt(n)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_randn_law(dtype):
    probtorch.manual_seed(2024)
    z = probtorch.randn(10 ** 6, dtype=getattr(probtorch, dtype))._data
    assert z.dtype == np.dtype(dtype)
    _check_normal_law(z.astype(np.float64))


def _forced_layer_words(bits, layer, count, seed):
    rng = np.random.default_rng(seed)
    k, _, _, _ = nk.tables(bits)
    j = rng.integers(int(k[layer]), 2 ** (bits - nk.JSHIFT[bits]), count).astype(np.uint64)
    sign = rng.integers(0, 2, count).astype(np.uint64)
    words = (j << np.uint64(nk.JSHIFT[bits])) | (sign << np.uint64(8)) | np.uint64(layer)
    return words.astype(np.uint32) if bits == 32 else words


@pytest.mark.parametrize("bits", [32, 64])
def test_tail_path_draws_the_normal_tail(bits):
    words = _forced_layer_words(bits, 0, 20000, seed=1)
    z = nk.normal_from_words(words, np.float32 if bits == 32 else np.float64, _fresh_from(2)).astype(np.float64)
    _, _, r = nk.layer_edges()
    a = np.abs(z)
    assert np.all(a >= np.float32(r) if bits == 32 else a >= r)
    assert st.kstest(a, st.truncnorm(r, np.inf).cdf).pvalue > 1e-3
    assert abs(np.mean(z > 0) - 0.5) < 5 * 0.5 / math.sqrt(len(z))


@pytest.mark.parametrize("layer", [1, 2, 100, 254, 255])
def test_wedge_path_law(layer):
    """From a trial in the wedge strip of a layer: with probability a (the wedge's share of its strip) a point under
    the curve in the strip, density proportional to f(x) - f(x_i); otherwise a whole new trial, i.e. |N(0, 1)|."""
    x, _, _ = nk.layer_edges()
    lo, hi = x[layer + 1], x[layer]
    f_lo = math.exp(-0.5 * hi * hi)  # f at the strip's outer edge, the bottom of the layer
    f_hi = math.exp(-0.5 * lo * lo)

    def under(t):  # integral over [lo, t] of f(s) - f_lo
        return math.sqrt(math.pi / 2) * (sc.erf(t / math.sqrt(2)) - sc.erf(lo / math.sqrt(2))) - f_lo * (t - lo)
    a = under(hi) / ((hi - lo) * (f_hi - f_lo))

    def cdf(t):
        t = np.asarray(t, np.float64)
        wedge = np.clip(under(np.clip(t, lo, hi)) / under(hi), 0, 1)
        return a * wedge + (1 - a) * (2 * st.norm.cdf(t) - 1)
    words = _forced_layer_words(64, layer, 20000, seed=layer)
    z = nk.normal_from_words(words, np.float64, _fresh_from(layer + 100))
    assert st.kstest(np.abs(z), cdf).pvalue > 1e-3


# ------------------------------------------------------------------------------------------------ reproducibility
N_BIG = 5 * nk.BLOCK * 16  # several blocks per thread, so that two threads really split the work


def test_same_seed_same_values_and_thread_count_does_not_matter():
    threads = probtorch.get_num_threads()
    try:
        got = {}
        for t in (1, 2, 3):
            probtorch.set_num_threads(t)
            for dt in (probtorch.float32, probtorch.float64):
                probtorch.manual_seed(7)
                got[t, dt] = probtorch.randn(N_BIG, dtype=dt)._data
    finally:
        probtorch.set_num_threads(threads)
    for dt in (probtorch.float32, probtorch.float64):
        np.testing.assert_array_equal(got[1, dt], got[2, dt])
        np.testing.assert_array_equal(got[1, dt], got[3, dt])
    probtorch.manual_seed(8)
    assert not np.array_equal(probtorch.randn(N_BIG)._data, got[1, probtorch.float32])


def test_concurrent_callers_get_their_own_streams():
    from concurrent.futures import ThreadPoolExecutor
    seeds = [1, 2, 3, 4]
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda s: probtorch.randn(N_BIG, generator=probtorch.Generator().manual_seed(s)), seeds))
    for s, g in zip(seeds, got):
        np.testing.assert_array_equal(g._data, probtorch.randn(N_BIG, generator=probtorch.Generator().manual_seed(s))._data)


def test_generator_argument_and_state_round_trip():
    g = probtorch.Generator().manual_seed(5)
    probtorch.manual_seed(0)
    before = probtorch.get_rng_state()
    a = probtorch.randn(50000, generator=g)
    assert np.array_equal(probtorch.get_rng_state()._data, before._data)  # the default stream was not touched
    b = probtorch.randn(50000, generator=probtorch.Generator().manual_seed(5))
    np.testing.assert_array_equal(a._data, b._data)
    state = g.get_state()
    c = probtorch.randn(50000, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(probtorch.randn(50000, generator=g)._data, c._data)
    assert not np.array_equal(a._data, c._data)
    with probtorch.random.fork_rng():
        probtorch.randn(50000)
    np.testing.assert_array_equal(probtorch.get_rng_state()._data, before._data)


def test_dtypes_and_half_via_float32():
    for dt in (probtorch.float16, probtorch.float32, probtorch.float64):
        assert probtorch.randn(3, 5000, dtype=dt).dtype is dt
        assert probtorch.randn(3, dtype=dt).dtype is dt
    probtorch.manual_seed(4)
    h = probtorch.randn(20000, dtype=probtorch.float16)._data
    probtorch.manual_seed(4)
    f = probtorch.randn(20000, dtype=probtorch.float32)._data
    np.testing.assert_array_equal(h, f.astype(np.float16))
    bf16 = getattr(probtorch, "bfloat16", None)
    if bf16 is not None:
        assert probtorch.randn(5000, dtype=bf16).dtype is bf16


def test_small_draws_and_no_numba_use_numpys_sampler(monkeypatch):
    probtorch.manual_seed(3)
    small = probtorch.randn(100, dtype=probtorch.float64)._data
    np.testing.assert_array_equal(small, np.random.Generator(np.random.PCG64(3)).standard_normal(100))
    monkeypatch.setenv("PROBTORCH_DISABLE_NUMBA", "1")
    probtorch.manual_seed(3)
    big = probtorch.randn(20000)._data
    np.testing.assert_array_equal(big, np.random.Generator(np.random.PCG64(3)).standard_normal(20000, np.float32))


# --------------------------------------------------------------------------------------------------------- routes
def _kernel_draw(shape, np_dtype, seed):
    return nk.fill_standard_normal(np.random.PCG64(seed), int(np.prod(shape)), np_dtype).reshape(shape)


def test_every_normal_route_takes_the_kernel():
    from probtorch.distributions.utils import _standard_normal
    shape = (40, 300)
    z32, z64 = _kernel_draw(shape, np.float32, 9), _kernel_draw(shape, np.float64, 9)

    def seeded(fn):
        probtorch.manual_seed(9)
        return fn()
    np.testing.assert_array_equal(seeded(lambda: probtorch.randn(*shape))._data, z32)
    np.testing.assert_array_equal(seeded(lambda: probtorch.randn_like(probtorch.zeros(shape)))._data, z32)
    np.testing.assert_array_equal(seeded(lambda: _standard_normal(shape, probtorch.float64))._data, z64)
    np.testing.assert_array_equal(seeded(lambda: probtorch.empty(shape).normal_(1.0, 2.0))._data,
                                  np.float32(1.0) + np.float32(2.0) * z32)
    np.testing.assert_array_equal(seeded(lambda: probtorch.nn.init.normal_(probtorch.empty(shape), 0.0, 3.0))._data,
                                  np.float32(3.0) * z32)
    got = seeded(lambda: probtorch.normal(probtorch.zeros(shape, dtype=probtorch.float64), 2.0))
    np.testing.assert_array_equal(got._data, 2.0 * z64)
    got = seeded(lambda: probtorch.normal(1.0, 0.5, shape))
    assert got.dtype is probtorch.float32
    np.testing.assert_array_equal(got._data, (1.0 + 0.5 * z32).astype(np.float32))
    loc = probtorch.zeros(shape, dtype=probtorch.float64)
    got = seeded(lambda: probtorch.distributions.Normal(loc, 1.0).rsample())
    np.testing.assert_array_equal(got._data, z64)


def test_normal_rsample_gradients_follow_the_noise():
    loc = probtorch.zeros(30000, requires_grad=True)
    scale = probtorch.full((30000,), 2.0, requires_grad=True)
    probtorch.manual_seed(12)
    x = probtorch.distributions.Normal(loc, scale).rsample()
    gl, gs = probtorch.autograd.grad(x.sum(), [loc, scale])
    np.testing.assert_array_equal(gl._data, np.ones(30000, np.float32))
    np.testing.assert_allclose(gs._data, x._data / 2.0, rtol=1e-6)
