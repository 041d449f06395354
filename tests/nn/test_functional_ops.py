"""nn.functional activations, linear and losses: values and gradients against torch, gradcheck/gradgradcheck."""
import numpy as np
import pytest

import probtorch as pt
from nn_oracle import run_case
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
T = RNG.standard_normal((4, 5))
P = 1 / (1 + np.exp(-RNG.standard_normal((4, 5))))
CLS = RNG.integers(0, 5, 4)
PROB_T = np.exp(RNG.standard_normal((4, 5)))
PROB_T /= PROB_T.sum(1, keepdims=True)
W = RNG.standard_normal((3, 5))
B = RNG.standard_normal(3)

# name -> (fn(lib, F, *tensors), float inputs, non-differentiable extras)
CASES = {
    "relu": (lambda lib, F, x: F.relu(x), [X]),
    "leaky_relu": (lambda lib, F, x: F.leaky_relu(x, 0.2), [X]),
    "elu": (lambda lib, F, x: F.elu(x, 0.7), [X]),
    "selu": (lambda lib, F, x: F.selu(x), [X]),
    "celu": (lambda lib, F, x: F.celu(x, 1.3), [X]),
    "gelu": (lambda lib, F, x: F.gelu(x), [X]),
    "gelu_tanh": (lambda lib, F, x: F.gelu(x, approximate="tanh"), [X]),
    "silu": (lambda lib, F, x: F.silu(x), [X]),
    "mish": (lambda lib, F, x: F.mish(x), [X]),
    "softplus": (lambda lib, F, x: F.softplus(x * 10, beta=2.0, threshold=5.0), [X]),
    "softsign": (lambda lib, F, x: F.softsign(x), [X]),
    "logsigmoid": (lambda lib, F, x: F.logsigmoid(x * 30), [X]),
    "hardtanh": (lambda lib, F, x: F.hardtanh(x, -0.5, 0.5), [X]),
    "hardsigmoid": (lambda lib, F, x: F.hardsigmoid(x * 4), [X]),
    "hardswish": (lambda lib, F, x: F.hardswish(x * 4), [X]),
    "softshrink": (lambda lib, F, x: F.softshrink(x, 0.3), [X]),
    "glu": (lambda lib, F, x: F.glu(x[:, :4], -1), [X]),
    "softmax": (lambda lib, F, x: F.softmax(x, 1), [X]),
    "log_softmax": (lambda lib, F, x: F.log_softmax(x, 0), [X]),
    "softmin": (lambda lib, F, x: F.softmin(x, -1), [X]),
    "normalize": (lambda lib, F, x: F.normalize(x, 2.0, 1), [X]),
    "linear": (lambda lib, F, x, w, b: F.linear(x, w, b), [X, W, B]),
    "mse_loss": (lambda lib, F, x, t: F.mse_loss(x, t), [X, T]),
    "mse_loss_none": (lambda lib, F, x, t: F.mse_loss(x, t, reduction="none"), [X, T]),
    "l1_loss": (lambda lib, F, x, t: F.l1_loss(x, t, reduction="sum"), [X, T]),
    "huber_loss": (lambda lib, F, x, t: F.huber_loss(x, t, delta=0.5), [X, T]),
    "smooth_l1_loss": (lambda lib, F, x, t: F.smooth_l1_loss(x, t, beta=0.5), [X, T]),
    "cross_entropy": (lambda lib, F, x: F.cross_entropy(x, lib.tensor(CLS)), [X]),
    "cross_entropy_smooth_w": (lambda lib, F, x: F.cross_entropy(x, lib.tensor(CLS), weight=lib.tensor(
        np.linspace(0.5, 2, 5)), label_smoothing=0.1), [X]),
    "cross_entropy_probs": (lambda lib, F, x, t: F.cross_entropy(x, t), [X, PROB_T]),
    "nll_loss_ignore": (lambda lib, F, x: F.nll_loss(F.log_softmax(x, 1), lib.tensor(np.where(CLS == 2, -100, CLS)),
                                                     reduction="sum"), [X]),
    "bce": (lambda lib, F, p, t: F.binary_cross_entropy(p, t), [P, P[::-1].copy()]),
    "bce_with_logits": (lambda lib, F, x, t: F.binary_cross_entropy_with_logits(x * 5, t), [X, P]),
    "bce_with_logits_pw": (lambda lib, F, x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=lib.tensor(np.linspace(0.5, 3, 5))), [X, P]),
    "kl_div": (lambda lib, F, x, t: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean"), [X, PROB_T]),
    "kl_div_log_target": (lambda lib, F, x, t: F.kl_div(x, t, reduction="sum", log_target=True), [X, T]),
    "gaussian_nll": (lambda lib, F, x, t, v: F.gaussian_nll_loss(x, t, v.exp(), full=True), [X, T, T]),
    "poisson_nll": (lambda lib, F, x, t: F.poisson_nll_loss(x, t.abs()), [X, T]),
    "cosine_similarity": (lambda lib, F, x, t: F.cosine_similarity(x, t, dim=1), [X, T]),
    "pairwise_distance": (lambda lib, F, x, t: F.pairwise_distance(x, t), [X, T]),
    "triplet_margin": (lambda lib, F, x, t, v: F.triplet_margin_loss(x, t, v, margin=2.0), [X, T, T[::-1].copy()]),
    "margin_ranking": (lambda lib, F, x, t: F.margin_ranking_loss(x[:, 0], t[:, 0], lib.tensor([1., -1, 1, -1],
                                                                                                  dtype=x.dtype)),
                       [X, T]),
    "soft_margin": (lambda lib, F, x: F.soft_margin_loss(x, lib.tensor(np.sign(T), dtype=x.dtype)), [X]),
    "hinge_embedding": (lambda lib, F, x: F.hinge_embedding_loss(x, lib.tensor(np.sign(T), dtype=x.dtype)), [X]),
    "pad": (lambda lib, F, x: F.pad(x, (1, 2, -1, 1), value=0.5), [X]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    fn, arrays = CASES[name]
    out, grads = run_case(pt, fn, arrays)
    tout, tgrads = run_case(torch, fn, arrays)
    np.testing.assert_allclose(out, tout, rtol=1e-9, atol=1e-12)
    for g, tg in zip(grads, tgrads):
        if tg is None:
            assert g is None or np.allclose(g, 0)
        else:
            np.testing.assert_allclose(g, tg, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, arrays = CASES[name]
    # small inputs keep the finite-difference Jacobians cheap; avoid kinks of piecewise maps
    ts = [pt.tensor(a[:2], dtype=pt.float64, requires_grad=True) if a.ndim > 1 else
          pt.tensor(a, dtype=pt.float64, requires_grad=True) for a in arrays]
    if name in ("cross_entropy", "cross_entropy_smooth_w", "nll_loss_ignore", "margin_ranking", "soft_margin",
                "hinge_embedding", "linear", "glu"):
        ts = [pt.tensor(a, dtype=pt.float64, requires_grad=True) for a in arrays]
    f = lambda *xs: fn(pt, pt.nn.functional, *xs)  # noqa: E731
    assert gradcheck(f, ts)
    assert gradgradcheck(f, ts)


def test_errors():
    F = pt.nn.functional
    x = pt.randn(3, 4)
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, pt.tensor([0, 1, 7]))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(x, x[0])
    with pytest.raises(ValueError, match="dropout probability"):
        F.dropout(x, 1.5)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(x, (1,))


def test_dropout_statistics():
    x = pt.ones(200000)
    y = pt.nn.functional.dropout(x, 0.3)
    keep = (y != 0).float().mean().item()
    se = (0.3 * 0.7 / 200000) ** 0.5
    assert abs(keep - 0.7) < 5 * se
    assert np.allclose(y[y != 0].numpy(), 1 / 0.7)
    assert pt.nn.functional.dropout(x, 0.3, training=False) is x


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 3, 5), (2, 1)), ((1, 2, 4, 5), (1, 2, 3, 0)), ((2, 3, 4), (0, 3)),
                                       ((1, 1, 3, 3, 4), (1, 1, 2, 1, 0, 2))])
def test_pad_modes_against_torch(mode, shape, pad):
    x = np.random.default_rng(4).standard_normal(shape)
    if mode == "reflect" and any(p >= s for p, s in zip(pad[::2] + pad[1::2], list(shape[::-1]) * 2)):
        pad = tuple(min(p, 1) for p in pad)
    fn = lambda lib, F, t: F.pad(t, pad, mode=mode)  # noqa: E731
    out, grads = run_case(pt, fn, [x])
    tout, tgrads = run_case(torch, fn, [x])
    np.testing.assert_allclose(out, tout)
    np.testing.assert_allclose(grads[0], tgrads[0], rtol=1e-12)
    t = pt.tensor(x[..., :3] if x.shape[-1] > 3 else x, dtype=pt.float64, requires_grad=True)
    small = tuple(min(p, 1) for p in pad)
    assert gradgradcheck(lambda v: pt.nn.functional.pad(v, small, mode=mode), (t,))


def test_pad_mode_errors():
    F = pt.nn.functional
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        F.pad(pt.zeros(1, 1, 3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="doesn't take in value"):
        F.pad(pt.zeros(1, 1, 3), (1, 0), mode="replicate", value=2.0)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode"):
        F.pad(pt.zeros(1, 1, 3), (1, 0), mode="wrap")


def test_relu_keeps_nan_and_has_zero_gradient_at_zero():
    x = pt.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    y = pt.nn.functional.relu(x)
    assert np.isnan(y.detach().numpy()[0]) and y.detach().numpy()[1:].tolist() == [0.0, 0.0, 2.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [1.0, 0.0, 0.0, 1.0]  # torch's threshold rule: NaN passes the gradient
