"""nn attention / loss benchmarks: scaled_dot_product_attention (32, 8, 128, 64), a MultiheadAttention layer,
ctc_loss (T=50, N=16, C=20, S=30) and embedding_bag, forward and forward+backward, probtorch against torch (float32).

Run: python benchmarks/bench_nn_attention.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run


def _qkv(lib, grad):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal((32, 8, 128, 64)), dtype=lib.float32, requires_grad=grad)
            for _ in range(3)]


def sdpa_fwd(lib):
    q, k, v = _qkv(lib, False)
    F = lib.nn.functional
    return lambda: F.scaled_dot_product_attention(q, k, v)


def sdpa_causal_fwd(lib):
    q, k, v = _qkv(lib, False)
    F = lib.nn.functional
    return lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)


def sdpa_fwd_bwd(lib):
    q, k, v = _qkv(lib, True)
    F = lib.nn.functional
    return lambda: lib.autograd.grad(F.scaled_dot_product_attention(q, k, v).sum(), (q, k, v))


def mha_fwd_bwd(lib):
    lib.manual_seed(0)
    m = lib.nn.MultiheadAttention(256, 8, batch_first=True)
    x = lib.tensor(np.random.default_rng(1).standard_normal((16, 64, 256)), dtype=lib.float32, requires_grad=True)
    params = list(m.parameters())

    def step():
        out, _ = m(x, x, x, need_weights=False)
        return lib.autograd.grad(out.sum(), [x] + params)
    return step


def _ctc_inputs(lib, grad):
    rng = np.random.default_rng(2)
    T, N, C, S = 50, 16, 20, 30
    x = lib.tensor(rng.standard_normal((T, N, C)), dtype=lib.float32, requires_grad=grad)
    targets = lib.tensor(rng.integers(1, C, (N, S)))
    il = lib.tensor(rng.integers(40, T + 1, N))
    tl = lib.tensor(rng.integers(10, S + 1, N))
    return x, targets, il, tl


def ctc_fwd(lib):
    x, targets, il, tl = _ctc_inputs(lib, False)
    lp = x.log_softmax(2)
    F = lib.nn.functional
    return lambda: F.ctc_loss(lp, targets, il, tl)


def ctc_fwd_bwd(lib):
    x, targets, il, tl = _ctc_inputs(lib, True)
    F = lib.nn.functional
    return lambda: lib.autograd.grad(F.ctc_loss(x.log_softmax(2), targets, il, tl), x)


def _bag_inputs(lib, grad):
    rng = np.random.default_rng(3)
    w = lib.tensor(rng.standard_normal((10000, 64)), dtype=lib.float32, requires_grad=grad)
    idx = lib.tensor(rng.integers(0, 10000, 32 * 50))
    offsets = lib.tensor([0] + np.sort(rng.choice(np.arange(1, 32 * 50), 31, replace=False)).tolist())
    return w, idx, offsets


def bag_mean_fwd(lib):
    w, idx, offsets = _bag_inputs(lib, False)
    F = lib.nn.functional
    return lambda: F.embedding_bag(idx, w, offsets)


def bag_mean_fwd_bwd(lib):
    w, idx, offsets = _bag_inputs(lib, True)
    F = lib.nn.functional
    return lambda: lib.autograd.grad(F.embedding_bag(idx, w, offsets).sum(), w)


def bag_max_fwd_bwd(lib):
    w, idx, offsets = _bag_inputs(lib, True)
    F = lib.nn.functional
    return lambda: lib.autograd.grad(F.embedding_bag(idx, w, offsets, mode="max").sum(), w)


WORKLOADS = {
    "sdpa (32,8,128,64) fwd": (sdpa_fwd, 1),
    "sdpa (32,8,128,64) causal fwd": (sdpa_causal_fwd, 1),
    "sdpa (32,8,128,64) fwd+bwd": (sdpa_fwd_bwd, 1),
    "MultiheadAttention (16,64,256) h8 fwd+bwd": (mha_fwd_bwd, 1),
    "ctc_loss T50 N16 C20 S30 fwd": (ctc_fwd, 5),
    "ctc_loss T50 N16 C20 S30 fwd+bwd": (ctc_fwd_bwd, 5),
    "embedding_bag 10000x64, 32 bags mean fwd": (bag_mean_fwd, 20),
    "embedding_bag mean fwd+bwd": (bag_mean_fwd_bwd, 10),
    "embedding_bag max fwd+bwd": (bag_max_fwd_bwd, 10),
}

if __name__ == "__main__":
    run(WORKLOADS, rounds=5)
