"""dtypes, the default dtype, and torch's type-promotion rules."""
import numpy as np

__all__ = [
    "dtype", "float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64",
    "uint8", "bool", "half", "float", "double", "short", "int", "long", "cfloat", "cdouble",
    "promote_types", "result_type", "get_default_dtype", "set_default_dtype", "can_cast", "finfo", "iinfo",
]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; wraps the numpy dtype that stores it."""

    __slots__ = ("name", "np", "category", "itemsize")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize

    @property
    def is_floating_point(self):
        return self.category == _FLOAT

    @property
    def is_complex(self):
        return self.category == _COMPLEX

    @property
    def is_signed(self):
        return self.np.kind in "ifc"

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float32: complex64, float64: complex128, float16: complex64}.get(self, self)

    def __repr__(self):
        return "probtorch." + self.name

    def __reduce__(self):
        return self.name


float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)
float64 = double = dtype("float64", np.float64, _FLOAT)
complex64 = cfloat = dtype("complex64", np.complex64, _COMPLEX)
complex128 = cdouble = dtype("complex128", np.complex128, _COMPLEX)
int8 = dtype("int8", np.int8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)
int64 = long = dtype("int64", np.int64, _INT)
uint8 = dtype("uint8", np.uint8, _INT)
bool = dtype("bool", np.bool_, _BOOL)

_ALL = (float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, bool)
_FROM_NP = {d.np: d for d in _ALL}


def from_numpy_dtype(np_dtype):
    """The probtorch dtype storing numpy dtype `np_dtype`; raises TypeError for unsupported ones."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NP:
        return _FROM_NP[np_dtype]
    if np_dtype.kind == "u":  # torch has only uint8 among unsigned; widen the rest
        return int64
    raise TypeError(f"can't convert np.ndarray of type {np_dtype}. The only supported types are: "
                    "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.")


class _Default:
    dtype = float32


def get_default_dtype():
    return _Default.dtype


def set_default_dtype(d):
    """Set the dtype that Python floats and float factories produce (float32 or float64)."""
    if not isinstance(d, dtype) or d.category != _FLOAT:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _Default.dtype = d


def promote_types(a, b):
    """torch.promote_types: the smallest dtype to which both `a` and `b` cast safely."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo is float64:
            return complex128
        return hi
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _combine(higher, lower):
    # torch's rule for merging the result of a higher-priority group (dim>0 tensors) with a lower one
    # (0-dim tensors, then Python scalars): the lower group only counts when it is of a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if lower.category > higher.category:
        if lower.category == _COMPLEX and higher.category == _FLOAT:
            return higher.to_complex()  # float32 tensor + complex scalar -> complex64, not complex128
        # bool tensor + int scalar -> int64; int tensor + float 0-dim/scalar -> the float's type; int + complex
        return lower
    return higher


def _scalar_dtype(x):
    if isinstance(x, (builtins_bool, np.bool_)):
        return bool
    if isinstance(x, builtins_int):
        return int64
    if isinstance(x, builtins_float):
        return _Default.dtype
    if isinstance(x, builtins_complex):
        return complex128 if _Default.dtype is float64 else complex64
    if isinstance(x, np.generic):
        return from_numpy_dtype(x.dtype)
    raise TypeError(f"unsupported scalar type {type(x).__name__}")


import builtins as _b  # noqa: E402

builtins_bool, builtins_int, builtins_float, builtins_complex = _b.bool, _b.int, _b.float, _b.complex


def result_type(*args):
    """torch.result_type over Tensors and Python scalars: dim>0 tensors outrank 0-dim tensors outrank scalars."""
    dim_t = zero_t = scal = None
    for a in args:
        d = getattr(a, "dtype", None)
        if isinstance(d, dtype):
            if a._data.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        elif a is not None:
            s = _scalar_dtype(a)
            scal = s if scal is None else promote_types(scal, s)
    if scal is not None and scal.category == _FLOAT:
        scal = _Default.dtype
    return _combine(dim_t, _combine(zero_t, scal))


def can_cast(from_, to):
    """torch.can_cast: False only when the cast lowers the category (float->int, complex->float, int->bool)."""
    return from_.category <= to.category


class finfo:
    """Machine limits of a floating dtype, with torch's attribute names."""

    def __init__(self, type=None):
        type = type or _Default.dtype
        fi = np.finfo(type.np)
        self.dtype = type.name
        self.bits = fi.bits
        self.eps = builtins_float(fi.eps)
        self.max = builtins_float(fi.max)
        self.min = builtins_float(fi.min)
        self.tiny = self.smallest_normal = builtins_float(fi.tiny)
        self.resolution = 10.0 ** -builtins_int(fi.precision)  # torch reports the exact power of ten

    def __repr__(self):
        return f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, " \
               f"smallest_normal={self.tiny}, tiny={self.tiny}, dtype={self.dtype})"


class iinfo:
    """Integer limits of an integer dtype, with torch's attribute names."""

    def __init__(self, type):
        ii = np.iinfo(type.np)
        self.dtype = type.name
        self.bits = ii.bits
        self.max = builtins_int(ii.max)
        self.min = builtins_int(ii.min)
