"""embedding, gumbel_softmax, pixel_shuffle/unshuffle, prelu and nn.Embedding against torch."""
import numpy as np
import pytest

import probtorch as pt
from nn_oracle import run_case
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
EW = RNG.standard_normal((6, 3))
IDX = np.array([[0, 2, 5], [2, 3, 0]])
X8 = RNG.standard_normal((2, 8, 2, 3))
X4 = RNG.standard_normal((1, 2, 4, 6))
XP = RNG.standard_normal((2, 3, 4))
XP[np.abs(XP) < 0.05] = 0.3  # stay away from the kink
PW = RNG.uniform(0.05, 0.5, 3)

CASES = {
    "embedding": (lambda lib, F, w: F.embedding(lib.tensor(IDX), w), [EW]),
    "embedding_pad": (lambda lib, F, w: F.embedding(lib.tensor(IDX), w, padding_idx=2), [EW]),
    "embedding_pad_neg": (lambda lib, F, w: F.embedding(lib.tensor(IDX), w, padding_idx=-1), [EW]),
    "pixel_shuffle": (lambda lib, F, x: F.pixel_shuffle(x, 2), [X8]),
    "pixel_unshuffle": (lambda lib, F, x: F.pixel_unshuffle(x, 2), [X4]),
    "prelu_channel": (lambda lib, F, x, w: F.prelu(x, w), [XP, PW]),
    "prelu_single": (lambda lib, F, x, w: F.prelu(x, w[:1]), [XP, PW]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    fn, arrays = CASES[name]
    out, grads = run_case(pt, fn, arrays)
    tout, tgrads = run_case(torch, fn, arrays)
    np.testing.assert_allclose(out, tout, rtol=1e-12, atol=1e-14)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


# padding_idx deliberately breaks the finite-difference identity (the row is frozen), so it is checked against torch
@pytest.mark.parametrize("name", sorted(n for n in CASES if "_pad" not in n))
def test_gradcheck(name):
    fn, arrays = CASES[name]
    ts = [pt.tensor(a, dtype=pt.float64, requires_grad=True) for a in arrays]
    f = lambda *xs: fn(pt, pt.nn.functional, *xs)  # noqa: E731
    assert gradcheck(f, ts)
    assert gradgradcheck(f, ts)


def test_padding_row_gets_zero_grad():
    w = pt.tensor(EW, requires_grad=True)
    pt.nn.functional.embedding(pt.tensor(IDX), w, padding_idx=0).sum().backward()
    assert np.all(w.grad.numpy()[0] == 0)
    assert np.all(w.grad.numpy()[2] == 2)


def test_max_norm_renormalises_in_place():
    ws = {}
    for lib in (pt, torch):
        w = lib.tensor(EW * 3)
        out = lib.nn.functional.embedding(lib.tensor(IDX), w, max_norm=1.5, norm_type=1.0)
        ws[lib.__name__] = (w.numpy(), out.numpy())
    for a, b in zip(ws["probtorch"], ws["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert np.allclose(ws["probtorch"][0][[1, 4]], EW[[1, 4]] * 3)  # unused rows untouched


def test_pixel_shuffle_roundtrip():
    x = pt.tensor(X8)
    F = pt.nn.functional
    assert np.array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), X8)


def test_gumbel_softmax_soft_is_distribution():
    logits = pt.tensor(RNG.standard_normal((5, 4)))
    y = pt.nn.functional.gumbel_softmax(logits, tau=0.5)
    assert y.shape == (5, 4)
    np.testing.assert_allclose(y.sum(-1).numpy(), 1.0, rtol=1e-12)
    assert (y.numpy() > 0).all()


def test_gumbel_softmax_hard_frequencies():
    # Gumbel-max: argmax of logits + Gumbel noise is a draw from softmax(logits)
    n = 20000
    p = np.array([0.1, 0.2, 0.3, 0.4])
    logits = pt.tensor(np.log(p)).expand(n, 4)
    y = pt.nn.functional.gumbel_softmax(logits, tau=0.3, hard=True).numpy()
    assert set(np.unique(y)) <= {0.0, 1.0} and np.all(y.sum(-1) == 1)
    freq = y.mean(0)
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 5 * se)


def test_gumbel_softmax_hard_gradient_equals_soft():
    logits_np = RNG.standard_normal((3, 5))
    w = pt.tensor(RNG.standard_normal((3, 5)))
    grads = []
    for hard in (False, True):
        pt.manual_seed(7)
        logits = pt.tensor(logits_np, requires_grad=True)
        y = pt.nn.functional.gumbel_softmax(logits, tau=0.7, hard=hard)
        (y * w).sum().backward()
        grads.append(logits.grad.numpy())
        if hard:
            assert np.all(y.detach().numpy().sum(-1) == 1) and set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
        else:
            soft = y.detach().numpy()
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    assert not np.allclose(grads[0], 0)
    pt.manual_seed(7)
    hard = pt.nn.functional.gumbel_softmax(pt.tensor(logits_np), tau=0.7, hard=True).numpy()
    assert np.array_equal(hard.argmax(-1), soft.argmax(-1))


def test_errors():
    F = pt.nn.functional
    w = pt.randn(6, 3)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(pt.tensor([0, 6]), w)
    with pytest.raises(RuntimeError, match="indices"):
        F.embedding(pt.tensor([0.0, 1.0]), w)
    with pytest.raises(AssertionError, match="Padding_idx"):
        F.embedding(pt.tensor([0]), w, padding_idx=6)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(pt.randn(1, 6, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(pt.randn(4, 2), 2)
    with pytest.raises(RuntimeError, match="divisible by downscale_factor"):
        F.pixel_unshuffle(pt.randn(1, 1, 3, 4), 2)
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        F.prelu(pt.randn(2, 3), pt.ones(4))
    with pytest.raises(RuntimeError, match="channel size = 1"):
        F.prelu(pt.randn(3), pt.ones(3))


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}, {"max_norm": 1.0}])
def test_embedding_module_against_torch(kwargs):
    m = pt.nn.Embedding(6, 3, **kwargs).double()
    tm = torch.nn.Embedding(6, 3, **kwargs).double()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    y, ty = m(pt.tensor(IDX)), tm(torch.tensor(IDX))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(2).standard_normal(tuple(ty.shape))
    (y * pt.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)


def test_embedding_module_init_and_from_pretrained():
    m = pt.nn.Embedding(50, 40, padding_idx=-1)
    assert m.padding_idx == 49 and np.all(m.weight.detach().numpy()[49] == 0)
    rest = m.weight.detach().numpy()[:49].ravel()
    assert abs(rest.mean()) < 5 / np.sqrt(rest.size) and abs(rest.std() - 1) < 5 / np.sqrt(2 * rest.size)
    table = pt.tensor(EW)
    frozen = pt.nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.num_embeddings == 6 and frozen.embedding_dim == 3
    np.testing.assert_array_equal(frozen(pt.tensor([4, 1])).numpy(), EW[[4, 1]])
    table[4, 0] = 9.0  # the table is shared, as in torch
    assert frozen(pt.tensor([4])).numpy()[0, 0] == 9.0
    trainable = pt.nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    trainable(pt.tensor(IDX)).sum().backward()
    assert trainable.weight.grad is not None and np.all(trainable.weight.grad.numpy()[0] == 0)
    with pytest.raises(AssertionError, match="2-dimensional"):
        pt.nn.Embedding.from_pretrained(pt.zeros(3))
    with pytest.raises(AssertionError, match="Padding_idx"):
        pt.nn.Embedding(3, 2, padding_idx=3)
