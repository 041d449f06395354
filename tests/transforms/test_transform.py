"""The Transform base class, _InverseTransform and ComposeTransform: caching, inverse links, event dims, equality."""
import copy
import pickle

import numpy as np
import pytest

import probtorch
from probtorch import constraints as C
from probtorch import transforms as T
from probtorch.transforms.transform import _InverseTransform

torch = pytest.importorskip("torch")
TT = torch.distributions.transforms


def test_cache_size_validation():
    for bad in (2, -1, 5):
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.ExpTransform(cache_size=bad)
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.AffineTransform(0.0, 1.0, cache_size=bad)
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.ExpTransform().with_cache(bad)


def test_base_class_abstract_methods():
    t = T.Transform()
    x = probtorch.zeros(2)
    for fn in (lambda: t(x), lambda: t.inv(x), lambda: t.log_abs_det_jacobian(x, x), lambda: t.sign):
        with pytest.raises(NotImplementedError):
            fn()
    assert t.forward_shape((2, 3)) == (2, 3) and t.inverse_shape((4,)) == (4,)
    assert repr(t) == "Transform()" and not t.bijective


def test_with_cache_needs_override_when_init_differs():
    class Shift(T.Transform):
        domain = codomain = C.real
        bijective = True

        def __init__(self, c, cache_size=0):
            super().__init__(cache_size=cache_size)
            self.c = c

    with pytest.raises(NotImplementedError, match="with_cache is not implemented"):
        Shift(1.0).with_cache(1)
    assert Shift(1.0).with_cache(0).c == 1.0  # already the requested size: itself


def test_event_dim_mismatch_raises():
    t = T.StickBreakingTransform()
    assert t.event_dim == 1
    with pytest.raises(ValueError, match="domain.event_dim or .codomain.event_dim"):
        T.ReshapeTransform((4,), (2, 2)).event_dim


def test_cached_round_trip_is_identity_and_keeps_gradient_path():
    t = T.ExpTransform(cache_size=1)
    x = probtorch.randn(3, requires_grad=True)
    y = t(x)
    assert t.inv(y) is x
    assert t(x) is y
    # log-det backward reaches x (the documented use of the cache)
    t.log_abs_det_jacobian(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3, np.float32))
    # ... and the reversed dependency: z *is* x, which y was computed from, so z does not depend on y.
    y = t(x)
    z = t.inv(y)
    assert z is x
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        probtorch.autograd.grad(z.sum(), [y])
    # torch raises the same error for the same code
    tt = TT.ExpTransform(cache_size=1)
    xt = torch.randn(3, requires_grad=True)
    yt = tt(xt)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(tt.inv(yt).sum(), [yt])


def test_cache_direction_inverse_first():
    t = T.SigmoidTransform(cache_size=1)
    y = probtorch.tensor([0.2, 0.7])
    x = t.inv(y)
    assert t(x) is y
    assert t.inv(y) is x


def test_uncached_transform_recomputes():
    t = T.ExpTransform()
    x = probtorch.randn(3)
    y = t(x)
    assert t(x) is not y
    x2 = t.inv(y)
    assert x2 is not x
    np.testing.assert_allclose(x2.numpy(), x.numpy(), rtol=1e-6)


def test_cache_holds_one_slot_keyed_by_identity():
    t = T.ExpTransform(cache_size=1)
    a, b = probtorch.randn(2), probtorch.randn(2)
    ya = t(a)
    yb = t(b)
    assert t(b) is yb
    assert t(a) is not ya  # a was evicted by b
    a_equal = a.clone()
    assert t(a_equal) is not t(a)  # equal values, different object: no hit


def _stale_cache_story(lib, tmod):
    """What a user sees when a cached transform's parameters change in place (an optimizer step)."""
    seen = []
    loc = lib.tensor(0.0, requires_grad=True)
    scale = lib.tensor(2.0, requires_grad=True)
    t = tmod.AffineTransform(loc, scale, cache_size=1)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = t(x)
    with lib.no_grad():  # the optimizer step
        loc -= 0.5
        scale *= 2
    # Same y object: the cached x comes back, not (y - loc) / scale under the new parameters ...
    seen.append(("inverse", t.inv(y) is x, t.inv(y).tolist(), t.with_cache(0).inv(y).tolist()))

    # ... so a loss through the inverse silently loses its dependence on the parameters.
    def grads(inv, yy):
        loss = (inv(yy) ** 2).sum()
        try:
            g = lib.autograd.grad(loss, [loc, scale], allow_unused=True)
        except RuntimeError as e:  # y's own graph saw the in-place step
            return "inplace error" if "modified by an inplace operation" in str(e) else str(e)
        return [None if v is None else round(v.item(), 6) for v in g]
    seen.append(("grads", grads(t.inv, y), grads(t.with_cache(0).inv, y.detach()),
                 grads(t.with_cache(0).inv, y)))
    # Same x object: the cached, pre-step y comes back; a new object (which evicts the slot) sees the new values.
    seen.append(("forward", t(x) is y, t(x).tolist(), t(x.clone()).tolist()))
    return seen


def test_stale_cache_with_learnable_parameters_matches_torch():
    ours = _stale_cache_story(probtorch, T)
    theirs = _stale_cache_story(torch, TT)
    assert ours == theirs
    assert ours[0] == ("inverse", True, [1.0, 2.0], [0.625, 1.125])
    assert ours[1][1] == [None, None] and None not in ours[1][2] and ours[1][3] == "inplace error"
    assert ours[2] == ("forward", True, [2.0, 4.0], [3.5, 7.5])


def test_inverse_links():
    t = T.ExpTransform()
    inv = t.inv
    assert isinstance(inv, _InverseTransform)
    assert inv.inv is t
    assert t.inv is inv
    assert inv.domain is t.codomain and inv.codomain is t.domain
    assert inv.bijective and inv.sign == 1
    assert repr(inv) == "_InverseTransform(ExpTransform())"
    assert inv == T.ExpTransform().inv and inv != t and inv != T.SigmoidTransform().inv
    x = probtorch.tensor([0.5, 1.5])
    np.testing.assert_allclose(inv.log_abs_det_jacobian(x, inv(x)).numpy(), -np.log([0.5, 1.5]), rtol=1e-6)
    # the inverse of an inverse is the original; the inverse is held weakly by the original
    import gc
    import weakref
    r = weakref.ref(inv)
    del inv
    gc.collect()
    assert r() is None
    assert t.inv.inv is t


def test_inverse_with_cache_and_shapes():
    t = T.StickBreakingTransform()
    inv = t.inv.with_cache(1)
    assert isinstance(inv, _InverseTransform) and inv._cache_size == 1 and inv.inv._cache_size == 1
    assert inv.forward_shape((2, 4)) == (2, 3) and inv.inverse_shape((2, 3)) == (2, 4)
    y = probtorch.tensor([[0.2, 0.3, 0.5]])
    x = inv(y)
    assert inv.inv(x) is y


def test_equality_and_hash():
    assert T.ExpTransform() == T.ExpTransform()
    assert T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    assert T.AffineTransform(probtorch.tensor([1.0, 2.0]), 2.0) == T.AffineTransform(probtorch.tensor([1.0, 2.0]), 2.0)
    assert T.AffineTransform(probtorch.tensor([1.0, 2.0]), 2.0) != T.AffineTransform(probtorch.tensor([1.0, 3.0]), 2.0)
    assert T.PowerTransform(2.0) == T.PowerTransform(2.0) and T.PowerTransform(2.0) != T.PowerTransform(3.0)
    assert T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 1.0)]) == \
        T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 1.0)])
    assert T.ComposeTransform([T.ExpTransform()]) != T.ComposeTransform([T.SigmoidTransform()])
    ind = T.IndependentTransform(T.ExpTransform(), 1)
    assert ind == ind and ind != T.IndependentTransform(T.ExpTransform(), 1)  # identity, as torch
    with pytest.raises(TypeError):
        hash(T.ExpTransform())


def test_pickle_and_deepcopy_drop_the_weak_inverse():
    t = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    _ = t.inv
    for t2 in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert t2 == t
        x = probtorch.tensor([0.1, 0.2])
        np.testing.assert_allclose(t2(x).numpy(), t(x).numpy())
        assert t2.inv.inv is t2
    inv = T.ExpTransform().inv
    inv2 = copy.deepcopy(inv)
    assert isinstance(inv2.inv, T.ExpTransform)


# ----------------------------------------------------------------------------------------------- ComposeTransform
def test_identity_transform():
    t = T.identity_transform
    x = probtorch.randn(2, 3)
    assert t(x) is x and t.inv(x) is x
    np.testing.assert_array_equal(t.log_abs_det_jacobian(x, x).numpy(), np.zeros((2, 3), np.float32))
    assert t.domain is C.real and t.codomain is C.real and t.bijective and t.sign == 1
    assert repr(t) == repr(TT.identity_transform)


@pytest.mark.parametrize("build", [
    lambda m: [m.ExpTransform(), m.AffineTransform(1.0, -2.0)],
    lambda m: [m.AffineTransform(0.0, 2.0), m.StickBreakingTransform()],
    lambda m: [m.StickBreakingTransform(), m.AffineTransform(0.0, 2.0)],
    lambda m: [m.ReshapeTransform((6,), (2, 3)), m.ExpTransform()],
    lambda m: [m.ExpTransform(), m.ReshapeTransform((2, 3), (6,)), m.StickBreakingTransform(), m.ExpTransform()],
    lambda m: [m.CorrCholeskyTransform(), m.ExpTransform()],
    lambda m: [m.ExpTransform(), m.IndependentTransform(m.SigmoidTransform(), 2), m.AffineTransform(0.0, 3.0)],
    lambda m: [],
])
def test_compose_event_dims_sign_and_repr_match_torch(build):
    ours, theirs = T.ComposeTransform(build(T)), TT.ComposeTransform(build(TT))
    for a, b in ((ours.domain, theirs.domain), (ours.codomain, theirs.codomain)):
        assert a.event_dim == b.event_dim and repr(a) == repr(b)
    assert ours.bijective == theirs.bijective
    assert repr(ours) == repr(theirs)
    try:
        s = theirs.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours.sign
    else:
        assert ours.sign == s
    assert ours.inv.inv is ours
    assert [type(p) for p in ours.inv.parts] == [_InverseTransform] * len(ours.parts)


def test_compose_log_det_sums_parts():
    x = probtorch.randn(4, 3, dtype=probtorch.float64)
    t = T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.StickBreakingTransform(), T.AffineTransform(0.0, 3.0)])
    y = t(x)
    # the trailing elementwise affine sees 4 outputs per event: its log-det is summed over them
    expected = (np.log(2.0) * 3 + T.StickBreakingTransform().log_abs_det_jacobian(0.5 + 2 * x, None).numpy()
                + 4 * np.log(3.0))
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(), expected, rtol=1e-12)
    assert tuple(t.forward_shape((4, 3))) == (4, 4) and tuple(t.inverse_shape((4, 4))) == (4, 3)


def test_compose_sign():
    t = T.ComposeTransform([T.AffineTransform(0.0, -2.0), T.ExpTransform(), T.AffineTransform(1.0, -1.0)])
    assert t.sign == 1
    t = T.ComposeTransform([T.AffineTransform(0.0, probtorch.tensor([-2.0, 3.0])), T.ExpTransform()])
    np.testing.assert_array_equal(t.sign.numpy(), [-1.0, 1.0])


def test_compose_cached_only_if_every_part_is():
    parts = [T.ExpTransform(), T.AffineTransform(1.0, 2.0), T.SigmoidTransform()]
    x = probtorch.randn(3)

    t = T.ComposeTransform(parts)  # no part cached: the round trip recomputes
    assert t.inv(t(x)) is not x
    t = T.ComposeTransform(parts, cache_size=1)  # with_cache(1) on every part
    assert all(p._cache_size == 1 for p in t.parts) and all(p._cache_size == 0 for p in parts)
    y = t(x)
    assert t.inv(y) is x
    assert t(x) is y
    # one uncached part breaks the chain
    mixed = T.ComposeTransform([parts[0].with_cache(1), parts[1], parts[2].with_cache(1)])
    assert mixed.inv(mixed(x)) is not x
    # with_cache on the chain caches every part
    cached = mixed.with_cache(1)
    assert all(p._cache_size == 1 for p in cached.parts)
    assert cached.inv(cached(x)) is x
    assert cached.with_cache(1) is cached


def test_compose_log_det_uses_cached_intermediates():
    calls = []

    class Counting(T.ExpTransform):
        def _call(self, x):
            calls.append(1)
            return super()._call(x)

    t = T.ComposeTransform([Counting(), T.AffineTransform(0.0, 2.0)], cache_size=1)
    x = probtorch.randn(3)
    y = t(x)
    t.log_abs_det_jacobian(x, y)
    assert len(calls) == 1


def test_compose_empty_and_nested():
    empty = T.ComposeTransform([])
    x = probtorch.randn(2)
    assert empty(x) is x
    nested = T.ComposeTransform([T.ComposeTransform([T.ExpTransform()]), T.ComposeTransform([])])
    np.testing.assert_allclose(nested(x).numpy(), np.exp(x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(nested.log_abs_det_jacobian(x, nested(x)).numpy(), x.numpy())
