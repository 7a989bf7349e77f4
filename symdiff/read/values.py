"""The values the reader computes with, and what it knows about them.

A value is a sympy expression or relation, a Python number (constant arithmetic is
folded with Python's own semantics), a tuple or list, a numpy array (object arrays
of symbols for shaped parameters, numeric arrays for module constants), a module, or
a callable. This module holds the reader's own value kinds (``Scope``,
``LocalFunction``, ``Undefined``, ...), the tables of operators and array methods,
and the tests on values that every part of the reader shares (``is_const``,
``from_outside``, ``bools_as_ints``, ...). It knows nothing of the AST walk.
"""

from __future__ import annotations

import ast
import functools
import inspect
import operator
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from .. import primitives
from ..source import FunctionSource

#: "no value" in a dict lookup where None is a value
MISSING = object()


@dataclass
class Return:
    """A ``return`` reached: the statement runner stops with ``value``."""
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
    """A nested ``def`` or ``lambda`` met while reading."""
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
    ast.Pow: operator.pow, ast.MatMult: lambda a, b: _MATMUL(a, b)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else a @ b,
}
_MATMUL = primitives.lookup(np.matmul)      # ``a @ b`` of arrays is the catalog's matmul
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# comparison operator -> (Python operator for constants, sympy builder for symbols)
COMPARE = {
    ast.Lt: (operator.lt, sympy.Lt), ast.LtE: (operator.le, sympy.Le),
    ast.Gt: (operator.gt, sympy.Gt), ast.GtE: (operator.ge, sympy.Ge),
    ast.Eq: (operator.eq, sympy.Eq), ast.NotEq: (operator.ne, sympy.Ne),
}


def is_const(v) -> bool:
    """A value fully known when the function is read (no symbols inside)."""
    if isinstance(v, (bool, int, float, complex, str, range, np.generic)) or v is None:
        return True
    if isinstance(v, np.ndarray):
        return v.dtype != object
    if isinstance(v, (tuple, list)):
        return all(is_const(e) for e in v)
    return False


def from_outside(v):
    """A value read from a module, closure or constant computation, as the reader sees it."""
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


def is_scalar(v) -> bool:
    """A number: a Python int/float or a sympy value."""
    return isinstance(v, (int, float, sympy.Basic))     # bool is an int


def is_boolean(v) -> bool:
    """A sympy condition (a Boolean that is not also a number)."""
    return isinstance(v, sympy.logic.boolalg.Boolean) and not isinstance(v, sympy.Expr)


def as_condition(v):
    """A sympy Boolean for a data-dependent truth value."""
    if is_boolean(v):
        return v
    return sympy.Ne(v, 0)


def has_text(v) -> bool:
    """Does ``v`` hold text (``str``/``bytes``)? Text must never reach sympy, whose
    ``sympify`` would parse (and evaluate) it."""
    if isinstance(v, (str, bytes)):
        return True
    if isinstance(v, (tuple, list)):
        return any(has_text(e) for e in v)
    if isinstance(v, dict):
        return any(has_text(e) for e in v.values())
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "US":
            return True
        return v.dtype == object and any(isinstance(e, (str, bytes)) for e in v.flat)
    return False


def bools_as_ints(v, conditions: bool = True):
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
        return [bools_as_ints(e, conditions) for e in v]
    if isinstance(v, tuple):
        return tuple(bools_as_ints(e, conditions) for e in v)
    return v


def int_valued(v) -> bool:
    """An integer: Python, numpy or sympy."""
    return isinstance(v, (int, np.integer)) or isinstance(v, sympy.Integer)


class RunsCode(Exception):
    """Reading this attribute would run Python code (a property, a descriptor)."""


def read_attribute(base, attr: str):
    """``getattr(base, attr)`` when that runs no Python code of the object's own:
    module attributes, instance and class attributes, methods and numpy's C-level
    attributes. A ``property`` or a descriptor written in Python raises ``RunsCode``."""
    if isinstance(base, types.ModuleType):
        return getattr(base, attr)
    static = inspect.getattr_static(base, attr)          # AttributeError if absent
    if isinstance(static, (property, functools.cached_property)):
        raise RunsCode(f"a property of {type(base).__name__}")
    if isinstance(getattr(type(static), "__get__", None), types.FunctionType):
        raise RunsCode(f"a {type(static).__name__} descriptor of {type(base).__name__}")
    return getattr(base, attr)


#: ``__getitem__`` of the containers the interpreter indexes (C code, no user code)
PLAIN_GETITEM = frozenset({tuple.__getitem__, list.__getitem__, dict.__getitem__,
                            range.__getitem__, str.__getitem__, bytes.__getitem__,
                            np.ndarray.__getitem__})


def callable_name(f) -> str:
    """``module.qualname`` of a callable, for messages (builtins without module)."""
    mod = getattr(f, "__module__", None) or getattr(type(f), "__module__", "")
    qual = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__
    return f"{mod}.{qual}" if mod and mod != "builtins" else qual
