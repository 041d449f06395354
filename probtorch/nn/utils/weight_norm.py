"""Weight normalization, the hook-based (legacy) form: ``w = g * v / ||v||``.

Reference: Salimans & Kingma, "Weight Normalization: A Simple Reparameterization to Accelerate Training of Deep
Neural Networks" (2016). The parameter ``name`` is replaced by ``name + '_g'`` (magnitude) and ``name + '_v'``
(direction); a forward pre-hook recomputes ``name`` from them before every call.
"""
import warnings

from ..parameter import Parameter

__all__ = ["weight_norm", "remove_weight_norm", "WeightNorm"]


def _norm_except_dim(v, dim):
    """2-norm of ``v`` over every dim but ``dim``, kept as size-1 dims; ``dim == -1`` means the norm of all of ``v``."""
    from ...linalg import vector_norm
    if dim == -1:
        return vector_norm(v, 2)
    if dim < 0:
        dim += v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    return vector_norm(v, 2, dim=others, keepdim=True) if others else v.abs()


class WeightNorm:
    """The forward pre-hook that rebuilds ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name, dim):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if hasattr(weight, "materialize"):  # a lazy module's placeholder has no values yet
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying weight normalization")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparameterize ``module.<name>`` as ``g * v / ||v||`` with trainable ``<name>_g`` and ``<name>_v``.

    Args:
        module (Module): the module to change (in place; it is also returned).
        name (str): the parameter to normalize.
        dim (int or None): the dim that keeps its own magnitude (``g`` has that dim's size, ones elsewhere);
            ``None`` or ``-1`` gives one magnitude for the whole tensor.

    Deprecated in torch in favor of ``parametrizations.weight_norm``; this emits the same FutureWarning.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40), name="weight")
        >>> m.weight_g.shape, m.weight_v.shape
        (probtorch.Size([40, 1]), probtorch.Size([40, 20]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo `weight_norm`: ``<name>`` becomes a plain Parameter again, holding the current normalized value."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
