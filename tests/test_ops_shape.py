"""Shape, joining, slicing and indexing functions against torch: values, gradients, gradcheck, gradgradcheck."""
import warnings

import numpy as np
import pytest

import probtorch
from probtorch.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # torch is only the oracle: the gradient checks below still run without it
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch (the test oracle) is not installed")

R = np.random.default_rng(1234)


def f64(*shape):
    return R.standard_normal(shape)


def i64(*values):
    return np.asarray(values, np.int64)


def boolmask(*shape):
    return R.random(shape) > 0.5


# Each row: (id, fn(lib, *tensors), [inputs]). float64 arrays become tensors requiring grad; integer and bool
# arrays become plain tensors (indices, masks). `lib` is torch or probtorch, so one lambda drives both.
CASES = [
    ("reshape", lambda L, x: L.reshape(x, (3, 2)), [f64(2, 3)]),
    ("reshape_infer", lambda L, x: x.reshape(-1, 2), [f64(2, 3, 2)]),
    ("reshape_noncontig", lambda L, x: x.t().reshape(6), [f64(2, 3)]),
    ("view", lambda L, x: x.view(3, 2), [f64(2, 3)]),
    ("view_as", lambda L, x, y: x.view_as(y), [f64(2, 3), f64(6)]),
    ("view_scalar", lambda L, x: x.view(1, 1), [f64()]),
    ("permute", lambda L, x: x.permute(2, 0, 1), [f64(2, 3, 4)]),
    ("permute_fn", lambda L, x: L.permute(x, (1, 0, 2)), [f64(2, 3, 4)]),
    ("transpose", lambda L, x: L.transpose(x, 0, -1), [f64(2, 3, 4)]),
    ("swapaxes", lambda L, x: x.swapaxes(0, 1), [f64(2, 3)]),
    ("movedim", lambda L, x: L.movedim(x, (0, 1), (2, 0)), [f64(2, 3, 4)]),
    ("moveaxis", lambda L, x: L.moveaxis(x, -1, 0), [f64(2, 3, 4)]),
    ("swapdims", lambda L, x: L.swapdims(x, 0, 2), [f64(2, 3, 4)]),
    ("concatenate", lambda L, x, y: L.concatenate([x, y], 1), [f64(2, 1), f64(2, 2)]),
    ("mT", lambda L, x: x.mT, [f64(2, 3, 4)]),
    ("T", lambda L, x: x.T, [f64(2, 3)]),
    ("t_1d", lambda L, x: x.t(), [f64(3)]),
    ("adjoint", lambda L, x: x.adjoint(), [f64(2, 3)]),
    ("expand", lambda L, x: x.expand(2, 3, 4), [f64(3, 1)]),
    ("expand_keep", lambda L, x: x.expand(-1, 4), [f64(3, 1)]),
    ("expand_as", lambda L, x, y: x.expand_as(y), [f64(1, 4), f64(3, 4)]),
    ("broadcast_to", lambda L, x: L.broadcast_to(x, (2, 3)), [f64(3)]),
    ("broadcast_tensors", lambda L, x, y: L.broadcast_tensors(x, y), [f64(3, 1), f64(1, 4)]),
    ("squeeze", lambda L, x: x.squeeze(), [f64(1, 3, 1)]),
    ("squeeze_dim", lambda L, x: x.squeeze(0), [f64(1, 3, 1)]),
    ("squeeze_dims", lambda L, x: L.squeeze(x, (0, 2)), [f64(1, 3, 1)]),
    ("squeeze_noop", lambda L, x: x.squeeze(1), [f64(1, 3, 1)]),
    ("unsqueeze", lambda L, x: x.unsqueeze(-1), [f64(2, 3)]),
    ("unsqueeze0", lambda L, x: L.unsqueeze(x, 0), [f64(3)]),
    ("flatten", lambda L, x: x.flatten(), [f64(2, 3, 2)]),
    ("flatten_range", lambda L, x: L.flatten(x, 1, 2), [f64(2, 3, 2)]),
    ("flatten_0d", lambda L, x: x.flatten(), [f64()]),
    ("unflatten", lambda L, x: x.unflatten(1, (2, -1)), [f64(2, 6)]),
    ("ravel", lambda L, x: x.t().ravel(), [f64(2, 3)]),
    ("cat", lambda L, x, y: L.cat([x, y], 1), [f64(2, 3), f64(2, 2)]),
    ("cat_neg", lambda L, x, y: L.cat((x, y), -2), [f64(2, 3), f64(1, 3)]),
    ("cat_empty", lambda L, x, y: L.cat([x, y]), [f64(2, 3), f64(0)]),
    ("concat", lambda L, x, y: L.concat([x, y]), [f64(2), f64(3)]),
    ("stack", lambda L, x, y: L.stack([x, y], 1), [f64(2, 3), f64(2, 3)]),
    ("stack_last", lambda L, x, y: L.stack([x, y], -1), [f64(2, 3), f64(2, 3)]),
    ("hstack", lambda L, x, y: L.hstack([x, y]), [f64(2, 3), f64(2, 1)]),
    ("vstack", lambda L, x, y: L.vstack([x, y]), [f64(3), f64(2, 3)]),
    ("dstack", lambda L, x, y: L.dstack([x, y]), [f64(2, 3), f64(2, 3)]),
    ("column_stack", lambda L, x, y: L.column_stack([x, y]), [f64(3), f64(3, 2)]),
    ("split_int", lambda L, x: L.split(x, 2, 1), [f64(2, 5)]),
    ("split_sizes", lambda L, x: x.split([1, 3, 1], dim=1), [f64(2, 5)]),
    ("chunk", lambda L, x: x.chunk(3, 0), [f64(5, 2)]),
    ("chunk_more", lambda L, x: L.chunk(x, 4, 0), [f64(6, 2)]),
    ("unbind", lambda L, x: x.unbind(1), [f64(2, 3)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 2), [f64(2, 4)]),
    ("narrow_neg", lambda L, x: L.narrow(x, -1, -3, 2), [f64(2, 4)]),
    ("select", lambda L, x: x.select(1, -1), [f64(2, 4)]),
    ("tensor_split_n", lambda L, x: L.tensor_split(x, 3, dim=1), [f64(2, 7)]),
    ("tensor_split_idx", lambda L, x: x.tensor_split([1, 4], dim=0), [f64(6, 2)]),
    ("gather", lambda L, x, i: x.gather(1, i), [f64(3, 4), i64([0, 0], [3, 1], [2, 2])]),
    ("gather_dim0", lambda L, x, i: L.gather(x, 0, i), [f64(3, 4), i64([0, 2, 2, 1])]),
    ("scatter", lambda L, x, i, s: x.scatter(1, i, s), [f64(3, 4), i64([0, 2], [3, 1], [1, 0]), f64(3, 2)]),
    ("scatter_bigsrc", lambda L, x, i, s: L.scatter(x, 0, i, s), [f64(3, 4), i64([0, 2, 1, 2]), f64(2, 5)]),
    ("scatter_value", lambda L, x, i: x.scatter(1, i, 2.5), [f64(3, 4), i64([0], [3], [1])]),
    ("scatter_add", lambda L, x, i, s: x.scatter_add(1, i, s), [f64(3, 4), i64([0, 0], [3, 1], [1, 1]), f64(3, 2)]),
    ("scatter_add_fn", lambda L, x, i, s: L.scatter_add(x, 0, i, s), [f64(3, 2), i64([0, 0], [2, 0]), f64(2, 2)]),
    ("scatter_reduce_sum", lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum"),
     [f64(3), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_sum_noself", lambda L, x, i, s: x.scatter_reduce(0, i, s, "sum", include_self=False),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_mean", lambda L, x, i, s: x.scatter_reduce(0, i, s, "mean"),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_mean_noself", lambda L, x, i, s: x.scatter_reduce(0, i, s, "mean", include_self=False),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_amax", lambda L, x, i, s: x.scatter_reduce(0, i, s, "amax"),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_amin_noself", lambda L, x, i, s: x.scatter_reduce(0, i, s, "amin", include_self=False),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_prod", lambda L, x, i, s: x.scatter_reduce(0, i, s, "prod"),
     [f64(4), i64(0, 1, 0, 2, 0), f64(5)]),
    ("scatter_reduce_prod_2d", lambda L, x, i, s: x.scatter_reduce(1, i, s, "prod", include_self=False),
     [f64(2, 3), i64([0, 0, 2], [1, 1, 1]), f64(2, 3)]),
    ("scatter_reduce_prod_zeros", lambda L, x, i, s: x.scatter_reduce(0, i, s, "prod"),
     [np.array([1.5, 0.0, 2.0, -1.0]), i64(0, 1, 0, 2, 2, 3), np.array([0.0, 2.0, 3.0, 0.5, 0.0, 0.0])]),
    ("scatter_reduce_prod_zeros_noself", lambda L, x, i, s: x.scatter_reduce(0, i, s, "prod", include_self=False),
     [np.array([1.5, 0.0, 2.0, -1.0]), i64(0, 1, 0, 2, 2, 1), np.array([0.0, 2.0, 3.0, 0.5, 0.0, 4.0])]),
    ("scatter_reduce_amax_ties", lambda L, x, i, s: x.scatter_reduce(0, i, s, "amax"),
     [np.array([1.0, 2.0, 0.5]), i64(0, 0, 1, 2), np.array([1.0, 0.5, 2.0, 0.5])]),
    ("index_select", lambda L, x, i: x.index_select(1, i), [f64(3, 4), i64(3, 0, 3)]),
    ("index_select0", lambda L, x, i: L.index_select(x, 0, i), [f64(3, 4), i64(2, 2)]),
    ("index_add", lambda L, x, i, s: x.index_add(0, i, s), [f64(3, 2), i64(0, 2, 0), f64(3, 2)]),
    ("index_add_alpha", lambda L, x, i, s: L.index_add(x, 1, i, s, alpha=2.0), [f64(2, 3), i64(1, 1), f64(2, 2)]),
    ("index_copy", lambda L, x, i, s: x.index_copy(0, i, s), [f64(4, 2), i64(3, 0), f64(2, 2)]),
    ("index_copy_dim1", lambda L, x, i, s: L.index_copy(x, 1, i, s), [f64(2, 4), i64(1, 2), f64(2, 2)]),
    ("index_fill", lambda L, x, i: x.index_fill(1, i, -1.5), [f64(2, 4), i64(0, 3)]),
    ("masked_fill", lambda L, x, m: x.masked_fill(m, 0.5), [f64(3, 4), boolmask(3, 4)]),
    ("masked_fill_bcast", lambda L, x, m: L.masked_fill(x, m, -2.0), [f64(3, 4), boolmask(4)]),
    ("masked_select", lambda L, x, m: x.masked_select(m), [f64(3, 4), boolmask(3, 4)]),
    ("masked_select_bcast", lambda L, x, m: L.masked_select(x, m), [f64(3, 1), boolmask(3, 4)]),
    ("masked_scatter", lambda L, x, m, s: x.masked_scatter(m, s), [f64(3, 4), boolmask(3, 4), f64(12)]),
    ("take", lambda L, x, i: L.take(x, i), [f64(3, 4), i64([0, 11], [5, 5])]),
    ("take_along_dim", lambda L, x, i: L.take_along_dim(x, i, 1), [f64(3, 4), i64([0, 3], [1, 1], [2, 0])]),
    ("take_along_dim_flat", lambda L, x, i: L.take_along_dim(x, i), [f64(3, 4), i64(0, 7, 11)]),
    ("take_along_dim_bcast", lambda L, x, i: x.take_along_dim(i, 0), [f64(3, 4), i64([2, 0, 1, 1])]),
    ("tril", lambda L, x: x.tril(), [f64(3, 4)]),
    ("tril_k", lambda L, x: L.tril(x, -1), [f64(2, 3, 3)]),
    ("triu", lambda L, x: L.triu(x, 1), [f64(3, 4)]),
    ("diagonal", lambda L, x: x.diagonal(), [f64(3, 4)]),
    ("diagonal_off", lambda L, x: L.diagonal(x, 1, 2, 0), [f64(3, 4, 2)]),
    ("diagonal_negoff", lambda L, x: x.diagonal(-1), [f64(3, 4)]),
    ("diag_embed", lambda L, x: L.diag_embed(x), [f64(2, 3)]),
    ("diag_embed_off", lambda L, x: x.diag_embed(1, 0, 2), [f64(2, 3)]),
    ("diag_vec", lambda L, x: L.diag(x), [f64(3)]),
    ("diag_vec_off", lambda L, x: L.diag(x, -2), [f64(3)]),
    ("diag_mat", lambda L, x: L.diag(x, 1), [f64(3, 4)]),
    ("diagflat", lambda L, x: L.diagflat(x), [f64(2, 2)]),
    ("diagonal_scatter", lambda L, x, s: L.diagonal_scatter(x, s, 1), [f64(3, 4), f64(3)]),
    ("trace", lambda L, x: x.trace(), [f64(3, 4)]),
    ("flip", lambda L, x: x.flip(0, 2), [f64(2, 3, 2)]),
    ("fliplr", lambda L, x: L.fliplr(x), [f64(2, 3)]),
    ("flipud", lambda L, x: L.flipud(x), [f64(2, 3)]),
    ("roll", lambda L, x: x.roll(1, 0), [f64(3, 2)]),
    ("roll_multi", lambda L, x: L.roll(x, (1, -2), (0, 1)), [f64(3, 4)]),
    ("roll_flat", lambda L, x: L.roll(x, 5), [f64(3, 4)]),
    ("rot90", lambda L, x: x.rot90(), [f64(2, 3)]),
    ("rot90_k2", lambda L, x: L.rot90(x, 2, (0, 1)), [f64(2, 3)]),
    ("rot90_k3", lambda L, x: L.rot90(x, -1, (1, 2)), [f64(2, 3, 4)]),
    ("repeat", lambda L, x: x.repeat(2, 3), [f64(2, 1)]),
    ("repeat_newdims", lambda L, x: x.repeat(2, 1, 2), [f64(3)]),
    ("tile", lambda L, x: L.tile(x, (2,)), [f64(2, 3)]),
    ("repeat_interleave", lambda L, x: x.repeat_interleave(2), [f64(2, 2)]),
    ("repeat_interleave_dim", lambda L, x: L.repeat_interleave(x, 3, dim=1), [f64(2, 2)]),
    ("repeat_interleave_tensor", lambda L, x, r: L.repeat_interleave(x, r, dim=0), [f64(3, 2), i64(1, 0, 2)]),
    ("meshgrid_ij", lambda L, x, y: L.meshgrid(x, y, indexing="ij"), [f64(3), f64(2)]),
    ("meshgrid_xy", lambda L, x, y, z: L.meshgrid(x, y, z, indexing="xy"), [f64(3), f64(2), f64(2)]),
    ("kron", lambda L, x, y: L.kron(x, y), [f64(2, 3), f64(2, 2)]),
    ("kron_mixed", lambda L, x, y: L.kron(x, y), [f64(2), f64(2, 3)]),
    ("outer", lambda L, x, y: L.outer(x, y), [f64(3), f64(2)]),
    ("ger", lambda L, x, y: x.ger(y), [f64(3), f64(2)]),
    ("cross", lambda L, x, y: L.cross(x, y, dim=1), [f64(2, 3), f64(2, 3)]),
    ("cross_bcast", lambda L, x, y: L.cross(x, y, dim=-1), [f64(2, 3), f64(1, 3)]),
    ("tensordot_int", lambda L, x, y: L.tensordot(x, y, 1), [f64(2, 3), f64(3, 2)]),
    ("tensordot_dims", lambda L, x, y: L.tensordot(x, y, ([0, 2], [1, 0])), [f64(2, 3, 2), f64(2, 2, 2)]),
    ("cdist", lambda L, x, y: L.cdist(x, y), [f64(3, 2), f64(4, 2)]),
    ("cdist_p1", lambda L, x, y: L.cdist(x, y, p=1.0), [f64(2, 3, 2), f64(2, 2, 2)]),
    ("cdist_p3", lambda L, x, y: L.cdist(x, y, p=3.0), [f64(3, 2), f64(2, 2)]),
    ("diff", lambda L, x: x.diff(), [f64(2, 4)]),
    ("diff_n2", lambda L, x: L.diff(x, 2, 0), [f64(4, 2)]),
    ("diff_prepend", lambda L, x, p: L.diff(x, dim=1, prepend=p), [f64(2, 3), f64(2, 1)]),
    ("diff_append", lambda L, x, a: L.diff(x, append=a), [f64(3), f64(2)]),
    ("trapezoid", lambda L, y: L.trapezoid(y), [f64(2, 4)]),
    ("trapezoid_dx", lambda L, y: L.trapezoid(y, dx=0.5, dim=0), [f64(3, 2)]),
    ("trapezoid_x", lambda L, y, x: L.trapezoid(y, x), [f64(2, 4), f64(4)]),
    ("cumulative_trapezoid", lambda L, y: L.cumulative_trapezoid(y), [f64(2, 4)]),
    ("cumulative_trapezoid_x", lambda L, y, x: L.cumulative_trapezoid(y, x, dim=0), [f64(3, 2), f64(3, 2)]),
    ("atleast_2d", lambda L, x: L.atleast_2d(x), [f64(3)]),
    ("atleast_3d", lambda L, x: L.atleast_3d(x), [f64(2, 3)]),
    ("block_diag", lambda L, x, y: L.block_diag(x, y), [f64(2, 2), f64(1, 3)]),
    ("cartesian_prod", lambda L, x, y: L.cartesian_prod(x, y), [f64(2), f64(3)]),
    ("combinations", lambda L, x: L.combinations(x, 2), [f64(4)]),
    ("combinations_repl", lambda L, x: L.combinations(x, 2, with_replacement=True), [f64(3)]),
    ("slice_scatter", lambda L, x, s: L.slice_scatter(x, s, 1, 0, 4, 2), [f64(2, 4), f64(2, 2)]),
    ("select_scatter", lambda L, x, s: L.select_scatter(x, s, 0, 1), [f64(3, 2), f64(2)]),
    ("index_put", lambda L, x, v: x.index_put((L.tensor([0, 2]),), v), [f64(3, 2), f64(2, 2)]),
    ("index_put_acc", lambda L, x, v: x.index_put((L.tensor([0, 0]), L.tensor([1, 1])), v, accumulate=True),
     [f64(3, 2), f64(2)]),
    ("narrow_copy", lambda L, x: x.narrow_copy(0, 1, 2), [f64(3, 2)]),
    ("index_reduce_prod", lambda L, x, i, s: x.index_reduce(0, i, s, "prod"), [f64(3, 2), i64(0, 2, 0), f64(3, 2)]),
    ("index_reduce_mean", lambda L, x, i, s: x.index_reduce(1, i, s, "mean", include_self=False),
     [f64(2, 3), i64(2, 2), f64(2, 2)]),
    ("index_reduce_amax", lambda L, x, i, s: x.index_reduce(0, i, s, "amax"), [f64(3, 2), i64(1, 1, 0), f64(3, 2)]),
    ("put", lambda L, x, s: L.put(x, L.tensor([4, 0, 1]), s), [f64(2, 3), f64(3)]),
    ("put_acc", lambda L, x, s: x.put(L.tensor([[1, 1]]), s, accumulate=True), [f64(2, 2), f64(1, 2)]),
    ("unfold_overlap", lambda L, x: x.unfold(0, 3, 2), [f64(8)]),
    ("unfold_gap", lambda L, x: x.unfold(-1, 2, 3), [f64(2, 7)]),
    ("unfold_middle", lambda L, x: x.unfold(1, 2, 1), [f64(2, 3, 2)]),
    ("unfold_twice", lambda L, x: x.unfold(0, 2, 1).unfold(1, 2, 2), [f64(3, 5)]),
    ("split_with_sizes", lambda L, x: x.split_with_sizes([1, 2], 1), [f64(2, 3)]),
    ("hsplit", lambda L, x: L.hsplit(x, 2), [f64(2, 4)]),
    ("vsplit", lambda L, x: L.vsplit(x, [1, 2]), [f64(3, 2)]),
    ("dsplit", lambda L, x: x.dsplit(2), [f64(1, 2, 4)]),
    ("row_stack", lambda L, x, y: L.row_stack([x, y]), [f64(3), f64(2, 3)]),
    ("renorm", lambda L, x: x.renorm(2, 0, 1.0), [f64(3, 4)]),
    ("vander", lambda L, x: L.vander(x, 3), [f64(4)]),
]


# torch 2.13's own backward fails on these (it modifies a saved tensor in place), so only values are compared
TORCH_BACKWARD_BROKEN = {"vander", "scatter_bigsrc"}
# ties make amax non-differentiable there (a kink): compare the subgradient with torch, skip finite differences
NO_FINITE_DIFFERENCES = {"scatter_reduce_amax_ties"}


def _inputs(lib, arrays):
    res = []
    for a in arrays:
        if a.dtype == np.float64:
            t = lib.tensor(a.copy(), dtype=lib.float64)
            t.requires_grad_(True)
        else:
            t = lib.tensor(a.copy())
        res.append(t)
    return res


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


@needs_torch
@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_against_torch(name, fn, arrays):
    pin, tin = _inputs(probtorch, arrays), _inputs(torch, arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch calls index_reduce "beta"
        tout = _tuple(fn(torch, *tin))
    pout = _tuple(fn(probtorch, *pin))
    assert len(pout) == len(tout)
    for p, t in zip(pout, tout):
        assert tuple(p.shape) == tuple(t.shape)
        assert str(p.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    if name in TORCH_BACKWARD_BROKEN:
        return
    # a random cotangent per floating output, so every output contributes to the gradient
    rng = np.random.default_rng(7)
    ws = [rng.standard_normal(tuple(t.shape)) for t in tout]
    ploss = sum((p * probtorch.tensor(w)).sum() for p, w in zip(pout, ws) if p.requires_grad)
    tloss = sum((t * torch.tensor(w)).sum() for t, w in zip(tout, ws) if t.requires_grad)
    diff = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    pg = probtorch.autograd.grad(ploss, [pin[i] for i in diff], allow_unused=True)
    tg = torch.autograd.grad(tloss, [tin[i] for i in diff], allow_unused=True)
    for a, b in zip(pg, tg):
        if b is None:
            assert a is None or np.all(a.numpy() == 0)
            continue
        assert a is not None
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,fn,arrays", [c for c in CASES if c[0] not in NO_FINITE_DIFFERENCES],
                         ids=[c[0] for c in CASES if c[0] not in NO_FINITE_DIFFERENCES])
def test_gradcheck(name, fn, arrays):
    pin = _inputs(probtorch, arrays)
    f = lambda *xs: fn(probtorch, *xs)  # noqa: E731
    assert gradcheck(f, pin)
    assert gradgradcheck(f, pin)


# Each row: (id, fn(lib, x)) with x = arange(24.).reshape(2, 3, 4); both libraries must raise the same exception type.
ERROR_CASES = [
    ("view_noncontig", lambda L, x: x.transpose(0, 2).view(-1)),
    ("view_bad_size", lambda L, x: x.view(5, -1)),
    ("reshape_two_infer", lambda L, x: x.reshape(-1, -1)),
    ("permute_dup", lambda L, x: x.permute(0, 0, 1)),
    ("permute_len", lambda L, x: x.permute(0, 1)),
    ("transpose_range", lambda L, x: x.transpose(0, 3)),
    ("expand_bad", lambda L, x: x.expand(2, 5, 4)),
    ("expand_fewer", lambda L, x: x.expand(3, 4)),
    ("squeeze_range", lambda L, x: x.squeeze(3)),
    ("unsqueeze_range", lambda L, x: x.unsqueeze(5)),
    ("flatten_order", lambda L, x: x.flatten(2, 1)),
    ("cat_shape", lambda L, x: L.cat([x, x[:, :2, :3]], 1)),
    ("cat_ndim", lambda L, x: L.cat([x, x[0]], 0)),
    ("cat_scalar", lambda L, x: L.cat([x[0, 0, 0], x[0, 0, 0]])),
    ("cat_empty_list", lambda L, x: L.cat([])),
    ("stack_shape", lambda L, x: L.stack([x, x[:1]])),
    ("split_sum", lambda L, x: x.split([1, 1], 1)),
    ("narrow_range", lambda L, x: x.narrow(2, 3, 2)),
    ("select_range", lambda L, x: x.select(1, 3)),
    ("chunk_zero", lambda L, x: x.chunk(0)),
    ("gather_range", lambda L, x: x.gather(2, L.full((2, 3, 1), 4))),
    ("gather_ndim", lambda L, x: x.gather(2, L.zeros(2, dtype=L.int64))),
    ("scatter_range", lambda L, x: x.scatter(2, L.full((2, 3, 1), 4), 1.0)),
    ("scatter_reduce_bad", lambda L, x: x.scatter_reduce(2, L.zeros(2, 3, 1, dtype=L.int64), x, "foo")),
    ("index_select_2d", lambda L, x: x.index_select(0, L.zeros(2, 2, dtype=L.int64))),
    ("index_select_float", lambda L, x: x.index_select(0, L.zeros(2))),
    ("diagonal_same_dim", lambda L, x: x.diagonal(0, 1, 1)),
    ("tril_1d", lambda L, x: x[0, 0].tril()),
    ("t_3d", lambda L, x: x.t()),
    ("repeat_fewer", lambda L, x: x.repeat(2, 2)),
    ("flip_range", lambda L, x: x.flip(3)),
    ("diag_3d", lambda L, x: L.diag(x)),
    ("unfold_too_big", lambda L, x: x.unfold(1, 4, 1)),
    ("unfold_step0", lambda L, x: x.unfold(1, 2, 0)),
    ("hsplit_indivisible", lambda L, x: L.hsplit(x, 2)),
    ("vsplit_1d", lambda L, x: L.vsplit(x[0, 0], 2)),
]


@needs_torch
@pytest.mark.parametrize("name,fn", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(name, fn):
    with pytest.raises(Exception) as texc:
        fn(torch, torch.arange(24.).reshape(2, 3, 4))
    with pytest.raises(Exception) as pexc:
        fn(probtorch, probtorch.arange(24.).reshape(2, 3, 4))
    assert issubclass(pexc.type, texc.type), (pexc.value, texc.value)


def test_view_error_message_and_reshape_copy():
    x = probtorch.arange(6.).reshape(2, 3)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.t().view(6)
    y = x.t().reshape(6)
    y[0] = 100.0  # a copy: x unchanged
    assert x[0, 0].item() == 0.0
    v = x.view(3, 2)
    v[0, 0] = 100.0  # a view: x changed, version shared
    assert x[0, 0].item() == 100.0 and x._version == v._version


def test_views_share_storage_with_base():
    x = probtorch.zeros(3, 4)
    for make in (lambda t: t[1], lambda t: t.t(), lambda t: t.diagonal(), lambda t: t.unsqueeze(0),
                 lambda t: t.narrow(1, 1, 2), lambda t: t.select(0, 2), lambda t: t.view(12),
                 lambda t: t.expand(2, 3, 4), lambda t: t.unbind(0)[1], lambda t: t.split(2, 1)[1],
                 lambda t: t.squeeze(), lambda t: t.permute(1, 0)):
        v = make(x)
        assert v._is_view
        assert np.shares_memory(v.numpy(), x.numpy())


# Values only (integer, bool, empty and 0-d inputs; error types): (id, fn(lib)).
_I = lambda L: L.arange(12).reshape(3, 4)  # noqa: E731
_Bm = lambda L: L.arange(12).reshape(3, 4) % 3 == 0  # noqa: E731
_E = lambda L: L.zeros(0, 3)  # noqa: E731
_S = lambda L: L.tensor(5.)  # noqa: E731
VALUE_CASES = {
    "cat_int_float": lambda L: L.cat([_I(L), _I(L).float()]),
    "cat_bool": lambda L: L.cat([_Bm(L), _Bm(L)], 1),
    "cat_empty2d": lambda L: L.cat([_E(L), L.ones(2, 3)]),
    "stack_int": lambda L: L.stack([_I(L), _I(L)], 2),
    "stack_scalars": lambda L: L.stack([_S(L), _S(L)]),
    "split_empty": lambda L: _E(L).split(2),
    "chunk_empty": lambda L: L.zeros(0).chunk(2),
    "unbind_empty": lambda L: _E(L).unbind(1),
    "flip_int": lambda L: _I(L).flip(0),
    "roll_int": lambda L: _I(L).roll(2),
    "roll_neg": lambda L: _I(L).roll(-5, 1),
    "roll_big": lambda L: _I(L).roll(7, 0),
    "rot90_neg": lambda L: _I(L).rot90(-3),
    "rot90_k0": lambda L: _I(L).rot90(0),
    "tril_int": lambda L: _I(L).tril(1),
    "triu_bool": lambda L: _Bm(L).triu(),
    "diag_int": lambda L: L.diag(L.arange(3)),
    "diag_embed_empty": lambda L: L.diag_embed(L.zeros(2, 0)),
    "diagonal_big_off": lambda L: _I(L).diagonal(5),
    "diagonal_big_negoff": lambda L: _I(L).diagonal(-5),
    "repeat_int": lambda L: _I(L).repeat(1, 2),
    "repeat_zero": lambda L: _I(L).repeat(0, 2),
    "tile_int": lambda L: L.tile(L.arange(3), (2, 2)),
    "repeat_interleave_idx": lambda L: L.repeat_interleave(L.tensor([1, 0, 3])),
    "repeat_interleave_scalar": lambda L: L.repeat_interleave(_S(L), 3),
    "squeeze_scalar": lambda L: _S(L).squeeze(),
    "squeeze_scalar_dim": lambda L: _S(L).squeeze(0),
    "unsqueeze_scalar": lambda L: _S(L).unsqueeze(0),
    "flatten_empty": lambda L: _E(L).flatten(),
    "reshape_empty": lambda L: _E(L).reshape(-1, 0),
    "reshape_empty2": lambda L: _E(L).reshape(3, -1),
    "view_scalar": lambda L: _S(L).view(-1),
    "expand_scalar": lambda L: _S(L).expand(2, 3),
    "expand_empty": lambda L: L.ones(1, 3).expand(0, 3),
    "transpose_scalar": lambda L: _S(L).t(),
    "permute_neg": lambda L: L.arange(24).reshape(2, 3, 4).permute(-1, 0, 1),
    "movedim_neg": lambda L: L.movedim(L.arange(24).reshape(2, 3, 4), -1, 0),
    "gather_int": lambda L: _I(L).gather(1, L.tensor([[0], [1], [3]])),
    "gather_neg_idx": lambda L: _I(L).gather(1, L.tensor([[-1], [1], [3]])),
    "scatter_int": lambda L: _I(L).scatter(1, L.tensor([[0], [1], [3]]), 100),
    "scatter_add_int": lambda L: _I(L).scatter_add(0, L.tensor([[0, 0, 0, 0]]), _I(L)),
    "scatter_reduce_int_mean": lambda L: _I(L).scatter_reduce(0, L.tensor([[0, 0, 1, 1]]), _I(L)[:1] * 3, "mean"),
    "scatter_reduce_int_amax_noself": lambda L: _I(L).scatter_reduce(0, L.tensor([[0, 0, 1, 1]]), _I(L)[:1] - 50,
                                                                    "amax", include_self=False),
    "index_select_int": lambda L: _I(L).index_select(0, L.tensor([2, 0])),
    "index_select_empty": lambda L: _I(L).index_select(0, L.tensor([], dtype=L.long)),
    "index_select_scalar": lambda L: _S(L).index_select(0, L.tensor([0])),
    "index_add_int": lambda L: _I(L).index_add(0, L.tensor([0, 0]), _I(L)[:2]),
    "index_fill_bool": lambda L: _Bm(L).index_fill(1, L.tensor([0]), True),
    "index_copy_int": lambda L: _I(L).index_copy(1, L.tensor([3, 0]), _I(L)[:, :2] * 10),
    "masked_fill_int": lambda L: _I(L).masked_fill(_Bm(L), -1),
    "masked_fill_tensorval": lambda L: _I(L).float().masked_fill(_Bm(L), L.tensor(2.5)),
    "masked_select_int": lambda L: _I(L).masked_select(_Bm(L)),
    "take_neg": lambda L: _I(L).take(L.tensor([-1, 0])),
    "nonzero": lambda L: _I(L).nonzero(),
    "nonzero_tuple": lambda L: L.nonzero(_Bm(L), as_tuple=True),
    "nonzero_scalar": lambda L: L.nonzero(_S(L)),
    "argwhere": lambda L: L.argwhere(_Bm(L)),
    "meshgrid_default": lambda L: L.meshgrid(L.arange(2), L.arange(3), indexing="ij"),
    "meshgrid_xy_int": lambda L: L.meshgrid(L.arange(2), L.arange(3), indexing="xy"),
    "kron_int": lambda L: L.kron(_I(L)[:2, :2], L.tensor([[1, 2], [3, 4]])),
    "outer_int": lambda L: L.outer(L.arange(3), L.arange(2)),
    "cross_int": lambda L: L.cross(L.tensor([1, 2, 3]), L.tensor([4, 5, 6]), dim=0),
    "tensordot_0": lambda L: L.tensordot(L.arange(3.), L.arange(2.), 0),
    "diff_int": lambda L: _I(L).diff(),
    "diff_bool": lambda L: _Bm(L).diff(),
    "diff_n0": lambda L: _I(L).diff(n=0),
    "diff_big_n": lambda L: _I(L).diff(n=5),
    "trapezoid_int": lambda L: L.trapezoid(_I(L)),
    "atleast_1d_multi": lambda L: L.atleast_1d(_S(L), _I(L)),
    "block_diag_int": lambda L: L.block_diag(L.tensor([[1, 2]]), L.tensor([[3.]])),
    "narrow_tensor_start": lambda L: _I(L).narrow(1, L.tensor(1), 2),
    "select_neg": lambda L: _I(L).select(-1, -2),
    "tensor_split_tensor": lambda L: _I(L).tensor_split(L.tensor([1, 3]), 1),
    "tensor_split_over": lambda L: L.arange(3).tensor_split(5),
    "split_bigger": lambda L: L.arange(5).split(10),
    "unflatten_neg": lambda L: L.arange(12).unflatten(-1, (3, -1)),
    "hstack_scalars": lambda L: L.hstack([_S(L), _S(L)]),
    "vstack_1d": lambda L: L.vstack([L.arange(3), L.arange(3)]),
    "column_stack_scalars": lambda L: L.column_stack([_S(L), _S(L)]),
    "dstack_1d": lambda L: L.dstack([L.arange(3), L.arange(3)]),
    "broadcast_shapes_err": lambda L: L.broadcast_shapes((2, 3), (3, 2)),
    "trace_int": lambda L: _I(L).trace(),
    "combinations_0": lambda L: L.combinations(L.arange(2.), 3),
    "cartesian_3": lambda L: L.cartesian_prod(L.arange(2), L.arange(2), L.arange(2)),
    "take_along_neg": lambda L: L.take_along_dim(_I(L), L.tensor([[-1]]), 1),
    "cdist_zero": lambda L: L.cdist(L.ones(2, 3), L.ones(2, 3)),
    "flip_empty_dims": lambda L: _I(L).flip([]),
    "fliplr_1d": lambda L: L.fliplr(L.arange(3)),
    "vander_int": lambda L: L.vander(L.tensor([1, 2, 3])),
    "vander_incr": lambda L: L.vander(L.tensor([1., 2.]), N=4, increasing=True),
    "slice_scatter_neg": lambda L: L.slice_scatter(_I(L), L.zeros(3, 2, dtype=L.long), 1, -2),
    "select_scatter_neg": lambda L: L.select_scatter(_I(L), L.zeros(3, dtype=L.long), 1, -1),
    "diagonal_scatter_int": lambda L: L.diagonal_scatter(_I(L), L.tensor([9, 9, 9])),
    "renorm_maxnorm": lambda L: L.ones(2, 3).renorm(1, 0, 2.0),
    "unique": lambda L: L.unique(L.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True),
    "unique_consecutive": lambda L: L.unique_consecutive(L.tensor([1, 1, 2, 2, 1]), return_counts=True),
    "searchsorted": lambda L: L.searchsorted(L.tensor([1., 3., 5.]), L.tensor([[0., 3.], [6., 2.]])),
    "bucketize": lambda L: L.bucketize(L.tensor([0., 3., 6.]), L.tensor([1., 3., 5.]), right=True),
    "bincount": lambda L: L.bincount(L.tensor([0, 1, 1, 3]), minlength=5),
    "histc": lambda L: L.histc(L.tensor([1., 2., 1., 4.]), bins=4, min=0, max=4),
    "expand_neg1_new": lambda L: L.ones(3).expand(-1, 3),
    "view_dtype": lambda L: L.ones(2, dtype=L.float32).view(L.int32),
    "reshape_tuple_list": lambda L: _I(L).reshape([2, 6]),
    "squeeze_multi_neg": lambda L: L.zeros(1, 2, 1).squeeze((-1, 0)),
    "index_put_bool": lambda L: _I(L).index_put((_Bm(L),), L.tensor(0)),
    "index_put_acc_dup": lambda L: L.zeros(3).index_put((L.tensor([0, 0, 2]),), L.tensor(1.), accumulate=True),
    "masked_scatter_bcast": lambda L: L.zeros(2, 3).masked_scatter(L.tensor([True, False, True]), L.arange(6.)),
    "take_along_dim_none_int": lambda L: L.take_along_dim(_I(L), L.tensor([0, 5])),
    "cumtrapz_dx": lambda L: L.cumulative_trapezoid(L.arange(4.), dx=2.),
    "unravel_index": lambda L: L.unravel_index(L.tensor([5, 7, -1]), (2, 4)),
    "unravel_index_2d": lambda L: L.unravel_index(L.tensor([[0, 23]]), (2, 3, 4)),
    "unfold_int": lambda L: L.arange(10).unfold(0, 4, 3),
    "unfold_empty_windows": lambda L: L.arange(10).reshape(2, 5).unfold(1, 0, 2),
    "broadcast_shapes": lambda L: L.tensor(list(L.broadcast_shapes((2, 1), (3, 1, 4), (1,)))),
    "unique_dim": lambda L: L.unique(L.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True,
                                     return_counts=True),
    "unique_unsorted": lambda L: L.unique(L.tensor([3, 1, 3]), sorted=True),
    "unique_inverse_2d": lambda L: L.unique(L.tensor([[3, 1], [1, 2]]), return_inverse=True),
    "unique_consec_inv": lambda L: L.unique_consecutive(L.tensor([[1, 1], [2, 2]]), return_inverse=True),
    "unique_consec_dim": lambda L: L.unique_consecutive(L.tensor([[1, 1], [1, 1], [2, 3]]), dim=0),
    "histc_default": lambda L: L.histc(L.tensor([1., 2., 1., 4.]), bins=3),
    "histc_const": lambda L: L.histc(L.tensor([2., 2.]), bins=2),
    "histc_out_of_range": lambda L: L.histc(L.tensor([-1., 2., 5.]), bins=2, min=0, max=4),
    "bincount_w": lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([0.5, 1., 2.])),
    "bincount_w64": lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([0.5, 1., 2.], dtype=L.float64)),
    "bincount_empty": lambda L: L.bincount(L.tensor([], dtype=L.long)),
    "searchsorted_sorter": lambda L: L.searchsorted(L.tensor([3., 1., 2.]), L.tensor([2.5]),
                                                    sorter=L.tensor([1, 2, 0])),
    "searchsorted_side": lambda L: L.searchsorted(L.tensor([1., 2., 2., 3.]), L.tensor([2.]), side="right"),
    "searchsorted_scalar": lambda L: L.searchsorted(L.tensor([1., 2., 3.]), 2.5),
    "searchsorted_int32": lambda L: L.searchsorted(L.tensor([1., 2., 3.]), L.tensor([2.5]), out_int32=True),
    "searchsorted_2d": lambda L: L.searchsorted(L.tensor([[1., 2.], [0., 5.]]), L.tensor([[1.5, 3.], [1., 6.]])),
    "bucketize_2d": lambda L: L.bucketize(L.tensor([[0.5, 2.5]]), L.tensor([1., 2., 3.])),
    "cartesian_one": lambda L: L.cartesian_prod(L.arange(3)),
    "block_diag_empty": lambda L: L.block_diag(),
    "block_diag_1d": lambda L: L.block_diag(L.tensor([1, 2]), L.tensor(3)),
    "combinations_r1": lambda L: L.combinations(L.arange(3), 1),
    "combinations_r0": lambda L: L.combinations(L.arange(3), 0),
    "tril_indices": lambda L: L.tril_indices(3, 3),
    "triu_indices_off": lambda L: L.triu_indices(3, 4, 1),
    "rot90_dims": lambda L: L.rot90(L.arange(6).reshape(2, 3), 1, [1, 0]),
    "repeat_interleave_out": lambda L: L.repeat_interleave(L.tensor([1, 2]), L.tensor([2, 1]), dim=0, output_size=3),
    "movedim_err": lambda L: L.movedim(L.zeros(2, 3), (0, 0), (1, 0)),
    "atleast_1d_list": lambda L: L.atleast_1d([L.tensor(1.), L.tensor(2.)]),
    "vander_default": lambda L: L.vander(L.tensor([1., 2., 3.])),
    "diagflat_off": lambda L: L.diagflat(L.tensor([1, 2]), -1),
    "trace_nonsquare": lambda L: L.arange(6.).reshape(2, 3).trace(),
    "take_oob": lambda L: L.arange(4).take(L.tensor([4])),
    "index_select_oob": lambda L: L.arange(4).index_select(0, L.tensor([4])),
    "index_add_oob": lambda L: L.zeros(3).index_add(0, L.tensor([3]), L.ones(1)),
    "index_copy_shape": lambda L: L.zeros(3, 2).index_copy(0, L.tensor([1]), L.ones(1, 3)),
    "masked_fill_nonbool": lambda L: L.zeros(3).masked_fill(L.tensor([1, 0, 1]), 1.),
    "masked_fill_tensor_nd": lambda L: L.zeros(3).masked_fill(L.tensor([True, False, True]), L.tensor([1., 2., 3.])),
    "narrow_neg_len": lambda L: L.arange(4).narrow(0, 1, -1),
    "split_neg": lambda L: L.arange(4).split(-1),
    "tensor_split_zero": lambda L: L.arange(4).tensor_split(0),
    "unflatten_bad": lambda L: L.arange(6).unflatten(0, (4, -1)),
    "unsqueeze_bad": lambda L: L.arange(6).unsqueeze(2),
    "permute_bad": lambda L: L.arange(6).reshape(2, 3).permute(0, 2),
    "diagonal_bad": lambda L: L.arange(6).diagonal(),
    "diag_embed_dims": lambda L: L.diag_embed(L.arange(6).reshape(2, 3), 0, 0, 2),
    "cat_dtype_bool_int": lambda L: L.cat([L.tensor([True]), L.tensor([2])]),
    "stack_dtype": lambda L: L.stack([L.tensor([1]), L.tensor([2.5])]),
    "meshgrid_single": lambda L: L.meshgrid(L.arange(3), indexing="ij"),
    "meshgrid_list": lambda L: L.meshgrid([L.arange(2), L.arange(2)], indexing="xy"),
    "broadcast_tensors_list": lambda L: L.broadcast_tensors(L.zeros(2, 1), L.zeros(3)),
    "flip_neg": lambda L: L.arange(6).reshape(2, 3).flip(-1),
    "roll_multi_neg": lambda L: L.arange(6).reshape(2, 3).roll((1, 1), (-1, -2)),
    "roll_mismatch": lambda L: L.arange(6).reshape(2, 3).roll((1, 1), (0,)),
}


def _summary(res):
    res = res if isinstance(res, (tuple, list)) else [res]
    return [(tuple(t.shape), str(t.dtype).split(".")[-1], t.detach().numpy().tolist()) for t in res]


@needs_torch
@pytest.mark.parametrize("name", list(VALUE_CASES))
def test_values_match_torch(name):
    fn = VALUE_CASES[name]
    try:
        want = _summary(fn(torch))
    except Exception as e:  # noqa: BLE001 - the same exception type is expected from probtorch
        with pytest.raises(type(e)):
            fn(probtorch)
        return
    assert _summary(fn(probtorch)) == want


OUT_CASES = {
    "cat": lambda L, o: L.cat([L.ones(2, 2), L.zeros(1, 2)], out=o),
    "stack": lambda L, o: L.stack([L.ones(2), L.zeros(2)], 1, out=o),
    "hstack": lambda L, o: L.hstack([L.ones(2), L.zeros(3)], out=o),
    "vstack": lambda L, o: L.vstack([L.ones(2), L.zeros(2)], out=o),
    "gather": lambda L, o: L.gather(L.arange(6.).reshape(2, 3), 1, L.tensor([[2, 0], [1, 1]]), out=o),
    "index_select": lambda L, o: L.index_select(L.arange(6.).reshape(2, 3), 1, L.tensor([2, 0]), out=o),
    "masked_select": lambda L, o: L.masked_select(L.arange(4.), L.tensor([True, False, True, True]), out=o),
    "take_along_dim": lambda L, o: L.take_along_dim(L.arange(6.).reshape(2, 3), L.tensor([[1], [0]]), 1, out=o),
    "tril": lambda L, o: L.tril(L.ones(3, 3), out=o),
    "triu": lambda L, o: L.triu(L.ones(3, 3), 1, out=o),
    "diag": lambda L, o: L.diag(L.arange(3.), out=o),
    "outer": lambda L, o: L.outer(L.arange(3.), L.arange(2.), out=o),
    "kron": lambda L, o: L.kron(L.ones(2, 2), L.arange(2.), out=o),
    "cross": lambda L, o: L.cross(L.tensor([1., 0., 0.]), L.tensor([0., 1., 0.]), dim=0, out=o),
    "tensordot": lambda L, o: L.tensordot(L.ones(2, 3), L.ones(3, 2), 1, out=o),
}


@needs_torch
@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_argument_matches_torch(name):
    fn = OUT_CASES[name]
    want = fn(torch, torch.empty(0))
    o = probtorch.empty(0)
    got = fn(probtorch, o)
    assert got is o
    np.testing.assert_array_equal(o.numpy(), want.numpy())


def test_out_refuses_autograd_and_bad_cast():
    x = probtorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        probtorch.cat([x, x], out=probtorch.empty(4))
    with pytest.raises(RuntimeError, match="can't be cast"):
        probtorch.cat([probtorch.ones(2)], out=probtorch.empty(2, dtype=probtorch.int64))


# ------------------------------------------------------------------------------------------------ random shapes
from hypothesis import given, strategies as st  # noqa: E402


@st.composite
def shape_op_cases(draw):
    """(shape, description of one shape op with arguments valid for that shape)."""
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=4)))
    n = len(shape)
    kinds = ["reshape_flat", "unsqueeze", "squeeze_all", "flip", "roll", "repeat", "expand_new"]
    if n:
        kinds += ["permute", "transpose", "movedim", "flatten", "cat", "stack", "split", "chunk", "narrow",
                  "squeeze_dim", "unflatten", "tensor_split", "unbind", "roll_dim", "diff", "cumsum_flip"]
    if n >= 2:
        kinds += ["diagonal", "tril", "triu", "mT"]
    kind = draw(st.sampled_from(kinds))
    d = draw(st.integers(-n, n - 1)) if n else 0
    args = {}
    if kind == "permute":
        args["perm"] = tuple(draw(st.permutations(list(range(n)))))
    elif kind == "transpose":
        args["dims"] = (d, draw(st.integers(-n, n - 1)))
    elif kind == "movedim":
        src = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
        dst = draw(st.permutations(list(range(n))))[:len(src)]
        args["src"], args["dst"] = src, list(dst)
    elif kind == "flatten":
        e = draw(st.integers(d % n, n - 1))
        args["range"] = (d, e)
    elif kind in ("split", "chunk", "tensor_split"):
        args["k"] = draw(st.integers(1, 3))
    elif kind == "narrow":
        size = shape[d]
        start = draw(st.integers(0, size))
        args["start"], args["length"] = start, draw(st.integers(0, size - start))
    elif kind == "unflatten":
        size = shape[d]
        args["sizes"] = (1, size, 1) if size else (0, -1)
    elif kind == "unsqueeze":
        args["dim"] = draw(st.integers(-n - 1, n))
    elif kind in ("roll", "roll_dim"):
        args["shift"] = draw(st.integers(-4, 4))
    elif kind == "repeat":
        args["reps"] = tuple(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n + 1)))
    elif kind == "expand_new":
        args["lead"] = draw(st.integers(0, 2))
    elif kind == "diagonal":
        args["offset"] = draw(st.integers(-2, 2))
    elif kind in ("tril", "triu"):
        args["k"] = draw(st.integers(-2, 2))
    elif kind == "flip":
        args["dims"] = tuple(draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))) if n else ()
    return shape, kind, d, args


def _shape_op(L, x, kind, d, a):
    if kind == "reshape_flat":
        return x.reshape(-1)
    if kind == "unsqueeze":
        return x.unsqueeze(a["dim"])
    if kind == "squeeze_all":
        return x.squeeze()
    if kind == "squeeze_dim":
        return x.squeeze(d)
    if kind == "flip":
        return L.flip(x, a["dims"])
    if kind == "roll":
        return L.roll(x, a["shift"])
    if kind == "roll_dim":
        return L.roll(x, a["shift"], d)
    if kind == "repeat":
        return x.repeat(*a["reps"])
    if kind == "expand_new":
        return x.expand(*((2,) * a["lead"] + tuple(x.shape)))
    if kind == "permute":
        return x.permute(*a["perm"])
    if kind == "transpose":
        return x.transpose(*a["dims"])
    if kind == "movedim":
        return L.movedim(x, a["src"], a["dst"])
    if kind == "flatten":
        return x.flatten(*a["range"])
    if kind == "cat":
        return L.cat([x, x * 2], d)
    if kind == "stack":
        return L.stack([x, x * 2], d)
    if kind == "split":
        return x.split(a["k"], d)
    if kind == "chunk":
        return x.chunk(a["k"], d)
    if kind == "tensor_split":
        return x.tensor_split(a["k"], d)
    if kind == "narrow":
        return x.narrow(d, a["start"], a["length"])
    if kind == "unflatten":
        return x.unflatten(d, a["sizes"])
    if kind == "unbind":
        return x.unbind(d)
    if kind == "diff":
        return x.diff(dim=d)
    if kind == "cumsum_flip":
        return x.flip(d).cumsum(d)
    if kind == "diagonal":
        return x.diagonal(a["offset"])
    if kind == "tril":
        return x.tril(a["k"])
    if kind == "triu":
        return x.triu(a["k"])
    return x.mT


@needs_torch
@given(shape_op_cases())
def test_random_shapes_match_torch(case):
    shape, kind, d, args = case
    vals = np.random.default_rng(5).standard_normal(shape)
    try:
        _shape_op(torch, torch.tensor(vals), kind, d, args)
    except Exception as e:  # noqa: BLE001 - probtorch must refuse the same call with the same exception type
        with pytest.raises(type(e)):
            _shape_op(probtorch, probtorch.tensor(vals), kind, d, args)
        return
    res = []
    for L in (probtorch, torch):
        x = L.tensor(vals, dtype=L.float64, requires_grad=True)
        out = _tuple(_shape_op(L, x, kind, d, args))
        w = [np.arange(o.numel(), dtype=np.float64).reshape(tuple(o.shape)) for o in out]
        loss = sum((o * L.tensor(wi)).sum() for o, wi in zip(out, w))
        if isinstance(loss, (torch.Tensor, probtorch.Tensor)) and loss.requires_grad:
            loss.backward()
        res.append(([(tuple(o.shape), o.detach().numpy().copy()) for o in out],
                    None if x.grad is None else x.grad.numpy()))
    (pout, pgrad), (tout, tgrad) = res
    assert [s for s, _ in pout] == [s for s, _ in tout]
    for (_, a), (_, b) in zip(pout, tout):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    if tgrad is None:
        assert pgrad is None or not pgrad.any()
    else:
        np.testing.assert_allclose(pgrad, tgrad, rtol=1e-12, atol=1e-12)


@st.composite
def index_op_cases(draw):
    """Random shapes, dims and index tensors for the gather/scatter/index_* family."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    n = len(shape)
    dim = draw(st.integers(-n, n - 1))
    size = shape[dim]
    kind = draw(st.sampled_from(["gather", "scatter_add", "scatter", "index_select", "index_add", "index_copy",
                                 "take_along_dim", "scatter_reduce"]))
    seed = draw(st.integers(0, 2 ** 16))
    reduce = draw(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
    include_self = draw(st.booleans())
    return shape, dim % n, size, kind, seed, reduce, include_self


def _index_op(L, kind, x, src, idx, dim, reduce, include_self):
    if kind == "gather":
        return x.gather(dim, idx)
    if kind == "scatter_add":
        return x.scatter_add(dim, idx, src)
    if kind == "scatter":
        return x.scatter(dim, idx, src)
    if kind == "index_select":
        return x.index_select(dim, idx)
    if kind == "index_add":
        return x.index_add(dim, idx, src, alpha=0.5)
    if kind == "index_copy":
        return x.index_copy(dim, idx, src)
    if kind == "take_along_dim":
        return L.take_along_dim(x, idx, dim)
    return x.scatter_reduce(dim, idx, src, reduce, include_self=include_self)


@needs_torch
@given(index_op_cases())
def test_random_index_ops_match_torch(case):
    shape, dim, size, kind, seed, reduce, include_self = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if kind in ("index_select", "index_add", "index_copy"):
        k = rng.integers(1, size + 1)
        # index_copy writes each position once (torch leaves duplicate order unspecified)
        idx = rng.permutation(size)[:k] if kind == "index_copy" else rng.integers(0, size, k)
        src_shape = list(shape)
        src_shape[dim] = len(idx)
    else:
        idx_shape = [int(rng.integers(1, s + 1)) for s in shape]
        idx_shape[dim] = int(rng.integers(1, 4))
        if kind == "scatter":  # distinct targets along dim, so the result does not depend on write order
            idx_shape[dim] = min(idx_shape[dim], size)
            idx = np.stack([rng.permutation(size)[:idx_shape[dim]] for _ in range(int(np.prod(idx_shape)) //
                                                                                   idx_shape[dim])])
            idx = np.moveaxis(idx.reshape([s for i, s in enumerate(idx_shape) if i != dim] + [idx_shape[dim]]),
                              -1, dim)
        else:
            idx = rng.integers(0, size, idx_shape)
        src_shape = list(idx.shape)
    src = rng.standard_normal(src_shape)
    try:
        _index_op(torch, kind, torch.tensor(x), torch.tensor(src), torch.tensor(idx), dim, reduce, include_self)
    except RuntimeError:  # e.g. take_along_dim's shapes that do not broadcast: probtorch refuses them too
        with pytest.raises(RuntimeError):
            _index_op(probtorch, kind, probtorch.tensor(x), probtorch.tensor(src), probtorch.tensor(idx), dim,
                      reduce, include_self)
        return
    res = []
    for L in (probtorch, torch):
        xt = L.tensor(x, dtype=L.float64, requires_grad=True)
        st_ = L.tensor(src, dtype=L.float64, requires_grad=True)
        out = _index_op(L, kind, xt, st_, L.tensor(idx, dtype=L.int64), dim, reduce, include_self)
        w = L.tensor(np.linspace(-1.0, 2.0, out.numel()).reshape(tuple(out.shape)), dtype=L.float64)
        (out * w).sum().backward()
        res.append((out.detach().numpy(), xt.grad.numpy(), None if st_.grad is None else st_.grad.numpy()))
    (po, pgx, pgs), (to, tgx, tgs) = res
    np.testing.assert_allclose(po, to, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pgx, tgx, rtol=1e-10, atol=1e-12)
    if tgs is None:
        assert pgs is None or not pgs.any()
    else:
        np.testing.assert_allclose(pgs, tgs, rtol=1e-10, atol=1e-12)
