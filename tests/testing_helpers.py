"""Table-driven op checks against torch: forward values/dtypes, gradients, gradcheck and gradgradcheck.

An `OpCase` row describes one op by a single function ``fn(m, *tensors)`` written once for both libraries: `m` is
the `probtorch` or `torch` module and the tensors come from that library (so ``lambda m, x, y: m.add(x, y)`` or
``lambda m, x: x.exp()``). Samples are numpy arrays, built from per-argument shapes and domains or by a custom
generator, so both libraries see exactly the same inputs.
"""
import dataclasses
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pytest

import probtorch
from probtorch.testing import assert_close

torch = pytest.importorskip("torch")

_NP = {"float16": np.float16, "float32": np.float32, "float64": np.float64}

# shape sets that exercise broadcasting, 0-d and empty inputs
UNARY_SHAPES = [((2, 3),), ((),), ((0,),), ((2, 0, 3),), ((1, 4),)]
BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((2, 2), ()), ((), ()),
                 ((0, 3), (3,)), ((2, 0), (1,))]
TERNARY_SHAPES = [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((), (2,), ()), ((0,), (1,), ())]


@dataclasses.dataclass
class OpCase:
    """One op: `fn(m, *tensors)` plus how to draw its inputs and what to check."""
    name: str
    fn: Callable
    shapes: Sequence = dataclasses.field(default_factory=lambda: UNARY_SHAPES)
    domain: Any = (-2.0, 2.0)  # (low, high) for every argument, or a list of one pair per argument
    gen: Optional[Callable] = None  # gen(rng) -> list of samples (tuples of float64 arrays); replaces shapes/domain
    grad: bool = True  # compare gradients with torch and run gradcheck/gradgradcheck
    gradgrad: bool = True
    grad_samples: int = 2  # how many (non-empty) samples to gradcheck
    dtypes: Sequence = ("float32", "float64")
    rtol: Optional[float] = None  # overrides for the forward comparison
    atol: Optional[float] = None
    grad_rtol: float = 1e-7
    grad_atol: float = 1e-7
    gc_atol: float = 1e-5
    gc_rtol: float = 1e-3
    equal_nan: bool = True
    differentiable_args: Optional[Sequence[int]] = None  # which tensor args require grad (default: all)
    marks: Sequence = ()

    def __str__(self):
        return self.name

    def samples(self, seed=0):
        rng = np.random.default_rng(seed)
        if self.gen is not None:
            return [tuple(np.asarray(a, np.float64) for a in s) for s in self.gen(rng)]
        out = []
        for shapes in self.shapes:
            doms = self.domain if isinstance(self.domain, list) else [self.domain] * len(shapes)
            out.append(tuple(rng.uniform(lo, hi, size=s) for s, (lo, hi) in zip(shapes, doms)))
        return out


def params(cases):
    """pytest parameters (id = case name) for a list of OpCase rows."""
    return [pytest.param(c, id=c.name, marks=list(c.marks)) for c in cases]


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


def _pt(a, dtype=None, rg=False):
    arr = np.array(a, dtype=dtype or a.dtype)
    return probtorch.tensor(arr, requires_grad=rg)


def _th(a, dtype=None, rg=False):
    arr = np.array(a, dtype=dtype or a.dtype)
    return torch.tensor(arr, requires_grad=rg)


def assert_same(pt_out, th_out, rtol=None, atol=None, equal_nan=True, what=""):
    """Outputs (tensors, tuples of tensors, numbers) agree in structure, shape, dtype and values."""
    po, to = _flat(pt_out), _flat(th_out)
    assert len(po) == len(to), f"{what}: {len(po)} outputs vs torch's {len(to)}"
    for k, (p, t) in enumerate(zip(po, to)):
        if isinstance(t, torch.Tensor):
            assert isinstance(p, probtorch.Tensor), f"{what}: output {k} is {type(p).__name__}, torch gives a tensor"
            assert p.dtype.name == str(t.dtype).replace("torch.", ""), \
                f"{what}: output {k} dtype {p.dtype.name} != torch's {t.dtype}"
            assert tuple(p.shape) == tuple(t.shape), f"{what}: output {k} shape {tuple(p.shape)} != {tuple(t.shape)}"
            assert_close(p.detach(), t.detach(), rtol=rtol, atol=atol, equal_nan=equal_nan)
        else:
            assert_close(p, t, rtol=rtol, atol=atol, equal_nan=equal_nan)


def check_forward(case, dtype, same_errors=True):
    """Forward values and dtypes match torch for every sample in `dtype`; where torch refuses, probtorch must raise
    the same exception type (unless not `same_errors`: float16 kernels torch lacks are not refusals we copy)."""
    npd = _NP[dtype]
    for s in case.samples():
        tp = [_pt(a, npd) for a in s]
        tt = [_th(a, npd) for a in s]
        try:
            expected = case.fn(torch, *tt)
        except Exception as e:  # torch refuses: we must refuse with the same exception type
            if same_errors:
                with pytest.raises(type(e)):
                    case.fn(probtorch, *tp)
            continue
        got = case.fn(probtorch, *tp)
        rtol, atol = case.rtol, case.atol
        if rtol is None and dtype == "float32":
            rtol, atol = 1e-5, 1e-5  # float32 libraries differ in the last bits (e.g. sleef vs libm)
        if dtype == "float16":
            rtol, atol = 1e-2, 1e-2  # half results are float32 arithmetic rounded, in both libraries
        try:
            assert_same(got, expected, rtol, atol, case.equal_nan, what=f"{case.name} {dtype}")
        except AssertionError as err:
            raise AssertionError(f"{err}\ninputs shapes: {[a.shape for a in s]}") from None


def _diff_args(case, n):
    return list(range(n)) if case.differentiable_args is None else list(case.differentiable_args)


def check_grad_vs_torch(case):
    """Gradients of sum(out * v) w.r.t. every float64 input match torch's (None counts as zeros)."""
    rng = np.random.default_rng(1)
    for s in case.samples():
        idx = _diff_args(case, len(s))
        tp = [_pt(a, np.float64, i in idx) for i, a in enumerate(s)]
        tt = [_th(a, np.float64, i in idx) for i, a in enumerate(s)]
        try:
            th_out = [o for o in _flat(case.fn(torch, *tt)) if isinstance(o, torch.Tensor) and o.requires_grad]
        except Exception:
            continue
        pt_out = [o for o in _flat(case.fn(probtorch, *tp)) if isinstance(o, probtorch.Tensor) and o.requires_grad]
        assert len(pt_out) == len(th_out), f"{case.name}: {len(pt_out)} differentiable outputs vs {len(th_out)}"
        if not th_out:
            continue
        vs = [rng.standard_normal(tuple(o.shape)) for o in th_out]
        th_loss = sum((o * torch.tensor(v)).sum() for o, v in zip(th_out, vs))
        pt_loss = sum((o * probtorch.tensor(v)).sum() for o, v in zip(pt_out, vs))
        pt_g = probtorch.autograd.grad(pt_loss, [tp[i] for i in idx], allow_unused=True)
        try:
            th_g = torch.autograd.grad(th_loss, [tt[i] for i in idx], allow_unused=True)
        except RuntimeError:
            # torch defines no derivative (floor_divide) or fails on this broadcast (clamp with a 0-d input and
            # 1-d bounds): nothing to compare with; gradcheck covers ours
            continue
        for i, g_p, g_t in zip(idx, pt_g, th_g):
            exp = np.zeros(s[i].shape) if g_t is None else g_t.numpy(force=True)
            got = np.zeros(s[i].shape) if g_p is None else g_p.detach().numpy()
            assert got.shape == exp.shape, f"{case.name}: grad {i} shape {got.shape} != {exp.shape}"
            assert_close(got, exp, rtol=case.grad_rtol, atol=case.grad_atol, equal_nan=True, check_dtype=False)


def check_gradcheck(case):
    """probtorch gradcheck and gradgradcheck in float64 on the first few non-empty samples."""
    done = 0
    for s in case.samples():
        if any(a.size == 0 for a in s):
            continue
        idx = _diff_args(case, len(s))
        tp = [_pt(a, np.float64, i in idx) for i, a in enumerate(s)]

        def f(*xs):
            outs = [o for o in _flat(case.fn(probtorch, *xs)) if isinstance(o, probtorch.Tensor)
                    and o.is_floating_point()]
            return tuple(outs)
        assert probtorch.autograd.gradcheck(f, tuple(tp), atol=case.gc_atol, rtol=case.gc_rtol)
        if case.gradgrad:
            assert probtorch.autograd.gradgradcheck(f, tuple(tp), atol=case.gc_atol, rtol=case.gc_rtol)
        done += 1
        if done >= case.grad_samples:
            break
    assert done, f"{case.name}: no non-empty sample to gradcheck"
