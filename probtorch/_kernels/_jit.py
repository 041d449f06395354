"""The shared lazy `kernel` decorator: numba is imported, and the function compiled, on the first call only.

Compiled code is cached on disk (``cache=True``), never uses fastmath and divides as numpy does, so inf and NaN
behave as in numpy.
Set PROBTORCH_DISABLE_NUMBA=1 to make `available()` false; callers then take their numpy fallback.
"""
import functools
import os

__all__ = ["kernel", "available"]

_state = {"available": None}


def available():
    """True when numba can be imported and is not disabled by PROBTORCH_DISABLE_NUMBA."""
    if os.environ.get("PROBTORCH_DISABLE_NUMBA", "") not in ("", "0"):
        return False
    ok = _state["available"]
    if ok is None:
        try:
            import numba  # noqa: F401
            ok = True
        except ImportError:
            ok = False
        _state["available"] = ok
    return ok


class kernel:
    """Wrap a plain-Python numeric function; calling it runs the numba-compiled version.

    ``kernel.py`` is the undecorated function (the reference the compiled one must agree with).
    """

    def __init__(self, fn):
        self.py = fn
        self._compiled = None
        functools.update_wrapper(self, fn)

    def __call__(self, *args):
        f = self._compiled
        if f is None:
            import numba
            from . import _vmath
            _vmath.register()  # kernels may call the vectorizable scalar functions of _vmath
            # error_model="numpy": x / 0 gives inf or NaN instead of raising, as in numpy
            f = self._compiled = numba.njit(cache=True, nogil=True, error_model="numpy")(self.py)
        return f(*args)
