"""The catalog of supported functions: one row per function, everything derived from it.

A row says which Python callables a function stands for (``math.sin`` and
``numpy.sin``, matched by identity as ``primitives.lookup`` does), how many
arguments it takes, how the symbolic engine builds it (a dotted name, resolved
by ``primitives``: this module never imports sympy), what generated code calls
it in each backend, how smooth it is, where it is differentiable, and which
function of the tape computes it. From the rows come:

* the reader's tables: ``primitives.CALLABLES``, ``EXPRESSION_NAMESPACE``, the
  array methods (``read.values.ARRAY_METHODS``), the structural callables
  computed on constants (``primitives.STRUCTURAL``: ``range``, ``np.zeros``, ...),
  which callables take conditions (``primitives.takes_conditions``) and which
  grow factorially (``read.parity``'s size limit);
* the printers' ``_print_<class>`` methods (``codegen``, a ``setattr`` loop as in
  sympy's ``printing/numpy.py``) and the numba printer's;
* the special-function namespaces: ``runtime``'s (scipy or ``symdiff.special``),
  the exported module's, and those of the jax, torch and cupy backends;
* the non-smooth lists: ``calculus``'s piecewise-constant functions and
  ``sd.check``'s kinks and steps;
* the tape's routing of ``math`` and ``numpy`` calls (``tape.functions.UFUNCS``
  and ``FUNCTIONS``, ``tape.math``, ``tape.numpy``). The tape keeps its own
  hand-written derivative rules: only *which* functions it must have comes
  from here.

Adding a function is one row here plus, if the tape lacks it, its tape function
and rule (``tape/functions.py``, ``tape/rules.py``); ``tests/test_catalog.py``
runs every row through both engines and finite differences.

>>> import math
>>> row = for_callable(math.sin)
>>> row.name, row.kind, row.numpy
('sin', 'smooth', 'numpy.sin')
>>> sorted(sympy_classes(kind="step", at="integers"))
['ceiling', 'floor', 'frac']
"""

from __future__ import annotations

import builtins
import math
import types
from dataclasses import dataclass, field

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Op:
    """One supported function.

    ``sympy`` is the builder of the symbolic engine: ``"sympy.sin"``,
    ``"sympy.codegen.cfunctions.log1p"`` or ``"primitives._clip"`` (a builder of
    symdiff's own), applied elementwise to arrays when ``elementwise``.
    ``printed`` is the sympy class the builder makes, when it makes one class
    (``"sin"``, ``"Abs"``, ``"loggamma"``): the printers print that class as a
    call of ``numpy`` (array code) and ``math`` (Python floats), or, for a special
    function, of ``_special.<special>`` in both, which each backend fills with
    its library's function: ``scipy.special.<scipy>``, ``jax.scipy.special.<jax>``,
    ``torch.special.<torch>``, ``cupyx.scipy.special.<cupy>`` (None: the backend
    supplies its own, or symdiff.special's where scipy has none). The numba
    backend calls ``math`` for special functions and refuses a row without one.

    ``kind`` is ``"smooth"``, ``"kink"`` (continuous, the derivative jumps) or
    ``"step"`` (piecewise constant, derivative zero almost everywhere); ``at`` says
    where: where the argument is ``"zero"``, at ``"integers"``, or at ``"ties"``
    of the arguments (max/min). A smooth row with ``at="cut"`` (atan2) jumps on its
    branch cut (y = 0, x < 0) and has no derivative at the origin. ``domain`` is the open interval of the first
    argument on which the function is real and differentiable with a finite
    derivative (cbrt's (0, inf): it is odd, and its derivative is infinite at 0).

    ``method`` is the name of the ndarray method that computes it too (``x.sum()``),
    which tensors have as well. ``tape`` names the function of
    ``symdiff.tape.functions`` that computes it on tensors (None: Python runs the builtin on tensors itself, or the tape's
    namespaces convert). ``expression`` lists the names an expression string may
    call it by (``sd.symbolic("sin(x)")``); each binds the row's callable of that
    ``__name__``, else its first.

    ``conditions``: its arguments may be conditions, read as such (``np.where``'s
    first, ``any``'s items); other functions read a condition as 0/1. A row of
    ``group="structural"`` has no sympy builder (``sympy`` is None): the reader
    calls it as it is, on arguments known when the function is read (``range``,
    ``np.zeros``, ``math.factorial``); ``factorial`` marks those whose result
    grows factorially, refused above ``limits.MAX_FACTORIAL``.
    """

    name: str
    python: tuple
    sympy: str | None
    arity: int | None = 1
    elementwise: bool = True
    group: str = "elementwise"  # "elementwise", "reduction", "linalg", "conversion", "structural"
    kind: str = "smooth"
    at: str = "zero"
    domain: tuple = (-INF, INF)
    tape: str | None = ""               # "": the row's name
    printed: str | None = None
    numpy: str | None = None
    math: str | None = None
    special: str | None = None
    scipy: str | None = None
    jax: str | None = None
    torch: str | None = None
    cupy: str | None = None
    order_arg: bool = False             # polygamma(n, x): n is an integer order
    method: str | None = None           # the array method it also is: x.sum(), x.max()
    expression: tuple = ()
    internal: bool = field(default=False)   # made by derivatives/simplification, not called
    conditions: bool = False            # takes conditions as such: np.where, any, all
    factorial: bool = False             # structural, grows factorially: math.factorial

    def __post_init__(self):
        object.__setattr__(self, "python", tuple(f for f in self.python if f is not None))
        if self.tape == "":
            object.__setattr__(self, "tape", self.name)

    @property
    def numpy_callables(self) -> tuple:
        return tuple(f for f in self.python if _is_numpy(f))

    @property
    def math_callables(self) -> tuple:
        return tuple(f for f in self.python if getattr(f, "__module__", None) == "math")


def _is_numpy(f) -> bool:
    return isinstance(f, np.ufunc) or (getattr(f, "__module__", None) or "").split(".")[0] == "numpy"


def _unary(name, python, sympy, *, numpy=None, math_name=None, cls=None, **kw):
    """A smooth-or-not elementwise function that sympy builds as one class ``cls``."""
    cls = cls or sympy.rpartition(".")[2]
    return Op(name, python, sympy, printed=cls, numpy=numpy or f"numpy.{name}",
              math=math_name or f"math.{name}", **kw)


def _structural(name, f, **kw):
    """A callable the reader computes as it is (no symbolic form, no tape rule)."""
    return Op(name, (f,), None, arity=None, elementwise=False, group="structural", tape=None,
              **kw)


_M_CBRT = getattr(math, "cbrt", None)      # Python 3.11+
_M_EXP2 = getattr(math, "exp2", None)
_CF = "sympy.codegen.cfunctions."
_P = "primitives."
_POS = (0.0, INF)
_UNIT = (-1.0, 1.0)

ROWS: tuple[Op, ...] = (
    # -- trigonometric and hyperbolic ------------------------------------------------
    _unary("sin", (math.sin, np.sin), "sympy.sin", expression=("sin",)),
    _unary("cos", (math.cos, np.cos), "sympy.cos", expression=("cos",)),
    _unary("tan", (math.tan, np.tan), "sympy.tan", domain=(-math.pi / 2, math.pi / 2),
           expression=("tan",)),
    _unary("asin", (math.asin, np.arcsin), "sympy.asin", numpy="numpy.arcsin", domain=_UNIT,
           expression=("asin", "arcsin")),
    _unary("acos", (math.acos, np.arccos), "sympy.acos", numpy="numpy.arccos", domain=_UNIT,
           expression=("acos", "arccos")),
    _unary("atan", (math.atan, np.arctan), "sympy.atan", numpy="numpy.arctan",
           expression=("atan", "arctan")),
    _unary("atan2", (math.atan2, np.arctan2), "sympy.atan2", numpy="numpy.arctan2", arity=2,
           domain=_POS, at="cut", expression=("atan2", "arctan2")),
    _unary("sinh", (math.sinh, np.sinh), "sympy.sinh", expression=("sinh",)),
    _unary("cosh", (math.cosh, np.cosh), "sympy.cosh", expression=("cosh",)),
    _unary("tanh", (math.tanh, np.tanh), "sympy.tanh", expression=("tanh",)),
    _unary("asinh", (math.asinh, np.arcsinh), "sympy.asinh", numpy="numpy.arcsinh",
           expression=("asinh", "arcsinh")),
    _unary("acosh", (math.acosh, np.arccosh), "sympy.acosh", numpy="numpy.arccosh",
           domain=(1.0, INF), expression=("acosh", "arccosh")),
    _unary("atanh", (math.atanh, np.arctanh), "sympy.atanh", numpy="numpy.arctanh",
           domain=_UNIT, expression=("atanh", "arctanh")),
    Op("radians", (math.radians, np.radians, np.deg2rad), _P + "_radians", tape="deg2rad",
       expression=("radians",)),
    Op("degrees", (math.degrees, np.degrees, np.rad2deg), _P + "_degrees", tape="rad2deg",
       expression=("degrees",)),
    # -- exponentials and logarithms (cfunctions keep expm1/log1p/log2/log10 accurate) -
    _unary("exp", (math.exp, np.exp), "sympy.exp", expression=("exp",)),
    _unary("expm1", (math.expm1, np.expm1), _CF + "expm1", expression=("expm1",)),
    Op("exp2", (np.exp2, _M_EXP2), _P + "_exp2", expression=("exp2",)),
    Op("math.log", (math.log,), _P + "_log", arity=None, elementwise=False, domain=_POS,
       tape="log", printed="log", expression=("log", "ln")),
    _unary("log", (np.log,), "sympy.log", domain=_POS),
    _unary("log1p", (math.log1p, np.log1p), _CF + "log1p", domain=(-1.0, INF),
           expression=("log1p",)),
    _unary("log2", (math.log2, np.log2), _CF + "log2", domain=_POS, expression=("log2",)),
    _unary("log10", (math.log10, np.log10), _CF + "log10", domain=_POS, expression=("log10",)),
    Op("sqrt", (math.sqrt, np.sqrt), "sympy.sqrt", domain=_POS, expression=("sqrt",)),
    # printed by the class itself (primitives.cbrt._numpycode/_pythoncode)
    Op("cbrt", (np.cbrt, _M_CBRT), _P + "cbrt", printed="cbrt", domain=_POS,
       expression=("cbrt",)),
    Op("math.hypot", (math.hypot,), _P + "_hypot", arity=None, elementwise=False,
       tape="hypot", expression=("hypot",)),
    _unary("hypot", (np.hypot,), _CF + "hypot", arity=2),
    _unary("logaddexp", (np.logaddexp,), "sympy.codegen.numpy_nodes.logaddexp", arity=2,
           math_name="numpy.logaddexp"),
    _unary("logaddexp2", (np.logaddexp2,), "sympy.codegen.numpy_nodes.logaddexp2", arity=2,
           math_name="numpy.logaddexp2"),
    Op("pow", (builtins.pow, math.pow), _P + "_pow", arity=2, elementwise=False, domain=_POS,
       expression=("pow",)),
    Op("power", (np.power,), _P + "_pow", arity=2, domain=_POS, tape="pow"),
    Op("square", (np.square,), _P + "_square"),
    # -- special functions ---------------------------------------------------------------
    Op("erf", (math.erf,), "sympy.erf", printed="erf", math="math.erf", special="erf",
       scipy="erf", jax="erf", torch="erf", cupy="erf", expression=("erf",)),
    Op("erfc", (math.erfc,), "sympy.erfc", printed="erfc", math="math.erfc", special="erfc",
       scipy="erfc", jax="erfc", torch="erfc", cupy="erfc", expression=("erfc",)),
    # torch has no gamma: the torch backend makes it from lgamma
    Op("gamma", (math.gamma,), "sympy.gamma", printed="gamma", math="math.gamma",
       special="gamma", scipy="gamma", jax="gamma", torch=None, cupy="gamma", domain=_POS,
       expression=("gamma",)),
    Op("lgamma", (math.lgamma,), "sympy.loggamma", printed="loggamma", math="math.lgamma",
       special="lgamma", scipy="gammaln", jax="gammaln", torch="gammaln", cupy="gammaln",
       domain=_POS, expression=("lgamma", "loggamma")),
    # derivatives of gamma and lgamma: no Python callable, printed when they appear
    Op("digamma", (), "sympy.digamma", printed="digamma", special="digamma", scipy="psi",
       jax="digamma", torch="digamma", cupy="digamma", domain=_POS, internal=True),
    Op("polygamma", (), "sympy.polygamma", arity=2, printed="polygamma", special="polygamma",
       scipy=None, jax="polygamma", torch="polygamma", cupy="polygamma", order_arg=True,
       domain=_POS, internal=True),
    # -- non-smooth ------------------------------------------------------------------------
    _unary("floor", (math.floor, np.floor), "sympy.floor", kind="step", at="integers",
           expression=("floor",)),
    _unary("ceil", (math.ceil, np.ceil), "sympy.ceiling", math_name="math.ceil", kind="step",
           at="integers", expression=("ceil", "ceiling")),
    # frac(x) = x - floor(x): sympy makes it, no Python callable
    Op("frac", (), "sympy.frac", printed="frac", kind="step", at="integers", tape=None,
       internal=True),
    _unary("abs", (builtins.abs, np.absolute, math.fabs, np.fabs), _P + "_abs", cls="Abs",
           math_name="abs", kind="kink", expression=("abs", "Abs", "fabs")),
    _unary("sign", (np.sign,), _P + "_sign", cls="sign", math_name="_sign", kind="step",
           expression=("sign",)),
    _unary("heaviside", (np.heaviside,), _P + "_heaviside", cls="Heaviside", arity=2,
           math_name="_heaviside", kind="step", expression=("Heaviside",)),
    # Max/Min print as chains of numpy.maximum/minimum (codegen), sympy's on floats
    Op("maximum", (np.maximum,), _P + "_maximum", arity=2, printed="Max", kind="kink", at="ties"),
    Op("fmax", (np.fmax,), _P + "_maximum", arity=2, printed="Max", kind="kink", at="ties"),
    Op("minimum", (np.minimum,), _P + "_minimum", arity=2, printed="Min", kind="kink", at="ties"),
    Op("fmin", (np.fmin,), _P + "_minimum", arity=2, printed="Min", kind="kink", at="ties"),
    Op("max", (builtins.max,), _P + "_builtin_max", arity=None, elementwise=False,
       printed="Max", kind="kink", at="ties", tape=None, expression=("max", "Max")),
    Op("min", (builtins.min,), _P + "_builtin_min", arity=None, elementwise=False,
       printed="Min", kind="kink", at="ties", tape=None, expression=("min", "Min")),
    Op("clip", (np.clip,), _P + "_clip", arity=3, kind="kink"),
    Op("where", (np.where,), _P + "_where", arity=3, kind="step", conditions=True),
    # -- reductions and linear algebra -----------------------------------------------------
    Op("amax", (np.max, np.amax), _P + "_np_max", elementwise=False, group="reduction",
       printed="Max", kind="kink", at="ties", method="max"),
    Op("amin", (np.min, np.amin), _P + "_np_min", elementwise=False, group="reduction",
       printed="Min", kind="kink", at="ties", method="min"),
    Op("builtins.sum", (builtins.sum,), _P + "_sum", arity=None, elementwise=False,
       group="reduction", tape=None),
    Op("sum", (np.sum,), _P + "_np_sum", arity=None, elementwise=False, group="reduction",
       method="sum"),
    Op("mean", (np.mean,), _P + "_np_mean", arity=None, elementwise=False, group="reduction",
       method="mean"),
    Op("prod", (np.prod,), _P + "_np_prod", arity=None, elementwise=False, group="reduction",
       method="prod"),
    Op("dot", (np.dot,), _P + "_dot", arity=2, elementwise=False, group="linalg",
       method="dot"),
    Op("inner", (np.inner,), _P + "_inner", arity=2, elementwise=False, group="linalg"),
    Op("matmul", (np.matmul,), _P + "_matmul", arity=2, elementwise=False, group="linalg"),
    Op("transpose", (np.transpose,), _P + "_transpose", elementwise=False, group="linalg"),
    # -- arithmetic as numpy functions -----------------------------------------------------
    Op("negative", (np.negative,), _P + "_negative", tape="neg"),
    Op("positive", (np.positive,), _P + "_positive"),
    Op("add", (np.add,), _P + "_add", arity=2),
    Op("subtract", (np.subtract,), _P + "_subtract", arity=2, tape="sub"),
    Op("multiply", (np.multiply,), _P + "_multiply", arity=2, tape="mul"),
    Op("divide", (np.divide, np.true_divide), _P + "_divide", arity=2, tape="div"),
    Op("reciprocal", (np.reciprocal,), _P + "_reciprocal", domain=_POS),
    # -- logic, conversions and structure: Python (or the tape's namespaces) runs them -----
    Op("any", (builtins.any,), _P + "_any", elementwise=False, group="conversion", tape=None,
       conditions=True),
    Op("all", (builtins.all,), _P + "_all", elementwise=False, group="conversion", tape=None,
       conditions=True),
    Op("float", (builtins.float, np.float64), _P + "_float", arity=None, elementwise=False,
       group="conversion", tape=None),
    Op("int", (builtins.int,), _P + "_int", arity=None, elementwise=False, group="conversion",
       tape=None),
    Op("len", (builtins.len,), _P + "_len", elementwise=False, group="conversion", tape=None),
    Op("tuple", (builtins.tuple,), _P + "_tuple", arity=None, elementwise=False,
       group="conversion", tape=None),
    Op("list", (builtins.list,), _P + "_list", arity=None, elementwise=False,
       group="conversion", tape=None),
    Op("array", (np.array, np.asarray), _P + "_array", arity=None, elementwise=False,
       group="conversion", tape=None),
    # -- structural: computed as they are, on arguments known when the function is read -
    *(_structural(name, f) for name, f in (
        ("range", builtins.range), ("enumerate", builtins.enumerate), ("zip", builtins.zip),
        ("reversed", builtins.reversed), ("round", builtins.round), ("math.gcd", math.gcd),
        ("math.isqrt", math.isqrt), ("zeros", np.zeros), ("ones", np.ones),
        ("arange", np.arange), ("linspace", np.linspace), ("eye", np.eye),
        ("shape", np.shape), ("ndim", np.ndim), ("size", np.size),
        ("zeros_like", np.zeros_like), ("ones_like", np.ones_like))),
    *(_structural(name, f, factorial=True) for name, f in (
        ("math.factorial", math.factorial), ("math.comb", math.comb), ("math.perm", math.perm))),
)

_BY_ID = {id(f): row for row in ROWS for f in row.python}


@dataclass(frozen=True)
class Constant:
    """A Python constant the reader keeps exact: ``math.pi`` (matched by identity, so a
    literal 3.14159... stays a float) is ``times`` times the sympy constant ``sympy``
    names; ``expression`` lists the names an expression string may use for it."""

    name: str
    python: tuple
    sympy: str
    times: int = 1
    expression: tuple = ()


CONSTANTS: tuple[Constant, ...] = (
    Constant("pi", (math.pi, np.pi), "sympy.pi", expression=("pi",)),
    Constant("e", (math.e, np.e), "sympy.E", expression=("e", "E")),
    Constant("tau", (math.tau,), "sympy.pi", times=2, expression=("tau",)),
    Constant("inf", (math.inf, np.inf), "sympy.oo", expression=("inf",)),
)


def for_callable(f) -> Op | None:
    """The row of the Python callable ``f`` (by identity), or None."""
    row = _BY_ID.get(id(f))
    return row if row is not None and any(g is f for g in row.python) else None


def rows(**where) -> tuple[Op, ...]:
    """The rows whose fields equal ``where``: ``rows(kind="step")``."""
    return tuple(r for r in ROWS if all(getattr(r, k) == v for k, v in where.items()))


def symbolic_rows() -> tuple[Op, ...]:
    """The rows the symbolic engine builds (all but the structural ones)."""
    return tuple(r for r in ROWS if r.sympy is not None)


def sympy_classes(kind: str | tuple, at: str | None = None) -> tuple[str, ...]:
    """Names of the sympy classes built by rows of ``kind`` (one or a tuple of kinds)
    that switch ``at`` (any place when None), each once."""
    kinds = (kind,) if isinstance(kind, str) else kind
    names = [r.printed for r in ROWS if r.printed and r.kind in kinds
             and (at is None or r.at == at)]
    return tuple(dict.fromkeys(names))


def special_functions() -> tuple[Op, ...]:
    """The rows generated code calls through its ``_special`` namespace."""
    return tuple(r for r in ROWS if r.special)


def special_namespace(module, column: str, wrap=None, fallback=None, **own):
    """``_special`` for generated code: each special function from ``module`` under
    the attribute the row's ``column`` names (``"scipy"``, ``"jax"``...), passed
    through ``wrap``; rows without one come from ``own`` (the backend's own
    version) or ``fallback`` (a module: symdiff.special). An integer order
    argument (polygamma's n) is converted with ``int``, as libraries want."""
    wrap = wrap or (lambda f: f)
    names = {}
    for r in special_functions():
        attr = getattr(r, column)
        if r.special in own:
            fn = own[r.special]
        elif attr is not None:
            fn = wrap(getattr(module, attr))
            if r.order_arg:
                fn = _integer_order(fn)
        elif fallback is not None:
            fn = getattr(fallback, r.special)
        else:
            raise LookupError(f"no {column} function for {r.name}: add it to the catalog "
                              "row or pass the backend's own")
        names[r.special] = fn
    return types.SimpleNamespace(**names)


def _integer_order(fn):
    def call(n, x):
        return fn(int(n), x)
    call.__name__ = getattr(fn, "__name__", "special")
    return call


def scipy_text(module: str = "_sp", fallback: str = "_special") -> str:
    """``erf=_sp.erf, ..., polygamma=_special.polygamma``: the scipy namespace as
    source text, for the module ``sd.export`` writes."""
    return ", ".join(f"{r.special}={module}.{r.scipy}" if r.scipy else
                     f"{r.special}={fallback}.{r.special}" for r in special_functions())
