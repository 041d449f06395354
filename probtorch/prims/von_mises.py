"""Von Mises sampling primitive, implicitly reparameterized in the concentration."""
import numpy as np

from .._primitive import Primitive
from .elementwise import sc


def _sample_impl(concentration):
    from .._random import _rng
    from .._kernels.von_mises import von_mises_sample
    return von_mises_sample(concentration, _rng(None)).astype(concentration.dtype, copy=False)


von_mises_centered = Primitive("_von_mises_sample", _sample_impl, elementwise=True, dtype_rule="float",
                               saves=(0,), save_out=True)


def _grad_impl(z, concentration):
    from .._kernels.von_mises import von_mises_dz_dk
    k = np.asarray(concentration, np.float64)
    return von_mises_dz_dk(z, k, sc.i0e(k)).astype(np.result_type(z, concentration), copy=False)


von_mises_dz_dk = Primitive("_von_mises_grad", _grad_impl, elementwise=True, dtype_rule="float")


@von_mises_dz_dk.defvjp
def _grad_vjp(g, out, z, concentration):
    raise RuntimeError("the second derivative of a von Mises sample w.r.t. its concentration is not implemented")


@von_mises_centered.defvjp
def _sample_vjp(g, out, concentration):
    return (g * von_mises_dz_dk(out.detach(), concentration),)
