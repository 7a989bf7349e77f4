"""The user-facing operators: ``symbolic``, the functional forms of derivatives, ``export``.

These only wire the pipeline together (front end -> SymbolicFunction); the work
happens in ``frontend``, ``calculus`` and ``codegen``.
"""

from __future__ import annotations


from .backends import BACKENDS  # noqa: F401  (the names sd.symbolic(backend=...) accepts)
from .backends import require as _require_backend
from . import export as _export
from . import frontend
from .function import SymbolicFunction, from_traced
from .limits import check_order


def symbolic(fn=None, *, shapes=None, backend="numpy"):
    """Read a Python function (or an expression string) into a ``SymbolicFunction``.

    >>> import math, symdiff as sd
    >>> @sd.symbolic
    ... def f(x, y):
    ...     return x**2 * y + math.sin(y)
    >>> float(f.diff("x")(3.0, 2.0))
    12.0
    >>> sd.symbolic("x**2*y + sin(y)").params
    ('x', 'y')
    """
    _require_backend(backend)     # unknown name: ValueError; package missing: ImportError
    if fn is None:
        return lambda f: symbolic(f, shapes=shapes, backend=backend)
    if isinstance(fn, SymbolicFunction):
        if shapes is None and backend == fn.backend:
            return fn
        fn = fn.fn
    if isinstance(fn, str):
        return from_traced(frontend.trace_expression(fn), None, backend)
    if not callable(fn):
        raise TypeError(f"symbolic() takes a function or an expression string, not {type(fn).__name__}")
    return from_traced(frontend.trace(fn, shapes=shapes), fn, backend)


def _as_symbolic(fn) -> SymbolicFunction:
    return fn if isinstance(fn, SymbolicFunction) else symbolic(fn)


def grad(fn, wrt=None) -> SymbolicFunction:
    """Gradient of a scalar function: ``sd.grad(f)(x, y)`` -> ``(df/dx, df/dy)``.

    >>> import symdiff as sd
    >>> sd.grad("x*y")(2.0, 3.0)
    (np.float64(3.0), np.float64(2.0))
    """
    return _as_symbolic(fn).gradient(wrt)


def derivative(fn, wrt, order=1) -> SymbolicFunction:
    """``sd.derivative(f, "x", order=2)``; a tuple ``wrt`` gives a mixed partial.

    >>> import symdiff as sd
    >>> sd.derivative("x**3", "x", order=2)(2.0)
    np.float64(12.0)
    """
    names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
    check_order(order, times=max(len(names), 1))    # before reading fn: a bad order costs nothing
    return _as_symbolic(fn).diff(*names, order=order)


def hessian(fn, wrt=None) -> SymbolicFunction:
    """Hessian ``(n, n) + broadcast shape``.

    >>> import symdiff as sd
    >>> sd.hessian("x**2*y")(1.0, 2.0).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    return _as_symbolic(fn).hessian_of(wrt)


def jacobian(fn, wrt=None) -> SymbolicFunction:
    """Jacobian ``(m, n) + broadcast shape`` of a vector-valued function."""
    return _as_symbolic(fn).jacobian_of(wrt)




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
    return _export.write(functions, path)
