"""Compiled kernels (numba) behind a few primitives. Never imports probtorch at import time; numba is imported on
first use.

``_jit.kernel`` is the shared lazy decorator; ``_parallel.parallel_chunks`` splits a nogil kernel's rows across
threads; ``_vmath`` holds scalar log / lgamma / digamma that LLVM vectorizes inside kernels. Each kernel has a numpy
fallback in its caller and a slow twin in tests/_kernels. Kernels: index (scatter-add with repeated indices), scan
(cummax / cummin indices), triangular (many small triangular solves), special (lgamma / digamma of large arrays),
densities (fused Gamma / Beta / Dirichlet log-densities), normal (ziggurat standard normals), gamma and von_mises
(the samplers' derivatives), and for nn.functional: conv (im2col / col2im), pooling (window max / sum / spread, row
gather / scatter), vision (per-axis resampling, grid_sample taps) and ctc (CTC alpha-beta).
"""
from .index import index_add_at
from .scan import cum_extreme_index
from .triangular import solve_triangular_batched

__all__ = ["index_add_at", "cum_extreme_index", "solve_triangular_batched"]
