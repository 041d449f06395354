"""Thread-local switches for gradient recording: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _State(threading.local):
    enabled = True
    inference = False
    anomaly = False  # the engine checks every backward result for NaN
    check_nan = True


_state = _State()


def is_grad_enabled():
    """True when operations are recorded for backward."""
    return _state.enabled


def is_inference_mode_enabled():
    """True inside ``inference_mode()``."""
    return _state.inference


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return _state.anomaly


def is_anomaly_check_nan_enabled():
    """True when anomaly detection also checks gradients for NaN."""
    return _state.check_nan


class _Mode:
    """Base of the grad-mode context managers; each also works as a function decorator (with or without
    parentheses, also on generator functions, where the mode holds whenever the generator runs)."""

    _args = ()

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses: the class is called with the function
        if cls is not set_grad_enabled and len(args) == 1 and not kwargs and callable(args[0]) \
                and not isinstance(args[0], bool):
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, fn):
        make = self.clone
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with make():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with make():
                                gen.close()
                            raise
                        except BaseException as exc:
                            with make():
                                response = gen.throw(exc)
                        else:
                            with make():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make():
                return fn(*args, **kwargs)
        return wrapper

    def __enter__(self):
        self._prev = (_state.enabled, _state.inference)
        self._set()
        return self

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
    """Turn recording on or off: takes effect at construction (so it also works as a plain call), and restores the
    previous mode when used as a context manager; as a decorator it applies only while the function runs."""

    def __init__(self, mode):
        self._args = (bool(mode),)
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = bool(mode)

    def __enter__(self):  # the mode was set at construction; keep the state from before it
        return self

    def __call__(self, fn):
        _state.enabled = self._prev[0]  # decorating must not change the mode of the caller
        return _Mode.__call__(self, fn)

    def clone(self):
        return _GradEnabled(self._args[0])

    def _set(self):
        _state.enabled = self._args[0]


class _GradEnabled(_Mode):
    """set_grad_enabled without the effect at construction (what a decorated function enters on each call)."""

    def __init__(self, mode):
        self._args = (mode,)

    def _set(self):
        _state.enabled = self._args[0]


class inference_mode(_Mode):
    """Like no_grad, and tensors created inside are marked as inference tensors; ``inference_mode(False)`` inside
    it turns normal recording back on."""

    def __init__(self, mode=True):
        self._args = (bool(mode),)

    def _set(self):
        if self._args[0]:
            _state.enabled = False
            _state.inference = True
        elif _state.inference:
            _state.enabled = True
            _state.inference = False


class _AnomalyMode:
    """Shared enter/exit of the anomaly switches (they keep their own state apart from the grad mode)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.anomaly, _state.check_nan = self._prev_anomaly
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper


class detect_anomaly(_AnomalyMode):
    """Context manager / decorator: backward raises as soon as a node's gradient holds a NaN, naming the node."""

    def __init__(self, check_nan=True):
        self._args = (check_nan,)

    def __enter__(self):
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)
        self._prev_anomaly = (_state.anomaly, _state.check_nan)
        _state.anomaly, _state.check_nan = True, bool(self._args[0])
        return self


class set_detect_anomaly(_AnomalyMode):
    """Turn anomaly detection on or off; takes effect at construction, and restores on exit when used with `with`."""

    def __init__(self, mode, check_nan=True):
        self._args = (mode, check_nan)
        self._prev_anomaly = (_state.anomaly, _state.check_nan)
        _state.anomaly, _state.check_nan = bool(mode), bool(check_nan)
