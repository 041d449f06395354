"""Compiled kernels (numba) behind a few primitives. Never imports probtorch; numba is imported on first use."""
from .index import index_add_at
from .scan import cum_extreme_index

__all__ = ["index_add_at", "cum_extreme_index"]
