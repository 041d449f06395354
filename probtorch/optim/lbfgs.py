"""L-BFGS (limited-memory BFGS) with an optional strong-Wolfe line search, as torch.optim.LBFGS."""
import numpy as np

from .._grad_mode import enable_grad, no_grad
from .._tensor import Tensor
from ._common import check_lr, value
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, f'=g1) and (x2, f2, f'=g2), clipped to `bounds` (default: [x1, x2]
    sorted); the midpoint of the bounds when the cubic has no real minimiser."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along d from the current point (loss f, gradient g, slope gtd = g.d) for a step t meeting the
    strong Wolfe conditions. `evaluate(t)` returns (loss, flat gradient) at x + t d. First expands until a bracket
    of acceptable steps is found, then shrinks it by safeguarded cubic interpolation. Returns (f, g, t, evals)."""
    d_max = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)
    armijo = lambda f_t, t_: f_t > f + c1 * t_ * gtd  # noqa: E731  (sufficient decrease violated)
    curvature = lambda gtd_t: abs(gtd_t) <= -c2 * gtd  # noqa: E731
    # bracket: lists [step, loss, grad, slope] for the two ends
    t_old, f_old, g_old, gtd_old = 0, f, g.copy(), gtd
    done = False
    it = 0
    ends = None
    while it < max_ls:
        if armijo(f_new, t) or (it > 1 and f_new >= f_old):
            ends = [[t_old, f_old, g_old, gtd_old], [t, f_new, g_new.copy(), gtd_new]]
            break
        if curvature(gtd_new):
            ends = [[t, f_new, g_new, None]]
            done = True
            break
        if gtd_new >= 0:
            ends = [[t_old, f_old, g_old, gtd_old], [t, f_new, g_new.copy(), gtd_new]]
            break
        t_next = _cubic_min(t_old, f_old, gtd_old, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_old), t * 10))
        t_old, f_old, g_old, gtd_old = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        ends = [[0, f, g, None], [t, f_new, g_new, None]]

    low, high = (0, 1) if ends[0][1] <= ends[-1][1] else (1, 0)
    stalled = False
    while not done and it < max_ls:
        if abs(ends[1][0] - ends[0][0]) * d_max < tolerance_change:
            break
        (a, fa, _, ga), (b, fb, _, gb) = ends
        t = _cubic_min(a, fa, ga, b, fb, gb)
        left, right = min(a, b), max(a, b)
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:
            # too close to an end: after two such tries in a row (or when on/outside it), step 10% inside
            if stalled or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if armijo(f_new, t) or f_new >= ends[low][1]:
            ends[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if ends[0][1] <= ends[1][1] else (1, 0)
        else:
            if curvature(gtd_new):
                done = True
            elif gtd_new * (ends[high][0] - ends[low][0]) >= 0:
                ends[high] = list(ends[low])
            ends[low] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new, _ = ends[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    """L-BFGS as torch.optim.LBFGS: each `step(closure)` runs up to `max_iter` quasi-Newton iterations (at most
    `max_eval` closure calls, default max_iter * 5 // 4) over all parameters flattened into one vector, keeping the
    last `history_size` curvature pairs. Without a line search every iteration moves by lr times the L-BFGS
    direction (the first by min(1, 1/|g|_1) lr); `line_search_fn='strong_wolfe'` searches for the step instead.
    Stops early when max |g| <= tolerance_grad or when the step or loss change falls below tolerance_change.

    Only one parameter group is allowed. The optimizer's state is global and lives under the first parameter, with
    torch's keys: func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss, al. The
    vector arithmetic runs in numpy in the parameters' dtype; `step` requires the closure, which must recompute the
    loss and its gradients (it is called with grad mode enabled).
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # flat-vector helpers ------------------------------------------------------------------------------------------
    def _flat_grad(self):
        parts = [np.zeros(p.numel(), dtype=p._data.dtype) if p.grad is None else np.ravel(p.grad._data)
                 for p in self._params]
        return np.concatenate(parts)

    def _move(self, t, d):
        off = 0
        for p in self._params:
            n = p.numel()
            p.add_(_tensor_of(d[off:off + n].reshape(p.shape)), alpha=float(t))
            off += n

    def _snapshot(self):
        return [p._data.copy() for p in self._params]

    def _restore(self, saved):
        for p, arr in zip(self._params, saved):
            p.copy_(_tensor_of(arr))

    def step(self, closure):
        group = self.param_groups[0]
        lr = value(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        line_search, history_size = group["line_search_fn"], group["history_size"]

        def call():
            with enable_grad():
                return closure()

        with no_grad():
            state = self._state(self._params[0])
            state.setdefault("func_evals", 0)
            state.setdefault("n_iter", 0)
            orig_loss = call()
            loss = float(orig_loss)
            evals = 1
            state["func_evals"] += 1
            g = self._flat_grad()
            if np.abs(g).max() <= tol_grad:
                return orig_loss

            d, t = _arr(state.get("d")), state.get("t")
            old_dirs = [_arr(v) for v in state.get("old_dirs") or []]
            old_stps = [_arr(v) for v in state.get("old_stps") or []]
            ro = [_arr(v)[()] for v in state.get("ro") or []]
            h_diag = _arr(state.get("H_diag"))
            prev_g = _arr(state.get("prev_flat_grad"))
            prev_loss = state.get("prev_loss")
            have_al = "al" in state  # torch creates this buffer on the first quasi-Newton update
            al = [None if v is None else _arr(v)[()] for v in state.get("al", [None] * history_size)]
            t = _arr(t)[()] if isinstance(t, Tensor) else t
            h_diag = h_diag[()] if isinstance(h_diag, np.ndarray) else h_diag
            if len(al) < history_size:
                al = al + [None] * (history_size - len(al))

            n = 0
            while n < max_iter:
                n += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -g
                    old_dirs, old_stps, ro, h_diag = [], [], [], 1
                else:
                    have_al = True
                    y = g - prev_g
                    s = d * t
                    ys = y.dot(s)
                    if ys > 1e-10:
                        if len(old_dirs) == history_size:
                            old_dirs.pop(0)
                            old_stps.pop(0)
                            ro.pop(0)
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / y.dot(y)
                    # two-loop recursion: d = -H g with H the limited-memory inverse-Hessian estimate
                    q = -g
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = old_stps[i].dot(q) * ro[i]
                        q = q - al[i] * old_dirs[i]
                    d = q * h_diag
                    for i in range(len(old_dirs)):
                        beta = old_dirs[i].dot(d) * ro[i]
                        d = d + (al[i] - beta) * old_stps[i]
                prev_g = g.copy()
                prev_loss = loss
                if state["n_iter"] == 1:
                    t = min(1.0, 1.0 / np.abs(g).sum()) * lr
                else:
                    t = lr
                gtd = g.dot(d)
                if gtd > -tol_change:
                    break
                ls_evals = 0
                if line_search is not None:
                    if line_search != "strong_wolfe":
                        raise RuntimeError("only 'strong_wolfe' is supported")
                    x0 = self._snapshot()

                    def evaluate(step):
                        self._move(step, d)
                        f_t = float(call())
                        g_t = self._flat_grad().copy()
                        self._restore(x0)
                        return f_t, g_t

                    loss, g, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, g, gtd, max_ls=max_eval - evals)
                    self._move(t, d)
                    converged = np.abs(g).max() <= tol_grad
                else:
                    self._move(t, d)
                    converged = False
                    if n != max_iter:
                        loss = float(call())
                        g = self._flat_grad().copy()
                        converged = np.abs(g).max() <= tol_grad
                        ls_evals = 1
                evals += ls_evals
                state["func_evals"] += ls_evals
                if n == max_iter or evals >= max_eval or converged:
                    break
                if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                    break

            state["d"] = _tensor_of(d)
            state["t"] = t if isinstance(t, (int, float)) else float(t)
            state["old_dirs"] = [_tensor_of(v) for v in old_dirs]
            state["old_stps"] = [_tensor_of(v) for v in old_stps]
            state["ro"] = [_tensor_of(np.asarray(v)) for v in ro]
            state["H_diag"] = h_diag if isinstance(h_diag, int) else _tensor_of(np.asarray(h_diag))
            state["prev_flat_grad"] = _tensor_of(prev_g)
            state["prev_loss"] = prev_loss
            if have_al:
                state["al"] = [None if v is None else _tensor_of(np.asarray(v)) for v in al]
        return orig_loss


def _tensor_of(arr):
    from .. import from_numpy
    return from_numpy(np.array(arr, copy=True))


def _arr(x):
    if x is None or isinstance(x, (int, float)):
        return x
    return np.asarray(x._data) if isinstance(x, Tensor) else np.asarray(x)
