"""The simpler nn modules (dropout, padding, flatten, pixel shuffle, distances, lazy layers, adaptive softmax, extra
activations / losses / norms): forward and gradients against torch with the same parameters, repr, state_dict keys,
init ranges, train/eval and errors."""
import math
import warnings

import numpy as np
import pytest

import probtorch as pt
from probtorch.testing import check_grads

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _arr(*shape, positive=False):
    a = RNG.standard_normal(shape)
    return np.abs(a) + 0.5 if positive else a


def _copy_params(src_torch, dst_pt):
    """Load torch's initial parameters/buffers into the probtorch module (keys must agree)."""
    sd = {k: pt.tensor(v.detach().numpy()) for k, v in src_torch.state_dict().items()}
    dst_pt.load_state_dict(sd)


def _needs_grad(a):
    """Float data is differentiated; integer targets and +-1 labels are not."""
    return a.dtype.kind == "f" and not np.all(np.abs(a) == 1)


def _compare(pm, tm, arrays, rtol=1e-10, atol=1e-12, params=True):
    """Run both modules on float64 leaves; compare outputs, input gradients and parameter gradients."""
    pts = [pt.tensor(a, dtype=pt.float64 if a.dtype.kind == "f" else None, requires_grad=_needs_grad(a))
           for a in arrays]
    tts = [torch.tensor(a, dtype=torch.float64 if a.dtype.kind == "f" else None, requires_grad=_needs_grad(a))
           for a in arrays]
    pout, tout = pm(*pts), tm(*tts)
    np.testing.assert_allclose(pout.detach().numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    (pout * pt.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for p, t in zip(pts, tts):
        if t.requires_grad:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    if params:
        for (n, p), (tn, t) in zip(pm.named_parameters(), tm.named_parameters()):
            assert n == tn
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    return pout


# --------------------------------------------------------------------------------------------------- stateless table
# (constructor on a library's nn, input arrays, gradcheck?)
STATELESS = [
    ("ConstantPad1d", lambda nn: nn.ConstantPad1d((1, 2), 3.5), [_arr(2, 3, 4)]),
    ("ConstantPad2d", lambda nn: nn.ConstantPad2d(1, -1.0), [_arr(2, 3, 3)]),
    ("ConstantPad3d", lambda nn: nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.5), [_arr(1, 2, 2, 2, 2)]),
    ("ConstantPad2d_neg", lambda nn: nn.ConstantPad2d((-1, 1, 0, -1), 2.0), [_arr(1, 3, 4)]),
    ("ZeroPad1d", lambda nn: nn.ZeroPad1d(2), [_arr(3, 4)]),
    ("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 1, 2, 0)), [_arr(1, 2, 3, 3)]),
    ("ZeroPad3d", lambda nn: nn.ZeroPad3d(1), [_arr(1, 1, 2, 2, 2)]),
    ("ReflectionPad1d", lambda nn: nn.ReflectionPad1d((2, 1)), [_arr(2, 3, 4)]),
    ("ReflectionPad2d", lambda nn: nn.ReflectionPad2d(1), [_arr(2, 3, 3)]),
    ("ReflectionPad3d", lambda nn: nn.ReflectionPad3d((1, 0, 1, 1, 0, 1)), [_arr(1, 1, 3, 3, 3)]),
    ("ReplicationPad1d", lambda nn: nn.ReplicationPad1d((3, 1)), [_arr(2, 3, 4)]),
    ("ReplicationPad2d", lambda nn: nn.ReplicationPad2d((1, 2, 0, 1)), [_arr(1, 2, 3, 3)]),
    ("ReplicationPad3d", lambda nn: nn.ReplicationPad3d(1), [_arr(1, 2, 2, 2)]),
    ("CircularPad1d", lambda nn: nn.CircularPad1d((2, 1)), [_arr(2, 3, 4)]),
    ("CircularPad2d", lambda nn: nn.CircularPad2d(1), [_arr(1, 2, 3, 3)]),
    ("CircularPad3d", lambda nn: nn.CircularPad3d((1, 0, 0, 1, 1, 1)), [_arr(1, 1, 2, 3, 3)]),
    ("Flatten", lambda nn: nn.Flatten(), [_arr(2, 3, 2, 2)]),
    ("Flatten_range", lambda nn: nn.Flatten(0, 2), [_arr(2, 3, 2, 2)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, -1)), [_arr(3, 6)]),
    ("Unflatten_neg", lambda nn: nn.Unflatten(-1, [2, 2]), [_arr(3, 2, 4)]),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), [_arr(2, 8, 2, 3)]),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [_arr(1, 2, 4, 6)]),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(), [_arr(4, 5), _arr(4, 5)]),
    ("CosineSimilarity_dim", lambda nn: nn.CosineSimilarity(dim=-1, eps=1e-6), [_arr(3, 4), _arr(1, 4)]),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(), [_arr(4, 5), _arr(4, 5)]),
    ("PairwiseDistance_p1", lambda nn: nn.PairwiseDistance(p=1.0, eps=1e-3, keepdim=True),
     [_arr(4, 5), _arr(4, 5)]),
    ("PairwiseDistance_p3", lambda nn: nn.PairwiseDistance(p=3.0), [_arr(4, 5), _arr(4, 5)]),
    ("Softmax2d", lambda nn: nn.Softmax2d(), [_arr(2, 3, 2, 2)]),
    ("Softmax2d_3d", lambda nn: nn.Softmax2d(), [_arr(3, 2, 2)]),
    ("Dropout_eval", lambda nn: nn.Dropout(0.3).eval(), [_arr(3, 4)]),
    ("Dropout2d_eval", lambda nn: nn.Dropout2d(0.3).eval(), [_arr(2, 3, 2, 2)]),
    ("AlphaDropout_eval", lambda nn: nn.AlphaDropout(0.3).eval(), [_arr(3, 4)]),
    ("CrossMapLRN2d_forward", lambda nn: nn.CrossMapLRN2d(3, 0.5, 0.75, 2.0), [_arr(2, 5, 2, 2)]),
    ("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(2), [_arr(2, 2, 2, 3, 3)]),
    ("InstanceNorm3d_unbatched", lambda nn: nn.InstanceNorm3d(2), [_arr(2, 2, 3, 3)]),
    ("InstanceNorm3d_scale_only", lambda nn: nn.InstanceNorm3d(2, affine=True, bias=False), [_arr(2, 2, 2, 2, 2)]),
    ("BatchNorm2d_scale_only", lambda nn: nn.BatchNorm2d(2, bias=False), [_arr(3, 2, 2, 2)]),
    ("SoftMarginLoss", lambda nn: nn.SoftMarginLoss(), [_arr(3, 4), np.sign(_arr(3, 4))]),
    ("SoftMarginLoss_sum", lambda nn: nn.SoftMarginLoss(reduction="sum"), [_arr(5), np.sign(_arr(5))]),
    ("HingeEmbeddingLoss", lambda nn: nn.HingeEmbeddingLoss(margin=0.7), [_arr(3, 4), np.sign(_arr(3, 4))]),
    ("HingeEmbeddingLoss_none", lambda nn: nn.HingeEmbeddingLoss(reduction="none"), [_arr(6), np.sign(_arr(6))]),
    ("MarginRankingLoss", lambda nn: nn.MarginRankingLoss(margin=0.2), [_arr(5), _arr(5), np.sign(_arr(5))]),
    ("CosineEmbeddingLoss", lambda nn: nn.CosineEmbeddingLoss(margin=0.1),
     [_arr(4, 3), _arr(4, 3), np.sign(_arr(4))]),
    ("TripletMarginLoss", lambda nn: nn.TripletMarginLoss(margin=2.0), [_arr(4, 3), _arr(4, 3), _arr(4, 3)]),
    ("TripletMarginLoss_swap", lambda nn: nn.TripletMarginLoss(p=1.0, swap=True, reduction="none"),
     [_arr(4, 3), _arr(4, 3), _arr(4, 3)]),
]
NO_TORCH_GRAD = {"CrossMapLRN2d_forward"}  # torch's legacy backward for this layer is not the derivative


@pytest.mark.parametrize("name,ctor,arrays", STATELESS, ids=[c[0] for c in STATELESS])
def test_stateless_against_torch(name, ctor, arrays):
    pm, tm = ctor(pt.nn).double(), ctor(torch.nn).double()
    if name in NO_TORCH_GRAD:
        out = pm(*[pt.tensor(a) for a in arrays])
        ref = tm(*[torch.tensor(a) for a in arrays])
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)
    else:
        _compare(pm, tm, arrays)
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())


GRAD_CASES = ["ConstantPad2d", "ReflectionPad2d", "ReplicationPad1d", "CircularPad2d", "PixelShuffle",
              "CosineSimilarity", "PairwiseDistance_p3", "Softmax2d", "CrossMapLRN2d_forward", "InstanceNorm3d",
              "MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss_swap"]


@pytest.mark.parametrize("name", GRAD_CASES)
def test_stateless_gradcheck(name):
    _, ctor, arrays = next(c for c in STATELESS if c[0] == name)
    pm = ctor(pt.nn)
    inputs = tuple(pt.tensor(a, dtype=pt.float64, requires_grad=_needs_grad(a)) for a in arrays)
    assert check_grads(lambda *xs: pm(*xs), inputs, order=2)


def test_crossmaplrn2d_legacy_window_and_error():
    # the historic running sum never drops channel 0: probe it with a spike on channel 0
    x = np.ones((1, 7, 1, 1))
    x[0, 0] = 3.0
    for size in (1, 2, 3, 4, 6):
        out = pt.nn.CrossMapLRN2d(size, 1.0, 1.0, 1.0)(pt.tensor(x)).numpy()
        ref = torch.nn.CrossMapLRN2d(size, 1.0, 1.0, 1.0)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        pt.nn.CrossMapLRN2d(3)(pt.randn(2, 3, 4))
    assert repr(pt.nn.CrossMapLRN2d(3)) == repr(torch.nn.CrossMapLRN2d(3))


# --------------------------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"])
def test_dropout_repr_and_errors(cls):
    for args in [(), (0.2, True)]:
        assert repr(getattr(pt.nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            getattr(pt.nn, cls)(p)


def test_dropout_training_statistics():
    n, p = 20000, 0.3
    m = pt.nn.Dropout(p)
    x = pt.ones(n, requires_grad=True)
    y = m(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / (1 - p))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / (1 - p))
    m.eval()
    assert m(x) is x or np.array_equal(m(x).detach().numpy(), x.detach().numpy())
    assert pt.nn.Dropout(1.0)(pt.ones(5)).abs().sum().item() == 0


@pytest.mark.parametrize("cls,shape", [("Dropout1d", (40, 50, 3)), ("Dropout2d", (40, 50, 2, 2)),
                                       ("Dropout3d", (40, 50, 2, 1, 2)), ("Dropout2d", (400, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    p = 0.4
    y = getattr(pt.nn, cls)(p)(pt.ones(*shape)).numpy()
    lead = 2 if len(shape) == {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5}[cls] else 1
    per_channel = y.reshape(int(np.prod(shape[:lead])), -1)
    assert np.all((per_channel == 0).all(1) | (per_channel == 1 / (1 - p)).all(1))
    frac = (per_channel == 0).all(1).mean()
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / per_channel.shape[0])


def test_alpha_dropout_keeps_mean_and_variance():
    n = 40000
    y = pt.nn.AlphaDropout(0.2)(pt.randn(n, dtype=pt.float64)).numpy()
    assert abs(y.mean()) < 5 / math.sqrt(n) * 1.5
    assert abs(y.var() - 1.0) < 5 * math.sqrt(2.0 / n) * 2
    assert (y == y[0]).mean() < 0.5  # not constant


# --------------------------------------------------------------------------------------------------- padding etc.
def test_padding_attributes_and_errors():
    assert pt.nn.ConstantPad2d(1, 0).padding == torch.nn.ConstantPad2d(1, 0).padding == (1, 1, 1, 1)
    assert pt.nn.ZeroPad2d(1).value == torch.nn.ZeroPad2d(1).value == 0.0
    assert pt.nn.ReflectionPad3d((1, 2, 0, 0, 1, 1)).padding == (1, 2, 0, 0, 1, 1)
    with pytest.raises(ValueError):
        pt.nn.ZeroPad2d((1, 2, 3))
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        pt.nn.CircularPad2d(1)(pt.randn(2, 3))


def test_flatten_unflatten_errors_and_repr():
    assert repr(pt.nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
    assert repr(pt.nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        pt.nn.Unflatten(1, (2, 2.5))
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        pt.nn.Unflatten(1, 4)
    with pytest.raises(RuntimeError):
        pt.nn.Unflatten(1, (4, 4))(pt.randn(2, 6))


def test_pixel_shuffle_roundtrip_and_errors():
    x = pt.randn(2, 18, 2, 2)
    assert pt.equal(pt.nn.PixelUnshuffle(3)(pt.nn.PixelShuffle(3)(x)), x)
    with pytest.raises(RuntimeError, match="divisible"):
        pt.nn.PixelShuffle(2)(pt.randn(1, 3, 2, 2))
    assert repr(pt.nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))


def test_softmax2d_error():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        pt.nn.Softmax2d()(pt.randn(2, 3))


def test_triplet_margin_error():
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        pt.nn.TripletMarginLoss(margin=0.0)


def test_nllloss2d_is_nllloss():
    assert issubclass(pt.nn.NLLLoss2d, pt.nn.NLLLoss)
    logp = _arr(2, 3, 2, 2)
    tgt = RNG.integers(0, 3, (2, 2, 2))
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        out = pt.nn.NLLLoss2d()(pt.tensor(logp), pt.tensor(tgt))
    with pytest.warns(FutureWarning):
        ref = torch.nn.NLLLoss2d()(torch.tensor(logp), torch.tensor(tgt))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)


# --------------------------------------------------------------------------------------------------- PReLU
@pytest.mark.parametrize("num,shape", [(1, (3, 4)), (3, (2, 3, 4)), (1, (3,)), (2, (2, 2, 2, 2))])
def test_prelu_against_torch(num, shape):
    tm = torch.nn.PReLU(num, init=0.1).double()
    pm = pt.nn.PReLU(num, init=0.1).double()
    np.testing.assert_allclose(pm.weight.detach().numpy(), np.full(num, 0.1))
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(RNG.uniform(-0.5, 0.5, num)))
    _copy_params(tm, pm)
    _compare(pm, tm, [_arr(*shape)])
    assert repr(pm) == repr(tm) and list(pm.state_dict()) == ["weight"]
    x = pt.tensor(_arr(*shape), requires_grad=True)
    assert check_grads(lambda a, w: pt.nn.functional.prelu(a, w), (x, pm.weight.detach().requires_grad_()))


# --------------------------------------------------------------------------------------------------- container
def test_container_is_deprecated():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = pt.nn.Container(a=pt.nn.ReLU(), b=pt.nn.Linear(2, 3))
    assert any(issubclass(x.category, FutureWarning) for x in w)
    assert list(c.state_dict()) == ["b.weight", "b.bias"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(c) == repr(torch.nn.Container(a=torch.nn.ReLU(), b=torch.nn.Linear(2, 3)))


def test_factory_kwargs():
    assert pt.nn.factory_kwargs(None) == {}
    assert pt.nn.factory_kwargs({"dtype": pt.float64, "factory_kwargs": {"device": "cpu"}}) == {
        "dtype": pt.float64, "device": "cpu"}
    with pytest.raises(TypeError, match="unexpected kwargs"):
        pt.nn.factory_kwargs({"foo": 1})
    with pytest.raises(TypeError, match="specified twice"):
        pt.nn.factory_kwargs({"dtype": pt.float64, "factory_kwargs": {"dtype": pt.float32}})


# --------------------------------------------------------------------------------------------------- linear CE loss
@pytest.mark.parametrize("kw", [{}, {"bias": True, "reduction": "sum", "label_smoothing": 0.1},
                                {"out_features": (2,), "ignore_index": 1, "reduction": "none"}])
def test_linear_cross_entropy_loss(kw):
    tm = torch.nn.LinearCrossEntropyLoss(4, 3, **kw).double()
    pm = pt.nn.LinearCrossEntropyLoss(4, 3, **kw).double()
    assert repr(pm) == repr(tm) and list(pm.state_dict()) == list(tm.state_dict())
    _copy_params(tm, pm)
    tshape = (5,) + tuple(kw.get("out_features", ()))
    target = RNG.integers(0, 3, tshape)
    _compare(pm, tm, [_arr(5, 4), target])


def test_linear_cross_entropy_errors_and_options():
    with pytest.raises(RuntimeError, match="expected weight shape to be"):
        pt.nn.LinearCrossEntropyLoss(4, 3, weight=pt.ones(2))
    with pytest.raises(RuntimeError, match="label_smoothing to be in range"):
        pt.nn.LinearCrossEntropyLoss(4, 3, label_smoothing=1.5)
    o = pt.nn.LinearCrossEntropyOptions()
    assert repr(o) == repr(torch.nn.LinearCrossEntropyOptions())
    assert o == pt.nn.LinearCrossEntropyOptions() and o != pt.nn.LinearCrossEntropyOptions(batch_chunk_size=4)
    w = pt.tensor([1.0, 2.0, 0.5])
    m = pt.nn.LinearCrossEntropyLoss(4, 3, weight=w, options=o)
    assert "weight" in m.state_dict() and m(pt.randn(5, 4), pt.tensor([0, 1, 2, 1, 0])).dim() == 0


# --------------------------------------------------------------------------------------------------- lazy
LAZY = [
    ("LazyLinear", lambda nn: nn.LazyLinear(3), (5, 4)),
    ("LazyLinear_nobias", lambda nn: nn.LazyLinear(3, bias=False), (2, 5, 4)),
    ("LazyConv1d", lambda nn: nn.LazyConv1d(4, 3, padding=1), (2, 3, 5)),
    ("LazyConv1d_unbatched", lambda nn: nn.LazyConv1d(4, 2, groups=2), (2, 5)),
    ("LazyConv2d", lambda nn: nn.LazyConv2d(2, 3, stride=2, bias=False), (1, 3, 5, 5)),
    ("LazyConv3d", lambda nn: nn.LazyConv3d(2, 2), (1, 2, 3, 3, 3)),
    ("LazyConvTranspose1d", lambda nn: nn.LazyConvTranspose1d(2, 3, stride=2, output_padding=1), (2, 3, 4)),
    ("LazyConvTranspose2d", lambda nn: nn.LazyConvTranspose2d(4, 2, groups=2), (1, 2, 3, 3)),
    ("LazyConvTranspose3d", lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 2, 2, 2, 2)),
    ("LazyBatchNorm1d", lambda nn: nn.LazyBatchNorm1d(), (6, 3)),
    ("LazyBatchNorm2d", lambda nn: nn.LazyBatchNorm2d(affine=False), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", lambda nn: nn.LazyBatchNorm3d(momentum=None), (2, 3, 2, 2, 2)),
    ("LazyBatchNorm1d_nobias", lambda nn: nn.LazyBatchNorm1d(bias=False), (5, 3, 2)),
    ("LazyInstanceNorm1d", lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 5)),
    ("LazyInstanceNorm2d", lambda nn: nn.LazyInstanceNorm2d(track_running_stats=False), (2, 3, 3, 3)),
    ("LazyInstanceNorm3d", lambda nn: nn.LazyInstanceNorm3d(affine=False), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("name,ctor,shape", LAZY, ids=[c[0] for c in LAZY])
def test_lazy_module_against_torch(name, ctor, shape):
    pm, tm = ctor(pt.nn), ctor(torch.nn).double()
    pm.double()
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    assert pm.has_uninitialized_params() and tm.has_uninitialized_params()
    x = _arr(*shape)
    pm(pt.tensor(x, dtype=pt.float64))
    tm(torch.tensor(x))
    cls = name.split("_")[0][4:]
    assert type(pm) is getattr(pt.nn, cls) and type(tm) is getattr(torch.nn, cls)
    assert [(k, tuple(v.shape)) for k, v in pm.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert all(type(p) is pt.nn.Parameter and p.dtype == pt.float64 for p in pm.parameters())
    assert all(type(b) is pt.Tensor for b in pm.buffers())
    _copy_params(tm, pm)
    pm.train(), tm.train()
    _compare(pm, tm, [_arr(*shape)])
    for k, v in tm.state_dict().items():  # running statistics updated alike
        np.testing.assert_allclose(pm.state_dict()[k].numpy(), v.numpy(), rtol=1e-10)


def test_lazy_init_ranges_and_first_forward_gradients():
    m = pt.nn.LazyLinear(50)
    x = pt.randn(3, 16, requires_grad=True)
    y = m(x)
    bound = 1 / math.sqrt(16)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound and w.std() > bound / 3
    y.sum().backward()
    assert m.weight.grad is not None and x.grad is not None and tuple(m.weight.grad.shape) == (50, 16)
    c = pt.nn.LazyConv2d(8, 3)
    c(pt.randn(1, 4, 5, 5))
    bound = 1 / math.sqrt(4 * 9)
    assert np.abs(c.weight.detach().numpy()).max() <= bound and c.in_channels == 4
    n = pt.nn.LazyBatchNorm1d()
    n(pt.randn(4, 3))
    np.testing.assert_array_equal(n.weight.detach().numpy(), np.ones(3))
    assert n.num_batches_tracked.item() == 1 and n.num_features == 3


def test_uninitialized_placeholders():
    p = pt.nn.UninitializedParameter()
    b = pt.nn.UninitializedBuffer(dtype=pt.float64)
    assert repr(p) == "<UninitializedParameter>" and repr(b) == "<UninitializedBuffer>"
    assert p.requires_grad and not b.requires_grad and p.dtype == pt.float32 and b.dtype == pt.float64
    assert isinstance(p, pt.nn.Parameter) and isinstance(b, pt.Tensor)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        p.shape
    with pytest.raises(ValueError, match="uninitialized parameter"):
        p + 1
    with pytest.raises(ValueError, match="uninitialized parameter"):
        pt.exp(b)
    p.materialize((2, 3))
    b.materialize(4)
    assert type(p) is pt.nn.Parameter and p.requires_grad and tuple(p.shape) == (2, 3)
    assert type(b) is pt.Tensor and tuple(b.shape) == (4,) and b.dtype == pt.float64


def test_lazy_load_state_dict_and_errors():
    ref = pt.nn.Linear(4, 3)
    m = pt.nn.LazyLinear(3)
    m.load_state_dict(ref.state_dict())
    assert not m.has_uninitialized_params()
    x = pt.randn(2, 4)
    np.testing.assert_allclose(m(x).detach().numpy(), ref(x).detach().numpy())
    assert type(m) is pt.nn.Linear and m.in_features == 4
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D \(batched\) input to LazyConv1d"):
        pt.nn.LazyConv1d(4, 3)(pt.randn(3, 5, 6, 7))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        pt.nn.LazyConv1d(4, 3, groups=2)(pt.randn(2, 3, 5))


# --------------------------------------------------------------------------------------------------- adaptive softmax
def _asm_pair(**kw):
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], **kw).double()
    pm = pt.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], **kw).double()
    _copy_params(tm, pm)
    return pm, tm


@pytest.mark.parametrize("kw", [{}, {"div_value": 2.0, "head_bias": True}])
def test_adaptive_log_softmax_against_torch(kw):
    pm, tm = _asm_pair(**kw)
    assert repr(pm) == repr(tm) and list(pm.state_dict()) == list(tm.state_dict())
    x = _arr(7, 8)
    target = np.array([0, 4, 9, 2, 7, 5, 9])
    px = pt.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    po, to = pm(px, pt.tensor(target)), tm(tx, torch.tensor(target))
    assert po._fields == ("output", "loss")
    np.testing.assert_allclose(po.output.detach().numpy(), to.output.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(po.loss.item(), to.loss.item(), rtol=1e-10)
    po.loss.backward()
    to.loss.backward()
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
    for (n, p), (_, t) in zip(pm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-12, err_msg=n)
    lp, tlp = pm.log_prob(pt.tensor(x)), tm.log_prob(torch.tensor(x))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.exp(lp.detach().numpy()).sum(1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(pm.predict(pt.tensor(x)).numpy(), tm.predict(torch.tensor(x)).numpy())
    # unbatched
    uo, uto = pm(pt.tensor(x[1]), pt.tensor(target[1])), tm(torch.tensor(x[1]), torch.tensor(target[1]))
    assert uo.output.dim() == 0
    np.testing.assert_allclose(uo.output.item(), uto.output.item(), rtol=1e-10)


def test_adaptive_log_softmax_gradcheck():
    pm, _ = _asm_pair(head_bias=True)
    target = pt.tensor([0, 4, 9, 7])
    x = pt.tensor(_arr(4, 8), requires_grad=True)
    assert check_grads(lambda a: pm(a, target).output, (x,))


def test_adaptive_log_softmax_errors():
    for cutoffs in ([3, 2], [0, 3], [3, 3], [3.5], [3, 10]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
            pt.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
    m = pt.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 6])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        m(pt.randn(3, 4), pt.tensor([0, 4, 10]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        m(pt.randn(3, 4), pt.tensor([0, 4]))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input"):
        m(pt.randn(3, 4, 1), pt.tensor([0, 4, 1]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input"):
        m(pt.randn(3, 4), pt.tensor(3))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        m(pt.randn(3, 4), pt.zeros(3, 2, dtype=pt.int64))


# --------------------------------------------------------------------------------------------------- float32
@pytest.mark.parametrize("ctor,shapes", [
    (lambda nn: nn.ReflectionPad2d(1), [(2, 3, 3)]),
    (lambda nn: nn.PixelShuffle(2), [(1, 4, 2, 2)]),
    (lambda nn: nn.PairwiseDistance(), [(3, 4), (3, 4)]),
    (lambda nn: nn.Softmax2d(), [(1, 3, 2, 2)]),
])
def test_float32_dtype_kept(ctor, shapes):
    arrays = [_arr(*s).astype(np.float32) for s in shapes]
    out = ctor(pt.nn)(*[pt.tensor(a) for a in arrays])
    ref = ctor(torch.nn)(*[torch.tensor(a) for a in arrays])
    assert out.dtype == pt.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_lazy_dtype_copy_and_pickle():
    import copy
    import pickle
    m = pt.nn.LazyLinear(3, dtype=pt.float64)
    m2 = copy.deepcopy(m)
    assert m2.has_uninitialized_params() and repr(m2.weight) == "<UninitializedParameter>"
    m2(pt.randn(2, 4, dtype=pt.float64))
    assert type(m2) is pt.nn.Linear and m2.weight.dtype == pt.float64
    assert type(m) is pt.nn.LazyLinear and m.has_uninitialized_params()
    p = pickle.loads(pickle.dumps(pt.nn.UninitializedParameter(dtype=pt.float64)))
    assert type(p) is pt.nn.UninitializedParameter and p.dtype == pt.float64
    c = pt.nn.LazyConv1d(2, 3).double()  # a dtype change before the first call sets the materialized dtype
    assert c.weight.dtype == pt.float64
    c(pt.randn(1, 2, 5, dtype=pt.float64))
    assert c.weight.dtype == pt.float64 and c.bias.dtype == pt.float64
    assert pt.nn.LazyLinear(3)(pt.randn(2, 4)).dtype == pt.float32


def test_adaptive_log_softmax_float32():
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(6, 7, [2, 4], div_value=2.0)
    pm = pt.nn.AdaptiveLogSoftmaxWithLoss(6, 7, [2, 4], div_value=2.0)
    _copy_params(tm, pm)
    x = _arr(5, 6).astype(np.float32)
    target = np.array([0, 3, 6, 1, 5])
    out = pm(pt.tensor(x), pt.tensor(target))
    ref = tm(torch.tensor(x), torch.tensor(target))
    assert out.output.dtype == pt.float32
    np.testing.assert_allclose(out.output.detach().numpy(), ref.output.detach().numpy(), rtol=1e-5, atol=1e-6)
