"""swap_in_optimizer_params_and_state: run an optimizer on other parameter tensors and a saved state, temporarily."""
import contextlib

from .._tensor import Tensor

__all__ = ["swap_in_optimizer_params_and_state"]

_NAME = "swap_in_optimizer_params_and_state"


def _check_state(state):
    if not isinstance(state, dict):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be a dict mapping packed parameter ids "
                           f"to per-param state dicts, got {type(state).__name__}.")
    if any(isinstance(k, Tensor) for k in state):
        raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style state keyed by packed parameter ids.")
    if any(isinstance(k, int) and not isinstance(v, dict) for k, v in state.items()):
        raise RuntimeError(f"{_NAME} requires per-parameter optimizer state entries to be dictionaries.")
    return state


def _check_groups(optimizer, groups):
    if not isinstance(groups, list):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['param_groups'] to be a list of param-group dicts, "
                           f"got {type(groups).__name__}.")
    if len(groups) != len(optimizer.param_groups):
        raise RuntimeError("swapin_optim_state has a different number of parameter groups than the live optimizer.")
    for idx, (live, saved) in enumerate(zip(optimizer.param_groups, groups)):
        if not isinstance(saved, dict):
            raise RuntimeError(f"{_NAME} requires each optimizer param group to be a dictionary.")
        ids = saved.get("params")
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style param_groups[*]['params'] entries "
                               "keyed by packed parameter ids.")
        if len(ids) != len(live["params"]):
            raise RuntimeError(f"swapin_optim_state param group {idx} has a different number of params than the live "
                               "optimizer param group.")
        only_saved = [k for k in saved if k not in live]
        only_live = [k for k in live if k not in saved]
        if only_saved or only_live:
            raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style param group keys to exactly match the "
                               f"live optimizer group keys for group {idx}. Keys only in swap-in: {only_saved}. "
                               f"Keys only in live: {only_live}.")
    return groups


@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer, swapin_parameters, swapin_optim_state):
    """Inside the `with` block, `optimizer` works on the tensors in `swapin_parameters` (a dict, its values in the
    order of the optimizer's parameters across groups) with the hyper-parameters and per-parameter state of
    `swapin_optim_state` (shaped like `optimizer.state_dict()`: 'state' keyed by packed ids, 'param_groups' with
    'params' id lists). In-place changes to the state tensors show in `swapin_optim_state`; new entries or
    replaced tensors do not. On exit the live parameter groups and state are restored.

    Unlike `load_state_dict`, which only replaces the state, this also swaps the parameters, so `step()` updates the
    supplied tensors. Raises RuntimeError when the optimizer has no state yet or the structures do not match.
    """
    if not optimizer.state:
        raise RuntimeError(f"{_NAME} requires initialized optimizer state.")
    if not isinstance(swapin_optim_state, dict):
        raise RuntimeError(f"{_NAME} requires a DCP-style optimizer state_dict.")
    state = _check_state(swapin_optim_state.get("state"))
    groups = _check_groups(optimizer, swapin_optim_state.get("param_groups"))
    tensors = list(swapin_parameters.values())
    plan, offset, used = [], 0, set()
    for live, saved in zip(optimizer.param_groups, groups):
        ids = saved["params"]
        used.update(ids)
        if offset + len(ids) > len(tensors):
            raise RuntimeError(f"{_NAME} requires the explicit parameter state to match optimizer.param_groups "
                               "ordering.")
        plan.append((live, saved, tensors[offset:offset + len(ids)]))
        offset += len(ids)
    extra = [k for k in state if k not in used]
    if extra:
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be keyed only by packed parameter ids "
                           f"from param_groups[*]['params']; got extra keys {extra!r}.")

    live_state = optimizer.state
    snapshots = [dict(g) for g in optimizer.param_groups]
    try:
        swapped = {}
        for live, saved, params in plan:
            live["params"] = params
            live.update({k: v for k, v in saved.items() if k != "params"})
            for p, i in zip(params, saved["params"]):
                swapped[p] = dict(state.get(i, {}))  # shallow: in-place tensor edits reach the caller's dict
        optimizer.state = swapped
        yield
    finally:
        for g, snap in zip(optimizer.param_groups, snapshots):
            g.clear()
            g.update(snap)
        optimizer.state = live_state
