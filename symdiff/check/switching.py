"""Switching points: where the symbolic expression changes branch (kinks and steps).

A point where ``|.|``, ``sign``, ``max``/``min``, ``floor`` or an ``if`` switches
is reported ``nondifferentiable`` rather than failed, and finite-difference
steps that would cross a switch are not used.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy

from ..errors import SymdiffError, SymdiffSyntaxError
from ..layout import SCALAR, Layout
from ..ops import catalog
from .finite_diff import flat_float

#: a switching function within this (relative) distance of zero marks a kink
KINK_TOL = 1e-10


class _Switch:
    """Where the symbolic expression changes branch; ``values(x)`` at a point vector.

    Each switching function is ``(expr, integer)``: a kink where ``expr == 0``, or,
    for floor/ceiling/Mod arguments, where ``expr`` is an integer.
    """

    def __init__(self, fn=None, integer=()):
        self.fn = fn
        self.integer = np.array(integer, dtype=bool)

    def values(self, x):
        if self.fn is None:
            return np.zeros(0)
        try:
            return flat_float(self.fn(x))
        except Exception:
            return np.full(len(self.integer), np.nan)

    def side(self, x):
        """Which side of each switching value ``x`` is on."""
        v = self.values(x)
        return np.where(self.integer, np.floor(v), np.sign(v))

    def at_kink(self, x) -> bool:
        v = self.values(x)
        if not len(v):
            return False
        scale = max(1.0, float(np.max(np.abs(x)))) if len(x) else 1.0
        dist = np.where(self.integer, np.abs(v - np.round(v)), np.abs(v))
        return bool(np.any(dist <= KINK_TOL * scale))


def _classes(kind, at):
    return tuple(getattr(sympy, name) for name in catalog.sympy_classes(kind, at))


# the catalog's non-smooth functions, by where they switch: where their argument is
# zero (abs, sign, Heaviside), at ties of their arguments (max, min), at integers
# (floor, ceiling, frac)
_AT_ZERO = _classes(("kink", "step"), "zero")
_AT_TIES = _classes(("kink", "step"), "ties")
_STEP = _classes(("kink", "step"), "integers")
# smooth except on a branch cut through the origin (atan2(y, x): y = 0, x <= 0)
_CUT = _classes("smooth", "cut")


def _switching_exprs(expr):
    """``(expr, integer)`` pairs of the non-smooth atoms directly inside ``expr``."""
    found = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sympy.Basic) and cond not in (sympy.true, sympy.false):
                    rels = [cond] if isinstance(cond, sympy.core.relational.Relational) \
                        else list(cond.atoms(sympy.core.relational.Relational))
                    found += [(rel.lhs - rel.rhs, False) for rel in rels]
        elif isinstance(node, _AT_ZERO):
            found.append((node.args[0], False))
        elif isinstance(node, _AT_TIES):
            found += [(a - b, False) for a, b in itertools.combinations(node.args, 2)]
        elif isinstance(node, _STEP):
            found.append((node.args[0], True))
        elif isinstance(node, _CUT):
            y, x = node.args
            found.append((sympy.Abs(y) + sympy.Max(x, 0), False))
        elif isinstance(node, sympy.Mod):
            found.append((node.args[0] / node.args[1], True))
    return found


def switching(F, to_args) -> _Switch:
    if hasattr(F, "named_sizes"):
        # an array function: the switching points of its array graph, and those of its
        # element-wise reading where that reads the code (np.linalg.norm, np.std,
        # np.cumsum, np.sort, ... it does not)
        graph_switch = _array_switch(F, to_args)
        try:
            twin = F.elementwise()
        except (SymdiffError, SymdiffSyntaxError):
            return graph_switch
        return _Both(graph_switch, switching(twin, to_args))
    g = F.graph
    exprs = []
    for e in list(F.outputs) + [g.defs[s] for s in g.needed(F.outputs)]:
        if isinstance(e, sympy.Basic):
            exprs += _switching_exprs(e)
    exprs = [(e, i) for e, i in exprs if isinstance(e, sympy.Expr) and not e.is_number]
    if not exprs:
        return _Switch()
    seen, uniq = set(), []
    for e, i in exprs:
        if (e, i) not in seen:
            seen.add((e, i))
            uniq.append((e, i))
    S = F.derived([e for e, _ in uniq], Layout("tuple", items=(SCALAR,) * len(uniq)),
                   f"switch {F.name}", F.wrt)
    return _Switch(lambda x: S(*to_args(x)), [i for _, i in uniq])



class _ArraySwitch(_Switch):
    """Switching values from the array graph (``ArrayFunction.switching``): all are
    zero-type (steps come as ``sin(pi * argument)``)."""

    def __init__(self, fn):
        super().__init__(fn, False)

    def values(self, x):
        try:
            return flat_float(self.fn(x))
        except Exception:
            return np.full(1, np.nan)


def _array_switch(F, to_args) -> _Switch:
    S = F.switching()
    if S is None:
        return _Switch()
    return _ArraySwitch(lambda x: S(*to_args(x)))


class _Both(_Switch):
    """Two sets of switching values as one."""

    def __init__(self, a: _Switch, b: _Switch):
        super().__init__()
        self.a, self.b = a, b

    def values(self, x):
        return np.concatenate([self.a.values(x), self.b.values(x)])

    def side(self, x):
        return np.concatenate([np.ravel(self.a.side(x)), np.ravel(self.b.side(x))])

    def at_kink(self, x) -> bool:
        return self.a.at_kink(x) or self.b.at_kink(x)
