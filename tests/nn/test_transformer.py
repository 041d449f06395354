"""Transformer layers, stacks and model against torch (state_dicts copied from torch), plus gradient checks."""
import warnings

import numpy as np
import pytest

import probtorch as pt
import probtorch.nn as pnn
from probtorch.testing import check_grads

torch = pytest.importorskip("torch")

E, H, FF = 8, 2, 12


def _np(t):
    return t.detach().cpu().numpy()


def _to_pt(sd):
    return {k: pt.tensor(_np(v)) for k, v in sd.items()}


def _pair(name, *args, dtype="float64", **kw):
    """A torch module (random init, eval off) and the probtorch module loaded with its state_dict."""
    tm = getattr(torch.nn, name)(*args, **kw).to(getattr(torch, dtype))
    pm = getattr(pnn, name)(*args, **kw).to(getattr(pt, dtype))
    assert set(pm.state_dict()) == set(tm.state_dict())
    pm.load_state_dict(_to_pt(tm.state_dict()))
    return tm, pm


def _mask(kind, L, S, N=None, dtype="float64"):
    """(torch, probtorch) masks: 'causal' bool (L, S), 'float' additive (L, S), 'kpm' bool (N, S)."""
    rng = np.random.default_rng(3)
    if kind is None:
        return None, None
    if kind == "causal":
        a = np.triu(np.ones((L, S), bool), 1)
    elif kind == "float":
        a = rng.standard_normal((L, S)).astype(dtype)
    elif kind == "kpm":
        a = np.zeros((N, S), bool)
        a[0, -2:] = True
        a[-1, -1] = True
    return torch.tensor(a), pt.tensor(a)


def _inputs(shape, dtype="float64", seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return torch.tensor(a, requires_grad=True), pt.tensor(a, requires_grad=True)


def _check(tm, pm, t_out, p_out, t_leaves, p_leaves, rtol=1e-9, atol=1e-10):
    np.testing.assert_allclose(_np(p_out), _np(t_out), rtol=rtol, atol=atol)
    w = np.random.default_rng(7).standard_normal(tuple(t_out.shape)).astype(_np(t_out).dtype)
    tp, pp = list(tm.parameters()), list(pm.parameters())
    tg = torch.autograd.grad((t_out * torch.tensor(w)).sum(), list(t_leaves) + tp, allow_unused=True)
    pg = pt.autograd.grad((p_out * pt.tensor(w)).sum(), list(p_leaves) + pp, allow_unused=True)
    for a, b in zip(tg, pg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(_np(b), _np(a), rtol=rtol * 10, atol=atol * 10)


# ---------------------------------------------------------------------------------------------- state_dict keys


@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_keys_and_both_way_loading(bias):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, args in [("TransformerEncoderLayer", (E, H, FF)), ("TransformerDecoderLayer", (E, H, FF))]:
            tm, pm = _pair(name, *args, bias=bias)
            assert list(pm.state_dict()) == list(tm.state_dict())
            tm.load_state_dict({k: torch.tensor(_np(v)) for k, v in pm.state_dict().items()})
        tm = torch.nn.Transformer(E, H, 2, 1, FF, bias=bias)
        pm = pnn.Transformer(E, H, 2, 1, FF, bias=bias)
    assert list(pm.state_dict()) == list(tm.state_dict())
    assert [tuple(v.shape) for v in pm.state_dict().values()] == [tuple(v.shape) for v in tm.state_dict().values()]
    pm.load_state_dict(_to_pt(tm.state_dict()))
    tm.load_state_dict({k: torch.tensor(_np(v)) for k, v in pm.state_dict().items()})


def test_repr_and_attributes():
    tm = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.2)
    pm = pnn.TransformerEncoderLayer(E, H, FF, dropout=0.2)
    assert repr(pm) == repr(tm)
    assert pm.activation_relu_or_gelu == 1
    assert type(pm.dropout) is pnn.Dropout and pm.dropout1.p == 0.2
    assert pnn.TransformerEncoderLayer(E, H, activation="gelu").activation_relu_or_gelu == 2
    assert pnn.TransformerEncoderLayer(E, H, activation=pnn.GELU()).activation_relu_or_gelu == 2
    assert pnn.TransformerEncoderLayer(E, H, activation=pt.tanh).activation_relu_or_gelu == 0
    td = torch.nn.TransformerDecoderLayer(E, H, FF)
    pd = pnn.TransformerDecoderLayer(E, H, FF)
    assert repr(pd) == repr(td)


def test_transformer_init_is_xavier_uniform():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pnn.Transformer(16, 2, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight
    bound = (6.0 / (16 + 32)) ** 0.5
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.8 * bound
    assert float(m.encoder.layers[0].linear1.bias.abs().max()) <= 1 / 16 ** 0.5  # 1-D: Linear's own init kept


# ---------------------------------------------------------------------------------------------- layers


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", [(None, None), ("causal", None), ("float", "kpm"), (None, "kpm")])
def test_encoder_layer_matches_torch(batch_first, norm_first, masks):
    S, N = 5, 3
    tm, pm = _pair("TransformerEncoderLayer", E, H, FF, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    tx, px = _inputs((N, S, E) if batch_first else (S, N, E))
    tmask, pmask = _mask(masks[0], S, S)
    tk, pk = _mask(masks[1], S, S, N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = tm(tx, src_mask=tmask, src_key_padding_mask=tk)
        p_out = pm(px, src_mask=pmask, src_key_padding_mask=pk)
    _check(tm, pm, t_out, p_out, [tx], [px])


@pytest.mark.parametrize("activation", ["gelu", "tanh", "bias_off"])
def test_encoder_layer_activation_and_bias(activation):
    kw = {"bias": False} if activation == "bias_off" else {}
    if activation == "gelu":
        kw_t = kw_p = {"activation": "gelu"}
    elif activation == "tanh":
        kw_t, kw_p = {"activation": torch.tanh}, {"activation": pt.tanh}
    else:
        kw_t = kw_p = {}
    tm = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, **kw, **kw_t).double()
    pm = pnn.TransformerEncoderLayer(E, H, FF, dropout=0.0, **kw, **kw_p).double()
    pm.load_state_dict(_to_pt(tm.state_dict()))
    tx, px = _inputs((4, 2, E))
    _check(tm, pm, tm(tx), pm(px), [tx], [px])


def test_encoder_layer_float32_and_unbatched():
    tm, pm = _pair("TransformerEncoderLayer", E, H, FF, dropout=0.0, dtype="float32")
    tx, px = _inputs((4, 2, E), dtype="float32")
    _check(tm, pm, tm(tx), pm(px), [tx], [px], rtol=2e-5, atol=2e-5)
    assert pm(px).dtype == pt.float32
    tx, px = _inputs((4, E), dtype="float32")
    tmask, pmask = _mask("causal", 4, 4)
    _check(tm, pm, tm(tx, src_mask=tmask), pm(px, src_mask=pmask), [tx], [px], rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", [(None, None, None, None), ("causal", None, "kpm", "kpm"),
                                   ("float", "float", None, None)])
def test_decoder_layer_matches_torch(batch_first, norm_first, masks):
    T, S, N = 4, 5, 3
    tm, pm = _pair("TransformerDecoderLayer", E, H, FF, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    tt, ptg = _inputs((N, T, E) if batch_first else (T, N, E), seed=1)
    tmem, pmem = _inputs((N, S, E) if batch_first else (S, N, E), seed=2)
    t_tm, p_tm = _mask(masks[0], T, T)
    t_mm, p_mm = _mask(masks[1], T, S)
    t_tk, p_tk = _mask(masks[2], T, T, N)
    t_mk, p_mk = _mask(masks[3], T, S, N)
    t_out = tm(tt, tmem, tgt_mask=t_tm, memory_mask=t_mm, tgt_key_padding_mask=t_tk, memory_key_padding_mask=t_mk)
    p_out = pm(ptg, pmem, tgt_mask=p_tm, memory_mask=p_mm, tgt_key_padding_mask=p_tk, memory_key_padding_mask=p_mk)
    _check(tm, pm, t_out, p_out, [tt, tmem], [ptg, pmem])


def test_layers_gradcheck_float64():
    pm = pnn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    x = pt.randn(3, 2, 4, dtype=pt.float64, requires_grad=True)
    mask = pnn.Transformer.generate_square_subsequent_mask(3, dtype=pt.float64)
    check_grads(lambda x: pm(x, src_mask=mask), (x,), order=2)
    dm = pnn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    mem = pt.randn(2, 2, 4, dtype=pt.float64, requires_grad=True)
    check_grads(lambda x, mem: dm(x, mem, tgt_mask=mask), (x, mem), order=2)


# ---------------------------------------------------------------------------------------------- stacks and model


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_decoder_stacks_match_torch(batch_first):
    S, T, N = 5, 4, 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=batch_first)
        tenc = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(E)).double()
        penc = pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=batch_first),
                                      2, norm=pnn.LayerNorm(E)).double()
    assert list(penc.state_dict()) == list(tenc.state_dict())
    penc.load_state_dict(_to_pt(tenc.state_dict()))
    assert penc.layers[0] is not penc.layers[1]
    tx, px = _inputs((N, S, E) if batch_first else (S, N, E))
    tk, pk = _mask("kpm", S, S, N)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(S, dtype=torch.float64)
    pmask = pnn.Transformer.generate_square_subsequent_mask(S, dtype=pt.float64)
    _check(tenc, penc, tenc(tx, tmask, tk), penc(px, pmask, pk), [tx], [px])
    tdec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0,
                                                                        batch_first=batch_first), 2).double()
    pdec = pnn.TransformerDecoder(pnn.TransformerDecoderLayer(E, H, FF, dropout=0.0, batch_first=batch_first),
                                  2).double()
    pdec.load_state_dict(_to_pt(tdec.state_dict()))
    tt, ptg = _inputs((N, T, E) if batch_first else (T, N, E), seed=4)
    tm4 = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    pm4 = pnn.Transformer.generate_square_subsequent_mask(T, dtype=pt.float64)
    _check(tdec, pdec, tdec(tt, tx, tgt_mask=tm4, memory_key_padding_mask=tk),
           pdec(ptg, px, tgt_mask=pm4, memory_key_padding_mask=pk), [tt, tx], [ptg, px])


@pytest.mark.parametrize("batch_first,norm_first", [(False, False), (True, True)])
def test_transformer_matches_torch(batch_first, norm_first):
    S, T, N = 5, 4, 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, pm = _pair("Transformer", E, H, 2, 1, FF, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    ts, ps = _inputs((N, S, E) if batch_first else (S, N, E))
    tt, ptg = _inputs((N, T, E) if batch_first else (T, N, E), seed=5)
    tk, pk = _mask("kpm", S, S, N)
    t_out = tm(ts, tt, tgt_mask=tm.generate_square_subsequent_mask(T, dtype=torch.float64),
               src_key_padding_mask=tk, memory_key_padding_mask=tk)
    p_out = pm(ps, ptg, tgt_mask=pm.generate_square_subsequent_mask(T, dtype=pt.float64),
               src_key_padding_mask=pk, memory_key_padding_mask=pk)
    _check(tm, pm, t_out, p_out, [ts, tt], [ps, ptg])


def test_transformer_float32_unbatched_and_copies():
    import copy
    import pickle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, pm = _pair("Transformer", E, H, 1, 2, FF, dropout=0.0, activation="gelu", dtype="float32")
    ts, ps = _inputs((5, 2, E), dtype="float32")
    tt, ptg = _inputs((3, 2, E), dtype="float32", seed=6)
    _check(tm, pm, tm(ts, tt), pm(ps, ptg), [ts, tt], [ps, ptg], rtol=3e-5, atol=3e-5)
    ts, ps = _inputs((5, E), seed=8)
    tt, ptg = _inputs((3, E), seed=9)
    tm, pm = tm.double(), pm.double()
    t_out = tm(ts, tt, tgt_mask=tm.generate_square_subsequent_mask(3, dtype=torch.float64))
    p_out = pm(ps, ptg, tgt_mask=pm.generate_square_subsequent_mask(3, dtype=pt.float64))
    _check(tm, pm, t_out, p_out, [ts, tt], [ps, ptg])
    pm.eval()
    x = pt.randn(4, 2, E, dtype=pt.float64)
    for other in (copy.deepcopy(pm), pickle.loads(pickle.dumps(pm))):
        assert other.encoder.layers[0].linear1.weight is not pm.encoder.layers[0].linear1.weight
        assert bool((other(x, x) == pm(x, x)).all())


def test_custom_encoder_decoder():
    enc = pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF), 1, enable_nested_tensor=False)
    dec = pnn.TransformerDecoder(pnn.TransformerDecoderLayer(E, H, FF), 1)
    m = pnn.Transformer(E, H, custom_encoder=enc, custom_decoder=dec)
    assert m.encoder is enc and m.decoder is dec
    assert len(m.encoder.layers) == 1 and m.encoder.norm is None
    assert tuple(m(pt.randn(5, 2, E), pt.randn(3, 2, E)).shape) == (3, 2, E)


def test_generate_square_subsequent_mask():
    for kw_t, kw_p in [({}, {}), ({"dtype": torch.float64}, {"dtype": pt.float64})]:
        a = torch.nn.Transformer.generate_square_subsequent_mask(4, **kw_t)
        b = pnn.Transformer.generate_square_subsequent_mask(4, **kw_p)
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
        np.testing.assert_array_equal(_np(b), _np(a))


# ---------------------------------------------------------------------------------------------- inference paths


def test_eval_no_grad_paths_match_torch():
    """Fully masked rows give NaN and nested-tensor padding gives zeros in torch's fused eval paths."""
    S, N = 4, 3
    tl = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True)
    tenc = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(E)).double().eval()
    penc = pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True), 2,
                                  norm=pnn.LayerNorm(E)).double().eval()
    penc.load_state_dict(_to_pt(tenc.state_dict()))
    x = np.random.default_rng(0).standard_normal((N, S, E))
    left = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]], bool)
    ragged = np.array([[0, 1, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], bool)
    cases = [(left, True), (ragged, True), (ragged, False)]
    for kpm, check in cases:
        tenc.mask_check = penc.mask_check = check
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = tenc(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
        with pt.no_grad():
            b = penc(pt.tensor(x), src_key_padding_mask=pt.tensor(kpm))
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-9, atol=1e-10)
    # fully masked attention rows: NaN on the fused path, finite with gradients
    layer_t, layer_p = tenc.layers[0], penc.layers[0]
    dl_t, dl_p = _pair("TransformerDecoderLayer", E, H, FF, dropout=0.0, batch_first=True)
    dl_t.eval(), dl_p.eval()
    m = np.array([[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]], bool)
    for grad in (False, True):
        with torch.set_grad_enabled(grad):
            a = layer_t(torch.tensor(x), src_mask=torch.tensor(m))
            a2 = dl_t(torch.tensor(x), torch.tensor(x), tgt_mask=torch.tensor(m))
        with pt.set_grad_enabled(grad):
            b = layer_p(pt.tensor(x), src_mask=pt.tensor(m))
            b2 = dl_p(pt.tensor(x), pt.tensor(x), tgt_mask=pt.tensor(m))
        assert np.isnan(_np(a)).any() == (not grad)
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(_np(b2), _np(a2), rtol=1e-9, atol=1e-10)


def test_is_causal_detection():
    S = 4
    from probtorch.nn.modules.transformer import _detect_is_causal_mask
    causal = pnn.Transformer.generate_square_subsequent_mask(S)
    assert _detect_is_causal_mask(causal, None, S)
    assert not _detect_is_causal_mask(causal, None, S + 1)
    assert not _detect_is_causal_mask(causal, False, S)
    assert _detect_is_causal_mask(None, True, S)
    assert not _detect_is_causal_mask(pt.zeros(S, S), None, S)
    enc = pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF, dropout=0.0), 1, enable_nested_tensor=False)
    orig = type(enc.layers[0]).forward

    calls = []

    def spy(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        calls.append(is_causal)
        return orig(self, src, src_mask, src_key_padding_mask, is_causal)

    type(enc.layers[0]).forward = spy
    try:
        enc(pt.randn(S, 2, E), mask=causal)
        enc(pt.randn(S, 2, E), mask=pt.zeros(S, S))
        with pytest.raises(RuntimeError, match="Need attn_mask"):
            enc(pt.randn(S, 2, E), is_causal=True)
    finally:
        type(enc.layers[0]).forward = orig
    assert calls[:2] == [True, False]


# ---------------------------------------------------------------------------------------------- errors, warnings


def _messages(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in rec]


def test_nested_tensor_warning_as_torch():
    for kw in [{}, {"batch_first": True, "norm_first": True}, {"batch_first": True, "activation": "gelu"}]:
        t = _messages(lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, FF, **kw), 1))
        p = _messages(lambda: pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF, **kw), 1))
        assert p == [m for m in t if "enable_nested_tensor" in m]
    t = _messages(lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, 1, FF, batch_first=True),
                                                      1))
    p = _messages(lambda: pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, 1, FF, batch_first=True), 1))
    assert p == t and "num_heads is odd" in p[0]
    assert _messages(lambda: pnn.TransformerEncoder(pnn.TransformerEncoderLayer(E, H, FF), 1,
                                                    enable_nested_tensor=False)) == []


def test_mismatched_mask_types_warn_as_torch():
    x = np.random.default_rng(0).standard_normal((4, 2, E)).astype("float32")
    bool_mask = np.zeros((4, 4), bool)
    float_kpm = np.zeros((2, 4), "float32")
    for name in ("TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer"):
        got = {}
        for lib, nn in (("t", torch.nn), ("p", pnn)):
            T = torch if lib == "t" else pt
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = getattr(nn, name)(E, H, *((1, 1) if name == "Transformer" else ()), FF)
            xs, bm, fk = T.tensor(x), T.tensor(bool_mask), T.tensor(float_kpm)
            if name == "TransformerEncoderLayer":
                call = lambda: m(xs, src_mask=bm, src_key_padding_mask=fk)  # noqa: E731
            elif name == "TransformerDecoderLayer":
                call = lambda: m(xs, xs, tgt_mask=bm, tgt_key_padding_mask=fk)  # noqa: E731
            else:
                call = lambda: m(xs, xs, src_mask=bm, src_key_padding_mask=fk, tgt_mask=bm,  # noqa: E731
                                 tgt_key_padding_mask=fk)
            got[lib] = [w for w in _messages(call) if "mismatched" in w]
        assert got["p"] == got["t"] and got["p"], name


def test_errors_as_torch():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        pnn.TransformerEncoderLayer(E, H, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not silu"):
        pnn.TransformerDecoderLayer(E, H, activation="silu")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        pnn.TransformerEncoderLayer(E, 3)
    layer = pnn.TransformerEncoderLayer(E, H, FF)
    with pytest.raises(AssertionError, match="only bool and floating types of src_mask are supported"):
        layer(pt.randn(4, 2, E), src_mask=pt.zeros(4, 4, dtype=pt.int64))
    with pytest.raises(AssertionError, match="only bool and floating types of src_key_padding_mask are supported"):
        layer(pt.randn(4, 2, E), src_key_padding_mask=pt.zeros(2, 4, dtype=pt.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pnn.Transformer(E, H, 1, 1, FF)
        mb = pnn.Transformer(E, H, 1, 1, FF, batch_first=True)
    with pytest.raises(RuntimeError, match="^the batch number of src and tgt must be equal$"):
        m(pt.randn(5, 2, E), pt.randn(4, 3, E))
    with pytest.raises(RuntimeError, match="^the batch number of src and tgt must be equal$"):
        mb(pt.randn(2, 5, E), pt.randn(3, 5, E))
    with pytest.raises(RuntimeError, match="^the feature number of src and tgt must be equal to d_model$"):
        m(pt.randn(5, 2, E), pt.randn(4, 2, E + 2))
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask"):
        layer(pt.randn(4, 2, E), src_mask=pt.zeros(3, 3))


def test_dropout_in_training():
    pt.manual_seed(0)
    layer = pnn.TransformerEncoderLayer(E, H, FF, dropout=0.5)
    x = pt.randn(4, 2, E)
    a, b = layer(x), layer(x)
    assert not bool((a == b).all())
    layer.eval()
    assert bool((layer(x) == layer(x)).all())
