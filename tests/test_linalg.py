"""probtorch.linalg against torch.linalg: values and gradients on batches, gradcheck / gradgradcheck in float64,
and torch's errors. Each case is written once over a library namespace (`lib` is probtorch or torch)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _pd(lib, a):
    """A well-conditioned symmetric positive-definite matrix from any square a."""
    n = a.shape[-1]
    return a @ a.mT + n * lib.eye(n, dtype=a.dtype)


def _wc(lib, a):
    """A well-conditioned (non-symmetric) square matrix."""
    return a + a.shape[-1] * lib.eye(a.shape[-1], dtype=a.dtype)


def _tri(lib, a, upper):
    t = a.triu() if upper else a.tril()
    return t + a.shape[-1] * lib.eye(a.shape[-1], dtype=a.dtype)


def _sym(a):
    return a + a.mT


class Case:
    def __init__(self, name, fn, shapes, batched=True, grad=True):
        self.name, self.fn, self.shapes, self.batched, self.grad = name, fn, shapes, batched, grad

    def __repr__(self):
        return self.name


CASES = [
    Case("cholesky", lambda lib, a: lib.linalg.cholesky(_pd(lib, a)), [(3, 3)]),
    Case("cholesky_upper", lambda lib, a: lib.linalg.cholesky(_pd(lib, a), upper=True), [(3, 3)]),
    Case("cholesky_ex", lambda lib, a: lib.linalg.cholesky_ex(_pd(lib, a))[0], [(3, 3)]),
    Case("inv", lambda lib, a: lib.linalg.inv(_wc(lib, a)), [(3, 3)]),
    Case("inv_ex", lambda lib, a: lib.linalg.inv_ex(_wc(lib, a)).inverse, [(3, 3)]),
    Case("inverse", lambda lib, a: lib.inverse(_wc(lib, a)), [(3, 3)]),
    Case("det", lambda lib, a: lib.linalg.det(a), [(3, 3)]),
    Case("slogdet", lambda lib, a: lib.linalg.slogdet(a)[1], [(3, 3)]),
    Case("logdet", lambda lib, a: lib.logdet(_pd(lib, a)), [(3, 3)]),
    Case("solve", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b), [(3, 3), (3, 2)]),
    Case("solve_vec", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b), [(3, 3), (3,)], batched=False),
    Case("solve_right", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b, left=False), [(3, 3), (2, 3)]),
    Case("solve_bcast", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b), [(2, 3, 3), (3, 2)], batched=False),
    Case("solve_triangular_lower", lambda lib, a, b: lib.linalg.solve_triangular(_tri(lib, a, False), b,
                                                                                  upper=False), [(3, 3), (3, 2)]),
    Case("solve_triangular_upper", lambda lib, a, b: lib.linalg.solve_triangular(_tri(lib, a, True), b, upper=True),
         [(3, 3), (3, 2)]),
    Case("solve_triangular_raw", lambda lib, a, b: lib.linalg.solve_triangular(_wc(lib, a), b, upper=True),
         [(3, 3), (3, 2)]),
    Case("solve_triangular_right", lambda lib, a, b: lib.linalg.solve_triangular(_wc(lib, a), b, upper=False,
                                                                                  left=False), [(3, 3), (2, 3)]),
    Case("solve_triangular_unit", lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True,
                                                                                 unitriangular=True),
         [(3, 3), (3, 2)]),
    Case("solve_triangular_bcast", lambda lib, a, b: lib.linalg.solve_triangular(_wc(lib, a), b, upper=False),
         [(3, 3), (2, 3, 2)], batched=False),
    Case("cholesky_solve", lambda lib, a, b: lib.cholesky_solve(b, lib.linalg.cholesky(_pd(lib, a))),
         [(3, 3), (3, 2)]),
    Case("cholesky_solve_upper", lambda lib, a, b: lib.cholesky_solve(b, lib.linalg.cholesky(_pd(lib, a),
                                                                                             upper=True), upper=True),
         [(3, 3), (3, 2)]),
    Case("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(lib.linalg.cholesky(_pd(lib, a))), [(3, 3)]),
    Case("triangular_solve", lambda lib, b, a: lib.triangular_solve(b, _wc(lib, a), upper=True, transpose=True)[0],
         [(3, 2), (3, 3)]),
    Case("eigh", lambda lib, a: (lambda r: (r[0], r[1].abs()))(lib.linalg.eigh(_sym(a))), [(3, 3)]),
    Case("eigh_U", lambda lib, a: (lambda r: (r[0], r[1].abs()))(lib.linalg.eigh(_sym(a), UPLO="U")), [(3, 3)]),
    Case("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(_sym(a)), [(3, 3)]),
    Case("qr_square", lambda lib, a: tuple(t.abs() for t in lib.linalg.qr(a)), [(3, 3)]),
    Case("qr_tall", lambda lib, a: tuple(t.abs() for t in lib.linalg.qr(a)), [(4, 3)]),
    Case("qr_wide", lambda lib, a: tuple(t.abs() for t in lib.linalg.qr(a)), [(3, 4)]),
    Case("qr_complete_wide", lambda lib, a: tuple(t.abs() for t in lib.linalg.qr(a, mode="complete")), [(2, 3)]),
    Case("svd_tall", lambda lib, a: (lambda r: (r[0].abs(), r[1], r[2].abs()))(lib.linalg.svd(a, False)), [(4, 3)]),
    Case("svd_wide", lambda lib, a: (lambda r: (r[0].abs(), r[1], r[2].abs()))(lib.linalg.svd(a, False)), [(2, 4)]),
    Case("svd_full", lambda lib, a: (lambda r: (r[0][..., :2].abs(), r[1], r[2][..., :2, :].abs()))(
        lib.linalg.svd(a)), [(2, 3)]),
    Case("svdvals", lambda lib, a: lib.linalg.svdvals(a), [(3, 4)]),
    Case("pinv", lambda lib, a: lib.linalg.pinv(a), [(4, 3)]),
    Case("pinv_hermitian", lambda lib, a: lib.linalg.pinv(_pd(lib, a), hermitian=True), [(3, 3)]),
    Case("cond", lambda lib, a: lib.linalg.cond(a), [(3, 3)]),
    Case("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), [(3, 3)]),
    Case("matrix_power3", lambda lib, a: lib.linalg.matrix_power(a, 3), [(3, 3)]),
    Case("matrix_power_neg", lambda lib, a: lib.linalg.matrix_power(_wc(lib, a), -2), [(3, 3)]),
    Case("matrix_power0", lambda lib, a: lib.linalg.matrix_power(a, 0) + a, [(3, 3)]),
    Case("vector_norm2", lambda lib, a: lib.linalg.vector_norm(a, dim=-1), [(3, 3)]),
    Case("vector_norm3", lambda lib, a: lib.linalg.vector_norm(a, 3, dim=(-2, -1)), [(3, 3)]),
    Case("matrix_norm_fro", lambda lib, a: lib.linalg.matrix_norm(a), [(3, 3)]),
    Case("matrix_norm_nuc", lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), [(3, 4)]),
    Case("matrix_norm_2", lambda lib, a: lib.linalg.matrix_norm(a, 2), [(3, 3)]),
    Case("matrix_norm_m2", lambda lib, a: lib.linalg.matrix_norm(a, -2, keepdim=True), [(3, 3)]),
    Case("matrix_norm_1", lambda lib, a: lib.linalg.matrix_norm(a, 1), [(3, 3)]),
    Case("matrix_norm_m1", lambda lib, a: lib.linalg.matrix_norm(a, -1), [(3, 3)]),
    Case("matrix_norm_inf", lambda lib, a: lib.linalg.matrix_norm(a, math.inf, keepdim=True), [(3, 3)]),
    Case("matrix_norm_dims", lambda lib, a: lib.linalg.matrix_norm(a, 1, dim=(0, -1)), [(2, 3, 3)],
         batched=False),
    Case("norm_default", lambda lib, a: lib.linalg.norm(a), [(3, 3)]),
    Case("norm_2d_ord", lambda lib, a: lib.linalg.norm(a, "nuc"), [(3, 3)], batched=False),
    Case("norm_dim", lambda lib, a: lib.linalg.norm(a, 1, dim=0), [(3, 3)]),
    Case("multi_dot", lambda lib, a, b, c, d: lib.linalg.multi_dot([a, b, c, d]), [(3,), (3, 5), (5, 2), (2,)],
         batched=False),
    Case("multi_dot_mats", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [(4, 1), (1, 5), (5, 2)],
         batched=False),
    Case("solve_one_matrix_many_rhs", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b), [(3, 3), (4, 3, 2)],
         batched=False),
    Case("lu_factor", lambda lib, a: lib.linalg.lu_factor(a)[0], [(3, 3)]),
    Case("lu_factor_tall", lambda lib, a: lib.linalg.lu_factor(a)[0], [(4, 3)]),
    Case("lu_factor_wide", lambda lib, a: lib.linalg.lu_factor(a)[0], [(3, 4)]),
    Case("lu_factor_ex", lambda lib, a: lib.linalg.lu_factor_ex(a).LU, [(3, 3)]),
    Case("lu", lambda lib, a: lib.linalg.lu(a)[1:], [(3, 3)]),
    Case("lu_tall", lambda lib, a: lib.linalg.lu(a)[1:], [(4, 2)]),
    Case("lu_wide", lambda lib, a: lib.linalg.lu(a)[1:], [(2, 4)]),
    Case("lu_unpack", lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a))[1:], [(3, 3)]),
    Case("lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b), [(3, 3), (3, 2)]),
    Case("lu_solve_adjoint", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, adjoint=True),
         [(3, 3), (3, 2)]),
    Case("lu_solve_right", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=False),
         [(3, 3), (2, 3)]),
    Case("lu_solve_right_adjoint", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=False,
                                                                         adjoint=True), [(3, 3), (2, 3)]),
    Case("solve_ex", lambda lib, a, b: lib.linalg.solve_ex(_wc(lib, a), b)[0], [(3, 3), (3, 2)]),
    Case("solve_ex_right", lambda lib, a, b: lib.linalg.solve_ex(_wc(lib, a), b, left=False)[0], [(3, 3), (2, 3)]),
    Case("solve_ex_vec", lambda lib, a, b: lib.linalg.solve_ex(_wc(lib, a), b)[0], [(3, 3), (3,)], batched=False),
    Case("lstsq_tall", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(4, 3), (4, 2)]),
    Case("lstsq_gelsd", lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd")[:2], [(4, 3), (4, 2)]),
    Case("lstsq_square", lambda lib, a, b: lib.linalg.lstsq(_wc(lib, a), b).solution, [(3, 3), (3, 2)]),
    Case("tensorinv", lambda lib, a: lib.linalg.tensorinv(_wc(lib, a).reshape(3, 1, 3), ind=1), [(3, 3)],
         batched=False),
    Case("tensorsolve", lambda lib, a, b: lib.linalg.tensorsolve(_wc(lib, a).reshape(3, 3, 1), b), [(3, 3), (3,)],
         batched=False),
    Case("torch_svd", lambda lib, a: (lambda r: (r[0].abs(), r[1], r[2].abs()))(lib.svd(a)), [(4, 3)]),
    Case("torch_svd_no_uv", lambda lib, a: lib.svd(a, compute_uv=False)[1], [(2, 3)], batched=False),
    Case("torch_qr", lambda lib, a: tuple(t.abs() for t in lib.qr(a)), [(4, 3)], batched=False),
    Case("pinverse", lambda lib, a: lib.pinverse(a), [(3, 2)], batched=False),
    Case("torch_lu_solve", lambda lib, a, b: lib.lu_solve(b, *lib.linalg.lu_factor(a)), [(3, 3), (3, 2)]),
    Case("chain_matmul", lambda lib, a, b, c: lib.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)], batched=False),
    Case("vdot", lambda lib, a, b: lib.vdot(a, b), [(3,), (3,)], batched=False),
    Case("nuclear_norm", lambda lib, a: lib.nuclear_norm(a, keepdim=True), [(3, 4)], batched=False),
    Case("frobenius_norm", lambda lib, a: lib.frobenius_norm(a, (0, 1)), [(3, 4)], batched=False),
    Case("addmm", lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=2.0), [(3,), (2, 4), (4, 3)],
         batched=False),
    Case("addmv", lambda lib, i, a, b: lib.addmv(i, a, b, alpha=-1.0), [(2,), (2, 4), (4,)], batched=False),
    Case("addr", lambda lib, i, a, b: lib.addr(i, a, b, beta=2.0), [(2, 3), (2,), (3,)], batched=False),
    Case("baddbmm", lambda lib, i, a, b: lib.baddbmm(i, a, b, beta=0.0), [(2, 2, 3), (2, 2, 4), (2, 4, 3)],
         batched=False),
    Case("addbmm", lambda lib, i, a, b: lib.addbmm(i, a, b), [(2, 3), (2, 2, 4), (2, 4, 3)], batched=False),
    Case("householder_product", lambda lib, a, t: lib.linalg.householder_product(a, t), [(4, 3), (3,)]),
    Case("householder_product_short_tau", lambda lib, a, t: lib.linalg.householder_product(a, t), [(4, 3), (2,)],
         batched=False),
    Case("ormqr", lambda lib, a, t, c: lib.ormqr(a, t, c), [(4, 3), (3,), (4, 2)], batched=False),
    Case("ormqr_right_t", lambda lib, a, t, c: lib.ormqr(a, t, c, left=False, transpose=True),
         [(4, 3), (3,), (2, 4)], batched=False),
    Case("matmul_batch_by_matrix", lambda lib, a, b: lib.matmul(a, b), [(2, 3, 4, 5), (5, 2)], batched=False),
    Case("matmul_matrix_by_batch", lambda lib, a, b: lib.matmul(a, b), [(3, 4), (2, 4, 5)], batched=False),
    Case("matmul_mixed_broadcast", lambda lib, a, b: lib.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)], batched=False),
    Case("matmul_unit_batch", lambda lib, a, b: lib.matmul(a, b), [(1, 3, 4), (2, 4, 5)], batched=False),
    Case("solve_unit_batch", lambda lib, a, b: lib.linalg.solve(_wc(lib, a), b), [(1, 3, 3), (4, 3, 2)],
         batched=False),
    Case("diagonal", lambda lib, a: lib.linalg.diagonal(a, offset=1), [(3, 4)]),
    Case("vander", lambda lib, x: lib.linalg.vander(x, N=4), [(3,)]),
    Case("cross", lambda lib, a, b: lib.linalg.cross(a, b), [(1, 3), (2, 3)], batched=False),
]

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("...ij,...jk", [(2, 1, 2, 3), (3, 3, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk->i", [(2, 3), (3, 4)]),
    ("ij,kl->", [(2, 3), (1, 2)]),
    ("ij,j->i", [(2, 3), (1,)]),
    ("Ab,bA->A", [(2, 3), (3, 2)]),
    ("ij,jj->ij", [(2, 3), (3, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("bii->b", [(2, 3, 3)]),
    ("i,i->i", [(3,), (3,)]),
    ("ijk,ikj->", [(2, 3, 3), (2, 3, 3)]),
]


def _inputs(shapes, batch, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(batch) + tuple(s)) for s in shapes]


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _compare_torch(fn, arrays, rtol=1e-7, atol=1e-9, dtype="float64"):
    pts = [probtorch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    tts = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    po = _tuple(fn(probtorch, *pts))
    to = _tuple(fn(torch, *tts))
    assert len(po) == len(to)
    rng = np.random.default_rng(1)
    cots = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in to]
    for p, t in zip(po, to):
        assert tuple(p.shape) == tuple(t.shape)
        assert p.dtype.name == str(t.dtype).split(".")[1]
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    pg = probtorch.autograd.grad(list(po), pts, [probtorch.tensor(c) for c in cots], allow_unused=True)
    tg = torch.autograd.grad(list(to), tts, [torch.tensor(c) for c in cots], allow_unused=True)
    for p, t in zip(pg, tg):
        if t is None:
            assert p is None or np.all(p.numpy() == 0)
            continue
        np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=max(rtol, 1e-6), atol=max(atol, 1e-8))


_BATCHED = [(c, b) for c in CASES for b in ([(), (2,), (2, 3)] if c.batched else [()])]


@pytest.mark.parametrize("case,batch", _BATCHED, ids=[f"{c.name}-{b}" for c, b in _BATCHED])
def test_against_torch(case, batch):
    _compare_torch(case.fn, _inputs(case.shapes, batch))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    xs = [probtorch.tensor(a, requires_grad=True) for a in _inputs(case.shapes, (2,) if case.batched else (), 3)]
    f = lambda *args: case.fn(probtorch, *args)  # noqa: E731
    assert gradcheck(f, xs)
    xs = [probtorch.tensor(a, requires_grad=True) for a in _inputs(case.shapes, (), 4)]
    assert gradgradcheck(f, xs)


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes):
    fn = lambda lib, *ops: lib.einsum(eq, *ops)  # noqa: E731
    arrays = _inputs(shapes, ())
    _compare_torch(fn, arrays)
    xs = [probtorch.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *o: probtorch.einsum(eq, *o), xs)
    assert gradgradcheck(lambda *o: probtorch.einsum(eq, *o), xs)


def test_einsum_forms():
    a, b = _inputs([(2, 3), (3, 4)], ())
    pa, pb = probtorch.tensor(a), probtorch.tensor(b)
    ref = a @ b
    np.testing.assert_allclose(probtorch.einsum("ij,jk->ik", [pa, pb]).numpy(), ref)
    np.testing.assert_allclose(probtorch.einsum(pa, [0, 1], pb, [1, 2], [0, 2]).numpy(), ref)
    np.testing.assert_allclose(probtorch.einsum(" i j , j k -> i k ", pa, pb).numpy(), ref)
    np.testing.assert_allclose(probtorch.linalg.einsum("ij,jk->ik", pa, pb).numpy(), ref)
    np.testing.assert_allclose(probtorch.einsum(pa, [Ellipsis, 1], pb, [1, 2]).numpy(), ref)
    ia = probtorch.tensor([[1, 2], [3, 4]])
    assert probtorch.einsum("ij,jk->ik", ia, ia).tolist() == torch.einsum(
        "ij,jk->ik", torch.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 4]])).tolist()
    # as in torch, a single operand with nothing summed gives a view (permutation and diagonals)
    for eq in ("ij->ji", "ii->i", "iij->ji"):
        shape = (2, 2, 3) if eq.startswith("iij") else (3, 3)
        x, xt = probtorch.zeros(*shape), torch.zeros(*shape)
        probtorch.einsum(eq, x).add_(1.0)
        torch.einsum(eq, xt).add_(1.0)
        np.testing.assert_array_equal(x.numpy(), xt.numpy())
    # anything else is a fresh tensor
    x = probtorch.tensor(a)
    probtorch.einsum("ij->i", x).add_(1.0)
    np.testing.assert_array_equal(x.numpy(), a)


def test_einsum_errors():
    a = probtorch.ones(2, 3)
    with pytest.raises(RuntimeError, match="subscript j has size 2 for operand 1"):
        probtorch.einsum("ij,jk", a, probtorch.ones(2, 2))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        probtorch.einsum("ij,jk", a, probtorch.ones(3, 2, dtype=probtorch.float64))
    with pytest.raises(ValueError, match="number of subscripts in the equation \\(3\\) does not match"):
        probtorch.einsum("ijk", a)
    with pytest.raises(ValueError, match="more operands"):
        probtorch.einsum("ij", a, a)
    with pytest.raises(ValueError, match="output subscript k does not appear"):
        probtorch.einsum("ij->k", a)
    with pytest.raises(ValueError, match="appears more than once"):
        probtorch.einsum("ij->ii", a)


def test_float32_values():
    A = _inputs([(2, 3, 3)], ())[0]
    for fn in (lambda lib, a: lib.linalg.cholesky(_pd(lib, a)), lambda lib, a: lib.linalg.inv(_wc(lib, a)),
               lambda lib, a: lib.linalg.det(a), lambda lib, a: lib.linalg.matrix_exp(a)):
        _compare_torch(fn, [A], rtol=1e-4, atol=1e-5, dtype="float32")


def test_linalg_error_is_runtime_error():
    assert issubclass(probtorch.linalg.LinAlgError, RuntimeError)


def test_cholesky_errors():
    A = np.eye(3)
    A[1, 1] = -1
    with pytest.raises(probtorch.linalg.LinAlgError, match=r"^linalg.cholesky: The factorization could not be "
                       r"completed because the input is not positive-definite \(the leading minor of order 2 is not "
                       r"positive-definite\).$"):
        probtorch.linalg.cholesky(probtorch.tensor(A))
    with pytest.raises(probtorch.linalg.LinAlgError, match=r"\(Batch element 1\): .*leading minor of order 2"):
        probtorch.linalg.cholesky(probtorch.tensor(np.stack([np.eye(3), A])))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3 matrices"):
        probtorch.linalg.cholesky(probtorch.ones(2, 3))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        probtorch.linalg.cholesky(probtorch.ones(3, 3, dtype=probtorch.int64))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        probtorch.linalg.cholesky(probtorch.ones(3))


def test_cholesky_ex_info():
    A = np.eye(3)
    A[2, 2] = -1
    B = np.stack([np.eye(3), A])
    L, info = probtorch.linalg.cholesky_ex(probtorch.tensor(B))
    Lt, infot = torch.linalg.cholesky_ex(torch.tensor(B))
    np.testing.assert_array_equal(info.numpy(), infot.numpy())
    assert info.dtype is probtorch.int32
    np.testing.assert_allclose(L.numpy()[0], np.eye(3))
    with pytest.raises(probtorch.linalg.LinAlgError):
        probtorch.linalg.cholesky_ex(probtorch.tensor(B), check_errors=True)


def test_inv_errors():
    with pytest.raises(probtorch.linalg.LinAlgError, match="linalg.inv: The diagonal element 1 is zero"):
        probtorch.linalg.inv(probtorch.zeros(3, 3))
    z = np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])
    with pytest.raises(probtorch.linalg.LinAlgError, match=r"\(Batch element 1\): The diagonal element 3 is zero"):
        probtorch.linalg.inv(probtorch.tensor(z))
    inv, info = probtorch.linalg.inv_ex(probtorch.tensor(z))
    np.testing.assert_array_equal(info.numpy(), torch.linalg.inv_ex(torch.tensor(z)).info.numpy())
    np.testing.assert_allclose(inv.numpy()[0], np.eye(3))
    assert np.isnan(inv.numpy()[1]).all()


def test_solve_errors():
    with pytest.raises(probtorch.linalg.LinAlgError, match="input matrix is singular"):
        probtorch.linalg.solve(probtorch.zeros(3, 3), probtorch.ones(3))
    with pytest.raises(RuntimeError, match="Expected A and B to have the same dtype, but found A of type Float and "
                                           "B of type Double"):
        probtorch.linalg.solve(probtorch.eye(3), probtorch.ones(3, dtype=probtorch.float64))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x1\)"):
        probtorch.linalg.solve(probtorch.eye(3), probtorch.ones(2, 1))
    with pytest.raises(RuntimeError, match="The input tensor B must have at least 2 dimensions"):
        probtorch.linalg.solve_triangular(probtorch.eye(3), probtorch.ones(3), upper=True)
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x3\)"):
        probtorch.linalg.solve_triangular(probtorch.eye(3), probtorch.ones(2, 3), upper=True)
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        probtorch.linalg.det(probtorch.ones(2, 3))


def test_singular_triangular_matches_torch():
    A = np.array([[0.0, 0.0], [1.0, 1.0]])
    got = probtorch.linalg.solve_triangular(probtorch.tensor(A), probtorch.ones(2, 1, dtype=probtorch.float64),
                                            upper=False).numpy()
    ref = torch.linalg.solve_triangular(torch.tensor(A), torch.ones(2, 1, dtype=torch.float64), upper=False).numpy()
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("upper", [False, True])
def test_solve_triangular_large_batch(upper):
    # the batched path (many small systems) against the per-matrix one and torch
    A, B = _inputs([(4, 4), (4, 2)], (40,))
    A = A + 4 * np.eye(4)
    got = probtorch.linalg.solve_triangular(probtorch.tensor(A), probtorch.tensor(B), upper=upper,
                                            unitriangular=True).numpy()
    ref = torch.linalg.solve_triangular(torch.tensor(A), torch.tensor(B), upper=upper, unitriangular=True).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


def test_qr_backward_errors():
    a = probtorch.tensor(_inputs([(4, 3)], ())[0], requires_grad=True)
    Q, R = probtorch.linalg.qr(a, mode="r")
    assert Q.numel() == 0
    np.testing.assert_allclose(np.abs(R.detach().numpy()), np.abs(np.linalg.qr(a.detach().numpy())[1]))
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    Q, R = probtorch.linalg.qr(a, mode="complete")
    assert tuple(Q.shape) == (4, 4)
    with pytest.raises(NotImplementedError, match="mode='complete' and nrows > ncols"):
        (Q.sum() + R.sum()).backward()


def test_eigh_degenerate_eigenvalues_grad_is_finite():
    # eigvalsh at a matrix with repeated eigenvalues: the gradient is V diag(g) V^T, not NaN
    a = probtorch.eye(3, dtype=probtorch.float64).requires_grad_()
    w = probtorch.linalg.eigvalsh(a * 2)
    (g,) = probtorch.autograd.grad(w.sum(), a)
    np.testing.assert_allclose(g.numpy(), 2 * np.eye(3), atol=1e-12)


def test_logdet_sign_cases():
    A = probtorch.tensor(np.diag([-1.0, 2.0]))
    assert math.isnan(probtorch.logdet(A).item())
    assert probtorch.logdet(probtorch.zeros(2, 2)).item() == -math.inf
    s, la = probtorch.linalg.slogdet(A)
    assert s.item() == -1.0 and abs(la.item() - math.log(2)) < 1e-12


def test_multi_dot_and_norm_errors():
    with pytest.raises(RuntimeError, match="expected at least 2 tensors but got 1"):
        probtorch.linalg.multi_dot([probtorch.ones(2, 2)])
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        probtorch.linalg.matrix_norm(probtorch.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        probtorch.linalg.vander(probtorch.ones(3), N=1)
    with pytest.raises(RuntimeError, match="dimension -1 must have length 3. Got 2 and 2"):
        probtorch.linalg.cross(probtorch.ones(2), probtorch.ones(2))


def test_vander_integer_and_matrix_rank():
    x = probtorch.tensor([2, 3])
    np.testing.assert_array_equal(probtorch.linalg.vander(x).numpy(), [[1, 2], [1, 3]])
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])
    assert probtorch.linalg.matrix_rank(probtorch.tensor(a)).item() == 1
    assert torch.linalg.matrix_rank(torch.tensor(a)).item() == 1


def test_tensor_methods():
    A = _pd(probtorch, probtorch.tensor(_inputs([(3, 3)], ())[0]))
    At = torch.tensor(A.numpy())
    np.testing.assert_allclose(A.cholesky().numpy(), At.cholesky().numpy())
    np.testing.assert_allclose(A.inverse().numpy(), At.inverse().numpy())
    np.testing.assert_allclose(A.det().numpy(), At.det().numpy())
    np.testing.assert_allclose(A.logdet().numpy(), At.logdet().numpy())
    np.testing.assert_allclose(A.matrix_exp().numpy(), At.matrix_exp().numpy(), rtol=1e-10)
    np.testing.assert_allclose(A.matrix_power(2).numpy(), At.matrix_power(2).numpy())


def test_lu_pivots_and_permutation_match_torch():
    a = _inputs([(2, 4, 3)], ())[0]
    LU, piv = probtorch.linalg.lu_factor(probtorch.tensor(a))
    LUt, pivt = torch.linalg.lu_factor(torch.tensor(a))
    assert piv.dtype is probtorch.int32
    np.testing.assert_array_equal(piv.numpy(), pivt.numpy())
    P, Lf, U = probtorch.linalg.lu(probtorch.tensor(a))
    np.testing.assert_array_equal(P.numpy(), torch.linalg.lu(torch.tensor(a)).P.numpy())
    np.testing.assert_allclose((P @ Lf @ U).numpy(), a, atol=1e-14)


def test_lu_errors_and_info():
    z = probtorch.zeros(3, 3)
    with pytest.raises(probtorch.linalg.LinAlgError, match=r"U\[1,1\] is zero"):
        probtorch.linalg.lu_factor(z)
    LU, piv, info = probtorch.linalg.lu_factor_ex(z)
    assert info.item() == torch.linalg.lu_factor_ex(torch.zeros(3, 3)).info.item()
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented on the CPU"):
        probtorch.linalg.lu(z, pivot=False)
    X, info = probtorch.linalg.solve_ex(z, probtorch.ones(3))
    assert info.item() > 0 and not np.isfinite(X.numpy()).all()
    with pytest.raises(probtorch.linalg.LinAlgError):
        probtorch.linalg.solve_ex(z, probtorch.ones(3), check_errors=True)


def test_wide_lstsq_is_minimum_norm():
    a, b = _inputs([(2, 4), (2,)], ())
    X = probtorch.linalg.lstsq(probtorch.tensor(a), probtorch.tensor(b)).solution.numpy()
    np.testing.assert_allclose(X, np.linalg.pinv(a) @ b, rtol=1e-10)


FORWARD = ["cholesky", "cholesky_upper", "inv", "det", "slogdet", "logdet", "eigh", "eigvalsh", "qr_tall",
           "svd_tall", "matrix_exp", "solve", "solve_vec", "solve_one_matrix_many_rhs", "solve_triangular_lower",
           "solve_triangular_upper", "solve_triangular_right", "solve_triangular_unit", "solve_triangular_bcast",
           "cholesky_solve", "lu_factor", "lu_solve", "multi_dot"]


@pytest.mark.parametrize("case", [c for c in CASES if c.name in FORWARD], ids=repr)
def test_forward_ad_matches_torch(case):
    import probtorch.autograd.forward_ad as pfw
    import torch.autograd.forward_ad as tfw
    batch = (2,) if case.batched else ()
    arrays = _inputs(case.shapes, batch)
    tangents = _inputs(case.shapes, batch, seed=5)

    def run(lib, fw):
        with fw.dual_level():
            xs = [fw.make_dual(lib.tensor(a), lib.tensor(t)) for a, t in zip(arrays, tangents)]
            return [fw.unpack_dual(o).tangent.numpy() for o in _tuple(case.fn(lib, *xs))]

    for p, t in zip(run(probtorch, pfw), run(torch, tfw)):
        np.testing.assert_allclose(p, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("eq,shapes", EINSUM[:12], ids=[e for e, _ in EINSUM[:12]])
def test_einsum_forward_ad_matches_torch(eq, shapes):
    import probtorch.autograd.forward_ad as pfw
    import torch.autograd.forward_ad as tfw
    arrays, tangents = _inputs(shapes, ()), _inputs(shapes, (), seed=5)

    def run(lib, fw):
        with fw.dual_level():
            xs = [fw.make_dual(lib.tensor(a), lib.tensor(t)) for a, t in zip(arrays, tangents)]
            return fw.unpack_dual(lib.einsum(eq, *xs)).tangent.numpy()

    np.testing.assert_allclose(run(probtorch, pfw), run(torch, tfw), rtol=1e-10, atol=1e-12)


def test_det_forward_ad_at_singular_matrix():
    import probtorch.autograd.forward_ad as pfw
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    t = _inputs([(3, 3)], ())[0]
    with pfw.dual_level():
        x = pfw.make_dual(probtorch.tensor(a), probtorch.tensor(t))
        got = pfw.unpack_dual(probtorch.linalg.det(x)).tangent.item()
    eps = 1e-6
    ref = (np.linalg.det(a + eps * t) - np.linalg.det(a - eps * t)) / (2 * eps)
    assert abs(got - ref) < 1e-6


def test_lstsq_rank():
    a = _inputs([(2, 4, 3)], ())[0]
    a[1, :, 2] = a[1, :, 0]
    r = probtorch.linalg.lstsq(probtorch.tensor(a[:1]), probtorch.tensor(a[:1, :, :1]))
    assert r.rank.tolist() == torch.linalg.lstsq(torch.tensor(a[:1]), torch.tensor(a[:1, :, :1])).rank.tolist()
    assert probtorch.linalg.lstsq(probtorch.tensor(a), probtorch.tensor(a), driver="gels").rank.numel() == 0
    assert probtorch.linalg.matrix_rank(probtorch.tensor(a)).tolist() == [3, 2]


def test_det_gradient_at_singular_matrices():
    # the gradient of det is the transposed adjugate: nonzero at rank n - 1, zero at rank n - 2
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    adj_t = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j) for j in range(3)]
                      for i in range(3)])
    batch = np.stack([a, np.zeros((3, 3)), a + 3 * np.eye(3)])
    x = probtorch.tensor(batch, requires_grad=True)
    (g,) = probtorch.autograd.grad(probtorch.linalg.det(x).sum(), x)
    np.testing.assert_allclose(g.numpy()[0], adj_t, atol=1e-12)
    np.testing.assert_allclose(g.numpy()[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(g.numpy()[2], np.linalg.det(batch[2]) * np.linalg.inv(batch[2]).T, rtol=1e-10)
    assert gradcheck(probtorch.linalg.det, [probtorch.tensor(a, requires_grad=True)])


def test_addmm_beta_zero_ignores_nan():
    i = probtorch.full((2, 2), math.nan)
    a = probtorch.eye(2)
    np.testing.assert_array_equal(probtorch.addmm(i, a, a, beta=0).numpy(), np.eye(2))
    np.testing.assert_array_equal(torch.addmm(torch.full((2, 2), math.nan), torch.eye(2), torch.eye(2),
                                              beta=0).numpy(), np.eye(2))


def test_torch_svd_without_uv_gives_zero_matrices():
    U, S, V = probtorch.svd(probtorch.ones(2, 3), compute_uv=False)
    Ut, St, Vt = torch.svd(torch.ones(2, 3), compute_uv=False)
    assert tuple(U.shape) == tuple(Ut.shape) and tuple(V.shape) == tuple(Vt.shape)
    assert not U.numpy().any() and not V.numpy().any()


def test_geqrf_ldl_eig_match_torch_values():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((2, 4, 3))
    a, tau = probtorch.geqrf(probtorch.tensor(A))
    at, taut = torch.geqrf(torch.tensor(A))
    np.testing.assert_allclose(a.numpy(), at.numpy(), atol=1e-12)
    np.testing.assert_allclose(tau.numpy(), taut.numpy(), atol=1e-12)
    np.testing.assert_allclose(probtorch.orgqr(a, tau).numpy(), torch.orgqr(at, taut).numpy(), atol=1e-12)
    S = rng.standard_normal((2, 3, 3))
    S = S + np.swapaxes(S, -1, -2)
    LD, piv, info = probtorch.linalg.ldl_factor_ex(probtorch.tensor(S))
    LDt, pivt, infot = torch.linalg.ldl_factor_ex(torch.tensor(S))
    np.testing.assert_allclose(LD.numpy(), LDt.numpy(), atol=1e-12)
    np.testing.assert_array_equal(piv.numpy(), pivt.numpy())
    np.testing.assert_array_equal(info.numpy(), infot.numpy())
    B = rng.standard_normal((2, 3, 2))
    np.testing.assert_allclose(probtorch.linalg.ldl_solve(LD, piv, probtorch.tensor(B)).numpy(),
                               torch.linalg.ldl_solve(LDt, pivt, torch.tensor(B)).numpy(), atol=1e-12)
    M = rng.standard_normal((2, 3, 3))
    w, V = probtorch.linalg.eig(probtorch.tensor(M))
    wt = torch.linalg.eigvals(torch.tensor(M))
    assert w.dtype is probtorch.complex128
    key = lambda z: np.sort_complex(z.numpy())  # noqa: E731
    np.testing.assert_allclose(key(w), key(wt), atol=1e-12)
    np.testing.assert_allclose(key(probtorch.linalg.eigvals(probtorch.tensor(M))), key(wt), atol=1e-12)
    # A V = V diag(w)
    np.testing.assert_allclose(M @ V.numpy(), V.numpy() * w.numpy()[..., None, :], atol=1e-12)


def test_not_differentiable_decompositions_raise():
    x = probtorch.tensor(np.eye(3) + 0.1, requires_grad=True)
    for fn in (lambda: probtorch.geqrf(x)[0], lambda: probtorch.linalg.ldl_factor(x)[0],
               lambda: probtorch.linalg.eig(x)[0]):
        out = fn()
        with pytest.raises(NotImplementedError):
            probtorch.autograd.grad(out, x, probtorch.ones_like(out))


def test_more_tensor_methods():
    rng = np.random.default_rng(9)
    a = rng.standard_normal((4, 3))
    p, t = probtorch.tensor(a), torch.tensor(a)
    np.testing.assert_allclose(p.svd()[1].numpy(), t.svd()[1].numpy())
    np.testing.assert_allclose(p.qr()[1].abs().numpy(), t.qr()[1].abs().numpy(), atol=1e-12)
    np.testing.assert_allclose(p.pinverse().numpy(), t.pinverse().numpy(), atol=1e-12)
    g, tau = p.geqrf()
    gt, taut = t.geqrf()
    np.testing.assert_allclose(g.orgqr(tau).numpy(), gt.orgqr(taut).numpy(), atol=1e-12)
    c = rng.standard_normal((4, 2))
    np.testing.assert_allclose(g.ormqr(tau, probtorch.tensor(c)).numpy(),
                               gt.ormqr(taut, torch.tensor(c)).numpy(), atol=1e-12)
    sq = probtorch.tensor(a[:3] + 3 * np.eye(3))
    LU, piv, info = sq.lu(get_infos=True)
    LUt, pivt, infot = torch.tensor(a[:3] + 3 * np.eye(3)).lu(get_infos=True)
    np.testing.assert_allclose(LU.numpy(), LUt.numpy(), atol=1e-12)
    np.testing.assert_allclose(probtorch.tensor(c[:3]).lu_solve(LU, piv).numpy(),
                               torch.tensor(c[:3]).lu_solve(LUt, pivt).numpy(), atol=1e-12)
    v = rng.standard_normal(3)
    assert abs(probtorch.tensor(v).vdot(probtorch.tensor(v)).item() - float(v @ v)) < 1e-12
    i = probtorch.full((3, 3), math.nan)
    assert not np.isnan(i.addmm(sq, sq, beta=0).numpy()).any()
    np.testing.assert_allclose(probtorch.ones(4, 3).addr(probtorch.tensor(a[:, 0]), probtorch.tensor(v)).numpy(),
                               torch.ones(4, 3).addr(torch.tensor(a[:, 0]), torch.tensor(v)).numpy())
    x = probtorch.tensor([0.5, 2.0], dtype=probtorch.float64)
    np.testing.assert_allclose(x.igamma(x).numpy(), torch.tensor([0.5, 2.0], dtype=torch.float64).igamma(
        torch.tensor([0.5, 2.0], dtype=torch.float64)).numpy())
    np.testing.assert_allclose(probtorch.igammac(x, x).numpy(), 1 - x.igamma(x).numpy())


@settings(max_examples=30)
@given(st.data())
def test_einsum_random_equations_against_torch(data):
    sizes = {"a": 2, "b": 3, "c": 1, "d": 2}
    nops = data.draw(st.integers(1, 3))
    subs = [data.draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=3)) for _ in range(nops)]
    seen = sorted(set("".join("".join(s) for s in subs)))
    out = data.draw(st.lists(st.sampled_from(seen), unique=True, max_size=len(seen)))
    eq = ",".join("".join(s) for s in subs) + "->" + "".join(out)
    arrays = [np.random.default_rng(len(eq)).standard_normal([sizes[c] for c in s]) for s in subs]
    _compare_torch(lambda lib, *ops: lib.einsum(eq, *ops), arrays)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_one_triangle(upper):
    # a non-symmetric input: only the triangle torch reads matters, for values and gradients
    a = _inputs([(2, 3, 3)], ())[0]
    a = a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)
    a = a + (np.triu(np.full((3, 3), 5.0), 1) if not upper else np.tril(np.full((3, 3), 5.0), -1))
    _compare_torch(lambda lib, x: lib.linalg.cholesky(x, upper=upper), [a])
    _compare_torch(lambda lib, x: lib.linalg.cholesky_ex(x, upper=upper).L, [a])


EMPTY = [
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a)), ("inv", lambda lib, a: lib.linalg.inv(a)),
    ("det", lambda lib, a: lib.linalg.det(a)), ("slogdet", lambda lib, a: lib.linalg.slogdet(a)[1]),
    ("eigh", lambda lib, a: lib.linalg.eigh(a)[0]), ("qr", lambda lib, a: lib.linalg.qr(a)[1]),
    ("svdvals", lambda lib, a: lib.linalg.svdvals(a)), ("matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a)),
    ("solve", lambda lib, a: lib.linalg.solve(a, a)),
    ("solve_triangular", lambda lib, a: lib.linalg.solve_triangular(a, a, upper=True)),
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a)[0]), ("lu", lambda lib, a: lib.linalg.lu(a)[2]),
    ("pinv", lambda lib, a: lib.linalg.pinv(a)), ("norm2", lambda lib, a: lib.linalg.matrix_norm(a, 2)),
    ("norm1", lambda lib, a: lib.linalg.matrix_norm(a, 1)), ("nuc", lambda lib, a: lib.linalg.matrix_norm(a, "nuc")),
    ("ldl_factor", lambda lib, a: lib.linalg.ldl_factor(a)[0]), ("geqrf", lambda lib, a: lib.geqrf(a)[0]),
    ("einsum", lambda lib, a: lib.einsum("...ij,...jk", a, a)),
]


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)], ids=str)
@pytest.mark.parametrize("name,fn", EMPTY, ids=[n for n, _ in EMPTY])
def test_empty_inputs_match_torch(name, fn, shape):
    got = fn(probtorch, probtorch.zeros(*shape, dtype=probtorch.float64))
    ref = fn(torch, torch.zeros(*shape, dtype=torch.float64))
    assert tuple(got.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(got.numpy(), ref.numpy())


def test_inplace_spellings():
    z = probtorch.zeros(2, 3)
    z.addr_(probtorch.ones(2), probtorch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(z.numpy(), [[1, 2, 3], [1, 2, 3]])
    x = probtorch.tensor([0.5, 1.0])
    x.igamma_(probtorch.tensor([1.0, 2.0]))
    np.testing.assert_allclose(x.numpy(), torch.tensor([0.5, 1.0]).igamma_(torch.tensor([1.0, 2.0])).numpy(),
                               rtol=1e-6)
    y = probtorch.tensor([0.5, 1.0])
    y.i0_()
    np.testing.assert_allclose(y.numpy(), torch.tensor([0.5, 1.0]).i0_().numpy(), rtol=1e-6)


def test_hessian_of_composite_matches_torch():
    # a Gaussian log-density through cholesky / solve_triangular, plus matrix_exp and einsum: second order end to end
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 1))

    def f(lib, x):
        A = x.reshape(3, 3)
        S = A @ A.mT + 3 * lib.eye(3, dtype=A.dtype)
        L = lib.linalg.cholesky(S)
        z = lib.linalg.solve_triangular(L, lib.tensor(b), upper=False)
        return (-(z ** 2).sum() / 2 - L.diagonal(dim1=-2, dim2=-1).log().sum()
                + lib.linalg.matrix_exp(0.1 * A).trace() + lib.einsum("ij,ji->", A, S))

    hp = probtorch.autograd.functional.hessian(lambda x: f(probtorch, x), probtorch.tensor(a.reshape(-1)))
    ht = torch.autograd.functional.hessian(lambda x: f(torch, x), torch.tensor(a.reshape(-1)))
    np.testing.assert_allclose(hp.numpy(), ht.numpy(), rtol=1e-9, atol=1e-12)
