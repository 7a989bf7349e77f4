"""``tape.math`` and ``tape.numpy``: the ``math`` and ``numpy`` APIs on tensors.

Sits on top of ``functions``.  ``sd.check`` runs a user's own function on the
tape by rebinding ``math``/``numpy`` in a copy of its globals to these two
module objects.  ``math.sin(t)`` cannot be intercepted, so ``tape.math.sin``
dispatches: a tensor argument goes through the tape, plain numbers go to the
real ``math`` function (module constants stay floats).  ``tape.numpy`` mostly
forwards to numpy (whose functions already dispatch to tensors through
``__array_ufunc__``/``__array_function__``) and overrides the few that would
otherwise convert a tensor to a plain array (``array``, ``asarray``...).
Which functions each module routes to the tape comes from the catalog
(``symdiff/ops/catalog.py``); the tables below add the tape's own.

``numpy_as_floats`` and ``float_keeping_tensors`` are what ``sd.check`` binds
``numpy`` and ``float`` to in code written for Python floats: ``np.float64(t)``
and ``float(t)`` keep the tensor (and its gradient), and ``np.zeros(n)`` makes an
object array, so ``out[i] = x[i] * 2`` stores tensors instead of their values.
"""

import builtins
import math as _math
import types

import numpy as _np

from ..ops import catalog
from . import functions as F
from .tensor import Tensor, _value_of


def _has_tensor(args):
    for a in args:
        if isinstance(a, Tensor):
            return True
        if isinstance(a, (list, tuple)) and _has_tensor(a):
            return True
    return False


def _dispatch(name, tape_fn, plain_fn):
    def fn(*args, **kwargs):
        if _has_tensor(args) or _has_tensor(tuple(kwargs.values())):
            return tape_fn(*args, **kwargs)
        return plain_fn(*args, **kwargs)
    fn.__name__ = name
    fn.__qualname__ = name
    fn.__doc__ = f"math.{name} on tape tensors (plain numbers go to math.{name})."
    return fn


# ---------------------------------------------------------------- tape.math
def _log(x, base=None):
    if base is None:
        return F.log(x)
    return F.log(x) / F.log(base)


def _hypot(*coords):
    return F.sqrt(builtins.sum(F.square(c) if isinstance(c, Tensor) else c * c for c in coords))


def _fsum(values):
    return builtins.sum(values)


def _prod(values, start=1):
    out = start
    for v in values:
        out = out * v
    return out


# math's own signatures on top of the tape function: log's base, hypot of n coordinates
_MATH_SIGNATURES = {"log": _log, "hypot": _hypot}


def _catalog_math():
    """math function name -> tape function, for the catalog's rows."""
    table = {}
    for row in catalog.ROWS:
        if row.tape is not None:
            for f in row.math_callables:
                table[f.__name__] = _MATH_SIGNATURES.get(f.__name__) or F.catalog_function(row)
    return table


_MATH_TABLE = {
    **_catalog_math(),
    # the tape's own (math functions the symbolic engine does not read)
    "trunc": F.trunc, "fsum": _fsum, "prod": _prod,
    "isfinite": lambda x: bool(_np.isfinite(_value_of(x))),
    "isnan": lambda x: bool(_np.isnan(_value_of(x))),
    "isinf": lambda x: bool(_np.isinf(_value_of(x))),
    "copysign": lambda x, y: F.abs(x) * (-1.0 if _np.signbit(_value_of(y)) else 1.0),
}


def _make_math():
    mod = types.ModuleType("symdiff.tape.math", "The math module's API on tape tensors.")
    for name, fn in _MATH_TABLE.items():
        plain = getattr(_math, name, None)
        if plain is None:  # e.g. math.exp2/cbrt on older Pythons: tape-only
            plain = fn
        setattr(mod, name, _dispatch(name, fn, plain))
    for const in ("pi", "e", "tau", "inf", "nan"):
        setattr(mod, const, getattr(_math, const))
    # Everything else (factorial, comb, isclose...) is the real math function.
    mod.__getattr__ = lambda name: getattr(_math, name)
    return mod


# ---------------------------------------------------------------- tape.numpy
def _array(obj, dtype=None, copy=True, **kwargs):
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)) and _has_tensor(obj):
        return F.stack([_array(o) for o in obj])
    return _np.array(obj, dtype=dtype, **kwargs)


def _asarray(obj, dtype=None, **kwargs):
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)) and _has_tensor(obj):
        return F.stack([_asarray(o) for o in obj])
    return _np.asarray(obj, dtype=dtype, **kwargs)


def _float(x):
    return float(_value_of(x)) if not isinstance(x, Tensor) else x


def _catalog_numpy():
    """numpy name -> tape function, for the catalog's rows (every name numpy binds
    the callable to: abs and absolute, max and amax)."""
    routes = {**F._CATALOG_UFUNCS, **F._CATALOG_FUNCTIONS}
    return {name: routes[obj] for name, obj in vars(_np).items()
            if callable(obj) and obj in routes}


_NUMPY_TABLE = {
    **_catalog_numpy(),
    # the tape's own (numpy functions the symbolic engine does not read)
    "float_power": F.pow, "trunc": F.trunc, "rint": F.round, "round": F.round,
    "around": F.round, "outer": F._np_outer, "reshape": F.reshape, "ravel": F.ravel,
    "concatenate": F.concatenate, "stack": F.stack, "squeeze": F.squeeze,
    "expand_dims": F.expand_dims, "broadcast_to": F.broadcast_to,
}


#: numpy functions whose argument is a sequence of arrays, not one array_like
_SEQUENCE_TAKERS = {"concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
                    "row_stack", "block", "einsum", "broadcast_arrays", "meshgrid", "select"}


def _array_likes(name, fn):
    """``fn`` with a list or tuple holding tensors stacked into one tensor, as numpy
    reads an array_like (``np.sum([x * x, y])``); the tape's functions, like torch's,
    would take its values only, and the gradient would be lost."""
    if name in _SEQUENCE_TAKERS:
        return fn

    def call(*args, **kwargs):
        args = tuple(_asarray(a) if isinstance(a, (list, tuple)) and _has_tensor(a) else a
                     for a in args)
        return fn(*args, **kwargs)
    call.__name__ = call.__qualname__ = getattr(fn, "__name__", name)
    call.__doc__ = getattr(fn, "__doc__", None)
    return call


def _make_numpy():
    mod = types.ModuleType("symdiff.tape.numpy", "numpy's API on tape tensors.")
    for name, fn in _NUMPY_TABLE.items():
        setattr(mod, name, _dispatch(name, _array_likes(name, fn), getattr(_np, name)))
    mod.array = _array
    mod.asarray = _asarray
    mod.asanyarray = _asarray
    for const in ("pi", "e", "inf", "nan", "newaxis", "float64", "float32", "int64",
                  "linalg", "ndarray"):
        setattr(mod, const, getattr(_np, const))
    wrapped = {}

    def getattr_(name):
        # numpy's own function, which reaches the tape through __array_function__;
        # one the tape routes also reads a list holding tensors as numpy reads an
        # array_like (np.std([x, x + 2]))
        obj = getattr(_np, name)
        if name in _SEQUENCE_TAKERS or not _routed(obj):
            return obj
        if name not in wrapped:
            wrapped[name] = _array_likes(name, obj)
        return wrapped[name]
    mod.__getattr__ = getattr_
    return mod


def _routed(obj):
    try:
        return obj in F.FUNCTIONS
    except TypeError:           # unhashable
        return False


math = _make_math()
numpy = _make_numpy()


# ---------------------------------------------------------------- code written for floats
def _keep_tensor(cast):
    def conv(x=0.0, *rest):
        return x if isinstance(x, Tensor) else cast(x, *rest)
    conv.__name__ = conv.__qualname__ = getattr(cast, "__name__", "cast")
    conv.__doc__ = f"{conv.__name__}(x), except that a tensor stays the tensor."
    return conv


def _object_array(maker):
    def make(*args, **kwargs):
        kwargs.pop("dtype", None)
        a = maker(*args, **kwargs)
        if not isinstance(a, _np.ndarray):      # np.zeros_like(tensor) is a tensor
            return a
        return a.astype(object) if _np.issubdtype(a.dtype, _np.number) else a
    make.__name__ = make.__qualname__ = getattr(maker, "__name__", "make")
    make.__doc__ = f"numpy.{make.__name__}, as an object array that can hold tensors."
    return make


def _make_numpy_as_floats():
    mod = types.ModuleType("symdiff.tape.numpy_as_floats",
                           "tape.numpy as code written for Python floats sees it.")
    for n in ("float64", "float32", "float_", "double"):
        if hasattr(_np, n):
            setattr(mod, n, _keep_tensor(getattr(_np, n)))
    for n in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
              "full_like"):
        setattr(mod, n, _object_array(getattr(_np, n)))
    mod.__getattr__ = lambda name: getattr(numpy, name)
    return mod


#: ``numpy`` for code written for floats, run on tensors (``sd.check``)
numpy_as_floats = _make_numpy_as_floats()
#: ``float`` for code written for floats: a tensor stays the tensor
float_keeping_tensors = _keep_tensor(builtins.float)
