"""skip_init: build a module whose parameters and buffers are left uninitialized."""
import inspect

import numpy as np

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Construct ``module_cls(*args, **kwargs)`` with uninitialized parameters and buffers.

    torch builds the module on its "meta" device and then allocates empty storage. probtorch has no meta device, so
    the module is constructed normally and its tensors are then swapped for fresh uninitialized storage of the same
    shape and dtype; as in torch, their values are arbitrary and must be set before use. ``module_cls`` must accept
    a ``device`` keyword, as torch requires.
    """
    from ..modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.pop("device", None)
    module = module_cls(*args, **kwargs)
    for m in module.modules():
        for t in list(m._parameters.values()) + list(m._buffers.values()):
            if t is not None:
                t._data = np.empty_like(t._data)
    return module
