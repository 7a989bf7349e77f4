"""Calls: library functions, the user's helpers (inlined), and functions without source.

A call is resolved by identity (``primitives.lookup``): a math/numpy function
builds its sympy expression (or is computed, on constants); ``range``, ``len`` and
other structural builtins are computed; a helper of the user's is inlined, read
from its own source in a new activation on the same graph (``inline``, with
Python's argument binding in ``bind``). A function whose source cannot be found is
run on symbols with ``math``/``numpy`` rebound to sympy (``call_without_source``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
import os
import re
import types

import numpy as np
import sympy

from .. import primitives
from ..errors import SymdiffError, SymdiffSyntaxError
from ..limits import MAX_INLINE_DEPTH, MAX_ITEMS
from ..source import FunctionSource, NoSource, unwrap
from ..tracebacks import library_file
from .base import ReaderBase
from . import parse
from .parse import EXPRESSION_CALLS
from .values import (ARRAY_METHODS, ArrayMethod, LocalFunction, Scope, bools_as_ints,
                     callable_name, from_outside, is_const)


class Calls(ReaderBase):
    """Calls, inlining and argument binding."""

    def visit_Call(self, node: ast.Call):
        func = self.visit(node.func)
        args = [self.visit(a) for a in node.args]
        kwargs = {k.arg: self.visit(k.value) for k in node.keywords}
        return self.call(func, args, kwargs, node)

    def call(self, func, args, kwargs, node):
        """The value of ``func(*args, **kwargs)``: inlined, built in sympy, computed on
        constants, or refused with the reason, by what ``func`` is."""
        if isinstance(func, LocalFunction):
            return self.inline(func.node, func.src, Scope({}, func.scope), func.defaults,
                               func.kwdefaults, args, kwargs, node, func.name)
        if isinstance(func, ArrayMethod):
            self.no_text(args, kwargs, node, f".{func.name}()")
            if is_const(func.array) and is_const(args):
                return from_outside(getattr(func.array, func.name)(*args, **kwargs))
            return self._apply(ARRAY_METHODS[func.name], [func.array] + args, kwargs, node, f".{func.name}()")
        builder = primitives.lookup(func)
        if builder is not None:
            self.no_text(args, kwargs, node, callable_name(func))
            if is_const(args) and is_const(list(kwargs.values())):
                self.not_too_large(func, args, kwargs, node)
                try:
                    with np.errstate(all="ignore"):     # nan/inf as numpy gives them, no warning
                        return from_outside(func(*args, **kwargs))
                except Exception as exc:  # the user's own function would raise the same
                    if self.ctx.conditional:
                        # ... but only for the inputs that take this branch: read it
                        return self._apply(builder, args, kwargs, node, callable_name(func),
                                           conditions=not primitives.takes_conditions(func))
                    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
                    self.fail(node, f"{callable_name(func)}({shown}) raised {type(exc).__name__}: {exc}")
            return self._apply(builder, args, kwargs, node, callable_name(func),
                               conditions=not primitives.takes_conditions(func))
        if primitives.structural(func) is not None:
            if any(isinstance(a, sympy.Basic) for a in list(args) + list(kwargs.values())):
                if func is range:
                    self.error(node, "loop bound that depends on the input",
                               "bounds must be known when the function is read (use constants, "
                               "len(x) or a shape)" + self.static_hint(list(args)))
                self.error(node, f"{callable_name(func)}() of a value that depends on the input",
                           "its arguments must be known when the function is read")
            self.not_too_large(func, args, kwargs, node)
            try:
                value = func(*args, **kwargs)
            except Exception as exc:
                self.fail(node, f"{callable_name(func)}() raised {type(exc).__name__}: {exc}")
            if isinstance(value, np.ndarray) and value.size > MAX_ITEMS:
                self.fail(node, f"{callable_name(func)}() made an array of {value.size} elements; "
                                f"symdiff reads arrays of up to {MAX_ITEMS} elements")
            return value
        if self.src.untrusted:           # text from outside: nothing but math and its lambdas
            self.error(node, f"call to {ast.unparse(node.func)}", EXPRESSION_CALLS)
        if isinstance(func, functools.partial):     # what Python does: bound arguments first
            return self.call(func.func, list(func.args) + list(args),
                             {**func.keywords, **kwargs}, node)
        target = unwrap(func)
        if isinstance(target, types.FunctionType) and _library(target):
            return self.library_call(func, target, args, kwargs, node)
        if isinstance(target, types.FunctionType):
            return self.inline_python(target, args, kwargs, node)
        if func in _CALL_HINTS:
            self.error(node, f"call to {callable_name(func)}()", _CALL_HINTS[func])
        if isinstance(getattr(func, "__symdiff_source__", None), str):
            return self.inline_expression(func.__symdiff_source__, args, kwargs, node)
        if hasattr(func, "__symdiff_source__") and hasattr(func, "expr") and hasattr(func, "symbols"):
            return self.inline_symbolic(func, args, kwargs, node)
        shown = ast.unparse(node.func)
        self.error(node, f"call to {shown} ({callable_name(func)})",
                   f"symdiff supports {primitives.supported_names()}")

    def _apply(self, builder, args, kwargs, node, name, conditions=False):
        """``conditions``: read conditions among the arguments as 0/1 (``exp(not x)``);
        not for functions that take conditions (np.where, any, logical_and, ...)."""
        try:
            out = builder(*bools_as_ints(list(args), conditions=conditions), **kwargs)
        except SymdiffError:
            raise
        except TypeError as exc:
            self.fail(node, f"{name}: {_keyword_message(builder, kwargs, exc)}")
        except (ValueError, ArithmeticError, IndexError, AttributeError) as exc:
            self.fail(node, f"{name}: {exc}")
        return self.check_result(out, node, name, operands=list(args) + list(kwargs.values()))

    def library_call(self, func, fn, args, kwargs, node):
        """A Python function of an installed library (scipy.optimize.rosen, ...): computed
        when its arguments are constants; else read like the user's own code, and when
        that fails, the error names the user's call, not a line inside the library."""
        name = callable_name(fn)
        if is_const(list(args)) and is_const(list(kwargs.values())):
            self.not_too_large(func, args, kwargs, node)
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
        """Read the user's Python function ``fn`` on ``args`` from its own source
        (or run it on symbols when it has none)."""
        try:
            src = self.ctx.parsed(fn)
        except NoSource:
            return call_without_source(fn, args, kwargs, where=lambda m: self.fail(node, m),
                                       define=self.g.define)
        scope = Scope({}, None, closure_of(fn), fn.__globals__)
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
        self.no_text(args, kwargs, node, func.__name__)
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
        """Read an expression string's function (``sd.symbolic("...")``) on ``args``."""
        tree, names = parse.expression(text)
        if len(args) > len(names):
            self.fail(node, f"too many arguments for expression {text!r} (parameters {names})")
        bound = dict(zip(names, args))
        bound.update(kwargs)
        missing = [n for n in names if n not in bound]
        if missing:
            self.fail(node, f"missing arguments {missing} for expression {text!r}")
        src = FunctionSource(tree, "<expression>", [text], untrusted=True)
        scope = Scope(bound, None, {}, dict(primitives.EXPRESSION_NAMESPACE))
        return type(self)(self.ctx, src, scope, text).visit(tree.body)

    def inline(self, fnode, src, scope, defaults, kwdefaults, args, kwargs, node, name):
        """Read ``fnode`` (a def or lambda) on ``args`` in a new activation on the same graph."""
        reader = type(self)(self.ctx, src, scope, name)
        bound = self.bind(fnode.args, defaults, kwdefaults, args, kwargs, node, name)
        for pname, v in bound.items():
            scope.locals[pname] = reader.define(pname, v)
        self.ctx.depth += 1
        try:
            if self.ctx.depth > MAX_INLINE_DEPTH:
                self.fail(node, f"calls nested deeper than {MAX_INLINE_DEPTH} levels while inlining "
                                f"{name!r}; recursion is only supported when it stops after a few "
                                "levels decided by constants")
            return reader.run_function(fnode)
        except RecursionError:
            self.fail(node, f"recursion too deep while inlining {name!r}")
        finally:
            self.ctx.depth -= 1

    def bind(self, a: ast.arguments, defaults, kwdefaults, args, kwargs, node, name) -> dict:
        """Parameter name -> value for a call, as Python binds arguments, with
        Python's messages for the mistakes."""
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


def closure_of(fn) -> dict:
    """The values of ``fn``'s free variables (its closure cells), by name."""
    code = fn.__code__
    out = {}
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            out[name] = cell.cell_contents
        except ValueError:          # empty cell
            pass
    return out


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
    for name in primitives.BUILTINS:
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


def _keyword_message(builder, kwargs, exc) -> str:
    """A keyword the builder does not take, said in the user's terms: the builder's
    own name (``_np_sum() got an unexpected keyword argument 'where'``) means nothing
    to them."""
    found = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
    if found is None or found.group(1) not in kwargs:
        return str(exc)
    return (f"the argument {found.group(1)}= is not supported by symdiff's reading of it; "
            "write the computation without it")
