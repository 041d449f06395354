"""probtorch.autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp of Python functions of Tensors.

Signatures and semantics are torch's. How the work is done differs: torch computes `jvp` and `hvp` with the
"double backward" trick; here they run in forward mode (`autograd.forward_ad`): one forward pass carrying tangents
for `jvp`, forward-over-reverse for `hvp`, and the forward-mode jacobian is a single vectorized forward pass. The
double-backward versions stay available as `_jvp_double_backward` and `_hvp_double_backward` (tests check that both
agree), and serve calls made inside an open forward level (a nested jvp). Small departures: forward-mode jacobians
come back as tuples (torch gives lists) and, like every result with create_graph=False, without a graph.
"""
import numpy as np

from .._tensor import Tensor, _make
from .._grad_mode import _state, enable_grad, set_grad_enabled
from . import forward_ad as _fw
from .engine import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ------------------------------------------------------------------------------------------------ helpers
def _as_tuple(inp, arg_name, fn_name):
    """(was_tuple, tuple of Tensors), with torch's TypeError for anything that is not a Tensor."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the {where} has type {type(el)}.")
    return is_tuple, items


def _unpack(res, is_tuple):
    """Undo `_as_tuple`: `is_tuple` is one flag, or (outer, inner) flags for tuples of tuples."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            res = tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if is_tuple else res[0]


def _prepare(tensors, create_graph, need_graph):
    """Fresh handles on the inputs: connected to the caller's graph when create_graph keeps it, else detached."""
    res = []
    for t in tensors:
        if create_graph and t._rg:
            res.append(t.view_as(t))
        else:
            res.append(t.detach().requires_grad_(need_graph))
    return tuple(res)


def _finish(tensors, create_graph):
    if tensors and isinstance(tensors[0], Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_finish(t, create_graph) for t in tensors)


def _validate_v(v, other, other_is_tuple):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.shape} but got {a.shape}.")


def _prepare_v(v, ref, ref_is_tuple, create_graph, fn_name, what):
    """Check `v` against `ref` (the inputs or the outputs); `v=None` only for a single one-element `ref`."""
    if v is None:
        if len(ref) != 1 or ref[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} a single Tensor with a single element.")
        return (_make(np.ones_like(ref[0]._data)),)
    _, v = _as_tuple(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    _validate_v(v, ref, ref_is_tuple)
    return v


def _prepare_inputs_and_v(inputs, v, create_graph, fn_name):
    """The start of the functions whose `v` is an input tangent (jvp, vhp, hvp): returns whether `inputs` was a
    tuple, the inputs as a tuple ready to record a graph, and `v` checked against them."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _prepare_v(v, inputs, inputs_tuple, create_graph, fn_name, "input to the user-provided function is")
    return inputs_tuple, inputs, v


def _finish_pair(outputs, outputs_tuple, res, res_tuple, create_graph):
    """What vjp/jvp/vhp/hvp return: (outputs, res), each detached unless `create_graph` and unpacked as given."""
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(res, create_graph), res_tuple)


_STRICT_MESSAGES = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect to "
                "input {i} is independent of the input. This is not allowed in strict mode. You should ensure that "
                "your function is twice differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the input. "
               "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
               "and that the hessian depends on the inputs.",
}


def _check_requires_grad(tensors, kind, strict):
    """In strict mode, every tensor must exist (depend on the inputs) and require grad."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode.")
        if not t._rg:
            raise RuntimeError(_STRICT_MESSAGES[kind].format(i=i))


def _grad_of(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad (None for inputs they do not reach)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o._rg]
    if not pairs:
        return (None,) * len(inputs)
    return _grad([o for o, _ in pairs], inputs, [g for _, g in pairs], create_graph=create_graph,
                 retain_graph=retain_graph, allow_unused=True)


_MISSING_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in strict "
                  "mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed in "
                   "strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """Zeros (shaped like `refs`) for missing results; in strict mode, an error instead."""
    from .._functions.creation import zeros_like
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING_MESSAGES[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g._rg:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


class _recording_tangents:
    """Whether forward-AD tangent computations are recorded in the reverse graph (needed only for create_graph)."""

    def __init__(self, flag):
        self.flag = flag

    def __enter__(self):
        self.prev = _fw._Level.record
        _fw._Level.record = self.flag

    def __exit__(self, *exc):
        _fw._Level.record = self.prev
        return False


def _single_scalar_output(outputs, is_tuple, fn_name):
    if is_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")


# ------------------------------------------------------------------------------------------------ vjp / jvp
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Jacobian product ``v^T J`` of `func` at `inputs`, by one reverse pass.

    Args:
        func: a Python function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors, the point at which to differentiate.
        v: the vector(s), shaped like the outputs; may be omitted when the output has a single element.
        create_graph: make the outputs and the result differentiable.
        strict: raise when an input has no effect on the outputs instead of returning zeros.

    Returns:
        tuple: ``(func_output, vjp)``; `vjp` is structured like `inputs`.

    Example::

        >>> def exp_reducer(x):
        ...     return x.exp().sum(dim=1)
        >>> vjp(exp_reducer, probtorch.rand(4, 4), probtorch.ones(4))[1]    # exp(x)
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _prepare_v(v, outputs, outputs_tuple, create_graph, "vjp", "user-provided function returns")
    with set_grad_enabled(True if create_graph else _state.enabled):
        grads = _grad_of(outputs, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    return _finish_pair(outputs, outputs_tuple, res, inputs_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Jacobian-vector product ``J v`` of `func` at `inputs`, by one forward pass in forward-mode AD.

    Args:
        func: a Python function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors, the point at which to differentiate.
        v: the tangent vector(s), shaped like the inputs; may be omitted when the input has a single element.
        create_graph: make the outputs and the result differentiable (w.r.t. the inputs and `v`).
        strict: raise when an input has no effect on the outputs (or an output none on the result) instead of
            returning zeros.

    Returns:
        tuple: ``(func_output, jvp)``; `jvp` is structured like the outputs.

    Example::

        >>> def adder(x, y):
        ...     return 2 * x + 3 * y
        >>> jvp(adder, (probtorch.rand(2), probtorch.rand(2)), (probtorch.ones(2), probtorch.ones(2)))[1]
        tensor([5., 5.])
    """
    if _fw._Level.current is not None:  # inside a forward-AD level (e.g. a nested jvp): one level only
        return _jvp_double_backward(func, inputs, v, create_graph, strict)
    with enable_grad():
        inputs_tuple, inputs, v = _prepare_inputs_and_v(inputs, v, create_graph, "jvp")
        with _recording_tangents(create_graph), _fw.dual_level():
            duals = tuple(_fw.make_dual(x, t) for x, t in zip(inputs, v))
            outputs = func(*duals)
            outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
            tangents = [o._fw for o in outputs]
        if strict:
            _check_requires_grad(outputs, "outputs", strict)
            # every input must reach some output (a reverse sweep of the recorded graph finds out)
            zeros = tuple(_make(np.zeros_like(o._data)) for o in outputs)
            for i, g in enumerate(_grad_of(outputs, inputs, zeros, retain_graph=True)):
                if g is None:
                    raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                       "This is not allowed in strict mode.")
        res = _fill_in_zeros(tangents, outputs, strict, create_graph, "back_trick")
    return _finish_pair(outputs, outputs_tuple, res, outputs_tuple, create_graph)


def _jvp_double_backward(func, inputs, v=None, create_graph=False, strict=False):
    """`jvp` by the double-backward trick: ``J v = d/du <J^T u, v>`` (what torch does), kept to cross-check."""
    with enable_grad():
        inputs_tuple, inputs, v = _prepare_inputs_and_v(inputs, v, create_graph, "jvp")
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        dummies = tuple(_make(np.zeros_like(o._data), o._data.dtype.kind in "fc") for o in outputs)
        grad_inputs = _grad_of(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else _state.enabled):
        res = _grad_of(grad_inputs, dummies, v, create_graph=create_graph)
        res = _fill_in_zeros(res, outputs, strict, create_graph, "back_trick")
    return _finish_pair(outputs, outputs_tuple, res, outputs_tuple, create_graph)


# ------------------------------------------------------------------------------------------------ jacobian
def _stack_rows(rows, out_shape, in_shape):
    from .._functions.shape import stack
    return stack(rows).reshape(tuple(out_shape) + tuple(in_shape))


def _jacobian_forward(func, inputs, strict, vectorize, batched=True):
    """Forward-mode Jacobian. Batched (the default): one forward pass whose tangents stack the whole standard basis
    of the inputs. Otherwise one pass per basis vector (kept to cross-check the batched rules)."""
    if strict:
        raise RuntimeError('probtorch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                           'not supported together (yet). Please either set `strict=False` or '
                           '`strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                                  "implemented for `vectorize=True`.")
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = tuple(x.detach() for x in inputs)  # the function may flag them requires_grad (forward-over-reverse)
    numels = [x.numel() for x in inputs]
    total = sum(numels)
    if total == 0:
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs", "jacobian")
        columns = [np.zeros((0,) + tuple(o.shape), o._data.dtype) for o in outputs]
    elif batched:
        with _recording_tangents(False), _fw._vectorized(total):
            duals, start = [], 0
            for x, n in zip(inputs, numels):
                basis = np.zeros((total, n), x._data.dtype)
                basis[start:start + n] = np.eye(n, dtype=x._data.dtype)
                start += n
                duals.append(_fw._make_batched_dual(x, _make(basis.reshape((total,) + tuple(x.shape)))))
            outputs_tuple, outputs = _as_tuple(func(*duals), "outputs", "jacobian")
            columns = [np.zeros((total,) + tuple(o.shape), o._data.dtype) if o._fw is None else o._fw._data
                       for o in outputs]
    else:
        per = []
        for j, x in enumerate(inputs):
            for k in range(numels[j]):
                basis = np.zeros(x._data.shape, x._data.dtype)
                basis.reshape(-1)[k] = 1
                with _recording_tangents(False), _fw.dual_level():
                    args = list(inputs)
                    args[j] = _fw.make_dual(x, _make(basis))
                    outputs_tuple, outputs = _as_tuple(func(*args), "outputs", "jacobian")
                    per.append([np.zeros_like(o._data) if o._fw is None else o._fw._data for o in outputs])
        columns = [np.stack([p[i] for p in per]) for i in range(len(outputs))]
    jac = []
    for o, col in zip(outputs, columns):
        flat = col.reshape(total, o.numel()).T   # (output numel, total input numel)
        row, start = [], 0
        for x, n in zip(inputs, numels):
            row.append(_make(np.ascontiguousarray(flat[:, start:start + n]).reshape(tuple(o.shape) + tuple(x.shape))))
            start += n
        jac.append(tuple(row))
    return _unpack(tuple(jac), (outputs_tuple, inputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`: ``J[i][j]`` has shape ``output_i.shape + input_j.shape``.

    Args:
        func: a Python function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Jacobian differentiable (reverse mode only).
        strict: raise when an output is independent of an input instead of returning zeros (not with
            `vectorize=True` or forward mode).
        vectorize: required by forward mode, as in torch; the reverse mode gives the same numbers either way.
        strategy: ``"reverse-mode"`` (one reverse pass per output element) or ``"forward-mode"`` (a single forward
            pass whose tangents stack the whole standard basis of the inputs; usually the faster one here).

    Returns:
        Tensor, or tuple of Tensors, or tuple of tuples of Tensors, following the structure of outputs and inputs.

    Example::

        >>> jacobian(lambda x: x.exp().sum(1), probtorch.rand(2, 2)).shape
        probtorch.Size([2, 2, 2])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('probtorch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either '
                                      'set `create_graph=False` or `strategy="reverse-mode"`.')
        return _jacobian_forward(func, inputs, strict, vectorize)
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("probtorch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            n = out.numel()
            for k in range(n):
                basis = np.zeros(out._data.shape, out._data.dtype)
                basis.reshape(-1)[k] = 1
                grads = _grad_of((out,), inputs, (_make(basis),), create_graph=create_graph, retain_graph=True)
                for j, (g, x) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                               f"{j}. This is not allowed in strict mode.")
                        g = _make(np.zeros_like(x._data))
                    elif strict and create_graph and not g._rg:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                           "This is not allowed in strict mode when create_graph=True.")
                    rows[j].append(g)
            jac.append(tuple(_stack_rows(r, out.shape, x.shape) if n else
                             _make(np.zeros(tuple(out.shape) + tuple(x.shape), x._data.dtype))
                             for r, x in zip(rows, inputs)))
        jac = _finish(tuple(jac), create_graph)
    return _unpack(jac, (outputs_tuple, inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian (outer, by `outer_jacobian_strategy`) of its gradient (inner,
    reverse mode). ``H[i][j]`` has shape ``input_i.shape + input_j.shape``.

    Args:
        func: a Python function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the Hessian differentiable.
        strict: raise when some input does not affect the gradient instead of returning zeros.
        vectorize: as in `jacobian` (required for the forward-mode outer Jacobian).
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"`` (forward-over-reverse: one reverse pass
            carrying a tangent per input element; needs `vectorize=True`).

    Example::

        >>> hessian(lambda x: x.pow(3).sum(), probtorch.tensor([1., 2.]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        _single_scalar_output(t_out, out_tuple, "hessian")
        return out.squeeze()

    def gradient(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t if t._rg else t.requires_grad_(True) for t in inp)
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack(res, (inputs_tuple, inputs_tuple))


# ------------------------------------------------------------------------------------------------ hvp / vhp
def _scalar_and_gradient(func, args, inputs, create_graph, strict, fn_name):
    """The first half of vhp/hvp: ``func(*args)``, checked to be one single-element Tensor, and its gradient with
    respect to `inputs` (strict mode checks that both depend on the inputs).

    Returns:
        (outputs_tuple, outputs, gradient)
    """
    outputs_tuple, outputs = _as_tuple(func(*args), "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    _single_scalar_output(outputs, outputs_tuple, fn_name)
    jac = _grad_of(outputs, inputs, create_graph=create_graph)
    _check_requires_grad(jac, "jacobian", strict)
    return outputs_tuple, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Hessian product ``v^T H`` of a scalar function, by reverse-over-reverse.

    Args:
        func: a Python function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        v: vector(s) shaped like the inputs; may be omitted for a single one-element input.
        create_graph: make the outputs and the result differentiable.
        strict: raise when some input does not affect the gradient instead of returning zeros.

    Returns:
        tuple: ``(func_output, vhp)``; `vhp` is structured like `inputs`.
    """
    with enable_grad():
        inputs_tuple, inputs, v = _prepare_inputs_and_v(inputs, v, create_graph, "vhp")
        outputs_tuple, outputs, jac = _scalar_and_gradient(func, inputs, inputs, True, strict, "vhp")
    with set_grad_enabled(True if create_graph else _state.enabled):
        res = _grad_of(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(res, inputs, strict, create_graph, "double_back")
    return _finish_pair(outputs, outputs_tuple, res, inputs_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Hessian-vector product ``H v`` of a scalar function, by forward-over-reverse: the gradient is computed
    by one reverse pass whose every operation carries the tangent `v` (no second reverse pass).

    Args:
        func: a Python function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        v: vector(s) shaped like the inputs; may be omitted for a single one-element input.
        create_graph: make the outputs and the result differentiable.
        strict: raise when some input does not affect the gradient instead of returning zeros.

    Returns:
        tuple: ``(func_output, hvp)``; `hvp` is structured like `inputs`.

    Example::

        >>> hvp(lambda x: x.pow(3).sum(), probtorch.tensor([1., 2.]), probtorch.ones(2))[1]
        tensor([ 6., 12.])
    """
    if _fw._Level.current is not None:  # inside a forward-AD level: one level only
        return _hvp_double_backward(func, inputs, v, create_graph, strict)
    with enable_grad():
        inputs_tuple, inputs, v = _prepare_inputs_and_v(inputs, v, create_graph, "hvp")
        with _recording_tangents(create_graph), _fw.dual_level():
            duals = tuple(_fw.make_dual(x, t) for x, t in zip(inputs, v))
            outputs_tuple, outputs, jac = _scalar_and_gradient(func, duals, inputs, create_graph or strict, strict,
                                                               "hvp")
            tangents = [None if g is None else g._fw for g in jac]
        res = _fill_in_zeros(tangents, inputs, strict, create_graph, "double_back_trick")
    return _finish_pair(outputs, outputs_tuple, res, inputs_tuple, create_graph)


def _hvp_double_backward(func, inputs, v=None, create_graph=False, strict=False):
    """`hvp` by reverse-over-reverse with the double-backward trick (torch's method), kept to cross-check."""
    with enable_grad():
        inputs_tuple, inputs, v = _prepare_inputs_and_v(inputs, v, create_graph, "hvp")
        outputs_tuple, outputs, jac = _scalar_and_gradient(func, inputs, inputs, True, strict, "hvp")
        dummies = tuple(_make(np.zeros_like(x._data), True) for x in inputs)
        double_back = _grad_of(jac, inputs, dummies, create_graph=True)
    with set_grad_enabled(True if create_graph else _state.enabled):
        res = _grad_of(double_back, dummies, v, create_graph=create_graph)
        res = _fill_in_zeros(res, inputs, strict, create_graph, "double_back_trick")
    return _finish_pair(outputs, outputs_tuple, res, inputs_tuple, create_graph)
