"""Compiled kernels (numba) behind a few primitives. Never imports probtorch; numba is imported on first use."""
from .index import index_add_at

__all__ = ["index_add_at"]
