"""The vectorizable scalar functions of _kernels._vmath (compiled and as plain Python) against numpy / scipy, and the
thread-pool runner of _kernels._parallel."""
import math

import numpy as np
import pytest
import scipy.special as sc

import probtorch as pt
from probtorch._kernels import _vmath as V
from probtorch._kernels._jit import available, kernel
from probtorch._kernels._parallel import parallel_chunks

pytestmark = pytest.mark.skipif(not available(), reason="numba unavailable")

RNG = np.random.default_rng(0)
# every binade of the float64 range, subnormals included, plus the special values
WIDE = np.concatenate([np.exp(RNG.uniform(-744, 709, 20000)), [5e-324, 1e-310, 2.2250738585072014e-308, 1.0,
                                                                  2.0, 0.5, math.sqrt(2), np.nextafter(1, 2),
                                                                  np.nextafter(1, 0), 1.7976931348623157e308]])
SPECIAL = np.array([0.0, -0.0, -1.0, -5e-324, np.inf, -np.inf, np.nan])
POSITIVE = np.concatenate([np.exp(RNG.uniform(math.log(1e-300), math.log(1e300), 20000)),
                           RNG.uniform(0, 20, 20000), [1.0, 2.0, 8.0, np.nextafter(8, 0), np.nextafter(8, 9)]])


@kernel
def _apply_log(x, out):
    for i in range(x.size):
        out[i] = V.vlog(x[i])


@kernel
def _apply_xlogy(x, y, out):
    for i in range(x.size):
        out[i] = V.vxlogy(x[i], y[i])


@kernel
def _apply_lgamma(x, out):
    for i in range(x.size):
        out[i] = V.lgamma_pos(x[i])


@kernel
def _apply_digamma(x, out):
    for i in range(x.size):
        out[i] = V.digamma_pos(x[i])


def _compiled(k, *args):
    out = np.empty_like(args[-1])
    k(*args, out)
    return out


def _python(fn, *args):
    with np.errstate(all="ignore"):  # numpy scalars warn where the compiled code silently overflows, as intended
        return np.array([fn(*a) for a in zip(*args)])


def test_vlog_is_accurate_to_one_ulp_over_the_whole_range():
    ours = _compiled(_apply_log, WIDE)
    ref = np.log(WIDE)
    assert np.all(np.abs(ours - ref) <= 2 * np.spacing(np.abs(ref)) + 1e-300)


def test_vlog_special_values_compiled_and_python_agree_with_numpy():
    with np.errstate(all="ignore"):
        ref = np.log(SPECIAL)
    np.testing.assert_array_equal(_compiled(_apply_log, SPECIAL), ref)
    np.testing.assert_array_equal(_python(V.vlog, SPECIAL), ref)


def test_python_reference_equals_compiled_bit_for_bit():
    sample = np.concatenate([WIDE[::20], SPECIAL])
    np.testing.assert_array_equal(_python(V.vlog, sample), _compiled(_apply_log, sample))
    pos = POSITIVE[::40]
    np.testing.assert_array_equal(_python(V.lgamma_pos, pos), _compiled(_apply_lgamma, pos))
    np.testing.assert_array_equal(_python(V.digamma_pos, pos), _compiled(_apply_digamma, pos))


def test_vxlogy_matches_scipy_including_zero_times_log_zero():
    x = np.array([0.0, 0.0, 0.0, 2.0, -1.5, 0.0, 3.0, 1.0])
    y = np.array([0.0, 1.5, np.nan, 0.0, 2.0, np.inf, -1.0, np.inf])
    ref = sc.xlogy(x, y)
    np.testing.assert_array_equal(_compiled(_apply_xlogy, x, y), ref)
    np.testing.assert_array_equal(_python(V.vxlogy, x, y), ref)


@pytest.mark.parametrize("fn,apply,reference", [(V.lgamma_pos, _apply_lgamma, sc.gammaln),
                                                (V.digamma_pos, _apply_digamma, sc.psi)])
def test_lgamma_digamma_accuracy(fn, apply, reference):
    ours = _compiled(apply, POSITIVE)
    ref = reference(POSITIVE)
    # absolute error 1e-13, or relative 1e-15 where the value is large
    assert np.all(np.abs(ours - ref) <= 1e-13 + 1e-15 * np.abs(ref)), POSITIVE[np.argmax(np.abs(ours - ref))]


def test_parallel_chunks_results_do_not_depend_on_the_thread_count():
    x = RNG.uniform(0.1, 10, 200_000)
    outs = []
    for threads in (1, 2, 3):
        old = pt.get_num_threads()
        pt.set_num_threads(threads)
        try:
            out = np.empty_like(x)
            res = parallel_chunks(_apply_lgamma, x, out, min_rows=1000)
            assert len(res) == threads
            outs.append(out)
        finally:
            pt.set_num_threads(old)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_allclose(outs[0], sc.gammaln(x), rtol=1e-14, atol=1e-13)


def test_parallel_chunks_reraises_a_chunk_error():
    def failing(x):
        if x[0] > 0.5:
            raise ValueError("chunk failed")
        return x.size
    x = np.linspace(0, 1, 100)
    old = pt.get_num_threads()
    pt.set_num_threads(2)
    try:
        with pytest.raises(ValueError, match="chunk failed"):
            parallel_chunks(failing, x, min_rows=10)
        assert parallel_chunks(failing, x[:50], min_rows=10) == [25, 25]
    finally:
        pt.set_num_threads(old)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_parallel_chunks_works_in_a_forked_child():
    import multiprocessing as mp
    x = RNG.uniform(0.1, 10, 100_000)
    old = pt.get_num_threads()
    pt.set_num_threads(2)
    try:
        parallel_chunks(_apply_lgamma, x, np.empty_like(x), min_rows=1000)  # the parent's pool exists now
        with mp.get_context("fork").Pool(1) as pool:
            child = pool.apply_async(_lgamma_in_child, (x,)).get(timeout=60)
    finally:
        pt.set_num_threads(old)
    np.testing.assert_allclose(child, sc.gammaln(x), rtol=1e-14, atol=1e-13)


def _lgamma_in_child(x):
    out = np.empty_like(x)
    parallel_chunks(_apply_lgamma, x, out, min_rows=1000)
    return out
