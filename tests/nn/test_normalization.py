"""Normalization ops and modules: values and gradients against torch, gradcheck/gradgradcheck."""
import numpy as np
import pytest

import probtorch as pt
from nn_oracle import run_case
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((2, 4, 3))
X4 = RNG.standard_normal((2, 4, 2, 3))
W4 = RNG.standard_normal(4)
B4 = RNG.standard_normal(4)
W3 = RNG.standard_normal(3)
B3 = RNG.standard_normal(3)
RM = RNG.standard_normal(4)
RV = np.exp(RNG.standard_normal(4))

CASES = {
    "layer_norm": (lambda lib, F, x, w, b: F.layer_norm(x, (3,), w, b), [X3, W3, B3]),
    "layer_norm_2d": (lambda lib, F, x: F.layer_norm(x, (4, 3), eps=1e-3), [X3]),
    "rms_norm": (lambda lib, F, x, w: F.rms_norm(x, [3], w), [X3, W3]),
    "rms_norm_eps": (lambda lib, F, x: F.rms_norm(x, (4, 3), eps=0.1), [X3]),
    "group_norm": (lambda lib, F, x, w, b: F.group_norm(x, 2, w, b), [X4, W4, B4]),
    "group_norm_1": (lambda lib, F, x: F.group_norm(x, 1), [X3]),
    "instance_norm": (lambda lib, F, x, w, b: F.instance_norm(x, weight=w, bias=b), [X4, W4, B4]),
    "batch_norm_train": (lambda lib, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [X4, W4, B4]),
    "batch_norm_eval": (lambda lib, F, x, w, b: F.batch_norm(x, lib.tensor(RM), lib.tensor(RV), w, b), [X3, W4, B4]),
    "local_response_norm": (lambda lib, F, x: F.local_response_norm(x, 3, alpha=0.5, beta=0.6, k=1.5), [X4]),
    "local_response_norm_even": (lambda lib, F, x: F.local_response_norm(x, 2), [X3]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    fn, arrays = CASES[name]
    out, grads = run_case(pt, fn, arrays)
    tout, tgrads = run_case(torch, fn, arrays)
    np.testing.assert_allclose(out, tout, rtol=1e-9, atol=1e-12)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, arrays = CASES[name]
    ts = [pt.tensor(a, dtype=pt.float64, requires_grad=True) for a in arrays]
    f = lambda *xs: fn(pt, pt.nn.functional, *xs)  # noqa: E731
    assert gradcheck(f, ts)
    assert gradgradcheck(f, ts)


@pytest.mark.parametrize("fname", ["batch_norm", "instance_norm"])
def test_running_stats_update(fname):
    x = X4 * 2 + 1
    stats = {}
    for lib in (pt, torch):
        rm, rv = lib.tensor(RM.copy()), lib.tensor(RV.copy())
        if fname == "batch_norm":
            lib.nn.functional.batch_norm(lib.tensor(x), rm, rv, training=True, momentum=0.3)
        else:
            lib.nn.functional.instance_norm(lib.tensor(x), rm, rv, momentum=0.3)
        stats[lib.__name__] = (rm.numpy(), rv.numpy())
    for a, b in zip(stats["probtorch"], stats["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_errors():
    F = pt.nn.functional
    x = pt.randn(2, 4, 3)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match="weight"):
        F.layer_norm(x, (3,), weight=pt.ones(4))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(x, 3)
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements"):
        F.batch_norm(x, pt.zeros(3), pt.ones(4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(pt.randn(1, 4), None, None, training=True)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(x, (2, 3))


def _pair(make):
    """Same module in probtorch and torch (float64), torch's parameters copied from ours."""
    m, tm = make(pt), make(torch).double()
    m.double()
    g = np.random.default_rng(3)
    with pt.no_grad():
        for p in m.parameters():
            p.copy_(pt.tensor(g.standard_normal(tuple(p.shape))))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    return m, tm


def _compare(m, tm, x, rtol=1e-10):
    xp, xt = pt.tensor(x, dtype=pt.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xp), tm(xt)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=1e-12)
    w = np.random.default_rng(5).standard_normal(tuple(ty.shape))
    (y * pt.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    for (n, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=n)
    for (n, b), tb in zip(m.named_buffers(), tm.buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-12, err_msg=n)


MODULES = {
    "LayerNorm": (lambda lib: lib.nn.LayerNorm((4, 3)), X3),
    "LayerNorm_nobias": (lambda lib: lib.nn.LayerNorm(3, bias=False), X3),
    "LayerNorm_noaffine": (lambda lib: lib.nn.LayerNorm(3, elementwise_affine=False), X3),
    "RMSNorm": (lambda lib: lib.nn.RMSNorm(3), X3),
    "RMSNorm_eps": (lambda lib: lib.nn.RMSNorm([4, 3], eps=1e-3), X3),
    "GroupNorm": (lambda lib: lib.nn.GroupNorm(2, 4), X4),
    "BatchNorm1d": (lambda lib: lib.nn.BatchNorm1d(4), X3),
    "BatchNorm1d_2d": (lambda lib: lib.nn.BatchNorm1d(4, momentum=0.3), X4[:, :, 0, 0]),
    "BatchNorm1d_cma": (lambda lib: lib.nn.BatchNorm1d(4, momentum=None), X3),
    "BatchNorm2d": (lambda lib: lib.nn.BatchNorm2d(4), X4),
    "BatchNorm2d_noaffine": (lambda lib: lib.nn.BatchNorm2d(4, affine=False), X4),
    "BatchNorm2d_untracked": (lambda lib: lib.nn.BatchNorm2d(4, track_running_stats=False), X4),
    "InstanceNorm1d": (lambda lib: lib.nn.InstanceNorm1d(4, affine=True), X3),
    "InstanceNorm2d_tracked": (lambda lib: lib.nn.InstanceNorm2d(4, track_running_stats=True), X4),
    "LocalResponseNorm": (lambda lib: lib.nn.LocalResponseNorm(3), X4),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_train_then_eval_against_torch(name):
    make, x = MODULES[name]
    m, tm = _pair(make)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(m.state_dict()) == list(tm.state_dict())
    for step in range(3):  # several training steps exercise the running averages
        _compare(m, tm, x * (step + 1) + step)
        m.zero_grad()
        tm.zero_grad()
    m.eval()
    tm.eval()
    _compare(m, tm, x[::-1].copy())


def test_batchnorm_module_errors_and_reset():
    with pytest.raises(ValueError, match="expected 4D input"):
        pt.nn.BatchNorm2d(3)(pt.randn(2, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        pt.nn.BatchNorm1d(3)(pt.randn(2, 3, 1, 1))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        pt.nn.GroupNorm(3, 4)
    bn = pt.nn.BatchNorm1d(3)
    bn(pt.randn(5, 3) * 3 + 2)
    assert bn.num_batches_tracked.item() == 1 and not np.allclose(bn.running_mean.numpy(), 0)
    bn.reset_running_stats()
    assert np.all(bn.running_mean.numpy() == 0) and np.all(bn.running_var.numpy() == 1)
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("make", [lambda lib: lib.nn.BatchNorm2d(4), lambda lib: lib.nn.GroupNorm(2, 4),
                                  lambda lib: lib.nn.LayerNorm([2, 3]), lambda lib: lib.nn.RMSNorm(3),
                                  lambda lib: lib.nn.InstanceNorm2d(4)])
def test_float32_default_modules(make):
    x = X4.astype(np.float32)
    m, tm = make(pt), make(torch)
    y, ty = m(pt.tensor(x)), tm(torch.tensor(x))
    assert y.dtype == pt.float32 and all(b.dtype in (pt.float32, pt.int64) for b in m.buffers())
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
