"""no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators, like torch."""
import threading

import numpy as np
import pytest

import probtorch

torch = pytest.importorskip("torch")


def T(L):
    return L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)


def s_no_grad_ctx(L):
    x = T(L)
    with L.no_grad():
        y = x * 2
        inside = L.is_grad_enabled()
    return [y.requires_grad, y.grad_fn is None, inside, L.is_grad_enabled()]


def s_enable_inside_no_grad(L):
    x = T(L)
    with L.no_grad():
        with L.enable_grad():
            y = x * 2
        z = x * 2
    return [y.requires_grad, z.requires_grad, L.is_grad_enabled()]


def s_set_grad_enabled_nested(L):
    x = T(L)
    with L.no_grad():
        with L.set_grad_enabled(True):
            y = x * 2
        z = x * 2
    return [y.requires_grad, z.requires_grad, L.is_grad_enabled()]


def s_set_grad_enabled_call(L):
    x = T(L)
    L.set_grad_enabled(False)
    a = (x * 2).requires_grad
    off = L.is_grad_enabled()
    L.set_grad_enabled(True)
    return [a, off, (x * 2).requires_grad]


def s_set_grad_enabled_decorator(L):
    x = T(L)

    @L.set_grad_enabled(False)
    def f(a):
        return a * 2
    after_decorating = L.is_grad_enabled()
    return [f(x).requires_grad, after_decorating, L.is_grad_enabled()]


def s_no_grad_decorator(L):
    x = T(L)

    @L.no_grad()
    def f(a):
        return a * 2

    @L.no_grad
    def g(a):
        return a * 2
    return [f(x).requires_grad, g(x).requires_grad, f.__name__, L.is_grad_enabled()]


def s_enable_grad_decorator(L):
    x = T(L)

    @L.enable_grad()
    def f(a):
        return a * 2
    with L.no_grad():
        r = f(x)
    return [r.requires_grad]


def s_generator_decorator(L):
    x = T(L)

    @L.no_grad()
    def gen():
        yield (x * 2).requires_grad
        yield L.is_grad_enabled()
    flags = list(gen())
    return flags + [L.is_grad_enabled()]


def s_restored_after_exception(L):
    x = T(L)
    try:
        with L.no_grad():
            raise ValueError("boom")
    except ValueError:
        pass
    return [L.is_grad_enabled(), (x * 2).requires_grad]


def s_leaf_created_in_no_grad(L):
    with L.no_grad():
        y = T(L)
        z = y * 2
    return [y.requires_grad, z.requires_grad]


def s_inference_mode(L):
    x = T(L)
    with L.inference_mode():
        y = x * 2
        made = L.ones(2)
        flag = L.is_inference_mode_enabled()
    return [y.requires_grad, y.is_inference(), made.is_inference(), flag, L.is_inference_mode_enabled(),
            x.is_inference()]


def s_inference_mode_false(L):
    x = T(L)
    with L.inference_mode(False):
        y = x * 2
    with L.inference_mode():
        with L.inference_mode(False):
            z = x * 2
        w = x * 2
    return [y.requires_grad, z.requires_grad, w.requires_grad, z.is_inference(), w.is_inference()]


def s_inference_mode_decorator(L):
    x = T(L)

    @L.inference_mode()
    def f(a):
        return a * 2
    return [f(x).requires_grad, f(x).is_inference()]


def s_thread_local(L):
    x = T(L)
    res = []
    with L.no_grad():
        t = threading.Thread(target=lambda: res.append((x * 2).requires_grad))
        t.start()
        t.join()
    return res


SCENARIOS = [v for k, v in sorted(globals().items()) if k.startswith("s_")]


@pytest.mark.parametrize("fn", SCENARIOS, ids=[f.__name__[2:] for f in SCENARIOS])
def test_matches_torch(fn):
    got, want = fn(probtorch), fn(torch)
    assert got == want
    assert probtorch.is_grad_enabled() and not probtorch.is_inference_mode_enabled()


def test_inference_tensor_inplace_outside_raises():
    for L in (torch, probtorch):
        with L.inference_mode():
            y = L.ones(2)
            y.add_(1)  # fine inside
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            y.add_(1)
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
            y[0] = 3.0


def test_autograd_namespace_reexports():
    from probtorch.autograd import grad_mode
    assert grad_mode.no_grad is probtorch.no_grad
    assert probtorch.autograd.no_grad is probtorch.no_grad
    assert probtorch.autograd.set_grad_enabled is probtorch.set_grad_enabled
    np.testing.assert_equal(probtorch.is_grad_enabled(), True)


def _nan_backward(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    (x / x).sum().backward()
    return x.grad


def test_detect_anomaly_names_the_node_like_torch():
    msgs = []
    for L in (torch, probtorch):
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with L.autograd.detect_anomaly():
                assert L.is_anomaly_enabled() and L.is_anomaly_check_nan_enabled()
                with pytest.raises(RuntimeError) as e:
                    _nan_backward(L)
                msgs.append(str(e.value).split("\n")[0])
        assert not L.is_anomaly_enabled()
        assert np.isnan(_nan_backward(L).numpy()).any()  # off again: NaN gradients pass through
    assert msgs[0] == msgs[1] == "Function 'DivBackward0' returned nan values in its 1th output."


def test_set_detect_anomaly_call_and_context():
    for L in (torch, probtorch):
        L.autograd.set_detect_anomaly(True)
        assert L.is_anomaly_enabled()
        L.autograd.set_detect_anomaly(False)
        assert not L.is_anomaly_enabled()
        with L.autograd.set_detect_anomaly(True):
            assert L.is_anomaly_enabled()
        assert not L.is_anomaly_enabled()


@pytest.mark.parametrize("op", ["mul", "add", "sin_of_sum"])
def test_inference_tensors_in_autograd_like_torch(op):
    outcomes = []
    for L in (torch, probtorch):
        with L.inference_mode():
            y = L.ones(2) * 3
        x = L.ones(2, requires_grad=True)
        try:
            z = {"mul": lambda: y * x, "add": lambda: y + x, "sin_of_sum": lambda: (y + x).sin()}[op]()
            z.sum().backward()
            outcomes.append(x.grad.tolist())
        except RuntimeError as e:
            assert "Inference tensors cannot be saved for backward" in str(e)
            outcomes.append("raised")
    if outcomes[0] == "raised":
        assert outcomes[1] == "raised"
    else:
        assert outcomes[1] == pytest.approx(outcomes[0])
