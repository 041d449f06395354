import numpy as np
import pytest

import probtorch as pt

torch = pytest.importorskip("torch")


def _run(lib, opt_name, kwargs, steps=15):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((4, 3))
    A = rng.standard_normal((5, 4))
    w = lib.tensor(w0, dtype=lib.float64, requires_grad=True)
    a = lib.tensor(A, dtype=lib.float64)
    opt = getattr(lib.optim, opt_name)([w], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((a @ w).tanh() ** 2).sum() + (w ** 4).sum() * 0.1
        loss.backward()
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("opt_name,kwargs", [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, betas=(0.8, 0.9), amsgrad=True, maximize=True)),
])
def test_matches_torch(opt_name, kwargs):
    np.testing.assert_allclose(_run(pt, opt_name, kwargs), _run(torch, opt_name, kwargs), rtol=1e-10, atol=1e-12)


def test_errors_and_state_dict():
    w = pt.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="learning rate"):
        pt.optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        pt.optim.Adam([])
    with pytest.raises(ValueError, match="non-leaf"):
        pt.optim.SGD([w * 2], lr=0.1)
    opt = pt.optim.Adam([w], lr=0.1)
    (w - 1).pow(2).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 1 and sd["param_groups"][0]["lr"] == 0.1
    opt2 = pt.optim.Adam([w], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.state[w]["step"] == 1
    opt.zero_grad()
    assert w.grad is None
