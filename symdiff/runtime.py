"""Helpers that generated code calls: input conversion, output broadcasting.

Kept tiny and allocation-free on the common path (inputs already float arrays of
the broadcast shape), because they run on every call of a compiled function.
They only use ``numpy.shape``/``numpy.broadcast_to``, so lazy arrays that follow
numpy's protocols (dask) stay lazy.
"""

from __future__ import annotations

import math

import numpy as np

_FLOAT = np.float64


class ArgumentTypeError(TypeError):
    """An argument that is not a real number or an array of real numbers."""


class ShapeMismatch(ValueError):
    """A shaped parameter's argument whose leading axes are not the declared shape."""

    def __init__(self, name, got, shape):
        self.name, self.got, self.shape = name, tuple(got), tuple(shape)
        super().__init__(f"argument {name!r} has shape {self.got}, but was declared with shape "
                         f"{self.shape} (extra trailing axes are batch axes)")


def as_input(x):
    """Python numbers and int arrays -> float64; float arrays (numpy, dask, ...) as they are.

    None, text, complex numbers and arrays of anything but real numbers raise
    ``ArgumentTypeError`` (numpy would turn None into nan and "1.5" into 1.5).
    """
    if type(x) is float:
        return _FLOAT(x)
    dtype = getattr(x, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if kind == "f":
        return x
    if kind is not None and kind in "biu":
        if not isinstance(x, (np.ndarray, np.generic)) and hasattr(x, "astype"):
            return x.astype(_FLOAT)     # int dask arrays etc.: convert lazily, not np.asarray
        return np.asarray(x, dtype=_FLOAT)[()]
    bad = non_numeric(x)
    if bad is not None:
        raise ArgumentTypeError(f"argument must be a real number or array of real numbers, got {bad}")
    return np.asarray(x, dtype=_FLOAT)[()]


_REAL = (bool, int, float, np.bool_, np.integer, np.floating)


def non_numeric(x):
    """What ``x`` is when it is not a real number or an array of real numbers
    (``"NoneType"``, ``"complex"``, ``"an array of <U1"``, ...), else None."""
    if isinstance(x, _REAL):
        return None
    if x is None or isinstance(x, (str, bytes, complex, np.complexfloating)):
        return type(x).__name__
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        kind = getattr(dtype, "kind", None)
        if kind is None:                # torch: dtypes without numpy's kind
            return f"a tensor of {dtype}" if getattr(dtype, "is_complex", False) else None
        if kind in "biuf":
            return None
        if kind != "O":
            return f"an array of {dtype}"
        for v in np.asarray(x).ravel():
            bad = non_numeric(v)
            if bad is not None:
                return f"an array containing {bad}"
        return None
    if isinstance(x, (list, tuple)):
        try:
            if np.asarray(x).dtype.kind in "biuf":
                return None
        except ValueError:              # ragged: numpy reports it when converting
            pass
        for v in x:
            bad = non_numeric(v)
            if bad is not None:
                return f"a {type(x).__name__} containing {bad}"
        return None
    try:
        float(x)                        # Fraction, Decimal, numbers with __float__
    except (TypeError, ValueError):
        return type(x).__name__
    return None


def check_shape(x, shape, name):
    """Raise ``ShapeMismatch`` unless ``x``'s leading axes are ``shape``."""
    got = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    if got[:len(shape)] != shape:
        raise ShapeMismatch(name, got, shape)


def broadcast_shapes(*shapes):
    if len(shapes) == 1:
        return tuple(shapes[0])
    return np.broadcast_shapes(*shapes)


def lazy_like(*args):
    """The first input that is not a numpy array or number (a dask array, say), or None.

    Constant outputs are broadcast against it, so they are of the same kind.
    """
    for a in args:
        if not isinstance(a, (np.ndarray, np.generic, float, int)):
            return a
    return None


def as_output(value, shape, like=None):
    """``value`` as float64 of the inputs' broadcast ``shape``: constants included.

    A derivative such as d(3*x)/dx = 3 must still come back with the shape of
    ``x``; a scalar call gives a numpy float64 scalar. With ``like`` (a lazy
    input), a constant becomes a lazy array too instead of a numpy one.
    """
    if not shape:
        return _FLOAT(value) if like is None else value + np.zeros_like(like, dtype=_FLOAT)
    if np.shape(value) == shape and getattr(value, "dtype", None) == _FLOAT:
        return value
    if like is not None:
        return np.broadcast_to(np.zeros_like(like, dtype=_FLOAT), shape) + value
    if isinstance(value, (int, float)):
        return np.full(shape, value, dtype=_FLOAT)
    out = np.broadcast_to(value, shape)
    if isinstance(out, np.ndarray):
        out = out.astype(_FLOAT)        # a writable copy, not a read-only view
    return out


def stack(values, core, shape, like=None):
    """Stack output entries into an array of shape ``core + shape``."""
    parts = [as_output(v, shape, like) for v in values]
    if all(isinstance(p, (np.ndarray, np.generic)) for p in parts):
        out = np.empty((len(parts),) + tuple(shape), dtype=_FLOAT)
        for i, p in enumerate(parts):
            out[i] = p
    else:
        out = np.stack(parts)
    return out.reshape(tuple(core) + tuple(shape))


# Inputs that take the scalar (math) path of generated functions.
PYTHON_NUMBERS = frozenset({float, int, np.float64})


def block_size(lines: int) -> int:
    """Elements per block when evaluating long arrays through a kernel of ``lines`` lines.

    The temporaries of one block should stay in cache (about 1 MiB in all). Measured
    on 1e5-1e6 points: a 3-line gradient is fastest at 65536 (1/3 the time of
    whole-array evaluation), a 25-line one at 32768, a 100-line tenth derivative at
    8192 (2.5x faster than whole arrays).
    """
    block = 65536
    while block > 4096 and block * lines > (1 << 20):
        block //= 2
    return block


def blockable(shape, block, *args) -> bool:
    """Worth evaluating block by block: large, and every input a numpy array or number."""
    if not shape:
        return False
    size = 1
    for n in shape:
        size *= n
    return size > 2 * block and all(
        isinstance(a, (np.ndarray, np.generic, float, int)) for a in args)


def blocked(kernel, shape, block, *args):
    """Rows of ``kernel(*args)``'s outputs, computed on flat blocks of the broadcast inputs.

    ``kernel`` returns a tuple of outputs (arrays of the block's length, or
    constants); the result has one row per output, of the inputs' total size.
    """
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in args]
    total = flat[0].size
    res = None
    for start in range(0, total, block):
        stop = min(start + block, total)
        outs = kernel(*[f[start:stop] for f in flat])
        if res is None:
            res = np.empty((len(outs), total), dtype=_FLOAT)
        for k, o in enumerate(outs):
            res[k, start:stop] = o
    return res


def scatter(core, shape, slices, points):
    """An array of shape ``core + shape``: slices of vectorised loops and single elements."""
    out = np.zeros(tuple(core) + tuple(shape), dtype=_FLOAT)
    for index, value in slices:
        out[index] += value
    for index, value in points:
        out[index] += value
    return out


def forward_index(spec, shape):
    """An index with negative steps as the forward index over the same elements and
    the axes (of the result) to flip: for arrays that only slice forwards (torch)."""
    fwd, axes, out_axis = [], [], 0
    for k, s in enumerate(spec):
        if isinstance(s, slice):
            if s.step is not None and s.step < 0:
                n = len(range(*s.indices(shape[k])))
                last = s.start + s.step * (n - 1)
                fwd.append(slice(last, s.start + 1, -s.step))
                axes.append(out_axis)
            else:
                fwd.append(s)
            out_axis += 1
        else:
            fwd.append(s)
    return tuple(fwd), tuple(axes)


def reversed_slice(x, spec):
    """``x[spec]`` for an index with a negative step (torch: forward slice, flipped)."""
    if isinstance(x, np.ndarray) or not hasattr(x, "flip"):
        return x[spec]
    fwd, axes = forward_index(spec, tuple(x.shape))
    return x[fwd].flip(axes)


def is_point(x, core) -> bool:
    """An input of exactly the parameter's shape (no batch axes): the float path applies."""
    return isinstance(x, (np.ndarray, list, tuple)) and np.shape(x) == core


def floats(x) -> list:
    """The elements of one shaped input as Python floats, in C order."""
    return np.asarray(x, dtype=_FLOAT).ravel().tolist()


def sign(x):
    return 0.0 if x == 0 else math.copysign(1.0, x)


def heaviside(x, h0):
    return h0 if x == 0 else (1.0 if x > 0 else 0.0)
