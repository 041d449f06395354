"""Random numbers: seeding and Generator objects, shapes/dtypes, and moments of every sampler (fixed seeds,
tolerances of 5 standard errors)."""
import math

import numpy as np
import pytest

import probtorch

N = 20000
Z = 5.0  # standard errors allowed


def _close_mean(samples, mean, sd, n=None):
    n = n or samples.size
    assert abs(samples.mean() - mean) <= Z * sd / math.sqrt(n), (samples.mean(), mean)


# ------------------------------------------------------------------------------------------------ seeding
@pytest.mark.parametrize("fn", [
    lambda: probtorch.rand(5), lambda: probtorch.randn(2, 3), lambda: probtorch.randint(0, 10, (4,)),
    lambda: probtorch.randperm(6), lambda: probtorch.normal(0.0, 1.0, (3,)),
    lambda: probtorch.bernoulli(probtorch.full((5,), 0.5)), lambda: probtorch.multinomial(probtorch.ones(5), 3),
    lambda: probtorch.poisson(probtorch.full((4,), 3.0)), lambda: probtorch.empty(4).uniform_(),
    lambda: probtorch.empty(4).normal_(), lambda: probtorch.empty(3).exponential_(),
])
def test_manual_seed_makes_streams_reproducible(fn):
    probtorch.manual_seed(123)
    a = fn()
    b = fn()
    probtorch.manual_seed(123)
    c = fn()
    assert np.array_equal(a.numpy(), c.numpy())
    if a.numel() > 3:
        assert not np.array_equal(a.numpy(), b.numpy())  # the stream advances


def test_manual_seed_returns_default_generator_and_initial_seed():
    g = probtorch.manual_seed(7)
    assert g is probtorch.default_generator
    assert probtorch.initial_seed() == 7
    assert isinstance(probtorch.seed(), int)


def test_generator_objects_are_independent_streams():
    g1 = probtorch.Generator().manual_seed(5)
    g2 = probtorch.Generator()
    assert g2.manual_seed(5) is g2
    assert np.array_equal(probtorch.rand(4, generator=g1).numpy(), probtorch.rand(4, generator=g2).numpy())
    probtorch.manual_seed(0)
    base = probtorch.rand(3).numpy()
    probtorch.manual_seed(0)
    probtorch.randn(10, generator=g1)  # drawing from g1 does not touch the default stream
    assert np.array_equal(probtorch.rand(3).numpy(), base)
    assert g1.initial_seed() == 5
    for fn in (lambda g: probtorch.randn(3, generator=g), lambda g: probtorch.randint(0, 9, (3,), generator=g),
               lambda g: probtorch.randperm(5, generator=g), lambda g: probtorch.normal(0.0, 1.0, (3,), generator=g),
               lambda g: probtorch.multinomial(probtorch.ones(4), 2, generator=g),
               lambda g: probtorch.bernoulli(probtorch.full((4,), 0.3), generator=g),
               lambda g: probtorch.empty(3).normal_(generator=g)):
        a = fn(probtorch.Generator().manual_seed(11))
        b = fn(probtorch.Generator().manual_seed(11))
        assert np.array_equal(a.numpy(), b.numpy())


def test_generator_state_roundtrip():
    g = probtorch.Generator().manual_seed(3)
    state = g.get_state()
    assert state.dtype is probtorch.uint8
    a = probtorch.rand(5, generator=g)
    g.set_state(state)
    assert np.array_equal(probtorch.rand(5, generator=g).numpy(), a.numpy())
    s = probtorch.get_rng_state()
    x = probtorch.randn(4)
    probtorch.set_rng_state(s)
    assert np.array_equal(probtorch.randn(4).numpy(), x.numpy())


def test_negative_seed_is_accepted():
    probtorch.manual_seed(-1)
    a = probtorch.rand(2)
    probtorch.manual_seed(-1)
    assert np.array_equal(probtorch.rand(2).numpy(), a.numpy())


# ------------------------------------------------------------------------------------------------ shapes / dtypes
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_randn_shapes_dtypes(fn):
    f = getattr(probtorch, fn)
    assert f(2, 3).shape == (2, 3) and f(2, 3).dtype is probtorch.float32
    assert f((4,)).shape == (4,) and f([2, 2]).shape == (2, 2) and f(()).shape == ()
    assert f(0, 3).shape == (0, 3)
    assert f(3, dtype=probtorch.float64).dtype is probtorch.float64
    assert f(2, requires_grad=True).requires_grad
    probtorch.set_default_dtype(probtorch.float64)
    assert f(2).dtype is probtorch.float64
    probtorch.set_default_dtype(probtorch.float32)
    with pytest.raises(RuntimeError):
        f(2, dtype=probtorch.int64)


def test_randint_signatures_dtype_and_range():
    a = probtorch.randint(10, (N,))
    assert a.dtype is probtorch.int64 and a.shape == (N,)
    assert a.numpy().min() == 0 and a.numpy().max() == 9
    b = probtorch.randint(-3, 4, (50, 40), dtype=probtorch.int32)
    assert b.dtype is probtorch.int32 and b.numpy().min() == -3 and b.numpy().max() == 3
    c = probtorch.randint(5, size=(3,))
    assert c.shape == (3,) and c.numpy().max() < 5
    counts = np.bincount(a.numpy(), minlength=10)
    p = 0.1
    assert np.all(np.abs(counts - N * p) <= Z * math.sqrt(N * p * (1 - p)))
    with pytest.raises(RuntimeError, match="from"):
        probtorch.randint(5, 5, (2,))
    like = probtorch.randint_like(probtorch.zeros(2, 3), 4)
    assert like.shape == (2, 3) and like.dtype is probtorch.float32 and like.numpy().max() < 4


def test_randperm_is_a_permutation():
    for n in (0, 1, 7, 100):
        p = probtorch.randperm(n)
        assert p.dtype is probtorch.int64 and sorted(p.tolist()) == list(range(n))
    assert probtorch.randperm(5, dtype=probtorch.int32).dtype is probtorch.int32
    # every position is uniform over the values: the mean of position 0 over many draws is (n - 1) / 2
    firsts = np.array([probtorch.randperm(10)[0].item() for _ in range(2000)])
    _close_mean(firsts, 4.5, math.sqrt((10 ** 2 - 1) / 12))


# ------------------------------------------------------------------------------------------------ moments
def test_rand_moments():
    x = probtorch.rand(N, dtype=probtorch.float64).numpy()
    assert x.min() >= 0 and x.max() < 1
    _close_mean(x, 0.5, math.sqrt(1 / 12))
    var_sd = math.sqrt(1 / 80 - 1 / 144)  # sd of (x - 1/2)^2 for a uniform
    assert abs(((x - 0.5) ** 2).mean() - 1 / 12) <= Z * var_sd / math.sqrt(N)


def test_randn_moments():
    x = probtorch.randn(N, dtype=probtorch.float64).numpy()
    _close_mean(x, 0.0, 1.0)
    assert abs((x ** 2).mean() - 1.0) <= Z * math.sqrt(2.0) / math.sqrt(N)
    assert abs((x ** 3).mean()) <= Z * math.sqrt(15.0) / math.sqrt(N)


def test_inplace_samplers_moments():
    u = probtorch.empty(N, dtype=probtorch.float64).uniform_(-2.0, 4.0).numpy()
    assert u.min() >= -2 and u.max() < 4
    _close_mean(u, 1.0, 6 / math.sqrt(12))
    n = probtorch.empty(N, dtype=probtorch.float64).normal_(3.0, 2.0).numpy()
    _close_mean(n, 3.0, 2.0)
    e = probtorch.empty(N, dtype=probtorch.float64).exponential_(2.0).numpy()
    assert e.min() >= 0
    _close_mean(e, 0.5, 0.5)
    g = probtorch.empty(N, dtype=probtorch.float64).geometric_(0.25).numpy()
    assert g.min() >= 1 and np.all(g == np.round(g))
    _close_mean(g, 4.0, math.sqrt(0.75) / 0.25)
    ln = probtorch.empty(N, dtype=probtorch.float64).log_normal_(0.0, 0.5).numpy()
    _close_mean(np.log(ln), 0.0, 0.5)
    r = probtorch.empty(N, dtype=probtorch.int64).random_(0, 6).numpy()
    assert r.min() == 0 and r.max() == 5
    c = probtorch.empty(N, dtype=probtorch.float64).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) <= Z * (math.pi * 2.0 / 2) / math.sqrt(N)  # sd of the median: pi*sigma/(2 sqrt n)
    b = probtorch.empty(N).bernoulli_(0.3).numpy()
    _close_mean(b, 0.3, math.sqrt(0.21))


def test_bernoulli_tensor_and_scalar_p():
    p = probtorch.tensor([0.0, 0.2, 0.9, 1.0], dtype=probtorch.float64)
    draws = probtorch.bernoulli(p.expand(N, 4).contiguous())
    assert draws.dtype is probtorch.float64 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    means = draws.numpy().mean(0)
    assert means[0] == 0.0 and means[3] == 1.0
    for k in (1, 2):
        _close_mean(draws.numpy()[:, k], p[k].item(), math.sqrt(p[k].item() * (1 - p[k].item())))
    fixed = probtorch.bernoulli(probtorch.zeros(N), 0.7)
    _close_mean(fixed.numpy(), 0.7, math.sqrt(0.21))
    assert p.bernoulli().shape == (4,)
    with pytest.raises(RuntimeError):
        probtorch.bernoulli(probtorch.tensor([1.5]))


def test_normal_with_tensor_arguments():
    mean = probtorch.tensor([[-1.0], [2.0]], dtype=probtorch.float64)
    std = probtorch.tensor([0.5, 1.0, 3.0], dtype=probtorch.float64)
    out = probtorch.normal(mean, std)
    assert out.shape == (2, 3) and out.dtype is probtorch.float64
    big_mean = mean.expand(2, N).contiguous()
    draws = probtorch.normal(big_mean, 2.0).numpy()
    _close_mean(draws[0], -1.0, 2.0)
    _close_mean(draws[1], 2.0, 2.0)
    draws = probtorch.normal(0.5, std.expand(N, 3).contiguous()).numpy()
    for k, s in enumerate([0.5, 1.0, 3.0]):
        _close_mean(draws[:, k], 0.5, s)
        assert abs(draws[:, k].std() - s) <= Z * s / math.sqrt(2 * N)
    assert probtorch.normal(2.0, 3.0, size=(4, 2)).shape == (4, 2)
    with pytest.raises(RuntimeError, match="std"):
        probtorch.normal(probtorch.zeros(2), probtorch.tensor([1.0, -1.0]))


def test_normal_is_differentiable_in_mean_and_std():
    mean = probtorch.tensor([0.5, -1.0], dtype=probtorch.float64, requires_grad=True)
    std = probtorch.tensor([2.0, 0.5], dtype=probtorch.float64, requires_grad=True)
    probtorch.manual_seed(4)
    out = probtorch.normal(mean, std)
    out.sum().backward()
    z = (out.detach() - mean.detach()) / std.detach()
    np.testing.assert_allclose(mean.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(std.grad.numpy(), z.numpy())


def test_multinomial_with_replacement_frequencies():
    w = probtorch.tensor([1.0, 2.0, 0.0, 5.0])  # unnormalized weights
    s = probtorch.multinomial(w, N, replacement=True)
    assert s.dtype is probtorch.int64 and s.shape == (N,)
    counts = np.bincount(s.numpy(), minlength=4)
    p = np.array([1, 2, 0, 5]) / 8
    assert counts[2] == 0
    assert np.all(np.abs(counts - N * p) <= Z * np.sqrt(N * p * (1 - p)) + 1e-9)
    rows = probtorch.multinomial(probtorch.tensor([[1.0, 0.0], [0.0, 1.0]]), 6, replacement=True)
    assert rows.shape == (2, 6) and rows[0].tolist() == [0] * 6 and rows[1].tolist() == [1] * 6


def test_multinomial_without_replacement():
    w = probtorch.tensor([1.0, 2.0, 0.0, 5.0])
    draws = np.stack([probtorch.multinomial(w, 3).numpy() for _ in range(3000)])
    for row in draws:
        assert len(set(row.tolist())) == 3 and 2 not in row  # distinct, never the zero-weight category
    first = np.bincount(draws[:, 0], minlength=4) / len(draws)
    p = np.array([1, 2, 0, 5]) / 8  # the first draw follows the normalized weights
    assert np.all(np.abs(first - p) <= Z * np.sqrt(p * (1 - p) / len(draws)) + 1e-9)
    perm = probtorch.multinomial(probtorch.ones(2, 5), 5)
    assert all(sorted(r) == list(range(5)) for r in perm.tolist())
    with pytest.raises(RuntimeError, match="without replacement"):
        probtorch.multinomial(probtorch.ones(3), 4)
    with pytest.raises(RuntimeError, match="not enough"):
        probtorch.multinomial(w, 4)  # only three categories have positive weight
    with pytest.raises(RuntimeError):
        probtorch.multinomial(probtorch.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError):
        probtorch.multinomial(probtorch.zeros(3), 1)


def test_poisson_moments():
    rate = probtorch.full((N,), 3.5, dtype=probtorch.float64)
    x = probtorch.poisson(rate).numpy()
    assert x.dtype == np.float64 and np.all(x == np.round(x)) and x.min() >= 0
    _close_mean(x, 3.5, math.sqrt(3.5))


def test_rand_like_and_randn_like_follow_input():
    base = probtorch.zeros(3, 2, dtype=probtorch.float64)
    assert probtorch.rand_like(base).dtype is probtorch.float64 and probtorch.rand_like(base).shape == (3, 2)
    assert probtorch.randn_like(base, dtype=probtorch.float32).dtype is probtorch.float32


def test_statistics_do_not_depend_on_torch_streams():
    """Samplers are seeded by probtorch alone: the same seed gives the same numbers in a new generator."""
    probtorch.manual_seed(99)
    a = probtorch.randn(3)
    g = probtorch.Generator().manual_seed(99)
    assert np.array_equal(probtorch.randn(3, generator=g).numpy(), a.numpy())


@pytest.mark.parametrize("fn, match", [
    (lambda m: m.multinomial(m.ones(3), 0), "n_sample <= 0"),
    (lambda m: m.multinomial(m.ones(2, 2, 2), 1), "1 or 2 dim"),
    (lambda m: m.randperm(-1), "negative dimension"),
    (lambda m: m.rand(-1), "negative dimension"),
    (lambda m: m.randn(2, -3), "negative dimension"),
    (lambda m: m.randint(0, 5, (-1,)), "negative dimension"),
    (lambda m: m.normal(m.zeros(2), -1.0), "std >= 0.0"),
    (lambda m: m.poisson(m.tensor([-1.0])), "non-negative"),
    (lambda m: m.rand(2, dtype=m.int64), "not implemented for 'Long'"),
    (lambda m: m.randn(2, dtype=m.bool), "not implemented for 'Bool'"),
])
def test_sampler_errors_match_torch(fn, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(expected.type, match=match):
        fn(probtorch)


@pytest.mark.parametrize("dtype, top", [("bool", 1), ("uint8", 255), ("int8", 127), ("int32", 2 ** 31 - 1),
                                        ("float32", 2 ** 24), ("float64", 2 ** 53)])
def test_random_default_range_spans_the_dtype(dtype, top):
    x = probtorch.empty(N, dtype=getattr(probtorch, dtype)).random_().numpy().astype(np.float64)
    assert x.min() >= 0 and x.max() <= top and np.all(x == np.round(x))
    _close_mean(x, top / 2, (top + 1) / math.sqrt(12))  # uniform on {0..top}
    r = probtorch.empty(N, dtype=probtorch.int64).random_(-2, 3).numpy()
    assert r.min() == -2 and r.max() == 2


def test_fork_rng_restores_the_default_stream():
    probtorch.manual_seed(3)
    with probtorch.random.fork_rng():
        inside = probtorch.rand(3)
    after = probtorch.rand(3)
    probtorch.manual_seed(3)
    assert np.array_equal(probtorch.rand(3).numpy(), after.numpy())
    assert np.array_equal(inside.numpy(), after.numpy())  # the fork started from the same state

    @probtorch.random.fork_rng()
    def draw():
        return probtorch.randn(2)
    probtorch.manual_seed(4)
    draw()
    x = probtorch.randn(2)
    probtorch.manual_seed(4)
    assert np.array_equal(probtorch.randn(2).numpy(), x.numpy())
    with probtorch.random.fork_rng(enabled=False):
        probtorch.rand(1)
    assert probtorch.random.manual_seed is probtorch.manual_seed
