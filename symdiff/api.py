"""The user-facing operators: ``symbolic``, the functional forms of derivatives, ``export``.

These only wire the pipeline together (read -> SymbolicFunction); the work
happens in ``read``, ``calculus`` and ``codegen``.
"""

from __future__ import annotations

import functools
import inspect
import re

import numpy as np

from .backends import BACKENDS  # noqa: F401  (the names sd.symbolic(backend=...) accepts)
from .backends import require as _require_backend
from .errors import SymdiffError, SymdiffSyntaxError
from .export import write as write_module
from .function import SymbolicFunction, from_reading
from .limits import check_order
from .read import read, read_expression, static_binding
from .static import StaticFunction, annotated_static, integer_defaults
from .tracebacks import api_boundary


@api_boundary
def symbolic(fn=None, *, shapes=None, static=None, backend="numpy"):
    """Read a Python function (or an expression string) into a ``SymbolicFunction``.

    Use it as ``sd.symbolic(fn)``, as a decorator ``@sd.symbolic`` or, with options,
    ``@sd.symbolic(shapes=..., static=..., backend=...)``.

    fn
        A plain Python function (its source is read), a ``functools.partial`` of one
        (its bound arguments are static), a ``SymbolicFunction``, or an expression
        string such as ``"x**2*y + sin(y)"`` (parameters: its free names, sorted).
    shapes
        ``{"x": (3,)}``: parameter ``x`` is an array of that shape (``{"x": 3}`` means
        ``(3,)``); its elements are the variables, ``F.grad`` returns an array of that
        shape for it, and extra trailing axes of an argument are batch axes. Parameters
        not named are scalars (numpy arrays of them broadcast).
    static
        ``("n",)``: parameters whose values are known when the function is *called*
        (loop bounds, indices, sizes, flags), as JAX's ``static_argnames``. The function
        is read and compiled once per distinct value (a bounded cache) and is never
        differentiated with respect to them: the result is a ``StaticFunction`` whose
        ``params`` are the others. Parameters annotated ``int`` or ``bool`` are static
        without being named, and so is a parameter with an integer default (``n=3``)
        that the function cannot be read without.
    backend
        What the compiled functions compute with: ``"numpy"`` (default), ``"numba"``,
        ``"jax"``, ``"torch"`` or ``"cupy"`` (each needs its package).

    >>> import math, symdiff as sd
    >>> @sd.symbolic
    ... def f(x, y):
    ...     return x**2 * y + math.sin(y)
    >>> float(f.diff("x")(3.0, 2.0))
    12.0
    >>> sd.symbolic("x**2*y + sin(y)").params
    ('x', 'y')
    >>> @sd.symbolic
    ... def power(a, n: int):               # an int parameter is static
    ...     for _ in range(n):
    ...         a = a * a
    ...     return a
    >>> float(power(1.5, 2)), float(power.diff("a")(1.5, 2))
    (5.0625, 13.5)
    """
    _require_backend(backend)     # unknown name: ValueError; package missing: ImportError
    shapes = _shapes_argument(shapes)
    static = _static_argument(static)
    if fn is None:
        return lambda f: symbolic(f, shapes=shapes, static=static, backend=backend)
    if isinstance(fn, SymbolicFunction):
        if shapes is None and static is None and backend == fn.backend:
            return fn
        fn = fn.fn
    if isinstance(fn, StaticFunction):
        if shapes is None and static is None and backend == fn.backend:
            return fn
        fn = fn.fn
    if isinstance(fn, str):
        if static:
            raise TypeError("static= is for Python functions; an expression string has no "
                            "parameters that are not variables")
        return from_reading(read_expression(fn), None, backend)
    if not callable(fn):
        raise TypeError(f"symbolic() takes a function or an expression string, not {type(fn).__name__}")
    target, bound = static_binding(fn)
    names = tuple(dict.fromkeys((static or ()) + annotated_static(target)))
    names = tuple(n for n in names if n not in bound)
    if names:
        return _static_function(fn, names, shapes, backend)
    note = array_error = None
    if shapes:                  # whole-array numpy code is read at the array level
        from .arrays import read_or_fallback
        F, note, array_error = read_or_fallback(fn, shapes, backend)
        if F is not None:
            return F
    try:
        return from_reading(read(fn, shapes=shapes), fn, backend, note)
    except (SymdiffError, SymdiffSyntaxError) as exc:
        exc = _first_error(exc, array_error)
        # n=3: a parameter with an integer default that the function cannot be read
        # without (a loop bound, an index) is static; anything else fails as it did
        names = tuple(n for n in integer_defaults(target) if n not in bound)
        if not names or not _readable(fn, names, shapes):
            raise exc from None
        for n in names if len(names) > 1 else ():     # keep symbolic what can stay so
            fewer = tuple(m for m in names if m != n)
            if _readable(fn, fewer, shapes):
                names = fewer
        return _static_function(fn, names, shapes, backend)


def _first_error(element_error, array_error):
    """The error to raise when the element-wise reading failed, and the array-level
    reading too (``array_error``; None if it was not tried or only declined).

    When the array reader got further through the user's file, or as far where the
    element-wise reader does not read the construct at all (a SymdiffSyntaxError), it
    understood what the element-wise reader stopped at and says what is wrong with the
    code as written: ``np.split(x, 2)`` of 5 elements gets numpy's reason, where the
    element-wise reader would only say that it does not read ``np.split``. Otherwise
    the element-wise error stands: on the same line it understood the construct too
    (``math.sin`` of an array: use ``np.sin``), and elsewhere it points at the user's
    line where the array reader may have stopped inside a library's source."""
    at, element_at = _location(array_error), _location(element_error)
    if at is None or element_at is None or at[0] != element_at[0]:
        return element_error
    if at[1] > element_at[1] or (at[1] == element_at[1]
                                 and isinstance(element_error, SymdiffSyntaxError)):
        return array_error
    return element_error


def _location(exc) -> tuple[str, int] | None:
    """``(file, line)`` of a reader's error, as its message begins (``file:line:col: ``)."""
    if isinstance(exc, SymdiffSyntaxError):
        return exc.filename, exc.lineno
    found = re.match(r"(.+?):(\d+):\d+: ", str(exc)) if exc is not None else None
    return (found.group(1), int(found.group(2))) if found else None


def _readable(fn, names, shapes) -> bool:
    """Can ``fn`` be read with the parameters ``names`` bound to their defaults?"""
    defaults = inspect.signature(static_binding(fn)[0]).parameters
    try:
        read(fn, shapes=shapes, static={n: defaults[n].default for n in names})
    except (SymdiffError, SymdiffSyntaxError):
        return False
    return True


def _static_function(fn, names, shapes, backend) -> StaticFunction:

    def read_with(values):
        bound = functools.partial(fn, **values)
        return from_reading(read(bound, shapes=shapes), bound, backend)
    return StaticFunction(fn, names, read_with, shapes=shapes, backend=backend)


def _shapes_argument(shapes):
    """``shapes=`` checked: names to tuples of sizes; a bare size ``3`` means ``(3,)``."""
    if shapes is None:
        return None
    if not isinstance(shapes, dict):
        raise TypeError(f"shapes must be a dict from parameter names to shapes, e.g. "
                        f"shapes={{'x': (3,)}}, not {type(shapes).__name__}")
    out = {}
    for name, shape in shapes.items():
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (int(shape),)
        try:
            shape = tuple(shape)
        except TypeError:
            raise TypeError(f"shapes[{name!r}] must be a tuple of sizes such as (3,) or "
                            f"(2, 3), not {shape!r}") from None
        out[name] = shape
    return out


def _static_argument(static):
    """``static=`` as a tuple of names (one name may be given as a str)."""
    if static is None:
        return None
    names = (static,) if isinstance(static, str) else tuple(static)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"static= takes parameter names (str), not {bad[0]!r}")
    return names


def _as_symbolic(fn) -> SymbolicFunction:
    return fn if isinstance(fn, (SymbolicFunction, StaticFunction)) else symbolic(fn)


@api_boundary
def grad(fn, wrt=None) -> SymbolicFunction:
    """Gradient of a scalar function, as JAX's ``grad`` reads ``argnums``.

    ``wrt=None`` (all parameters) or a tuple of names: the result returns a tuple,
    one entry per name (a 1-tuple for one name in a tuple), as ``F.grad`` does.
    ``wrt="x"``, a single name: the result returns that entry itself, a number for a
    scalar ``x`` and an array of ``x``'s shape for a shaped one, which is what
    ``scipy.optimize.minimize(F, x0, jac=sd.grad(F, wrt="x"))`` expects.

    >>> import symdiff as sd
    >>> sd.grad("x*y")(2.0, 3.0)
    (np.float64(3.0), np.float64(2.0))
    >>> sd.grad("x*y", wrt="x")(2.0, 3.0)
    np.float64(3.0)
    >>> F = sd.symbolic(lambda v: v[0]**2 * v[1], shapes={"v": (2,)})
    >>> sd.grad(F, wrt="v")([3.0, 2.0]).tolist()
    [12.0, 9.0]
    """
    F = _as_symbolic(fn)
    g = F.gradient(wrt)
    return g.as_entry() if isinstance(wrt, str) else g


@api_boundary
def derivative(fn, wrt, order=1) -> SymbolicFunction:
    """``sd.derivative(f, "x", order=2)``; a tuple ``wrt`` gives a mixed partial.

    >>> import symdiff as sd
    >>> sd.derivative("x**3", "x", order=2)(2.0)
    np.float64(12.0)
    """
    names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    check_order(order, times=max(len(names), 1))    # before reading fn: a bad order costs nothing
    return _as_symbolic(fn).diff(*names, order=order)


@api_boundary
def hessian(fn, wrt=None) -> SymbolicFunction:
    """Hessian of a scalar function, as JAX's ``hessian`` reads ``argnums``.

    ``wrt=None`` or a tuple of names: an ``(n, n) + broadcast shape`` array over the
    elements of those parameters, ``(1, 1)`` for one scalar. ``wrt="x"``, a single
    name: for ``x`` of shape ``s`` an array of shape ``s + s`` (a number for a scalar
    ``x``), the ``hess=`` that ``scipy.optimize.minimize`` expects.

    >>> import symdiff as sd
    >>> sd.hessian("x**2*y")(1.0, 2.0).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    >>> sd.hessian("x**2*y", wrt="x")(1.0, 2.0)
    np.float64(4.0)
    """
    F = _as_symbolic(fn)
    H = F.hessian_of(wrt)
    if isinstance(wrt, str):
        shape = F.param_shape(wrt)
        if all(isinstance(n, int) for n in shape):
            return H.reshaped(shape + shape)
    return H


@api_boundary
def jacobian(fn, wrt=None) -> SymbolicFunction:
    """Jacobian ``(m, n) + broadcast shape`` of a vector-valued function."""
    return _as_symbolic(fn).jacobian_of(wrt)




@api_boundary
def export(functions, path):
    """Write ``functions`` (SymbolicFunctions) to the module file ``path``, a standalone
    module that needs only numpy (``symdiff.export``); return the path.

    Each function is written under its compiled name (``F.grad`` of ``f`` as
    ``grad_f``); a repeated name gets a suffix ``_2``, ``_3``, ...

    >>> import symdiff as sd, tempfile, pathlib, runpy
    >>> F = sd.symbolic("x**2*y")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = sd.export([F, F.grad], pathlib.Path(d) / "f_mod.py")
    ...     mod = runpy.run_path(str(p))
    >>> grad_name = mod["__all__"][1]               # the names, in the order given
    >>> float(mod[grad_name](3.0, 2.0)[0])
    12.0
    """
    if isinstance(functions, SymbolicFunction):
        functions = [functions]
    functions = list(functions)
    if not functions:
        raise ValueError("export() needs at least one SymbolicFunction")
    for F in functions:
        if not isinstance(F, SymbolicFunction):
            raise TypeError(f"export() takes SymbolicFunctions, not {type(F).__name__}: "
                            "wrap a plain function with sd.symbolic first")
    return write_module(functions, path)


def hvp(fn, wrt=None) -> SymbolicFunction:
    """Hessian-vector product: ``H = sd.hvp(f, wrt)``, ``H(*args, v)`` = the Hessian of
    ``f`` with respect to ``wrt`` applied to ``v``, as ``jax.jvp`` of ``jax.grad`` gives it.

    ``v`` has the shape of ``wrt`` for one name, and is a tuple of such (one per name)
    for a tuple of names or None (all parameters). For a function read at the array
    level this is one forward sweep over the gradient, about the cost of two gradients:
    the Hessian is never formed.

    >>> import symdiff as sd
    >>> float(sd.hvp("x**2*y", wrt="x")(1.0, 3.0, 2.0))
    12.0
    """
    from .arrays.hvp import hvp as _hvp
    return _hvp(_as_symbolic(fn), wrt)
