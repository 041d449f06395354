"""probtorch/_functions/extra.py without torch: sampling statistics, identities, numpy/scipy references, settings."""
import math
import warnings

import numpy as np
import pytest
import scipy.signal.windows as sw

import probtorch
from probtorch.testing import check_grads


def pt(a, dtype=None, requires_grad=False):
    arr = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
    return probtorch.tensor(arr, requires_grad=requires_grad)


# ------------------------------------------------------------------------------------------ binomial
def test_binomial_moments():
    n, p, size = 20.0, 0.3, 20000
    count = probtorch.full((size,), n, dtype=probtorch.float64)
    prob = probtorch.full((size,), p, dtype=probtorch.float64)
    x = probtorch.binomial(count, prob).numpy()
    assert x.dtype == np.float64 and np.all(x == np.round(x)) and x.min() >= 0 and x.max() <= n
    mean, var = n * p, n * p * (1 - p)
    mu4 = n * p * (1 - p) * (1 + 3 * (n - 2) * p * (1 - p))  # central fourth moment of Binomial(n, p)
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / size)
    assert abs(x.var(ddof=1) - var) < 5 * math.sqrt((mu4 - var ** 2) / size)


def test_binomial_broadcast_edges_and_reproducibility():
    count = pt(np.float32([[0.0], [7.0]]))
    prob = pt(np.float32([0.0, 1.0, 0.5]))
    probtorch.manual_seed(3)
    a = probtorch.binomial(count, prob)
    assert tuple(a.shape) == (2, 3) and a.dtype is probtorch.float32
    np.testing.assert_array_equal(a.numpy()[:, :2], [[0, 0], [0, 7]])
    probtorch.manual_seed(3)
    np.testing.assert_array_equal(probtorch.binomial(count, prob).numpy(), a.numpy())
    g1, g2 = probtorch.Generator().manual_seed(11), probtorch.Generator().manual_seed(11)
    c = pt(np.full(50, 30.0))
    q = pt(np.full(50, 0.4))
    np.testing.assert_array_equal(probtorch.binomial(c, q, g1).numpy(), probtorch.binomial(c, q, generator=g2).numpy())
    assert not probtorch.binomial(pt([5.0], requires_grad=True), pt([0.5])).requires_grad


def test_binomial_invalid_parameters():
    with pytest.raises(ValueError, match="prob must be in"):
        probtorch.binomial(pt([5.0]), pt([1.5]))
    with pytest.raises(ValueError, match="count must be non-negative"):
        probtorch.binomial(pt([-5.0]), pt([0.5]))


# ------------------------------------------------------------------------------------------ windows
@pytest.mark.parametrize("name,ref", [("hann_window", "hann"), ("hamming_window", "hamming"),
                                      ("blackman_window", "blackman"), ("bartlett_window", "bartlett")])
def test_windows_against_scipy(name, ref):
    for n in (2, 5, 8):
        w = getattr(probtorch, name)(n, periodic=False, dtype=probtorch.float64).numpy()
        np.testing.assert_allclose(w, getattr(sw, ref)(n, sym=True), atol=1e-14)
        wp = getattr(probtorch, name)(n, dtype=probtorch.float64).numpy()
        np.testing.assert_allclose(wp, getattr(sw, ref)(n, sym=False), atol=1e-14)
        # periodic = symmetric of one more point without the last
        np.testing.assert_allclose(wp, getattr(probtorch, name)(n + 1, False, dtype=probtorch.float64).numpy()[:-1])


def test_kaiser_against_scipy_and_default_dtype():
    for n, beta in ((6, 12.0), (7, 3.5)):
        w = probtorch.kaiser_window(n, False, beta, dtype=probtorch.float64).numpy()
        np.testing.assert_allclose(w, sw.kaiser(n, beta, sym=True), rtol=1e-12)
    assert probtorch.hann_window(4).dtype is probtorch.get_default_dtype()
    assert probtorch.kaiser_window(0).numel() == 0 and probtorch.kaiser_window(1).tolist() == [1.0]


# ------------------------------------------------------------------------------------------ numeric references
def test_gcd_lcm_against_math():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-50, 50, 40), rng.integers(-50, 50, 40)
    np.testing.assert_array_equal(probtorch.gcd(pt(a), pt(b)).numpy(), [math.gcd(int(x), int(y)) for x, y in zip(a, b)])
    np.testing.assert_array_equal(probtorch.lcm(pt(a), pt(b)).numpy(), [math.lcm(int(x), int(y)) for x, y in zip(a, b)])


def test_frexp_reconstructs_and_ldexp_inverts():
    x = np.random.default_rng(1).standard_normal(30) * 10.0 ** np.arange(-15, 15)
    m, e = probtorch.frexp(pt(x))
    assert e.dtype is probtorch.int32
    assert np.all((np.abs(m.numpy()) >= 0.5) & (np.abs(m.numpy()) < 1))
    np.testing.assert_array_equal(probtorch.ldexp(m, e).numpy(), x)


def test_isin_against_numpy():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 10, (4, 5)), rng.integers(0, 10, 6)
    for invert in (False, True):
        np.testing.assert_array_equal(probtorch.isin(pt(a), pt(b), invert=invert).numpy(),
                                      np.isin(a, b, invert=invert))


def test_histogram_against_numpy():
    x = np.random.default_rng(3).standard_normal(300)
    h, e = probtorch.histogram(pt(x), 12)
    hn, en = np.histogram(x, 12)
    np.testing.assert_array_equal(h.numpy(), hn)
    np.testing.assert_allclose(e.numpy(), en)
    hd, ed = probtorch.histogram(pt(x), 12, density=True)
    np.testing.assert_allclose((hd.numpy() * np.diff(ed.numpy())).sum(), 1.0)
    pts = np.random.default_rng(4).standard_normal((100, 3))
    hdd, edges = probtorch.histogramdd(pt(pts), [3, 4, 2])
    ref, ref_edges = np.histogramdd(pts, [3, 4, 2])
    np.testing.assert_array_equal(hdd.numpy(), ref)
    for a, b in zip(edges, ref_edges):
        np.testing.assert_allclose(a.numpy(), b)


def test_cov_against_numpy():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 8))
    fw, aw = rng.integers(0, 4, 8), rng.uniform(0.1, 2, 8)
    np.testing.assert_allclose(probtorch.cov(pt(x)).numpy(), np.cov(x))
    np.testing.assert_allclose(probtorch.cov(pt(x), fweights=pt(fw), aweights=pt(aw)).numpy(),
                               np.cov(x, fweights=fw, aweights=aw))
    np.testing.assert_allclose(probtorch.cov(pt(x), correction=0).numpy(), np.cov(x, bias=True))
    np.testing.assert_allclose(probtorch.corrcoef(pt(x)).numpy(), np.corrcoef(x))
    check_grads(lambda a, w: probtorch.cov(a, fweights=pt(fw), aweights=w),
                (pt(x, requires_grad=True), pt(aw, requires_grad=True)))


def test_shift_operators_and_nextafter():
    a = pt(np.array([1, 2, -8], np.int32))
    np.testing.assert_array_equal((a << 3).numpy(), [8, 16, -64])
    np.testing.assert_array_equal((a >> 1).numpy(), [0, 1, -4])
    assert (a << 3).dtype is probtorch.int32
    x = pt([1.0, 0.0])
    np.testing.assert_array_equal(probtorch.nextafter(x, pt([2.0, -1.0])).numpy(),
                                  [np.nextafter(1.0, 2.0), -np.nextafter(0.0, 1.0)])


def test_fill_and_copies_fresh_memory():
    x = pt(np.arange(6.0).reshape(2, 3))
    for y in (probtorch.t_copy(x), probtorch.view_copy(x, (3, 2)), probtorch.alias_copy(x),
              probtorch.expand_copy(x[:1], (4, 3)), probtorch.slice_copy(x, 1, 0, 2)):
        before = x.numpy().copy()
        y.add_(1)
        np.testing.assert_array_equal(x.numpy(), before)
    assert probtorch.fill(x, 2).tolist() == [[2.0] * 3] * 2
    rows = probtorch.unsafe_split(x, 1)
    assert len(rows) == 2 and np.shares_memory(rows[1].numpy(), x.numpy())  # unsafe_split gives views, as split


# ------------------------------------------------------------------------------------------ settings
def test_recorded_settings():
    old = probtorch.is_warn_always_enabled()
    probtorch.set_warn_always(True)
    assert probtorch.is_warn_always_enabled() is True
    probtorch.set_warn_always(old)
    n = probtorch.get_num_interop_threads()
    probtorch.set_num_interop_threads(3)
    assert probtorch.get_num_interop_threads() == 3
    probtorch.set_num_interop_threads(n)
    with pytest.raises(TypeError):
        probtorch.set_num_interop_threads(2.5)
    probtorch.set_float32_matmul_precision("medium")
    assert probtorch.get_float32_matmul_precision() == "medium"
    probtorch.set_float32_matmul_precision("highest")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probtorch.set_float32_matmul_precision("high")
    assert probtorch.get_float32_matmul_precision() == "high"
    probtorch.set_float32_matmul_precision("highest")
    assert probtorch.set_flush_denormal(True) is False and probtorch.set_flush_denormal(False) is False


def test_default_device_cpu_only():
    assert probtorch.get_default_device() == probtorch.device("cpu")
    probtorch.set_default_device(probtorch.device("cpu"))
    probtorch.set_default_device("cpu:0")
    with pytest.raises(AssertionError, match="CUDA"):
        probtorch.set_default_device("cuda")
    with pytest.raises(AssertionError, match="MPS"):
        probtorch.set_default_device("mps:0")
    with pytest.raises(RuntimeError, match="device type at start of device string"):
        probtorch.set_default_device("gpu")
    assert probtorch.get_default_device() == probtorch.device("cpu")


def test_loss_reduction_codes():
    a, t = pt([0.3, -0.2, 1.0]), pt([1.0, -1.0, 1.0])
    none = probtorch.hinge_embedding_loss(a, t, 1.0)
    assert tuple(none.shape) == (3,)
    np.testing.assert_allclose(probtorch.hinge_embedding_loss(a, t, 1.0, 1).item(), none.mean().item())
    np.testing.assert_allclose(probtorch.hinge_embedding_loss(a, t, 1.0, 2).item(), none.sum().item())
    with pytest.raises(ValueError):
        probtorch.hinge_embedding_loss(a, t, 1.0, 3)


def test_tensor_methods_bound():
    for name in ("hardshrink", "prelu", "cov", "corrcoef", "gcd", "gcd_", "lcm", "lcm_", "ldexp", "ldexp_", "frexp",
                 "nextafter", "nextafter_", "bitwise_left_shift", "bitwise_left_shift_", "bitwise_right_shift",
                 "bitwise_right_shift_", "histogram", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
                 "__lshift__", "__rshift__", "__rlshift__", "__rrshift__", "__ilshift__", "__irshift__"):
        assert hasattr(probtorch.Tensor, name), name


def test_set_default_tensor_type_warns_once():
    from probtorch._functions import extra
    extra._settings.pop("tensor_type_warned", None)
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            probtorch.set_default_tensor_type(probtorch.DoubleTensor)
        assert probtorch.get_default_dtype() is probtorch.float64
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            probtorch.set_default_tensor_type("probtorch.FloatTensor")
        assert probtorch.get_default_dtype() is probtorch.float32
    finally:
        probtorch.set_default_dtype(probtorch.float32)


def test_layout_and_memory_format_tokens():
    import pickle
    x = probtorch.zeros(2, 3)
    assert x.layout is probtorch.strided and repr(probtorch.strided) == "probtorch.strided"
    assert isinstance(probtorch.strided, probtorch.layout)
    for fmt in (probtorch.contiguous_format, probtorch.preserve_format, probtorch.channels_last,
                probtorch.channels_last_3d):
        assert isinstance(fmt, probtorch.memory_format) and pickle.loads(pickle.dumps(fmt)) is fmt
    assert pickle.loads(pickle.dumps(probtorch.strided)) is probtorch.strided
    np.testing.assert_array_equal(x.clone(memory_format=probtorch.contiguous_format).numpy(), x.numpy())
    for cls in (probtorch.layout, probtorch.memory_format):
        with pytest.raises(TypeError, match="cannot create"):
            cls()


def test_frombuffer_readonly_warns_once():
    from probtorch._functions import extra
    extra._settings.pop("readonly_buffer_warned", None)
    with pytest.warns(UserWarning, match="not writable"):
        t = probtorch.frombuffer(b"\x01\x02\x03\x04", dtype=probtorch.uint8)
    assert t.tolist() == [1, 2, 3, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probtorch.frombuffer(b"\x01\x02", dtype=probtorch.uint8)
        w = probtorch.frombuffer(bytearray(b"\x01\x02"), dtype=probtorch.uint8)
    w.add_(1)
    assert w.tolist() == [2, 3]
