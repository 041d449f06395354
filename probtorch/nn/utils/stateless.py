"""functional_call: run a module with some of its parameters and buffers replaced by given tensors."""
import warnings
from collections import defaultdict
from contextlib import contextmanager

__all__ = ["functional_call"]

_MISSING = object()


def _tensor_names(module):
    """Every parameter and buffer name, grouped by tensor identity (tied weights share a group)."""
    groups = defaultdict(list)
    for mp, m in module.named_modules():
        pre = mp + "." if mp else ""
        for d in (m._parameters, m._buffers):
            for k, t in d.items():
                if t is not None:
                    groups[id(t)].append(pre + k)
    return list(groups.values())


@contextmanager
def _reparametrize(module, mapping):
    saved = []
    try:
        for name, value in mapping.items():
            prefix, _, attr = name.rpartition(".")
            m = module.get_submodule(prefix)
            for store in (m._parameters, m._buffers):
                if attr in store:
                    saved.append((store, attr, store[attr]))
                    store[attr] = value
                    break
            else:
                saved.append((m, attr, m.__dict__.get(attr, _MISSING)))
                object.__setattr__(m, attr, value)
        yield
    finally:
        for where, attr, old in reversed(saved):
            if isinstance(where, dict):
                where[attr] = old
            elif old is _MISSING:
                where.__dict__.pop(attr, None)
            else:
                object.__setattr__(where, attr, old)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module(*args, **kwargs)`` with the named tensors in ``parameters_and_buffers`` standing in for the
    module's own; the module is unchanged afterwards. Gradients flow to the given tensors.

    Args:
        module (Module): the module to call.
        parameters_and_buffers (dict): names as in ``state_dict()`` (``"0.weight"``) mapped to tensors.
        args: a tuple of positional arguments, or a single one.
        kwargs (dict, optional): keyword arguments.
        tie_weights (bool): a tensor given for one of several tied names (one tensor registered under several
            names) is used for all of them.
        strict (bool): every parameter and buffer must be given, and nothing else.

    Deprecated in torch in favor of ``torch.func.functional_call``; this emits the same FutureWarning.

    Example::

        >>> m = nn.Linear(2, 3)
        >>> y = functional_call(m, {"weight": probtorch.zeros(3, 2)}, (probtorch.ones(1, 2),))
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    mapping = dict(parameters_and_buffers)
    groups = _tensor_names(module)
    if tie_weights:
        for names in groups:
            given = [n for n in names if n in mapping]
            if len(names) < 2 or not given:
                continue
            values = {id(mapping[n]) for n in given}
            if len(values) > 1:
                raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                                 "Consider using tie_weights=False")
            for n in names:
                mapping.setdefault(n, mapping[given[0]])
    if strict:
        own = [n for names in groups for n in names]
        missing = [n for n in own if n not in mapping]
        unexpected = [n for n in mapping if n not in set(own)]
        if missing or unexpected:
            lines = []
            if unexpected:
                lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n" + "\n".join(lines))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, mapping):
        return module(*args, **(kwargs or {}))
