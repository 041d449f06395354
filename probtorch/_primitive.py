"""The primitive mechanism: an ndarray implementation plus derivative rules written in Tensor operations.

A `Primitive` is called with Tensors / Python scalars (positional, differentiable) and static keyword parameters.
When recording, it creates a `Node` holding the inputs, the output arrays and the edges to the inputs' producers;
the engine later calls `Node.apply` with the output gradients. Rules are written with Tensor ops only, so when the
engine runs them with recording on (create_graph=True) they are differentiated again: gradients to any order.

Rule signatures (Tensors in, Tensors out; `out` is the primal output, inputs keep their names):
    vjp(g, out, *inputs, **params) -> tuple of input gradients (None where zero / not differentiable)
    partials(out, *inputs, **params) -> tuple of elementwise partial derivatives (elementwise prims only);
        the vjp is then g * partial (reduced to each input's shape) and the jvp is sum(tangent * partial)
    jvp(tangents, out, *inputs, **params) -> output tangent (forward mode; see autograd.forward_ad)

Complex operands (torch's convention: the gradient of a real loss L for complex z is dL/dRe z + i dL/dIm z, so
that ``z - lr * z.grad`` descends). Rules are written as plain transposes of the derivative, without conjugation:
a partial is f'(z) (for a real-valued f, 2 df/dz, e.g. conj(sgn z) for abs) and a vjp pulls back g as g * f'(z),
A^T g, ... which is what one writes for real tensors anyway. When an input or the output gradient is complex the
engine turns that into torch's gradient: g * conj(partial), and conj(vjp(conj(g))) for vjp rules. A primitive
whose vjp already returns torch's gradient (the real-linear views real / imag / view_as_real, the Hermitian
factorizations, ...) says so with ``adjoint=True``. A real input of a complex computation receives the real part of
its gradient. Real operands take none of these steps. (Forward mode over complex operands differentiates that
vjp once more instead of using partials, which need not describe a non-holomorphic map; see autograd.forward_ad.)
"""
import itertools
from types import MethodType as _MethodType

import numpy as np

from . import _dtype
from ._tensor import Tensor, _make, _Version, _register_view
from ._grad_mode import _state

__all__ = ["Primitive", "primitive", "Node"]

try:  # numpy >= 2 keeps its error state in a context variable: setting it costs ~0.1 us, np.errstate ~3 us
    from numpy._core._ufunc_config import _extobj_contextvar as _NP_ERRSTATE, _make_extobj
    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # pragma: no cover - numpy 1.x: the same switch through the public API
    class _NP_ERRSTATE:
        @staticmethod
        def set(_):
            old = np.seterr(all="ignore")
            return old

        @staticmethod
        def reset(old):
            np.seterr(**old)
    _IGNORE_ALL = None

next_seq = itertools.count().__next__  # creation order of Nodes: the engine's topological order

_FLOAT_KINDS = "fc"


class _Forward:
    """Number of open forward-AD levels; checked on every primitive call, so kept as a plain class attribute."""
    active = 0
    propagate = None  # autograd.forward_ad._propagate, installed when that module loads


class Node:
    """A recorded primitive application: the unit of the backward graph (torch's grad_fn)."""

    __slots__ = ("prim", "seq", "saved", "params", "edges", "metas", "out_data", "versions", "pre_hooks",
                 "__weakref__", "metadata", "complex_input")

    def name(self):
        return self.prim.name.title().replace("_", "") + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        res = []
        for e in self.edges:
            if e is None:
                res.append((None, 0))
            elif isinstance(e[0], Tensor):
                res.append((AccumulateGrad(e[0]), 0))
            else:
                res.append(e)
        return tuple(res)

    def _add_pre_hook(self, output_nr, hook):
        from ._tensor import _RemovableHandle
        if self.pre_hooks is None:
            self.pre_hooks = {}
        return _RemovableHandle(self.pre_hooks.setdefault(output_nr, {}), hook)

    # Node hooks live in pre_hooks under negative keys (tensor hooks use output numbers); the engine runs them.
    def register_prehook(self, hook):
        """``hook(grad_outputs) -> None or new grad_outputs``, before this node's backward runs."""
        return self._add_pre_hook(-1, hook)

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs) -> None or new grad_inputs``, after this node's backward ran."""
        return self._add_pre_hook(-2, hook)

    def _outputs(self):
        res = tuple(_make(d, d.dtype.kind in _FLOAT_KINDS, self, k) for k, d in enumerate(self.out_data))
        if _Forward.active:  # the rule reads the outputs: give them their tangents (forward-over-reverse)
            from .autograd.forward_ad import _restore_saved
            _restore_saved(self, res)
        return res

    def _check_saved(self):
        prim = self.prim
        if self.saved is None:  # freed by a backward without retain_graph (see release)
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        for t, version, k in self.versions:
            if t._vc.value != version:
                what = f"output {k} of {self.name()}" if k >= 0 else "an input of " + self.name()
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.dtype.name} {list(t.shape)}], which is {what}, is at version {t._vc.value}; "
                    f"expected version {version} instead. Hint: clone the tensor before modifying it in place.")

    def apply(self, grads):
        """Input gradients (aligned with `edges`) from output gradients (aligned with outputs)."""
        if self.versions or self.saved is None:
            self._check_saved()
        prim = self.prim
        inputs = self.saved
        if inputs.__class__ is _MetaOnly:
            inputs = inputs.materialize(self.metas)
        out = self._outputs() if prim.save_out else None
        if prim.nout == 1:
            g = grads[0]
            if out is not None:
                out = out[0]
        else:
            g = tuple(gk if gk is not None or d.dtype.kind not in _FLOAT_KINDS else _make(np.zeros_like(d))
                      for gk, d in zip(grads, self.out_data))
        metas = self.metas
        # complex operands (an input, or the output gradient of a real input's complex result) change the rule
        cplx = self.complex_input
        if not cplx:
            if prim.nout == 1:
                cplx = g._data.dtype.kind == "c"
            else:
                for gk in g:
                    if gk is not None and gk._data.dtype.kind == "c":
                        cplx = True
                        break
        if cplx and prim.adjoint:
            cplx = False
        if prim.partials is not None:
            parts = prim.partials(out, *inputs, **self.params)
            # literal 1 / -1 partials (add, sub) cost nothing
            times = _times_conj if cplx else _times
            res = [None if p is None or e is None else times(g, p) for p, e in zip(parts, self.edges)]
        elif cplx:
            # the rule is a plain transpose: torch's gradient is conj(rule(conj g)), the rule's pullback of conj g
            g = _conj(g) if prim.nout == 1 else tuple(None if gk is None else _conj(gk) for gk in g)
            res = prim.vjp(g, out, *inputs, **self.params)
            if not isinstance(res, (tuple, list)):
                res = (res,)
            res = [None if r is None else _conj(r) for r in res]
        else:
            res = prim.vjp(g, out, *inputs, **self.params)
            if not isinstance(res, (tuple, list)):
                res = (res,)
            res = list(res)
        for i, (r, e) in enumerate(zip(res, self.edges)):
            if r is None or e is None:
                continue
            shape, dt = metas[i]
            rd = r._data
            if rd.shape == shape and rd.dtype == dt:
                continue
            if rd.shape != shape:
                if prim.elementwise:
                    r = r.sum_to_size(shape)
                else:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                       f"{list(r._data.shape)} but expected shape compatible with {list(shape)}")
            if r._data.dtype != dt:
                if r._data.dtype.kind == "c" and dt.kind != "c":
                    r = _real(r)  # a real input's gradient is the real part (a plain cast would warn)
                if r._data.dtype != dt:
                    r = r.to(_dtype._FROM_NP[dt])
            res[i] = r
        return res

    def release(self):
        prim = self.prim
        if prim.saves == () and not prim.save_out and self.saved is not None:
            # the rule reads only shapes/dtypes of its tensor inputs: drop their values, keep the metadata, so a
            # second backward still works (as in torch for ops that save no tensors)
            self.saved = _MetaOnly([None if isinstance(a, Tensor) else a for a in self.saved])
            self.versions = ()
            return
        self.saved = None
        self.versions = ()
        if prim.save_out:
            self.out_data = tuple(np.empty(0) for _ in self.out_data)


def _check_broadcast(args):
    """torch's error for elementwise operands whose shapes do not broadcast (numpy's would be a ValueError)."""
    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    res = []
    for k, shape in enumerate(shapes):
        for i in range(1, len(shape) + 1):
            if i > len(res):
                res.insert(0, shape[-i])
            elif res[-i] == 1:
                res[-i] = shape[-i]
            elif shape[-i] != 1 and shape[-i] != res[-i]:
                raise RuntimeError(f"The size of tensor a ({res[-i]}) must match the size of tensor b ({shape[-i]}) "
                                   f"at non-singleton dimension {max(len(s) for s in shapes[:k + 1]) - i}")


class _MetaOnly(tuple):
    """A released node's inputs: non-tensor arguments kept, tensors dropped (their shape/dtype are in `metas`)."""

    def materialize(self, metas):
        return tuple(a if m is None else _make(np.broadcast_to(np.zeros((), m[1]), m[0]))
                     for a, m in zip(self, metas))


def _times(g, p):
    if p.__class__ is int and (p == 1 or p == -1):
        return g if p == 1 else -g
    return g * p


def _times_conj(g, p):
    """g * conj(p): a partial's contribution to the gradient of a complex input (torch's convention)."""
    if isinstance(p, Tensor):
        return g * _conj(p)
    return _times(g, p.conjugate() if p.__class__ is complex else p)


def _conj(t):
    if t._data.dtype.kind != "c":
        return t
    from .prims.elementwise import conj
    return conj(t)


def _real(t):
    from .prims.elementwise import real
    return real(t)


class AccumulateGrad:
    """Stand-in for the node that writes a leaf's .grad (what `next_functions` shows for a leaf)."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class Primitive:
    """An operation with an ndarray `impl` and derivative rules written in Tensor operations.

    Args:
        name: torch-style op name (used in grad_fn names and errors).
        impl: ndarray function; receives inputs promoted per `dtype_rule` and the static keyword params.
        nout: number of outputs.
        elementwise: inputs broadcast; the engine reduces gradients to each input's shape.
        dtype_rule: None (arrays passed as they are), "promote" (torch type promotion) or "float" (promotion,
            then integers go to the default float dtype).
        saves: indices of inputs whose values the rule reads (version-checked); None means all.
        reads: finer than `saves`: {input index: indices of inputs read by that input's gradient}; only the
            inputs read by gradients that will be computed are version-checked.
        save_out: the rule reads the output.
        view: the output is a view of input 0 (shares storage and version counter).
        differentiable: False for ops whose outputs never require grad (comparisons, argmax).
        adjoint: the vjp already gives torch's gradient for complex inputs (the engine does not conjugate).
    """

    __slots__ = ("name", "impl", "nout", "elementwise", "dtype_rule", "saves", "save_out", "view",
                 "differentiable", "vjp", "partials", "jvp", "linear", "reads", "adjoint")

    def __init__(self, name, impl, *, nout=1, elementwise=False, dtype_rule=None, saves=None, save_out=False,
                 view=False, differentiable=True, linear=False, reads=None, adjoint=False):
        self.name = name
        self.impl = impl
        self.nout = nout
        self.elementwise = elementwise
        self.dtype_rule = dtype_rule
        self.saves = saves
        self.save_out = save_out
        self.view = view
        self.differentiable = differentiable
        self.linear = linear
        self.reads = reads
        self.adjoint = adjoint
        self.vjp = self.partials = self.jvp = None

    def __repr__(self):
        return f"<primitive {self.name}>"

    def __get__(self, obj, objtype=None):
        # bind like a function, so a primitive can serve directly as a Tensor method or operator
        return self if obj is None else _MethodType(self, obj)

    def defvjp(self, fn):
        self.vjp = fn
        return fn

    def defpartials(self, fn):
        self.partials = fn
        return fn

    def defjvp(self, fn):
        self.jvp = fn
        return fn

    def __call__(self, *args, **params):
        rule = self.dtype_rule
        if rule is not None:
            arrays = _promote(args, rule)
        else:
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        # numpy's floating-point warnings are silenced: log(0) = -inf and 0/0 = NaN are results, as in torch
        token = _NP_ERRSTATE.set(_IGNORE_ALL)
        try:
            out = self.impl(*arrays, **params)
        except ValueError:
            if self.elementwise:
                _check_broadcast(args)
            raise
        finally:
            _NP_ERRSTATE.reset(token)
        record = False
        if _state.enabled and self.differentiable:
            for a in args:
                if isinstance(a, Tensor) and a._rg:
                    record = True
                    break
        if self.nout == 1:
            if out.__class__ is not np.ndarray:
                out = np.asarray(out)
            res = _make(out)
            outs = (res,)
            out_data = (out,)
        else:
            out_data = tuple(o if o.__class__ is np.ndarray else np.asarray(o) for o in out)
            outs = tuple(_make(o, False, None, k) for k, o in enumerate(out_data))
            res = outs
        if self.view:
            base = args[0]
            o = out_data[0]
            # a view shares memory with its input (numpy's reshape may instead copy, and the copy has a .base too)
            if o.base is not None and (o.base is base._data or not o.size or np.may_share_memory(o, base._data)):
                res._base = base._base if base._base is not None else base
                res._vc = base._vc
                res._view_chain = (base._view_chain or ()) + ((self, params),)
                if record:  # so an in-place write to the base can re-derive this view's grad_fn
                    _register_view(res)
        if record:
            node = Node()
            node.prim = self
            node.seq = next_seq()
            node.params = params
            node.saved = args
            node.out_data = out_data
            node.pre_hooks = None
            node.metadata = None
            edges = []
            metas = []
            complex_input = False
            for a in args:
                if isinstance(a, Tensor):
                    d = a._data
                    dt = d.dtype
                    metas.append((d.shape, dt))
                    if dt.kind == "c":
                        complex_input = True
                    if a._rg:
                        fn = a.grad_fn
                        edges.append((a, 0) if fn is None else (fn, a._output_nr))
                    else:
                        edges.append(None)
                else:
                    metas.append(None)
                    edges.append(None)
            node.edges = edges
            node.metas = metas
            node.complex_input = complex_input
            saves = self.saves
            reads = self.reads
            if reads is not None:
                # only the inputs that the gradients actually needed will read (torch saves no more either)
                saves = set()
                for i, e in enumerate(edges):
                    if e is not None:
                        saves.update(reads[i])
            versions = []
            if saves != ():
                for i, a in enumerate(args):
                    if (saves is None or i in saves) and isinstance(a, Tensor):
                        if a._is_inference:
                            raise RuntimeError("Inference tensors cannot be saved for backward. To work around you "
                                               "can make a clone to get a normal tensor and use it in autograd.")
                        versions.append((a, a._vc.value, -1))
            save_out = self.save_out
            for k, t in enumerate(outs):
                if t._data.dtype.kind in _FLOAT_KINDS:
                    t._rg = True
                    t.grad_fn = node
                if save_out:
                    versions.append((t, t._vc.value, k))
            node.versions = versions
        if _Forward.active:
            _Forward.propagate(self, args, params, outs)
        return res


def primitive(name, **kwargs):
    """Decorator form: ``@primitive("exp", elementwise=True, dtype_rule="float")`` over the ndarray impl."""
    def deco(impl):
        return Primitive(name, impl, **kwargs)
    return deco


def _promote(args, rule):
    """The ndarrays (or weak Python scalars) to feed an impl, cast to the promoted dtype."""
    # fast paths for the per-op hot cases: one tensor, two tensors of one dtype, a tensor and a Python float
    n = len(args)
    a = args[0]
    if a.__class__ is Tensor and n <= 2:
        da = a._data
        kind = da.dtype.kind
        if rule != "float" or kind in _FLOAT_KINDS:
            if n == 1:
                return [da]
            b = args[1]
            cb = b.__class__
            if cb is Tensor:
                if b._data.dtype is da.dtype:
                    return [da, b._data]
            elif cb is float:
                if kind in _FLOAT_KINDS:
                    return [da, b]
            elif cb is int and kind in _FLOAT_KINDS:  # (an int tensor may need torch's wrap-around)
                return [da, b]
    return _promote_general(args, rule)


def _promote_general(args, rule):
    dt = None
    uniform = True
    for a in args:
        if isinstance(a, Tensor):
            d = a._data.dtype
            if dt is None:
                dt = d
            elif d is not dt and d != dt:
                uniform = False
    if uniform and dt is not None:
        kind = dt.kind
        for a in args:
            c = a.__class__
            if c is float:
                if kind not in _FLOAT_KINDS:
                    uniform = False
            elif c is int:
                if kind not in "ifc" or (kind == "i" and not _int_fits(a, dt)):
                    uniform = False
            elif c is not bool and a is not None and not isinstance(a, Tensor):
                uniform = False
    res = dt if uniform and dt is not None else _dtype.result_type(*args).np
    if rule == "float" and res.kind not in _FLOAT_KINDS:
        res = _dtype._Default.dtype.np
        uniform = False
    if uniform:
        return [a._data if isinstance(a, Tensor) else a for a in args]
    arrays = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            arrays.append(d if d.dtype == res else d.astype(res))
        elif a is None or _weak_ok(a, res):
            arrays.append(a)
        elif a.__class__ is int and res.kind in "iu":
            arrays.append(np.asarray(a).astype(res))  # out-of-range ints wrap around, as in torch
        else:
            arrays.append(np.asarray(a, res))
    return arrays


_INT_RANGES = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def _int_fits(a, dt):
    lo, hi = _INT_RANGES[dt]
    return lo <= a <= hi


def _weak_ok(a, res):
    """Can the Python scalar `a` go to numpy as is (NEP 50 weak scalar) without changing the result dtype?"""
    if res is None:
        return False
    t = a.__class__
    if t is float:
        return res.kind in _FLOAT_KINDS
    if t is int:
        return res.kind in "fc" or (res.kind == "i" and _int_fits(a, res))
    if t is bool:
        return True
    return False
