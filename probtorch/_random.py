"""Random number generation: Generator, manual_seed and the random factories (rand, randn, ...)."""
import math

import numpy as np

from . import _dtype
from ._kernels import _jit
from ._tensor import Tensor, _make

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator",
           "rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm", "normal", "bernoulli",
           "multinomial", "poisson"]

_DEFAULT_SEED = 67280421310721


class Generator:
    """A seeded stream of random numbers (numpy's PCG64 underneath; torch's streams are not reproduced)."""

    def __init__(self, device="cpu"):
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        self.device = device

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        import pickle
        return _make(np.frombuffer(pickle.dumps(self._rng.bit_generator.state), dtype=np.uint8).copy())

    def set_state(self, new_state):
        import pickle
        self._rng.bit_generator.state = pickle.loads(new_state._data.tobytes())
        return self

    @property
    def rng(self):
        return self._rng


default_generator = Generator()


def _rng(generator):
    return (generator or default_generator)._rng


class fork_rng:
    """Context manager (and decorator) that restores the default generator's state on exit, so random draws inside
    do not change the stream seen afterwards. `devices` is accepted for torch compatibility (CPU only here)."""

    def __init__(self, devices=None, enabled=True, device_type="cuda"):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._state = default_generator.get_state()
        return None

    def __exit__(self, *exc):
        if self.enabled:
            default_generator.set_state(self._state)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with fork_rng(enabled=self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from get_rng_state()."""
    default_generator.set_state(new_state)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


# torch's names for element types in "not implemented for 'Long'" messages
_TYPE_NAMES = {"int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool"}


def _float_dtype(dtype):
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < 2:
        raise NotImplementedError(f'"check_uniform_bounds" not implemented for \'{_TYPE_NAMES[dtype.name]}\'')
    return dtype


def _out(arr, requires_grad):
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _draw(method, shape, dt):
    """Draw directly in float32/float64 (numpy's generators support both: no float64 draw-and-cast)."""
    if dt.np == np.float32 or dt.np == np.float64:
        return method(shape, dtype=dt.np)
    return method(shape).astype(dt.np)


_KERNEL_MIN_SIZE = 4096  # below this numpy's own sampler wins over the kernel's call overhead


def _normal_draw_dtype(np_dtype):
    """The dtype standard-normal noise is drawn in: float64 stays, every other float (16-bit ones) goes via float32."""
    return np.dtype(np.float64) if np.dtype(np_dtype) == np.float64 else np.dtype(np.float32)


def standard_normal(shape, np_dtype, generator=None):
    """An ndarray of standard-normal draws of `shape` and float ``np_dtype`` from `generator` (default: the global one).

    Large draws use the ziggurat kernel (`_kernels.normal`, on several threads, the same values for any thread count);
    small ones and runs without numba use numpy's sampler. 16-bit floats are drawn in float32 and rounded.
    """
    shape = tuple(int(s) for s in shape)
    np_dtype = np.dtype(np_dtype)
    draw = _normal_draw_dtype(np_dtype)
    rng = _rng(generator)
    n = math.prod(shape)
    if n >= _KERNEL_MIN_SIZE and _jit.available():
        from ._kernels.normal import fill_standard_normal
        z = fill_standard_normal(rng.bit_generator, n, draw).reshape(shape)
    else:
        z = rng.standard_normal(shape, dtype=draw)
    return z if draw == np_dtype else z.astype(np_dtype)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    dt = _float_dtype(dtype)
    return _out(_draw(_rng(generator).random, _size(size), dt), requires_grad)


def rand_like(input, *, dtype=None, generator=None, requires_grad=False, **kw):
    """Uniform [0, 1) samples with input's shape (and dtype unless given)."""
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Standard normal samples."""
    dt = _float_dtype(dtype)
    return _out(standard_normal(_size(size), dt.np, generator), requires_grad)


def randn_like(input, *, dtype=None, generator=None, requires_grad=False, **kw):
    """Standard normal samples with input's shape (and dtype unless given)."""
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high); int64 unless `dtype` says otherwise."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, size=_size((size,)), dtype=np.int64)
    return _make(arr.astype((dtype or _dtype.int64).np))


def randint_like(input, low=0, high=None, *, dtype=None, generator=None):
    """Integers uniform on [low, high) with input's shape (and dtype unless given)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A uniformly random permutation of 0 .. n-1."""
    _size((n,))
    return _make(_rng(generator).permutation(n).astype((dtype or _dtype.int64).np))


def _arr(x):
    return x._data if isinstance(x, Tensor) else x


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False):
    """Normal samples; `mean` and `std` may be tensors (broadcast) or numbers with an explicit `size`."""
    m, s = _arr(mean), _arr(std)
    if np.any(np.asarray(s) < 0):
        bad = np.asarray(s)[np.asarray(s) < 0].reshape(-1)[0]
        raise RuntimeError(f"normal expects std >= 0.0, but found std {bad:g}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        # mean + std * z with Tensor ops: differentiable in mean (grad 1) and std (grad z), as torch's normal
        dt = _dtype.result_type(*(v for v in (mean, std) if isinstance(v, Tensor)))
        if dt.category < 2:
            dt = _dtype.get_default_dtype()
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = _make(standard_normal(shape, dt.np, generator))
        res = z * std + mean
        return res if res.dtype is dt else res.to(dt)
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    dt = dtype or _dtype.get_default_dtype()
    z = standard_normal(_size((size,)), _normal_draw_dtype(dt.np), generator)
    return _out((m + s * z).astype(dt.np), requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probability `input` (or the scalar `p`), in input's dtype."""
    probs = _arr(input) if p is None else np.full(input.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    u = _rng(generator).random(np.shape(probs))
    return _make(np.asarray(u < probs).astype(input._data.dtype))  # 0-d comparisons give numpy scalars


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of `input` (non-negative weights, not necessarily normalized)."""
    w = np.asarray(_arr(input), np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if np.any(rows.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not replacement and np.any((rows > 0).sum(-1) < num_samples):
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                           "category to sample)")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rng = _rng(generator)
    res = np.empty((rows.shape[0], num_samples), np.int64)
    for r, row in enumerate(rows):
        p = row / row.sum()
        if replacement:
            res[r] = rng.choice(len(p), size=num_samples, replace=True, p=p)
        else:
            # Gumbel-top-k: sampling without replacement proportional to the weights
            with np.errstate(divide="ignore"):
                keys = np.log(p) - np.log(-np.log(rng.random(len(p))))
            res[r] = np.argsort(-keys, kind="stable")[:num_samples]
    return _make(res.reshape(w.shape[:-1] + (num_samples,)))


def poisson(input, generator=None):
    """Poisson counts with rates `input` (same dtype as the rates)."""
    if np.any(~(input._data >= 0)):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _make(_rng(generator).poisson(_arr(input)).astype(input._data.dtype))


def _install_methods():
    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        return self.copy_(_make(_rng(generator).uniform(from_, to, self.shape)))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        dt = self.dtype
        z = standard_normal(self.shape, _normal_draw_dtype(dt.np) if dt.is_floating_point else np.float64, generator)
        return self.copy_(_make(mean + std * z))

    def bernoulli_(self, p=0.5, *, generator=None):
        probs = _arr(p)
        return self.copy_(_make((_rng(generator).random(self.shape) < probs).astype(self._data.dtype)))

    def exponential_(self, lambd=1.0, *, generator=None):
        return self.copy_(_make(_rng(generator).exponential(1.0 / lambd, self.shape)))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        return self.copy_(_make(median + sigma * _rng(generator).standard_cauchy(self.shape)))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        return self.copy_(_make(_rng(generator).lognormal(mean, std, self.shape)))

    def geometric_(self, p, *, generator=None):
        return self.copy_(_make(_rng(generator).geometric(p, self.shape)))

    def random_(self, from_=0, to=None, *, generator=None):
        """Integers uniform on [from_, to); random_(to) means [0, to); random_() spans the dtype: [0, max] for
        integers, {0, 1} for bool, [0, 2**mantissa] for floats (every integer exactly representable)."""
        if to is None:
            if from_:
                from_, to = 0, from_
            else:
                dt = self._data.dtype
                if dt == np.bool_:
                    top = 1
                elif dt.kind in "iu":
                    top = int(np.iinfo(dt).max)
                else:
                    top = 2 ** (np.finfo(dt).nmant + 1)
                return self.copy_(_make(_rng(generator).integers(0, top, self.shape, endpoint=True)))
        return self.copy_(_make(_rng(generator).integers(from_, to, self.shape)))

    def bernoulli_method(self, p=None, *, generator=None):
        return bernoulli(self, p, generator=generator)
    bernoulli_method.__name__ = "bernoulli"

    def multinomial_(self, num_samples, replacement=False, *, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)

    for f in (uniform_, normal_, bernoulli_, exponential_, cauchy_, log_normal_, geometric_, random_, bernoulli_method):
        setattr(Tensor, f.__name__, f)
    Tensor.multinomial = multinomial_


_install_methods()
