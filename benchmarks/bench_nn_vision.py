"""nn vision benchmarks: interpolate (bilinear / bicubic / nearest) and grid_sample, probtorch against torch.

Workloads are batches of 32 RGB 64x64 images: interpolate to 128x128 (and bilinear down to 32x32 with antialias),
grid_sample at a 64x64 grid of random positions (bilinear, zeros and reflection padding); forward alone and
forward + backward (gradients for the input, and the grid for grid_sample).

Run: python benchmarks/bench_nn_vision.py   (torch optional; ratios are probtorch time / torch time)
"""
import numpy as np

from _harness import run


def _F(lib):
    return lib.nn.functional


def _images(lib, requires_grad=False):
    x = lib.tensor(np.random.default_rng(0).standard_normal((32, 3, 64, 64)).astype(np.float32))
    return x.requires_grad_(True) if requires_grad else x


def interp(mode, size, backward=False, **kw):
    def make(lib):
        x = _images(lib, backward)
        F = _F(lib)
        if not backward:
            return lambda: F.interpolate(x, size=size, mode=mode, **kw)

        def step():
            x.grad = None
            F.interpolate(x, size=size, mode=mode, **kw).sum().backward()
        return step
    return make


def gsample(padding_mode, backward=False):
    def make(lib):
        x = _images(lib, backward)
        g = lib.tensor(np.random.default_rng(1).uniform(-1.1, 1.1, (32, 64, 64, 2)).astype(np.float32))
        if backward:
            g.requires_grad_(True)
        F = _F(lib)
        if not backward:
            return lambda: F.grid_sample(x, g, padding_mode=padding_mode, align_corners=False)

        def step():
            x.grad = g.grad = None
            F.grid_sample(x, g, padding_mode=padding_mode, align_corners=False).sum().backward()
        return step
    return make


WORKLOADS = {
    "interpolate bilinear 64->128 fwd": (interp("bilinear", 128), 10),
    "interpolate bilinear 64->128 fwd+bwd": (interp("bilinear", 128, True), 5),
    "interpolate bicubic 64->128 fwd": (interp("bicubic", 128), 5),
    "interpolate nearest 64->128 fwd": (interp("nearest", 128), 10),
    "interpolate bilinear aa 64->32 fwd+bwd": (interp("bilinear", 32, True, antialias=True), 10),
    "grid_sample bilinear zeros fwd": (gsample("zeros"), 5),
    "grid_sample bilinear zeros fwd+bwd": (gsample("zeros", True), 3),
    "grid_sample bilinear reflection fwd+bwd": (gsample("reflection", True), 3),
}

if __name__ == "__main__":
    run(WORKLOADS, rounds=5)
