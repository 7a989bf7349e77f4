"""The array reader: a function's AST -> the array IR (``ir.Graph``).

It uses the same first passes as the element-wise reader (``symdiff.read``):
``source.function_source`` finds and positions the AST and ``fence.check`` refuses
what symdiff never reads, as ``read.parse.function`` does (stale source included). Then it
interprets the body on array values: every shaped parameter is one ``param``
node, numpy calls go through ``numpy_api`` (by identity, under any alias),
operators and ``math`` functions make elementwise nodes, helpers of the same
module and lambdas are inlined.

What the array level does not express (a ``for`` loop, a branch on data, an
assignment to an element, a function without a handler) raises ``NotArrayCode``
naming the place and the construct; ``sd.symbolic`` then falls back to the
element-wise reading (for known sizes) and says so in ``F.source``.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import operator
import types
from dataclasses import dataclass

import numpy as np
import sympy

from ..errors import SymdiffError, SymdiffSyntaxError
from .. import fence
from ..source import (FunctionSource, NoSource, StaleSource, function_source, stale_source,
                      unwrap)
from . import numpy_api
from .ir import ArrayError, Graph, Node, ShapeError, dim, is_known, show_shape


class Refused(SymdiffError):
    """A numpy function symdiff does not differentiate in either reading (a matrix
    decomposition, ...): the message names it and says what to write instead."""


class NotArrayCode(SymdiffError):
    """Source the array reader does not express; ``reason`` says what, ``where`` where."""

    def __init__(self, message, reason="", where=""):
        super().__init__(message)
        self.reason, self.where = reason or message, where


@dataclass
class Program:
    """What the reader made: the graph, the parameters' nodes, the result."""

    graph: Graph
    name: str
    params: tuple
    nodes: dict                 # parameter name -> node
    output: object              # a Node, or a tuple of 0-d Nodes
    defaults: dict
    shapes: dict                # parameter name -> shape (dims as given: ints, names)
    filename: str


@dataclass
class _Return:
    value: object


@dataclass
class LocalFunction:
    node: ast.AST
    env: dict
    src: FunctionSource
    defaults: list
    name: str


@dataclass
class _Method:
    name: str
    obj: Node


BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
          ast.Mod: "mod", ast.FloorDiv: "floor_divide"}
PY_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
             ast.FloorDiv: operator.floordiv, ast.MatMult: operator.matmul}
COMPARE = {ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne"}
PY_COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt,
              ast.LtE: operator.le, ast.Eq: operator.eq, ast.NotEq: operator.ne,
              ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}

MATH = {math.exp: "exp", math.log: "log", math.sqrt: "sqrt", math.sin: "sin", math.cos: "cos",
        math.tan: "tan", math.tanh: "tanh", math.sinh: "sinh", math.cosh: "cosh",
        math.asin: "arcsin", math.acos: "arccos", math.atan: "arctan", math.asinh: "arcsinh",
        math.acosh: "arccosh", math.atanh: "arctanh", math.log1p: "log1p", math.expm1: "expm1",
        math.log2: "log2", math.log10: "log10", math.fabs: "fabs", math.erf: "erf",
        math.erfc: "erfc", math.floor: "floor", math.ceil: "ceil", math.atan2: "arctan2",
        math.hypot: "hypot", math.pow: "pow", abs: "abs", pow: "pow"}

_MAX_INLINE = 40


def _has_node(v) -> bool:
    if isinstance(v, Node):
        return True
    if isinstance(v, (tuple, list)):
        return any(_has_node(e) for e in v)
    if isinstance(v, dict):
        return any(_has_node(e) for e in v.values())
    return False


def _is_dim(v) -> bool:
    return isinstance(v, sympy.Basic)


class Reader(ast.NodeVisitor):
    """Interprets one function body on array values."""

    def __init__(self, g: Graph, src: FunctionSource, env: dict, globals_: dict, name: str,
                 depth: int = 0, ctx=None):
        self.g, self.src, self.env, self.globals, self.name = g, src, env, globals_, name
        self.depth, self.ctx = depth, ctx

    # -- errors ---------------------------------------------------------------------
    def where(self, node) -> str:
        line = getattr(node, "lineno", 0)
        return f"{self.src.filename}:{line}:{getattr(node, 'col_offset', 0) + 1}"

    def refuse(self, node, what: str):
        """Not expressible at the array level (the caller may read element-wise)."""
        text = self.src.line(getattr(node, "lineno", 0))
        shown = f"\n    {text.strip()}" if text else ""
        raise NotArrayCode(f"{self.where(node)}: {self.name}: {what}{shown}", what, self.where(node))

    def generic_visit(self, node):
        self.refuse(node, f"a {type(node).__name__} construct")

    # -- statements -------------------------------------------------------------------
    def run_body(self, stmts):
        for stmt in stmts:
            r = self.visit(stmt)
            if isinstance(r, _Return):
                return r
        return None

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant):
            return None             # a docstring
        self.refuse(node, "an expression statement (a call for its effect)")

    def visit_Pass(self, node):
        return None

    def visit_Return(self, node):
        return _Return(None if node.value is None else self.visit(node.value))

    def visit_Assign(self, node):
        value = self.visit(node.value)
        for t in node.targets:
            self.assign(t, value)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.assign(node.target, self.visit(node.value))

    def visit_AugAssign(self, node):
        if not isinstance(node.target, ast.Name):
            self.refuse(node, "an augmented assignment to an element or attribute")
        name = node.target.id
        old = self.lookup(name, node.target)
        if isinstance(old, (Node, list, np.ndarray)) and (
                (isinstance(old, Node) and old.op == "param")
                or any(v is old for k, v in self.env.items() if k != name)):
            # numpy changes the array in place: every other name for it sees the change
            self.refuse(node, "an in-place change of an array that another name refers to")
        self.env[name] = self.binop(node.op, old, self.visit(node.value), node)

    def assign(self, target, value):
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, Node):
                if value.ndim == 0 or not is_known(value.shape[0]):
                    self.refuse(target, "unpacking an array of unknown length")
                items = [self.g.index(value, k) for k in range(value.shape[0])]
            elif isinstance(value, (tuple, list)):
                items = list(value)
            elif isinstance(value, np.ndarray):
                items = list(value)
            else:
                self.refuse(target, f"unpacking a {type(value).__name__}")
            if len(items) != len(target.elts):
                self.fail(target, f"cannot unpack {len(items)} values into {len(target.elts)} names")
            for t, v in zip(target.elts, items):
                self.assign(t, v)
            return
        self.refuse(target, "an assignment to an element or an attribute")

    def fail(self, node, message):
        """A genuine error in the user's code (as Python or numpy would raise)."""
        text = self.src.line(getattr(node, "lineno", 0))
        shown = f"\n    {text.strip()}" if text else ""
        raise SymdiffError(f"{self.where(node)}: {self.name}: {message}{shown}")

    def visit_If(self, node):
        cond = self.visit(node.test)
        if _has_node(cond):
            self.refuse(node.test, "a branch on a value that depends on the input "
                                   "(use numpy.where)")
        return self.run_body(node.body if self.truth(cond, node.test) else node.orelse)

    def truth(self, v, node):
        if _is_dim(v):
            v = sympy.simplify(v)
            if v in (sympy.true, sympy.false):
                return bool(v)
            self.refuse(node, "a condition on a named size")
        try:
            return bool(v)
        except Exception as exc:        # an array's truth value, ...
            self.fail(node, f"{type(exc).__name__}: {exc}")

    def visit_For(self, node):
        self.refuse(node, "a for loop (read element by element)")

    def visit_FunctionDef(self, node):
        defaults = [self.visit(d) for d in node.args.defaults]
        self.env[node.name] = LocalFunction(node, self.env, self.src, defaults, node.name)

    def visit_Lambda(self, node):
        defaults = [self.visit(d) for d in node.args.defaults]
        return LocalFunction(node, self.env, self.src, defaults, "<lambda>")

    # -- names ---------------------------------------------------------------------------
    def lookup(self, name, node):
        if name in self.env:
            return self.env[name]
        if name in self.globals:
            return self.globals[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        self.fail(node, f"name {name!r} is not defined")

    def visit_Name(self, node):
        return self.lookup(node.id, node)

    def visit_Constant(self, node):
        if isinstance(node.value, (bytes, complex)):
            self.refuse(node, f"a {type(node.value).__name__} constant")
        return node.value

    def visit_Tuple(self, node):
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node):
        return [self.visit(e) for e in node.elts]

    def visit_Slice(self, node):
        parts = [None if p is None else self.visit(p) for p in (node.lower, node.upper, node.step)]
        for p in parts:
            if isinstance(p, Node) or _is_dim(p):
                self.refuse(node, "a slice bound that depends on the input or a named size")
        return slice(*parts)

    def visit_Attribute(self, node):
        base = self.visit(node.value)
        attr = node.attr
        if isinstance(base, Node):
            if attr == "T":
                return self.g.transpose(base)
            if attr == "shape":
                return tuple(base.shape)
            if attr == "ndim":
                return base.ndim
            if attr == "size":
                from .ir import size_of
                return size_of(base.shape)
            if attr in ("real",):
                return base
            if attr in numpy_api.METHODS:
                return _Method(attr, base)
            self.refuse(node, f"the array attribute .{attr}")
        if isinstance(base, types.ModuleType):
            try:
                return getattr(base, attr)
            except AttributeError:
                self.fail(node, f"module {base.__name__!r} has no attribute {attr!r}")
        if isinstance(base, np.ndarray) and attr in ("shape", "ndim", "size", "T", "dtype"):
            return getattr(base, attr)
        if isinstance(base, np.ndarray) and attr in numpy_api.METHODS:
            return _Method(attr, self.g.const(base))
        if isinstance(base, (int, float)) and attr in ("real",):
            return base
        self.refuse(node, f"the attribute .{attr} of a {type(base).__name__}")

    # -- operators ---------------------------------------------------------------------------
    def binop(self, op, a, b, node):
        if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
            self.refuse(node, "arithmetic on text")
        if not _has_node(a) and not _has_node(b):
            if (_is_dim(a) or _is_dim(b)) and type(op) in PY_BINOPS:
                return PY_BINOPS[type(op)](a, b)
            try:
                return PY_BINOPS[type(op)](a, b)
            except Exception as exc:
                self.fail(node, f"{type(exc).__name__}: {exc}")
        a, b = self.value(a, node), self.value(b, node)
        try:
            if isinstance(op, ast.MatMult):
                return numpy_api.matmul(self.g, a, b, "@")
            fname = BINOPS.get(type(op))
            if fname is None:
                self.refuse(node, f"the operator {type(op).__name__}")
            return self.g.ewise(fname, a, b)
        except (ShapeError, ValueError) as exc:
            self.fail(node, str(exc))

    def value(self, v, node):
        """An operand as a node (a number, a constant array, a named size, a list of values)."""
        if isinstance(v, Node):
            return v
        if _is_dim(v):
            return numpy_api.size_value(self.g, dim(v))
        if isinstance(v, (bool, int, float, np.number, np.bool_, np.ndarray)):
            return self.g.const(v)
        if isinstance(v, (list, tuple)):
            try:
                return numpy_api.node(self.g, v)
            except (ArrayError, ValueError) as exc:
                self.refuse(node, f"a sequence used as an array ({exc})")
        self.refuse(node, f"a {type(v).__name__} used as a number")

    def visit_BinOp(self, node):
        return self.binop(node.op, self.visit(node.left), self.visit(node.right), node)

    def visit_UnaryOp(self, node):
        v = self.visit(node.operand)
        if not _has_node(v):
            try:
                return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
                        ast.Invert: operator.invert}[type(node.op)](v)
            except Exception as exc:
                self.fail(node, f"{type(exc).__name__}: {exc}")
        if isinstance(node.op, ast.USub):
            return self.g.neg(self.value(v, node))
        if isinstance(node.op, ast.UAdd):
            return self.value(v, node)
        self.refuse(node, f"the operator {type(node.op).__name__} on an array")

    def visit_Compare(self, node):
        left = self.visit(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            if _has_node(left) or _has_node(right):
                if type(op) not in COMPARE:
                    self.refuse(node, f"the comparison {type(op).__name__} on arrays")
                part = self.g.ewise(COMPARE[type(op)], self.value(left, node), self.value(right, node))
                result = part if result is None or result is True else \
                    self.g.ewise("logical_and", result, part)
            else:
                if _is_dim(left) or _is_dim(right):
                    self.refuse(node, "a comparison of named sizes")
                ok = PY_COMPARE[type(op)](left, right)
                if not isinstance(ok, (bool, np.bool_)):
                    self.refuse(node, "a comparison that is not a plain truth value")
                if not ok and not isinstance(result, Node):
                    return False
                result = True if result is None else result
            left = right
        return result

    def visit_BoolOp(self, node):
        values = []
        for v in node.values:
            x = self.visit(v)
            if _has_node(x):
                self.refuse(node, "and/or on arrays (use numpy.logical_and/logical_or)")
            values.append(x)
            if isinstance(node.op, ast.And) and not x:
                return x
            if isinstance(node.op, ast.Or) and x:
                return x
        return values[-1]

    def visit_IfExp(self, node):
        cond = self.visit(node.test)
        if _has_node(cond):
            self.refuse(node.test, "a conditional expression on a value that depends on the "
                                   "input (use numpy.where)")
        return self.visit(node.body if self.truth(cond, node.test) else node.orelse)

    def visit_Subscript(self, node):
        base = self.visit(node.value)
        key = self.visit(node.slice)
        if base is np.r_ or base is np.c_:     # numpy's concatenation by indexing
            name = "numpy.r_" if base is np.r_ else "numpy.c_"
            if not _has_node(key):
                return self.constant_call(base.__getitem__, name, [key], {}, node)
            return self.apply(numpy_api.index_trick, name, [base, key], {}, node)
        if _has_node(key):
            self.refuse(node.slice, "an index that depends on the input")
        if isinstance(base, Node):
            try:
                return self.g.index(base, key)
            except ShapeError as exc:
                self.fail(node, f"IndexError: {exc}")
            except ArrayError as exc:
                self.refuse(node, f"this index ({exc})")
        if _is_dim(key) or (isinstance(key, tuple) and any(_is_dim(k) for k in key)):
            self.refuse(node, "an index by a named size")
        if not isinstance(base, (tuple, list, np.ndarray, range)):
            self.refuse(node, f"indexing a {type(base).__name__}")
        try:
            v = base[key]
        except Exception as exc:
            self.fail(node, f"{type(exc).__name__}: {exc}")
        return v.item() if isinstance(v, np.generic) else v

    def visit_ListComp(self, node):
        self.refuse(node, "a list comprehension")

    def visit_GeneratorExp(self, node):
        self.refuse(node, "a generator expression")

    # -- calls ----------------------------------------------------------------------------------
    def visit_Call(self, node):
        func = self.visit(node.func)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.refuse(a, "a starred argument")
            args.append(self.visit(a))
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                self.refuse(k, "a **keyword argument")
            kwargs[k.arg] = self.visit(k.value)
        return self.call(func, args, kwargs, node)

    def call(self, func, args, kwargs, node):
        if isinstance(func, LocalFunction):
            return self.inline_local(func, args, kwargs, node)
        if isinstance(func, _Method):
            handler = numpy_api.METHODS[func.name]
            return self.apply(handler, f"ndarray.{func.name}", [func.obj] + args, kwargs, node)
        entry = numpy_api.lookup(func)
        if entry is not None:
            fn, handler, name = entry
            if not _has_node(args) and not _has_node(kwargs) and not self._dims(args, kwargs):
                return self.constant_call(fn, name, args, kwargs, node)
            return self.apply(handler, name, args, kwargs, node)
        if _callable_in(func, MATH):
            fname = _get(MATH, func)
            name = f"math.{getattr(func, '__name__', fname)}" if func not in (abs, pow) \
                else func.__name__
            if not _has_node(args):
                return self.constant_call(func, name, args, kwargs, node)
            if kwargs:
                self.fail(node, f"{name}() takes no keyword arguments")
            nodes = [self.value(a, node) for a in args]
            if func not in (abs, pow) and any(n.ndim for n in nodes):
                np_name = getattr(func, "__name__", fname)
                hint = f"np.{np_name}" if hasattr(np, np_name) else "the numpy function"
                self.fail(node, f"{name}: an array argument: Python raises TypeError (only "
                                f"0-d arrays convert to numbers); use {hint} for elementwise "
                                "values")
            if func is math.log and len(nodes) == 2:
                return self.g.div(self.g.ewise("log", nodes[0]), self.g.ewise("log", nodes[1]))
            if func is abs and len(nodes) == 1:
                return self.g.ewise("abs", nodes[0])
            try:
                return self.g.ewise(fname, *nodes)
            except ArrayError as exc:
                self.fail(node, f"{name}: {exc}")
        if func in (float,) and len(args) == 1 and isinstance(args[0], Node):
            if args[0].ndim:
                self.fail(node, "TypeError: only 0-dimensional arrays can be converted to Python scalars")
            return args[0]
        if func is len and len(args) == 1 and isinstance(args[0], Node):
            if args[0].ndim == 0:
                self.fail(node, "TypeError: len() of unsized object")
            return args[0].shape[0]
        if func is sum and len(args) == 1 and isinstance(args[0], Node) and not kwargs:
            return self.g.sum(args[0], 0)
        if func is sum and args and isinstance(args[0], (list, tuple)) and _has_node(args):
            total = args[1] if len(args) > 1 else kwargs.get("start", 0)
            for item in args[0]:            # Python's sum: start + x0 + x1 + ...
                total = self.g.add(total, item)
            return total
        if func in (np.array, np.asarray, np.asanyarray, np.ascontiguousarray) and _has_node(args):
            if len(args) != 1 or set(kwargs) - {"dtype"}:
                self.refuse(node, "numpy.array with more than an array and dtype")
            numpy_api._none("numpy.array", dtype=kwargs.get("dtype"))
            return self.value(args[0], node)
        if func in (np.float64, np.float32, float) and _has_node(args):
            return self.value(args[0], node)
        if func in (np.zeros, np.ones, np.full, np.empty) and self._dims(args, kwargs):
            shape = args[0] if args else kwargs.get("shape")
            shape = (shape,) if not isinstance(shape, (tuple, list)) else shape
            fill = {np.zeros: 0.0, np.ones: 1.0}.get(func)
            if fill is None:
                self.refuse(node, f"numpy.{func.__name__} with a named size")
            return self.g.broadcast(self.g.const(fill), [dim(d) for d in shape])
        if func is np.eye and self._dims(args, kwargs) and len(args) == 1:
            return self.g.eye(dim(args[0]))
        if _has_node(args) or _has_node(kwargs):
            target = unwrap(func)
            if isinstance(target, types.FunctionType):
                return self.inline_python(target, args, kwargs, node)
            self.refuse(node, f"the function {_name(func)} on arrays")
        if self._dims(args, kwargs):
            target = unwrap(func)
            if isinstance(target, types.FunctionType):
                return self.inline_python(target, args, kwargs, node)
            self.refuse(node, f"{_name(func)} of a named size")
        if func is range or func in (int, float, bool, len, tuple, list, zip, enumerate, min,
                                     max, sum, abs, round, reversed, sorted) \
                or isinstance(func, (np.ufunc,)) or getattr(func, "__module__", "") and \
                str(getattr(func, "__module__", "")).startswith(("numpy", "math")):
            return self.constant_call(func, _name(func), args, kwargs, node)
        target = unwrap(func)
        if isinstance(target, types.FunctionType):
            return self.inline_python(target, args, kwargs, node)
        self.refuse(node, f"a call to {_name(func)}")

    def _dims(self, args, kwargs) -> bool:
        def has(v):
            if _is_dim(v):
                return True
            if isinstance(v, (tuple, list)):
                return any(has(e) for e in v)
            return False
        return has(list(args)) or has(list(kwargs.values()))

    def constant_call(self, fn, name, args, kwargs, node):
        try:
            with np.errstate(all="ignore"):
                out = fn(*args, **kwargs)
        except Exception as exc:
            self.fail(node, f"{name}() raised {type(exc).__name__}: {exc}")
        if isinstance(out, np.generic):
            return out.item()
        if isinstance(out, np.ndarray) and out.size > 10_000_000:
            self.refuse(node, f"{name}() made a constant of {out.size} elements")
        return out

    def apply(self, handler, name, args, kwargs, node):
        try:
            bound = inspect.signature(handler).bind(self.g, *args, **kwargs)
        except TypeError as exc:
            self.fail(node, f"{name}: {exc}")
        try:
            return handler(*bound.args, **bound.kwargs)
        except numpy_api.NotDifferentiable as exc:
            text = self.src.line(getattr(node, "lineno", 0))
            shown = f"\n    {text.strip()}" if text else ""
            raise Refused(f"{self.where(node)}: {self.name}: {exc}{shown}") from None
        except numpy_api.Unsupported as exc:
            self.refuse(node, str(exc))
        except ArrayError as exc:
            self.refuse(node, _named(name, exc))
        except (ShapeError, ValueError, TypeError, IndexError) as exc:
            self.fail(node, _named(name, exc))

    # -- inlining -----------------------------------------------------------------------
    def inline_python(self, fn, args, kwargs, node):
        if self.depth >= _MAX_INLINE:
            self.refuse(node, "calls nested too deeply")
        try:
            src = self.ctx.parsed(fn)
        except NoSource:
            self.refuse(node, f"a call to {fn.__name__}, whose source Python does not keep")
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            self.fail(node, f"{fn.__name__}(): {exc}")
        bound.apply_defaults()
        env = dict(bound.arguments)
        closure = {}
        for cname, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                closure[cname] = cell.cell_contents
            except ValueError:
                pass
        globals_ = dict(fn.__globals__)
        globals_.update(closure)
        return self.run_function(src, src.node, env, globals_, fn.__name__)

    def inline_local(self, f: LocalFunction, args, kwargs, node):
        a = f.node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            self.refuse(node, "a nested function with *args, **kwargs or keyword-only parameters")
        names = [x.arg for x in a.args]
        if len(args) > len(names):
            self.fail(node, f"{f.name}() takes {len(names)} arguments but {len(args)} were given")
        env = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names or k in env:
                self.fail(node, f"{f.name}() got an unexpected or repeated argument {k!r}")
            env[k] = v
        first = len(names) - len(f.defaults)
        for i, n in enumerate(names):
            if n not in env:
                if i >= first:
                    env[n] = f.defaults[i - first]
                else:
                    self.fail(node, f"{f.name}() missing required argument {n!r}")
        outer = dict(self.globals)
        outer.update(f.env)
        return self.run_function(f.src, f.node, env, outer, f.name)

    def run_function(self, src, fnode, env, globals_, name):
        r = Reader(self.g, src, env, globals_, name, self.depth + 1, self.ctx)
        if isinstance(fnode, ast.Lambda):
            return r.visit(fnode.body)
        out = r.run_body(fnode.body)
        if out is None:
            r.refuse(fnode, f"function {name!r} returns None on some path")
        return out.value


def _callable_in(func, table) -> bool:
    try:
        return func in table
    except TypeError:
        return False


def _get(table, func):
    return table[func]


def _name(func) -> str:
    mod = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return f"{mod}.{name}" if mod and mod not in ("builtins",) else name


class _Parsed:
    """Source of the functions read, fenced once (as the element-wise reader's
    ``Context.parsed``, without importing that reader and its tables)."""

    def __init__(self):
        self._parsed: dict = {}

    def parsed(self, fn) -> FunctionSource:
        hit = self._parsed.get(id(fn))
        if hit is not None and hit[0] is fn:
            return hit[1]
        try:
            src = function_source(fn)
        except StaleSource:
            raise NotArrayCode(f"{fn.__name__}: its source text is not the function Python "
                               "runs") from None
        fence.check(src.node, src.filename, src.line)
        if stale_source(src, fn):
            raise NotArrayCode(f"{fn.__name__}: its source text is not the function Python runs")
        self._parsed[id(fn)] = (fn, src)
        return src


def read(fn, shapes: dict) -> Program:
    """Read ``fn`` with array parameters of ``shapes`` into a ``Program``.

    >>> import numpy as np
    >>> def f(X, w):
    ...     return np.sum(np.tanh(X @ w))
    >>> p = read(f, {"X": ("n", "d"), "w": ("d",)})     # doctest: +SKIP
    >>> p.output.shape                                 # doctest: +SKIP
    ()
    """
    original = unwrap(fn)
    if not isinstance(original, types.FunctionType):
        raise NotArrayCode(f"symdiff needs a plain Python function, got {type(fn).__name__}")
    sig = inspect.signature(original)
    params, defaults = [], {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise NotArrayCode(f"{original.__name__}: *args/**kwargs parameters")
        params.append(p.name)
        if p.default is not inspect.Parameter.empty:
            defaults[p.name] = p.default
    ctx = _Parsed()
    try:
        src = ctx.parsed(original)
    except NoSource:
        raise NotArrayCode(f"{original.__name__}: Python keeps no source for it") from None
    g = Graph()
    nodes = {}
    for p in params:
        shape = shapes.get(p, ())
        try:
            nodes[p] = g.param(p, shape)
        except ShapeError as exc:
            raise SymdiffError(f"{original.__name__}: shapes[{p!r}] = {tuple(shape)!r}: {exc}") \
                from None
    closure = {}
    for cname, cell in zip(original.__code__.co_freevars, original.__closure__ or ()):
        try:
            closure[cname] = cell.cell_contents
        except ValueError:
            pass
    globals_ = dict(original.__globals__)
    globals_.update(closure)
    reader = Reader(g, src, dict(nodes), globals_, original.__name__, 0, ctx)
    if isinstance(src.node, ast.Lambda):
        value = reader.visit(src.node.body)
    else:
        r = reader.run_body(src.node.body)
        if r is None:
            reader.fail(src.node, f"function {original.__name__!r} has no return statement")
        value = r.value
    output = _output(g, value, reader, src.node)
    return Program(g, original.__name__, tuple(params), nodes, output, defaults,
                   {p: tuple(shapes[p]) for p in shapes}, original.__code__.co_filename)


def _output(g, value, reader, node):
    if isinstance(value, Node):
        if value.dtype == "b":
            reader.refuse(node, "a function returning a condition")
        return value
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return g.const(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return g.const(value.astype(float))
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, (Node, int, float)) and not isinstance(v, bool) for v in value):
        items = tuple(g.as_node(v) for v in value)
        if all(v.ndim == 0 and v.dtype == "f" for v in items):
            return items
    reader.refuse(node, f"a function returning a {type(value).__name__} (array functions "
                        "return an array or a tuple of numbers)")


__all__ = ["read", "Program", "NotArrayCode", "Refused", "SymdiffSyntaxError", "show_shape"]


def _named(name: str, exc: Exception) -> str:
    """``exc``'s text under the function's name, once (a handler may have named it)."""
    text = str(exc)
    return text if text.startswith(f"{name}:") else f"{name}: {text}"
