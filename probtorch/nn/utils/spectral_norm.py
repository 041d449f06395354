"""Spectral normalization, the hook-based (legacy) form: ``w = w_orig / sigma(w_orig)``.

Reference: Miyato et al., "Spectral Normalization for Generative Adversarial Networks" (ICLR 2018). ``sigma`` is
the largest singular value of the weight seen as a matrix (``dim`` first, the rest flattened), estimated by power
iteration. The singular-vector estimates live in the buffers ``<name>_u`` and ``<name>_v``; each forward call in
training mode refines them by ``n_power_iterations`` steps, in eval mode they are used as they are.
"""
from ..._grad_mode import no_grad
from ..parameter import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm", "SpectralNorm"]


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma`` before every call."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        mat = weight
        if self.dim != 0:
            mat = mat.permute(self.dim, *[d for d in range(mat.ndim) if d != self.dim])
        return mat.reshape(mat.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        from ...nn.functional import normalize
        from ... import dot, mv
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                wd = mat.detach()
                for _ in range(self.n_power_iterations):
                    # the buffers are updated in place, so the estimates carry over between calls
                    v.copy_(normalize(mv(wd.t(), u), dim=0, eps=self.eps))
                    u.copy_(normalize(mv(wd, v), dim=0, eps=self.eps))
                # sigma below must not see later in-place updates of the buffers through autograd
                u = u.clone()
                v = v.clone()
        sigma = dot(u, mv(mat, v))
        return weight / sigma

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        from ...nn.functional import normalize
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if hasattr(weight, "materialize"):  # a lazy module's placeholder has no values yet
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying spectral normalization")
        with no_grad():
            mat = fn.reshape_weight_to_matrix(weight)
            h, w = mat.shape
            # random unit starting vectors from probtorch's default generator (u drawn first, then v)
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.data)
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration, before every forward call.

    Args:
        module (Module): changed in place and returned.
        name (str): the weight parameter; it is kept as ``<name>_orig``.
        n_power_iterations (int): power-iteration steps per training-mode call (positive).
        eps (float): floor of the norms in the vector normalizations.
        dim (int, optional): the output-channel dim; default 1 for ConvTranspose1d/2d/3d, 0 otherwise.

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> m.weight_u.shape
        probtorch.Size([40])
    """
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo `spectral_norm`: ``<name>`` becomes a Parameter holding the normalized weight (no further iterations)."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
