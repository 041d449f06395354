"""Custom differentiable functions: subclass Function with static forward(ctx, ...) and backward(ctx, ...)."""
import functools

import numpy as np

from .._tensor import Tensor, _make
from .._primitive import Node, next_seq, _Forward
from .grad_mode import _state, no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What forward leaves for backward: saved tensors, flags, and any attributes the user sets."""

    def __init__(self):
        self._saved = None
        self._saved_versions = ()
        self.needs_input_grad = ()
        self._non_diff = set()
        self._dirty = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument is of type "
                                f"{type(t).__name__}")
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._vc.value for t in tensors)

    def save_for_forward(self, *tensors):
        self._saved_fwd = tensors

    @property
    def saved_tensors(self):
        if self._saved is None:
            if getattr(self, "_freed", False):
                raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                                   "tensors after they have already been freed). Specify retain_graph=True if you "
                                   "need to backward through the graph a second time.")
            return ()
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._vc.value != v:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: [{t.dtype.name} {list(t.shape)}] is at version "
                                   f"{t._vc.value}; expected version {v} instead.")
        return tuple(self._saved)

    saved_variables = saved_tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _FunctionNode(Node):
    """Backward node of a custom Function."""

    def __init__(self, cls, ctx, edges, metas, out_data):
        self.prim = None
        self.seq = next_seq()
        self.saved = True
        self.params = None
        self.edges = edges
        self.metas = metas
        self.out_data = out_data
        self.versions = ()
        self.pre_hooks = None
        self.metadata = {}
        self._cls = cls
        self._ctx = ctx

    def name(self):
        return self._cls.__name__ + "Backward"

    @property
    def next_functions(self):  # one entry per tensor argument, as in torch
        return tuple(nf for nf, m in zip(Node.next_functions.fget(self), self.metas) if m is not None)

    def apply(self, grads):
        ctx = self._ctx
        if getattr(ctx, "_freed", False):
            ctx.saved_tensors  # raises
        if ctx.materialize_grads:
            grads = [g if g is not None else _make(np.zeros_like(d)) for g, d in zip(grads, self.out_data)]
        res = self._cls.backward(ctx, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n = len(self.edges)
        if len(res) < n or (len(res) > n and any(r is not None for r in res[n:])):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected {n}, "
                               f"got {len(res)})")
        res = list(res[:n])
        for i, (r, e) in enumerate(zip(res, self.edges)):
            if r is None or e is None:
                res[i] = None
                continue
            if not isinstance(r, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(r).__name__} at index {i}")
            shape, dt = self.metas[i]
            if r._data.shape != shape:
                try:
                    r = r.sum_to_size(shape) if np.broadcast_shapes(r._data.shape, shape) == r._data.shape else None
                except ValueError:
                    r = None
                if r is None:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                       f"{list(res[i].shape)} but expected shape compatible with {list(shape)}")
            if r._data.dtype != dt:
                from .. import _dtype
                if r._data.dtype.kind == "c" and dt.kind != "c":  # refused as in torch (no silent real part)
                    raise RuntimeError(f"Function {self.name()} returned a complex gradient at index {i} for an "
                                       f"input of real dtype {_dtype._FROM_NP[dt]}")
                r = r.to(_dtype._FROM_NP[dt])
            res[i] = r
        return res

    def release(self):
        self._ctx._saved = None
        self._ctx._freed = True


class _FunctionMeta(type):
    """Gives each Function subclass its own backward-node class, named like torch's (``<Name>Backward``)."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (_FunctionNode,), {"__module__": cls.__module__})


class Function(metaclass=_FunctionMeta):
    """Base of user-defined ops: ``y = MyFn.apply(x)`` runs forward without recording and backward on demand."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        separate = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if separate else cls.forward(ctx, *args, **kwargs)
        if separate:
            cls.setup_context(ctx, args, out)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        record = _state.enabled and any(ctx.needs_input_grad)
        dirty = {id(t) for t in ctx._dirty}
        res = []
        for o in outs:
            if isinstance(o, Tensor):
                if id(o) in dirty:
                    o._vc.value += 1
                    res.append(o)
                elif any(o is x for x in args):  # an input returned as is: a new tensor sharing its storage
                    a = _make(o._data)
                    a._vc = o._vc
                    res.append(a)
                else:
                    # the very object forward made: tensors saved from it see later in-place writes (version
                    # check) and, once it is put on the graph below, lead back to this node in double backward
                    res.append(o)
            else:
                res.append(o)
        if record:
            edges, metas = [], []
            for a in args:
                if isinstance(a, Tensor):
                    metas.append((a._data.shape, a._data.dtype))
                    edges.append(None if not a._rg else ((a, 0) if a.grad_fn is None else (a.grad_fn, a._output_nr)))
                else:
                    metas.append(None)
                    edges.append(None)
            tensor_outs = [r for r in res if isinstance(r, Tensor)]
            node = cls._backward_cls(cls, ctx, edges, metas, tuple(r._data for r in tensor_outs))
            for k, r in enumerate(tensor_outs):
                orig = outs[[i for i, x in enumerate(res) if x is r][0]]
                if r._data.dtype.kind in "fc" and id(orig) not in ctx._non_diff:
                    r._rg = True
                    r.grad_fn = node
                    r._output_nr = k
        if _Forward.active:
            from .forward_ad import _function_tangents
            _function_tangents(cls, ctx, args, tuple(res))
        return res[0] if single else tuple(res)


def once_differentiable(fn):
    """Mark a backward that cannot itself be differentiated: its outputs carry no graph."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            res = fn(ctx, *args)
        if _state.enabled and any(isinstance(a, Tensor) and a._rg for a in args):
            def _fail(*_):
                raise RuntimeError("trying to differentiate twice a function that was marked with "
                                   "@once_differentiable")
            res_t = res if isinstance(res, tuple) else (res,)
            wrapped = []
            for r in res_t:
                if isinstance(r, Tensor):
                    r = _OnceDiffError.apply(r, *[a for a in args if isinstance(a, Tensor)])
                wrapped.append(r)
            return tuple(wrapped) if isinstance(res, tuple) else wrapped[0]
        return res
    return wrapper


class _OnceDiffError(Function):
    @staticmethod
    def forward(ctx, r, *grads):
        return r.clone()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
