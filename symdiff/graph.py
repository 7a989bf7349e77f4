"""The SSA graph: what the front end builds and what calculus and codegen read.

A traced function is not one big sympy tree. Every assignment in the user's code
becomes a named intermediate (a real ``sympy.Symbol``) with a small defining
expression over parameters and earlier intermediates. Derivatives are added to the
same graph as further named intermediates (see ``calculus``), so shared work is
written once and no expression is ever flattened unless the user asks for
``F.expr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from . import naming


class Graph:
    """Ordered SSA definitions ``symbol = expr``; insertion order is a topological order.

    ``deps[s]`` is a bitset (a Python int) of the parameters ``s`` depends on, so that
    "does z depend on x?" is one ``&``, also on graphs with thousands of inputs.
    """

    def __init__(self) -> None:
        self.defs: dict[sympy.Symbol, sympy.Expr] = {}
        self.index: dict[sympy.Symbol, int] = {}     # position of a def, or of a param (negative)
        self.params: list[sympy.Symbol] = []         # scalar input symbols, flattened
        self.bit: dict[sympy.Symbol, int] = {}       # param -> its bit
        self.deps: dict[sympy.Symbol, int] = {}      # param or def -> bitset of params
        self.origin: dict[sympy.Symbol, tuple] = {}  # def -> (base symbol, wrt multi-index)
        self.names = naming.Namer()
        self._flat: dict[sympy.Symbol, sympy.Expr] = {}
        # caches used by calculus: (base, multi-index) -> expr
        self.dmemo: dict[tuple, sympy.Expr] = {}

    # -- building ---------------------------------------------------------------
    def param(self, name: str) -> sympy.Symbol:
        """A new real scalar input symbol called exactly ``name``."""
        if name in self.names._taken:
            raise ValueError(f"parameter name {name!r} is already used")
        self.names.reserve(name)
        sym = sympy.Symbol(name, real=True)
        self.bit[sym] = 1 << len(self.params)
        self.deps[sym] = self.bit[sym]
        self.index[sym] = -1 - len(self.params)
        self.params.append(sym)
        return sym

    def reserve(self, name: str) -> None:
        """Keep ``name`` from ever being handed out (parameter names of shaped params)."""
        self.names.reserve(name)

    def define(self, hint: str, expr: Any, origin: tuple | None = None) -> Any:
        """Name ``expr`` as a new intermediate and return its symbol.

        Atoms (numbers, symbols) and non-numeric values (booleans, relations) are
        returned unchanged: naming them would only add lines.
        """
        if not isinstance(expr, sympy.Expr) or expr.is_Atom:
            return expr
        sym = sympy.Symbol(self.names.fresh(hint), real=True)
        self.defs[sym] = expr
        self.index[sym] = len(self.index)
        d = 0
        for s in expr.free_symbols:
            d |= self.deps.get(s, 0)
        self.deps[sym] = d
        self.origin[sym] = origin if origin is not None else (sym, ())
        return sym

    def dependence(self, expr: Any) -> int:
        """Bitset of the parameters ``expr`` depends on."""
        if not isinstance(expr, sympy.Basic):
            return 0
        d = 0
        for s in expr.free_symbols:
            d |= self.deps.get(s, 0)
        return d

    # -- reading ----------------------------------------------------------------
    def needed(self, exprs) -> list[sympy.Symbol]:
        """The definitions ``exprs`` use, directly or not, in topological order."""
        seen: set[sympy.Symbol] = set()
        stack = [s for e in exprs if isinstance(e, sympy.Basic) for s in e.free_symbols]
        while stack:
            s = stack.pop()
            if s in seen or s not in self.defs:
                continue
            seen.add(s)
            stack.extend(self.defs[s].free_symbols)
        return sorted(seen, key=self.index.__getitem__)

    def flatten(self, expr: Any) -> Any:
        """``expr`` with every intermediate replaced by its definition (``F.expr``)."""
        if not isinstance(expr, sympy.Basic):
            return expr
        for s in self.needed([expr]):
            if s not in self._flat:
                d = self.defs[s]
                self._flat[s] = d.xreplace({u: self._flat[u] for u in d.free_symbols if u in self._flat})
        return expr.xreplace({u: self._flat[u] for u in expr.free_symbols if u in self._flat})


@dataclass
class Traced:
    """What the front end hands on: the graph, the inputs and the outputs.

    ``symbols`` maps each parameter name to its sympy Symbol, or, for a parameter
    declared with a shape, to a numpy object array of element symbols.
    ``outputs`` is a numpy object array of sympy expressions; its shape is ``()``
    for a scalar function, ``(m,)`` for a tuple/list return, or an array's shape.
    ``vector`` says a tuple/list/array was returned (so ``F.expr`` is a Matrix).
    """

    graph: Graph
    name: str
    params: tuple[str, ...]
    symbols: dict[str, Any]
    outputs: np.ndarray
    vector: bool = False
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    filename: str = "<unknown>"
