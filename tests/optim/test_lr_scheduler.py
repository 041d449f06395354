"""probtorch.optim.lr_scheduler against torch.optim.lr_scheduler: rate (and momentum) sequences, state dicts,
resumption, closed forms, warnings and errors."""
import math
import pickle
import warnings

import numpy as np
import pytest

import probtorch as pt
from probtorch.optim import lr_scheduler as L

torch = pytest.importorskip("torch")

STEPS = 60


def _optimizer(lib, kind="SGD", lrs=(0.1, 0.03)):
    """Two parameter groups with different rates (and a small gradient so optimizer.step does real work)."""
    groups = []
    for lr in lrs:
        p = lib.ones(3, dtype=lib.float64, requires_grad=True)
        p.grad = lib.full((3,), 0.5, dtype=lib.float64)
        groups.append({"params": [p], "lr": lr})
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "SGD0":
        return lib.optim.SGD(groups, lr=0.1)
    return getattr(lib.optim, kind)(groups, lr=0.1)


def _snapshot(opt):
    out = []
    for g in opt.param_groups:
        out.append(float(g["lr"]))
        if "momentum" in g:
            out.append(float(g["momentum"]))
        if "betas" in g:
            out.extend(float(b) for b in g["betas"])
    return out


def _trace(lib, make, kind="SGD", steps=STEPS, lrs=(0.1, 0.03), metrics=None, epochs=None):
    """Rates/momenta after construction and after each of `steps` (optimizer.step; scheduler.step) rounds."""
    opt = _optimizer(lib, kind, lrs)
    sched = make(lib.optim.lr_scheduler, opt)
    rows = [_snapshot(opt) + [float(v) for v in sched.get_last_lr()]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(steps):
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            elif epochs is not None:
                sched.step(epochs[i])
            else:
                sched.step()
            rows.append(_snapshot(opt) + [float(v) for v in sched.get_last_lr()])
    return np.array(rows), sched


def _assert_same(make, kind="SGD", **kw):
    ours, s_pt = _trace(pt, make, kind, **kw)
    ref, s_t = _trace(torch, make, kind, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-14, atol=1e-300)
    return s_pt, s_t


class _Decay:
    """A callable object (its __dict__ is saved in state dicts, unlike a plain function)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


CHAINABLE = {
    "lambda": lambda M, o: M.LambdaLR(o, lambda e: 0.97 ** e + 0.01 * (e % 3)),
    "lambda_list": lambda M, o: M.LambdaLR(o, [lambda e: 1 / (1 + e), _Decay(0.95)]),
    "multiplicative": lambda M, o: M.MultiplicativeLR(o, lambda e: 0.95 if e % 2 else 1.02),
    "step": lambda M, o: M.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda M, o: M.MultiStepLR(o, milestones=[30, 5, 12, 12], gamma=0.3),
    "constant": lambda M, o: M.ConstantLR(o, factor=0.25, total_iters=8),
    "linear_up": lambda M, o: M.LinearLR(o, start_factor=0.1, total_iters=10),
    "linear_down": lambda M, o: M.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=25),
    "exponential": lambda M, o: M.ExponentialLR(o, gamma=0.93),
    "polynomial": lambda M, o: M.PolynomialLR(o, total_iters=40, power=2.5),
    "polynomial_default": lambda M, o: M.PolynomialLR(o),
    "cosine": lambda M, o: M.CosineAnnealingLR(o, T_max=10, eta_min=0.002),
    "cosine_odd": lambda M, o: M.CosineAnnealingLR(o, T_max=7),
    "warm_restarts": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=5),
    "warm_restarts_mult": lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-3),
    "sequential": lambda M, o: M.SequentialLR(
        o, [M.LinearLR(o, start_factor=0.2, total_iters=5), M.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "sequential3": lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o, factor=0.5, total_iters=4), M.CosineAnnealingLR(o, T_max=12),
            M.StepLR(o, step_size=4, gamma=0.7)], milestones=[6, 20]),
    "chained": lambda M, o: M.ChainedScheduler([M.ConstantLR(o, factor=0.1, total_iters=3),
                                                M.ExponentialLR(o, gamma=0.9)]),
    "chained_cosine": lambda M, o: M.ChainedScheduler(
        [M.LinearLR(o, start_factor=0.5, total_iters=6), M.CosineAnnealingLR(o, T_max=15, eta_min=0.001)], o),
    "sequential_restarts": lambda M, o: M.SequentialLR(
        o, [M.LinearLR(o, start_factor=0.25, total_iters=5), M.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)],
        milestones=[5]),
    "sequential_in_chained": lambda M, o: M.ChainedScheduler(
        [M.SequentialLR(o, [M.LinearLR(o, start_factor=0.3, total_iters=4), M.ExponentialLR(o, 0.98)],
                        milestones=[4]), M.StepLR(o, 5, 0.5)]),
}

CYCLIC = {
    "triangular": lambda M, o: M.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "triangular_asym": lambda M, o: M.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=4,
                                               step_size_down=9, base_momentum=[0.8, 0.7], max_momentum=0.95),
    "triangular2": lambda M, o: M.CyclicLR(o, 0.001, 0.1, step_size_up=5, mode="triangular2"),
    "exp_range": lambda M, o: M.CyclicLR(o, 0.001, 0.1, step_size_up=6, mode="exp_range", gamma=0.97),
    "custom_cycle": lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=5, scale_fn=lambda x: 1 / x),
    "custom_iter": lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=5, scale_fn=lambda x: 0.99 ** x,
                                           scale_mode="iterations"),
    "no_momentum": lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=8, cycle_momentum=False),
    "cyclic_chained": lambda M, o: M.ChainedScheduler(
        [M.CyclicLR(o, 0.01, 0.1, step_size_up=4), M.ExponentialLR(o, gamma=0.99)]),
    "onecycle": lambda M, o: M.OneCycleLR(o, max_lr=0.2, total_steps=STEPS),
    "onecycle_linear": lambda M, o: M.OneCycleLR(o, max_lr=[0.2, 0.05], epochs=6, steps_per_epoch=10,
                                                 anneal_strategy="linear", pct_start=0.25),
    "onecycle_three": lambda M, o: M.OneCycleLR(o, max_lr=0.3, total_steps=STEPS, three_phase=True,
                                                base_momentum=[0.8, 0.85], max_momentum=0.9, div_factor=10.0,
                                                final_div_factor=100.0),
    "onecycle_no_momentum": lambda M, o: M.OneCycleLR(o, max_lr=0.2, total_steps=STEPS + 5, cycle_momentum=False,
                                                      pct_start=0.5),
}


@pytest.mark.parametrize("name", sorted(CHAINABLE))
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_chainable_sequences_match_torch(name, kind):
    _assert_same(CHAINABLE[name], kind)


@pytest.mark.parametrize("name", sorted(CYCLIC))
@pytest.mark.parametrize("kind", ["SGD", "SGD0", "Adam", "AdamW"])
def test_cyclic_sequences_match_torch(name, kind):
    _assert_same(CYCLIC[name], kind)


def test_onecycle_raises_past_total_steps():
    for lib in (pt, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=4)
        for _ in range(4):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 5 times. The specified number of total steps is 4"):
            sched.step()


PLATEAU = {
    "min_rel": dict(),
    "min_abs_cooldown": dict(threshold_mode="abs", threshold=0.05, patience=2, cooldown=3, factor=0.5),
    "max_rel": dict(mode="max", patience=1, factor=0.3, min_lr=[0.004, 0.0]),
    "max_abs_eps": dict(mode="max", threshold_mode="abs", patience=0, factor=0.9, eps=1e-3, min_lr=0.01),
}


@pytest.mark.parametrize("name", sorted(PLATEAU))
def test_reduce_on_plateau_matches_torch(name):
    rng = np.random.default_rng(3)
    metrics = list(np.cumsum(rng.standard_normal(STEPS)) * 0.1 + np.linspace(1, 0.2, STEPS))
    metrics[10:25] = [metrics[10]] * 15  # a flat stretch
    kw = PLATEAU[name]
    _assert_same(lambda M, o: M.ReduceLROnPlateau(o, **kw), metrics=[float(m) for m in metrics])


def test_reduce_on_plateau_tensor_metric_and_state():
    opt = _optimizer(pt)
    sched = L.ReduceLROnPlateau(opt, patience=1)
    for v in [1.0, 0.9, 0.95, 0.97, 0.99]:
        sched.step(pt.tensor(v))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])
    assert sched.best == pytest.approx(0.9) and sched.last_epoch == 5 and not sched.in_cooldown
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(torch), patience=1)
    assert sorted(sched.state_dict()) == sorted(ref.state_dict())
    new = L.ReduceLROnPlateau(_optimizer(pt), mode="max")
    new.load_state_dict(sched.state_dict())
    assert new.mode == "min" and new.mode_worse == math.inf and new.best == sched.best
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(0.5, epoch=9)
    assert sched.last_epoch == 9


def test_reduce_on_plateau_new_group():
    opt = _optimizer(pt)
    sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [pt.ones(1, requires_grad=True)], "lr": 0.5})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau` was initialized"):
        sched.step(2.0)
    sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=0.001)
    opt.add_param_group({"params": [pt.ones(1, requires_grad=True)], "lr": 0.5})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr()[-1] == pytest.approx(0.05) and len(sched.min_lrs) == 4


def test_warm_restarts_fractional_epochs_match_torch():
    epochs = [i / 7 for i in range(STEPS)] + [3.5, 0.25, 40.0, 17.3]
    for make in (lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2),
                 lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3, eta_min=0.001)):
        _assert_same(make, epochs=epochs, steps=len(epochs))
    opt = _optimizer(pt)
    sched = L.CosineAnnealingWarmRestarts(opt, T_0=3)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.step(-1)


CLOSED_FORM = ["step", "multistep", "constant", "linear_up", "exponential", "polynomial", "cosine", "lambda",
               "multiplicative"]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_step_with_epoch_uses_closed_form_as_torch(name):
    epochs = [3, 11, 0, 29, 30, 31, 7, 45, 45, 12]
    _assert_same(CHAINABLE[name], epochs=epochs, steps=len(epochs))
    opt = _optimizer(pt)
    sched = CHAINABLE[name](L, opt)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(4)
    assert sched.last_epoch == 4


def _torch_keys(make, kind="SGD"):
    opt = _optimizer(torch, kind)
    return sorted(make(torch.optim.lr_scheduler, opt).state_dict())


@pytest.mark.parametrize("name", sorted(CHAINABLE) + sorted(CYCLIC))
def test_state_dict_round_trip(name):
    """Save after 17 steps, load into a fresh scheduler, continue: same rates as an uninterrupted run."""
    make = {**CHAINABLE, **CYCLIC}[name]
    full, _ = _trace(pt, make, steps=40)
    opt = _optimizer(pt)
    sched = make(L, opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(17):
            opt.step()
            sched.step()
    state = pickle.loads(pickle.dumps(sched.state_dict()))  # saved state must be plain, picklable data
    assert sorted(state) == _torch_keys(make)
    if "_schedulers" in state:
        ref = make(torch.optim.lr_scheduler, _optimizer(torch)).state_dict()["_schedulers"]
        assert [sorted(s) for s in state["_schedulers"]] == [sorted(s) for s in ref]
    # restore as from a checkpoint: build optimizer and scheduler, then load the optimizer's state, then the
    # scheduler's (the groups carry the rates and momenta, the scheduler its counters)
    opt2 = _optimizer(pt)
    sched2 = make(L, opt2)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(state)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(23):
            opt2.step()
            sched2.step()
            rows.append(_snapshot(opt2) + [float(v) for v in sched2.get_last_lr()])
    np.testing.assert_allclose(np.array(rows), full[18:], rtol=1e-14)


def test_lambda_state_dict_saves_callable_objects():
    opt = _optimizer(pt)
    sched = L.LambdaLR(opt, [lambda e: 1.0, _Decay(0.9)])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.9}]
    other = L.LambdaLR(_optimizer(pt), [lambda e: 1.0, _Decay(0.5)])
    other.load_state_dict(state)
    assert other.lr_lambdas[1].rate == 0.9
    assert state["lr_lambdas"] == [None, {"rate": 0.9}]  # the given dict is left intact


def test_cyclic_state_dict_custom_scale_fn():
    class Halve:
        def __init__(self):
            self.base = 0.5

        def __call__(self, x):
            return self.base ** x

    opt = _optimizer(pt)
    sched = L.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=Halve())
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.5}
    fn = Halve()
    fn.base = 0.9
    other = L.CyclicLR(_optimizer(pt), 0.01, 0.1, step_size_up=3, scale_fn=fn)
    other.load_state_dict(state)
    assert fn.base == 0.5
    s2 = L.CyclicLR(_optimizer(pt), 0.01, 0.1, mode="exp_range", gamma=0.9)
    assert s2.scale_mode == "iterations" and s2.scale_fn(2) == pytest.approx(0.81)
    assert s2.state_dict()["_scale_fn_custom"] is None


@pytest.mark.parametrize("name", ["step", "cosine", "linear_up", "exponential", "polynomial", "constant"])
def test_resume_with_last_epoch_matches_torch(name):
    """Resuming (last_epoch >= 0 with 'initial_lr' already in the groups) behaves as in torch."""
    make = CHAINABLE[name]

    def resumed(M, o):
        first = make(M, o)
        for _ in range(6):
            first.step()
        resume = {"step": lambda: M.StepLR(o, step_size=7, gamma=0.5, last_epoch=6),
                  "cosine": lambda: M.CosineAnnealingLR(o, T_max=10, eta_min=0.002, last_epoch=6),
                  "linear_up": lambda: M.LinearLR(o, start_factor=0.1, total_iters=10, last_epoch=6),
                  "exponential": lambda: M.ExponentialLR(o, gamma=0.93, last_epoch=6),
                  "polynomial": lambda: M.PolynomialLR(o, total_iters=40, power=2.5, last_epoch=6),
                  "constant": lambda: M.ConstantLR(o, factor=0.25, total_iters=8, last_epoch=6)}[name]
        return resume()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(resumed, steps=30)


def test_initial_lr_and_base_lrs():
    opt = _optimizer(pt)
    sched = L.StepLR(opt, 3)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert sched.base_lrs == [0.1, 0.03] and sched.last_epoch == 0 and sched._step_count == 1
    sched2 = L.ExponentialLR(opt, 0.5)  # initial_lr is kept, not overwritten
    assert sched2.base_lrs == [0.1, 0.03]
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        L.StepLR(_optimizer(pt), 3, last_epoch=4)


def test_warnings_as_torch():
    for lib in (pt, torch):
        M = lib.optim.lr_scheduler
        opt = _optimizer(lib)
        sched = M.StepLR(opt, 3)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
            sched.step()
        opt = _optimizer(lib)
        sched = M.StepLR(opt, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()
            sched.step()  # only the first step is checked
        opt = _optimizer(lib)
        sched = M.StepLR(opt, 3)
        opt.step = lambda closure=None: None
        with pytest.warns(UserWarning, match=r"Seems like `optimizer.step\(\)` has been overridden"):
            sched.step()
        with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
            sched.get_lr()


def test_optimizer_step_wrapped_once_and_still_works():
    opt = _optimizer(pt, "SGD0")
    L.StepLR(opt, 3)
    wrapped = opt.step
    L.ExponentialLR(opt, 0.9)
    assert opt.step is wrapped and wrapped._wrapped_by_lr_sched
    p = opt.param_groups[0]["params"][0]
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), 1 - 0.1 * 0.5)
    assert opt._opt_called


def test_optimizer_copies_step_themselves():
    """Pickling or deep-copying a scheduled optimizer gives a copy whose step updates the copy's parameters."""
    import copy

    opt = _optimizer(pt, "SGD0")
    L.StepLR(opt, 3)
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        clone.param_groups[0]["params"][0].grad = pt.full((3,), 0.5, dtype=pt.float64)
        clone.step()
        assert clone._opt_called and not getattr(opt, "_opt_called", False)
        np.testing.assert_allclose(clone.param_groups[0]["params"][0].detach().numpy(), 0.95)
        np.testing.assert_allclose(opt.param_groups[0]["params"][0].detach().numpy(), 1.0)


def test_step_closure_and_replaced_step():
    opt = _optimizer(pt, "SGD0")
    L.ExponentialLR(opt, 0.5)
    assert opt.step(lambda: 7.0) == 7.0
    opt = _optimizer(pt, "SGD0")
    calls = []
    opt.step = lambda closure=None: calls.append(closure)
    sched = L.ExponentialLR(opt, 0.5)
    opt.step()
    assert calls == [None] and opt._opt_called
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_errors_as_torch():
    cases = [
        (lambda M, o, lib: M.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
        (lambda M, o, lib: M.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda M, o, lib: M.MultiplicativeLR(o, 0.5), TypeError, "lr_lambda should be a function, but got float"),
        (lambda M, o, lib: M.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
        (lambda M, o, lib: M.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
        (lambda M, o, lib: M.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative factor"),
        (lambda M, o, lib: M.SequentialLR(o, [], []), ValueError, "SequentialLR expects at least one scheduler"),
        (lambda M, o, lib: M.SequentialLR(o, [M.StepLR(o, 2), M.StepLR(o, 3)], []), ValueError,
         "number of milestones to be equal to 0"),
        (lambda M, o, lib: M.SequentialLR(o, [M.ReduceLROnPlateau(o)], []), ValueError,
         "does not support `ReduceLROnPlateau`"),
        (lambda M, o, lib: M.SequentialLR(o, [object()], []), TypeError, "at index 0 should have `optimizer`"),
        (lambda M, o, lib: M.ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
        (lambda M, o, lib: M.ChainedScheduler([M.StepLR(o, 2), M.StepLR(_optimizer(lib), 2)]), ValueError,
         "expects all schedulers to belong to the same optimizer"),
        (lambda M, o, lib: M.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
        (lambda M, o, lib: M.ReduceLROnPlateau(o, mode="mid"), ValueError, "mode mid is unknown!"),
        (lambda M, o, lib: M.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
        (lambda M, o, lib: M.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
        (lambda M, o, lib: M.CyclicLR(o, 0.1, [0.1, 0.2, 0.3]), ValueError,
         "max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, param_groups has 2."),
        (lambda M, o, lib: M.CyclicLR(o, 0.1, 0.2, mode="square"), ValueError, "mode is invalid and scale_fn is None"),
        (lambda M, o, lib: M.CyclicLR(_no_momentum_opt(lib), 0.1, 0.2), ValueError,
         "optimizer must support momentum or beta1"),
        (lambda M, o, lib: M.OneCycleLR(_no_momentum_opt(lib), 0.1, total_steps=5), ValueError,
         "optimizer must support momentum or beta1"),
        (lambda M, o, lib: M.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "Expected positive integer T_0"),
        (lambda M, o, lib: M.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError, "Expected integer T_mult"),
        (lambda M, o, lib: M.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"), ValueError,
         "Expected float or int eta_min"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1), ValueError, "You must define either total_steps OR"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1, total_steps=0), ValueError, "Expected positive integer total_steps"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1, epochs=2.0, steps_per_epoch=3), ValueError,
         "Expected positive integer epochs"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=0), ValueError,
         "Expected positive integer steps_per_epoch"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1, total_steps=10, pct_start=1), ValueError,
         "Expected float between 0 and 1 pct_start"),
        (lambda M, o, lib: M.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"), ValueError,
         "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    ]
    for make, exc, msg in cases:
        for lib in (pt, torch):
            M = lib.optim.lr_scheduler
            with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
                make(M, _optimizer(lib), lib)


def _no_momentum_opt(lib):
    """An optimizer whose defaults carry neither 'momentum' nor 'betas'."""
    p = lib.zeros(1, requires_grad=True)
    if lib is torch:
        return torch.optim.Adagrad([p], lr=0.1)

    class NoMomentum(pt.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

    return NoMomentum([p])


def test_custom_optimizer_subclass_works():
    class Halving(pt.optim.Optimizer):
        """p <- p - lr * g with the rate from the group, so a schedule shows in the parameters."""

        def __init__(self, params, lr=1.0):
            super().__init__(params, dict(lr=lr))

        def _update(self, p, grad, group, state):
            p.add_(grad, alpha=-group["lr"])

    p = pt.zeros(1, requires_grad=True)
    opt = Halving([p], lr=1.0)
    sched = L.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(4):
        p.grad = pt.ones(1)
        opt.step()
        sched.step()
    assert float(p.detach()[0]) == pytest.approx(-(1 + 0.5 + 0.25 + 0.125))
    assert sched.get_last_lr() == [0.0625]


def test_training_loop_with_schedule_matches_torch():
    """A few SGD steps on a quadratic under OneCycleLR: parameters agree with torch."""
    def run(lib):
        w = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, total_steps=25)
        for _ in range(25):
            opt.zero_grad()
            ((w - 3.0) ** 2).sum().backward()
            opt.step()
            sched.step()
        return w.detach().numpy()

    np.testing.assert_allclose(run(pt), run(torch), rtol=1e-12)


def test_public_names_and_signatures():
    import inspect
    assert sorted(L.__all__) == sorted(torch.optim.lr_scheduler.__all__)
    for name in L.__all__:
        ours = inspect.signature(getattr(L, name))
        ref = inspect.signature(getattr(torch.optim.lr_scheduler, name))
        assert list(ours.parameters) == list(ref.parameters), name
        for p in ours.parameters.values():
            assert p.default == ref.parameters[p.name].default, (name, p.name)


@pytest.mark.parametrize("name", ["step", "multistep", "linear_up", "cosine", "polynomial", "sequential", "chained",
                                  "warm_restarts", "lambda"])
def test_tensor_learning_rate_filled_in_place_as_torch(name):
    """A Tensor 'lr' keeps its identity (filled in place); the rates and the parameters follow torch."""
    def run(lib):
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        lr = lib.tensor(0.1, dtype=lib.float64)
        opt = lib.optim.SGD([w], lr=lr, momentum=0.5)
        sched = CHAINABLE[name](lib.optim.lr_scheduler, opt)
        rates = []
        for _ in range(25):
            w.grad = w.detach() * 0.5
            opt.step()
            sched.step()
            assert opt.param_groups[0]["lr"] is lr
            last = sched.get_last_lr()[0]
            assert isinstance(last, type(lr)) and last is not lr
            rates.append(float(lr))
        return np.array(rates), w.detach().numpy()

    (r_pt, w_pt), (r_t, w_t) = run(pt), run(torch)
    np.testing.assert_allclose(r_pt, r_t, rtol=1e-14)
    np.testing.assert_allclose(w_pt, w_t, rtol=1e-12)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_cyclic_resume_with_last_epoch_matches_torch(kind):
    """CyclicLR / OneCycleLR built with last_epoch >= 0 read their bounds back from the groups, as torch."""
    def cyclic(M, o):
        M.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="triangular2")
        return M.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="triangular2", last_epoch=9)

    def onecycle(M, o):
        M.OneCycleLR(o, max_lr=0.2, total_steps=50, three_phase=True)
        return M.OneCycleLR(o, max_lr=0.2, total_steps=50, three_phase=True, last_epoch=12)

    _assert_same(cyclic, kind, steps=30)
    _assert_same(onecycle, kind, steps=37)


@pytest.mark.parametrize("kind", ["RMSprop", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta", "ASGD", "Rprop"])
@pytest.mark.parametrize("name", ["onecycle", "triangular2", "cosine", "sequential"])
def test_other_optimizers_match_torch(kind, name):
    """Any optimizer with param_groups works; momentum cycling uses 'momentum' or 'betas', else raises as torch."""
    if not hasattr(pt.optim, kind):
        pytest.skip(f"probtorch.optim.{kind} not available")
    make = {**CHAINABLE, **CYCLIC}[name]
    if name in CYCLIC and not any(k in getattr(torch.optim, kind)([torch.zeros(1)]).defaults
                                  for k in ("momentum", "betas")):
        for lib in (pt, torch):
            with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
                make(lib.optim.lr_scheduler, _optimizer(lib, kind))
        return
    _assert_same(make, kind)
