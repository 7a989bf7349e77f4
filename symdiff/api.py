"""The user-facing operators: ``symbolic`` and the functional forms of derivatives.

These only wire the pipeline together (front end -> SymbolicFunction); the work
happens in ``frontend``, ``calculus`` and ``codegen``.
"""

from __future__ import annotations


from .backends import BACKENDS  # noqa: F401  (the names sd.symbolic(backend=...) accepts)
from .backends import require as _require_backend
from .codegen import SCALAR, Layout
from .function import SymbolicFunction
from .limits import check_order, deep


@deep(lambda traced, *rest: f"building the graph of {traced.name}")
def _from_traced(traced, fn, backend) -> SymbolicFunction:
    out = traced.outputs
    if not traced.vector:
        layout = SCALAR
    elif traced.vector == "array" or out.ndim != 1:
        layout = Layout("array", shape=out.shape)
    else:
        layout = Layout("tuple", items=(SCALAR,) * out.size)
    # The returned expressions become named intermediates too, so that they are
    # split into primitives like every assignment (a long return expression
    # would otherwise be differentiated as one growing tree).
    outputs = [traced.graph.define(traced.name, e) for e in out.ravel()]
    return SymbolicFunction(traced, outputs, layout, traced.name, fn=fn, backend=backend)


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
        from . import frontend
        return _from_traced(frontend.trace_expression(fn), None, backend)
    if not callable(fn):
        raise TypeError(f"symbolic() takes a function or an expression string, not {type(fn).__name__}")
    note = None
    if shapes:                  # whole-array numpy code is read at the array level
        from .arrays import read_or_fallback
        F, note = read_or_fallback(fn, shapes, backend)
        if F is not None:
            return F
    from . import frontend
    F = _from_traced(frontend.trace(fn, shapes=shapes), fn, backend)
    F._note = note
    return F


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


