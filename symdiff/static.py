"""Static parameters (API 5.2): values known when the function is *called*, not symbols.

An integer used as a loop bound or an index, a size, a flag: ``range(n)`` cannot be
read with ``n`` a symbol, so ``sd.symbolic(f, static=("n",))`` (as JAX's
``static_argnames``) reads ``f`` once per distinct value of ``n``, with that value bound
as a constant where the reader starts (``read.read(fn, static=...)``). A
``StaticFunction`` is the dispatcher: calling it picks (or reads and compiles) the
``SymbolicFunction`` for the static values given, from a bounded least-recently-used
cache, and calls it with the other arguments.

Derivatives are never taken with respect to a static parameter: ``F.params`` lists
only the others (so ``F.grad(x, n)`` has one entry per non-static parameter, as
``jax.grad`` differentiates only its ``argnums``), and ``F.diff("n")`` is an error that
says so. ``F.diff("x")``, ``F.grad``, ``sd.grad(F, wrt="x")``, ... are
``StaticFunction``\\ s too, each specialisation derived from the cached reading.
``F.specialize(n=3)`` is the ``SymbolicFunction`` for one value, with ``expr``,
``source`` and ``latex()``.

>>> import symdiff as sd
>>> @sd.symbolic(static=("n",))
... def power(a, n):
...     for _ in range(n):
...         a = a * a
...     return a
>>> power(1.5, 2), power.params
(np.float64(5.0625), ('a',))
>>> float(power.diff("a")(1.5, 2))
13.5
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict

from .limits import check_order
from .tracebacks import api_boundary

CACHE_SIZE = 64         # readings kept per function; the least recently used goes first

_STATIC_TYPES = (int, bool)
_STATIC_NAMES = ("int", "bool")


def annotated_static(fn) -> tuple[str, ...]:
    """Parameters annotated ``int`` or ``bool`` (also as the strings postponed
    annotations give): static without being named."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in sig.parameters.values()
                 if p.annotation in _STATIC_TYPES or p.annotation in _STATIC_NAMES)


def integer_defaults(fn) -> tuple[str, ...]:
    """Parameters whose default is an ``int`` or ``bool`` (``n=3``): static when the
    function cannot be read with them as symbols."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in sig.parameters.values()
                 if isinstance(p.default, _STATIC_TYPES))


class StaticFunction:
    """A function with static parameters: one ``SymbolicFunction`` per static value.

    Built by ``sd.symbolic(fn, static=...)``; see the module docstring.
    """

    def __init__(self, fn, static: tuple, read, shapes=None, backend="numpy", path: tuple = (),
                 root=None):
        self.fn = fn
        self.static = tuple(static)
        self.shapes = dict(shapes or {})
        self.backend = backend
        self._read = read           # {name: value} -> SymbolicFunction (reads and compiles)
        self._path = path           # derivative steps: ((method name, args), ...)
        self._root = root or self
        if root is None:
            self._cache: OrderedDict = OrderedDict()
            self._lock = threading.Lock()
        target = fn.func if isinstance(fn, functools.partial) else fn
        self._sig = inspect.signature(fn)
        unknown = [s for s in self.static if s not in self._sig.parameters]
        if unknown:
            raise ValueError(f"static={unknown!r} names no parameter of "
                             f"{getattr(target, '__name__', 'the function')}; its parameters are "
                             f"{', '.join(self._sig.parameters)}")
        self.__name__ = getattr(target, "__name__", "f")
        self.__wrapped__ = fn
        self.__doc__ = getattr(target, "__doc__", None)
        self.__signature__ = self._sig

    # what the reader inlines when another function calls this one
    @property
    def __symdiff_source__(self):
        return self.fn

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters derivatives are taken with respect to (the non-static ones)."""
        return tuple(p for p in self._sig.parameters if p not in self.static)

    @property
    def name(self) -> str:
        """``f``, ``grad f``, ``d f`` (derivative steps in front, the last first)."""
        shown = {"diff": "d", "gradient": "grad", "hessian_of": "hessian",
                 "jacobian_of": "jacobian"}
        return " ".join([shown[m] for m, _ in reversed(self._path) if m in shown]
                        + [self.__name__])

    # -- readings ---------------------------------------------------------------------
    def _key(self, values: dict) -> tuple:
        key = []
        for s in self.static:
            v = values[s]
            try:
                hash(v)
            except TypeError:
                raise TypeError(f"static argument {s!r} of {self.__name__} must be hashable "
                                f"(an int, bool, str or tuple), got {type(v).__name__}; a value "
                                "that changes between calls is a parameter, not static") from None
            key.append((type(v), v))        # 1, 1.0 and True read differently
        return tuple(key)

    def _reading(self, values: dict):
        root = self._root
        key = self._key(values)
        with root._lock:
            F = root._cache.get(key)
            if F is not None:
                root._cache.move_to_end(key)
        if F is None:
            F = root._read(values)
            with root._lock:
                F = root._cache.setdefault(key, F)
                root._cache.move_to_end(key)
                while len(root._cache) > CACHE_SIZE:
                    root._cache.popitem(last=False)
        for method, args in self._path:
            F = getattr(F, method)(*args)
        return F

    @api_boundary
    def specialize(self, **values):
        """The ``SymbolicFunction`` for these static values (defaults filled in).

        >>> import symdiff as sd
        >>> F = sd.symbolic(lambda x, n: x**n, static=("n",))
        >>> F.specialize(n=3)
        <symbolic <lambda>(x) = x**3>
        """
        for k in values:
            if k not in self.static:
                raise TypeError(f"specialize() takes the static parameters of {self.__name__} "
                                f"({', '.join(self.static)}), not {k!r}")
        full = {}
        for s in self.static:
            if s in values:
                full[s] = values[s]
            elif self._sig.parameters[s].default is not inspect.Parameter.empty:
                full[s] = self._sig.parameters[s].default
            else:
                raise TypeError(f"specialize() needs a value for the static parameter {s!r} "
                                f"of {self.__name__}")
        return self._reading(full)

    def split_call(self, args, kwargs) -> tuple:
        """``(reading, args, {})``: the SymbolicFunction for the static values among
        ``args``/``kwargs`` and the other arguments in its parameter order (how
        ``sd.check(F, x, 3)`` checks the reading for ``n=3``)."""
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self.__name__}({', '.join(self._sig.parameters)}): {exc}") from None
        bound.apply_defaults()
        values = bound.arguments
        F = self._reading({s: values[s] for s in self.static})
        return F, tuple(values[p] for p in self.params), {}

    @api_boundary
    def __call__(self, *args, **kwargs):
        """Call with all arguments, static ones included, as the plain function takes
        them: the reading for these static values computes the result."""
        F, rest, _ = self.split_call(args, kwargs)
        return F(*rest)

    # -- derivatives: the same step applied to every reading ---------------------------
    def _check_names(self, names) -> None:
        for n in names:
            if n in self.static:
                raise ValueError(f"{n!r} is a static parameter of {self.__name__}: derivatives "
                                 f"are taken only with respect to ({', '.join(self.params)})")
            base = n.split("[")[0].strip() if isinstance(n, str) else n
            if base not in self.params:
                raise ValueError(f"unknown variable {n!r}: {self.__name__} has parameters "
                                 f"({', '.join(self.params)}); static: {', '.join(self.static)}")

    def _then(self, method: str, *args) -> "StaticFunction":
        return StaticFunction(self.fn, self.static, self._read, self.shapes, self.backend,
                              self._path + ((method, args),), self._root)

    @api_boundary
    def diff(self, *wrt: str, order: int = 1) -> "StaticFunction":
        """``F.diff("x")`` for every static value (as ``SymbolicFunction.diff``)."""
        if not wrt:
            raise TypeError("diff() needs at least one variable name, e.g. F.diff('x')")
        for v in wrt:
            if not isinstance(v, str):
                raise TypeError(f"diff() takes variable names (str), not {v!r}; "
                                f"{self.__name__} has parameters ({', '.join(self.params)})")
        self._check_names(wrt)
        check_order(order, times=len(wrt))
        f = self
        for _ in range(order):
            f = f._then("diff", *wrt)
        return f

    def _wrt(self, wrt):
        names = self.params if wrt is None else ((wrt,) if isinstance(wrt, str) else tuple(wrt))
        self._check_names(names)
        return names

    @api_boundary
    def gradient(self, wrt=None) -> "StaticFunction":
        """The gradient (a tuple, one entry per non-static parameter) for every value."""
        return self._then("gradient", self._wrt(wrt))

    @api_boundary
    def hessian_of(self, wrt=None) -> "StaticFunction":
        return self._then("hessian_of", self._wrt(wrt))

    @api_boundary
    def jacobian_of(self, wrt=None) -> "StaticFunction":
        return self._then("jacobian_of", self._wrt(wrt))

    def as_entry(self) -> "StaticFunction":
        return self._then("as_entry")

    def reshaped(self, core: tuple) -> "StaticFunction":
        return self._then("reshaped", core)

    def param_shape(self, name: str) -> tuple:
        self._check_names((name,))
        return tuple(self.shapes.get(name, ()))

    grad = property(lambda self: self.gradient(), doc="``F.grad(*args)``: tuple of partials.")
    hessian = property(lambda self: self.hessian_of(), doc="``F.hessian(*args)``: (n, n) array.")
    jacobian = property(lambda self: self.jacobian_of(), doc="``F.jacobian(*args)``: (m, n) array.")

    # -- what needs one reading -----------------------------------------------------------
    def __getattr__(self, attr):
        if attr in ("expr", "source", "latex", "symbols", "outputs", "plot", "export", "graph",
                    "wrt"):
            raise AttributeError(
                f"{self.__name__}.{attr} depends on the static parameter"
                f"{'s' * (len(self.static) > 1)} {', '.join(self.static)}: ask one reading, "
                f"e.g. {self.__name__}.specialize({', '.join(f'{s}=...' for s in self.static)})"
                f".{attr}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __repr__(self) -> str:
        root = self._root
        return (f"<symbolic {self.name}({', '.join(self.params)}; static "
                f"{', '.join(self.static)}): {len(root._cache)} of at most {CACHE_SIZE} "
                "readings cached>")
