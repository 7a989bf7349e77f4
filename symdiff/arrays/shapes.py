"""Shapes of the array IR: dimensions (ints or named sizes) and numpy's shape rules.

A dimension is a Python ``int`` or a sympy expression for a named size (``n``,
``n*d``), so one reading serves every size. The bottom of ``symdiff.arrays``:
it imports nothing else of it.
"""

from __future__ import annotations

import numpy as np
import sympy


class ArrayError(Exception):
    """An operation the array IR cannot represent (the reader may fall back)."""


class ShapeError(ValueError):
    """Shapes that do not fit (numpy would raise too)."""


# -- dimensions -------------------------------------------------------------------

def dim(d):
    """A dimension: a Python int, or a sympy expression for a named size."""
    if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
        return int(d)
    if isinstance(d, str):
        if not d.isidentifier():        # "2*n" would be a symbol named "2*n", unlike 2*n
            raise ShapeError(f"a named size must be a name such as 'n', not {d!r}: give the "
                             "parameter its own name for that size ('m'); the call checks "
                             "the sizes it is given")
        return sympy.Symbol(d, integer=True, positive=True)
    if isinstance(d, sympy.Basic):
        if d.is_Integer:
            return int(d)
        return d
    raise ShapeError(f"a size must be an int or a name, not {d!r}")


def is_known(d) -> bool:
    return isinstance(d, int)


def size_of(shape):
    out = 1
    for d in shape:
        out = out * d
    return dim(out) if not isinstance(out, int) else out


def broadcast_shapes(*shapes):
    """numpy's broadcasting on shapes that may hold named sizes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for k in range(ndim):
        d = 1
        for s in shapes:
            j = k - (ndim - len(s))
            if j < 0:
                continue
            e = s[j]
            if e == 1 or e == d:
                continue
            if d == 1:
                d = e
                continue
            raise ShapeError(f"shapes {' and '.join(show_shape(s) for s in shapes)} cannot be "
                             "broadcast together")
        out.append(d)
    return tuple(out)


def show_shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def norm_axes(axes, ndim: int, what: str = "axis") -> tuple:
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (int, np.integer)):
        axes = (int(axes),)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ShapeError(f"{what} must be an int or a tuple of ints, not {a!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(f"{what} {a} is out of bounds for an array of dimension {ndim}")
        out.append(int(a) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"repeated {what} in {tuple(axes)}")
    return tuple(sorted(out))
