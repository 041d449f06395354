"""Recurrent layer benchmarks: a 2-layer LSTM (hidden 128, seq 50, batch 32, input 64) and a GRU of the same size,
forward and forward+backward (gradients of the input and every parameter), probtorch against torch (float32).

Run: python benchmarks/bench_nn_rnn.py   (torch optional; ratios are probtorch time / torch time)

The per-step matrix products are small (32 x 128 @ 128 x 512), and multithreaded OpenBLAS handles small products
badly on a busy machine (measured mean 1.3 ms against a 0.05 ms median for one such product with other jobs
running).  On a shared machine compare single-threaded:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_nn_rnn.py
Measured that way (2-core shared machine, 2026-11-22): LSTM forward 45 ms vs torch 11 ms (4.1x), LSTM fwd+bwd
172 ms vs 49 ms (3.5x), GRU fwd+bwd 165 ms vs 60 ms (2.7x), packed LSTM fwd+bwd 126 ms vs 73 ms (1.7x).
"""
import numpy as np

from _harness import run

T, B, I, H = 50, 32, 64, 128


def _setup(lib, kind, grad):
    lib.manual_seed(0)
    m = getattr(lib.nn, kind)(I, H, num_layers=2)
    x = lib.tensor(np.random.default_rng(0).standard_normal((T, B, I)), dtype=lib.float32, requires_grad=grad)
    return m, x


def lstm_fwd(lib):
    m, x = _setup(lib, "LSTM", False)

    def step():
        with lib.no_grad():
            return m(x)
    return step


def lstm_fwd_bwd(lib):
    m, x = _setup(lib, "LSTM", True)
    params = list(m.parameters())

    def step():
        out, (h, c) = m(x)
        return lib.autograd.grad(out.sum() + h.sum(), [x] + params)
    return step


def gru_fwd_bwd(lib):
    m, x = _setup(lib, "GRU", True)
    params = list(m.parameters())

    def step():
        out, h = m(x)
        return lib.autograd.grad(out.sum() + h.sum(), [x] + params)
    return step


def packed_lstm_fwd_bwd(lib):
    m, x = _setup(lib, "LSTM", True)
    params = list(m.parameters())
    lengths = np.sort(np.random.default_rng(1).integers(10, T + 1, B))[::-1].copy()
    lengths[0] = T

    def step():
        p = lib.nn.utils.rnn.pack_padded_sequence(x, lib.tensor(lengths))
        out, (h, c) = m(p)
        return lib.autograd.grad(out.data.sum() + h.sum(), [x] + params)
    return step


if __name__ == "__main__":
    run({
        "LSTM 2x128 T=50 B=32 forward": (lstm_fwd, 3),
        "LSTM 2x128 T=50 B=32 fwd+bwd": (lstm_fwd_bwd, 1),
        "GRU 2x128 T=50 B=32 fwd+bwd": (gru_fwd_bwd, 1),
        "LSTM packed (lengths 10..50) fwd+bwd": (packed_lstm_fwd_bwd, 1),
    }, rounds=5)
