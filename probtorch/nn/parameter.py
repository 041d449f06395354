"""Parameter: a leaf Tensor that a Module registers as trainable."""
from .._tensor import Tensor, _init

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and is collected by Module.parameters()."""

    def __new__(cls, data=None, requires_grad=True):
        from .._functions.creation import empty
        if data is None:
            data = empty(0)
        t = object.__new__(cls)
        _init(t, data._data)
        t._vc = data._vc
        t.requires_grad_(requires_grad)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor.detach(self), self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        res = Parameter(Tensor.detach(self).clone(), self._rg)
        memo[id(self)] = res
        return res


class Buffer:
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __init__(self, data, persistent=True):
        self.data = data
        self.persistent = persistent
