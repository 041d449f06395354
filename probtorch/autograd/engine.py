"""Reverse-mode engine: a topological sweep over recorded Nodes (backward and autograd.grad)."""
import numpy as np

from .._tensor import Tensor, _make
from .._primitive import Node
from .grad_mode import _state

__all__ = ["backward", "grad"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs, is_grads_batched=False):
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} gradients "
                           f"for {len(outputs)} outputs")
    res = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(out).__name__} at index {i}")
        if g is None:
            if out._rg and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._rg and out._data.dtype.kind == "c":  # the gradient of a complex output has no default
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            g = _make(np.ones_like(out._data))
        elif not isinstance(g, Tensor):
            from .._functions.creation import tensor
            g = tensor(g, dtype=out.dtype)
        if g._data.shape != out._data.shape and not is_grads_batched:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{_fmt(g._data.shape)} and output[{i}] has a shape of {_fmt(out._data.shape)}.")
        if g._data.dtype != out._data.dtype:
            if (out._data.dtype.kind == "c") != (g._data.dtype.kind == "c"):
                raise RuntimeError("For complex Tensors, both grad_output and output are required to have the same "
                                   "dtype. Mismatch in dtype: grad_output[%d] has a dtype of %s and output[%d] has "
                                   "a dtype of %s." % (i, g.dtype, i, out.dtype))
            if out._data.dtype.kind in "fc":
                g = g.to(out.dtype)
        res.append(g)
    return res


def _fmt(shape):
    return f"probtorch.Size([{', '.join(map(str, shape))}])"


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of `tensors` (weighted by `grad_tensors`) into the leaves' .grad."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for i, t in enumerate(tensors):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    _run(tensors, grads, retain_graph, create_graph, inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of `outputs` w.r.t. `inputs` (a tuple aligned with `inputs`), without touching .grad."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        from .._functions.shape import stack
        res = []
        n = grad_outputs[0].shape[0]
        per = [_run(outputs, _make_grads(outputs, [g[k] for g in grad_outputs]), True, create_graph, inputs,
                    accumulate=False) for k in range(n)]
        for j, t in enumerate(inputs):
            col = [p[j] for p in per]
            if any(c is None for c in col):
                res.append(None)
            else:
                res.append(stack(col))
    else:
        res = _run(outputs, _make_grads(outputs, grad_outputs), retain_graph, create_graph, inputs,
                   accumulate=False)
    for j, r in enumerate(res):
        if r is None:
            if materialize_grads:
                res[j] = _make(np.zeros_like(inputs[j]._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {j} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(res)


def _run(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    """The backward sweep. Returns the captured gradients for `inputs` (or None when not given).

    Nodes carry a creation sequence number and a node's inputs always exist before it, so visiting the reachable
    nodes in decreasing `seq` is a topological order (every consumer before its producers).
    """
    leaf_targets = node_targets = None
    captured = None
    if inputs is not None:
        leaf_targets, node_targets = {}, {}
        for k, t in enumerate(inputs):
            if t.grad_fn is None:  # a repeated input is captured once and copied at the end
                leaf_targets.setdefault(id(t), k)
            else:
                node_targets.setdefault((t.grad_fn, t._output_nr), k)
        captured = [None] * len(inputs)
        target_nodes = {n for n, _ in node_targets}

    seen = set()
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    seen.update(stack)
    nodes = []
    while stack:
        node = stack.pop()
        nodes.append(node)
        for e in node.edges:
            if e is not None:
                o = e[0]
                if o.__class__ is not Tensor and o not in seen and isinstance(o, Node):
                    seen.add(o)
                    stack.append(o)
    nodes.sort(key=_seq_key, reverse=True)
    needed = None
    if inputs is not None:
        # prune branches that reach no requested input (producers first, so reversed order)
        needed = set()
        for node in reversed(nodes):
            for e in node.edges:
                if e is not None:
                    o = e[0]
                    if (o in needed or o in target_nodes) if isinstance(o, Node) else (id(o) in leaf_targets):
                        needed.add(node)
                        break

    buffers = {}
    leaf_grads = {}
    anomaly = _state.anomaly and _state.check_nan
    prev = _state.enabled
    _state.enabled = create_graph
    try:
        for r, g in zip(roots, root_grads):
            fn = r.grad_fn
            if fn is not None:
                buf = buffers.get(fn)
                if buf is None:
                    buf = buffers[fn] = [None] * len(fn.out_data)
                nr = r._output_nr
                buf[nr] = g if buf[nr] is None else buf[nr] + g
            elif r._rg:
                _send_leaf(leaf_grads, r, g)
        for node in nodes:
            gs = buffers.pop(node, None)
            if gs is None:
                continue
            post = None
            if node.pre_hooks:
                for nr, hooks in node.pre_hooks.items():
                    if nr < 0 or gs[nr] is None:
                        continue
                    retain = None
                    for hook in list(hooks.values()):
                        if getattr(hook, "_retain", False):
                            retain = hook  # retain_grad sees the gradient after every other hook, as in torch
                            continue
                        gs[nr] = _call_hook(hook, gs[nr])
                    if retain is not None:
                        retain(gs[nr])
                if node.pre_hooks.get(-1):
                    for hook in list(node.pre_hooks[-1].values()):
                        new = hook(tuple(gs))
                        if new is not None:
                            gs = list(new)
                post = node.pre_hooks.get(-2)
            if node_targets and node in target_nodes:
                for nr, gk in enumerate(gs):
                    k = node_targets.get((node, nr))
                    if k is not None:
                        captured[k] = gk
            if needed is not None and node not in needed:
                continue
            in_grads = node.apply(gs)
            if anomaly:
                _check_nan(node, in_grads)
            if post:
                for hook in list(post.values()):
                    new = hook(tuple(None if e is None else gi for e, gi in zip(node.edges, in_grads)), tuple(gs))
                    if new is not None:
                        in_grads = list(new)
            if not retain_graph:
                node.release()
            for e, gi in zip(node.edges, in_grads):
                if e is None or gi is None:
                    continue
                obj, nr = e
                if obj.__class__ is Tensor or not isinstance(obj, Node):
                    _send_leaf(leaf_grads, obj, gi)
                    continue
                buf = buffers.get(obj)
                if buf is None:
                    buf = buffers[obj] = [None] * len(obj.out_data)
                buf[nr] = gi if buf[nr] is None else buf[nr] + gi
        for leaf, g in leaf_grads.values():
            if leaf._hooks:
                for hook in list(leaf._hooks.values()):
                    g = _call_hook(hook, g)
            if inputs is not None:
                k = leaf_targets.get(id(leaf))
                if k is None:
                    continue
                if not accumulate:
                    captured[k] = g
                    continue
            if accumulate:
                _accumulate(leaf, g, create_graph)
        if accumulate and node_targets:
            for (node, nr), k in node_targets.items():
                t = inputs[k]
                if captured[k] is not None:
                    _accumulate(t, captured[k], create_graph)
    finally:
        _state.enabled = prev
    if captured is not None:
        for k, t in enumerate(inputs):
            first = leaf_targets.get(id(t)) if t.grad_fn is None else node_targets.get((t.grad_fn, t._output_nr))
            if first != k:
                captured[k] = captured[first]
    return captured


def _check_nan(node, in_grads):
    for i, gi in enumerate(in_grads):
        if gi is not None and np.isnan(gi._data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _call_hook(hook, g):
    """Run a tensor hook; a returned tensor replaces the gradient and must keep its shape."""
    new = hook(g)
    if new is None:
        return g
    if new._data.shape != g._data.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', type(hook).__name__)}' has changed the size of value")
    return new


def _seq_key(node):
    return node.seq


def _send_leaf(leaf_grads, leaf, g):
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        entry[1] = entry[1] + g


def _accumulate(leaf, g, create_graph):
    if leaf.grad is None:
        leaf.grad = g if create_graph else _make(np.array(g._data, copy=True))
    elif create_graph or leaf.grad._rg:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad._data += g._data
        leaf.grad._vc.value += 1
    post = leaf.__dict__.get("_post_acc")
    if post:
        for hook in list(post.values()):
            hook(leaf)
