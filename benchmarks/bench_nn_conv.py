"""nn.functional convolution benchmarks: conv2d on image batches (forward, forward+backward), conv1d, a transposed
convolution and unfold/fold, probtorch against torch.

Run: python benchmarks/bench_nn_conv.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run


def _tensors(lib, shapes, requires_grad=False, seed=0):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=requires_grad) for s in shapes]


def _conv(fn_name, x_shape, w_shape, backward, **kw):
    def make(lib):
        x, w, b = _tensors(lib, [x_shape, w_shape, (w_shape[1] if "transpose" in fn_name else w_shape[0],)],
                           requires_grad=backward)
        fn = getattr(lib.nn.functional, fn_name)
        if not backward:
            return lambda: fn(x, w, b, **kw)

        def step():
            out = fn(x, w, b, **kw)
            lib.autograd.grad(out.sum(), [x, w, b])
        return step
    return make


def _unfold_fold(lib):
    (x,) = _tensors(lib, [(32, 16, 32, 32)], requires_grad=True)
    F = lib.nn.functional

    def step():
        cols = F.unfold(x, 3, padding=1)
        out = F.fold(cols * 0.5, (32, 32), 3, padding=1)
        lib.autograd.grad(out.sum(), [x])
    return step


WORKLOADS = {
    "conv2d 32x3x64x64 * 16x3x3x3 fwd": (_conv("conv2d", (32, 3, 64, 64), (16, 3, 3, 3), False, padding=1), 3),
    "conv2d 32x3x64x64 * 16x3x3x3 fwd+bwd": (_conv("conv2d", (32, 3, 64, 64), (16, 3, 3, 3), True, padding=1), 2),
    "conv2d 32x64x32x32 * 64x64x3x3 fwd": (_conv("conv2d", (32, 64, 32, 32), (64, 64, 3, 3), False, padding=1), 1),
    "conv2d 32x64x32x32 * 64x64x3x3 fwd+bwd": (_conv("conv2d", (32, 64, 32, 32), (64, 64, 3, 3), True, padding=1),
                                                1),
    "conv2d 32x64x32x32 * 64x16x3x3 groups=4 fwd+bwd": (
        _conv("conv2d", (32, 64, 32, 32), (64, 16, 3, 3), True, padding=1, groups=4), 1),
    "conv1d 32x64x1024 * 128x64x5 fwd": (_conv("conv1d", (32, 64, 1024), (128, 64, 5), False, padding=2), 2),
    "conv1d 32x64x1024 * 128x64x5 fwd+bwd": (_conv("conv1d", (32, 64, 1024), (128, 64, 5), True, padding=2), 1),
    "conv_transpose2d 32x64x16x16 * 64x32x4x4 s2 fwd+bwd": (
        _conv("conv_transpose2d", (32, 64, 16, 16), (64, 32, 4, 4), True, stride=2, padding=1), 1),
    "conv3d 8x8x16x16x16 * 16x8x3x3x3 fwd+bwd": (
        _conv("conv3d", (8, 8, 16, 16, 16), (16, 8, 3, 3, 3), True, padding=1), 1),
    "unfold+fold 32x16x32x32 k3 fwd+bwd": (_unfold_fold, 2),
}

if __name__ == "__main__":
    run(WORKLOADS, rounds=5)
