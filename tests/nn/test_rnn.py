"""RNN / LSTM / GRU layers and cells, and nn.utils.rnn, against torch (values, final states, every gradient)."""
import warnings

import numpy as np
import pytest

import probtorch as pt
from probtorch.nn.utils import rnn as R
from probtorch.testing import check_grads

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn


def _pair(name, *args, dtype="float64", **kwargs):
    """(probtorch module, torch module) with torch's initial parameters copied over."""
    tm = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    pm = getattr(pt.nn, name)(*args, **kwargs).to(getattr(pt, dtype))
    sd = {k: pt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    assert list(sd) == list(pm.state_dict())
    pm.load_state_dict(sd)
    return pm, tm


def _leaf(lib, a, dtype="float64"):
    return lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    if hasattr(out, "batch_sizes"):
        return [out.data]
    return [] if out is None else [out]


def _run(lib, m, arrays, call, dtype="float64"):
    leaves = [_leaf(lib, a, dtype) for a in arrays]
    outs = _flatten(call(lib, m, *leaves))
    rng = np.random.default_rng(7)
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype)).sum() for o in outs)
    params = list(m.parameters())
    grads = lib.autograd.grad(loss, leaves + params, allow_unused=True)
    return [o.detach().numpy() for o in outs], [None if g is None else g.numpy() for g in grads]


def _compare(pm, tm, arrays, call, dtype="float64", tol=1e-10):
    po, pg = _run(pt, pm, arrays, call, dtype)
    to, tg = _run(torch, tm, arrays, call, dtype)
    assert len(po) == len(to)
    for a, b in zip(po, to):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    for a, b in zip(pg, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _plain(lib, m, x):
    return m(x)


def _with_h(lib, m, x, h):
    return m(x, h)


def _with_hc(lib, m, x, h, c):
    return m(x, (h, c))


LAYER_CASES = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2)),
    ("RNN", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("RNN", dict(bias=False)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2, num_layers=2, batch_first=True)),
    ("LSTM", dict(proj_size=3, bidirectional=True, bias=False)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(bias=False, num_layers=2)),
]


@pytest.mark.parametrize("name,kw", LAYER_CASES)
def test_layer_matches_torch(name, kw):
    torch.manual_seed(0)
    pm, tm = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(0)
    T, B = 5, 2
    x = rng.standard_normal((B, T, 3) if kw.get("batch_first") else (T, B, 3))
    _compare(pm, tm, [x], _plain)
    d = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    hr = kw.get("proj_size", 0) or 4
    h = rng.standard_normal((L * d, B, hr))
    if name == "LSTM":
        c = rng.standard_normal((L * d, B, 4))
        _compare(pm, tm, [x, h, c], _with_hc)
    else:
        _compare(pm, tm, [x, h], _with_h)


@pytest.mark.parametrize("name,kw", [("LSTM", dict(num_layers=2, proj_size=2)), ("GRU", dict(bidirectional=True)),
                                     ("RNN", dict())])
def test_unbatched_matches_torch(name, kw):
    torch.manual_seed(1)
    pm, tm = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    _compare(pm, tm, [x], _plain)
    d = 2 if kw.get("bidirectional") else 1
    h = rng.standard_normal((kw.get("num_layers", 1) * d, kw.get("proj_size", 0) or 4))
    if name == "LSTM":
        _compare(pm, tm, [x, h, rng.standard_normal((kw.get("num_layers", 1) * d, 4))], _with_hc)
    else:
        _compare(pm, tm, [x, h], _with_h)


def test_float32_matches_torch():
    torch.manual_seed(2)
    pm, tm = _pair("LSTM", 3, 5, num_layers=2, dtype="float32")
    x = np.random.default_rng(2).standard_normal((6, 3, 3))
    po, pg = _run(pt, pm, [x], _plain, "float32")
    to, tg = _run(torch, tm, [x], _plain, "float32")
    assert po[0].dtype == np.float32 and pg[0].dtype == np.float32
    for a, b in zip(po + pg, to + tg):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,kw", [("LSTM", dict(num_layers=2, bidirectional=True)),
                                     ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
                                     ("LSTM", dict(proj_size=2, bidirectional=True)),
                                     ("RNN", dict(bidirectional=True))])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_matches_torch(name, kw, enforce_sorted):
    torch.manual_seed(3)
    pm, tm = _pair(name, 3, 4, **kw)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    bf = kw.get("batch_first", False)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5, 3) if bf else (5, 4, 3))
    d = 2 if kw.get("bidirectional") else 1
    h = rng.standard_normal((kw.get("num_layers", 1) * d, 4, kw.get("proj_size", 0) or 4))
    c = rng.standard_normal((kw.get("num_layers", 1) * d, 4, 4))

    def call(lib, m, x, h, c):
        ur = R if lib is pt else TR
        p = ur.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
        out, hn = m(p, (h, c) if name == "LSTM" else h)
        padded, lens = ur.pad_packed_sequence(out, batch_first=bf, total_length=6)
        return padded, hn, out
    _compare(pm, tm, [x, h, c], call)


CELL_CASES = [("RNNCell", dict()), ("RNNCell", dict(nonlinearity="relu", bias=False)), ("LSTMCell", dict()),
              ("LSTMCell", dict(bias=False)), ("GRUCell", dict()), ("GRUCell", dict(bias=False))]


@pytest.mark.parametrize("name,kw", CELL_CASES)
def test_cells_match_torch(name, kw):
    torch.manual_seed(4)
    pm, tm = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(4)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    _compare(pm, tm, [x], _plain)
    _compare(pm, tm, [x[0]], _plain)
    if name == "LSTMCell":
        _compare(pm, tm, [x, h, c], _with_hc)
        _compare(pm, tm, [x[0], h[0], c[0]], _with_hc)
    else:
        _compare(pm, tm, [x, h], _with_h)
        _compare(pm, tm, [x[1], h[1]], _with_h)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_gradcheck_tiny(name):
    pt.manual_seed(0)
    m = getattr(pt.nn, name)(2, 2, bidirectional=True).double()
    rng = np.random.default_rng(5)
    x = pt.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    w = m.weight_hh_l0_reverse

    def f(x, w):
        m.weight_hh_l0_reverse = w
        out, hn = m(x)
        return out.sum() + (hn[0] if name == "LSTM" else hn).square().sum()
    check_grads(f, (x, pt.nn.Parameter(w.detach().clone())))
    m.weight_hh_l0_reverse = w


def test_dropout_between_layers():
    pt.manual_seed(0)
    m = pt.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = pt.randn(5, 2, 3)
    m.eval()
    a, b = m(x)[0], m(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    c, d = m(x)[0], m(x)[0]
    assert not np.array_equal(c.detach().numpy(), d.detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        pt.nn.GRU(3, 4, dropout=0.5)


def test_parameters_names_shapes_init():
    for name, kw in [("LSTM", dict(num_layers=2, proj_size=2, bidirectional=True)),
                     ("GRU", dict(num_layers=3, bias=False)), ("RNN", dict(bidirectional=True))]:
        pm = getattr(pt.nn, name)(3, 4, **kw)
        tm = getattr(torch.nn, name)(3, 4, **kw)
        assert pm._flat_weights_names == tm._flat_weights_names
        assert pm._all_weights == tm._all_weights
        assert [tuple(p.shape) for p in pm._flat_weights] == [tuple(p.shape) for p in tm._flat_weights]
        assert all(abs(float(p.detach().abs().max())) <= 0.5 for p in pm.parameters())
        assert repr(pm) == repr(tm)
    big = pt.nn.LSTM(10, 16)
    w = big.weight_ih_l0.detach().numpy()
    assert w.dtype == np.float32 and w.max() <= 0.25 and w.min() >= -0.25 and w.std() > 0.1
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        for kw in (dict(), dict(bias=False)):
            assert repr(getattr(pt.nn, name)(3, 4, **kw)) == repr(getattr(torch.nn, name)(3, 4, **kw))
            pm, tm = getattr(pt.nn, name)(3, 4, **kw), getattr(torch.nn, name)(3, 4, **kw)
            assert list(pm.state_dict()) == list(tm.state_dict())
    assert repr(pt.nn.RNNCell(3, 4, nonlinearity="relu")) == repr(torch.nn.RNNCell(3, 4, nonlinearity="relu"))
    r = pt.nn.RNN(3, 4, 2, "relu", False)
    assert r.nonlinearity == "relu" and r.num_layers == 2 and r.bias is False


def _errors(lib, f):
    try:
        f(lib)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).replace("torch.", "").replace("probtorch.", "")
    return None


ERROR_CASES = [
    lambda L: L.nn.LSTM(3, 4, dropout=2),
    lambda L: L.nn.LSTM(3, 4.0),
    lambda L: L.nn.LSTM(3, 0),
    lambda L: L.nn.LSTM(3, 4, num_layers=0),
    lambda L: L.nn.LSTM(3, 4, proj_size=-1),
    lambda L: L.nn.LSTM(3, 4, proj_size=4),
    lambda L: L.nn.GRU(3, 4, proj_size=2),
    lambda L: L.nn.RNN(3, 4, proj_size=2),
    lambda L: L.nn.RNN(3, 4, nonlinearity="x"),
    lambda L: L.nn.RNNBase("X", 3, 4),
    lambda L: L.nn.RNN(3, 4)(L.zeros(2, 2, 2, 3)),
    lambda L: L.nn.LSTM(3, 4)(L.zeros(2, 2, 2, 3)),
    lambda L: L.nn.GRU(3, 4)(L.zeros(2, 2, 2, 3)),
    lambda L: L.nn.GRU(3, 4)(L.zeros(2, 2, 5)),
    lambda L: L.nn.LSTM(3, 4)(L.zeros(0, 2, 3)),
    lambda L: L.nn.RNN(3, 4)(L.zeros(2, 3), L.zeros(1, 2, 4)),
    lambda L: L.nn.LSTM(3, 4)(L.zeros(2, 3), (L.zeros(1, 2, 4), L.zeros(1, 2, 4))),
    lambda L: L.nn.RNN(3, 4)(L.zeros(5, 2, 3), L.zeros(2, 4)),
    lambda L: L.nn.GRU(3, 4)(L.zeros(5, 2, 3), L.zeros(1, 3, 4)),
    lambda L: L.nn.LSTM(3, 4)(L.zeros(5, 2, 3), (L.zeros(1, 3, 4), L.zeros(1, 2, 4))),
    lambda L: L.nn.LSTM(3, 4)(L.zeros(5, 2, 3), (L.zeros(1, 2, 4), L.zeros(1, 2, 3))),
    lambda L: L.nn.RNNCell(3, 4)(L.zeros(2, 2, 3)),
    lambda L: L.nn.GRUCell(3, 4)(L.zeros(2, 5)),
    lambda L: L.nn.LSTMCell(3, 4)(L.zeros(2, 3), (L.zeros(2, 4), L.zeros(3, 4))),
    lambda L: L.nn.RNNCell(3, 4)(L.zeros(2, 3), L.zeros(2, 5)),
    lambda L: L.nn.RNNCell(3, 4)(L.zeros(2, 3), L.zeros(3, 4)),
    lambda L: L.nn.RNNCell(3, 4, nonlinearity="x")(L.zeros(2, 3)),
    lambda L: L.nn.utils.rnn.pack_padded_sequence(L.zeros(3, 2), [1, 2]),
    lambda L: L.nn.utils.rnn.pack_padded_sequence(L.zeros(3, 2), [2, 1, 1]),
    lambda L: L.nn.utils.rnn.pack_padded_sequence(L.zeros(3, 2), [2, 0]),
    lambda L: L.nn.utils.rnn.pad_packed_sequence(
        L.nn.utils.rnn.pack_padded_sequence(L.zeros(3, 2), [3, 1]), total_length=2),
    lambda L: L.nn.utils.rnn.pad_sequence([L.zeros(2)], padding_side="x"),
    lambda L: L.nn.utils.rnn.pad_sequence([]),
    lambda L: L.nn.utils.rnn.pad_sequence([L.zeros(2, 3), L.zeros(1, 4)]),
    lambda L: L.nn.utils.rnn.pad_sequence([L.zeros(2, 3, 2), L.zeros(1, 3, 5)]),
]


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
def test_errors_as_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = _errors(pt, ERROR_CASES[case]), _errors(torch, ERROR_CASES[case])
    assert want is not None
    assert got == want


# ---- nn.utils.rnn ----

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([4, 2, 2, 1], True), ([2, 4, 1, 3], False)])
def test_pack_pad_roundtrip_and_grads(batch_first, lengths, enforce):
    x = np.random.default_rng(6).standard_normal((4, 4, 2))

    def call(lib, m, x):
        ur = R if lib is pt else TR
        p = ur.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce)
        padded, lens = ur.pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.0, total_length=5)
        assert lens.tolist() == lengths and str(lens.dtype).endswith("int64")
        assert p.batch_sizes.tolist() == [int((np.array(lengths) > t).sum()) for t in range(max(lengths))]
        return padded, p.data
    pm, tm = pt.nn.Identity(), torch.nn.Identity()
    _compare(pm, tm, [x], call)
    pp = R.pack_padded_sequence(pt.tensor(x), lengths, batch_first=batch_first, enforce_sorted=enforce)
    tp = TR.pack_padded_sequence(torch.tensor(x), lengths, batch_first=batch_first, enforce_sorted=enforce)
    for a, b in ((pp.sorted_indices, tp.sorted_indices), (pp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_and_friends(side, batch_first):
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]

    def call(lib, m, *seqs):
        ur = R if lib is pt else TR
        out = ur.pad_sequence(list(seqs), batch_first=batch_first, padding_value=1.5, padding_side=side)
        packed = ur.pack_sequence(list(seqs), enforce_sorted=False)
        unpacked = ur.unpack_sequence(packed)
        res = [out, packed.data] + unpacked
        if side == "right":
            # torch's unpad_sequence transposes its argument in place: hand it a copy
            res += ur.unpad_sequence(out.clone(), lib.tensor([3, 1, 4]), batch_first=batch_first)
        return res
    _compare(pt.nn.Identity(), torch.nn.Identity(), arrays, call)


def test_packed_sequence_object():
    p = R.pack_sequence([pt.ones(3, 2), pt.ones(2, 2)])
    assert isinstance(p, tuple) and p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.double().data.dtype == pt.float64 and p.to(pt.float64).batch_sizes is p.batch_sizes
    assert not p.is_cuda
    q = R.PackedSequence(p.data, p.batch_sizes, pt.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    assert R.invert_permutation(pt.tensor([2, 0, 1])).tolist() == \
        TR.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    assert R.invert_permutation(None) is None


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_forward_mode_matches_torch(name):
    fwad = pytest.importorskip("probtorch.autograd.forward_ad")
    torch.manual_seed(9)
    pm, tm = _pair(name, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(9)
    x, v = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 2, 3))
    with fwad.dual_level():
        out = pm(fwad.make_dual(pt.tensor(x), pt.tensor(v)))[0]
        tan = fwad.unpack_dual(out).tangent.detach().numpy()
    _, want = torch.autograd.functional.jvp(lambda a: tm(a)[0], torch.tensor(x), torch.tensor(v))
    np.testing.assert_allclose(tan, want.numpy(), rtol=1e-10, atol=1e-12)


def test_gradcheck_packed_projected_lstm():
    pt.manual_seed(1)
    m = pt.nn.LSTM(2, 3, proj_size=1, bidirectional=True).double()
    x = pt.tensor(np.random.default_rng(10).standard_normal((3, 2, 2)), requires_grad=True)

    def f(x):
        p = R.pack_padded_sequence(x, [3, 2])
        out, (h, c) = m(p)
        return R.pad_packed_sequence(out)[0].sum(0) + h.sum() * c.sum()
    check_grads(f, (x,))


def test_dtype_conversion_and_weights_views():
    m = pt.nn.GRU(3, 4, num_layers=2).double()
    assert all(w.dtype == pt.float64 for w in m._flat_weights)
    assert m.all_weights[1][0] is m.weight_ih_l1
    out, h = m(pt.randn(2, 1, 3, dtype=pt.float64))
    assert out.dtype == pt.float64 and tuple(h.shape) == (2, 1, 4)
    with pytest.raises(ValueError, match="does not match weight dtype"):
        pt.nn.GRU(3, 4)(pt.randn(2, 1, 3, dtype=pt.float64))


@pytest.mark.parametrize("fname,chunks", [("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("lstm_cell", 4),
                                          ("gru_cell", 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_toplevel_cell_functions(fname, chunks, bias):
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4)),
              rng.standard_normal((4 * chunks, 3)), rng.standard_normal((4 * chunks, 4))]
    if bias:
        arrays += [rng.standard_normal(4 * chunks), rng.standard_normal(4 * chunks)]

    def call(lib, m, x, h, c, *ws):
        hx = (h, c) if fname == "lstm_cell" else h
        return getattr(lib, fname)(x, hx, *ws)
    _compare(pt.nn.Identity(), torch.nn.Identity(), arrays, call)


def test_empty_batch_shapes_as_torch():
    for name in ("LSTM", "GRU"):
        po = getattr(pt.nn, name)(3, 4, num_layers=2, bidirectional=True)(pt.zeros(3, 0, 3))
        to = getattr(torch.nn, name)(3, 4, num_layers=2, bidirectional=True)(torch.zeros(3, 0, 3))
        assert [tuple(t.shape) for t in _flatten(po)] == [tuple(t.shape) for t in _flatten(to)]


@pytest.mark.parametrize("seed", range(8))
def test_random_configurations_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    name = ["RNN", "LSTM", "GRU"][seed % 3]
    kw = dict(num_layers=int(rng.integers(1, 3)), bidirectional=bool(rng.integers(2)),
              batch_first=bool(rng.integers(2)), bias=bool(rng.integers(2)))
    if name == "LSTM" and rng.integers(2):
        kw["proj_size"] = int(rng.integers(1, 3))
    if name == "RNN" and rng.integers(2):
        kw["nonlinearity"] = "relu"
    torch.manual_seed(seed)
    pm, tm = _pair(name, 2, 3, **kw)
    T, B = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    lengths = [int(v) for v in rng.integers(1, T + 1, B)]
    lengths[int(rng.integers(B))] = T
    packed, give_h = bool(rng.integers(2)), bool(rng.integers(2))
    bf = kw["batch_first"]
    x = rng.standard_normal((B, T, 2) if bf else (T, B, 2))
    d = (2 if kw["bidirectional"] else 1) * kw["num_layers"]
    h = rng.standard_normal((d, B, kw.get("proj_size", 0) or 3))
    c = rng.standard_normal((d, B, 3))

    def call(lib, m, x, h, c):
        ur = R if lib is pt else TR
        inp = ur.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False) if packed else x
        hx = ((h, c) if name == "LSTM" else h) if give_h else None
        out, hn = m(inp, hx)
        if packed:
            out = ur.pad_packed_sequence(out, batch_first=bf)[0]
        return out, hn
    _compare(pm, tm, [x, h, c], call)
