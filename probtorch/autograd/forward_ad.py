"""Forward-mode AD: dual tensors carry a tangent through every primitive (dual_level, make_dual, unpack_dual).

A tangent lives in the Tensor slot `_fw`. While a level is open, every primitive call goes through `_propagate`,
which picks the cheapest rule the primitive offers:

1. an explicit ``jvp(tangents, out, *inputs, **params)`` (``prim.defjvp``);
2. elementwise ``partials``: the output tangent is ``sum_i tangent_i * partial_i``;
3. ``linear=True``: the primitive itself applied to the tangents (zeros for inputs without one);
4. an elementwise primitive with a ``vjp`` (real dtypes): its Jacobian is diagonal, so the jvp of input ``i`` is the
   vjp evaluated at ``g = tangent_i``;
5. anything else: the double-vjp trick, local to this primitive. The vjp ``u(g) = J^T g`` is linear in ``g``, so
   ``d<u(g), t>/dg = J t``: one extra reverse pass through the rule's own (small) graph.

Rules are written in Tensor ops, so with recording on the tangents are themselves differentiable (a jvp with
create_graph). The reverse pass propagates tangents too (the rules see the saved inputs and outputs with their
tangents): forward-over-reverse hessian-vector products. In-place writes carry the tangent along (also through
views), and custom autograd.Functions use their ``jvp`` or, failing that, the double-vjp trick through their
``backward``. Like torch, a single level is supported.

Vectorized mode (`_vectorized`, used by the forward-mode jacobian) stacks B tangent vectors along a leading
dimension, so one pass computes B Jacobian-vector products; see the section at the end of this file.
"""
import weakref
from collections import namedtuple

import numpy as np

from .._tensor import Tensor, _make
from .._primitive import _Forward
from .._grad_mode import _state

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

_FLOAT_KINDS = "fc"


class UnpackedDualTensor(namedtuple("UnpackedDualTensor", ["primal", "tangent"])):
    """What `unpack_dual` returns: the primal (a view, without tangent) and the tangent (None if there is none)."""


class _Level:
    """State of the (single) forward level."""
    current = None       # 0 while a level is open
    registry = []        # weak references to every tensor given a tangent at this level (cleared on exit)
    saved = weakref.WeakKeyDictionary()   # Node -> tangents of its saved outputs (forward-over-reverse)
    record = True        # record tangent computations in the reverse graph (when grad mode is on)
    batch = None         # vectorized mode: every tangent has this many leading tangent vectors (else None)


def _register(t):
    reg = _Level.registry
    reg.append(weakref.ref(t))
    if len(reg) > 4096 and len(reg) & 4095 == 0:
        reg[:] = [r for r in reg if r() is not None]


def enter_dual_level():
    """Open the forward-AD level and return its index (always 0: nested levels are not supported)."""
    if _Level.current is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _Level.current = 0
    _Forward.active = 1
    return 0


def exit_dual_level(*, level=None):
    """Close the level: every tangent created in it is dropped."""
    if _Level.current is None:
        raise RuntimeError("Dual level must be a positive number.")
    if level is not None and level != _Level.current:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    for r in _Level.registry:
        t = r()
        if t is not None:
            t._fw = None
    _Level.registry = []
    _Level.saved = weakref.WeakKeyDictionary()
    _Level.current = None
    _Level.batch = None
    _Forward.active = 0


class dual_level:
    """Context manager for forward AD: dual tensors made inside carry tangents until the block ends.

    Example::

        >>> with dual_level():
        ...     y = make_dual(x, v).sin()
        ...     jvp = unpack_dual(y).tangent     # cos(x) * v
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with dual_level():
                return fn(*args, **kwargs)
        return wrapper


def _check_level(level):
    if _Level.current is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if level is not None and level != _Level.current:
        raise RuntimeError(f"Trying to use forward AD level {level} but the only existing level is "
                           f"{_Level.current}.")


def _alias(tensor):
    """A view of `tensor` (same storage and graph position through a reshape), without forward propagation."""
    from ..prims.shape import reshape
    prev = _Forward.active
    _Forward.active = 0
    try:
        return reshape(tensor, shape=tensor._data.shape)
    finally:
        _Forward.active = prev


def make_dual(tensor, tangent, *, level=None):
    """A view of `tensor` whose tangent is `tangent` (stored as is); differentiable w.r.t. `tensor`.

    Args:
        tensor: the primal, floating point or complex.
        tangent: a tensor of the same shape, floating point or complex.
        level: the forward level (only the open level, 0, exists).

    Returns:
        Tensor: the dual tensor.
    """
    _check_level(level)
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual(): expected Tensors for both the primal and the tangent, but got "
                        f"{type(tensor).__name__} and {type(tangent).__name__}")
    if tensor._data.dtype.kind not in _FLOAT_KINDS:
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if tangent._data.dtype.kind not in _FLOAT_KINDS:
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor._data.shape)} while the "
                           f"given forward gradient is of size {list(tangent._data.shape)}.")
    if tensor._fw is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           f"level {_Level.current} is not supported.")
    dual = _alias(tensor)
    dual._fw = tangent
    _register(dual)
    return dual


def unpack_dual(tensor, *, level=None):
    """Split a dual tensor into ``(primal, tangent)``; the primal is a view without tangent, the tangent the one
    forward AD computed (None for a tensor that carries none)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"unpack_dual(): expected a Tensor, but got {type(tensor).__name__}")
    if _Level.current is None or tensor._fw is None or (level is not None and level != _Level.current):
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(tensor), tensor._fw)


# ------------------------------------------------------------------------------------------------ propagation
def _propagate(prim, args, params, outs):
    """Set the tangents of `outs` from those of `args` (called by every primitive while a level is open)."""
    if not prim.differentiable:
        return
    tangents = None
    needs_graph = False  # does anything the tangent depends on require grad?
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._rg:
                needs_graph = True
            t = a._fw
            if t is not None:
                if tangents is None:
                    tangents = [None] * len(args)
                tangents[i] = t
                if t._rg:
                    needs_graph = True
    if tangents is None:
        return
    _Forward.active = 0
    prev = _state.enabled
    if prev and not (needs_graph and _Level.record):
        _state.enabled = False
    try:
        res = _output_tangents(prim, args, params, outs, tangents)
    finally:
        _state.enabled = prev
        _Forward.active = 1
    if prim.nout == 1:
        res = (res,)
    batch = _Level.batch
    for o, t in zip(outs, res):
        if t is not None and o._data.dtype.kind in _FLOAT_KINDS:
            shape = o._data.shape if batch is None else (batch,) + o._data.shape
            if t._data.shape != shape:
                t = (t if batch is None else _align(t, o._data.ndim)).expand(shape)
            o._fw = t
            _register(o)
    if prim.save_out:
        node = outs[0].grad_fn
        if node is not None:
            _Level.saved[node] = tuple(o._fw for o in outs)


_Forward.propagate = _propagate


def _restore_saved(node, outs):
    """Give the outputs a Node re-creates for its rule the tangents they had (forward-over-reverse)."""
    fw = _Level.saved.get(node)
    if fw is not None:
        for o, t in zip(outs, fw):
            if t is not None:
                o._fw = t
                _register(o)


def _inplace_tangent(t, new):
    """After an in-place write of `new` into `t`: `t` takes new's tangent; a view also writes it into its base's
    tangent (so the base and its other readers see it)."""
    if _Level.batch is not None:
        return _each_vector(lambda: _inplace_tangent(t, new), [new, t] + ([t._base] if t._base is not None else []))
    from .._functions.creation import zeros_like
    from .._tensor_methods import view_scatter, _apply_chain
    tn = new._fw
    if tn is not None and tn._data.shape != t._data.shape:
        tn = tn.expand(t._data.shape)
    base = t._base
    _Forward.active = 0
    try:
        if base is None or not t._view_chain:
            t._fw = tn if tn is not None or t._fw is None else zeros_like(t)
        elif tn is None and base._fw is None:
            t._fw = None
        else:
            bt = base._fw if base._fw is not None else zeros_like(base)
            base._fw = view_scatter(bt, tn if tn is not None else zeros_like(t), chain=t._view_chain)
            _register(base)
            t._fw = _apply_chain(base._fw, t._view_chain)
    finally:
        _Forward.active = 1
    if t._fw is not None:
        _register(t)


def _function_tangents(cls, ctx, args, res):
    """Tangents of a custom autograd.Function's outputs: its ``jvp(ctx, *tangents)`` when it defines one, else the
    double-vjp trick through its ``backward`` (which then has to be differentiable)."""
    from .._functions.creation import zeros_like
    from .engine import grad
    tangents = [a._fw if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    res = res if isinstance(res, tuple) else (res,)
    if _Level.batch is not None:
        return _each_vector(lambda: _function_tangents(cls, ctx, args, res),
                            [a for a in args if isinstance(a, Tensor)] + [r for r in res if isinstance(r, Tensor)])
    outs = [r for r in res if isinstance(r, Tensor)]
    _Forward.active = 0
    try:
        if getattr(cls, "jvp", None) is not None:
            full = [t if t is not None else (zeros_like(a) if isinstance(a, Tensor) and
                                             a._data.dtype.kind in _FLOAT_KINDS else None)
                    for a, t in zip(args, tangents)]
            saved = (ctx._saved, ctx._saved_versions)
            fwd = getattr(ctx, "_saved_fwd", None)
            if fwd is not None:  # as in torch, jvp reads what forward kept with save_for_forward
                ctx._saved = tuple(fwd)
                ctx._saved_versions = tuple(None if t is None else t._vc.value for t in fwd)
            try:
                out_t = cls.jvp(ctx, *full)
            finally:
                ctx._saved, ctx._saved_versions = saved
            out_t = out_t if isinstance(out_t, tuple) else (out_t,)
        else:
            prev = _state.enabled
            _state.enabled = True
            try:
                gs = [_make(np.zeros_like(o._data), True) if o._data.dtype.kind in _FLOAT_KINDS else None
                      for o in outs]
                needs = ctx.needs_input_grad
                # a backward may skip inputs that do not require grad: ask for every input carrying a tangent
                ctx.needs_input_grad = tuple(bool(n) or t is not None for n, t in zip(needs, tangents))
                try:
                    us = cls.backward(ctx, *gs)
                    us = us if isinstance(us, tuple) else (us,)
                    pairs = [(u, t) for u, t in zip(us, tangents) if u is not None and t is not None]
                    if any(not u._rg for u, _ in pairs):
                        raise RuntimeError("its backward is not differentiable")
                    targets = [g for g in gs if g is not None]
                    found = grad([u for u, _ in pairs], targets, [t for _, t in pairs], allow_unused=True,
                                 create_graph=prev and _Level.record) if pairs else [None] * len(targets)
                except Exception as e:  # noqa: BLE001 - the backward cannot stand in for a jvp
                    raise NotImplementedError("You must implement the jvp function for custom autograd.Function to "
                                              "use it with forward mode AD (its backward could not be used instead: "
                                              f"{e}).") from e
                finally:
                    ctx.needs_input_grad = needs
            finally:
                _state.enabled = prev
            found = iter(found)
            out_t = [next(found) if g is not None else None for g in gs]
    finally:
        _Forward.active = 1
    for o, t in zip(outs, out_t):
        if t is not None and o._data.dtype.kind in _FLOAT_KINDS:
            o._fw = t
            _register(o)


def _output_tangents(prim, args, params, outs, tangents):
    if _Level.batch is not None:
        return _batched_tangents(prim, args, params, outs, tangents)
    if prim.jvp is not None:
        out = outs[0] if prim.nout == 1 else outs
        return prim.jvp(tangents, out, *args, **params)
    complex_ = _any_complex(args, outs)
    if prim.partials is not None and not complex_:
        parts = prim.partials(outs[0], *args, **params)
        total = None
        for t, p in zip(tangents, parts):
            if t is None or p is None:
                continue
            term = t * p
            total = term if total is None else total + term
        return total
    if prim.linear:
        return _apply_linear(prim, args, params, tangents)
    if prim.elementwise and prim.nout == 1 and prim.vjp is not None and not complex_:
        return _diagonal_jvp(prim, args, params, outs[0], tangents)
    return _double_vjp(prim, args, params, outs, tangents)


def _any_complex(args, outs):
    # complex maps need not be holomorphic: their jvp is not `tangent * partial`, so they take the generic path
    for o in outs:
        if o._data.dtype.kind == "c":
            return True
    for a in args:
        if isinstance(a, Tensor) and a._data.dtype.kind == "c":
            return True
    return False


def _apply_linear(prim, args, params, tangents):
    from .._functions.creation import zeros_like
    targs = []
    for a, t in zip(args, tangents):
        if t is not None:
            targs.append(t)
        elif isinstance(a, Tensor):
            targs.append(zeros_like(a) if a._data.dtype.kind in _FLOAT_KINDS else a)
        elif isinstance(a, (float, complex)):
            targs.append(0.0)  # a constant operand of a linear map contributes nothing to the tangent
        else:
            targs.append(a)
    return prim(*targs, **params)


def _grad_aliases(args, tangents):
    """`args`, with a grad-requiring alias for each input that has a tangent but does not require grad: rules may
    skip the gradient of inputs that do not require it."""
    res = list(args)
    for i, (a, t) in enumerate(zip(args, tangents)):
        if t is not None and not a._rg:
            res[i] = _make(a._data, True)
    return res


def _diagonal_jvp(prim, args, params, out, tangents):
    args = _grad_aliases(args, tangents)
    shape = out._data.shape
    total = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        g = t if t._data.shape == shape else t.expand(shape)
        r = prim.vjp(g, out, *args, **params)
        r = r[i] if isinstance(r, (tuple, list)) else r
        if r is None:
            continue
        total = r if total is None else total + r
    return total


def _double_vjp(prim, args, params, outs, tangents):
    """The jvp of one primitive from its vjp: J t = d<J^T g, t>/dg, by one reverse pass through the rule's graph."""
    from .._functions.creation import zeros_like
    from .engine import grad
    if prim.vjp is None and prim.partials is None:
        raise NotImplementedError(f"the derivative of {prim.name} is not implemented")
    create = _state.enabled
    prev = _state.enabled
    _state.enabled = True
    try:
        gs = [_make(zeros_like(o)._data, True) if o._data.dtype.kind in _FLOAT_KINDS else None for o in outs]
        dargs = _grad_aliases(args, tangents)
        # u must be the vjp the engine uses (for complex operands torch's, the adjoint of the jacobian over the
        # reals), so that the engine's reverse pass through it, itself an adjoint, gives J t
        from .._primitive import _conj, _times_conj
        cplx = not prim.adjoint and _any_complex(args, outs)
        if prim.partials is not None:
            parts = prim.partials(outs[0], *dargs, **params)
            us = [None if p is None else _times_conj(gs[0], p) if cplx else gs[0] * p for p in parts]
        else:
            g = gs[0] if prim.nout == 1 else tuple(gs)
            if cplx:
                g = _conj(g) if prim.nout == 1 else tuple(None if gk is None else _conj(gk) for gk in g)
            out = outs[0] if prim.nout == 1 else tuple(outs)
            us = prim.vjp(g, out, *dargs, **params)
            if not isinstance(us, (tuple, list)):
                us = (us,)
            if cplx:
                us = [None if u is None else _conj(u) for u in us]
        pairs = []
        for a, u, t in zip(args, us, tangents):
            if u is None or t is None or not u._rg:
                continue
            if u._data.shape != a._data.shape:
                u = u.sum_to_size(a._data.shape)
            if u._data.dtype != t._data.dtype:
                if u._data.dtype.kind == "c" and t._data.dtype.kind != "c":
                    u = u.real  # a real input's share of a complex gradient (as the engine's)
                if u._data.dtype != t._data.dtype:
                    u = u.to(t.dtype)
            pairs.append((u, t))
        targets = [g for g in gs if g is not None]
        batch = _Level.batch
        if not pairs:
            res = [None] * len(targets)
        elif batch is None:
            res = list(grad([u for u, _ in pairs], targets, [t for _, t in pairs], create_graph=create,
                            allow_unused=True))
        else:  # vectorized: the rule's graph is built once and swept once per tangent vector
            from ..prims.shape import index
            from .._functions.shape import stack
            per = [grad([u for u, _ in pairs], targets, [index(t, idx=(b,)) for _, t in pairs], create_graph=create,
                        retain_graph=True, allow_unused=True) for b in range(batch)]
            res = [None if any(p[k] is None for p in per) else stack([p[k] for p in per]) for k in range(len(targets))]
    finally:
        _state.enabled = prev
    out_t = []
    k = 0
    for o, g in zip(outs, gs):
        if g is None:
            out_t.append(None)
            continue
        r = res[k]
        k += 1
        out_t.append(r if r is not None else zeros_like(o) if batch is None else _zero_tangent(o))
    return out_t[0] if prim.nout == 1 else tuple(out_t)


# ------------------------------------------------------------------------------------------------ vectorized mode
# With `_Level.batch = B`, every tangent is a stack of B tangent vectors (shape (B, *primal.shape)), so a single
# forward pass computes B Jacobian-vector products (forward-mode jacobian). Elementwise rules broadcast over the
# leading dimension once the tangent is aligned; matmul and the common movement primitives have batched forms;
# everything else runs once per tangent vector.

class _vectorized:
    """Open the forward level in vectorized mode with `batch` tangent vectors per tensor."""

    def __init__(self, batch):
        self.batch = batch

    def __enter__(self):
        enter_dual_level()
        _Level.batch = self.batch

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _make_batched_dual(tensor, tangents):
    """A dual tensor carrying `tangents` (shape (B, *tensor.shape)) in vectorized mode."""
    dual = _alias(tensor)
    dual._fw = tangents
    _register(dual)
    return dual


def _align(t, ndim):
    """A batched tangent (B, *s) reshaped to (B, 1, ..., 1, *s) with `ndim` dims after the batch dim."""
    s = t._data.shape[1:]
    if len(s) >= ndim:
        return t
    from ..prims.shape import reshape
    return reshape(t, shape=(t._data.shape[0],) + (1,) * (ndim - len(s)) + s)


def _zero_tangent(x):
    from .._functions.creation import zeros
    return zeros((_Level.batch,) + tuple(x._data.shape), dtype=x.dtype)


def _batch_safe_jvps():
    from ..prims import linalg as L, elementwise as E
    return {L.matmul, E.to_dtype, E.clone, E.real}


_SAFE = []


def _batched_tangents(prim, args, params, outs, tangents):
    if prim.nout == 1 and not _any_complex(args, outs):
        out = outs[0]
        nd = out._data.ndim
        if prim.jvp is not None:
            if not _SAFE:
                _SAFE.append(_batch_safe_jvps())
            if prim in _SAFE[0]:
                return prim.jvp([None if t is None else _align(t, nd) for t in tangents], out, *args, **params)
        elif prim.partials is not None:
            parts = prim.partials(out, *args, **params)
            total = None
            for t, p in zip(tangents, parts):
                if t is None or p is None:
                    continue
                term = _align(t, nd) * p
                total = term if total is None else total + term
            return total
        elif prim.linear:
            rule = _BATCHED_LINEAR.get(prim.name)
            if rule is not None:
                res = rule(prim, args, params, out, tangents)
                if res is not None:
                    return res
        elif prim.elementwise and prim.vjp is not None:
            args2 = _grad_aliases(args, tangents)
            shape = (_Level.batch,) + out._data.shape
            total = None
            for i, t in enumerate(tangents):
                if t is None:
                    continue
                g = _align(t, nd)
                g = g if g._data.shape == shape else g.expand(shape)
                r = prim.vjp(g, out, *args2, **params)
                r = r[i] if isinstance(r, (tuple, list)) else r
                if r is not None:
                    total = r if total is None else total + r
            return total
    if prim.jvp is None and not prim.linear:
        return _double_vjp(prim, args, params, outs, tangents)
    return _per_vector(prim, args, params, outs, tangents)


def _per_vector(prim, args, params, outs, tangents):
    """Vectorized mode without a batched rule: one unbatched tangent computation per tangent vector, stacked."""
    from ..prims.shape import index, expand
    from .._functions.shape import stack
    batch = _Level.batch
    _Level.batch = None
    try:
        per = []
        for b in range(batch):
            tb = [None if t is None else index(t, idx=(b,)) for t in tangents]
            r = _output_tangents(prim, args, params, outs, tb)
            per.append(r if prim.nout != 1 else (r,))
    finally:
        _Level.batch = batch
    res = []
    for k, o in enumerate(outs):
        col = [p[k] for p in per]
        if any(c is None for c in col):
            res.append(None)
            continue
        shape = o._data.shape
        res.append(stack([c if c._data.shape == shape else expand(c, shape=shape) for c in col]))
    return res[0] if prim.nout == 1 else tuple(res)


def _single(tangents, args):
    """The tangent of the only tensor input of a unary linear primitive (None when others carry tangents)."""
    found = None
    for i, t in enumerate(tangents):
        if t is not None:
            if found is not None:
                return None
            found = i
    if found != 0:
        return None
    return tangents[0]


def _bdim(d, nd):
    return d % max(nd, 1) + 1


def _b_reshape(prim, args, params, out, tangents):
    t = _single(tangents, args)
    return None if t is None else prim(t, shape=(_Level.batch,) + out._data.shape)


def _b_expand(prim, args, params, out, tangents):
    t = _single(tangents, args)
    return None if t is None else prim(_align(t, out._data.ndim), shape=(_Level.batch,) + out._data.shape)


def _b_permute(prim, args, params, out, tangents):
    t = _single(tangents, args)
    nd = args[0]._data.ndim
    return None if t is None else prim(t, dims=(0,) + tuple(_bdim(d, nd) for d in params["dims"]))


def _b_flip(prim, args, params, out, tangents):
    t = _single(tangents, args)
    nd = args[0]._data.ndim
    return None if t is None else prim(t, dims=tuple(_bdim(d, nd) for d in params["dims"]))


def _b_roll(prim, args, params, out, tangents):
    t = _single(tangents, args)
    dims = params.get("dims")
    if t is None or not dims:
        return None
    nd = args[0]._data.ndim
    return prim(t, shifts=params["shifts"], dims=tuple(_bdim(d, nd) for d in dims))


def _b_sum_to_size(prim, args, params, out, tangents):
    from ..prims.reduce import sum as psum
    from ..prims.shape import reshape
    t = _single(tangents, args)
    if t is None:
        return None
    xs, shape = args[0]._data.shape, tuple(params["shape"])
    lead = len(xs) - len(shape)
    axes = tuple(1 + i for i in range(lead)) + tuple(1 + lead + i for i, n in enumerate(shape)
                                                    if n == 1 and xs[lead + i] != 1)
    r = psum(t, dims=axes, keepdim=True) if axes else t
    return reshape(r, shape=(_Level.batch,) + shape)


def _b_sum(prim, args, params, out, tangents):
    t = _single(tangents, args)
    if t is None or len(args) != 1 or "dims" not in params:
        return None
    dims = params["dims"]
    nd = args[0]._data.ndim
    dims = tuple(range(nd)) if dims is None else ((dims,) if isinstance(dims, int) else tuple(dims))
    kw = dict(params)
    kw["dims"] = tuple(_bdim(d, nd) for d in dims)
    return prim(t, **kw)


def _b_dim_param(name):
    def rule(prim, args, params, out, tangents):
        t = _single(tangents, args)
        if t is None or not isinstance(params.get(name), int):
            return None
        kw = dict(params)
        kw[name] = _bdim(params[name], args[0]._data.ndim)
        return prim(t, *args[1:], **kw)
    return rule


def _b_same(prim, args, params, out, tangents):
    # tril/triu act on the last two dimensions, which the batch dimension leaves in place
    t = _single(tangents, args)
    return None if t is None else prim(t, *args[1:], **params)


def _b_diagonal(prim, args, params, out, tangents):
    t = _single(tangents, args)
    if t is None:
        return None
    nd = args[0]._data.ndim
    return prim(t, offset=params.get("offset", 0), dim1=_bdim(params.get("dim1", 0), nd),
                dim2=_bdim(params.get("dim2", 1), nd))


def _b_constant_pad(prim, args, params, out, tangents):
    t = _single(tangents, args)
    return None if t is None else prim(t, pad=((0, 0),) + tuple(params["pad"]))


def _b_index(prim, args, params, out, tangents):
    t = _single(tangents, args)
    idx = params["idx"]
    if t is None:
        return None
    idx = idx if isinstance(idx, tuple) else (idx,)
    advanced = [k for k, i in enumerate(idx) if not (i is None or i is Ellipsis or isinstance(i, (int, slice)))]
    if advanced and advanced[-1] - advanced[0] + 1 != len(advanced):
        return None  # separated advanced indices move their dimension first: the batch dimension would not lead
    return prim(t, idx=(slice(None),) + idx)


def _b_cat(prim, args, params, out, tangents):
    dim = params.get("dim")
    if not isinstance(dim, int) or any(a._data.ndim != out._data.ndim for a in args):
        return None
    ts = [t if t is not None else _zero_tangent(a) for a, t in zip(args, tangents)]
    return prim(*ts, dim=_bdim(dim, out._data.ndim))


_BATCHED_LINEAR = {
    "reshape": _b_reshape, "expand": _b_expand, "permute": _b_permute, "flip": _b_flip, "roll": _b_roll,
    "sum_to_size": _b_sum_to_size, "sum": _b_sum, "cumsum": _b_dim_param("dim"),
    "index_select": _b_dim_param("dim"), "tril": _b_same, "triu": _b_same, "diagonal": _b_diagonal,
    "constant_pad": _b_constant_pad, "index": _b_index, "cat": _b_cat,
}


def _each_vector(fn, tensors):
    """Vectorized mode for code that updates tangents in place of returning them: run `fn` once per tangent vector
    with every tensor in `tensors` holding that vector's slice, then stack what each one ends up holding."""
    from ..prims.shape import index
    from .._functions.shape import stack
    batch = _Level.batch
    uniq = list({id(x): x for x in tensors}.values())
    before = [x._fw for x in uniq]
    after = [[] for _ in uniq]
    _Level.batch = None
    try:
        for b in range(batch):
            _Forward.active = 0
            for x, t in zip(uniq, before):
                x._fw = None if t is None else index(t, idx=(b,))
            _Forward.active = 1
            fn()
            for k, x in enumerate(uniq):
                after[k].append(x._fw)
    finally:
        _Level.batch = batch
        _Forward.active = 1
        for x, t in zip(uniq, before):
            x._fw = t
    _Forward.active = 0
    try:
        for x, col in zip(uniq, after):
            if all(c is None for c in col):
                x._fw = None
                continue
            col = [c if c is not None else x.new_zeros(x.shape) for c in col]
            x._fw = stack([c if c._data.shape == x._data.shape else c.expand(x._data.shape) for c in col])
            _register(x)
    finally:
        _Forward.active = 1
