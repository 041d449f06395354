"""Linear-algebra primitives. Each rule is written in Tensor ops (and other linalg primitives), so it is
differentiable again."""
import numpy as np

from .._primitive import Primitive

matmul = Primitive("matmul", np.matmul)


@matmul.defvjp
def _matmul_vjp(g, out, a, b):
    ga = (g @ b.mT).sum_to_size(a.shape) if a.requires_grad else None
    gb = (a.mT @ g).sum_to_size(b.shape) if b.requires_grad else None
    return (ga, gb)


@matmul.defjvp
def _matmul_jvp(tangents, out, a, b):
    ta, tb = tangents  # bilinear: d(ab) = da b + a db
    if ta is None:
        return matmul(a, tb)
    return matmul(ta, b) if tb is None else matmul(ta, b) + matmul(a, tb)
