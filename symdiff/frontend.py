"""Pass 3 of the pipeline: interpret the user's source into an SSA graph of sympy.

``trace(fn, shapes)`` reads ``fn``'s source (``source.function_source``), runs the
fence on it (``fence.check``) and then interprets the AST statement by statement on
symbolic values. Every assignment becomes a named intermediate through
``Graph.define`` (the function's SSA form); nothing is flattened here.

Values the interpreter handles: sympy expressions and relations, Python numbers
(constant arithmetic is folded with Python's own semantics), tuples and lists, numpy
arrays (object arrays of symbols for shaped parameters, numeric arrays for module
constants), modules, and callables (the user's helpers, lambdas and nested defs,
inlined by tracing their own source on the same graph).

Control flow: a condition known at trace time picks its branch; a data-dependent one
runs both branches and merges what they assign with ``sympy.Piecewise``. A branch that
returns takes the rest of the function as its continuation (the statement runner keeps
a stack of pending statement lists, so the continuation is shared, not copied). ``for``
loops over sequences known at trace time are unrolled.

>>> def f(x, y):
...     z = x * y
...     return z + 1
>>> t = trace(f)                      # doctest: +SKIP
>>> t.graph.flatten(t.outputs[()])    # doctest: +SKIP
x*y + 1
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import inspect
import itertools
import math
import operator
import os
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
# sympy imports this inside the first Add it builds (Add.flatten), and it costs more than
# everything else in a first derivative: it is loaded with the reader instead
import sympy.tensor.tensor  # noqa: F401,E402

from . import fence, limits, primitives
from .errors import SymdiffError, SymdiffSyntaxError
from .graph import Graph, LaneSum, Traced
from .tracebacks import library_file
from .source import FunctionSource, NoSource, StaleSource, function_source, stale_source, unwrap

MAX_INLINE_DEPTH = 40     # nested helper calls; deeper means (probably) unbounded recursion
# A loop over range() with at least this many steps is first read once with its
# index standing for all steps at once (lanes, see ``Tracer.vectorize_loop``);
# shorter loops, and bodies a lane cannot stand for, are unrolled.
VECTOR_MIN = 16
_MISSING = object()
# Sizes past which a constant computation is refused instead of run (each would
# take minutes or all the memory): items of an unrolled loop, a comprehension or a
# repeated sequence; bits of an integer power; arguments of factorial/comb/perm.
MAX_ITEMS = 1_000_000
MAX_INT_BITS = 1 << 20
MAX_FACTORIAL = 100_000
_FLOAT_MAX = int(np.finfo(float).max)
# Integer exponents of symbolic powers above this are read as floats (same values).
MAX_EXACT_EXPONENT = 10_000


class _NotVectorizable(Exception):
    """The loop body does something a lane cannot stand for: unroll the loop instead."""


class LaneIndex:
    """The index of a vectorised loop: ``start + step*k`` for every lane ``k`` at once.

    Only what keeps it an arithmetic progression is allowed (adding, subtracting
    and multiplying by integers, indexing a shaped parameter); anything else
    (comparing it, using it as a number) makes the loop unroll.
    """

    __slots__ = ("start", "step", "count")

    def __init__(self, start: int, step: int, count: int):
        self.start, self.step, self.count = start, step, count

    @staticmethod
    def _int(k) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise _NotVectorizable
        return int(k)

    def __add__(self, k):
        return LaneIndex(self.start + self._int(k), self.step, self.count)

    __radd__ = __add__

    def __sub__(self, k):
        return LaneIndex(self.start - self._int(k), self.step, self.count)

    def __rsub__(self, k):
        return LaneIndex(self._int(k) - self.start, -self.step, self.count)

    def __mul__(self, k):
        k = self._int(k)
        if k == 0:
            raise _NotVectorizable
        return LaneIndex(self.start * k, self.step * k, self.count)

    __rmul__ = __mul__

    def __neg__(self):
        return LaneIndex(-self.start, -self.step, self.count)

    def _refuse(self, *args):
        raise _NotVectorizable

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __bool__ = __index__ = __int__ = __float__ = __hash__ = _refuse

    def positions(self) -> list[int]:
        return [self.start + self.step * k for k in range(self.count)]


# -- values -----------------------------------------------------------------------

@dataclass
class _Return:
    value: Any


@dataclass
class LoopBind:
    """Pseudo-statement of an unrolled loop: bind ``target`` to one item."""
    target: ast.AST
    value: Any
    node: ast.For


@dataclass
class Undefined:
    """A name assigned in only one branch of a data-dependent ``if``."""
    name: str
    node: ast.If


@dataclass
class Scope:
    """Local names of one function activation; ``parent`` is the defining scope of a
    nested def/lambda; the outermost scope carries the function's closure and globals."""
    locals: dict
    parent: "Scope | None" = None
    closure: dict = field(default_factory=dict)
    globals: dict = field(default_factory=dict)


@dataclass
class LocalFunction:
    """A nested ``def`` or ``lambda`` met while tracing."""
    node: ast.FunctionDef | ast.Lambda
    scope: Scope
    src: FunctionSource
    defaults: list
    kwdefaults: dict

    @property
    def name(self):
        return getattr(self.node, "name", "<lambda>")


@dataclass
class ArrayMethod:
    """``x.sum`` and friends on an array value."""
    name: str
    array: np.ndarray


_MISSING = object()


ARRAY_METHODS = {
    **primitives.ARRAY_METHODS,          # the catalog's: sum, mean, prod, dot, max, min
    "ravel": lambda a: a.ravel(), "flatten": lambda a: a.flatten(), "copy": lambda a: a.copy(),
    "reshape": lambda a, *s: a.reshape(*s), "transpose": lambda a, *ax: a.transpose(*ax),
    "tolist": lambda a: a.tolist(),
}
ARRAY_PROPERTIES = {"shape": lambda a: a.shape, "size": lambda a: a.size,
                    "ndim": lambda a: a.ndim, "T": lambda a: a.T}

BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: lambda a, b: primitives._matmul(a, b)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else a @ b,
}
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# comparison operator -> (Python operator for constants, sympy builder for symbols)
COMPARE = {
    ast.Lt: (operator.lt, sympy.Lt), ast.LtE: (operator.le, sympy.Le),
    ast.Gt: (operator.gt, sympy.Gt), ast.GtE: (operator.ge, sympy.Ge),
    ast.Eq: (operator.eq, sympy.Eq), ast.NotEq: (operator.ne, sympy.Ne),
}


def is_const(v) -> bool:
    """A value fully known at trace time (no symbols inside)."""
    if isinstance(v, (bool, int, float, complex, str, range, np.generic)) or v is None:
        return True
    if isinstance(v, np.ndarray):
        return v.dtype != object
    if isinstance(v, (tuple, list)):
        return all(is_const(e) for e in v)
    return False


def from_outside(v):
    """A value read from a module, closure or constant computation, as the tracer sees it."""
    c = primitives.constant(v)
    if c is not None:
        return c
    if isinstance(v, np.generic):
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return float(v)
        return v.item()
    return v


def _is_scalar(v) -> bool:
    return isinstance(v, (int, float, sympy.Basic))     # bool is an int


def _is_boolean(v) -> bool:
    return isinstance(v, sympy.logic.boolalg.Boolean) and not isinstance(v, sympy.Expr)


def _as_condition(v):
    """A sympy Boolean for a data-dependent truth value."""
    if _is_boolean(v):
        return v
    return sympy.Ne(v, 0)


def _has_text(v) -> bool:
    """Does ``v`` hold text (``str``/``bytes``)? Text must never reach sympy, whose
    ``sympify`` would parse (and evaluate) it."""
    if isinstance(v, (str, bytes)):
        return True
    if isinstance(v, (tuple, list)):
        return any(_has_text(e) for e in v)
    if isinstance(v, dict):
        return any(_has_text(e) for e in v.values())
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "US":
            return True
        return v.dtype == object and any(isinstance(e, (str, bytes)) for e in v.flat)
    return False


def _bools_as_ints(v, conditions: bool = True):
    """Python's bool is the int 0 or 1 in arithmetic (``x + True``, ``sum([x, not c])``,
    ``(x > 0) * x``); sympy reads True/False and conditions as logic values. Lists and
    tuples are converted item by item. Without ``conditions``, only Python's bools
    (function arguments: np.where's first one is a condition)."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if conditions and isinstance(v, sympy.logic.boolalg.BooleanAtom):
        return sympy.Integer(int(bool(v)))
    if conditions and isinstance(v, sympy.logic.boolalg.Boolean) and not isinstance(v, sympy.Expr):
        # a condition ((x > 0) * x): 1 where it holds (a Symbol is also a Boolean)
        return sympy.Piecewise((sympy.Integer(1), v), (sympy.Integer(0), True))
    if isinstance(v, list):
        return [_bools_as_ints(e, conditions) for e in v]
    if isinstance(v, tuple):
        return tuple(_bools_as_ints(e, conditions) for e in v)
    return v


def _beyond_float(v) -> bool:
    """An integer or rational (Python, numpy or sympy) larger than any float."""
    return isinstance(v, (int, np.integer, sympy.Rational)) and abs(v) > _FLOAT_MAX


def _infinite(v) -> bool:
    """A constant inf, -inf or nan (Python float or sympy)."""
    if isinstance(v, (float, np.floating)):
        return not math.isfinite(v)
    return isinstance(v, sympy.Basic) and v in (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan) or \
        isinstance(v, sympy.Float) and not math.isfinite(float(v))


_UNDEFINED = (sympy.zoo, sympy.nan)


def _undefined(v) -> bool:
    """sympy's marks of an undefined value: zoo (y/0, log(0)), nan (0/0) and the
    range AccumBounds (sin(inf))."""
    return isinstance(v, sympy.Basic) and (v.has(*_UNDEFINED) or v.has(sympy.AccumBounds))


def _flat_operands(operands):
    for v in operands:
        if isinstance(v, np.ndarray) and v.dtype == object:
            yield from v.ravel()
        elif isinstance(v, (tuple, list)):
            yield from _flat_operands(v)
        elif isinstance(v, sympy.Basic) and v.has(sympy.oo, -sympy.oo):
            yield sympy.oo
        else:
            yield v


def _unconditionally_undefined(v) -> bool:
    """Undefined whatever the input: a mark of ``_undefined`` outside every Piecewise
    branch (inside one, only the inputs of that branch reach it)."""
    if v in _UNDEFINED or isinstance(v, sympy.AccumBounds):
        return True
    if isinstance(v, sympy.Piecewise) or not isinstance(v, sympy.Basic):
        return False
    return any(_unconditionally_undefined(a) for a in v.args)


def _as_numpy_computes(v, call=None):
    """``v`` with sympy's undefined marks as numpy computes there: ``y/0`` is ``y*inf``
    (inf, -inf or nan by the sign of y), ``0/0`` and a function outside its domain
    nan (``primitives.NotANumber``: sympy's nan cannot stand in a Piecewise)."""
    if not _undefined(v):
        return v
    nan = primitives.NotANumber()
    if v.has(sympy.AccumBounds):
        v = v.replace(lambda e: isinstance(e, sympy.AccumBounds), lambda e: nan)
    return v.xreplace({sympy.zoo: nan if call is not None else sympy.oo, sympy.nan: nan})


def _too_long(v) -> bool:
    if not isinstance(v, range):
        return False
    try:
        return len(v) > MAX_ITEMS
    except OverflowError:               # more items than a C ssize_t holds
        return True


def _int_valued(v) -> bool:
    return isinstance(v, (int, np.integer)) or isinstance(v, sympy.Integer)


class _RunsCode(Exception):
    """Reading this attribute would run Python code (a property, a descriptor)."""


def _read_attribute(base, attr: str):
    """``getattr(base, attr)`` when that runs no Python code of the object's own:
    module attributes, instance and class attributes, methods and numpy's C-level
    attributes. A ``property`` or a descriptor written in Python raises ``_RunsCode``."""
    if isinstance(base, types.ModuleType):
        return getattr(base, attr)
    static = inspect.getattr_static(base, attr)          # AttributeError if absent
    if isinstance(static, (property, functools.cached_property)):
        raise _RunsCode(f"a property of {type(base).__name__}")
    if isinstance(getattr(type(static), "__get__", None), types.FunctionType):
        raise _RunsCode(f"a {type(static).__name__} descriptor of {type(base).__name__}")
    return getattr(base, attr)


#: ``__getitem__`` of the containers the interpreter indexes (C code, no user code)
_PLAIN_GETITEM = frozenset({tuple.__getitem__, list.__getitem__, dict.__getitem__,
                            range.__getitem__, str.__getitem__, bytes.__getitem__,
                            np.ndarray.__getitem__})


def _callable_name(f) -> str:
    mod = getattr(f, "__module__", None) or getattr(type(f), "__module__", "")
    qual = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__
    return f"{mod}.{qual}" if mod and mod != "builtins" else qual


# -- the tracing context shared by a function and everything it inlines ------------

class Context:
    def __init__(self, graph: Graph, vectorize: bool = True):
        self.graph = graph
        self.vectorize = vectorize
        self.depth = 0
        # > 0 while a branch of a data-dependent if/ternary is read: what Python does
        # there, it does only for the inputs that take that branch
        self.conditional = 0
        self._parsed: dict[int, tuple[Any, FunctionSource]] = {}
        self.active: list = []          # tracers of the functions being run, outermost first

    def parsed(self, fn) -> FunctionSource:
        """Source of ``fn``, fenced once (raises ``NoSource``)."""
        key = id(fn)
        hit = self._parsed.get(key)
        if hit is not None and hit[0] is fn:
            return hit[1]
        try:
            src = function_source(fn)
        except StaleSource:
            raise SymdiffError(_stale_message(fn, getattr(fn, "__code__", None) and
                                              fn.__code__.co_firstlineno)) from None
        # the fence first: import hooks that rewrite code (pytest's assert rewriting)
        # make functions with unsupported statements look stale
        fence.check(src.node, src.filename, src.line)
        if stale_source(src, fn):
            raise SymdiffError(_stale_message(fn, getattr(src.node, "lineno", 0), src.filename))
        self._parsed[key] = (fn, src)
        return src


def _stale_message(fn, line, filename=None) -> str:
    fn = unwrap(fn)
    filename = filename or getattr(getattr(fn, "__code__", None), "co_filename", "<unknown>")
    if filename.startswith("<") or "ipykernel_" in filename:
        # a notebook cell or REPL input: its text never changes, run it again instead
        return (f"{filename}:{line}: the source text of {fn.__name__} is not the function "
                "Python is running; run the cell or statement that defines it again")
    return (f"{filename}:{line}: the source text of {fn.__name__} is not the function "
            "Python is running (was the file changed after it was imported?); reload the "
            "module (importlib.reload) or restart, so the text and the code agree")


def _closure_of(fn) -> dict:
    code = fn.__code__
    out = {}
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            out[name] = cell.cell_contents
        except ValueError:          # empty cell
            pass
    return out


# -- the interpreter -----------------------------------------------------------------

class Tracer(ast.NodeVisitor):
    """Interprets one function body (one activation) on symbolic values."""

    def __init__(self, ctx: Context, src: FunctionSource, scope: Scope, name: str = "<function>"):
        self.ctx = ctx
        self.g = ctx.graph
        self.src = src
        self.scope = scope
        self.name = name
        self.frames: list[tuple[list, int]] = []
        self._returns: dict[int, bool] = {}
        self._lane_watch: dict | None = None
        self._lane_carried: set = set()
        # names the function assigns anywhere: Python makes them local to the whole
        # function, so reading one before its assignment raises UnboundLocalError
        self._assigned: set = set()

    # -- errors -------------------------------------------------------------
    def error(self, node, construct: str, hint: str):
        lineno = getattr(node, "lineno", 0)
        raise SymdiffSyntaxError(
            f"unsupported {construct}: {hint}", filename=self.src.filename, lineno=lineno,
            col=getattr(node, "col_offset", 0), text=self.src.line(lineno),
            construct=construct, hint=hint)

    def fail(self, node, message: str):
        lineno = getattr(node, "lineno", 0)
        where = f"{self.src.filename}:{lineno}:{getattr(node, 'col_offset', 0) + 1}"
        text = self.src.line(lineno)
        line = f"\n    {text.strip()}" if text else ""
        raise SymdiffError(f"{where}: {message}{line}")

    def generic_visit(self, node):
        self.error(node, f"{type(node).__name__} construct",
                   "rewrite it with assignments, if/else and for loops over range(n)")

    # -- running statements ---------------------------------------------------
    def run(self) -> _Return | None:
        """Execute pending statements until a ``return``; None when they run out."""
        while self.frames:
            seq, i = self.frames[-1]
            if i >= len(seq):
                self.frames.pop()
                continue
            self.frames[-1] = (seq, i + 1)
            with self.g.at(self.name, self.src, seq[i]):     # F.source's "# line N:" comments
                r = self.visit(seq[i])
            if r is not None:
                return r
        return None

    def run_function(self, node) -> Any:
        self.ctx.active.append(self)
        try:
            return self._run_function(node)
        finally:
            self.ctx.active.pop()

    def _run_function(self, node) -> Any:
        if isinstance(node, ast.Lambda):
            return self.visit(node.body)
        self._assigned = _local_names(node.body)
        self.frames = [(node.body, 0)]
        r = self.run()
        if r is None:
            self.fail(node, f"function {self.name!r} has no return statement on some path; "
                            "every path must return a number, a tuple/list of numbers or an array")
        return r.value

    # -- names and values -------------------------------------------------------
    def lookup(self, name: str, node):
        s = self.scope
        root = s
        while s is not None:
            if name in s.locals:
                v = s.locals[name]
                if isinstance(v, Undefined):
                    self.fail(node, f"name {name!r} is assigned in only one branch of the "
                                    f"data-dependent `if` on line {v.node.lineno}; assign it before "
                                    "the if or in both branches")
                return v
            if s is self.scope and name in self._assigned:
                self.fail(node, f"local variable {name!r} is read before it is assigned "
                                "(Python raises UnboundLocalError); assign it first or use "
                                "another name for the local")
            root = s
            s = s.parent
        if name in root.closure:
            return from_outside(root.closure[name])
        if name in root.globals:
            return from_outside(root.globals[name])
        if hasattr(builtins, name):
            return getattr(builtins, name)
        self.fail(node, f"name {name!r} is not defined")

    def define(self, hint: str, value):
        """Name a computed value in the graph (SSA); arrays and tuples elementwise."""
        if isinstance(value, sympy.Expr):
            return self.g.define(hint, value)
        # a list or array whose items are already named is returned as it is, so
        # `b = a` binds the same object, as in Python (see ``_unshared``)
        if isinstance(value, np.ndarray) and value.dtype == object:
            out = np.empty(value.shape, dtype=object)
            for idx in np.ndindex(value.shape):
                out[idx] = self.define(hint, value[idx])
            same = all(out[idx] is value[idx] for idx in np.ndindex(value.shape))
            return value if same else out
        if isinstance(value, tuple):
            return tuple(self.define(hint, v) for v in value)
        if isinstance(value, list):
            out = [self.define(hint, v) for v in value]
            return value if all(a is b for a, b in zip(out, value)) else out
        return value

    def _unshared(self, name: str, container, node):
        """Python changes a list or array in place (``a[i] = v``, ``a += b``); symdiff
        changes a copy bound to ``name``. The same as long as nothing else refers to
        the object: another name, a helper's caller, an enclosing function, a module
        global, an item of a list or tuple. Otherwise refuse instead of differing."""
        if not (isinstance(container, list) or isinstance(container, np.ndarray)):
            return
        own = self.scope.locals
        if own.get(name, _MISSING) is not container:
            other = f"{name!r} of an enclosing function or the module"
        else:
            other = self._other_reference(container, own, name)
        if other is not None:
            if isinstance(container, list):
                kind, fix = "a list", f"`{name} = list({name})`"
            elif container.ndim == 0:
                kind, fix = ("a 0-d array (np.where and other numpy functions of constants "
                             f"return one)", f"`{name} = float({name})` where it is made")
            else:
                kind, fix = "an array", f"`{name} = {name}.copy()`"
            self.fail(node, f"in-place change of {kind} that {other} also refers to: "
                            f"Python would change it there too. Copy it first ({fix}) "
                            "or build a new value")

    def _other_reference(self, obj, own: dict, name: str) -> str | None:
        def holds(v):
            return v is obj or (isinstance(v, (list, tuple)) and any(e is obj for e in v))

        for tracer in self.ctx.active + [self]:
            s = tracer.scope
            root = s
            while s is not None:
                for k, v in s.locals.items():
                    if (s.locals is own and k == name) or not holds(v):
                        continue
                    return f"the name {k!r}" if v is obj else f"an item of {k!r}"
                root = s
                s = s.parent
            for where in (root.closure, root.globals):
                for k, v in where.items():
                    if holds(v):
                        return f"{'the enclosing' if where is root.closure else 'the module'} name {k!r}"
        return None

    def assign(self, target, value, node):
        if isinstance(target, ast.Name):
            self.scope.locals[target.id] = self.define(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, np.ndarray) and value.ndim > 0:
                items = list(value)
            elif isinstance(value, (tuple, list)):
                items = list(value)
            else:
                self.fail(node, f"cannot unpack a {type(value).__name__} into "
                                f"{len(target.elts)} names")
            if len(items) != len(target.elts):
                self.fail(node, f"cannot unpack {len(items)} values into {len(target.elts)} names")
            for t, v in zip(target.elts, items):
                self.assign(t, v, node)
        elif isinstance(target, ast.Subscript):
            name = target.value.id
            container = self.lookup(name, target)
            index = self.index_value(self.visit(target.slice), target)
            self._unshared(name, container, target)
            if isinstance(container, list):
                container = list(container)
            elif isinstance(container, np.ndarray):
                container = container.astype(object)
            else:
                self.fail(target, f"cannot assign to an item of a {type(container).__name__}; "
                                  "use a list or a numpy array")
            try:
                container[index] = self.define(name, value)
            except (IndexError, ValueError, TypeError) as exc:
                self.fail(target, f"item assignment failed: {exc}")
            self.scope.locals[name] = container
        else:
            self.error(target, "assignment target", "assign to plain names or tuples of names")

    # -- statements ---------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign):
        value = self.visit(node.value)
        for t in node.targets:
            self.assign(t, value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        self.assign(node.target, self.visit(node.value), node)

    def visit_AugAssign(self, node: ast.AugAssign):
        if isinstance(node.target, ast.Name):
            old = self._note_read(node.target.id, self.lookup(node.target.id, node.target))
            if isinstance(old, np.ndarray) or (isinstance(old, list)
                                               and isinstance(node.op, (ast.Add, ast.Mult))):
                self._unshared(node.target.id, old, node)
        else:
            container = self.lookup(node.target.value.id, node.target)
            old = self.subscript(container, self.visit(node.target.slice), node.target)
        value = self.binop(node.op, old, self.visit(node.value), node)
        self.assign(node.target, value, node)

    def visit_Expr(self, node: ast.Expr):
        return None                     # docstrings (the fence allows nothing else)

    def visit_Pass(self, node):
        return None

    def visit_Return(self, node: ast.Return):
        return _Return(self.visit(node.value))

    def visit_FunctionDef(self, node: ast.FunctionDef):
        defaults = [self.visit(d) for d in node.args.defaults]
        kwdefaults = {a.arg: self.visit(d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
                      if d is not None}
        self.scope.locals[node.name] = LocalFunction(node, self.scope, self.src, defaults, kwdefaults)

    def visit_LoopBind(self, item: LoopBind):
        self.assign(item.target, item.value, item.node)

    def visit_For(self, node: ast.For):
        iterable = self.visit(node.iter)
        if isinstance(iterable, range) and _too_long(iterable):
            self._too_many_steps(node.iter)
        if self.ctx.vectorize and isinstance(iterable, range) and len(iterable) >= VECTOR_MIN \
                and isinstance(node.target, ast.Name) and self._lane_watch is None \
                and self.vectorize_loop(node, iterable):
            return None
        items = self.iterate(iterable, node.iter)
        seq: list = []
        for v in items:
            seq.append(LoopBind(node.target, v, node))
            seq.extend(node.body)
        if seq:
            self.frames.append((seq, 0))

    # -- vectorised loops ------------------------------------------------------------
    def vectorize_loop(self, node: ast.For, r: range) -> bool:
        """Read the body once with the index standing for every step; True if that is exact.

        Exact when every value that outlives the loop is a sum over the steps
        (``total += term``, read nowhere else in the body) or the same in every
        step, and the body reads no other value left by a previous step.
        Anything else (recurrences like ``y = y*x + sin(y)``, running sums read
        in the body, indices that wrap around) leaves the loop to be unrolled.
        """
        if any(isinstance(n, (ast.Return, ast.For)) for stmt in node.body
               for n in _walk_no_defs(stmt)):
            return False
        before = self.scope.locals
        saved_frames = self.frames
        lanes_before = set(self.g.lanes)
        self.scope.locals = dict(before)
        self._lane_watch, self._lane_carried = before, set()
        try:
            self.scope.locals[node.target.id] = LaneIndex(r.start, r.step, len(r))
            self.frames = [(node.body, 0)]
            if self.run() is not None:
                raise _NotVectorizable
            after = self.scope.locals
            result = self._lane_results(node, before, after, len(r))
        except (_NotVectorizable, SymdiffError, SymdiffSyntaxError, TypeError, ValueError,
                IndexError, KeyError, AttributeError, ArithmeticError):
            self.scope.locals = before
            self.g.forget_lanes(set(self.g.lanes) - lanes_before)
            return False
        finally:
            self.frames = saved_frames
            self._lane_watch = None
        self.scope.locals = result
        return True

    def _lane_results(self, node, before, after, count) -> dict:
        g = self.g
        live = _loaded_outside(self.src.node, node)
        # a list in the order the names were bound, not a set: the loop below
        # names values, and set order (string hashes) would change the numbering
        # of term/lanesum from run to run
        changed = [k for k, v in after.items() if before.get(k, _MISSING) is not v]
        carried = self._lane_carried.intersection(changed)
        # a carried name is read by name only in its own update (_only_updates), so
        # what remains to rule out is a value computed from its running value
        running = [after[k] for k in changed
                   if k in carried and after[k] in g.defs and after[k] is not before[k]]
        result = dict(before)
        for name in changed:
            if name not in live and name not in carried:
                continue                               # a temporary of the body
            old, new = before.get(name, _MISSING), after[name]
            if name in carried:
                if old is _MISSING or not _only_updates(node, name) \
                        or not isinstance(new, (sympy.Expr, int, float)):
                    raise _NotVectorizable
                part = sympy.sympify(g.defs.get(new, new), strict=True) - sympy.sympify(old, strict=True)
                if _reaches(g, part, running):
                    raise _NotVectorizable
                if any(s in g.lanevalued for s in _free(part)):
                    term = g.define("term", part)
                    value = old + g.define("lanesum", LaneSum(term))
                else:
                    value = old + count * part
                result[name] = g.define(name, value)
            else:
                if _is_lane_value(g, new) or _reaches(g, new, running):
                    raise _NotVectorizable
                result[name] = new                    # the same in every step
        return result

    def lane_subscript(self, base, idx, node):
        """``x[i + c]`` in a vectorised loop: the lane symbol for the slice it covers."""
        idx = idx if isinstance(idx, tuple) else (idx,)
        if not (isinstance(base, np.ndarray) and base.dtype == object) or len(idx) != base.ndim:
            raise _NotVectorizable
        at = [k for k, v in enumerate(idx) if isinstance(v, LaneIndex)]
        if len(at) != 1:
            raise _NotVectorizable
        fixed = []
        for k, v in enumerate(idx):
            if k == at[0]:
                fixed.append(None)
                continue
            v = self.index_value(v, node)
            if not isinstance(v, int):
                raise _NotVectorizable
            fixed.append(v % base.shape[k] if -base.shape[k] <= v < base.shape[k] else v)
        lane = idx[at[0]]
        elements = []
        for p in lane.positions():
            if not 0 <= p < base.shape[at[0]]:
                raise _NotVectorizable                # would wrap around or fail
            fixed[at[0]] = p
            elements.append(base[tuple(fixed)])
        owners = [self.g.element_of.get(e) for e in elements]
        if any(o is None for o in owners) or len({o[0] for o in owners}) != 1:
            raise _NotVectorizable
        param = owners[0][0]
        spec = _progression([o[1] for o in owners])
        if spec is None:
            raise _NotVectorizable
        return self.g.lane(param, spec, elements)

    def iterate(self, value, node) -> list:
        if isinstance(value, (sympy.Basic,)):
            self.error(node, "loop over a value that depends on the input",
                       "loop over range(n), a tuple or a shaped parameter; bounds must be "
                       "known when the function is read")
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                self.fail(node, "iteration over a 0-d array")
            return [from_outside(v) for v in value]
        if isinstance(value, (range, tuple, list, enumerate, zip, types.GeneratorType)) or \
                type(value).__name__ in ("reversed", "list_reverseiterator", "tuple_reverseiterator",
                                         "range_iterator"):
            items = list(itertools.islice(value, MAX_ITEMS + 1))
            if len(items) > MAX_ITEMS:
                self._too_many_steps(node)
            return [from_outside(v) if isinstance(v, np.generic) else v for v in items]
        self.fail(node, f"cannot loop over a {type(value).__name__}; loop over range(n), "
                        "a tuple/list or a shaped array")

    def _has_return(self, stmts) -> bool:
        for stmt in stmts:
            for n in _walk_no_defs(stmt):
                if isinstance(n, ast.Return):
                    return True
        return False

    def visit_If(self, node: ast.If):
        cond = self.test(node.test)
        known = self.truth(cond, node.test)
        if known is not None:
            branch = node.body if known else node.orelse
            if branch:
                self.frames.append((branch, 0))
            return None
        cond = _as_condition(cond)
        key = id(node)
        if key not in self._returns:
            self._returns[key] = self._has_return(node.body) or self._has_return(node.orelse)
        saved_frames = self.frames
        before = self.scope.locals
        if not self._returns[key]:
            envs = []
            for branch in (node.body, node.orelse):
                self.scope.locals = dict(before)
                self.frames = [(branch, 0)]
                with self._conditional():
                    self.run()
                envs.append(self.scope.locals)
            self.scope.locals = self.merge_envs(envs[0], envs[1], cond, node)
            self.frames = saved_frames
            return None
        # a branch returns: each branch continues with the rest of the function
        results = []
        for branch in (node.body, node.orelse):
            self.scope.locals = dict(before)
            self.frames = list(saved_frames) + [(branch, 0)]
            with self._conditional():
                r = self.run()
            if r is None:
                self.fail(node, f"function {self.name!r} has no return statement on some path "
                                "through this if; every path must return a value")
            results.append(r.value)
        self.frames = []
        self.scope.locals = before
        return _Return(self.merge(results[0], results[1], cond, node, hint="ret"))

    @contextlib.contextmanager
    def _conditional(self):
        self.ctx.conditional += 1
        try:
            yield
        finally:
            self.ctx.conditional -= 1

    # -- merging branches -------------------------------------------------------------
    def merge_envs(self, env_t: dict, env_e: dict, cond, node) -> dict:
        out = {}
        for name in list(env_t) + [n for n in env_e if n not in env_t]:
            a = env_t.get(name, _MISSING)
            b = env_e.get(name, _MISSING)
            if a is b:
                out[name] = a
            elif a is _MISSING or b is _MISSING or isinstance(a, Undefined) or isinstance(b, Undefined):
                out[name] = Undefined(name, node)
            else:
                out[name] = self.merge(a, b, cond, node, hint=name)
        return out

    def merge(self, a, b, cond, node, hint: str | None = None):
        """``a if cond else b`` for two traced values of the same structure."""
        if a is b:
            return a
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and type(a) is type(b):
            if len(a) != len(b):
                self.fail(node, f"the branches give sequences of different lengths ({len(a)} and {len(b)})")
            return type(a)(self.merge(u, v, cond, node, hint) for u, v in zip(a, b))
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a_, b_ = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
            if a_.shape != b_.shape:
                self.fail(node, f"the branches give arrays of different shapes ({a_.shape} and {b_.shape})")
            out = np.empty(a_.shape, dtype=object)
            for idx in np.ndindex(a_.shape):
                out[idx] = self.merge(a_[idx], b_[idx], cond, node, hint)
            return out
        if not (_is_scalar(a) and _is_scalar(b)):
            if a is None and b is None:
                return None
            self.fail(node, f"a name holds different non-numeric values ({type(a).__name__} and "
                            f"{type(b).__name__}) after a data-dependent if; keep it the same in both branches")
        try:
            if a == b and type(a) is type(b):
                return a
        except TypeError:
            pass
        if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)) \
                and not (_is_boolean(a) or _is_boolean(b)):
            # True in one branch, a number in the other: Python's bool is the int 1
            a, b = _bools_as_ints(a, conditions=False), _bools_as_ints(b, conditions=False)
        elif _is_boolean(a) or _is_boolean(b) or isinstance(a, bool) and isinstance(b, bool):
            ca = a if not isinstance(a, bool) else sympy.true if a else sympy.false
            cb = b if not isinstance(b, bool) else sympy.true if b else sympy.false
            return sympy.Or(sympy.And(cond, _as_condition(ca)), sympy.And(sympy.Not(cond), _as_condition(cb)))
        value = sympy.Piecewise((a, cond), (b, True))
        return self.g.define(hint, value) if hint else value

    # -- truth ----------------------------------------------------------------------------
    def truth(self, v, node) -> bool | None:
        """True/False when known at trace time, None when it depends on the input."""
        if isinstance(v, (bool, int, float, np.generic, str, tuple, list, range)) or v is None:
            return bool(v)
        if isinstance(v, sympy.logic.boolalg.BooleanAtom):
            return bool(v)
        if isinstance(v, sympy.Basic):
            if isinstance(v, sympy.Number):
                return bool(v != 0)
            if isinstance(v, sympy.Expr) and not v.free_symbols:     # pi, sqrt(2), ...
                zero = v.is_zero
                if zero is not None:
                    return not zero
            return None
        if isinstance(v, np.ndarray):
            self.fail(node, "the truth value of an array is ambiguous; use np.where or index an element")
        if any(isinstance(getattr(type(v), h, None), types.FunctionType) for h in ("__bool__", "__len__")):
            self.fail(node, f"the truth value of a {type(v).__name__} is computed by its own code; "
                            "test a number instead")
        return bool(v)

    # -- expressions ----------------------------------------------------------------
    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, complex):
            self.error(node, "complex number", "symdiff works on real numbers")
        return node.value

    def visit_Name(self, node: ast.Name):
        return self._note_read(node.id, self.lookup(node.id, node))

    def _note_read(self, name, v):
        watch = self._lane_watch
        if watch is not None and watch.get(name, _MISSING) is v:
            self._lane_carried.add(name)         # read before this step wrote it
        return v

    def visit_Attribute(self, node: ast.Attribute):
        base = self.visit(node.value)
        attr = node.attr
        if isinstance(base, np.ndarray) and base.dtype == object:
            if attr in ARRAY_PROPERTIES:
                return ARRAY_PROPERTIES[attr](base)
            if attr in ARRAY_METHODS:
                return ArrayMethod(attr, base)
            self.error(node, f"array attribute .{attr}",
                       f"use one of {', '.join(sorted(ARRAY_PROPERTIES) + sorted(ARRAY_METHODS))}")
        if isinstance(base, sympy.Basic):
            self.error(node, f"attribute .{attr} of a value that depends on the input",
                       "use math/numpy functions on it instead of methods")
        if isinstance(base, (LocalFunction,)):
            self.fail(node, f"cannot read attribute .{attr} of a nested function")
        try:
            value = _read_attribute(base, attr)
        except AttributeError:
            self.fail(node, f"{type(base).__name__!r} object has no attribute {attr!r}")
        except _RunsCode as exc:
            self.error(node, f"attribute .{attr} computed by {exc}",
                       "reading it would run that code: compute the value outside the function "
                       "and pass it as a parameter or a module constant")
        if isinstance(base, np.ndarray) and attr in ARRAY_METHODS and callable(value):
            return ArrayMethod(attr, base)
        return from_outside(value)

    def binop(self, op, a, b, node):
        fn = BINOPS[type(op)]
        self._check_operands(op, a, b, node)
        if not (is_const(a) and is_const(b)):      # constants: Python computes it itself
            a, b = _bools_as_ints(a), _bools_as_ints(b)
            if isinstance(op, ast.Pow) and _int_valued(b) and abs(int(b)) > MAX_EXACT_EXPONENT:
                # the same float power, without sympy's integer algorithms (Mod and
                # gcd of x**6666666666666661 ran out of memory)
                b = float(b)
        try:
            out = fn(a, b)
        except (TypeError, ValueError, ArithmeticError, IndexError) as exc:
            self.fail(node, f"cannot compute {ast.unparse(node)}: {exc}" + _operand_hint(a, b))
        return self._check_result(out, node, operands=(a, b))

    def _check_operands(self, op, a, b, node):
        """Operands Python would refuse, or that would take minutes, before computing."""
        if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
            self.error(node, "arithmetic on text", "symdiff computes with numbers; "
                       "remove string operations from the differentiated function")
        if isinstance(op, ast.Pow) and _int_valued(a) and _int_valued(b) and b > 0 \
                and abs(int(a)) > 1 and int(b) * abs(int(a)).bit_length() > MAX_INT_BITS:
            self.fail(node, f"the constant {a}**{b} is too large to compute (more than "
                            f"{MAX_INT_BITS} bits); use a float such as {a}.0**{b}, which overflows to inf")
        for seq, k in ((a, b), (b, a)):
            if not (isinstance(op, ast.Mult) and isinstance(seq, (tuple, list))):
                continue
            if isinstance(k, sympy.Basic):
                # z*0 is the exact 0 here, the float 0.0 in Python: tuple * 0.0 raises
                self.fail(node, f"repeating a {type(seq).__name__} by a number that depends "
                                "on the input (Python raises TypeError for a float count)")
            if _int_valued(k) and len(seq) * int(k) > MAX_ITEMS:
                self.fail(node, f"repeating a sequence {k} times gives more than {MAX_ITEMS} items")
        if is_const(a) and is_const(b):
            return
        for k in (a, b):
            if _beyond_float(k):
                self.fail(node, f"an integer constant of {abs(int(k)).bit_length()} bits meets "
                                "a value that depends on the input: Python raises "
                                "OverflowError converting it to a float; use a float constant "
                                "(it overflows to inf) or a smaller one")
        if isinstance(op, (ast.FloorDiv, ast.Mod)) and (_infinite(a) or _infinite(b)):
            self.fail(node, f"{'//' if isinstance(op, ast.FloorDiv) else '%'} with an "
                            "infinite or nan constant: Python's results there (nan, 0.0 or "
                            "-1.0 by sign) are not modelled; use a finite constant")

    def _check_result(self, value, node, call=None, operands=()):
        """Refuse what sympy built where Python raises for every input: ``zoo`` from
        ``y/0`` (ZeroDivisionError), nan from ``0/0``, the range AccumBounds from
        ``sin(inf)`` (``call``: the function, whose error is ValueError), and integer
        coefficients no float holds (sympy folds ``22**22 * ... * 22**222`` exactly;
        Python multiplies step by step in floats).

        "Every input" must be true: inside a branch of a data-dependent ``if`` (or
        where sympy put the undefined value in a Piecewise branch, as for
        ``1.0/((c <= 1.2)*b)``) Python raises only for some inputs, and an operand
        that is already nan or inf (numpy's ``np.power(-1.007, 0.5)``) propagates
        without an error. There the value is what numpy computes: ``y/0`` is
        ``y*inf``; a function outside its domain is nan.
        """
        values = value.ravel() if isinstance(value, np.ndarray) and value.dtype == object \
            else [value]
        # nan in, nan out, in Python too; inf only in arithmetic (math.sin(inf) raises)
        propagated = any(_undefined(v) or (call is None and _infinite(v))
                         or isinstance(v, float) and v != v for v in _flat_operands(operands))
        for v in values:
            if not isinstance(v, sympy.Basic):
                continue
            if _undefined(v) and not propagated:
                if self.ctx.conditional == 0 and _unconditionally_undefined(v):
                    if call is None:
                        self.fail(node, "division by zero: Python raises ZeroDivisionError "
                                        "here for every input; divide by a value that is not 0")
                    self.fail(node, f"{call} is undefined here for every input (as log(0) or "
                                    "sin(inf): Python raises an error); keep its argument inside "
                                    "its domain")
            big = [] if v.is_Atom else [r for r in v.atoms(sympy.Rational) if _beyond_float(r)]
            if big:
                self.fail(node, f"the constant factors multiply to a {abs(big[0].p).bit_length()}"
                                "-bit number, beyond the float range; write them as floats "
                                "(22.0**22) or keep them smaller")
        if not any(isinstance(v, sympy.Basic) and _undefined(v) for v in values):
            return value
        if isinstance(value, np.ndarray):
            out = np.empty(value.shape, dtype=object)
            for idx in np.ndindex(value.shape):
                out[idx] = _as_numpy_computes(value[idx], call)
            return out
        return _as_numpy_computes(value, call)

    def visit_BinOp(self, node: ast.BinOp):
        return self.binop(node.op, self.visit(node.left), self.visit(node.right), node)

    def visit_UnaryOp(self, node: ast.UnaryOp):
        v = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            known = self.truth(v, node)
            return (not known) if known is not None else sympy.Not(_as_condition(v))
        try:
            return UNARYOPS[type(node.op)](v)
        except TypeError as exc:
            self.fail(node, str(exc))

    def test(self, node):
        """The value of an ``if``/ternary test: only its truth matters, so ``a or b``
        is ``Or(a != 0, b != 0)`` rather than the value it picks."""
        if not isinstance(node, ast.BoolOp):
            return self.visit(node)
        is_and = isinstance(node.op, ast.And)
        parts = []
        for e in node.values:
            v = self.test(e)
            known = self.truth(v, e)
            if known is None:
                parts.append(_as_condition(v))
            elif known is not is_and:          # decides
                return (sympy.false if is_and else sympy.true) if parts else v
        if not parts:
            return sympy.true if is_and else sympy.false
        return sympy.And(*parts) if is_and else sympy.Or(*parts)

    def visit_BoolOp(self, node: ast.BoolOp):
        """``a or b`` is ``a`` if ``a`` is true, else ``b``; ``a and b`` is ``a`` if ``a``
        is false, else ``b``: values, not bools (``x or 2`` is 2 where x == 0).
        Operands whose truth is known when the function is read decide or drop out;
        the others become a Piecewise, or And/Or when every one is a condition."""
        is_and = isinstance(node.op, ast.And)
        unknown = []
        final = None
        for i, e in enumerate(node.values):
            v = self.visit(e)
            if i == len(node.values) - 1:
                final = v
                break
            known = self.truth(v, e)
            if known is None:
                unknown.append(v)
            elif known is not is_and:          # decides: Python stops here
                final = v
                break
        if not unknown:
            return final
        if not _is_scalar(final):
            self.error(node, f"`{'and' if is_and else 'or'}` between a number whose truth depends "
                             f"on the input and a {type(final).__name__}",
                       "its value would be a number for some inputs and a "
                       f"{type(final).__name__} for others; use an if statement")
        if all(_is_boolean(v) for v in unknown + [final]):
            parts = [_as_condition(v) for v in unknown + [final]]
            return sympy.And(*parts) if is_and else sympy.Or(*parts)
        result = _bools_as_ints(final)
        for v in reversed(unknown):
            cond = _as_condition(v)
            result = sympy.Piecewise((_bools_as_ints(v), sympy.Not(cond) if is_and else cond),
                                     (result, True))
        return result

    def compare(self, op, a, b, node):
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(b, (tuple, list, range, np.ndarray)):
                self.fail(node, "`in` needs a tuple, list or range on the right")
            items = list(b.ravel()) if isinstance(b, np.ndarray) else list(b)
            if is_const(a) and is_const(items):
                r = a in items
            else:
                r = sympy.Or(*[self.compare(ast.Eq(), a, e, node) for e in items])
            return (not r if isinstance(r, bool) else sympy.Not(r)) if isinstance(op, ast.NotIn) else r
        py, sym = COMPARE[type(op)]
        if (_has_text(a) or _has_text(b)) and not (is_const(a) and is_const(b)):
            self.error(node, "comparison of text with a value that depends on the input",
                       "compare numbers only")
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return np.frompyfunc(lambda u, v: self.compare(op, u, v, node), 2, 1)(a, b)
        if is_const(a) and is_const(b):
            return py(a, b)
        try:
            r = sym(a, b)
        except (TypeError, ValueError) as exc:          # ValueError: sympy's SympifyError
            self.fail(node, f"cannot compare {a} and {b}: {exc}")
        if not isinstance(r, (bool, sympy.logic.boolalg.Boolean)):
            # sympy answers NotImplemented for None, lists, ...: Python raises
            self.fail(node, f"cannot compare a {type(a).__name__} with a {type(b).__name__}")
        return r

    def visit_Compare(self, node: ast.Compare):
        left = self.visit(node.left)
        parts = []
        result = True
        for op, comp in zip(node.ops, node.comparators):
            right = self.visit(comp)
            r = self.compare(op, left, right, node)
            if isinstance(r, np.ndarray):
                if len(node.ops) > 1:
                    self.fail(node, "chained comparisons of arrays are not supported")
                return r
            known = self.truth(r, node) if not isinstance(r, np.ndarray) else None
            if known is False:
                return False
            if known is None:
                parts.append(r)
            left = right
        if not parts:
            return result
        return sympy.And(*parts) if len(parts) > 1 else parts[0]

    def visit_IfExp(self, node: ast.IfExp):
        cond = self.test(node.test)
        known = self.truth(cond, node.test)
        if known is not None:
            return self.visit(node.body if known else node.orelse)
        with self._conditional():
            a, b = self.visit(node.body), self.visit(node.orelse)
        return self.merge(a, b, _as_condition(cond), node)

    def visit_Tuple(self, node: ast.Tuple):
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node: ast.List):
        return [self.visit(e) for e in node.elts]

    def visit_Slice(self, node: ast.Slice):
        parts = [None if p is None else self.index_value(self.visit(p), p)
                 for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def index_value(self, idx, node):
        if isinstance(idx, tuple):
            return tuple(self.index_value(i, node) for i in idx)
        if isinstance(idx, (slice, type(None))) or idx is Ellipsis:
            return idx
        if isinstance(idx, bool):
            return idx
        if isinstance(idx, (int, np.integer)):
            return int(idx)
        if isinstance(idx, sympy.Integer):
            return int(idx)
        if isinstance(idx, str):
            self.fail(node, f"cannot index with the str {idx!r}: symdiff reads numbers, tuples "
                            "and arrays, not dicts; pass the entries as separate parameters "
                            "(def f(a, b)) or as one array parameter declared with shapes=")
        if isinstance(idx, sympy.Basic):
            self.error(node, "index that depends on the input",
                       "index with constants or loop variables over range(n)"
                       + self.static_hint([idx]))
        self.fail(node, f"cannot index with a {type(idx).__name__}")

    def input_names(self, values) -> list[str]:
        """The parameters ``values`` depend on, by name (a shaped one once)."""
        deps = 0
        for v in values:
            for e in np.asarray(v, dtype=object).ravel():
                deps |= self.g.dependence(e)
        return sorted({self.g.element_of.get(p, (p.name,))[0]
                       for p in self.g.params if deps >> self.g.position[p] & 1})

    def static_hint(self, values) -> str:
        """'; if n is an integer ... static' naming the parameters ``values`` depend on:
        how to make a value known when the function is read (API 5.2)."""
        names = self.input_names(values)
        if not names:
            return ""
        n = names[0]
        return (f"; if {' and '.join(names)} {'is an integer' if len(names) == 1 else 'are integers'}"
                f" known at the call, make it static: sd.symbolic(fn, static=({n!r},)), "
                f"annotate `{n}: int`, give it an integer default (`{n}=3`), or pass "
                f"functools.partial(fn, {n}=3)")

    def subscript(self, base, idx, node):
        if isinstance(idx, LaneIndex) or (isinstance(idx, tuple)
                                          and any(isinstance(i, LaneIndex) for i in idx)):
            return self.lane_subscript(base, idx, node)
        idx = self.index_value(idx, node)
        if isinstance(base, sympy.Basic):
            names = self.input_names([base]) or ["x"]
            self.error(node, "indexing of a scalar that depends on the input",
                       f"declare the parameter's shape, e.g. shapes={{{names[0]!r}: (3,)}} "
                       f"(on the command line: --shapes {names[0]}=3)")
        if getattr(type(base), "__getitem__", None) not in _PLAIN_GETITEM:
            self.error(node, f"indexing a {type(base).__name__}",
                       "index tuples, lists, dicts and numpy arrays (indexing other objects "
                       "would run their own code)")
        try:
            v = base[idx]
        except (IndexError, TypeError, KeyError) as exc:
            self.fail(node, f"indexing failed: {exc}")
        return from_outside(v) if isinstance(v, np.generic) else v

    def visit_Subscript(self, node: ast.Subscript):
        return self.subscript(self.visit(node.value), self.visit(node.slice), node.slice)

    def visit_Lambda(self, node: ast.Lambda):
        defaults = [self.visit(d) for d in node.args.defaults]
        kwdefaults = {a.arg: self.visit(d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
                      if d is not None}
        return LocalFunction(node, self.scope, self.src, defaults, kwdefaults)

    def comprehension(self, node) -> list:
        saved = self.scope
        self.scope = Scope(dict(saved.locals), saved.parent, saved.closure, saved.globals)
        out: list = []
        try:
            self._generate(node, 0, out)
        finally:
            self.scope = saved
        return out

    def _generate(self, node, k: int, out: list):
        if k == len(node.generators):
            out.append(self.visit(node.elt))
            return
        gen = node.generators[k]
        for v in self.iterate(self.visit(gen.iter), gen.iter):
            self.assign(gen.target, v, gen.target)
            ok = True
            for cond in gen.ifs:
                known = self.truth(self.visit(cond), cond)
                if known is None:
                    self.error(cond, "comprehension filter that depends on the input",
                               "use a conditional expression `a if c else 0` inside the comprehension")
                if not known:
                    ok = False
                    break
            if ok:
                self._generate(node, k + 1, out)

    def visit_ListComp(self, node: ast.ListComp):
        return self.comprehension(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp):
        return self.comprehension(node)

    # -- calls ------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call):
        func = self.visit(node.func)
        args = [self.visit(a) for a in node.args]
        kwargs = {k.arg: self.visit(k.value) for k in node.keywords}
        return self.call(func, args, kwargs, node)

    def call(self, func, args, kwargs, node):
        if isinstance(func, LocalFunction):
            return self.inline(func.node, func.src, Scope({}, func.scope), func.defaults,
                               func.kwdefaults, args, kwargs, node, func.name)
        if isinstance(func, ArrayMethod):
            self._no_text(args, kwargs, node, f".{func.name}()")
            if is_const(func.array) and is_const(args):
                return from_outside(getattr(func.array, func.name)(*args, **kwargs))
            return self._apply(ARRAY_METHODS[func.name], [func.array] + args, kwargs, node, f".{func.name}()")
        builder = primitives.lookup(func)
        if builder is not None:
            self._no_text(args, kwargs, node, _callable_name(func))
            if is_const(args) and is_const(list(kwargs.values())):
                self._not_too_large(func, args, kwargs, node)
                try:
                    with np.errstate(all="ignore"):     # nan/inf as numpy gives them, no warning
                        return from_outside(func(*args, **kwargs))
                except Exception as exc:  # the user's own function would raise the same
                    if self.ctx.conditional:
                        # ... but only for the inputs that take this branch: read it
                        return self._apply(builder, args, kwargs, node, _callable_name(func),
                                           conditions=not primitives.takes_conditions(func))
                    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
                    self.fail(node, f"{_callable_name(func)}({shown}) raised {type(exc).__name__}: {exc}")
            return self._apply(builder, args, kwargs, node, _callable_name(func),
                               conditions=not primitives.takes_conditions(func))
        if primitives.structural(func) is not None:
            if any(isinstance(a, sympy.Basic) for a in list(args) + list(kwargs.values())):
                if func is range:
                    self.error(node, "loop bound that depends on the input",
                               "bounds must be known when the function is read (use constants, "
                               "len(x) or a shape)" + self.static_hint(list(args)))
                self.error(node, f"{_callable_name(func)}() of a value that depends on the input",
                           "its arguments must be known when the function is read")
            self._not_too_large(func, args, kwargs, node)
            try:
                value = func(*args, **kwargs)
            except Exception as exc:
                self.fail(node, f"{_callable_name(func)}() raised {type(exc).__name__}: {exc}")
            if isinstance(value, np.ndarray) and value.size > MAX_ITEMS:
                self.fail(node, f"{_callable_name(func)}() made an array of {value.size} elements; "
                                f"symdiff reads arrays of up to {MAX_ITEMS} elements")
            return value
        if self.src.untrusted:           # text from outside: nothing but math and its lambdas
            self.error(node, f"call to {ast.unparse(node.func)}", _EXPRESSION_CALLS)
        if isinstance(func, functools.partial):     # what Python does: bound arguments first
            return self.call(func.func, list(func.args) + list(args),
                             {**func.keywords, **kwargs}, node)
        target = unwrap(func)
        if isinstance(target, types.FunctionType) and _library(target):
            return self.library_call(func, target, args, kwargs, node)
        if isinstance(target, types.FunctionType):
            return self.inline_python(target, args, kwargs, node)
        if func in _CALL_HINTS:
            self.error(node, f"call to {_callable_name(func)}()", _CALL_HINTS[func])
        if isinstance(getattr(func, "__symdiff_source__", None), str):
            return self.inline_expression(func.__symdiff_source__, args, kwargs, node)
        if hasattr(func, "__symdiff_source__") and hasattr(func, "expr") and hasattr(func, "symbols"):
            return self.inline_symbolic(func, args, kwargs, node)
        shown = ast.unparse(node.func)
        self.error(node, f"call to {shown} ({_callable_name(func)})",
                   f"symdiff supports {primitives.supported_names()}")

    def _too_many_steps(self, node):
        self.fail(node, f"loop or comprehension of more than {MAX_ITEMS} steps: too long "
                        "to unroll; loop over a shaped parameter (`for i in range(len(x))`) "
                        "so the loop is read once for all steps, or use fewer steps")

    def _no_text(self, args, kwargs, node, name):
        if _has_text(list(args)) or _has_text(kwargs):
            self.error(node, f"text argument to {name}",
                       "pass numbers; symdiff never parses or evaluates strings")

    def _not_too_large(self, func, args, kwargs, node):
        """Refuse constant computations that would run for minutes (sum(range(10**12)))."""
        values = list(args) + list(kwargs.values())
        if any(_too_long(v) for v in values):
            self.fail(node, f"{_callable_name(func)}() over more than {MAX_ITEMS} items: too long "
                            "to compute while reading the function")
        if any(func is f for f in (math.factorial, math.comb, math.perm)) and any(
                _int_valued(v) and abs(int(v)) > MAX_FACTORIAL for v in values):
            self.fail(node, f"{_callable_name(func)}() of a number above {MAX_FACTORIAL}: too "
                            "large to compute exactly; use math.lgamma for its logarithm")

    def _apply(self, builder, args, kwargs, node, name, conditions=False):
        """``conditions``: read conditions among the arguments as 0/1 (``exp(not x)``);
        not for functions that take conditions (np.where, any, logical_and, ...)."""
        try:
            out = builder(*_bools_as_ints(list(args), conditions=conditions), **kwargs)
        except SymdiffError:
            raise
        except (TypeError, ValueError, ArithmeticError, IndexError, AttributeError) as exc:
            self.fail(node, f"{name}: {exc}")
        return self._check_result(out, node, name, operands=list(args) + list(kwargs.values()))

    def library_call(self, func, fn, args, kwargs, node):
        """A Python function of an installed library (scipy.optimize.rosen, ...): computed
        when its arguments are constants; else read like the user's own code, and when
        that fails, the error names the user's call, not a line inside the library."""
        name = _callable_name(fn)
        if is_const(list(args)) and is_const(list(kwargs.values())):
            self._not_too_large(func, args, kwargs, node)
            try:
                return from_outside(func(*args, **kwargs))
            except Exception as exc:  # the user's own function would raise the same
                self.fail(node, f"{name}() raised {type(exc).__name__}: {exc}")
        try:
            return self.inline_python(fn, args, kwargs, node)
        except (SymdiffSyntaxError, SymdiffError) as exc:
            # the innermost reason, once, however deep the library calls itself
            reason = getattr(exc, "library_reason", None) or _one_line(exc)
        try:
            self.error(node, f"call to {ast.unparse(node.func)} ({name}), a library function",
                       f"symdiff could not read it ({reason}); write the formula in your own "
                       "function (plain Python with math/numpy, which symdiff reads), or compute "
                       "the call outside the function and pass its result in as an argument")
        except SymdiffSyntaxError as err:
            err.library_reason = reason
            raise

    def inline_python(self, fn, args, kwargs, node):
        try:
            src = self.ctx.parsed(fn)
        except NoSource:
            return call_without_source(fn, args, kwargs, where=lambda m: self.fail(node, m),
                                       define=self.g.define)
        scope = Scope({}, None, _closure_of(fn), fn.__globals__)
        defaults = [from_outside(d) for d in (fn.__defaults__ or ())]
        kwdefaults = {k: from_outside(v) for k, v in (fn.__kwdefaults__ or {}).items()}
        return self.inline(src.node, src, scope, defaults, kwdefaults, args, kwargs, node, fn.__name__)

    def inline_symbolic(self, func, args, kwargs, node):
        """A SymbolicFunction without Python source (made from a string): substitute."""
        params = list(func.params)
        if len(args) > len(params):
            self.fail(node, f"too many arguments for {func.__name__} (parameters {params})")
        bound = dict(zip(params, args))
        bound.update(kwargs)
        if set(bound) != set(params):
            self.fail(node, f"{func.__name__} needs arguments {params}")
        self._no_text(args, kwargs, node, func.__name__)
        expr = func.expr
        subs = {}
        for p in params:
            sym, val = func.symbols[p], bound[p]
            if isinstance(sym, np.ndarray):
                for idx in np.ndindex(sym.shape):
                    subs[sym[idx]] = np.asarray(val, dtype=object)[idx]
            else:
                subs[sym] = sympy.sympify(val, strict=True)
        if isinstance(expr, sympy.MatrixBase):
            return tuple(e.xreplace(subs) for e in expr)
        return expr.xreplace(subs)

    def inline_expression(self, text, args, kwargs, node):
        tree, names = parse_expression(text)
        if len(args) > len(names):
            self.fail(node, f"too many arguments for expression {text!r} (parameters {names})")
        bound = dict(zip(names, args))
        bound.update(kwargs)
        missing = [n for n in names if n not in bound]
        if missing:
            self.fail(node, f"missing arguments {missing} for expression {text!r}")
        src = FunctionSource(tree, "<expression>", [text], untrusted=True)
        scope = Scope(bound, None, {}, dict(primitives.EXPRESSION_NAMESPACE))
        return Tracer(self.ctx, src, scope, text).visit(tree.body)

    def inline(self, fnode, src, scope, defaults, kwdefaults, args, kwargs, node, name):
        tracer = Tracer(self.ctx, src, scope, name)
        bound = self.bind(fnode.args, defaults, kwdefaults, args, kwargs, node, name)
        for pname, v in bound.items():
            scope.locals[pname] = tracer.define(pname, v)
        self.ctx.depth += 1
        try:
            if self.ctx.depth > MAX_INLINE_DEPTH:
                self.fail(node, f"calls nested deeper than {MAX_INLINE_DEPTH} levels while inlining "
                                f"{name!r}; recursion is only supported when it stops after a few "
                                "levels decided by constants")
            return tracer.run_function(fnode)
        except RecursionError:
            self.fail(node, f"recursion too deep while inlining {name!r}")
        finally:
            self.ctx.depth -= 1

    def bind(self, a: ast.arguments, defaults, kwdefaults, args, kwargs, node, name) -> dict:
        positional = [x.arg for x in a.posonlyargs + a.args]
        n_pos_only = len(a.posonlyargs)
        bound: dict = {}
        if len(args) > len(positional):
            self.fail(node, f"{name}() takes {len(positional)} positional arguments but {len(args)} were given")
        for pname, v in zip(positional, args):
            bound[pname] = v
        kwnames = [x.arg for x in a.kwonlyargs]
        for k, v in kwargs.items():
            if k in bound or (k in positional[:n_pos_only]):
                self.fail(node, f"{name}() got multiple values for argument {k!r}")
            if k not in positional and k not in kwnames:
                self.fail(node, f"{name}() got an unexpected keyword argument {k!r}")
            bound[k] = v
        first_default = len(positional) - len(defaults)
        for i, pname in enumerate(positional):
            if pname not in bound:
                if i >= first_default:
                    bound[pname] = defaults[i - first_default]
                else:
                    self.fail(node, f"{name}() missing required argument {pname!r}")
        for pname in kwnames:
            if pname not in bound:
                if pname in kwdefaults:
                    bound[pname] = kwdefaults[pname]
                else:
                    self.fail(node, f"{name}() missing required keyword argument {pname!r}")
        return bound


# callables that are refused with a targeted hint instead of the list of supported calls
_CALL_HINTS = {
    dict: "symdiff reads numbers, tuples and arrays, not dicts; use separate variables or a tuple",
    set: "symdiff reads numbers, tuples and arrays, not sets; use a tuple",
}

def _library(fn) -> bool:
    """Is ``fn`` defined in an installed package or the standard library (not the
    user's code, not symdiff)?"""
    return library_file(getattr(getattr(fn, "__code__", None), "co_filename", ""))


def _one_line(exc) -> str:
    """An error as one line: where (file name without its directories) and what."""
    if isinstance(exc, SymdiffSyntaxError):
        return f"{os.path.basename(exc.filename or '')}:{exc.lineno}: {exc.msg_only}"
    return str(exc).splitlines()[0]


def _operand_hint(a, b) -> str:
    """What to write instead of arithmetic between a number and a list, dict, ...:
    Python's types named, numpy's way suggested."""
    kinds = {type(v).__name__ for v in (a, b) if isinstance(v, (list, tuple, dict, set, str))}
    if not kinds:
        return ""
    shown = " and ".join(sorted(kinds))
    if kinds <= {"list", "tuple"}:
        return (f"; Python's {shown} is a container, not a vector: make it an array with "
                "np.asarray([...]) (or declare the parameter with shapes=) for elementwise "
                "arithmetic")
    return f"; symdiff computes with numbers and arrays, not {shown}"


def _free(v) -> set:
    return v.free_symbols if isinstance(v, sympy.Basic) else set()


def _reaches(g: Graph, expr, targets) -> bool:
    """Does ``expr`` use any of ``targets`` (symbols), directly or through definitions?"""
    targets = {t for t in targets if isinstance(t, sympy.Symbol)}
    if not targets:
        return False
    stack, seen = list(_free(expr)), set()
    while stack:
        s = stack.pop()
        if s in targets:
            return True
        if s in seen:
            continue
        seen.add(s)
        if s in g.defs:
            stack.extend(g.defs[s].free_symbols)
    return False


def _is_lane_value(g: Graph, v) -> bool:
    if isinstance(v, (tuple, list)) or (isinstance(v, np.ndarray) and v.dtype == object):
        return any(_is_lane_value(g, e) for e in np.asarray(v, dtype=object).ravel())
    if isinstance(v, LaneIndex):
        return True
    return any(s in g.lanevalued for s in _free(v))


def _loaded_outside(fn_node, loop: ast.For) -> set:
    """Names read anywhere in the function except inside ``loop``'s body."""
    inside = {id(n) for stmt in loop.body for n in ast.walk(stmt)}
    return {n.id for n in ast.walk(fn_node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in inside}


def _only_updates(loop: ast.For, name: str) -> bool:
    """``name`` is updated by one top-level ``name += ...`` / ``name = name + ...`` and read
    nowhere else in the body: a sum over the steps, not a running value."""
    updates = [s for s in loop.body
               if (isinstance(s, ast.AugAssign) and isinstance(s.op, ast.Add)
                   and isinstance(s.target, ast.Name) and s.target.id == name)
               or (isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name
                   and isinstance(s.value, ast.BinOp) and isinstance(s.value.op, ast.Add))]
    if len(updates) != 1:
        return False
    upd = updates[0]
    allowed = set()
    if isinstance(upd, ast.Assign):
        sides = [upd.value.left, upd.value.right]
        own = [x for x in sides if isinstance(x, ast.Name) and x.id == name]
        if len(own) != 1:
            return False
        allowed.add(id(own[0]))
    for stmt in loop.body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) \
                    and id(n) not in allowed:
                return False
    for stmt in loop.body:            # assigned nowhere else (a branch, a tuple target)
        if stmt is upd:
            continue
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
                return False
    return True


def _progression(indices: list) -> tuple | None:
    """``(2, slice(0, 9, 1))`` if the index tuples step along one axis, else None."""
    first, last = indices[0], indices[-1]
    axes = [k for k in range(len(first)) if first[k] != last[k]]
    if len(indices) < 2 or len(axes) != 1:
        return None
    a = axes[0]
    step = indices[1][a] - first[a]
    for k, ix in enumerate(indices):
        if any(ix[j] != first[j] for j in range(len(first)) if j != a) \
                or ix[a] != first[a] + k * step or step == 0:
            return None
    stop = first[a] + step * len(indices)
    spec = list(first)
    spec[a] = slice(first[a], None if stop < 0 else stop, step)
    return tuple(spec)


def _local_names(body) -> set:
    """Names a function body assigns, its locals (not those of nested functions,
    lambdas or comprehensions, which have scopes of their own)."""
    out, stack = set(), list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        stack.extend(c for c in ast.iter_child_nodes(n) if not isinstance(
            c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp,
                ast.DictComp, ast.GeneratorExp)))
    return out


def _walk_no_defs(node):
    """``ast.walk`` that does not enter nested functions or lambdas."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.append(c)


# -- functions without source ------------------------------------------------------

class _ModuleShim:
    """``math``/``numpy`` stand-in whose functions build sympy expressions."""

    def __init__(self, module, define=None):
        self._module = module
        self._define = define

    def __getattr__(self, name):
        return _shim_value(getattr(self._module, name), self._define)


def _shim_value(v, define=None):
    """``v`` for a function run on symbols: math/numpy/builtin functions build sympy
    expressions, each result named in the graph by ``define`` (without that, a loop
    such as ``t -= min(t1, t)`` nests a copy of ``t`` in every step: 2**n nodes)."""
    c = primitives.constant(v)
    if c is not None:
        return c
    builder = primitives.lookup(v)
    if builder is None:
        return v
    naming_hint = getattr(v, "__name__", "t")

    def shim(*args, **kwargs):
        if is_const(list(args)) and is_const(list(kwargs.values())):
            return v(*args, **kwargs)
        out = builder(*args, **kwargs)
        if define is not None and isinstance(out, sympy.Expr) and not out.is_Atom:
            out = define(naming_hint, out)
        return out

    shim.__name__ = getattr(v, "__name__", "shim")
    return shim


_NO_SOURCE_HINT = "cannot branch on data without source; define the function in a file or notebook cell"


def call_without_source(fn, args, kwargs, where=None, define=None):
    """Run ``fn`` itself on symbolic arguments with math/numpy rebound to sympy;
    ``define(hint, expr)`` names the result of each such call in the graph."""
    import math
    namespace = dict(fn.__globals__)
    for k, v in list(namespace.items()):
        if v is math or v is np:
            namespace[k] = _ModuleShim(v, define)
        elif isinstance(v, types.ModuleType):
            continue
        else:
            try:
                namespace[k] = _shim_value(v, define)
            except TypeError:
                pass
    for name in ("abs", "min", "max", "pow", "sum", "float"):
        if name not in namespace:
            namespace[name] = _shim_value(getattr(builtins, name), define)
    clone = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    try:
        return clone(*args, **kwargs)
    except TypeError as exc:
        text = str(exc)
        if "truth value" in text or "cannot determine" in text.lower():
            msg = f"{fn.__name__}: {_NO_SOURCE_HINT}"
            if where is not None:
                where(msg)
            raise SymdiffError(msg) from None
        raise SymdiffError(f"{fn.__name__} (no source available) failed on symbolic input: {exc}") from None
    except (SymdiffError, SyntaxError, RecursionError, MemoryError):
        raise
    except Exception as exc:            # the function's own error, on symbols (NameError, ...)
        raise SymdiffError(f"{fn.__name__} (no source available) failed on symbolic input: "
                           f"{type(exc).__name__}: {exc}") from None


# -- entry points -------------------------------------------------------------------

def _make_symbols(g: Graph, params, shapes) -> dict:
    symbols = {}
    for p in params:
        if p in shapes:
            shape = tuple(int(n) for n in shapes[p])
            g.reserve(p)
            arr = np.empty(shape, dtype=object)
            for idx in np.ndindex(shape):
                arr[idx] = g.element(p, idx)
            symbols[p] = arr
        else:
            symbols[p] = g.param(p)
    return symbols


def _scalar_output(v, complain):
    if isinstance(v, np.ndarray) and v.ndim == 0:     # np.where of constants, say
        v = v[()]
    if isinstance(v, (bool, np.bool_)) or _is_boolean(v):
        complain(f"returns a condition ({v}), not a number")
    if _beyond_float(v):
        complain(f"returns an integer of {abs(int(v)).bit_length()} bits, beyond the float "
                 "range symdiff computes in; return a float (it overflows to inf)")
    if isinstance(v, (int, float, np.number)):
        return sympy.sympify(from_outside(v) if isinstance(v, np.generic) else v)
    if isinstance(v, sympy.Expr):
        return v
    complain(f"returns a {type(v).__name__}, not a number")


def _outputs(value, complain):
    if isinstance(value, np.ndarray):       # an array is returned as an array
        out = np.empty(value.shape, dtype=object)
        for idx in np.ndindex(value.shape):
            out[idx] = _scalar_output(value[idx], complain)
        return out, "array"
    if isinstance(value, (tuple, list)):
        if not value:
            complain("returns an empty sequence")
        out = np.empty((len(value),), dtype=object)
        for i, v in enumerate(value):
            out[i] = _scalar_output(v, complain)
        return out, True
    if value is None:
        complain("returns None; return a number, a tuple/list of numbers or an array")
    out = np.empty((), dtype=object)
    out[()] = _scalar_output(value, complain)
    return out, False


_RESERVED_HINT = ("the compiled code uses the names math and numpy and names starting with _ "
                  "for itself; rename the variable")


def _reserved_param(name: str) -> bool:
    return name in ("math", "numpy") or name.startswith("_")


def _deep_recursion(fn):
    """Long source expressions (``a + b + ...`` with hundreds of terms) nest deeply:
    trace under ``limits.deep`` (a higher recursion limit, a clear error past it)."""
    return limits.deep(lambda src, *a, **k: f"reading {getattr(src, '__name__', 'the expression')}")(fn)


@_deep_recursion
def trace(fn, shapes: dict | None = None, vectorize: bool = True,
          static: dict | None = None) -> Traced:
    """Read ``fn``'s source into an SSA ``Graph``; see the module docstring.

    ``static`` maps parameter names to values bound as constants before reading
    (API 5.2): they are not parameters of the result. A ``functools.partial`` is
    read as its function with the partial's bound arguments static.

    >>> def f(x, y=2.0):
    ...     return x * y
    >>> t = trace(f)                      # doctest: +SKIP
    >>> t.params, t.defaults              # doctest: +SKIP
    (('x', 'y'), {'y': 2.0})
    """
    shapes = {k: tuple(v) for k, v in (shapes or {}).items()}
    fn, static = static_binding(fn, static)
    original = unwrap(fn)
    if not isinstance(original, types.FunctionType):
        raise TypeError(f"symdiff needs a plain Python function, got {type(fn).__name__}")
    sig = inspect.signature(original)
    params, defaults = [], {}
    for p in sig.parameters.values():
        if p.name in static:
            continue
        params.append(p.name)
        if p.default is not inspect.Parameter.empty:
            defaults[p.name] = p.default
    unknown = set(static) - set(sig.parameters)
    if unknown:
        raise ValueError(f"static values given for unknown parameters {sorted(unknown)}; "
                         f"{original.__name__} has parameters {list(sig.parameters)}")
    unknown = set(shapes) - set(params)
    if unknown:
        raise ValueError(f"shapes given for unknown parameters {sorted(unknown)}; "
                         f"{original.__name__} has parameters {params}")
    for p in params:
        if _reserved_param(p):
            raise SymdiffError(f"{original.__name__}: parameter name {p!r}: {_RESERVED_HINT}")
    g = Graph()
    ctx = Context(g, vectorize=vectorize)
    filename = original.__code__.co_filename
    try:
        src = ctx.parsed(original)
    except NoSource:
        src = None
    if src is None:
        kinds = {p.kind for p in sig.parameters.values()}
        if inspect.Parameter.VAR_POSITIONAL in kinds or inspect.Parameter.VAR_KEYWORD in kinds:
            raise SymdiffError(f"{original.__name__}: *args/**kwargs parameters are not supported")
        symbols = _make_symbols(g, params, shapes)
        value = call_without_source(original, [static[p] if p in static else symbols[p]
                                               for p in sig.parameters], {}, define=g.define)

        def complain(msg):
            raise SymdiffError(f"{filename}: {original.__name__} {msg}")
    else:
        symbols = _make_symbols(g, params, shapes)
        scope = Scope({**symbols, **{k: from_outside(v) for k, v in static.items()}}, None,
                      _closure_of(original), original.__globals__)
        tracer = Tracer(ctx, src, scope, original.__name__)
        try:
            value = tracer.run_function(src.node)
        except RecursionError:
            raise limits.too_deep(f"{filename}: reading {original.__name__}") from None
        node = src.node

        def complain(msg):
            tracer.fail(node, f"{original.__name__} {msg}")
    outputs, vector = _outputs(value, complain)
    return Traced(g, name=original.__name__, params=tuple(params), symbols=symbols,
                  outputs=outputs, vector=vector, shapes=shapes, defaults=defaults,
                  filename=filename)


def static_binding(fn, static: dict | None = None) -> tuple:
    """``(function, {name: static value})``: a ``functools.partial``'s bound arguments
    (positional ones bind the first parameters, as Python binds them) joined with
    ``static``; partials of partials are flattened by functools itself."""
    static = dict(static or {})
    if isinstance(fn, functools.partial):
        target = unwrap(fn.func)
        names = [p.name for p in inspect.signature(target).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(fn.args) > len(names):
            raise TypeError(f"functools.partial binds {len(fn.args)} positional arguments, but "
                            f"{getattr(target, '__name__', target)} takes {len(names)}")
        static = {**dict(zip(names, fn.args)), **fn.keywords, **static}
        fn = fn.func
    return fn, static


_EXPRESSION_CALLS = ("an expression string may call only lambdas it defines and "
                     + ", ".join(sorted(k for k, v in primitives.EXPRESSION_NAMESPACE.items()
                                        if callable(v))))


def parse_expression(text: str):
    """Parse and fence an expression string; return (tree, parameter names sorted)."""
    if not isinstance(text, str):
        raise TypeError("expected an expression string")
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    stripped = stripped.rstrip()
    try:
        tree = ast.parse(stripped, "<expression>", mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1 + lead
        raise SymdiffSyntaxError(
            f"invalid expression: {exc.msg}; write one Python expression such as "
            "'x**2*y + sin(y)'", filename="<expression>", lineno=1, col=col,
            text=text, construct="expression syntax",
            hint="write one Python expression such as 'x**2*y + sin(y)'") from None
    except (MemoryError, RecursionError):           # the parser's own stack ran out
        raise limits.too_deep("parsing the expression string", "it nests too deeply for "
                              "Python's parser") from None
    if lead:
        from .source import shift_positions
        shift_positions(tree, 0, lead)
    fence.check(tree, "<expression>", lambda n: text)
    bound = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Lambda):
            bound.update(x.arg for x in n.args.posonlyargs + n.args.args + n.args.kwonlyargs)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            bound.add(n.id)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load) and n.id not in primitives.EXPRESSION_NAMESPACE
                    and n.id not in bound})
    for n in ast.walk(tree):         # math, _x: names the generated code needs for itself
        if isinstance(n, ast.Name) and n.id in names and _reserved_param(n.id):
            raise SymdiffSyntaxError(
                f"unsupported variable name {n.id}: {_RESERVED_HINT}", filename="<expression>",
                lineno=n.lineno, col=n.col_offset, text=text, construct=f"variable name {n.id}",
                hint=_RESERVED_HINT)
    for n in ast.walk(tree):         # open(...), range(...): not a parameter, an unknown function
        f = n.func if isinstance(n, ast.Call) else None
        if isinstance(f, ast.Name) and f.id in names:
            raise SymdiffSyntaxError(
                f"unsupported call to {f.id}(): {_EXPRESSION_CALLS}", filename="<expression>",
                lineno=f.lineno, col=f.col_offset, text=text, construct=f"call to {f.id}()",
                hint=_EXPRESSION_CALLS)
    return tree, names


@_deep_recursion
def trace_expression(text: str) -> Traced:
    """Trace an expression string; its parameters are its free names, alphabetically.

    >>> t = trace_expression("x**2*y + sin(y)")
    >>> t.params
    ('x', 'y')
    """
    tree, names = parse_expression(text)
    g = Graph()
    symbols = _make_symbols(g, names, {})
    src = FunctionSource(tree, "<expression>", [text], untrusted=True)
    scope = Scope(dict(symbols), None, {}, dict(primitives.EXPRESSION_NAMESPACE))
    tracer = Tracer(Context(g), src, scope, "<expression>")
    value = tracer.visit(tree.body)

    def complain(msg):
        tracer.fail(tree.body, f"the expression {msg}")
    outputs, vector = _outputs(value, complain)
    return Traced(g, name="f", params=tuple(names), symbols=symbols,
                  outputs=outputs, vector=vector, filename="<expression>")
