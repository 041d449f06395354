"""nn.Module machinery and layers, checked against torch with the same weights."""
import numpy as np
import pytest

import probtorch as pt

torch = pytest.importorskip("torch")


def _mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))


def test_registration_and_state_dict_roundtrip_with_torch():
    m, tm = _mlp(pt), _mlp(torch).double()
    m.double()
    names = [n for n, _ in m.named_parameters()]
    assert names == [n for n, _ in tm.named_parameters()]
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4))
    y = m(pt.tensor(x, dtype=pt.float64))
    ty = tm(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for p, tp in zip(m.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10)


def test_module_api():
    m = _mlp(pt)
    assert len(list(m.parameters())) == 4 and isinstance(m[0].weight, pt.nn.Parameter)
    assert m[0].weight.requires_grad and m[0].weight.is_leaf
    assert not m.eval().training and m.train().training
    m.register_buffer("running", pt.zeros(3))
    assert "running" in m.state_dict()
    m.register_buffer("scratch", pt.zeros(2), persistent=False)
    assert "scratch" not in m.state_dict() and len(list(m.buffers())) == 2
    with pytest.raises(RuntimeError, match="size mismatch"):
        m.load_state_dict({**m.state_dict(), "0.weight": pt.zeros(2, 2)})
    with pytest.raises(RuntimeError, match="missing keys"):
        m.load_state_dict({})
    seen = []
    h = m.register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    m(pt.randn(2, 4))
    h.remove()
    m(pt.randn(2, 4))
    assert seen == [pt.Size([2, 3])]
    assert "Linear(in_features=4, out_features=8, bias=True)" in repr(m)
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_linear_init_bounds_and_no_bias():
    lin = pt.nn.Linear(100, 7, bias=False)
    assert lin.bias is None and len(list(lin.parameters())) == 1
    bound = 1 / np.sqrt(100)
    assert np.abs(lin.weight.detach().numpy()).max() <= bound


@pytest.mark.parametrize("name,args", [("ReLU", ()), ("Tanh", ()), ("GELU", ()), ("Softplus", (2.0, 5.0)),
                                       ("LeakyReLU", (0.1,)), ("ELU", (0.5,)), ("Softmax", (1,)),
                                       ("LogSoftmax", (1,)), ("SiLU", ()), ("Hardtanh", (-0.3, 0.4))])
def test_activation_modules(name, args):
    x = np.random.default_rng(2).standard_normal((3, 4)) * 3
    y = getattr(pt.nn, name)(*args)(pt.tensor(x))
    ty = getattr(torch.nn, name)(*args)(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", [("MSELoss", {}), ("L1Loss", {"reduction": "sum"}), ("HuberLoss", {}),
                                         ("BCEWithLogitsLoss", {}), ("SmoothL1Loss", {"beta": 0.5})])
def test_loss_modules(name, kwargs):
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    v = getattr(pt.nn, name)(**kwargs)(pt.tensor(x), pt.tensor(t))
    tv = getattr(torch.nn, name)(**kwargs)(torch.tensor(x, dtype=torch.float32), torch.tensor(t, dtype=torch.float32))
    assert abs(v.item() - tv.item()) < 1e-5


def test_init_functions():
    w = pt.empty(50, 40)
    pt.nn.init.xavier_uniform_(w)
    a = np.sqrt(6 / 90)
    assert np.abs(w.numpy()).max() <= a and w.std().item() > a / 3
    pt.nn.init.zeros_(w)
    assert (w == 0).all()
    pt.nn.init.orthogonal_(w)
    q = w.numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(40), atol=1e-5)
    assert pt.nn.init.calculate_gain("relu") == pytest.approx(np.sqrt(2))


def test_deleted_buffer_names_are_forgotten():
    m = pt.nn.Module()
    m.register_buffer("b", pt.zeros(2), persistent=False)
    m.b = pt.ones(2)  # assigning a tensor to a buffer's name updates the buffer
    assert "b" in dict(m.named_buffers())
    del m.b
    m.b = pt.ones(3)  # after del, the name is a plain attribute again
    assert "b" not in dict(m.named_buffers())
    del m.b
    m.register_buffer("b", pt.zeros(1))  # persistent now: the old non-persistent mark is gone
    assert "b" in m.state_dict()


@pytest.mark.parametrize("init", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_on_zero_element_tensors_warns_and_does_nothing(init):
    t = pt.empty(0, 4)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        assert getattr(pt.nn.init, init)(t) is t
