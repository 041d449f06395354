"""Complex autograd in torch's convention, checked against torch.

For a real loss L and complex z, torch stores dL/dRe z + i dL/dIm z in z.grad (so ``z - lr * z.grad`` descends);
a holomorphic f with output gradient g sends g * conj(f'(z)) back, and a real input of a complex computation gets
the real part. Each row of the table below is one op written once for both libraries; the test compares values and
gradients of a real loss that sees both parts of every output, then runs our gradcheck and gradgradcheck on
complex128 inputs (which perturb real and imaginary parts).
"""
import warnings

import numpy as np
import pytest

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck, Function

torch = pytest.importorskip("torch")


def _sample(rng, spec):
    """spec: ('c', shape) complex anywhere, ('h', shape) complex with Re > 0 (away from the branch cut of log /
    sqrt / pow), ('r', shape) real, ('p', shape) real positive, ('spd', n) Hermitian positive definite,
    ('m', n) a well-conditioned complex square matrix."""
    kind, shape = spec
    if kind == "c":
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    if kind == "h":
        return rng.uniform(0.5, 2.0, shape) + 1j * rng.uniform(-1.0, 1.0, shape)
    if kind == "r":
        return rng.standard_normal(shape)
    if kind == "p":
        return rng.uniform(0.5, 2.0, shape)
    n = shape
    a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    if kind == "m":
        return a + 2 * n * np.eye(n)
    raise ValueError(kind)


def _as_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().resolve_neg().numpy()
    return t.detach().numpy()


def _loss(m, outs, weights):
    """A real loss that sees the real and imaginary part of every output element."""
    total = 0
    for o, w in zip(outs, weights):
        w = m.tensor(w)
        total = total + ((o * w).real if o.is_complex() else o * w.real).sum()
    return total


def _herm(m, a):
    """A Hermitian positive definite matrix from any square a (so every perturbation of a stays Hermitian)."""
    return a @ a.mH + a.shape[-1] * m.eye(a.shape[-1], dtype=a.dtype)


C3, H3, R3, P3 = ("c", (3,)), ("h", (3,)), ("r", (3,)), ("p", (3,))
C23 = ("c", (2, 3))

# name, fn(m, *tensors) -> tensor or tuple of tensors, argument specs
CASES = [
    ("mul", lambda m, z, w: z * w, [C3, C3]),
    ("mul_broadcast", lambda m, z, w: z * w, [C23, C3]),
    ("div", lambda m, z, w: z / w, [C3, H3]),
    ("add_alpha", lambda m, z, w: m.add(z, w, alpha=2.5), [C3, C3]),
    ("add_complex_alpha", lambda m, z, w: m.add(z, w, alpha=2 - 1j), [C3, C3]),
    ("sub_complex_alpha_mixed", lambda m, x, z: m.sub(x, z, alpha=1j), [R3, C3]),
    ("sub", lambda m, z, w: z - w, [C3, C3]),
    ("neg", lambda m, z: -z, [C3]),
    ("exp", lambda m, z: z.exp(), [C3]),
    ("log", lambda m, z: z.log(), [H3]),
    ("sin", lambda m, z: z.sin(), [C3]),
    ("cos", lambda m, z: z.cos(), [C3]),
    ("tanh", lambda m, z: z.tanh(), [C3]),
    ("tan", lambda m, z: z.tan(), [C3]),
    ("sinh", lambda m, z: z.sinh(), [C3]),
    ("cosh", lambda m, z: z.cosh(), [C3]),
    ("asin", lambda m, z: z.asin(), [C3]),
    ("acos", lambda m, z: z.acos(), [C3]),
    ("atan", lambda m, z: z.atan(), [C3]),
    ("asinh", lambda m, z: z.asinh(), [C3]),
    ("acosh", lambda m, z: z.acosh(), [H3]),
    ("atanh", lambda m, z: z.atanh(), [C3]),
    ("expm1", lambda m, z: z.expm1(), [C3]),
    ("exp2", lambda m, z: z.exp2(), [C3]),
    ("log1p", lambda m, z: z.log1p(), [H3]),
    ("log2", lambda m, z: z.log2(), [H3]),
    ("log10", lambda m, z: z.log10(), [H3]),
    ("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [C3, C3, C3]),
    ("lerp", lambda m, a, b: m.lerp(a, b, 0.3), [C3, C3]),
    ("logsumexp", lambda m, z: m.logsumexp(z, 0), [H3]),
    ("sum_of_squares_vs_abs", lambda m, z: (z * z.conj()).real.sum() - (z.abs() ** 2).sum() + z.abs().sum(), [C3]),
    ("sigmoid", lambda m, z: z.sigmoid(), [C3]),
    ("pow_scalar", lambda m, z: z ** 3, [C3]),
    ("pow_fractional", lambda m, z: z ** 2.5, [H3]),
    ("pow_complex_scalar", lambda m, z: z ** (0.5 + 1j), [H3]),
    ("pow_tensor", lambda m, z, w: z ** w, [H3, C3]),
    ("square", lambda m, z: z.square(), [C3]),
    ("reciprocal", lambda m, z: z.reciprocal(), [H3]),
    ("sqrt", lambda m, z: z.sqrt(), [H3]),
    ("rsqrt", lambda m, z: z.rsqrt(), [H3]),
    ("abs", lambda m, z: z.abs(), [C3]),
    ("angle", lambda m, z: z.angle(), [C3]),
    ("sgn", lambda m, z: z.sgn(), [C3]),
    ("conj", lambda m, z: z.conj() * (1 + 2j), [C3]),
    ("real", lambda m, z: z.real, [C3]),
    ("imag", lambda m, z: z.imag, [C3]),
    ("real_imag_product", lambda m, z: z.real * z.imag, [C3]),
    ("sum", lambda m, z: z.sum(), [C23]),
    ("sum_dim", lambda m, z: z.sum(0), [C23]),
    ("mean", lambda m, z: z.mean(1), [C23]),
    ("prod", lambda m, z: z.prod(), [C3]),
    ("cumsum", lambda m, z: z.cumsum(0), [C3]),
    ("cumprod", lambda m, z: z.cumprod(0), [C3]),
    ("var", lambda m, z: z.var(), [C3]),
    ("norm", lambda m, z: z.norm(), [C3]),
    ("vector_norm_1", lambda m, z: m.linalg.vector_norm(z, 1), [C3]),
    ("vector_norm_3", lambda m, z: m.linalg.vector_norm(z, 3), [C3]),
    ("where", lambda m, z, w: m.where(z.real > 0, z, w), [C3, C3]),
    # mixed real / complex: the real input's gradient is the real part
    ("mixed_mul", lambda m, z, x: z * x, [C3, R3]),
    ("mixed_add", lambda m, z, x: x + z, [C3, R3]),
    ("real_times_1j", lambda m, x: x * 1j, [R3]),
    ("real_to_complex", lambda m, x: x.to(m.complex128) * (2 - 1j), [R3]),
    ("complex_fn", lambda m, x, y: m.complex(x, y), [R3, R3]),
    ("polar", lambda m, r, t: m.polar(r, t), [P3, R3]),
    ("view_as_real", lambda m, z: m.view_as_real(z), [C23]),
    ("view_as_complex", lambda m, x: m.view_as_complex(x), [("r", (3, 2))]),
    ("view_as_real_non_contiguous", lambda m, z: m.view_as_real(z[:, ::2]), [C23]),
    # linear algebra
    ("matmul", lambda m, a, b: a @ b, [("c", (2, 3)), ("c", (3, 2))]),
    ("matmul_mixed", lambda m, a, x: a @ x.to(a.dtype), [("c", (2, 3)), ("r", (3, 2))]),
    ("mH", lambda m, a: a.mH * (1 + 1j), [("c", (2, 3))]),
    ("adjoint", lambda m, a: a.adjoint() * (1 - 1j), [("c", (2, 3))]),
    ("inv", lambda m, a: m.linalg.inv(a), [("m", 3)]),
    ("det", lambda m, a: m.linalg.det(a), [("m", 3)]),
    ("slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), [("m", 3)]),
    ("logdet", lambda m, a: m.logdet(a), [("m", 3)]),
    ("solve", lambda m, a, b: m.linalg.solve(a, b), [("m", 3), ("c", (3, 2))]),
    ("solve_triangular", lambda m, a, b: m.linalg.solve_triangular(a.triu(), b, upper=True), [("m", 3), ("c", (3, 2))]),
    ("cholesky", lambda m, a: m.linalg.cholesky(_herm(m, a)), [("c", (3, 3))]),
    ("cholesky_solve", lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(_herm(m, a))),
     [("c", (3, 2)), ("c", (3, 3))]),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(_herm(m, a)), [("c", (3, 3))]),
    ("eigh_reconstruct", lambda m, a: (lambda L, V: (V * L.to(V.dtype).unsqueeze(-2)) @ V.mH)(
        *m.linalg.eigh(_herm(m, a))), [("c", (3, 3))]),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), [("c", (3, 2))]),
    ("svd_reconstruct", lambda m, a: (lambda U, S, Vh: (U * S.to(U.dtype).unsqueeze(-2)) @ Vh)(
        *m.linalg.svd(a, full_matrices=False)), [("c", (3, 2))]),
    ("qr", lambda m, a: tuple(m.linalg.qr(a)), [("c", (3, 2))]),
    ("qr_wide", lambda m, a: tuple(m.linalg.qr(a)), [("c", (2, 3))]),
    ("pinv", lambda m, a: m.linalg.pinv(a), [("c", (3, 2))]),
    ("matrix_exp", lambda m, a: m.linalg.matrix_exp(a * 0.3), [("c", (2, 2))]),
    ("vecdot", lambda m, x, y: m.linalg.vecdot(x, y), [C23, C23]),
    ("matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), [("c", (2, 3))]),
    ("matrix_norm_nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc"), [("c", (3, 2))]),
    ("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [("c", (2, 3)), ("c", (3, 2))]),
]
# second order is checked on a representative subset (each gradgradcheck is O(n^2) evaluations)
GRADGRAD = {"mul", "div", "exp", "log", "sin", "pow_tensor", "sqrt", "abs", "angle", "sgn", "conj", "imag", "prod",
            "var", "norm", "mixed_mul", "real_times_1j", "complex_fn", "polar", "view_as_real", "view_as_complex",
            "matmul", "inv", "det", "slogdet", "cholesky", "eigh_reconstruct", "svd_reconstruct", "qr", "where"}


def _inputs(specs, seed):
    rng = np.random.default_rng(seed)
    return [_sample(rng, s) for s in specs]


def _run(m, fn, arrays, weights_seed):
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    outs = fn(m, *xs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    rng = np.random.default_rng(weights_seed)
    weights = [rng.standard_normal(tuple(o.shape)) + 1j * rng.standard_normal(tuple(o.shape)) for o in outs]
    grads = m.autograd.grad(_loss(m, outs, weights), xs, allow_unused=True)
    return [_as_numpy(o) for o in outs], [None if g is None else _as_numpy(g) for g in grads]


@pytest.mark.parametrize("name,fn,specs", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(name, fn, specs):
    arrays = _inputs(specs, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: a real input takes the real part, not a lossy cast
        ours_v, ours_g = _run(probtorch, fn, arrays, 2)
    theirs_v, theirs_g = _run(torch, fn, arrays, 2)
    for a, b in zip(ours_v, theirs_v):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for a, b, x in zip(ours_g, theirs_g, arrays):
        if b is None:
            assert a is None or not np.any(a)
            continue
        assert a.dtype == b.dtype == x.dtype  # a real input's gradient is real
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def _checked(fn, specs, seed=3):
    xs = [probtorch.tensor(a, requires_grad=True) for a in _inputs(specs, seed)]

    def f(*args):
        out = fn(probtorch, *args)
        return out
    return f, xs


@pytest.mark.parametrize("name,fn,specs", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_complex(name, fn, specs):
    f, xs = _checked(fn, specs)
    assert gradcheck(f, xs, check_forward_ad=True)  # reverse and forward mode against finite differences


@pytest.mark.parametrize("name,fn,specs", [c for c in CASES if c[0] in GRADGRAD],
                         ids=[c[0] for c in CASES if c[0] in GRADGRAD])
def test_gradgradcheck_complex(name, fn, specs):
    f, xs = _checked(fn, specs)
    assert gradgradcheck(f, xs)


# ------------------------------------------------------------------------------------------------ gradcheck itself
class _Square(Function):
    """z^2 with a chosen backward: torch's g * conj(2 z), or the convention error g * 2 z."""
    conjugate = True

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z * z

    @staticmethod
    def backward(ctx, g):
        z, = ctx.saved_tensors
        d = 2 * z
        return g * (d.conj() if _Square.conjugate else d)


def test_gradcheck_rejects_a_missing_conjugate():
    z = probtorch.tensor([0.3 + 1.2j, -0.7 + 0.4j], dtype=probtorch.complex128, requires_grad=True)
    _Square.conjugate = True
    try:
        assert gradcheck(_Square.apply, (z,))
        _Square.conjugate = False
        with pytest.raises(RuntimeError, match="Jacobian mismatch"):
            gradcheck(_Square.apply, (z,))
        assert not gradcheck(_Square.apply, (z,), raise_exception=False)
    finally:
        _Square.conjugate = True


def test_torch_gradcheck_agrees_on_the_missing_conjugate():
    # the same two backward rules written for torch: its gradcheck accepts and rejects them as ours does
    class Square(torch.autograd.Function):
        conjugate = True

        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            z, = ctx.saved_tensors
            return g * ((2 * z).conj() if Square.conjugate else 2 * z)

    z = torch.tensor([0.3 + 1.2j, -0.7 + 0.4j], dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(Square.apply, (z,))
    Square.conjugate = False
    assert not torch.autograd.gradcheck(Square.apply, (z,), raise_exception=False)


def test_gradcheck_sees_the_imaginary_part_of_a_gradient():
    # a real function of z whose gradient's imaginary part alone is wrong: real-only perturbations would pass it
    class RealPart(Function):
        @staticmethod
        def forward(ctx, z):
            return z.real * 1.0 + z.imag * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * (1 + 0j)  # the right answer is g * (1 + 2j)

    z = probtorch.tensor([0.5 - 0.2j], dtype=probtorch.complex128, requires_grad=True)
    assert not gradcheck(RealPart.apply, (z,), raise_exception=False)


def test_gradcheck_matches_torch_layout_on_a_real_to_complex_map():
    x = probtorch.tensor([0.4, -1.1], dtype=probtorch.float64, requires_grad=True)
    assert gradcheck(lambda x: probtorch.polar(x.exp(), x), (x,))
    assert gradgradcheck(lambda x: probtorch.polar(x.exp(), x), (x,))
    xt = torch.tensor([0.4, -1.1], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: torch.polar(x.exp(), x), (xt,))


# ------------------------------------------------------------------------------------------------ real / imag views
def test_real_and_imag_are_views_that_write_through():
    for m in (probtorch, torch):
        z = m.tensor([1 + 2j, 3 - 1j])
        r, i = z.real, z.imag
        assert r._base is z and i._base is z
        assert r.dtype == m.float32 and tuple(r.stride()) == (2,)  # complex64 by default
        z.real.mul_(2)
        z.imag.add_(1)
        assert z.tolist() == [2 + 3j, 6 + 0j]
        assert r.tolist() == [2.0, 6.0] and i.tolist() == [3.0, 0.0]  # the views see the writes too
        z.imag = m.tensor([5.0, 7.0])
        z.real = m.tensor([-1.0, -2.0])
        assert z.tolist() == [-1 + 5j, -2 + 7j]
        z[0] = 4 - 4j
        assert r.tolist() == [4.0, -2.0] and i.tolist() == [-4.0, 7.0]


def test_real_of_a_real_tensor_is_itself_and_imag_raises():
    x = probtorch.tensor([1.0, 2.0])
    assert x.real is x
    assert probtorch.real(x) is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        probtorch.imag(x)


def test_real_imag_functions_match_properties():
    z = probtorch.tensor([1 + 2j, 3 - 1j], dtype=probtorch.complex64)
    assert probtorch.real(z).dtype == probtorch.float32 and probtorch.imag(z).tolist() == [2.0, -1.0]
    assert probtorch.real(z)._base is z


@pytest.mark.parametrize("part", ["real", "imag"])
def test_gradient_through_an_in_place_write_into_a_part(part):
    def run(m):
        z = m.tensor([1 + 2j, -0.5 + 0.25j], requires_grad=True)
        w = z * (1 + 1j)
        getattr(w, part).mul_(3)  # writes through to w
        loss = (w * m.tensor([0.3 - 0.7j, 1.1 + 0.2j])).real.sum()
        (g,) = m.autograd.grad(loss, z)
        return _as_numpy(w), _as_numpy(g)

    (wv, wg), (tv, tg) = run(probtorch), run(torch)
    np.testing.assert_allclose(wv, tv, rtol=1e-12)
    np.testing.assert_allclose(wg, tg, rtol=1e-12)


def test_writes_into_the_part_of_a_leaf_requiring_grad_are_refused():
    z = probtorch.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        z.real.mul_(2)


def test_assigning_a_grad_requiring_tensor_to_a_part():
    def run(m):
        x = m.tensor([0.5, -1.5], dtype=m.float64, requires_grad=True)
        z = m.zeros(2, dtype=m.complex128)
        z.imag = x * 2
        loss = (z * m.tensor([1 - 2j, 0.5 + 1j])).real.sum()
        return _as_numpy(m.autograd.grad(loss, x)[0])

    np.testing.assert_allclose(run(probtorch), run(torch), rtol=1e-12)


# ------------------------------------------------------------------------------------------------ view_as_real / complex
def test_view_as_real_and_complex_share_storage():
    for m in (probtorch, torch):
        z = m.tensor([1 + 2j, 3 - 1j])
        v = m.view_as_real(z)
        assert tuple(v.shape) == (2, 2) and v._base is z and tuple(v.stride()) == (2, 1)
        v[0, 1] = 9.0
        assert z.tolist() == [1 + 9j, 3 - 1j]
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]])
        c = m.view_as_complex(x)
        assert c.tolist() == [1 + 2j, 3 + 4j] and c._base is x
        c.mul_(1j)
        assert x.tolist() == [[-2.0, 1.0], [-4.0, 3.0]]
        y = m.tensor([[1.0, 2.0, 5.0, 6.0], [3.0, 4.0, 7.0, 8.0]])[:, :2]  # rows of pairs, row stride 4
        assert m.view_as_complex(y).tolist() == [1 + 2j, 3 + 4j]
        assert m.view_as_real(z[::2]).tolist() == [[1.0, 9.0]]


@pytest.mark.parametrize("make,msg", [
    (lambda m: m.view_as_real(m.tensor([1.0])), "view_as_real is only supported for complex tensors"),
    (lambda m: m.view_as_complex(m.zeros(3)), "last dimension of size 2"),
    (lambda m: m.view_as_complex(m.zeros(2, 4)[:, ::2]), "last dimension with stride 1"),
    (lambda m: m.view_as_complex(m.zeros(3, 3)[:, :2]), "stride divisible by 2"),
    (lambda m: m.view_as_complex(m.zeros(4)[1:3]), "storage_offset divisible by 2"),
])
def test_view_as_errors_like_torch(make, msg):
    for m in (probtorch, torch):
        with pytest.raises(RuntimeError, match=msg):
            make(m)


def test_view_as_complex_of_an_empty_tensor():
    c = probtorch.view_as_complex(probtorch.zeros(0, 2, dtype=probtorch.float64))
    assert tuple(c.shape) == (0,) and c.dtype == probtorch.complex128


# ------------------------------------------------------------------------------------------------ engine details
def test_leaf_grad_accumulates_and_descends():
    # z - lr * z.grad decreases |z - a|^2: the stored gradient is the descent direction's negative
    a = probtorch.tensor([1.0 - 2.0j, 0.5 + 0.5j])
    z = probtorch.tensor([0.2 + 0.3j, -1.0 + 0.1j], requires_grad=True)
    losses = []
    for _ in range(3):
        loss = ((z - a).abs() ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with probtorch.no_grad():
            z -= 0.1 * z.grad
        z.grad = None
    assert losses[0] > losses[1] > losses[2]
    z.grad = None
    (z.abs() ** 2).sum().backward()
    (z.abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 4 * z.detach().numpy())  # 2 z per pass, accumulated


def test_backward_with_complex_grad_output():
    def run(m):
        z = m.tensor([1 + 1j, 2 - 0.5j], requires_grad=True)
        out = z.exp()
        out.backward(m.tensor([0.5 - 1j, 2 + 0.25j]))
        return _as_numpy(z.grad)

    np.testing.assert_allclose(run(probtorch), run(torch), rtol=1e-12)


def test_complex64_gradients_keep_their_dtype():
    z = probtorch.tensor([1 + 1j, 2 - 0.5j], dtype=probtorch.complex64, requires_grad=True)
    x = probtorch.tensor([0.5, 2.0], dtype=probtorch.float32, requires_grad=True)
    (z * x).abs().sum().backward()
    assert z.grad.dtype == probtorch.complex64 and x.grad.dtype == probtorch.float32


def test_real_tensors_never_meet_conj():
    # the fast path for real operands: no conj node appears in a double-backward graph of real ops
    x = probtorch.tensor([0.5, 1.5], dtype=probtorch.float64, requires_grad=True)
    (g,) = probtorch.autograd.grad((x.exp() * x.sin()).sum(), x, create_graph=True)
    seen, stack = set(), [g.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen or not hasattr(fn, "next_functions"):
            continue
        seen.add(id(fn))
        assert "Conj" not in fn.name()
        stack.extend(f for f, _ in fn.next_functions)


# ------------------------------------------------------------------------------------------------ conjugates
def test_conjugate_transposes_like_torch():
    a = np.array([[1 + 1j, 2 - 3j, 0.5j], [3 + 0j, -4j, 2 + 2j]])
    for name in ("H", "mH", "mT"):
        ours = getattr(probtorch.tensor(a), name)
        np.testing.assert_array_equal(_as_numpy(ours), _as_numpy(getattr(torch.tensor(a), name)))
    np.testing.assert_array_equal(_as_numpy(probtorch.tensor(a).adjoint()), a.conj().T)
    batch = np.stack([a, 2 * a])
    np.testing.assert_array_equal(_as_numpy(probtorch.tensor(batch).mH), _as_numpy(torch.tensor(batch).mH))
    real = probtorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert real.H.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    for m in (probtorch, torch):
        with pytest.raises(RuntimeError, match="tensor.H is only supported on matrices"):
            m.zeros(3).H
        with pytest.raises(RuntimeError, match="consider using tensor.mH"):
            m.zeros(2, 2, 2).H
        with pytest.raises(RuntimeError, match="tensor.mH is only supported on matrices or batches of matrices"):
            m.zeros(3).mH
        with pytest.warns(UserWarning, match="deprecated on 0-D"):
            assert m.tensor(1 + 2j).H.item() == 1 - 2j


def test_conj_family():
    z = probtorch.tensor([1 + 2j, -3j])
    assert probtorch.conj(z).tolist() == [1 - 2j, 3j]
    assert probtorch.conj_physical(z).tolist() == [1 - 2j, 3j]
    assert z.resolve_conj() is z and z.resolve_neg() is z and not z.is_conj()
    x = probtorch.tensor([1.0, -2.0])
    assert probtorch.conj(x) is x
    c = probtorch.conj_physical(x)
    assert c is not x and c.tolist() == [1.0, -2.0]


def test_implicit_gradient_of_a_complex_output_is_refused():
    for m in (probtorch, torch):
        z = m.tensor([1 + 1j], requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for real scalar outputs"):
            (z * 2).sum().backward()


def test_custom_function_returning_a_complex_gradient_for_a_real_input_is_refused():
    for m in (probtorch, torch):
        class Rotate(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * (1 + 2j)

            @staticmethod
            def backward(ctx, g):
                return g * (1 - 2j)  # should be its real part

        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        with pytest.raises(RuntimeError):
            (Rotate.apply(x) * m.tensor([1 + 1j, 2 - 1j])).real.sum().backward()
