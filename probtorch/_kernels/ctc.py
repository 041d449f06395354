"""Connectionist temporal classification: the forward (alpha) recursion and the alpha-beta gradient, compiled.

Layout (batch first so `parallel_chunks` can split every array by rows):
    lp       (N, T, C) log-probabilities
    targets  (N, S) int64, row n holding its first tl[n] labels
    il, tl   (N,) int64 input and target lengths
The extended label sequence of row n is blank, l_1, blank, l_2, ..., l_k, blank (2 k + 1 states). All the
recursions run in log space in float64 whatever the input dtype; the
gradient sums the states' occupation probabilities (each <= 1) in linear space.

    ctc_nll(lp, targets, il, tl, blank, nll)            nll[n] = -log p(l_n | x_n)
    ctc_grad(lp, targets, il, tl, blank, gout, grad, nll)
        grad[n, t, c] = gout[n] * (exp(lp[n, t, c]) - exp(log(sum over states s labelled c of
                        alpha_t(s) beta_t(s)) + nll[n] - lp[n, t, c]))  for t < il[n], 0 afterwards
        and nll[n] as ctc_nll gives it (from the same alpha pass: no separate forward call).
        (torch's convention: the exp(lp) term makes this the gradient with respect to the logits when `lp` is
        log_softmax of them; see nn.functional.ctc_loss.)
`ctc_nll_numpy` / `ctc_grad_numpy` are the fallbacks when numba is unavailable (vectorized over the batch).
"""
import math

import numpy as np

from ._jit import kernel, available

__all__ = ["ctc_nll", "ctc_grad", "ctc_nll_numpy", "ctc_grad_numpy", "available"]

@kernel
def ctc_nll(lp, targets, il, tl, blank, nll):
    N, T, C = lp.shape
    S = targets.shape[1]
    la = np.empty((2, 2 * S + 1))
    for n in range(N):
        tin = il[n]
        k = tl[n]
        L = 2 * k + 1
        if tin == 0:
            nll[n] = 0.0 if k == 0 else math.inf
            continue
        for s in range(L):
            la[0, s] = -math.inf
        la[0, 0] = lp[n, 0, blank]
        if k > 0:
            la[0, 1] = lp[n, 0, targets[n, 0]]
        cur = 0
        for t in range(1, tin):
            prev = cur
            cur = 1 - cur
            for s in range(L):
                a = la[prev, s]
                if s >= 1:
                    b = la[prev, s - 1]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                if s >= 2 and s % 2 == 1 and targets[n, s // 2] != targets[n, s // 2 - 1]:
                    b = la[prev, s - 2]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                c = blank if s % 2 == 0 else targets[n, s // 2]
                la[cur, s] = a + lp[n, t, c]
        a = la[cur, L - 1]
        if L >= 2:
            b = la[cur, L - 2]
            if a < b:
                a, b = b, a
            if b != -math.inf:  # log(e^a + e^b) with a the larger
                a += math.log1p(math.exp(b - a))
        nll[n] = -a


@kernel
def ctc_grad(lp, targets, il, tl, blank, gout, grad, nll):
    N, T, C = lp.shape
    for n in range(N):
        tin = il[n]
        k = tl[n]
        L = 2 * k + 1
        for t in range(T):
            for c in range(C):
                grad[n, t, c] = 0.0
        if tin == 0:
            nll[n] = 0.0 if k == 0 else math.inf
            continue
        la = np.full((tin, L), -math.inf)
        lb = np.full((tin, L), -math.inf)
        la[0, 0] = lp[n, 0, blank]
        if k > 0:
            la[0, 1] = lp[n, 0, targets[n, 0]]
        for t in range(1, tin):
            for s in range(L):
                a = la[t - 1, s]
                if s >= 1:
                    b = la[t - 1, s - 1]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                if s >= 2 and s % 2 == 1 and targets[n, s // 2] != targets[n, s // 2 - 1]:
                    b = la[t - 1, s - 2]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                c = blank if s % 2 == 0 else targets[n, s // 2]
                la[t, s] = a + lp[n, t, c]
        a = la[tin - 1, L - 1]
        if L >= 2:
            b = la[tin - 1, L - 2]
            if a < b:
                a, b = b, a
            if b != -math.inf:  # log(e^a + e^b) with a the larger
                a += math.log1p(math.exp(b - a))
        ll = -a
        nll[n] = ll
        if ll == math.inf:  # no alignment: the gradient is undefined (NaN up to the input length, as torch)
            for t in range(tin):
                for c in range(C):
                    grad[n, t, c] = math.nan
            continue
        lb[tin - 1, L - 1] = lp[n, tin - 1, blank]
        if k > 0:
            lb[tin - 1, L - 2] = lp[n, tin - 1, targets[n, k - 1]]
        for t in range(tin - 2, -1, -1):
            for s in range(L):
                a = lb[t + 1, s]
                if s + 1 < L:
                    b = lb[t + 1, s + 1]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                if s + 2 < L and s % 2 == 1 and targets[n, s // 2 + 1] != targets[n, s // 2]:
                    b = lb[t + 1, s + 2]
                    if a < b:
                        a, b = b, a
                    if b != -math.inf:  # log(e^a + e^b) with a the larger
                        a += math.log1p(math.exp(b - a))
                c = blank if s % 2 == 0 else targets[n, s // 2]
                lb[t, s] = a + lp[n, t, c]
        post = np.empty(C)  # per label: sum over its states of the occupation probability alpha beta / p(l | x)
        g = gout[n]
        for t in range(tin):
            for c in range(C):
                post[c] = 0.0
            for s in range(L):
                c = blank if s % 2 == 0 else targets[n, s // 2]
                # alpha and beta both hold the emission at t: subtract it once (a log-probability <= 0)
                post[c] += math.exp(la[t, s] + lb[t, s] + ll - lp[n, t, c])
            for c in range(C):
                grad[n, t, c] = g * (math.exp(lp[n, t, c]) - post[c])


# ------------------------------------------------------------------ numpy fallbacks (vectorized over the batch)


def _states(targets, tl, blank):
    """Per row: the label of each extended state, which states are valid, and where the skip s-2 -> s is allowed."""
    N, S = targets.shape
    L = 2 * S + 1
    lab = np.full((N, L), blank, np.int64)
    lab[:, 1::2] = targets
    valid = np.arange(L)[None, :] < (2 * tl + 1)[:, None]
    skip = np.zeros((N, L), bool)
    if S > 1:
        skip[:, 3::2] = targets[:, 1:] != targets[:, :-1]
    return lab, valid, skip


def _lse(a, b):
    m = np.maximum(a, b)
    fin = np.isfinite(m)
    m0 = np.where(fin, m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(fin, m0 + np.log(np.exp(a - m0) + np.exp(b - m0)), m)


def _alpha(lp, lab, valid, skip, il):
    N, T, _ = lp.shape
    L = lab.shape[1]
    rows = np.arange(N)[:, None]
    la = np.full((T, N, L), -np.inf)
    emit = lp[rows[:, :, None], np.arange(T)[None, :, None], lab[:, None, :]].transpose(1, 0, 2)  # (T, N, L)
    la[0, :, :2] = emit[0, :, :2]
    la[0][~valid] = -np.inf
    for t in range(1, T):
        p = la[t - 1]
        a = p.copy()
        a[:, 1:] = _lse(a[:, 1:], p[:, :-1])
        a[:, 2:] = np.where(skip[:, 2:], _lse(a[:, 2:], p[:, :-2]), a[:, 2:])
        a = a + emit[t]
        a[~valid] = -np.inf
        la[t] = np.where((t < il)[:, None], a, -np.inf)
    return la, emit


def ctc_nll_numpy(lp, targets, il, tl, blank):
    lp = lp.astype(np.float64)
    N, T, _ = lp.shape
    lab, valid, skip = _states(targets, tl, blank)
    la, _ = _alpha(lp, lab, valid, skip, il)
    rows = np.arange(N)
    last = la[np.maximum(il - 1, 0), rows]  # (N, L)
    end = 2 * tl
    a = last[rows, end]
    b = np.where(tl > 0, last[rows, np.maximum(end - 1, 0)], -np.inf)
    nll = -_lse(a, b)
    return np.where(il == 0, np.where(tl == 0, 0.0, np.inf), nll)


def ctc_grad_numpy(lp, targets, il, tl, blank, nll, gout):
    lp64 = lp.astype(np.float64)
    N, T, C = lp.shape
    lab, valid, skip = _states(targets, tl, blank)
    la, emit = _alpha(lp64, lab, valid, skip, il)
    L = lab.shape[1]
    rows = np.arange(N)
    # beta: the same recursion on the time- and state-reversed sequence of each row
    lb = np.full((T, N, L), -np.inf)
    end = 2 * tl
    for t in range(T - 1, -1, -1):
        is_last = (t == il - 1)
        b = np.full((N, L), -np.inf)
        if t + 1 < T:
            nx = lb[t + 1]
            b = nx.copy()
            b[:, :-1] = _lse(b[:, :-1], nx[:, 1:])
            skip_fwd = np.zeros((N, L), bool)
            skip_fwd[:, :-2] = skip[:, 2:]
            b[:, :-2] = np.where(skip_fwd[:, :-2], _lse(b[:, :-2], nx[:, 2:]), b[:, :-2])
        init = np.full((N, L), -np.inf)
        init[rows, end] = 0.0
        init[rows, np.maximum(end - 1, 0)] = np.where(tl > 0, 0.0, init[rows, np.maximum(end - 1, 0)])
        b = np.where(is_last[:, None], init, b) + emit[t]
        b[~valid] = -np.inf
        lb[t] = np.where((t < il)[:, None], b, -np.inf)
    ab = la + lb  # (T, N, L)
    lcab = np.full((T, N, C), -np.inf)
    for s in range(L):
        idx = lab[:, s]
        cur = lcab[:, rows, idx]
        lcab[:, rows, idx] = _lse(cur, ab[:, :, s])
    lcab = lcab.transpose(1, 0, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.exp(lp64) - np.exp(lcab + nll[:, None, None] - lp64)
    g = g * gout[:, None, None]
    g[np.arange(T)[None, :] >= il[:, None]] = 0.0
    g[gout == 0] = 0.0
    return g
