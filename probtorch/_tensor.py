"""Tensor: an ndarray with a dtype, autograd metadata and a version counter.

Operations live in `probtorch.prims` (derivative rules) and `probtorch._functions` (composed); they are attached as
methods in `probtorch._tensor_methods`. This module holds only storage, autograd bookkeeping and conversions.
"""
import weakref

import numpy as np

from . import _dtype
from ._grad_mode import _state

__all__ = ["Tensor"]


class _Version:
    """Version counter shared by a tensor and its views; bumped by every in-place write."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    __slots__ = ("_data", "_rg", "_grad", "grad_fn", "_output_nr", "_vc", "__weakref__", "__dict__")
    # Rarely set state lives in the instance __dict__ with these class-level defaults: creating a tensor (the
    # per-op hot path) then writes only the slots above.
    _base = None
    _view_chain = None
    _hooks = None
    _retains_grad = False
    _fw = None
    _is_inference = False

    # torch.Tensor's legacy constructor: ``Tensor(2, 3)`` / ``Tensor(Size)`` give a zero-filled tensor of that shape,
    # ``Tensor(data)`` a tensor of the default float dtype. Library code uses `_make`.
    def __init__(self, *args, dtype=None, requires_grad=False):
        from ._functions.creation import _to_array
        if len(args) == 1 and isinstance(args[0], Size) or args and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            shape = tuple(int(a) for a in (args[0] if isinstance(args[0], Size) else args))
            arr = np.zeros(shape, (dtype or _dtype._Default.dtype).np)
        elif len(args) > 1:
            raise TypeError(f"Tensor(): expected sizes (ints) or one data argument, got {len(args)} arguments")
        else:
            data = args[0] if args else []
            if dtype is None and not (isinstance(data, Tensor) and data._data.dtype.kind == "c"):
                dtype = _dtype._Default.dtype
            arr = _to_array(data, dtype)
        _init(self, arr)
        if requires_grad:
            self.requires_grad_(True)

    # ---------------------------------------------------------------- metadata
    @property
    def dtype(self):
        return _dtype._FROM_NP[self._data.dtype]

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def data_ptr(self):
        """Address of the first element (tensors sharing storage can be compared by it)."""
        return self._data.__array_interface__["data"][0]

    def storage_offset(self):
        """Offset, in elements, of the first element from the start of the underlying storage."""
        root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        return (self.data_ptr() - root.__array_interface__["data"][0]) // max(self._data.itemsize, 1)

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    @property
    def device(self):
        from ._device import cpu
        return cpu

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "strided"

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    @property
    def data(self):
        """A tensor sharing storage with this one, detached from the graph."""
        return _make(self._data)  # its own version counter: writes through .data are invisible to autograd

    @data.setter
    def data(self, value):
        self._data = value._data

    # ---------------------------------------------------------------- autograd metadata
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    def is_inference(self):
        """True for tensors made inside ``inference_mode``."""
        return self._is_inference

    @property
    def grad(self):
        """The accumulated gradient (None until a backward reaches this tensor)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor "
                                   f"of size '{list(self._data.shape)}'. Please ensure that the gradient and the "
                                   "tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{value.dtype.name}' to a tensor "
                                   f"with dtype '{self.dtype.name}'. The gradient must match the tensor's dtype.")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        return self._vc.value

    @property
    def _is_view(self):
        return self._base is not None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep .grad for a non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref
        ref = weakref.ref(self)

        def _store(grad):
            t = ref()
            if t is not None:
                if t.grad is None:
                    t.grad = grad.detach() if not _state.enabled else grad
                else:
                    t.grad = t.grad + grad
            return None
        _store._retain = True
        self.__dict__["_retain_hook"] = _store
        self.grad_fn._add_pre_hook(self._output_nr, _store)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when the gradient w.r.t. this tensor is computed; a non-None return replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = {}
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if "_post_acc" not in self.__dict__:
            self.__dict__["_post_acc"] = {}
        return _RemovableHandle(self.__dict__["_post_acc"], hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into each leaf's .grad (or only into `inputs`)."""
        from .autograd import engine
        engine.backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                        inputs=inputs)

    def detach(self):
        """A new tensor sharing storage, cut from the graph."""
        t = _make(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    # ---------------------------------------------------------------- conversions
    def numpy(self, *, force=False):
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self._data.astype(dtype, copy=False)
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __complex__(self):
        return complex(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._format import format_tensor
        return format_tensor(self)

    def __format__(self, format_spec):
        from ._format import format_with_spec
        return format_with_spec(self, format_spec)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        t = self.__class__.__new__(self.__class__)
        _init(t, self._data.copy())
        t._rg = self._rg
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        t.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith(("_post", "_views"))})
        memo[id(self)] = t
        return t

    def __getstate__(self):
        return {}

    def __dlpack__(self, stream=None):
        return self._data.__dlpack__()

    __array_priority__ = 1000


class Size(tuple):
    """torch.Size: a tuple of ints with numel()."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"probtorch.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


class _RemovableHandle:
    _next_id = 0

    def __init__(self, registry, hook):
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1
        self.registry = registry
        registry[self.id] = hook

    def remove(self):
        self.registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _init(t, data):
    t._data = data
    t._rg = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._vc = _Version()
    if _state.inference:
        t._is_inference = True


_new = object.__new__


def _make(data, requires_grad=False, grad_fn=None, output_nr=0):
    """Wrap an ndarray (never copied) in a new Tensor."""
    t = _new(Tensor)
    t._data = data
    t._rg = requires_grad
    t._grad = None
    t.grad_fn = grad_fn
    t._output_nr = output_nr
    t._vc = _Version()
    if _state.inference:
        t._is_inference = True
    return t


def _register_view(view):
    """Remember a recorded view of its base, so in-place writes to the base can refresh the view's grad_fn.
    Weak references in a list (cheaper than a WeakSet); dead ones are dropped when the list doubles."""
    d = view._base.__dict__
    refs = d.get("_views")
    if refs is None:
        d["_views"] = [weakref.ref(view)]
        return
    refs.append(weakref.ref(view))
    if len(refs) >= d.get("_views_cap", 32):
        refs[:] = [r for r in refs if r() is not None]
        d["_views_cap"] = max(32, 2 * len(refs))


def live_views(base):
    """The recorded views of `base` that are still alive."""
    refs = base.__dict__.get("_views")
    if not refs:
        return ()
    return [v for v in (r() for r in refs) if v is not None]


def _rebuild(data, requires_grad):
    t = _make(data)
    t._rg = requires_grad
    return t


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n
