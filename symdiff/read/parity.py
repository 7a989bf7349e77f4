"""Python-parity checks: refuse what Python would refuse, before or after computing.

The reader computes on symbols where Python computes on numbers. Where the two
would part (Python raises ``ZeroDivisionError`` for ``y/0`` while sympy builds
``zoo``; an integer too large for a float meets a variable; ``2**10**9`` would
take minutes), these checks refuse with the reason, or give the value numpy
computes where Python raises only for some inputs. The sizes they allow are the
``MAX_*`` constants of ``limits``.
"""

from __future__ import annotations

import ast
import math

import numpy as np
import sympy

from .. import primitives
from ..limits import MAX_FACTORIAL, MAX_INT_BITS, MAX_ITEMS
from .base import ReaderBase
from .values import callable_name, has_text, int_valued, is_const

_FLOAT_MAX = int(np.finfo(float).max)


def beyond_float(v) -> bool:
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


def too_long(v) -> bool:
    """A ``range`` of more than ``MAX_ITEMS`` items."""
    if not isinstance(v, range):
        return False
    try:
        return len(v) > MAX_ITEMS
    except OverflowError:               # more items than a C ssize_t holds
        return True


def operand_hint(a, b) -> str:
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


class ParityChecks(ReaderBase):
    """The checks as methods of the reader: they report at the node being read."""

    def check_operands(self, op, a, b, node):
        """Operands Python would refuse, or that would take minutes, before computing."""
        if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
            self.error(node, "arithmetic on text", "symdiff computes with numbers; "
                       "remove string operations from the differentiated function")
        if isinstance(op, ast.Pow) and int_valued(a) and int_valued(b) and b > 0 \
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
            if int_valued(k) and len(seq) * int(k) > MAX_ITEMS:
                self.fail(node, f"repeating a sequence {k} times gives more than {MAX_ITEMS} items")
        if is_const(a) and is_const(b):
            return
        for k in (a, b):
            if beyond_float(k):
                self.fail(node, f"an integer constant of {abs(int(k)).bit_length()} bits meets "
                                "a value that depends on the input: Python raises "
                                "OverflowError converting it to a float; use a float constant "
                                "(it overflows to inf) or a smaller one")
        if isinstance(op, (ast.FloorDiv, ast.Mod)) and (_infinite(a) or _infinite(b)):
            self.fail(node, f"{'//' if isinstance(op, ast.FloorDiv) else '%'} with an "
                            "infinite or nan constant: Python's results there (nan, 0.0 or "
                            "-1.0 by sign) are not modelled; use a finite constant")

    def check_result(self, value, node, call=None, operands=()):
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
            big = [] if v.is_Atom else [r for r in v.atoms(sympy.Rational) if beyond_float(r)]
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

    def not_too_large(self, func, args, kwargs, node):
        """Refuse constant computations that would run for minutes (sum(range(10**12)))."""
        values = list(args) + list(kwargs.values())
        if any(too_long(v) for v in values):
            self.fail(node, f"{callable_name(func)}() over more than {MAX_ITEMS} items: too long "
                            "to compute while reading the function")
        if primitives.grows_factorially(func) and any(
                int_valued(v) and abs(int(v)) > MAX_FACTORIAL for v in values):
            self.fail(node, f"{callable_name(func)}() of a number above {MAX_FACTORIAL}: too "
                            "large to compute exactly; use math.lgamma for its logarithm")

    def too_many_steps(self, node):
        """Refuse a loop or comprehension over more than ``MAX_ITEMS`` items."""
        self.fail(node, f"loop or comprehension of more than {MAX_ITEMS} steps: too long "
                        "to unroll; loop over a shaped parameter (`for i in range(len(x))`) "
                        "so the loop is read once for all steps, or use fewer steps")

    def no_text(self, args, kwargs, node, name):
        """Refuse text among a call's arguments: sympy would parse it."""
        if has_text(list(args)) or has_text(kwargs):
            self.error(node, f"text argument to {name}",
                       "pass numbers; symdiff never parses or evaluates strings")
