"""Helpers for tests: `assert_close` (torch-like tolerances by dtype) and `make_tensor` (random test inputs).

Both accept probtorch Tensors, numpy arrays, Python numbers and nested sequences; `assert_close` also accepts
anything with a ``.detach().cpu().numpy()`` chain (a torch tensor used as an oracle) without importing torch.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make

__all__ = ["assert_close", "make_tensor", "default_tolerances", "check_grads"]

# (rtol, atol) by numpy dtype; the same defaults torch documents for torch.testing.assert_close.
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}


def default_tolerances(*dtypes):
    """The loosest (rtol, atol) among `dtypes` (numpy or probtorch dtypes); exact (0, 0) for integers and bool."""
    rtol = atol = 0.0
    for d in dtypes:
        d = d.np if isinstance(d, _dtype.dtype) else np.dtype(d)
        r, a = _TOLERANCES.get(d, (0.0, 0.0))
        rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


def _to_numpy(x):
    """(ndarray, kind) where kind is 'tensor' for tensor-likes and arrays, 'scalar' for Python numbers."""
    if isinstance(x, Tensor):
        return x._data, "tensor"
    if isinstance(x, np.ndarray):
        return x, "tensor"
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor (duck-typed: torch is never imported here)
        x = x.detach()
        if hasattr(x, "resolve_conj"):
            x = x.resolve_conj().resolve_neg()
        try:
            return x.cpu().numpy(force=True), "tensor"  # also materializes torch's lazy zero tensors
        except TypeError:
            return x.cpu().numpy(), "tensor"
    if isinstance(x, (bool, int, float, complex, np.generic)):
        return np.asarray(x), "scalar"
    if isinstance(x, (list, tuple)):
        return None, "sequence"
    raise TypeError(f"assert_close does not know how to compare objects of type {type(x).__name__}")


def _fmt_index(flat_idx, shape):
    return tuple(int(i) for i in np.unravel_index(flat_idx, shape)) if shape else ()


def assert_close(actual, expected, rtol=None, atol=None, *, equal_nan=False, check_dtype=True, msg=None):
    """Raise AssertionError unless `actual` and `expected` match in shape, dtype and (within tolerance) values.

    Values match when ``|actual - expected| <= atol + rtol * |expected|``; infinities must agree exactly and NaNs
    match only when `equal_nan`. Give both `rtol` and `atol` or neither; the defaults depend on the dtype
    (float32: 1.3e-6 / 1e-5, float64: 1e-7 / 1e-7, float16: 1e-3 / 1e-5, exact for integers and bool).
    Sequences are compared element by element.

    Args:
        actual: the value under test.
        expected: the reference value.
        rtol (float, optional): relative tolerance.
        atol (float, optional): absolute tolerance.
        equal_nan (bool): treat NaNs in the same positions as equal.
        check_dtype (bool): require equal dtypes (compared by name, so probtorch and torch tensors can meet).
        msg (str, optional): replaces the generated failure message.
    """
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    a, ka = _to_numpy(actual)
    e, ke = _to_numpy(expected)
    if ka == "sequence" or ke == "sequence":
        if not (ka == ke == "sequence"):
            other = expected if ka == "sequence" else actual
            raise AssertionError(msg or f"cannot compare a sequence with {type(other).__name__}")
        if len(actual) != len(expected):
            raise AssertionError(msg or f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (x, y) in enumerate(zip(actual, expected)):
            try:
                assert_close(x, y, rtol, atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
            except AssertionError as err:
                raise AssertionError(f"{err}\n\nThe failure occurred for item [{i}]") from None
        return
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and ka == ke == "tensor" and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    if rtol is None:
        rtol, atol = default_tolerances(a.dtype, e.dtype)
    if a.dtype == np.bool_ or e.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    if a.size == 0:
        return
    # compare in a common type wide enough for both (int64 stays exact; floats go to float64/complex128)
    common = np.result_type(a.dtype, e.dtype)
    if common.kind in "fc":
        common = np.dtype(np.complex128 if common.kind == "c" else np.float64)
    a = a.astype(common)
    e = e.astype(common)
    if common.kind in "iub":
        bad = a != e
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - e)
            tol = atol + rtol * np.abs(e)
            finite = np.isfinite(a) & np.isfinite(e)
            close = (finite & (diff <= tol)) | (~finite & (a == e))  # infinities must agree exactly
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
        bad = ~close
        diff = np.where(finite, diff, np.inf)
    if not bad.any():
        return
    if msg is not None:
        raise AssertionError(msg)
    n_bad, n = int(bad.sum()), a.size
    what = "Scalars" if ka == ke == "scalar" else "Tensor-likes"
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = diff / np.abs(e)
    diff_b = np.where(bad, diff, -1.0)
    rel_b = np.where(bad, np.nan_to_num(rel, nan=np.inf), -1.0)
    i_abs, i_rel = int(np.argmax(diff_b)), int(np.argmax(rel_b))
    lines = [f"{what} are not {'equal' if rtol == atol == 0 else 'close'}!", "",
             f"Mismatched elements: {n_bad} / {n} ({100.0 * n_bad / n:.1f}%)",
             f"Greatest absolute difference: {diff.reshape(-1)[i_abs]} at index {_fmt_index(i_abs, a.shape)} "
             f"(up to {atol} allowed)",
             f"Greatest relative difference: {rel.reshape(-1)[i_rel]} at index {_fmt_index(i_rel, a.shape)} "
             f"(up to {rtol} allowed)"]
    raise AssertionError("\n".join(lines))


def make_tensor(*args, dtype=None, low=None, high=None, requires_grad=False, seed=None, exclude_zero=False,
                device=None, noncontiguous=False):
    """A tensor of the given shape filled with random values of `dtype`, uniform on [low, high).

    Call it torch's way, ``make_tensor(2, 3, dtype=..., low=...)``, or positionally as
    ``make_tensor(shape, dtype, low, high, requires_grad, seed)``. Floats default to [-9, 9), integers to [-9, 10)
    (clipped to the dtype's range), bool to {False, True}. With `seed` the values come from a private numpy
    generator, so they do not disturb (or depend on) the global probtorch stream; without it they come from
    probtorch's default generator. `exclude_zero` replaces exact zeros by a small non-zero value (the dtype's eps
    for floats, 1 for integers).

    Args:
        shape: ints, or one tuple/list/Size.
        dtype (probtorch.dtype): element type; defaults to the default dtype.
        low, high (float, optional): bounds of the uniform range.
        requires_grad (bool): make the result a leaf that requires grad (floating dtypes only).
        seed (int, optional): seed a private generator.
        noncontiguous (bool): return a non-contiguous view with the same values.
    """
    if args and isinstance(args[0], (tuple, list)):
        shape, rest = tuple(args[0]), args[1:]
    else:
        k = 0
        while k < len(args) and isinstance(args[k], (int, np.integer)) and not isinstance(args[k], bool):
            k += 1
        shape, rest = args[:k], args[k:]
    if len(rest) > 5:
        raise TypeError("make_tensor(shape, dtype, low, high, requires_grad, seed) takes at most 6 positional "
                        "arguments")
    positional = dict(zip(("dtype", "low", "high", "requires_grad", "seed"), rest))
    dtype = positional.get("dtype", dtype)
    low = positional.get("low", low)
    high = positional.get("high", high)
    requires_grad = positional.get("requires_grad", requires_grad)
    seed = positional.get("seed", seed)
    shape = tuple(int(s) for s in shape)
    if dtype is None:
        dtype = _dtype.get_default_dtype()
    if seed is not None:
        rng = np.random.default_rng(seed)
    else:
        from .._random import default_generator
        rng = default_generator.rng
    if low is not None and high is not None and low > high:
        raise ValueError(f"make_tensor: low must be less than or equal to high, but got low={low}, high={high}")
    npd = dtype.np
    if dtype is _dtype.bool:
        arr = rng.integers(0, 2, size=shape).astype(np.bool_)
    elif dtype.category == _dtype._INT:
        info = np.iinfo(npd)
        lo = max(info.min, math.ceil(-9 if low is None else low))
        hi = min(info.max + 1, math.ceil(10 if high is None else high))
        if hi <= lo:
            hi = lo + 1
        arr = rng.integers(lo, hi, size=shape).astype(npd)
        if exclude_zero:
            arr[arr == 0] = 1
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if dtype.category == _dtype._COMPLEX:
            arr = (rng.uniform(lo, hi, size=shape) + 1j * rng.uniform(lo, hi, size=shape)).astype(npd)
        else:
            arr = rng.uniform(lo, hi, size=shape).astype(npd)
        if exclude_zero:
            arr[arr == 0] = np.finfo(npd).eps
    if noncontiguous and arr.size > 1:
        big = np.repeat(arr[..., None], 2, axis=-1)
        arr = big[..., 0]
    t = _make(np.ascontiguousarray(arr) if not noncontiguous else arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def check_grads(fn, inputs, order=2, *, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check `fn`'s derivatives against central differences up to `order` (1: gradcheck, 2: also gradgradcheck).

    `inputs` is a tensor or tuple of tensors; those with ``requires_grad`` are checked (use float64). Raises
    `GradcheckError` on a mismatch and returns True otherwise.
    """
    from ..autograd.gradcheck import gradcheck, gradgradcheck
    if order not in (1, 2):
        raise ValueError(f"check_grads supports order 1 or 2, got {order}")
    gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if order == 2:
        gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    return True
