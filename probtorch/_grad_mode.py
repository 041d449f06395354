"""Thread-local switches for gradient recording: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


class _State(threading.local):
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled():
    return _state.enabled


def is_inference_mode_enabled():
    return _state.inference


class _Mode:
    """Base of the grad-mode context managers; each also works as a function decorator."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper

    _args = ()

    def __enter__(self):
        self._prev = (_state.enabled, _state.inference)
        self._set()

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._prev
        return False

    def clone(self):
        return self.__class__(*self._args)


class no_grad(_Mode):
    """Context manager / decorator in which operations record no graph."""

    def _set(self):
        _state.enabled = False


class enable_grad(_Mode):
    """Context manager / decorator that turns recording back on (e.g. inside no_grad)."""

    def _set(self):
        _state.enabled = True


class set_grad_enabled(_Mode):
    """Turn recording on or off; takes effect at construction as in torch, and as a context manager."""

    def __init__(self, mode):
        self._args = (mode,)
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = bool(mode)

    def _set(self):
        _state.enabled = bool(self._args[0])


class inference_mode(_Mode):
    """Like no_grad; tensors created inside are marked as inference tensors."""

    def __init__(self, mode=True):
        self._args = (mode,)

    def _set(self):
        if self._args[0]:
            _state.enabled = False
            _state.inference = True
