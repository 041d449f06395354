"""Finite-difference checks of first and second derivatives (gradcheck, gradgradcheck)."""
import warnings

import numpy as np

from .._tensor import Tensor, _make
from .grad_mode import no_grad
from .engine import grad as _grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "numerical_jacobian", "analytical_jacobian",
           "forward_jacobian"]


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) or not isinstance(x, (tuple, list)) else tuple(x)


def _outputs(func, inputs):
    out = _as_tuple(func(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o.is_floating_point() or isinstance(o, Tensor) and
            o.is_complex()]


# Complex tensors are checked as real ones of twice the size (torch's gradcheck does the same): an input of n
# complex elements contributes 2n rows (the real-part perturbations, then the imaginary-part ones) and an output
# 2n columns (real parts, then imaginary parts). The engine's gradient c of a real function of z (torch's convention)
# holds its two real partials as (Re c, Im c), and the output element's real part is reached with grad_output 1,
# its imaginary part with grad_output 1j.
def _nrows(t):
    return t.numel() * (2 if t.is_complex() else 1)


def _columns(o):
    """An output's values as the real vector its jacobian columns index."""
    d = np.asarray(o._data).reshape(-1)
    if d.dtype.kind == "c":
        return np.concatenate([d.real, d.imag]).astype(np.float64)
    return d.astype(np.float64)


def _rows(gi):
    """A gradient as the real column of jacobian entries over its input's rows."""
    d = np.asarray(gi._data).reshape(-1)
    if d.dtype.kind == "c":
        return np.concatenate([d.real, d.imag])
    return d


def numerical_jacobian(func, inputs, eps=1e-6):
    """[output][input] -> (rows(input), columns(output)) central-difference jacobians (complex as real pairs)."""
    diff_inputs = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    # func runs with recording on: it may differentiate internally (gradgradcheck's first-order map does)
    outs0 = _outputs(func, inputs)
    jac = [[np.zeros((_nrows(inputs[i]), _columns(o).size)) for i in diff_inputs] for o in outs0]
    for col, i in enumerate(diff_inputs):
        x = inputs[i]
        data = x._data  # perturbed in place (any strides), element by element in C order
        if not data.flags.writeable:
            raise ValueError(f"gradcheck: input {i} is not writable (an expanded tensor?); pass a contiguous copy")
        steps = (eps, eps * 1j) if data.dtype.kind == "c" else (eps,)
        n = data.size
        for part, step in enumerate(steps):
            for k, pos in enumerate(np.ndindex(data.shape)):
                orig = data[pos]
                data[pos] = orig + step
                plus = [_columns(o) for o in _outputs(func, inputs)]
                data[pos] = orig - step
                minus = [_columns(o) for o in _outputs(func, inputs)]
                data[pos] = orig
                if len(plus) != len(outs0) or len(minus) != len(outs0):
                    raise GradcheckError("gradcheck: the function returned a different number of outputs when its "
                                         "input was perturbed")
                for j in range(len(outs0)):
                    jac[j][col][part * n + k] = (plus[j] - minus[j]) / (2 * eps)
    return jac


def analytical_jacobian(func, inputs):
    """[output][input] -> (rows(input), columns(output)) jacobians from the engine, one vjp per output column."""
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(func, inputs)
    jac = [[np.zeros((_nrows(t), _columns(o).size)) for t in diff_inputs] for o in outs]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        n = o.numel()
        for part, unit in enumerate((1, 1j) if o.is_complex() else (1,)):
            for k in range(n):
                g = np.zeros(o.shape, o._data.dtype)
                g.reshape(-1)[k] = unit
                grads = _grad(o, diff_inputs, _make(g), retain_graph=True, allow_unused=True)
                for col, gi in enumerate(grads):
                    if gi is not None:
                        jac[j][col][:, part * n + k] = _rows(gi)
    return jac


def forward_jacobian(func, inputs):
    """[output][input] -> (rows(input), columns(output)) jacobians by forward-mode AD, one basis tangent at a time
    (1 and then 1j for each element of a complex input)."""
    from . import forward_ad as fw
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    jac = None
    for col, i in enumerate(diff):
        x = inputs[i]
        n = x.numel()
        for part, unit in enumerate((1, 1j) if x.is_complex() else (1,)):
            for k in range(n):
                basis = np.zeros(x._data.shape, x._data.dtype)
                basis.reshape(-1)[k] = unit
                with fw.dual_level():
                    args = list(inputs)
                    args[i] = fw.make_dual(x, _make(basis))
                    outs = _outputs(func, args)
                    if jac is None:
                        jac = [[np.zeros((_nrows(inputs[d]), _columns(o).size)) for d in diff] for o in outs]
                    for j, o in enumerate(outs):
                        t = fw.unpack_dual(o).tangent
                        if t is not None:
                            jac[j][col][part * n + k] = _columns(t.expand(o.shape))
    if jac is None:  # every differentiable input is empty
        jac = [[np.zeros((_nrows(inputs[d]), _columns(o).size)) for d in diff] for o in _outputs(func, inputs)]
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True when the autograd jacobian of `func` at `inputs` matches central differences."""
    inputs = _as_tuple(inputs)
    for k, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double precision "
                          "floating point.")
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    num = numerical_jacobian(func, inputs, eps)
    if check_forward_ad:
        fwd = forward_jacobian(func, inputs)
        for j, (nrow, frow) in enumerate(zip(num, fwd)):
            for i, (n, f) in enumerate(zip(nrow, frow)):
                if not np.allclose(f, n, rtol=rtol, atol=atol):
                    if raise_exception:
                        raise GradcheckError(f"Jacobian computed with forward mode mismatch for output {j} with "
                                             f"respect to input {i},\nnumerical:{n}\nanalytical:{f}\n")
                    return False
    if not check_backward_ad:
        return True
    ana = analytical_jacobian(func, inputs)
    if len(num) != len(ana):
        raise GradcheckError(f"gradcheck: {len(num)} outputs seen numerically but {len(ana)} analytically")
    for j, (nrow, arow) in enumerate(zip(num, ana)):
        for i, (n, a) in enumerate(zip(nrow, arow)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                                         f"numerical:{n}\nanalytical:{a}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the map (inputs, v) -> vjp(func, inputs, v) computed with create_graph=True."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        with no_grad():
            outs = _outputs(func, inputs)
        grad_outputs = tuple(_make(_random_like(rng, o._data)).requires_grad_(True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_order(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        if not pairs:
            return tuple(xs[i].detach() * 0 for i in diff_idx)
        # one output per differentiable input, zeros where unused, so the output count never varies
        return _grad([o for o, _ in pairs], [xs[i] for i in diff_idx], [v for _, v in pairs], create_graph=True,
                     materialize_grads=True)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _random_like(rng, d):
    """Standard normal values of d's shape and dtype (real and imaginary parts for a complex d)."""
    v = rng.standard_normal(d.shape)
    if d.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(d.shape)
    return np.array(v, dtype=d.dtype)  # (a writable array also for 0-d outputs)
