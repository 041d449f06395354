"""Convolutions, transposed convolutions, conv_tbc, unfold / fold and the conv modules, against torch and by
finite differences (to second order), plus slow loop twins of the im2col / col2im helpers."""
import math
import re

import numpy as np
import pytest

import probtorch
import probtorch.nn as nn
import probtorch.nn.functional as F
from probtorch.nn.functional import conv as C
from probtorch.testing import assert_close, check_grads

from nn_oracle import run_case


def _torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------------------------------------------ helper twins
def _im2col_loops(x, kernel, stride, padding, dilation):
    """Obviously correct im2col: [N, C, *S] -> [N, C, *kernel, *out] with zeros outside the input."""
    nd = len(kernel)
    out = tuple((s + b + a - d * (k - 1) - 1) // st + 1
                for s, k, st, (b, a), d in zip(x.shape[2:], kernel, stride, padding, dilation))
    res = np.zeros(x.shape[:2] + tuple(kernel) + out, x.dtype)
    for k in np.ndindex(*kernel):
        for l in np.ndindex(*out):
            pos = [l[i] * stride[i] + k[i] * dilation[i] - padding[i][0] for i in range(nd)]
            if all(0 <= p < s for p, s in zip(pos, x.shape[2:])):
                res[(slice(None), slice(None)) + k + l] = x[(slice(None), slice(None)) + tuple(pos)]
    return res


def _col2im_loops(cols, spatial, stride, padding, dilation):
    nd = len(spatial)
    kernel = cols.shape[2:2 + nd]
    out = cols.shape[2 + nd:]
    res = np.zeros(cols.shape[:2] + tuple(spatial), cols.dtype)
    for k in np.ndindex(*kernel):
        for l in np.ndindex(*out):
            pos = [l[i] * stride[i] + k[i] * dilation[i] - padding[i][0] for i in range(nd)]
            if all(0 <= p < s for p, s in zip(pos, spatial)):
                res[(slice(None), slice(None)) + tuple(pos)] += cols[(slice(None), slice(None)) + k + l]
    return res


HELPER_CASES = [  # spatial, kernel, stride, padding, dilation
    ((7,), (3,), (2,), ((1, 2),), (1,)),
    ((6, 5), (2, 3), (1, 2), ((1, 1), (0, 2)), (2, 1)),
    ((4, 5, 3), (2, 2, 2), (2, 1, 1), ((0, 1), (1, 0), (1, 1)), (1, 2, 1)),
]


@pytest.mark.parametrize("spatial,kernel,stride,padding,dilation", HELPER_CASES)
def test_im2col_col2im_match_loops(spatial, kernel, stride, padding, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3) + spatial)
    cols = C._im2col(x, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(cols, _im2col_loops(x, kernel, stride, padding, dilation))
    c = rng.standard_normal(cols.shape)
    np.testing.assert_allclose(C._col2im(c, spatial, stride, padding, dilation),
                               _col2im_loops(c, spatial, stride, padding, dilation), rtol=1e-12, atol=1e-12)
    # adjointness: <im2col x, c> = <x, col2im c>
    assert math.isclose((cols * c).sum(), (x * C._col2im(c, spatial, stride, padding, dilation)).sum(),
                        rel_tol=1e-10)


@pytest.mark.parametrize("spatial,kernel,stride,padding,dilation", HELPER_CASES)
def test_col2im_kernel_matches_numpy_fallback(monkeypatch, spatial, kernel, stride, padding, dilation):
    from probtorch._kernels import conv as K
    rng = np.random.default_rng(1)
    out = C._out_size(spatial, kernel, stride, padding, dilation)
    cols = rng.standard_normal((2, 3) + kernel + out).astype(np.float32)
    fast = C._col2im(cols, spatial, stride, padding, dilation)
    monkeypatch.setattr(K, "available", lambda: False)
    slow = C._col2im(cols, spatial, stride, padding, dilation)
    assert fast.dtype == slow.dtype == np.float32
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-6)
    x, w = _leaves((2, 4, 5), (4, 2, 2))
    monkeypatch.setattr(K, "available", lambda: False)
    (gx_slow,) = probtorch.autograd.grad(F.conv1d(x, w, stride=2, groups=2).sum(), x)
    monkeypatch.undo()
    (gx_fast,) = probtorch.autograd.grad(F.conv1d(x, w, stride=2, groups=2).sum(), x)
    assert_close(gx_fast, gx_slow)


# ------------------------------------------------------------------------------------------------ torch grid
CONV_CASES = [  # name, input shape, weight shape, bias, kwargs
    ("conv1d", (2, 4, 9), (6, 2, 3), True, dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv1d", (4, 8), (3, 4, 2), True, dict(padding="same")),
    ("conv1d", (2, 3, 6), (2, 3, 4), False, dict(padding="same", dilation=1)),
    ("conv1d", (2, 3, 6), (2, 3, 3), True, dict(padding="valid", stride=(3,))),
    ("conv2d", (2, 4, 7, 6), (6, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ("conv2d", (3, 6, 5), (4, 3, 2, 2), True, dict(padding="same")),
    ("conv2d", (2, 3, 5, 5), (6, 1, 3, 3), False, dict(groups=3, padding=1, stride=2)),
    ("conv2d", (1, 2, 6, 7), (2, 2, 4, 3), True, dict(padding="same", dilation=(1, 2))),
    ("conv3d", (2, 2, 4, 5, 4), (3, 2, 2, 3, 2), True, dict(stride=(1, 2, 1), padding=1)),
    ("conv3d", (2, 3, 4, 3), (2, 2, 2, 2, 2), True, dict(padding="same")),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True, dict(stride=3, padding=1, output_padding=2)),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True, dict(dilation=3, output_padding=2, groups=2)),
    ("conv_transpose1d", (4, 5), (4, 2, 2), False, dict(stride=2)),
    ("conv_transpose2d", (2, 4, 3, 4), (4, 3, 3, 2), True, dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                                                 groups=2, dilation=(1, 2))),
    ("conv_transpose2d", (4, 3, 3), (4, 2, 2, 2), True, dict(stride=2)),
    ("conv_transpose3d", (1, 2, 3, 2, 3), (2, 2, 2, 2, 2), True, dict(stride=2, padding=(0, 1, 0),
                                                                     output_padding=1)),
]


def _case_fn(name, with_bias, kwargs):
    def fn(lib, Fn, x, w, *b):
        return getattr(Fn, name)(x, w, b[0] if b else None, **kwargs)
    return fn


def _bias_len(name, wshape, kwargs):
    return wshape[1] * kwargs.get("groups", 1) if "transpose" in name else wshape[0]


@pytest.mark.parametrize("name,xs,ws,bias,kwargs", CONV_CASES)
def test_conv_against_torch_float64(name, xs, ws, bias, kwargs):
    torch = _torch()
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(_bias_len(name, ws, kwargs)))
    fn = _case_fn(name, bias, kwargs)
    out, grads = run_case(probtorch, fn, arrays)
    out_t, grads_t = run_case(torch, fn, arrays)
    np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12)
    for g, gt in zip(grads, grads_t):
        np.testing.assert_allclose(g, gt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,xs,ws,bias,kwargs", CONV_CASES[::3])
def test_conv_against_torch_float32(name, xs, ws, bias, kwargs):
    torch = _torch()
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)]
    if bias:
        arrays.append(rng.standard_normal(_bias_len(name, ws, kwargs)).astype(np.float32))
    outs = []
    for lib in (probtorch, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = getattr(lib.nn.functional, name)(ts[0], ts[1], ts[2] if bias else None, **kwargs)
        grads = lib.autograd.grad((out * out).sum(), ts)
        outs.append((out, grads))
    (o, g), (ot, gt) = outs
    assert o.dtype == probtorch.float32
    assert_close(o, ot, rtol=1e-5, atol=1e-5)
    for a, b in zip(g, gt):
        assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_conv_integer_and_half_like_torch():
    torch = _torch()
    rng = np.random.default_rng(5)
    x = rng.integers(-5, 5, (2, 3, 5, 5))
    w = rng.integers(-3, 3, (4, 3, 2, 2))
    b = rng.integers(-3, 3, 4)
    got = F.conv2d(probtorch.tensor(x), probtorch.tensor(w), probtorch.tensor(b), padding=1)
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding=1)
    assert got.dtype == probtorch.int64
    assert_close(got, want)
    xh, wh = x.astype(np.float16) / 4, w.astype(np.float16) / 4
    got = F.conv_transpose2d(probtorch.tensor(xh), probtorch.tensor(wh.transpose(1, 0, 2, 3).copy()), stride=2)
    want = torch.nn.functional.conv_transpose2d(torch.tensor(xh), torch.tensor(wh.transpose(1, 0, 2, 3).copy()),
                                                stride=2)
    assert got.dtype == probtorch.float16
    assert_close(got, want, rtol=1e-3, atol=1e-3)


def _random_config(rng, nd, transposed):
    groups = int(rng.choice([1, 2]))
    cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel = tuple(int(k) for k in rng.integers(1, 4, nd))
    stride = tuple(int(s) for s in rng.integers(1, 4, nd))
    dilation = tuple(int(d) for d in rng.integers(1, 3, nd))
    if transposed:
        spatial = tuple(int(v) for v in rng.integers(2, 5, nd))
        padding = tuple(int(rng.integers(0, ((n - 1) * s + d * (k - 1)) // 2 + 1))
                        for n, s, k, d in zip(spatial, stride, kernel, dilation))
        output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
        kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
        return (2, cin) + spatial, (cin, cout // groups) + kernel, cout, kw
    padding = tuple(int(p) for p in rng.integers(0, 3, nd))
    spatial = tuple(int(d * (k - 1) + 1 + int(rng.integers(0, 5))) for k, d in zip(kernel, dilation))
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return (2, cin) + spatial, (cout, cin // groups) + kernel, cout, kw


@pytest.mark.parametrize("name", ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"])
def test_random_configurations_against_torch(name):
    torch = _torch()
    rng = np.random.default_rng(13)
    nd = int(name[-2])
    for _ in range(12):
        xs, ws, nb, kw = _random_config(rng, nd, "transpose" in name)
        arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(nb)]
        fn = lambda lib, Fn, x, w, b: getattr(Fn, name)(x, w, b, **kw)  # noqa: E731
        out, grads = run_case(probtorch, fn, arrays)
        out_t, grads_t = run_case(torch, fn, arrays)
        np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12, err_msg=str(kw))
        for g, gt in zip(grads, grads_t):
            np.testing.assert_allclose(g, gt, rtol=1e-10, atol=1e-12, err_msg=str(kw))


def test_complex_conv_and_gradients_like_torch():
    torch = _torch()
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 4, 5)) + 1j * rng.standard_normal((2, 4, 5))
    w = rng.standard_normal((4, 2, 2)) + 1j * rng.standard_normal((4, 2, 2))
    res = []
    for lib in (probtorch, torch):
        X, W = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        out = lib.nn.functional.conv_transpose1d(lib.nn.functional.conv1d(X, W, padding=1, groups=2), W, groups=2)
        res.append((out,) + tuple(lib.autograd.grad((out.abs() ** 2).sum(), (X, W))))
    for a, b in zip(*res):
        assert_close(a, b)


def test_dtype_support_like_torch():
    torch = _torch()
    for lib in (probtorch, torch):
        Fn = lib.nn.functional
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            Fn.conv2d(lib.zeros(1, 2, 3, 3, dtype=lib.bool), lib.zeros(1, 2, 2, 2, dtype=lib.bool))
        with pytest.raises(NotImplementedError, match="\"im2col_out_cpu\" not implemented for 'Long'"):
            Fn.unfold(lib.zeros(1, 2, 3, 3, dtype=lib.int64), 2)
        with pytest.raises(NotImplementedError, match="\"col2im_out_cpu\" not implemented for 'Int'"):
            Fn.fold(lib.zeros(1, 4, 4, dtype=lib.int32), (3, 3), 2)
        assert Fn.conv1d(lib.zeros(1, 4, 5, dtype=lib.uint8), lib.zeros(2, 4, 2, dtype=lib.uint8)).dtype == lib.uint8
    b = np.random.default_rng(1).random((1, 4, 16)) > 0.5
    got = F.fold(probtorch.tensor(b), (5, 5), 2)
    assert got.dtype == probtorch.bool
    assert_close(got, torch.nn.functional.fold(torch.tensor(b), (5, 5), 2))
    assert_close(F.unfold(got, 2), torch.nn.functional.unfold(torch.tensor(got.numpy()), 2))


def test_conv_empty_batch():
    torch = _torch()
    for xs, ws in [((0, 4, 5, 5), (6, 4, 3, 3))]:
        b = np.arange(6.0)
        got = F.conv2d(probtorch.zeros(xs, dtype=probtorch.float64), probtorch.ones(ws, dtype=probtorch.float64),
                       probtorch.tensor(b))
        want = torch.nn.functional.conv2d(torch.zeros(xs, dtype=torch.float64), torch.ones(ws, dtype=torch.float64),
                                          torch.tensor(b))
        assert_close(got, want)


def test_conv_zero_input_channels_gives_the_bias():
    # an empty sum: torch 2.13 returns a [N, 0, ...] tensor here instead; we keep [N, C_out, ...] filled with bias
    got = F.conv2d(probtorch.zeros(2, 0, 5, 5), probtorch.ones(6, 0, 3, 3), probtorch.arange(6.0))
    assert got.shape == (2, 6, 3, 3)
    assert_close(got, probtorch.arange(6.0).reshape(6, 1, 1).expand(2, 6, 3, 3))


UNFOLD_CASES = [
    ((2, 3, 5, 6), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 4, 4), dict(kernel_size=2, stride=2)),
    ((1, 2, 5, 5), dict(kernel_size=3, padding=(0, 1), dilation=2)),
]


@pytest.mark.parametrize("shape,kw", UNFOLD_CASES)
def test_unfold_fold_against_torch(shape, kw):
    torch = _torch()
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape)
    out, grads = run_case(probtorch, lambda lib, Fn, t: Fn.unfold(t, **kw), [x])
    out_t, grads_t = run_case(torch, lambda lib, Fn, t: Fn.unfold(t, **kw), [x])
    np.testing.assert_array_equal(out, out_t)
    np.testing.assert_allclose(grads[0], grads_t[0], rtol=1e-12)
    cols = rng.standard_normal(out.shape)
    size = shape[-2:]
    out, grads = run_case(probtorch, lambda lib, Fn, t: Fn.fold(t, size, **kw), [cols])
    out_t, grads_t = run_case(torch, lambda lib, Fn, t: Fn.fold(t, size, **kw), [cols])
    np.testing.assert_allclose(out, out_t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads[0], grads_t[0], rtol=1e-12)


def test_conv_tbc_against_torch():
    torch = _torch()
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((6, 2, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)]
    for pad in (0, 2):
        fn = lambda lib, Fn, x, w, b: Fn.conv_tbc(x, w, b, pad)  # noqa: E731
        out, grads = run_case(probtorch, fn, arrays)
        out_t, grads_t = run_case(torch, fn, arrays)
        np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12)
        for g, gt in zip(grads, grads_t):
            np.testing.assert_allclose(g, gt, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------------------------ finite differences
def _leaves(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(probtorch.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)


GRAD_CASES = [
    ("conv1d", (1, 2, 5), (2, 1, 2), dict(stride=2, padding=1, groups=2)),
    ("conv1d", (2, 5), (1, 2, 2), dict(padding="same", dilation=2)),
    ("conv2d", (1, 2, 3, 4), (2, 2, 2, 2), dict(stride=(1, 2), padding=(1, 0))),
    ("conv2d", (1, 2, 4, 4), (2, 1, 2, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    ("conv3d", (1, 1, 3, 2, 3), (1, 1, 2, 1, 2), dict(padding=(0, 1, 1))),
    ("conv_transpose1d", (1, 2, 3), (2, 1, 2), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose1d", (1, 2, 3), (2, 1, 2), dict(dilation=2, output_padding=1)),
    ("conv_transpose2d", (1, 2, 2, 3), (2, 2, 2, 2), dict(stride=2, groups=2)),
]


@pytest.mark.parametrize("name,xs,ws,kw", GRAD_CASES)
def test_conv_gradcheck_gradgradcheck(name, xs, ws, kw):
    x, w = _leaves(xs, ws)
    nb = ws[1] * kw.get("groups", 1) if "transpose" in name else ws[0]
    (b,) = _leaves((nb,), seed=1)
    fn = getattr(F, name)
    assert check_grads(lambda x, w, b: fn(x, w, b, **kw), (x, w, b), order=2)


def test_unfold_fold_gradcheck():
    (x,) = _leaves((1, 2, 4, 3))
    assert check_grads(lambda t: F.unfold(t, (2, 2), padding=1, stride=(2, 1)), (x,), order=2)
    (c,) = _leaves((1, 8, 12))
    assert check_grads(lambda t: F.fold(t, (4, 3), (2, 2), padding=1, stride=(2, 1)), (c,), order=2)
    (xs, ws, bs) = _leaves((4, 1, 2), (2, 2, 3), (3,))
    assert check_grads(lambda x, w, b: F.conv_tbc(x, w, b, 1), (xs, ws, bs), order=2)


def test_third_order_and_forward_mode_match_torch():
    torch = _torch()
    rng = np.random.default_rng(8)
    xa, wa, va = rng.standard_normal((1, 2, 5)), rng.standard_normal((2, 2, 3)), rng.standard_normal((1, 2, 5))

    def third(lib):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        y = (lib.nn.functional.conv1d(x, w, padding=1) ** 2).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        (gw,) = lib.autograd.grad((gx ** 2).sum(), w, create_graph=True)
        (gxx,) = lib.autograd.grad(gw.sum(), x)
        return gxx

    assert_close(third(probtorch), third(torch))
    fwd = lambda x: F.conv_transpose1d(x, probtorch.tensor(wa), stride=2)  # noqa: E731
    _, t = probtorch.autograd.functional.jvp(fwd, probtorch.tensor(xa), probtorch.tensor(va))
    _, tt = torch.autograd.functional.jvp(lambda x: torch.nn.functional.conv_transpose1d(x, torch.tensor(wa),
                                                                                          stride=2),
                                          torch.tensor(xa), torch.tensor(va))
    assert_close(t, tt)


def test_forward_mode_dual_tensors_match_reverse():
    import probtorch.autograd.forward_ad as fwAD
    x, w = _leaves((1, 2, 4, 3), (2, 1, 2, 2))
    tx, tw = _leaves((1, 2, 4, 3), (2, 1, 2, 2), seed=5)
    fns = [lambda x, w: F.conv2d(x, w, padding=1, groups=2),
           lambda x, w: F.conv_transpose2d(x, w.reshape(2, 1, 2, 2), stride=2),
           lambda x, w: C.conv_weight_grad(x, F.conv2d(x, w, groups=2), kernel_size=(2, 2), stride=(1, 1),
                                           padding=((0, 0), (0, 0)), dilation=(1, 1), groups=2)]
    for fn in fns:
        with fwAD.dual_level():
            out = fn(fwAD.make_dual(x.detach(), tx.detach()), fwAD.make_dual(w.detach(), tw.detach()))
            tangent = fwAD.unpack_dual(out).tangent
        # reverse-mode check of the same directional derivative: <J^T u, t> = <u, J t>
        u = probtorch.randn(tuple(out.shape), dtype=probtorch.float64)
        gx, gw = probtorch.autograd.grad((fn(x, w) * u).sum(), (x, w))
        assert math.isclose(float((tangent * u).sum()), float((gx * tx).sum() + (gw * tw).sum()), rel_tol=1e-9)


# ------------------------------------------------------------------------------------------------ errors
ERROR_CASES = [
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 2, 3, 3)), {}),
    ("conv2d", lambda L: ((5, 5), (6, 4, 3, 3)), {}),
    ("conv2d", lambda L: ((1, 2, 4, 5, 5), (6, 2, 3, 3)), {}),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 2, 3, 3)), dict(groups=3)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(groups=4)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 7, 7)), {}),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=2, padding="same")),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(padding="foo")),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=0)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(padding=-1)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(dilation=0)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(groups=0)),
    ("conv2d", lambda L: ((2, 4, 5, 5), (6, 4, 3, 3)), dict(stride=(1, 2, 3))),
    ("conv2d", lambda L: ((2, 4, 5, 5), (0, 4, 3, 3)), {}),
    ("conv1d", lambda L: ((2, 4, 5), (6, 4, 3)), dict(bias=(5,))),
    ("conv_transpose2d", lambda L: ((2, 4, 5, 5), (4, 3, 3, 3)), dict(stride=2, output_padding=2)),
    ("conv_transpose2d", lambda L: ((2, 4, 5, 5), (3, 3, 3, 3)), {}),
    ("conv_transpose2d", lambda L: ((2, 4, 5, 5), (4, 3, 3, 3)), dict(groups=3)),
    ("conv_transpose2d", lambda L: ((2, 4, 5, 5), (4, 3, 3, 3)), dict(padding="same")),
]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("name,shapes,kw", ERROR_CASES)
def test_errors_like_torch(name, shapes, kw):
    torch = _torch()
    xs, ws = shapes(None)
    kw = dict(kw)
    res = []
    for lib in (probtorch, torch):
        bias = lib.zeros(kw["bias"]) if "bias" in kw else None
        args = {k: v for k, v in kw.items() if k != "bias"}
        res.append(_error(lambda: getattr(lib.nn.functional, name)(lib.zeros(xs), lib.zeros(ws), bias, **args)))
    (t1, m1), (t2, m2) = res
    assert t1 is not None and t1 is t2, (res, name, kw)
    assert m1 == m2.replace("torch.Size(", "").replace("])", "]"), (m1, m2)


def test_dtype_and_output_size_errors():
    torch = _torch()
    for lib in (probtorch, torch):  # torch's wording depends on its backend; the type does not
        Fn = lib.nn.functional
        with pytest.raises(RuntimeError):
            Fn.conv2d(lib.zeros(1, 2, 3, 3), lib.zeros(1, 2, 2, 2, dtype=lib.float64))
        with pytest.raises(RuntimeError):
            Fn.conv2d(lib.zeros(1, 2, 3, 3), lib.zeros(1, 2, 2, 2), lib.zeros(1, dtype=lib.float64))
        with pytest.raises(RuntimeError):
            Fn.conv_transpose1d(lib.zeros(2, 4, 2), lib.zeros(4, 3, 1), padding=2)
    with pytest.raises(RuntimeError, match=r"Input type \(torch.FloatTensor\) and weight type \(torch.DoubleTensor\)"):
        F.conv2d(probtorch.zeros(1, 2, 3, 3), probtorch.zeros(1, 2, 2, 2, dtype=probtorch.float64))
    with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\) should be the same"):
        F.conv2d(probtorch.zeros(1, 2, 3, 3), probtorch.zeros(1, 2, 2, 2), probtorch.zeros(1, dtype=probtorch.float64))
    with pytest.raises(RuntimeError, match=r"Calculated output size per channel: \(-2\). Output size is too small"):
        F.conv_transpose1d(probtorch.zeros(2, 4, 2), probtorch.zeros(4, 3, 1), padding=2)


UNFOLD_ERRORS = [
    lambda lib: lib.nn.functional.unfold(lib.zeros(1, 3, 5, 5), 6),
    lambda lib: lib.nn.functional.unfold(lib.zeros(1, 3, 5, 5), (2, 2, 2)),
    lambda lib: lib.nn.functional.unfold(lib.zeros(1, 3, 5, 5), 0),
    lambda lib: lib.nn.functional.unfold(lib.zeros(1, 3, 5, 5), 2, stride=0),
    lambda lib: lib.nn.functional.unfold(lib.zeros(1, 4, 5, 5, 5), 2),
    lambda lib: lib.nn.functional.fold(lib.zeros(1, 11, 16), (5, 5), 2),
    lambda lib: lib.nn.functional.fold(lib.zeros(1, 12, 15), (5, 5), 2),
    lambda lib: lib.nn.functional.fold(lib.zeros(2, 1, 12, 16), (5, 5), 2),
    lambda lib: lib.nn.functional.conv_tbc(lib.zeros(5, 2, 3), lib.zeros(3, 2, 4), lib.zeros(4)),
]


@pytest.mark.parametrize("case", range(len(UNFOLD_ERRORS)))
def test_unfold_fold_errors_like_torch(case):
    torch = _torch()
    (t1, m1), (t2, m2) = (_error(lambda: UNFOLD_ERRORS[case](lib)) for lib in (probtorch, torch))
    assert t1 is not None and t1 is t2
    assert m1 == m2


def test_unbatched_unfold_fold_shapes():
    x = probtorch.arange(48.0).reshape(3, 4, 4)
    cols = F.unfold(x, 2, stride=2)
    assert cols.shape == (12, 4)
    assert_close(F.fold(cols, (4, 4), 2, stride=2), x)
    counts = F.fold(F.unfold(probtorch.ones(1, 1, 3, 3), 2), (3, 3), 2)[0, 0]
    assert_close(counts, probtorch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]))


# ------------------------------------------------------------------------------------------------ modules
MODULE_CASES = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("Conv1d", (4, 6, 4), dict(padding="same", padding_mode="circular")),
    ("Conv2d", (4, 6, 3), dict(padding="same", bias=False, padding_mode="reflect")),
    ("Conv2d", (4, 2, (2, 3)), dict(padding=(1, 2), padding_mode="replicate", stride=(1, 2))),
    ("Conv3d", (4, 4, (2, 3, 2)), dict(padding=(1, 0, 1), padding_mode="replicate")),
    ("Conv3d", (4, 2, 2), dict(padding="valid", groups=2)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=3, groups=2, dilation=2)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, output_padding=1, bias=False)),
    ("ConvTranspose3d", (4, 2, 2), dict(stride=(1, 2, 1), padding=1)),
]


@pytest.mark.parametrize("name,args,kw", MODULE_CASES)
def test_module_matches_torch(name, args, kw):
    torch = _torch()
    m = getattr(nn, name)(*args, **kw)
    t = getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "output_padding", "padding_mode", "transposed"):
        assert getattr(m, attr) == getattr(t, attr), attr
    for (n1, p1), (n2, p2) in zip(m.named_parameters(), t.named_parameters()):
        assert n1 == n2 and tuple(p1.shape) == tuple(p2.shape)
        with probtorch.no_grad():
            p1.copy_(probtorch.tensor(p2.detach().numpy()))
    nd = len(m.kernel_size)
    x = np.random.default_rng(9).standard_normal((2, 4) + (6,) * nd).astype(np.float32)
    assert_close(m(probtorch.tensor(x)), t(torch.tensor(x)), rtol=1e-5, atol=1e-5)
    assert_close(m(probtorch.tensor(x[0])), t(torch.tensor(x[0])), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,args,kw", [MODULE_CASES[2], MODULE_CASES[7]])
def test_module_init_ranges(name, args, kw):
    probtorch.manual_seed(0)
    m = getattr(nn, name)(*args, **kw)
    w = m.weight.detach().numpy()
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    big = getattr(nn, name)(*args, **kw)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.5 * bound
    assert m.weight.requires_grad
    if m.bias is not None:
        assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert not np.array_equal(big.weight.detach().numpy(), w)
    # the spread over many draws: the variance of U(-b, b) is b^2 / 3 (checked within 5 standard errors)
    wide = getattr(nn, name)(64, 64, 5)
    v = wide.weight.detach().numpy().ravel()
    b = 1 / math.sqrt(64 // 1 * 25) if "Transpose" not in name else 1 / math.sqrt(64 * 25)
    se = math.sqrt(4 / 45 * b ** 4 / v.size)  # sd of x^2 for U(-b, b) is b^2 * sqrt(4/45)
    assert abs(np.mean(v ** 2) - b * b / 3) < 5 * se


def test_conv_transpose_output_size():
    torch = _torch()
    m = nn.ConvTranspose2d(4, 6, 3, stride=2)
    t = torch.nn.ConvTranspose2d(4, 6, 3, stride=2)
    x = np.random.default_rng(10).standard_normal((2, 4, 5, 5)).astype(np.float32)
    for size in ([12, 12], [11, 12], (2, 6, 12, 11)):
        want = tuple(t(torch.tensor(x), output_size=size).shape)
        assert tuple(m(probtorch.tensor(x), output_size=size).shape) == want
    for size in ([13, 12], [12]):
        (e1, m1), (e2, m2) = (_error(lambda: m(probtorch.tensor(x), output_size=size)),
                              _error(lambda: t(torch.tensor(x), output_size=size)))
        assert e1 is e2 is ValueError
        assert m1 == m2.replace("torch.Size(", "").replace("])", "]")


@pytest.mark.parametrize("ctor", [
    lambda M: M.Conv2d(4, 6, 3, groups=0),
    lambda M: M.Conv2d(4, 6, 3, groups=3),
    lambda M: M.Conv2d(4, 6, 3, groups=4),
    lambda M: M.Conv2d(4, 6, 3, padding="full"),
    lambda M: M.Conv2d(4, 6, 3, padding="same", stride=2),
    lambda M: M.Conv2d(4, 6, 3, padding_mode="mirror"),
    lambda M: M.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
])
def test_module_constructor_errors(ctor):
    torch = _torch()
    (e1, m1), (e2, m2) = _error(lambda: ctor(nn)), _error(lambda: ctor(torch.nn))
    assert e1 is e2 is ValueError
    # torch prints the allowed values from a set, whose order varies between processes
    assert m1.split("{")[0] == m2.split("{")[0]
    assert sorted(re.findall(r"'(\w+)'", m1)) == sorted(re.findall(r"'(\w+)'", m2))


def test_fold_unfold_modules():
    torch = _torch()
    x = np.random.default_rng(11).standard_normal((2, 3, 5, 6))
    u, ut = nn.Unfold((2, 3), padding=1, stride=2), torch.nn.Unfold((2, 3), padding=1, stride=2)
    f, ft = nn.Fold((5, 6), (2, 3), padding=1, stride=2), torch.nn.Fold((5, 6), (2, 3), padding=1, stride=2)
    assert repr(u) == repr(ut) and repr(f) == repr(ft)
    cols = u(probtorch.tensor(x))
    assert_close(cols, ut(torch.tensor(x)))
    assert_close(f(cols), ft(ut(torch.tensor(x))))


def test_module_backward_reaches_parameters():
    m = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", dtype=probtorch.float64)
    x = probtorch.randn(1, 2, 4, 4, dtype=probtorch.float64, requires_grad=True)
    m(x).pow(2).sum().backward()
    assert m.weight.grad.shape == m.weight.shape and m.bias.grad.shape == (3,)
    assert check_grads(lambda x: m(x), (x,), order=1)


def test_signatures_match_torch():
    import inspect
    torch = _torch()
    for name in ("unfold", "fold"):
        ours = inspect.signature(getattr(F, name)).parameters
        theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
    for name in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Fold",
                 "Unfold"):
        ours = inspect.signature(getattr(nn, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()], name
    # the builtin functionals have no signature object: call them by keyword on both libraries
    for lib in (probtorch, torch):
        Fn = lib.nn.functional
        x, w, b = lib.ones(1, 2, 4), lib.ones(2, 1, 2), lib.ones(2)
        assert Fn.conv1d(input=x, weight=w, bias=b, stride=1, padding=1, dilation=1, groups=2).shape == (1, 2, 5)
        assert Fn.conv_transpose1d(input=x, weight=w, bias=b, stride=2, padding=0, output_padding=1, groups=2,
                                   dilation=1).shape == (1, 2, 9)
        out = Fn.conv_tbc(input=lib.ones(4, 1, 2), weight=lib.ones(2, 2, 3), bias=lib.ones(3), pad=1)
        assert out.shape == (5, 1, 3)


def test_batch_chunking_gives_the_same_result(monkeypatch):
    x, w = _leaves((5, 4, 6, 5), (6, 2, 3, 2))
    fn = lambda: probtorch.autograd.grad(  # noqa: E731
        (F.conv2d(x, w, stride=(2, 1), padding=1, groups=2) ** 2).sum(), (x, w))
    whole = fn()
    monkeypatch.setattr(C, "_COLS_BYTES", 1)  # one sample per chunk
    for a, b in zip(fn(), whole):
        assert_close(a, b, rtol=1e-12, atol=1e-12)
    assert C._batch_chunks(5, 10**9) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert C._batch_chunks(0, 8) == [(0, 0)]
