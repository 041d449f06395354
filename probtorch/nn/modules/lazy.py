"""Lazy modules: layers whose input size is read from the first batch they see.

A lazy layer starts with `UninitializedParameter` / `UninitializedBuffer` placeholders. A forward pre-hook calls
`initialize_parameters(input)` on the first call, which materializes the placeholders with the inferred shapes and
runs the usual initialization; the module then turns into its ordinary class (`cls_to_become`, e.g. LazyLinear ->
Linear). Loading a state_dict into a lazy module also materializes the placeholders (shapes from the checkpoint).
"""

from ..._dtype import int64, get_default_dtype
from ..._functions.creation import empty, tensor
from ..._grad_mode import no_grad
from ..._tensor import Tensor, _init
from ..parameter import Parameter
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d)

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]

_USE_MSG = ("Attempted to use an uninitialized parameter in {}. This error happens when you are using a `LazyModule` "
            "or explicitly manipulating `probtorch.nn.parameter.UninitializedParameter` objects. When using "
            "LazyModules call `forward` with a dummy batch to initialize the parameters before calling probtorch "
            "functions")


class _NoData:
    """Storage stand-in of an uninitialized tensor: knows its dtype, refuses every other use."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __getattr__(self, name):
        raise ValueError(_USE_MSG.format(f"'{name}'"))

    def __array__(self, *args, **kwargs):
        raise ValueError(_USE_MSG.format("a numpy conversion"))

    def __len__(self):
        raise ValueError(_USE_MSG.format("'len'"))


class _UninitializedMixin:
    """Shared behaviour: no shape until `materialize(shape)` turns the object into `cls_to_become`."""

    cls_to_become = None

    def _set_uninitialized(self, dtype):
        _init(self, _NoData((dtype if dtype is not None else get_default_dtype()).np))

    def materialize(self, shape, device=None, dtype=None):
        """Allocate storage of `shape` (uninitialized values) and become a regular `cls_to_become`."""
        if isinstance(shape, int):
            shape = (shape,)
        dtype = dtype if dtype is not None else self.dtype
        rg = self._rg
        _init(self, empty(*tuple(shape), dtype=dtype)._data)
        self.__class__ = self.cls_to_become
        self._rg = rg

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def size(self, dim=None):
        return self.shape

    def dim(self):
        return self.shape

    numel = dim

    @property
    def ndim(self):
        return self.shape

    def detach(self):
        return self

    def to(self, *args, **kwargs):
        """Only a dtype change applies before materialization: it sets the dtype the storage will have."""
        from ..._dtype import dtype as _dtype_cls
        dt = kwargs.get("dtype") or next((a for a in args if isinstance(a, _dtype_cls)), None)
        if dt is not None:
            self._data = _NoData(dt.np)
        return self

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, proto):
        return (type(self), (self._rg, None, self.dtype))


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A Parameter with no shape yet; `materialize(shape)` makes it an ordinary Parameter in place."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = object.__new__(cls)
        t._set_uninitialized(dtype)
        t._rg = bool(requires_grad)
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        res = type(self)(self._rg, None, self.dtype)
        memo[id(self)] = res
        return res


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer with no shape yet; `materialize(shape)` makes it an ordinary Tensor in place."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        t = object.__new__(cls)
        t._set_uninitialized(dtype)
        t._rg = bool(requires_grad)
        t.persistent = persistent
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass

    def __deepcopy__(self, memo):
        res = type(self)(self._rg, None, self.dtype)
        memo[id(self)] = res
        return res


def is_lazy(t):
    return isinstance(t, _UninitializedMixin)


def _infer_parameters(module, args):
    """Forward pre-hook: size the placeholders from the first input, then become the ordinary class."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module.__dict__["_initialize_hook"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Mix-in for modules whose parameter shapes come from the first input (see the module docstring)."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        """True while any own parameter or buffer is still a placeholder."""
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


class LazyLinear(LazyModuleMixin, Linear):
    """Linear layer whose `in_features` is `input.shape[-1]` of the first input; becomes `Linear`."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        elif self.in_features == 0:
            self.in_features = self.weight.shape[1]


class _LazyConvMixin(LazyModuleMixin):
    """Lazy convolutions: `in_channels` is the channel size of the first (batched or unbatched) input."""

    def _lazy_setup(self, out_channels, bias, dtype):
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.dim() == nd + 2 else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
            else:
                shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
            with no_grad():
                self.weight.materialize(shape)
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()
        elif self.in_channels == 0:
            self.in_channels = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups


class _LazyConv(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_setup(out_channels, bias, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """Conv1d whose `in_channels` comes from the first input; becomes `Conv1d`."""
    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """Conv2d whose `in_channels` comes from the first input; becomes `Conv2d`."""
    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """Conv3d whose `in_channels` comes from the first input; becomes `Conv3d`."""
    cls_to_become = Conv3d


class _LazyConvTranspose(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode,
                         device, dtype)
        self._lazy_setup(out_channels, bias, dtype)


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """ConvTranspose1d whose `in_channels` comes from the first input; becomes `ConvTranspose1d`."""
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """ConvTranspose2d whose `in_channels` comes from the first input; becomes `ConvTranspose2d`."""
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """ConvTranspose3d whose `in_channels` comes from the first input; becomes `ConvTranspose3d`."""
    cls_to_become = ConvTranspose3d


class _LazyNormBase(LazyModuleMixin):
    """Lazy batch/instance norm: `num_features` is `input.shape[1]` of the first input."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=int64)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """BatchNorm1d whose `num_features` comes from the first input; becomes `BatchNorm1d`."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """BatchNorm2d whose `num_features` comes from the first input; becomes `BatchNorm2d`."""
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """BatchNorm3d whose `num_features` comes from the first input; becomes `BatchNorm3d`."""
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """InstanceNorm1d whose `num_features` comes from the first input; becomes `InstanceNorm1d`."""
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """InstanceNorm2d whose `num_features` comes from the first input; becomes `InstanceNorm2d`."""
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """InstanceNorm3d whose `num_features` comes from the first input; becomes `InstanceNorm3d`."""
    cls_to_become = InstanceNorm3d
