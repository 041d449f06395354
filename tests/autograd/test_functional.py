"""autograd.functional against torch.autograd.functional: every function over its options (structure, values,
requires_grad of the results, the errors), the documented examples, forward mode vs double backward, properties
(jvp = J v, vjp = v J, hvp = H v, symmetric H) and derivatives of the results (create_graph=True)."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch
from probtorch.autograd import functional as F
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.autograd.functional


# ------------------------------------------------------------------------------------------------ helpers
def _to(lib, a, requires_grad=False):
    return lib.tensor(a, requires_grad=requires_grad)


def _tree(lib, obj, requires_grad=False):
    if isinstance(obj, tuple):
        return tuple(_tree(lib, o, requires_grad) for o in obj)
    return _to(lib, obj, requires_grad)


def _compare(ours, theirs, rtol=1e-9, atol=1e-11, check_rg=True, path="result"):
    if isinstance(theirs, (tuple, list)):  # torch's forward-mode jacobian gives lists; we keep tuples
        assert isinstance(ours, tuple), f"{path}: expected a tuple, got {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} != {len(theirs)}"
        for k, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, rtol, atol, check_rg, f"{path}[{k}]")
        return
    assert isinstance(ours, probtorch.Tensor), f"{path}: expected a Tensor, got {type(ours).__name__}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1], path
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=path)
    if check_rg:
        assert ours.requires_grad == theirs.requires_grad, f"{path}: requires_grad {ours.requires_grad}"


def _same_behaviour(ours_fn, theirs_fn, **kw):
    """Both succeed with the same results, or both raise the same exception type."""
    try:
        theirs = theirs_fn()
    except Exception as e:  # noqa: BLE001 - the oracle decides which errors are expected
        with pytest.raises(type(e)):
            ours_fn()
        return None
    ours = ours_fn()
    _compare(ours, theirs, **kw)
    return ours


RNG = np.random.default_rng(0)
X22 = RNG.uniform(0.2, 1.0, (2, 2))
X3 = RNG.uniform(0.2, 1.0, 3)
Y3 = RNG.uniform(0.2, 1.0, 3)

# name -> (fn(m, *inputs), inputs as arrays (a tuple means a tuple of inputs), v for vjp shaped like outputs)
VECTOR_FUNCS = {
    "exp_reducer": (lambda m, x: x.exp().sum(dim=1), X22, RNG.standard_normal(2)),
    "tuple_in_out": (lambda m, x, y: (x * y.tanh(), (x.sin() * y).sum()), (X3, Y3), (RNG.standard_normal(3),
                                                                                     np.array(0.7))),
    "unused_input": (lambda m, x, y: x.sin() * 2, (X3, Y3), RNG.standard_normal(3)),
    "linear": (lambda m, x: 3 * x + 1, X3, RNG.standard_normal(3)),
    "constant": (lambda m, x: m.ones(3, dtype=m.float64), X3, RNG.standard_normal(3)),
}
SCALAR_FUNCS = {
    "pow_reducer": (lambda m, x: (x ** 3).sum() + x.prod(), X22),
    "pow_adder_reducer": (lambda m, x, y: (2 * x ** 2 + 3 * y.exp() * x).sum(), (X3, Y3)),
    "unused_input": (lambda m, x, y: (x.sin() * x).sum(), (X3, Y3)),
    "linear": (lambda m, x: (2 * x).sum(), X3),
    "constant": (lambda m, x: m.tensor(1.0, dtype=m.float64), X3),
}


def _tangent_like(inputs, seed=1):
    rng = np.random.default_rng(seed)
    if isinstance(inputs, tuple):
        return tuple(rng.standard_normal(np.shape(a)) for a in inputs)
    return rng.standard_normal(np.shape(inputs))


def _wrap(fn, m):
    return lambda *xs: fn(m, *xs)


OPTS = list(itertools.product([False, True], [False, True], [False, True]))
OPT_IDS = [f"cg{int(c)}-strict{int(s)}-rg{int(r)}" for c, s, r in OPTS]


# ------------------------------------------------------------------------------------------------ torch oracle
@pytest.mark.parametrize("create_graph, strict, rg", OPTS, ids=OPT_IDS)
@pytest.mark.parametrize("name", list(VECTOR_FUNCS))
def test_vjp_like_torch(name, create_graph, strict, rg):
    fn, xs, v = VECTOR_FUNCS[name]
    _same_behaviour(lambda: F.vjp(_wrap(fn, probtorch), _tree(probtorch, xs, rg), _tree(probtorch, v),
                                  create_graph=create_graph, strict=strict),
                    lambda: TF.vjp(_wrap(fn, torch), _tree(torch, xs, rg), _tree(torch, v),
                                   create_graph=create_graph, strict=strict))


@pytest.mark.parametrize("impl", [F.jvp, F._jvp_double_backward], ids=["forward", "double_backward"])
@pytest.mark.parametrize("create_graph, strict, rg", OPTS, ids=OPT_IDS)
@pytest.mark.parametrize("name", list(VECTOR_FUNCS))
def test_jvp_like_torch(name, create_graph, strict, rg, impl):
    fn, xs, _ = VECTOR_FUNCS[name]
    v = _tangent_like(xs)
    _same_behaviour(lambda: impl(_wrap(fn, probtorch), _tree(probtorch, xs, rg), _tree(probtorch, v),
                                 create_graph=create_graph, strict=strict),
                    lambda: TF.jvp(_wrap(fn, torch), _tree(torch, xs, rg), _tree(torch, v),
                                   create_graph=create_graph, strict=strict))


@pytest.mark.parametrize("impl, oracle", [(F.hvp, TF.hvp), (F._hvp_double_backward, TF.hvp), (F.vhp, TF.vhp)],
                         ids=["hvp_forward_over_reverse", "hvp_double_backward", "vhp"])
@pytest.mark.parametrize("create_graph, strict, rg", OPTS, ids=OPT_IDS)
@pytest.mark.parametrize("name", list(SCALAR_FUNCS))
def test_hvp_vhp_like_torch(name, create_graph, strict, rg, impl, oracle):
    fn, xs = SCALAR_FUNCS[name]
    v = _tangent_like(xs)
    _same_behaviour(lambda: impl(_wrap(fn, probtorch), _tree(probtorch, xs, rg), _tree(probtorch, v),
                                 create_graph=create_graph, strict=strict),
                    lambda: oracle(_wrap(fn, torch), _tree(torch, xs, rg), _tree(torch, v),
                                   create_graph=create_graph, strict=strict))


JAC_OPTS = list(itertools.product([False, True], [False, True], [False, True], ["reverse-mode", "forward-mode"]))


@pytest.mark.parametrize("create_graph, strict, vectorize, strategy", JAC_OPTS,
                         ids=[f"cg{int(c)}-strict{int(s)}-vec{int(v)}-{m[:3]}" for c, s, v, m in JAC_OPTS])
@pytest.mark.parametrize("name", list(VECTOR_FUNCS))
def test_jacobian_like_torch(name, create_graph, strict, vectorize, strategy):
    fn, xs, _ = VECTOR_FUNCS[name]
    kw = dict(create_graph=create_graph, strict=strict, vectorize=vectorize, strategy=strategy)
    # torch's vmap-based paths leave graphs on some results even with create_graph=False, or on zero blocks
    _same_behaviour(lambda: F.jacobian(_wrap(fn, probtorch), _tree(probtorch, xs), **kw),
                    lambda: TF.jacobian(_wrap(fn, torch), _tree(torch, xs), **kw),
                    check_rg=strategy == "reverse-mode" and not vectorize)


@pytest.mark.parametrize("create_graph, strict, vectorize, strategy", JAC_OPTS,
                         ids=[f"cg{int(c)}-strict{int(s)}-vec{int(v)}-{m[:3]}" for c, s, v, m in JAC_OPTS])
@pytest.mark.parametrize("name", list(SCALAR_FUNCS))
def test_hessian_like_torch(name, create_graph, strict, vectorize, strategy):
    fn, xs = SCALAR_FUNCS[name]
    kw = dict(create_graph=create_graph, strict=strict, vectorize=vectorize, outer_jacobian_strategy=strategy)
    _same_behaviour(lambda: F.hessian(_wrap(fn, probtorch), _tree(probtorch, xs), **kw),
                    lambda: TF.hessian(_wrap(fn, torch), _tree(torch, xs), **kw),
                    check_rg=strategy == "reverse-mode" and not vectorize)


# ------------------------------------------------------------------------------------------------ documented examples
def test_doc_examples_jvp():
    x = probtorch.rand(4, 4)
    out, jv = F.jvp(lambda t: t.exp().sum(1), x, probtorch.ones(4, 4))
    expected = x.exp().sum(1)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(jv.numpy(), expected.numpy(), rtol=1e-6)
    out, jv = F.jvp(lambda t: t.exp().sum(1), x, probtorch.ones(4, 4), create_graph=True)
    assert out.requires_grad and jv.requires_grad
    x, y = probtorch.rand(2), probtorch.rand(2)
    out, jv = F.jvp(lambda a, b: 2 * a + 3 * b, (x, y), (probtorch.ones(2), probtorch.ones(2)))
    np.testing.assert_allclose(out.numpy(), (2 * x + 3 * y).numpy(), rtol=1e-6)
    assert jv.tolist() == [5.0, 5.0]


def test_doc_examples_vjp_jacobian_hessian():
    x = probtorch.rand(4, 4)
    _, vj = F.vjp(lambda t: t.exp().sum(1), x, probtorch.ones(4))
    np.testing.assert_allclose(vj.numpy(), x.exp().numpy(), rtol=1e-6)
    out, (gx, gy) = F.vjp(lambda a, b: 2 * a + 3 * b, (probtorch.rand(2), probtorch.rand(2)), probtorch.ones(2))
    assert gx.tolist() == [2.0, 2.0] and gy.tolist() == [3.0, 3.0]
    x = probtorch.rand(2, 2)
    j = F.jacobian(lambda t: t.exp().sum(1), x)
    assert j.shape == (2, 2, 2)
    np.testing.assert_allclose(j[0, 0].numpy(), x[0].exp().numpy(), rtol=1e-6)
    assert j[0, 1].tolist() == [0.0, 0.0] and j[1, 0].tolist() == [0.0, 0.0]
    a, b = probtorch.rand(2), probtorch.rand(2)
    ja, jb = F.jacobian(lambda s, t: 2 * s.exp() + 3 * t, (a, b))
    np.testing.assert_allclose(ja.numpy(), np.diag(2 * np.exp(a.numpy())), rtol=1e-6)
    assert jb.tolist() == [[3.0, 0.0], [0.0, 3.0]]
    W = probtorch.tensor([[2.0, -1.0], [0.0, 1.0]])
    jac = F.jacobian(lambda t: t @ W.T + probtorch.tensor([1.0, 0.5]), probtorch.randn(4, 2, requires_grad=True),
                     vectorize=True)
    assert jac.shape == (4, 2, 4, 2)
    ((haa, hab), (hba, hbb)) = F.hessian(lambda s, t: (2 * s.pow(2) + 3 * t.pow(2)).sum(), (a, b))
    assert haa.tolist() == [[4.0, 0.0], [0.0, 4.0]] and hbb.tolist() == [[6.0, 0.0], [0.0, 6.0]]
    assert hab.tolist() == [[0.0, 0.0], [0.0, 0.0]] and hba.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    x = probtorch.rand(2, 2)
    h = F.hessian(lambda t: t.pow(3).sum(), x)
    np.testing.assert_allclose(h.reshape(4, 4).numpy(), np.diag(6 * x.reshape(-1).numpy()), rtol=1e-6)


def test_doc_examples_hvp_vhp():
    x = probtorch.rand(2, 2)
    for fn in (F.hvp, F.vhp):
        out, r = fn(lambda t: t.pow(3).sum(), x, probtorch.ones(2, 2))
        np.testing.assert_allclose(r.numpy(), 6 * x.numpy(), rtol=1e-6)
        out, r = fn(lambda t: t.pow(3).sum(), x, probtorch.ones(2, 2), create_graph=True)
        assert out.requires_grad and r.requires_grad
        _, (r0, r1) = fn(lambda s, t: (2 * s.pow(2) + 3 * t.pow(2)).sum(), (probtorch.rand(2), probtorch.rand(2)),
                         (probtorch.zeros(2), probtorch.ones(2)))
        assert r0.tolist() == [0.0, 0.0] and r1.tolist() == [6.0, 6.0]


# ------------------------------------------------------------------------------------------------ errors
def _both_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call(F, probtorch)
    with pytest.raises(exc, match=match):
        call(TF, torch)


@pytest.mark.parametrize("call, exc, match", [
    (lambda f, m: f.jvp(lambda x: x, [m.ones(2)], m.ones(2)), TypeError,
     "inputs given to jvp must be either a Tensor or a tuple of Tensors"),
    (lambda f, m: f.vjp(lambda x: x, (m.ones(2), 3.0)), TypeError, "value at index 1 has type"),
    (lambda f, m: f.vjp(lambda x: 3.0, m.ones(2)), TypeError, "outputs of the user-provided function given to vjp"),
    (lambda f, m: f.jvp(lambda x: [x], m.ones(2), m.ones(2)), TypeError, "outputs of the user-provided function"),
    (lambda f, m: f.jvp(lambda x: x, m.ones(2), m.ones(3)), RuntimeError,
     "v has invalid size: should be .*\\[2\\].* but got .*\\[3\\]"),
    (lambda f, m: f.jvp(lambda x, y: x, (m.ones(2), m.ones(2)), (m.ones(2), m.ones(3))), RuntimeError,
     "Entry 1 in v has invalid size"),
    (lambda f, m: f.jvp(lambda x, y: x, (m.ones(2), m.ones(2)), (m.ones(2),)), RuntimeError,
     "v is a tuple of invalid length: should be 2 but got 1"),
    (lambda f, m: f.vjp(lambda x: x, m.ones(2), (m.ones(2), m.ones(2))), RuntimeError,
     "The given v should contain a single Tensor"),
    (lambda f, m: f.jvp(lambda x: x, m.ones(2)), RuntimeError, "v can only be None if the input"),
    (lambda f, m: f.vjp(lambda x: x, m.ones(2)), RuntimeError, "v can only be None if the user-provided function"),
    (lambda f, m: f.hvp(lambda x: x, m.ones(2), m.ones(2)), RuntimeError, "should contain a single element"),
    (lambda f, m: f.vhp(lambda x: (x.sum(), x.sum()), m.ones(2), m.ones(2)), RuntimeError,
     "should return a single Tensor"),
    (lambda f, m: f.hessian(lambda x: x, m.ones(2)), RuntimeError, "should contain a single element"),
    (lambda f, m: f.jacobian(lambda x: x, m.ones(2), strategy="sideways"), AssertionError,
     "Expected strategy to be either"),
    (lambda f, m: f.hessian(lambda x: x.sum(), m.ones(2), outer_jacobian_strategy="x"), AssertionError,
     "Expected strategy to be either"),
    (lambda f, m: f.jacobian(lambda x: x, m.ones(2), strategy="forward-mode"), NotImplementedError,
     "only implemented for `vectorize=True`"),
    (lambda f, m: f.jacobian(lambda x: x, m.ones(2), strategy="forward-mode", vectorize=True, create_graph=True),
     NotImplementedError, "`create_graph=True` and `strategy=\"forward-mode\"` are not supported"),
    (lambda f, m: f.jacobian(lambda x: x * x, m.ones(2), strict=True, vectorize=True), RuntimeError,
     "`strict=True` and `vectorized=True` are not supported"),
    (lambda f, m: f.jvp(lambda x: m.ones(2), m.ones(2), m.ones(2), strict=True), RuntimeError,
     "Output 0 of the user-provided function does not require gradients"),
    (lambda f, m: f.jvp(lambda x, y: x * x, (m.ones(2), m.ones(2)), (m.ones(2), m.ones(2)), strict=True),
     RuntimeError, "independent of input 1"),
    (lambda f, m: f.hvp(lambda x: (2 * x).sum(), m.ones(2), m.ones(2), strict=True), RuntimeError,
     "jacobian of the user-provided function with respect to input 0 is independent of the input"),
    (lambda f, m: f.jvp(lambda x: x * 2, m.ones(2), m.ones(2), strict=True, create_graph=True), RuntimeError,
     "jacobian of the user-provided function is independent of input 0.*create_graph=True"),
])
def test_errors_like_torch(call, exc, match):
    _both_raise(call, exc, match)


def test_requires_grad_on_integer_input_fails_like_torch():
    with pytest.raises(RuntimeError):
        F.jvp(lambda x: x, probtorch.arange(3), probtorch.ones(3))
    with pytest.raises(RuntimeError):
        TF.jvp(lambda x: x, torch.arange(3), torch.ones(3))


# ------------------------------------------------------------------------------------------------ properties
def _mlp(m, x, W1, b1, W2):
    return ((x @ W1 + b1).tanh() @ W2).sin()


@st.composite
def _mlp_case(draw):
    n_in, n_hidden, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    params = (rng.standard_normal((n_in, n_hidden)), rng.standard_normal(n_hidden),
              rng.standard_normal((n_hidden, n_out)))
    return rng.standard_normal(n_in), params, rng.standard_normal(n_in), rng.standard_normal(n_out)


@settings(max_examples=15)
@given(_mlp_case())
def test_jvp_vjp_are_jacobian_products(case):
    x, params, v, u = case
    P = [probtorch.tensor(p) for p in params]
    f = lambda t: _mlp(probtorch, t, *P)  # noqa: E731
    X = probtorch.tensor(x)
    J = F.jacobian(f, X).numpy()
    Jf = F.jacobian(f, X, vectorize=True, strategy="forward-mode").numpy()
    np.testing.assert_allclose(Jf, J, rtol=1e-10, atol=1e-12)
    Jc = F._jacobian_forward(f, X, False, True, batched=False).numpy()  # one forward pass per column
    np.testing.assert_allclose(Jc, J, rtol=1e-10, atol=1e-12)
    _, jv = F.jvp(f, X, probtorch.tensor(v))
    _, jv2 = F._jvp_double_backward(f, X, probtorch.tensor(v))
    _, vj = F.vjp(f, X, probtorch.tensor(u))
    np.testing.assert_allclose(jv.numpy(), J @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jv2.numpy(), jv.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(vj.numpy(), u @ J, rtol=1e-10, atol=1e-12)
    xt = torch.tensor(x)
    np.testing.assert_allclose(J, TF.jacobian(lambda t: _mlp(torch, t, *map(torch.tensor, params)), xt).numpy(),
                               rtol=1e-10, atol=1e-12)


def _log_density(m, x, A):
    # a non-Gaussian log density: quadratic form plus a log-cosh tail term
    return -0.5 * (x @ A @ x) - (x.cosh().log()).sum() + (x.sin() * x).sum()


@settings(max_examples=15)
@given(st.integers(1, 5), st.integers(0, 2 ** 16))
def test_hessian_symmetric_and_hvp_is_hessian_product(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    A = probtorch.tensor(a @ a.T)
    x, v = probtorch.tensor(rng.standard_normal(n)), probtorch.tensor(rng.standard_normal(n))
    f = lambda t: _log_density(probtorch, t, A)  # noqa: E731
    H = F.hessian(f, x).numpy()
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    Hf = F.hessian(f, x, vectorize=True, outer_jacobian_strategy="forward-mode").numpy()
    np.testing.assert_allclose(Hf, H, rtol=1e-10, atol=1e-12)
    _, hv = F.hvp(f, x, v)
    _, hv2 = F._hvp_double_backward(f, x, v)
    _, vh = F.vhp(f, x, v)
    for r in (hv, hv2, vh):
        np.testing.assert_allclose(r.numpy(), H @ v.numpy(), rtol=1e-10, atol=1e-12)
    Ht = TF.hessian(lambda t: _log_density(torch, t, torch.tensor(a @ a.T)), torch.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(H, Ht, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------- derivatives of results
def _f2(x, y):
    return (x.sin() * y.exp(), (x * y).sum())


def _g(x):
    return (x ** 3).sum() + x.prod() + x.exp().sum()


@pytest.mark.parametrize("which", ["vjp", "jvp", "jvp_double_backward", "hvp", "hvp_double_backward", "vhp",
                                   "jacobian", "hessian"])
def test_results_with_create_graph_are_differentiable(which):
    # every input goes straight into the functional call: gradcheck evaluates its finite differences without
    # recording, so nothing may be computed from the inputs outside it
    rng = np.random.default_rng(7)
    x = probtorch.tensor(rng.uniform(0.3, 1.0, 3), requires_grad=True)
    y = probtorch.tensor(rng.uniform(0.3, 1.0, 3), requires_grad=True)
    v = probtorch.tensor(rng.standard_normal(3), requires_grad=True)
    w = probtorch.tensor(rng.standard_normal(3), requires_grad=True)
    s = probtorch.tensor(0.4, dtype=probtorch.float64, requires_grad=True)
    fn, args = {
        "vjp": (lambda x, y, v, s: F.vjp(_f2, (x, y), (v, s), create_graph=True)[1], (x, y, v, s)),
        "jvp": (lambda x, y, v, w: F.jvp(_f2, (x, y), (v, w), create_graph=True)[1], (x, y, v, w)),
        "jvp_double_backward": (lambda x, y, v, w: F._jvp_double_backward(_f2, (x, y), (v, w),
                                                                          create_graph=True)[1], (x, y, v, w)),
        "hvp": (lambda x, v: F.hvp(_g, x, v, create_graph=True)[1], (x, v)),
        "hvp_double_backward": (lambda x, v: F._hvp_double_backward(_g, x, v, create_graph=True)[1], (x, v)),
        "vhp": (lambda x, v: F.vhp(_g, x, v, create_graph=True)[1], (x, v)),
        "jacobian": (lambda x, y: F.jacobian(_f2, (x, y), create_graph=True)[0], (x, y)),
        "hessian": (lambda x: F.hessian(_g, x, create_graph=True), (x,)),
    }[which]
    assert gradcheck(fn, args)
    if which in ("jvp", "jvp_double_backward", "hvp", "vjp"):
        assert gradgradcheck(fn, args)


def _g_rules_only(x):
    # only primitives with a cheap forward rule (no local double-vjp fallback)
    return (x ** 3).sum() + (x.sin() * x.exp()).sum() + x @ probtorch.tensor([[2.0, 0.5], [0.5, 1.0]],
                                                                          dtype=probtorch.float64) @ x


def _count_reverse_passes(monkeypatch):
    from probtorch.autograd import engine
    calls = []
    original = engine._run

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, "_run", counting)
    return calls


def test_hvp_runs_forward_over_reverse(monkeypatch):
    """hvp does one reverse pass carrying tangents: no second reverse pass through the graph of the gradient."""
    calls = _count_reverse_passes(monkeypatch)
    x, v = probtorch.tensor([0.5, 0.7], dtype=probtorch.float64), probtorch.tensor([1.0, -2.0], dtype=probtorch.float64)
    _, hv = F.hvp(_g_rules_only, x, v)
    assert len(calls) == 1
    calls.clear()
    _, hv2 = F._hvp_double_backward(_g_rules_only, x, v)
    assert len(calls) == 3
    np.testing.assert_allclose(hv.numpy(), hv2.numpy(), rtol=1e-12)


def test_jvp_runs_one_forward_pass(monkeypatch):
    calls = _count_reverse_passes(monkeypatch)
    x, v = probtorch.tensor([0.5, 0.7], dtype=probtorch.float64), probtorch.tensor([1.0, -2.0], dtype=probtorch.float64)
    _, jv = F.jvp(lambda t: (t.sin() * t).tanh() @ probtorch.ones(2, 3, dtype=probtorch.float64), x, v)
    assert calls == []
    _, jv2 = F._jvp_double_backward(lambda t: (t.sin() * t).tanh() @ probtorch.ones(2, 3, dtype=probtorch.float64),
                                    x, v)
    assert len(calls) == 2
    np.testing.assert_allclose(jv.numpy(), jv2.numpy(), rtol=1e-12)


def test_nested_jvp_and_jvp_inside_a_level_like_torch():
    """A jvp inside another (or inside a user's dual level) falls back to double backward: one forward level."""
    rng = np.random.default_rng(13)
    x, v, w = rng.standard_normal((3, 3))
    res = {}
    for lib, fun in ((probtorch, F), (torch, TF)):
        f = lambda t: (t.sin() * t.exp()).sum(0, keepdim=True) * t  # noqa: E731
        inner = lambda t: fun.jvp(f, t, lib.tensor(v), create_graph=True)[1]  # noqa: E731
        _, second = fun.jvp(inner, lib.tensor(x), lib.tensor(w))
        _, hv = fun.jvp(lambda t: lib.autograd.grad(f(t).sum(), t, create_graph=True)[0], lib.tensor(x),
                        lib.tensor(w))
        fwm = lib.autograd.forward_ad
        with fwm.dual_level():
            d = fwm.make_dual(lib.tensor(x), lib.tensor(w))
            _, inside = fun.jvp(f, d, lib.tensor(v))
        res[lib.__name__] = (second.numpy(), hv.numpy(), inside.numpy())
    for a, b in zip(res["probtorch"], res["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_empty_input_forward_mode_jacobian_like_torch():
    f = lambda m: (lambda t: (t.exp(), (t * 2)[:, :1]))  # noqa: E731
    _same_behaviour(lambda: F.jacobian(f(probtorch), probtorch.zeros(0, 2, dtype=probtorch.float64), vectorize=True,
                                       strategy="forward-mode"),
                    lambda: TF.jacobian(f(torch), torch.zeros(0, 2, dtype=torch.float64), vectorize=True,
                                        strategy="forward-mode"), check_rg=False)


# ------------------------------------------------------------------------------------------------ log densities
_COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
LOG_DENSITIES = {
    "normal": lambda m, p: m.distributions.Normal(p[0], p[1].exp()).log_prob(m.tensor([0.3, -1.2, 0.5])).sum(),
    "gamma": lambda m, p: m.distributions.Gamma(p[0].exp(), p[1].exp()).log_prob(m.tensor([0.3, 1.2, 2.0])).sum(),
    "dirichlet": lambda m, p: m.distributions.Dirichlet(p[0].exp()).log_prob(m.tensor([0.2, 0.5, 0.3])),
    "mvn": lambda m, p: m.distributions.MultivariateNormal(
        p[0], covariance_matrix=m.tensor(_COV) + p[1].unsqueeze(-1) * p[1].unsqueeze(-2)).log_prob(
            m.tensor([0.1, -0.3, 0.2])),
}


@pytest.mark.parametrize("name", list(LOG_DENSITIES))
def test_log_density_derivatives_like_torch(name):
    """hvp (forward-over-reverse), forward-mode hessian and jvp of distribution log densities against torch."""
    probtorch.set_default_dtype(probtorch.float64)
    torch_default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        rng = np.random.default_rng(15)
        p, v = rng.uniform(0.2, 1.0, (2, 3)), rng.standard_normal((2, 3))
        fn = LOG_DENSITIES[name]
        ours = [F.hvp(lambda t: fn(probtorch, t), probtorch.tensor(p), probtorch.tensor(v))[1],
                F.hessian(lambda t: fn(probtorch, t), probtorch.tensor(p), vectorize=True,
                          outer_jacobian_strategy="forward-mode"),
                F.jvp(lambda t: fn(probtorch, t), probtorch.tensor(p), probtorch.tensor(v))[1]]
        theirs = [TF.hvp(lambda t: fn(torch, t), torch.tensor(p), torch.tensor(v))[1],
                  TF.hessian(lambda t: fn(torch, t), torch.tensor(p)),
                  TF.jvp(lambda t: fn(torch, t), torch.tensor(p), torch.tensor(v))[1]]
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-10)  # special functions differ
    finally:
        torch.set_default_dtype(torch_default)
