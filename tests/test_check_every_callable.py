"""Every callable the reader accepts runs through ``sd.check`` at special points (issue 10 item 10).

Walks every callable of the catalog's symbolic rows (``symdiff/ops/catalog.py``) at
special points (0, +-1, integers, branch boundaries), where no engine may disagree: a
point there may be undefined or not differentiable, and the report must say so.
Ordinary points, where all three engines must agree, and the tape counterpart of
every row are ``tests/test_catalog.py``'s (a new entry without one fails there, as
np.radians, np.degrees, np.deg2rad, np.rad2deg and np.heaviside did).
"""

import builtins
import math

import numpy as np
import pytest

import symdiff as sd
from symdiff.ops import catalog


def accepted_callables() -> list:
    """The Python callables the reader builds symbolically, in catalog order."""
    return [f for row in catalog.symbolic_rows() for f in row.python]


# -- how to call each callable from a function of (x, y) ---------------------------------
# One factory per calling convention; the function each returns is what sd.check reads.

def unary(fn):
    def f(x, y):
        return fn(x) * y
    return f


def binary(fn):
    def f(x, y):
        return fn(x, y)
    return f


def on_list(fn):
    def f(x, y):
        return fn([x, y * y, 0.5]) * x
    return f


def on_array(fn):
    def f(x, y):
        return fn(np.array([x, y * y, 0.5])) * x
    return f


def on_two_arrays(fn):
    def f(x, y):
        return fn(np.array([x, y]), np.array([y * y, x])) * y
    return f


def transposed(fn):
    def f(x, y):
        return fn(np.array([[x, y], [y * y, 1.0]]))[0, 1] * x
    return f


def clipped(fn):
    def f(x, y):
        return fn(x, -0.5, y)
    return f


def where(fn):
    def f(x, y):
        return fn(x > 0.25, x * y, y)
    return f


def truth(fn):
    def f(x, y):
        if fn([x > 0.25, y > 0.5]):
            return x * y
        return x - y
    return f


def counted(fn):
    def f(x, y):
        return x * fn([x, y])
    return f


def item_of(fn):
    def f(x, y):
        return fn([x, y * x])[1] + y
    return f


def on_constant(fn):
    def f(x, y):
        return x * y + fn(2.7) * x
    return f


def log_base(fn):
    def f(x, y):
        return fn(x, 2.0) + fn(y)
    return f


CALLS = {
    id(math.log): log_base, id(math.hypot): binary,
    id(builtins.max): binary, id(builtins.min): binary,
    id(np.max): on_array, id(np.min): on_array, id(np.amax): on_array, id(np.amin): on_array,
    id(builtins.sum): on_list, id(np.sum): on_array, id(np.mean): on_array, id(np.prod): on_array,
    id(np.dot): on_two_arrays, id(np.matmul): on_two_arrays, id(np.inner): on_two_arrays,
    id(np.transpose): transposed, id(builtins.any): truth, id(builtins.all): truth,
    id(builtins.float): unary, id(np.float64): unary, id(builtins.int): on_constant,
    id(builtins.len): counted, id(builtins.tuple): item_of, id(builtins.list): item_of,
    id(np.array): item_of, id(np.asarray): item_of, id(np.clip): clipped, id(np.where): where,
}


def caller(fn):
    """The factory for ``fn``: from the table above, or from its catalog row's arity."""
    if id(fn) in CALLS:
        return CALLS[id(fn)]
    arity = catalog.for_callable(fn).arity
    if arity in (1, 2):
        return unary if arity == 1 else binary
    raise AssertionError(f"no calling convention for {fn!r}: add it to CALLS in {__name__}")


#: (callable, derivative row) pairs known to FAIL at some special points, and why; each
#: entry is a bug being fixed elsewhere (remove it when the fix lands: a known failure
#: that no longer fails fails the test): these rows may fail, no other row may
KNOWN_AT_SPECIAL_POINTS: dict = {
    # empty: atan2 at (0, 0) failed (symbolic nan, the tape torch's 0) until its branch
    # cut and the origin became switching points (catalog at="cut"): not differentiable
}

SPECIAL = [(0.0, 0.0), (1.0, 1.0), (-1.0, 2.0), (2.0, -1.0), (0.0, 1.0), (1.0, 0.0), (-1.0, -1.0),
           (0.5, 0.5), (3.0, 2.0), (-2.0, 0.5)]


def _defined(f, x, y) -> bool:
    try:
        with np.errstate(all="ignore"):
            v = f(x, y)
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    return not np.iscomplexobj(v) and bool(np.all(np.isfinite(v)))


def _name(fn):
    mod = getattr(fn, "__module__", None) or type(fn).__module__
    return f"{'np' if isinstance(fn, np.ufunc) else mod}.{getattr(fn, '__name__', fn)}"


@pytest.mark.parametrize("fn", accepted_callables(), ids=_name)
def test_callable_through_check(fn):
    f = caller(fn)(fn)
    F = sd.symbolic(f)
    xs, ys = (np.array(c) for c in zip(*SPECIAL))
    r = sd.check(F, xs, ys)
    failed = {row.name for row in r.rows if row.status == "FAIL"}
    known = {name for (g, name) in KNOWN_AT_SPECIAL_POINTS if g is fn}
    assert failed == known, str(r)
    defined = np.array([_defined(f, *p) for p in SPECIAL])
    for row in r.rows:
        if row.status == "undefined":
            assert "undefined" in row.message or "not a finite number" in row.message, str(r)
    value = r.rows[0]
    assert (value.status == "undefined") == (not defined.all()), str(r)
