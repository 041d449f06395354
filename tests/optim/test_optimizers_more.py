"""ASGD, Adadelta, Adafactor, Adagrad, Adamax, LBFGS, NAdam, RAdam, RMSprop, Rprop against torch's trajectories."""
import numpy as np
import pytest

import probtorch as pt

torch = pytest.importorskip("torch")


def _problem(lib, seed=0):
    rng = np.random.default_rng(seed)
    w = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float64, requires_grad=True)
    b = lib.tensor(rng.standard_normal(3), dtype=lib.float64, requires_grad=True)
    a = lib.tensor(rng.standard_normal((5, 4)), dtype=lib.float64)
    y = lib.tensor(rng.standard_normal((5, 3)), dtype=lib.float64)

    def loss_fn():
        out = (a @ w + b).tanh()
        return ((out - y) ** 2).sum() + 0.1 * (w ** 4).sum() + 0.05 * (b ** 2).sum()
    return w, b, loss_fn


def _run(lib, name, kwargs, steps=25, groups=False, reload_at=None):
    w, b, loss_fn = _problem(lib)
    cls = getattr(lib.optim, name)
    params = [{"params": [w]}, {"params": [b], "lr": kwargs.get("lr", 0.01) * 0.5}] if groups else [w, b]
    opt = cls(params, **kwargs)
    traj = []
    for i in range(steps):
        if reload_at == i:
            sd = opt.state_dict()
            opt = cls(params, **kwargs)
            opt.load_state_dict(sd)
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
        traj.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(traj), opt


CASES = [
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adafactor", dict(lr=0.05)),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.02, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.8, 0.95), maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, eps=1e-3)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    ours, _ = _run(pt, name, kwargs)
    ref, _ = _run(torch, name, kwargs)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[-1], ours[0])  # the optimizer moved the parameters


@pytest.mark.parametrize("name,kwargs", CASES[::3], ids=[n for n, _ in CASES[::3]])
def test_param_groups_and_state_dict_reload(name, kwargs):
    ours, opt = _run(pt, name, kwargs, steps=12, groups=True, reload_at=6)
    ref, topt = _run(torch, name, kwargs, steps=12, groups=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [{k: v for k, v in g.items()} for g in sd["param_groups"]] == tsd["param_groups"]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i in tsd["state"]:
        assert sorted(sd["state"][i]) == sorted(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(np.asarray(sd["state"][i][k].numpy()), v.numpy(), rtol=1e-10, atol=1e-12)
            assert str(sd["state"][i][k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1]


@pytest.mark.parametrize("name", ["ASGD", "Adadelta", "Adafactor", "Adagrad", "Adamax", "NAdam", "RAdam", "RMSprop",
                                  "Rprop"])
def test_defaults_match_torch(name):
    w = pt.zeros(2, requires_grad=True)
    tw = torch.zeros(2, requires_grad=True)
    ours = {k: v for k, v in getattr(pt.optim, name)([w]).param_groups[0].items() if k != "params"}
    ref = {k: v for k, v in getattr(torch.optim, name)([tw]).param_groups[0].items() if k != "params"}
    assert ours == ref
    assert list(ours) == list(ref)


ERRORS = [
    ("ASGD", dict(lr=-1.0)), ("ASGD", dict(weight_decay=-1.0)),
    ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)), ("Adadelta", dict(lr=-0.1)),
    ("Adafactor", dict(lr=-1.0)), ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(-1.0, 1e-3))),
    ("Adafactor", dict(eps=(None, -1.0))), ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1.0)),
    ("Adagrad", dict(lr_decay=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)), ("Adagrad", dict(eps=-1)),
    ("Adamax", dict(betas=(1.0, 0.9))), ("Adamax", dict(betas=(0.9, -0.1))), ("Adamax", dict(eps=-1.0)),
    ("NAdam", dict(momentum_decay=-1.0)), ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(weight_decay=-1)),
    ("RAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(eps=-1.0)),
    ("RMSprop", dict(alpha=-1.0)), ("RMSprop", dict(momentum=-1.0)), ("RMSprop", dict(eps=-1.0)),
    ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))), ("Rprop", dict(lr=-1.0)),
]


@pytest.mark.parametrize("name,kwargs", ERRORS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ERRORS)])
def test_errors_match_torch(name, kwargs):
    with pytest.raises(ValueError) as ref:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(pt.optim, name)([pt.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(ref.value)


def test_adagrad_fused_checks_and_eager_state():
    w = pt.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="differentiable"):
        pt.optim.Adagrad([w], fused=True, differentiable=True)
    with pytest.raises(RuntimeError, match="foreach"):
        pt.optim.Adagrad([w], fused=True, foreach=True)
    opt = pt.optim.Adagrad([w], initial_accumulator_value=0.5)
    assert opt.state[w]["sum"].tolist() == [0.5, 0.5] and opt.state[w]["step"].item() == 0
    v = pt.zeros(3, requires_grad=True)
    opt.add_param_group({"params": [v]})
    assert opt.state[v]["sum"].tolist() == [0.5, 0.5, 0.5]


def test_float32_params_match_torch():
    for name, kwargs in [("NAdam", dict(lr=0.05)), ("Adafactor", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=2)),
                         ("Rprop", dict(lr=0.05))]:
        res = []
        for lib in (pt, torch):
            w = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=lib.float32, requires_grad=True)
            opt = getattr(lib.optim, name)([w], **kwargs)
            for _ in range(10):
                opt.zero_grad()
                ((w.sin() - 0.3) ** 2).sum().backward()
                opt.step()
            assert w.dtype == lib.float32
            res.append(w.detach().numpy())
        np.testing.assert_allclose(res[0], res[1], rtol=2e-5, atol=1e-6)


def test_params_without_grad_are_skipped():
    w = pt.ones(2, requires_grad=True)
    v = pt.ones(2, requires_grad=True)
    for name in ["ASGD", "Adadelta", "Adafactor", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop"]:
        opt = getattr(pt.optim, name)([w, v])
        (w ** 2).sum().backward()
        opt.step()
        assert v.tolist() == [1.0, 1.0] and v not in opt.state and w in opt.state
        w.grad = None


def _lbfgs_run(lib, kwargs, steps, problem="model", dtype="float64", reload_at=None):
    if problem == "model":
        w, b, loss_fn = _problem(lib)
        params = [w, b]
    else:
        x = lib.tensor([-1.5, 2.0, 0.5, -0.7], dtype=getattr(lib, dtype), requires_grad=True)
        params = [x]

        def loss_fn():
            return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    opt = lib.optim.LBFGS(params, **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    out, losses = [], []
    for i in range(steps):
        if reload_at == i:
            sd = opt.state_dict()
            opt = lib.optim.LBFGS(params, **kwargs)
            opt.load_state_dict(sd)
        losses.append(float(opt.step(closure).detach()))
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(out), np.array(losses), calls[0], opt


LBFGS_CASES = [
    ("model", dict()),
    ("model", dict(max_iter=1, lr=0.1)),
    ("model", dict(lr=0.5, max_iter=7, history_size=3)),
    ("model", dict(line_search_fn="strong_wolfe")),
    ("model", dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4, max_eval=6)),
    ("rosen", dict(line_search_fn="strong_wolfe")),
    ("rosen", dict(line_search_fn="strong_wolfe", max_iter=5, history_size=3)),
    ("rosen", dict(lr=1e-3, history_size=5, tolerance_change=1e-12)),
]


@pytest.mark.parametrize("problem,kwargs", LBFGS_CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(LBFGS_CASES)])
def test_lbfgs_matches_torch(problem, kwargs):
    ours, our_losses, our_calls, opt = _lbfgs_run(pt, kwargs, 6, problem)
    ref, ref_losses, ref_calls, topt = _lbfgs_run(torch, kwargs, 6, problem)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(our_losses, ref_losses, rtol=1e-10)
    assert our_calls == ref_calls
    st, tst = next(iter(opt.state.values())), next(iter(topt.state.values()))
    assert sorted(st) == sorted(tst)
    assert st["func_evals"] == tst["func_evals"] and st["n_iter"] == tst["n_iter"]
    assert len(st["old_dirs"]) == len(tst["old_dirs"]) <= opt.param_groups[0]["history_size"]
    np.testing.assert_allclose(st["d"].numpy(), tst["d"].numpy(), rtol=1e-8, atol=1e-12)


def test_lbfgs_state_dict_reload_and_float32():
    kwargs = dict(line_search_fn="strong_wolfe", max_iter=5, history_size=3)
    ours, *_ = _lbfgs_run(pt, kwargs, 6, "rosen", reload_at=3)
    ref, *_ = _lbfgs_run(torch, kwargs, 6, "rosen")
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    ours, *_ = _lbfgs_run(pt, kwargs, 2, "rosen", dtype="float32")
    ref, *_ = _lbfgs_run(torch, kwargs, 2, "rosen", dtype="float32")
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-4)


def test_lbfgs_defaults_errors_and_early_exit():
    w = pt.zeros(2, requires_grad=True)
    tw = torch.zeros(2, requires_grad=True)
    for kw in [dict(), dict(max_iter=9)]:
        ours = {k: v for k, v in pt.optim.LBFGS([w], **kw).param_groups[0].items() if k != "params"}
        ref = {k: v for k, v in torch.optim.LBFGS([tw], **kw).param_groups[0].items() if k != "params"}
        assert ours == ref and list(ours) == list(ref)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        pt.optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="parameter groups"):
        pt.optim.LBFGS([{"params": [w]}, {"params": [pt.zeros(1, requires_grad=True)]}])
    opt = pt.optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(lambda: ((w - 1) ** 2).sum().backward() or ((w - 1) ** 2).sum())
    # already optimal: a single closure call, parameters untouched
    v = pt.ones(3, dtype=pt.float64, requires_grad=True)
    opt = pt.optim.LBFGS([v])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((v - 1) ** 2).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure)) == 0.0 and len(calls) == 1 and v.tolist() == [1.0, 1.0, 1.0]


def _muon_run(lib, kwargs, steps=20, reload_at=None):
    rng = np.random.default_rng(3)
    w1 = lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float64, requires_grad=True)
    w2 = lib.tensor(rng.standard_normal((3, 6)) * 0.5, dtype=lib.float64, requires_grad=True)
    a = lib.tensor(rng.standard_normal((5, 4)), dtype=lib.float64)
    y = lib.tensor(rng.standard_normal((5, 6)), dtype=lib.float64)
    opt = lib.optim.Muon([w1, w2], **kwargs)
    out = []
    for i in range(steps):
        if reload_at == i:
            sd = opt.state_dict()
            opt = lib.optim.Muon([w1, w2], **kwargs)
            opt.load_state_dict(sd)
        opt.zero_grad()
        (((a @ w1).tanh() @ w2 - y) ** 2).sum().backward()
        opt.step()
        out.append(np.concatenate([w1.detach().numpy().ravel(), w2.detach().numpy().ravel()]))
    return np.array(out), opt


MUON_CASES = [
    dict(lr=0.02),
    dict(lr=0.02, nesterov=False, momentum=0.8, weight_decay=0.0),
    dict(lr=0.01, adjust_lr_fn="match_rms_adamw", weight_decay=0.05, ns_steps=3),
    dict(lr=0.02, adjust_lr_fn="original", ns_coefficients=(2.0, -1.5, 0.5), eps=1e-5),
]


@pytest.mark.parametrize("kwargs", MUON_CASES, ids=[str(i) for i in range(len(MUON_CASES))])
def test_muon_matches_torch(kwargs):
    # torch runs the Newton-Schulz iteration in bfloat16; ours emulates that rounding, so the iterates agree
    ours, opt = _muon_run(pt, kwargs, reload_at=7)
    ref, topt = _muon_run(torch, kwargs)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[-1], ours[0])
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"] and sorted(sd["state"][1]) == ["momentum_buffer"]
    np.testing.assert_allclose(sd["state"][1]["momentum_buffer"].numpy(), tsd["state"][1]["momentum_buffer"].numpy(),
                               rtol=1e-10, atol=1e-12)


def test_muon_newton_schulz_orthogonalises_like_torch():
    from probtorch.optim.muon import _newton_schulz, _to_bfloat16
    from torch.optim._muon import _zeropower_via_newtonschulz
    rng = np.random.default_rng(5)
    x = rng.standard_normal(2000) * 10.0 ** rng.integers(-30, 30, 2000)
    np.testing.assert_array_equal(_to_bfloat16(x), torch.tensor(x).bfloat16().float().numpy())
    for shape in [(4, 3), (3, 5), (8, 8), (7, 2)]:
        g = rng.standard_normal(shape)
        ours = _newton_schulz(g, (3.4445, -4.7750, 2.0315), 5, 1e-7)
        np.testing.assert_array_equal(ours, _zeropower_via_newtonschulz(torch.tensor(g), (3.4445, -4.7750, 2.0315),
                                                                        5, 1e-7).float().numpy())
        # near-orthogonal: the directions that are not tiny in g get singular values near 1
        sv, sv_in = np.linalg.svd(ours.astype(np.float64), compute_uv=False), np.linalg.svd(g, compute_uv=False)
        big = sv_in > 0.2 * sv_in.max()
        assert big.sum() >= 2 and sv.max() < 1.5 and sv[big].min() > 0.5
    with pytest.raises(ValueError, match="less than 100"):
        _newton_schulz(np.ones((2, 2)), (1.0, 0.0, 0.0), 100, 1e-7)
    with pytest.raises(ValueError, match="exactly 3 values"):
        _newton_schulz(np.ones((2, 2)), (1.0, 0.0), 5, 1e-7)


def test_muon_defaults_and_errors():
    w = pt.zeros(2, 3, requires_grad=True)
    ours = {k: v for k, v in pt.optim.Muon([w]).param_groups[0].items() if k != "params"}
    ref = {k: v for k, v in torch.optim.Muon([torch.zeros(2, 3, requires_grad=True)]).param_groups[0].items()
           if k != "params"}
    assert ours == ref and list(ours) == list(ref)
    for kwargs in [dict(lr=-1.0), dict(momentum=-0.5), dict(weight_decay=-1.0), dict(adjust_lr_fn="other")]:
        with pytest.raises(ValueError) as ref_err:
            torch.optim.Muon([torch.zeros(2, 3, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError) as our_err:
            pt.optim.Muon([pt.zeros(2, 3, requires_grad=True)], **kwargs)
        assert str(our_err.value) == str(ref_err.value)
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters .*\[3\]"):
        pt.optim.Muon([pt.zeros(3, requires_grad=True)])


def _swap_scenario(lib):
    rng = np.random.default_rng(7)
    w = lib.tensor(rng.standard_normal((3, 2)), dtype=lib.float64, requires_grad=True)
    b = lib.tensor(rng.standard_normal(2), dtype=lib.float64, requires_grad=True)
    opt = lib.optim.NAdam([{"params": [w]}, {"params": [b], "lr": 0.05}], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        ((w.sum(0) * b).sin().sum() + (w ** 2).sum()).backward()
        opt.step()
    sd = opt.state_dict()
    saved = {"state": {i: {k: v.clone() for k, v in s.items()} for i, s in sd["state"].items()},
             "param_groups": [dict(g) for g in sd["param_groups"]]}
    saved["param_groups"][0]["lr"] = 0.2
    live = (w.detach().clone(), b.detach().clone(), opt.state[w]["exp_avg"].clone())
    w2, b2 = w.detach().clone() + 1, b.detach().clone() - 1
    w2.grad, b2.grad = lib.ones_like(w2), lib.full_like(b2, 0.5)
    exp_avg_obj = saved["state"][0]["exp_avg"]
    with lib.optim.swap_in_optimizer_params_and_state(opt, {"w": w2, "b": b2}, saved):
        assert opt.param_groups[0]["params"][0] is w2 and opt.param_groups[0]["lr"] == 0.2
        opt.step()
    assert opt.param_groups[0]["params"][0] is w and opt.param_groups[0]["lr"] == 0.1
    assert saved["state"][0]["exp_avg"] is exp_avg_obj
    np.testing.assert_array_equal(w.detach().numpy(), live[0].numpy())
    np.testing.assert_array_equal(opt.state[w]["exp_avg"].numpy(), live[2].numpy())
    return (w2.numpy(), b2.numpy(), saved["state"][0]["exp_avg"].numpy(), saved["state"][1]["step"].item(),
            opt, saved)


def test_swap_in_optimizer_params_and_state_matches_torch():
    ours, ref = _swap_scenario(pt), _swap_scenario(torch)
    for o, r in zip(ours[:3], ref[:3]):
        np.testing.assert_allclose(o, r, rtol=1e-12, atol=1e-14)
    assert ours[3] == ref[3] == 4.0  # the swapped-in state was advanced in place
    opt, saved = ours[4], ours[5]
    swap = pt.optim.swap_in_optimizer_params_and_state
    params = {"w": pt.zeros(3, 2), "b": pt.zeros(2)}
    bad = [
        (dict(saved, param_groups=saved["param_groups"][:1]), "different number of parameter groups"),
        (dict(saved, state={**saved["state"], 5: {}}), r"extra keys \[5\]"),
        (dict(saved, param_groups=[dict(saved["param_groups"][0], extra=1), saved["param_groups"][1]]),
         r"Keys only in swap-in: \['extra'\]"),
        (dict(saved, param_groups=[dict(saved["param_groups"][0], params=[0, 1]), saved["param_groups"][1]]),
         "group 0 has a different number of params"),
        (dict(saved, state=[]), "got list"),
    ]
    for sd, msg in bad:
        with pytest.raises(RuntimeError, match=msg):
            with swap(opt, params, sd):
                pass
    with pytest.raises(RuntimeError, match="requires the explicit parameter state"):
        with swap(opt, {"w": pt.zeros(3, 2)}, saved):
            pass
    fresh = pt.optim.SGD([pt.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
        with swap(fresh, params, saved):
            pass


ALL_NEW = ["ASGD", "Adadelta", "Adafactor", "Adagrad", "Adamax", "LBFGS", "Muon", "NAdam", "RAdam", "RMSprop", "Rprop"]


@pytest.mark.parametrize("name", ALL_NEW)
def test_repr_and_tensor_lr_as_torch(name):
    ours = getattr(pt.optim, name)([pt.zeros(2, 2, requires_grad=True)])
    ref = getattr(torch.optim, name)([torch.zeros(2, 2, requires_grad=True)])
    assert repr(ours) == repr(ref)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(pt.optim, name)([pt.zeros(2, 2, requires_grad=True)], lr=pt.tensor([0.1, 0.2]))
    if name == "LBFGS":
        return
    res = []
    for lib in (pt, torch):
        w = lib.tensor(np.linspace(-1, 1, 4).reshape(2, 2), dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([w], lr=lib.tensor(0.05, dtype=lib.float64))
        for _ in range(4):
            opt.zero_grad()
            (w.sin() ** 2).sum().backward()
            opt.step()
        res.append(w.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-14)


@pytest.fixture
def float64_default():
    pt.set_default_dtype(pt.float64)
    torch.set_default_dtype(torch.float64)
    yield
    pt.set_default_dtype(pt.float32)
    torch.set_default_dtype(torch.float32)


def test_scalar_state_follows_float64_default_dtype(float64_default):
    # step / eta / mu / mu_product are float64 scalars when float64 is the default dtype (float32 otherwise)
    for name, kwargs in [("NAdam", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=3, lambd=0.1))]:
        res = []
        for lib in (pt, torch):
            w = lib.tensor(np.linspace(-1, 1, 4).reshape(2, 2), requires_grad=True)
            opt = getattr(lib.optim, name)([w], **kwargs)
            for _ in range(20):
                opt.zero_grad()
                (w.sin() ** 2).sum().backward()
                opt.step()
            res.append(w.detach().numpy())
            assert all(str(v.dtype).endswith("float64") for v in opt.state[w].values())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-13, atol=1e-15)
