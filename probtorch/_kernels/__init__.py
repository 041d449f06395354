"""Compiled kernels (numba) behind a few primitives. Never imports probtorch; numba is imported on first use.

``_jit.kernel`` is the shared lazy decorator; each kernel has a numpy fallback in its caller and a slow numpy twin in
tests/_kernels. Shared-decorator kernels: index (scatter-add with repeated indices), scan (cummax / cummin
indices), triangular (many small triangular solves). gamma and von_mises hold the samplers' own kernels.
"""
from .index import index_add_at
from .scan import cum_extreme_index
from .triangular import solve_triangular_batched

__all__ = ["index_add_at", "cum_extreme_index", "solve_triangular_batched"]
