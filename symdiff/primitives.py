"""Tables from Python callables and constants to their sympy counterparts.

Where this sits in the pipeline: the reader (``read/calls.py``) resolves the callee
of every call in the user's source to a Python object (``math.sin``, ``numpy.sin``
under any alias, the builtin ``abs``, ...) and looks it up here *by identity*, so
``import numpy as onp`` and ``from math import sin as s`` work without any name
matching. The table comes from the catalog (``ops/catalog.py``): each row names
the Python objects and a builder that makes the sympy expression from the
argument values the reader has; the builders of symdiff's own live here.

Builders receive interpreter values: sympy expressions, Python numbers, tuples/lists
and numpy arrays (object arrays of sympy expressions for shaped values). When every
argument is a plain constant the reader calls the original Python function instead
(constant folding with Python's own semantics), so builders only see symbolic input.

>>> import math, sympy
>>> x = sympy.Symbol("x", real=True)
>>> lookup(math.sin)(x)
sin(x)
>>> constant(math.pi)
pi
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import math
from functools import reduce
from typing import Any, Callable

import numpy as np
import sympy
from sympy.codegen import cfunctions as cf

from .ops import catalog


# -- nan, as a value sympy can hold ---------------------------------------------

class NotANumber(sympy.Function):
    """The float nan inside an expression: what numpy computes for ``0/0``,
    ``sqrt(-1)`` or ``sin(inf)``, and where Python raises on a branch that only
    some inputs take (``math.log(x - x)`` under ``if x < 0``).

    sympy's own ``nan`` cannot stand in a Piecewise (printing or sorting it compares
    with nan: "Invalid NaN comparison"); this function of no arguments can. It is
    constant (derivative 0) and prints as ``math.nan``/``numpy.nan``.

    >>> x = sympy.Symbol("x")
    >>> sympy.Piecewise((NotANumber(), x < 0), (x, True))
    Piecewise((NotANumber(), x < 0), (x, True))
    """

    nargs = 0


# -- a real cube root -------------------------------------------------------------

class cbrt(sympy.Function):
    """The real cube root: ``cbrt(-8) == -2``, derivative ``1/(3*cbrt(x)**2)``.

    ``sympy.cbrt`` is the principal (complex) root and ``cfunctions.Cbrt`` neither
    evaluates nor prints for numpy, hence this small function.

    >>> cbrt(-8)
    -2
    >>> x = sympy.Symbol("x", real=True)
    >>> sympy.diff(cbrt(x), x)
    1/(3*cbrt(x)**2)
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return sympy.real_root(arg, 3)
        return None

    def fdiff(self, argindex=1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        a = self.args[0]._eval_evalf(prec)
        if a is None or not a.is_Number:
            return None
        return sympy.real_root(a, 3)._eval_evalf(prec)

    def _eval_rewrite_as_Pow(self, arg, **kwargs):
        return sympy.sign(arg) * sympy.Abs(arg) ** sympy.Rational(1, 3)

    def _latex(self, printer):
        return r"\sqrt[3]{%s}" % printer._print(self.args[0])

    def _numpycode(self, printer):
        return "%s(%s)" % (printer._module_format("numpy.cbrt"), printer._print(self.args[0]))

    def _mpmathcode(self, printer):
        a = printer._print(self.args[0])
        m = printer._module_format
        return "(%s(%s)*%s(%s(%s)))" % (m("mpmath.sign"), a, m("mpmath.cbrt"), m("mpmath.fabs"), a)

    def _pythoncode(self, printer):
        a = printer._print(self.args[0])
        return "math.copysign(abs(%s)**(1/3), %s)" % (a, a)

    _lambdacode = _pythoncode


# -- helpers ----------------------------------------------------------------------

def _is_array(v) -> bool:
    return isinstance(v, np.ndarray)


def elementwise(build: Callable) -> Callable:
    """Apply a scalar builder elementwise when any argument is an array (numpy rules)."""

    def apply(*args):
        for a in args:
            if isinstance(a, (tuple, list)):
                # math.sin((x, y)) raises in Python (numpy entries convert them first)
                raise TypeError(f"takes numbers, not a {type(a).__name__}; use numpy "
                                "functions on an np.array for elementwise results")
        if any(_is_array(a) for a in args):
            return np.frompyfunc(build, len(args), 1)(*args)
        return build(*args)

    apply.__name__ = getattr(build, "__name__", "elementwise")
    apply.elementwise = True
    return apply


def _sequences_as_arrays(builder: Callable) -> Callable:
    """numpy's elementwise functions read a tuple or list as an array."""
    def apply(*args):
        return builder(*[_array(a) if isinstance(a, (tuple, list)) else a for a in args])
    apply.__name__ = builder.__name__
    return apply


def _is_numpy(f) -> bool:
    return isinstance(f, np.ufunc) or (getattr(f, "__module__", None) or "").split(".")[0] == "numpy"


def _items(args) -> list:
    """``max(a, b, c)`` or ``max((a, b, c))`` or ``max(array)``: the items.

    A 0-d array among the items (``np.where`` of constants folds to one) is the
    number it holds, as it is for Python's ``max``.
    """
    if len(args) == 1 and isinstance(args[0], (tuple, list, np.ndarray)):
        seq = args[0]
        args = list(seq.ravel()) if _is_array(seq) else list(seq)
    return [_unwrap_0d(a) for a in args]


def _unwrap_0d(v):
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
        return v.item() if isinstance(v, np.generic) else v
    return v


def _builtin_extremum(name, build):
    """Python's ``max``/``min``: one argument must be a sequence (``max(x)`` of a
    number raises TypeError in Python, so it is not read as ``x``)."""
    def extremum(*args):
        if len(args) == 1 and not isinstance(args[0], (tuple, list)) \
                and not (isinstance(args[0], np.ndarray) and args[0].ndim > 0):
            raise TypeError(f"{name}() of a single number: Python's {name} takes a sequence "
                            f"or several arguments")
        return build(*args)
    return extremum


def _nonempty(name, items):
    if not items:
        raise ValueError(f"{name}() of an empty sequence")
    return items


def _max(*args):
    return sympy.Max(*_nonempty("max", _items(args)))


def _min(*args):
    return sympy.Min(*_nonempty("min", _items(args)))


def _add_all(items, start=0):
    """Sum without building a chain of nested additions (O(n), not O(n^2))."""
    items = list(items)
    if any(_is_array(v) or isinstance(v, (tuple, list)) for v in items):
        return reduce(lambda a, b: a + b, items, start)
    return sympy.Add(sympy.sympify(start, strict=True), *items)


def _sum(iterable, start=0):
    seq = list(iterable.ravel()) if _is_array(iterable) and iterable.ndim == 1 else list(iterable)
    return _add_all(seq, start)


def _operand(a, name):
    """An array argument as numpy takes it: sequences become (object) arrays."""
    if isinstance(a, (tuple, list)):
        return _array(a)
    return a


def _axes(a, axis, name) -> tuple:
    """numpy's ``axis=`` (None, an int or a tuple of ints, negative from the end) as a
    sorted tuple of axes of ``a``, or the error numpy raises."""
    if axis is None:
        return tuple(range(a.ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for ax in items:
        if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
            raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {ax!r}")
        if not -a.ndim <= ax < a.ndim:
            raise ValueError(f"{name}: axis {ax} is out of bounds for an array of "
                             f"dimension {a.ndim}")
        out.append(int(ax) % a.ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _reduce(a, axis, keepdims, combine, name):
    """``combine`` (a function of a list of items) over ``axis`` of ``a``, numpy's way:
    the reduced axes are gone (or kept as 1 with ``keepdims``); each entry is built
    once from its items (``_add_all``: O(n), not a chain of n nested additions)."""
    a = np.asarray(a, dtype=object) if not _is_array(a) else a
    axes = _axes(a, axis, name)
    rest = tuple(i for i in range(a.ndim) if i not in axes)
    moved = np.transpose(a, rest + axes)
    outer = tuple(a.shape[i] for i in rest)
    flat = moved.reshape(outer + (-1,)) if a.ndim else moved.reshape(1)
    out = np.empty(outer, dtype=object)
    for idx in np.ndindex(*outer):
        out[idx] = combine(list(flat[idx]))
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return out if out.ndim else out[()]


def _np_sum(a, axis=None, keepdims=False):
    return _reduce(a, axis, keepdims, _add_all, "numpy.sum")


def _np_mean(a, axis=None, keepdims=False):
    a = np.asarray(a, dtype=object) if not _is_array(a) else a
    n = math.prod(a.shape[i] for i in _axes(a, axis, "numpy.mean"))
    return _np_sum(a, axis, keepdims) / n


def _np_prod(a, axis=None, keepdims=False):
    return _reduce(a, axis, keepdims, lambda v: sympy.Mul(*v), "numpy.prod")


def _np_max(a, axis=None, keepdims=False):
    return _reduce(a, axis, keepdims, lambda v: _max(v), "numpy.max")


def _np_min(a, axis=None, keepdims=False):
    return _reduce(a, axis, keepdims, lambda v: _min(v), "numpy.min")


def _contract(products):
    """Sum an object array of products over its last axis (each entry O(n))."""
    out = np.empty(products.shape[:-1], dtype=object)
    for idx in np.ndindex(*out.shape):
        out[idx] = _add_all(list(products[idx]))
    return out if out.ndim else out[()]


def _aligned(name, a, b, i, j):
    if a.shape[i] != b.shape[j]:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} not aligned: "
                         f"{a.shape[i]} (dim {i % a.ndim}) != {b.shape[j]} (dim {j % b.ndim})")


def _dot(a, b):
    """numpy.dot: a number scales; otherwise the sum over the last axis of ``a`` and
    the second-to-last of ``b`` (the last when ``b`` is 1-D), every other axis kept:
    ``dot(a, b)[i..., j..., k] = sum(a[i..., :] * b[j..., :, k])``."""
    a, b = _operand(a, "numpy.dot"), _operand(b, "numpy.dot")
    if not _is_array(a) or not _is_array(b) or a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        _aligned("numpy.dot", a, b, -1, 0)
        return _contract(a * b)
    _aligned("numpy.dot", a, b, -1, -2)
    bt = np.moveaxis(b, -2, -1)                                   # (B..., m, n)
    left = a.reshape(a.shape[:-1] + (1,) * (b.ndim - 1) + a.shape[-1:])
    right = bt.reshape((1,) * (a.ndim - 1) + bt.shape)
    return _contract(left * right)


def _matmul(a, b):
    """numpy.matmul and ``@``: matrix products over the last two axes, the leading
    (stack) axes broadcast; a 1-D operand is a row (left) or a column (right) whose
    axis is removed again; a number is refused, as numpy refuses it."""
    a, b = _operand(a, "matmul"), _operand(b, "matmul")
    for k, v in enumerate((a, b)):
        if not _is_array(v) or v.ndim == 0:
            raise ValueError(f"matmul: input operand {k} does not have enough dimensions "
                             "(a number: numpy raises here; use * to scale)")
    row, col = a.ndim == 1, b.ndim == 1
    a2 = a.reshape((1,) + a.shape) if row else a
    b2 = b.reshape(b.shape + (1,)) if col else b
    _aligned("matmul", a2, b2, -1, -2)
    try:
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: the stack shapes of {a.shape} and {b.shape} do not "
                         "broadcast") from None
    left = a2[..., :, None, :]                                    # (..., i, 1, n)
    right = np.moveaxis(b2, -1, -2)[..., None, :, :]              # (..., 1, j, n)
    out = _contract(left * right)                                 # (batch..., i, j)
    out = np.broadcast_to(out, batch + out.shape[-2:]) if _is_array(out) else out
    if row:
        out = out[..., 0, :]
    if col:
        out = out[..., 0]
    return out[()] if _is_array(out) and out.ndim == 0 else out


def _inner(a, b):
    """numpy.inner: the sum over the last axes of both,
    ``inner(a, b)[i..., j...] = sum(a[i..., :] * b[j..., :])``; a number scales."""
    a, b = _operand(a, "numpy.inner"), _operand(b, "numpy.inner")
    if not _is_array(a) or not _is_array(b) or a.ndim == 0 or b.ndim == 0:
        return a * b
    _aligned("numpy.inner", a, b, -1, -1)
    left = a.reshape(a.shape[:-1] + (1,) * (b.ndim - 1) + a.shape[-1:])
    right = b.reshape((1,) * (a.ndim - 1) + b.shape)
    return _contract(left * right)


_NATURAL = object()      # log(x) without a base; log(x, None) is an error in Python


def _log(x, base=_NATURAL):
    if base is _NATURAL:
        return sympy.log(x)
    if base is None:
        raise TypeError("must be real number, not NoneType (Python's math.log(x, None) "
                        "raises)")
    return sympy.log(x) / sympy.log(base)


def _where(c, a, b):
    if isinstance(c, (bool, int, float, np.bool_, np.number, sympy.Number,
                      sympy.logic.boolalg.BooleanAtom)):
        return a if bool(c) else b          # a known condition, or a number's truth
    return sympy.Piecewise((a, c), (b, True))


def _clip(x, lo, hi):
    # As torch.clamp: the gradient passes where lo <= x <= hi, bounds included
    # (Min/Max would give 1/2 at the bounds).
    if lo is not None and hi is not None:
        lo_c, hi_c = sympy.sympify(lo, strict=True), sympy.sympify(hi, strict=True)
        if lo_c.is_Number and hi_c.is_Number and lo_c > hi_c:
            return hi                         # numpy.clip: min(max(x, lo), hi)
    pairs = []
    if hi is not None and lo is not None:
        # numpy.clip is min(max(x, lo), hi): hi wherever lo > hi, whatever x is
        pairs.append((hi, sympy.Or(sympy.StrictGreaterThan(x, hi), sympy.StrictGreaterThan(lo, hi))))
    elif hi is not None:
        pairs.append((hi, sympy.StrictGreaterThan(x, hi)))
    if lo is not None:
        pairs.append((lo, sympy.StrictLessThan(x, lo)))
    if not pairs:
        return x
    return sympy.Piecewise(*pairs, (x, True))


def _hypot(*args):
    if len(args) == 2:
        return cf.hypot(*args)
    return sympy.sqrt(sympy.Add(*[a ** 2 for a in args]))


def _float(x=0.0):
    return x


def _int(x=0):
    raise TypeError("int() of a value that depends on the input; "
                    "int() is only allowed on values known when the function is read")


def _len(x):
    return len(x)


def _pow(a, b, mod=None):
    if mod is not None:
        raise TypeError("pow() with a modulus is not supported on symbolic values")
    return a ** b


def _heaviside(x, h0):
    return sympy.Heaviside(x, h0)


def _sign(x):
    return sympy.sign(x)


def _abs(x):
    return sympy.Abs(x)


def _square(x):
    return x ** 2


def _exp2(x):
    return sympy.Integer(2) ** x


def _tuple(seq=()):
    return tuple(seq.ravel()) if _is_array(seq) and seq.ndim == 1 else tuple(seq)


def _list(seq=()):
    return list(_tuple(seq))


def _array(obj, dtype=None):
    arr = np.empty(np.shape(np.asarray(obj, dtype=object)), dtype=object)
    arr[...] = np.asarray(obj, dtype=object) if not _is_array(obj) else obj
    return arr


def _truths(name, seq) -> list:
    """The truth of each item of ``seq`` (numbers: nonzero), as Python's any/all read
    them; a number is not a sequence (any(x) raises TypeError in Python)."""
    if not isinstance(seq, (tuple, list)) and not (isinstance(seq, np.ndarray) and seq.ndim > 0):
        what = "number" if isinstance(seq, (int, float, sympy.Expr, np.number)) \
            else type(seq).__name__
        raise TypeError(f"{name}() takes a sequence, not a {what} (Python raises "
                        "TypeError: the object is not iterable)")
    out = []
    for v in _items((seq,)):
        if isinstance(v, (bool, np.bool_)) or isinstance(v, sympy.logic.boolalg.BooleanAtom):
            out.append(sympy.true if v else sympy.false)
        elif isinstance(v, sympy.logic.boolalg.Boolean) and not isinstance(v, sympy.Expr):
            out.append(v)
        else:
            out.append(sympy.Ne(v, 0))
    return out


def _any(seq):
    return sympy.Or(*_truths("any", seq))


def _all(seq):
    return sympy.And(*_truths("all", seq))


def _transpose(a, axes=None):
    return np.transpose(_operand(a, "numpy.transpose"), axes)


def _radians(x):
    return x * sympy.pi / 180


def _degrees(x):
    return x * 180 / sympy.pi


def _maximum(a, b):
    return sympy.Max(a, b)


def _minimum(a, b):
    return sympy.Min(a, b)


_builtin_max = _builtin_extremum("max", _max)
_builtin_min = _builtin_extremum("min", _min)


def _negative(x):
    return -x


def _positive(x):
    return +x


def _add(a, b):
    return a + b


def _subtract(a, b):
    return a - b


def _multiply(a, b):
    return a * b


def _divide(a, b):
    return a / b


def _reciprocal(x):
    return 1 / x


def builder(row: catalog.Op) -> Callable:
    """The sympy builder a catalog row names: ``"sympy.sin"``, a cfunction, or one
    of this module's (``"primitives._clip"``)."""
    module, _, attr = row.sympy.rpartition(".")
    if module == "primitives":
        return globals()[attr]
    return getattr(importlib.import_module(module), attr)


_TABLE_ENTRIES: list[tuple[Any, Callable]] = [
    (f, elementwise(b) if row.elementwise else b)
    for row in catalog.symbolic_rows() for b in (builder(row),) for f in row.python]

def _signature(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):          # builtins without one (max, math.log)
        return None


def _as_python_calls(f, builder: Callable) -> Callable:
    """``builder`` taking the arguments Python's ``f`` takes: the same number (a
    builder such as sympy.sqrt has extra parameters: sqrt(x, x) is not sqrt(x)),
    and for ``math`` functions numbers only (math.sin of an array raises TypeError
    in Python; numpy's functions are the elementwise ones)."""
    nin = f.nin if isinstance(f, np.ufunc) else None
    sig = None if nin is not None else _signature(f)      # a ufunc's third positional is out=
    scalars_only = getattr(f, "__module__", None) == "math" or f is builtins.float

    def apply(*args, **kwargs):
        if sig is not None:
            try:
                sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(str(exc)) from None
        elif nin is not None and len(args) != nin:
            raise TypeError(f"takes {nin} argument{'s' * (nin != 1)} ({len(args)} given)")
        seq = next((a for a in args if isinstance(a, (tuple, list))), None)
        if scalars_only and seq is not None:
            raise TypeError(f"takes numbers, not a {type(seq).__name__} (Python raises "
                            "TypeError: must be a real number)")
        if scalars_only and any(isinstance(a, np.ndarray) and a.ndim > 0 for a in args):
            raise TypeError("an array argument: Python raises TypeError (only 0-d arrays convert "
                            "to numbers)" + ("" if f is builtins.float else
                                            f"; use np.{f.__name__} for elementwise values"))
        return builder(*args, **kwargs)

    apply.__name__ = getattr(builder, "__name__", "builder")
    apply.elementwise = getattr(builder, "elementwise", False)
    return apply


#: id(python callable) -> (callable, sympy builder); the callable is kept so ids stay valid
_TABLE_ENTRIES = [(f, _as_python_calls(f, _sequences_as_arrays(b)
                                       if getattr(b, "elementwise", False) and _is_numpy(f) else b))
                  for f, b in _TABLE_ENTRIES]
CALLABLES: dict[int, tuple[Any, Callable]] = {id(f): (f, b) for f, b in _TABLE_ENTRIES}

#: ndarray method name -> builder (``x.sum()``), for the catalog rows that are methods too
ARRAY_METHODS: dict[str, Callable] = {row.method: builder(row) for row in catalog.ROWS
                                      if row.method}

#: Callables that only restructure constant-length data or need constant arguments
#: (factorial, ...); called as-is, after checking no argument depends on the input:
#: the catalog's structural rows.
STRUCTURAL: dict[int, Any] = {id(f): f for row in catalog.rows(group="structural")
                              for f in row.python}

def _sympy_constant(c: catalog.Constant):
    module, _, attr = c.sympy.rpartition(".")
    return c.times * getattr(importlib.import_module(module), attr)


#: id(python constant) -> sympy constant (the catalog's constants); identity, so a
#: literal 3.14159... stays a float
CONSTANTS: dict[int, tuple[Any, Any]] = {id(v): (v, _sympy_constant(c))
                                         for c in catalog.CONSTANTS for v in c.python}

def _expression_namespace() -> dict[str, Any]:
    names: dict[str, Any] = {}
    for row in catalog.ROWS:
        for name in row.expression:
            names[name] = next((f for f in row.python if getattr(f, "__name__", None) == name),
                               row.python[0])
    names.update({name: c.python[0] for c in catalog.CONSTANTS for name in c.expression})
    return names


#: Names usable in an expression string (``sd.symbolic("x**2 + sin(y)")``): the
#: catalog's ``expression`` names and the constants.
EXPRESSION_NAMESPACE: dict[str, Any] = _expression_namespace()


def takes_conditions(obj: Any) -> bool:
    """May the arguments of the catalog's callable ``obj`` be conditions (np.where,
    any, all)? Other functions read a condition as 0/1."""
    row = catalog.for_callable(obj)
    return row is not None and row.conditions


def grows_factorially(obj: Any) -> bool:
    """Is ``obj`` math.factorial, comb or perm (too large to compute exactly for big
    arguments)?"""
    row = catalog.for_callable(obj)
    return row is not None and row.factorial


def lookup(obj: Any) -> Callable | None:
    """The sympy builder for the Python callable ``obj``, or None."""
    entry = CALLABLES.get(id(obj))
    return entry[1] if entry is not None and entry[0] is obj else None


def structural(obj: Any) -> Any | None:
    """``obj`` itself when the reader computes it as it is (``range``, ``np.zeros``)."""
    entry = STRUCTURAL.get(id(obj))
    return entry if entry is obj else None


def constant(obj: Any) -> Any | None:
    """The sympy constant for ``math.pi``, ``numpy.e``, ... (by identity), or None."""
    entry = CONSTANTS.get(id(obj))
    return entry[1] if entry is not None and entry[0] is obj else None


def _builtin_names(rows) -> tuple[str, ...]:
    """The names of the Python builtins among the callables of ``rows``."""
    return tuple(dict.fromkeys(f.__name__ for row in rows for f in row.python
                               if getattr(builtins, getattr(f, "__name__", ""), None) is f))


#: the names of Python's builtins that catalog rows stand for (``abs``, ``pow``, ``min``,
#: ``max``, ``sum``, ``float``, ``len``, ...): what a function without source may call on
#: symbols (``read.calls.call_without_source``) and what error messages list. Not
#: ``any``/``all``: they take conditions, whose 0/1 reading needs the source reader
#: (run without source, ``x * any(...)`` would fail on a sympy ``Or``).
BUILTINS: tuple[str, ...] = _builtin_names(
    row for row in catalog.symbolic_rows() if not row.conditions)

#: the elementwise functions an error message names as examples (each a catalog row:
#: ``tests/test_catalog.py``); the others are its "..."
MESSAGE_EXAMPLES = ("sin", "exp", "log", "sqrt", "hypot", "erf", "where", "maximum",
                    "minimum", "clip")


def supported_names() -> str:
    """A short list for error messages: examples of the elementwise functions, then
    numpy's reductions and linear algebra and the builtins, from the catalog."""
    whole = [next(f.__name__ for f in row.numpy_callables) for row in catalog.symbolic_rows()
             if row.group in ("reduction", "linalg") and row.numpy_callables]
    return (f"math.* and numpy.* elementary functions ({', '.join(MESSAGE_EXAMPLES)}, ...), "
            f"numpy {'/'.join(dict.fromkeys(whole))}, "
            f"builtins {'/'.join(_builtin_names(catalog.symbolic_rows()))}, "
            "and plain Python functions with source")
