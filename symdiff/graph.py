"""The SSA graph: what the reader (``symdiff.read``) builds and what calculus and codegen read.

A function read is not one big sympy tree. Every assignment in the user's code
becomes a named intermediate (a real ``sympy.Symbol``) with a small defining
expression over parameters and earlier intermediates. Derivatives are added to the
same graph as further named intermediates (see ``calculus``), so shared work is
written once and no expression is ever flattened unless the user asks for
``F.expr``.
"""

from __future__ import annotations

import ast
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from . import naming


class _Bits:
    """``bit[p] == 1 << position[p]``, made when asked: storing one n-bit int per
    parameter would take n**2/16 bytes (600 MB for 100,000 elements)."""

    def __init__(self, position):
        self.position = position

    def __getitem__(self, sym):
        return 1 << self.position[sym]

    def __contains__(self, sym):
        return sym in self.position


class _Deps(dict):
    """Bitsets of definitions and lanes; a parameter's own bit is made on demand."""

    def __init__(self, position):
        super().__init__()
        self.position = position

    def get(self, sym, default=None):
        v = dict.get(self, sym)
        if v is not None:
            return v
        p = self.position.get(sym)
        return default if p is None else 1 << p

    def __getitem__(self, sym):
        v = self.get(sym)
        if v is None:
            raise KeyError(sym)
        return v


def _bitset(positions) -> int:
    """The int with exactly these bits set, in linear time (``|=`` in a loop is quadratic)."""
    if not positions:
        return 0
    buf = bytearray(max(positions) // 8 + 1)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")


@dataclass(frozen=True, eq=False)
class Where:
    """The user's statement a definition comes from: ``function``'s statement ``node``
    (an ``ast.stmt``, or a pseudo-statement with a ``node``) in the source ``src``.

    Generated code prints it above the lines that come from it (``# line 4: z = x**2 * y``),
    as Tangent labels each adjoint block with the statement it differentiates.
    """

    function: str
    src: Any
    node: Any

    @property
    def lineno(self) -> int | None:
        n = getattr(self.node, "lineno", None)
        return n if n is not None else getattr(getattr(self.node, "node", None), "lineno", None)

    def text(self) -> str | None:
        """The statement's first line in the user's file, stripped, with `` ...`` if it
        goes on (None if unknown)."""
        n = self.lineno
        line = self.src.line(n) if n is not None and self.src is not None else None
        if not line:
            return None
        node = self.node if hasattr(self.node, "end_lineno") else getattr(self.node, "node", None)
        more = (getattr(node, "end_lineno", None) or n) > n and not isinstance(node, (ast.For, ast.If))
        return line.strip() + (" ..." if more else "")


def _function_name(expr) -> str:
    """What a piece computing ``expr`` is called after: its function, as the user
    writes it (``sqrt``, ``pow``, ``abs``, ``exp``), not sympy's class name."""
    if isinstance(expr, sympy.Pow):
        return {sympy.S.Half: "sqrt", -1: "inv"}.get(expr.exp, "pow")
    if isinstance(expr, sympy.Piecewise):
        return "where"
    return type(expr).__name__.lower()


class LaneSum(sympy.Function):
    """Sum over the lanes of a vectorised loop.

    A loop ``for i in range(n): total += term(x[i], x[i+1])`` is read once with
    ``x[i]`` standing for the whole slice ``x[0:n]`` (a *lane* symbol); the
    term is then lane-valued and ``total`` gains ``LaneSum(term)``. Printed as
    ``numpy.sum(term, axis=0)``; its derivative with respect to every lane of
    its argument is 1.
    """

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return sympy.S.One


class Graph:
    """Ordered SSA definitions ``symbol = expr``; insertion order is a topological order.

    ``deps[s]`` is a bitset (a Python int) of the parameters ``s`` depends on, so that
    "does z depend on x?" is one ``&``, also on graphs with thousands of inputs.

    ``lock`` serialises everything that adds to the graph of a function read (derivatives) or
    reads a consistent snapshot of it (code generation): the graph is shared by a
    function and all its derivatives, which may be asked for from several threads.
    Re-entrant, because building a Hessian builds the gradient first.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.defs: dict[sympy.Symbol, sympy.Expr] = {}
        self.index: dict[sympy.Symbol, int] = {}     # position of a def, or of a param (negative)
        self.params: list[sympy.Symbol] = []         # scalar input symbols, flattened
        self.position: dict[sympy.Symbol, int] = {}  # param -> its bit's position
        self.bit = _Bits(self.position)              # param -> its bit (made on demand)
        self.deps = _Deps(self.position)             # param or def -> bitset of params
        self.origin: dict[sympy.Symbol, tuple] = {}  # def -> (base symbol, wrt multi-index)
        self.names = naming.Namer()
        self._flat: dict[sympy.Symbol, sympy.Expr] = {}
        # caches used by calculus: (base, multi-index) -> expr
        self.dmemo: dict[tuple, sympy.Expr] = {}
        self.pieces: set[sympy.Symbol] = set()       # defs made by _split, not by the user
        self._piece_of: dict[sympy.Expr, sympy.Symbol] = {}   # split expr -> its piece
        # vectorised loops: lane symbol -> (param, index with one slice, element symbols)
        self.lanes: dict[sympy.Symbol, tuple] = {}
        self._lane_keys: dict[tuple, sympy.Symbol] = {}
        self.lanevalued: set[sympy.Symbol] = set()   # lanes and defs computed from them
        self.lanecount: dict[sympy.Symbol, int] = {}  # lane-valued symbol -> its loop's steps
        self.element_of: dict[sympy.Symbol, tuple] = {}   # element symbol -> (param, index)
        # def -> the user's statement it comes from (F.source's "# line N:" comments);
        # ``here`` is the statement being read, set by the reader with ``at``
        self.where: dict[sympy.Symbol, Where] = {}
        self.here: Where | None = None
        self.last: Where | None = None    # the last statement of the function read (its return)

    # -- building ---------------------------------------------------------------
    def param(self, name: str) -> sympy.Symbol:
        """A new real scalar input symbol called exactly ``name``."""
        if name in self.names:
            raise ValueError(f"parameter name {name!r} is already used")
        self.names.reserve(name)
        sym = sympy.Symbol(name, real=True)
        self.position[sym] = len(self.params)
        self.index[sym] = -1 - len(self.params)
        self.params.append(sym)
        return sym

    def element(self, param: str, index: tuple) -> sympy.Symbol:
        """A new input symbol for one element of the shaped parameter ``param``."""
        sym = self.param(naming.element(param, index))
        self.element_of[sym] = (param, index)
        return sym

    def lane(self, param: str, index: tuple, elements: list) -> sympy.Symbol:
        """The symbol standing for ``param[index]``, where ``index`` holds one slice."""
        key = (param, tuple((k.start, k.stop, k.step) if isinstance(k, slice) else k
                            for k in index))        # slices hash only from Python 3.12
        sym = self._lane_keys.get(key)
        if sym is None:
            sym = sympy.Symbol(self.names.fresh(f"{param}_lane"), real=True)
            self.deps[sym] = _bitset([self.position[e] for e in elements])
            self.lanes[sym] = (param, index, list(elements))
            self.lanevalued.add(sym)
            self.lanecount[sym] = len(elements)
            self._lane_keys[key] = sym
        return sym

    def forget_lanes(self, lanes) -> None:
        """Drop lanes of an abandoned vectorisation attempt (their defs stay, unused)."""
        for sym in lanes:
            param, index, _ = self.lanes.pop(sym)
            self._lane_keys = {k: v for k, v in self._lane_keys.items() if v is not sym}
            self.lanevalued.discard(sym)

    def reserve(self, name: str) -> None:
        """Keep ``name`` from ever being handed out (parameter names of shaped params)."""
        self.names.reserve(name)

    @contextmanager
    def at(self, function: str, src, node):
        """Definitions made inside come from ``function``'s statement ``node`` (in ``src``).

        Nested uses (a helper called, a loop body read) restore the outer statement
        when they end, so what the outer statement defines afterwards is its own.
        """
        outer = self.here
        self.here = Where(function, src, node)
        try:
            yield
        finally:
            if outer is None:
                self.last = self.here
            self.here = outer

    def define(self, hint: str, expr: Any, origin: tuple | None = None,
               shared: bool = False, where: Where | None = None) -> Any:
        """Name ``expr`` as a new intermediate and return its symbol.

        Atoms (numbers, symbols) and non-numeric values (booleans, relations) are
        returned unchanged: naming them would only add lines. With ``shared``, an
        expression already named this way gets the same symbol back (value
        numbering), so ``sqrt(T)`` written twice is one value with one adjoint.
        ``where`` is the user's statement it comes from: by default the statement
        being read, for a derivative (``origin``) that of the value differentiated.
        """
        if not isinstance(expr, sympy.Expr) or expr.is_Atom:
            return expr
        if where is None:
            where = self.where.get(origin[0]) if origin is not None else self.here
        outer, self.here = self.here, where      # pieces split off come from there too
        try:
            expr = self._split(expr, naming.sanitize(hint))
        finally:
            self.here = outer
        if expr.is_Atom:
            return expr
        if shared:
            sym = self._piece_of.get(expr)
            if sym is not None:
                return sym
        sym = sympy.Symbol(self.names.fresh(hint), real=True)
        if shared:
            self._piece_of[expr] = sym
        self.defs[sym] = expr
        if where is not None:
            self.where[sym] = where
        self.index[sym] = len(self.index)
        d = 0
        for s in expr.free_symbols:
            d |= self.deps.get(s, 0)
        self.deps[sym] = d
        self.origin[sym] = origin if origin is not None else (sym, ())
        if self.lanevalued and not isinstance(expr, LaneSum):
            for s in expr.free_symbols:
                if s in self.lanevalued:
                    self.lanevalued.add(sym)
                    self.lanecount[sym] = self.lanecount[s]
                    break
        return sym

    def _split(self, expr, owner: str):
        """Give every function application inside ``expr`` its own definition.

        ``r = exp(sin(x))*log(y)`` becomes ``r_sin = sin(x); r_exp = exp(r_sin);
        r_log = log(y); r = r_exp*r_log``. Sums, products and integer powers of
        named values stay inline. Then each definition is one primitive over
        named values, so its derivative is one small expression over named
        derivatives: the tenth derivative is a recurrence over the ninth, not a
        tree that grows with every order. Pieces are named after the user's
        variable ``owner`` and the function (``r_exp``); a compound argument after
        the function it is passed to (``sin_arg`` in ``sin(x*y)``), so that the
        adjoints read ``sin_arg_bar``.
        """
        if expr.is_Atom or not expr.args:
            return expr
        if isinstance(expr, sympy.Add):
            args = [self._operand(self._split(a, owner), owner) for a in expr.args]
        elif isinstance(expr, sympy.Mul):
            args = [self._operand(self._split(a, owner), owner) for a in expr.args]
            # products of more than two values: name the partial products, so
            # the n-th derivative is Leibniz' n+1 terms over named derivatives
            coeff = [a for a in args if not a.free_symbols]     # 2, 1/sqrt(pi)
            factors = [a for a in args if a.free_symbols]
            if len(factors) > 2:
                acc = factors[0]
                for f in factors[1:-1]:
                    acc = self._piece(f"{owner}_prod", acc * f)
                args = coeff + [acc, factors[-1]]
                return sympy.Mul(*args)
        elif isinstance(expr, sympy.Piecewise):
            return sympy.Piecewise(*[(self._operand(self._split(e, owner), owner, "branch"), c)
                                     for e, c in expr.args])
        elif isinstance(expr, sympy.Pow) and expr.exp.is_Integer:
            args = [self._operand(self._split(expr.base, owner), owner, "base"), expr.exp]
        elif isinstance(expr, sympy.Pow) and expr.exp.is_Rational and expr.exp < 0 \
                and expr.base.free_symbols:
            # b**(-1/2) as 1/sqrt(b): the root is shared with sqrt(b) elsewhere
            root = self._operand(self._split(expr.base ** -expr.exp, owner), owner)
            return sympy.Pow(root, -1)
        elif all(isinstance(a, sympy.Expr) for a in expr.args):
            arg = f"{_function_name(expr)}_arg"
            args = [self._operand(self._split(a, owner), owner, arg) for a in expr.args]
        else:
            return expr
        return expr if all(a is b for a, b in zip(args, expr.args)) else expr.func(*args)

    def _operand(self, arg, owner, compound=None):
        """``arg`` as an operand: inline if it is cheap to repeat, else a named value.

        ``compound``: the name for a sum, product or power passed to a function (which
        must then be named too), e.g. ``sin_arg``; None where they stay inline.
        """
        if arg.is_Atom or not isinstance(arg, sympy.Expr) or not arg.free_symbols:
            return arg                      # constants stay inline (codegen folds them)
        if isinstance(arg, (sympy.Add, sympy.Mul)):
            if compound is None or (isinstance(arg, sympy.Mul) and len(arg.args) == 2
                                    and arg.args[0].is_Number and arg.args[1].is_Atom):
                return arg                  # -x, 2*x, or a sum inside a sum
        elif isinstance(arg, sympy.Pow) and arg.base.is_Atom and arg.exp.is_Integer \
                and arg.exp > 0:
            return arg                      # x**2
        if compound is not None and isinstance(arg, (sympy.Add, sympy.Mul, sympy.Pow)):
            return self._piece(compound, arg)
        return self._piece(f"{owner}_{_function_name(arg)}", arg)

    def _piece(self, what, expr):
        sym = self.define(what, expr, shared=True)
        if sym in self.defs:
            self.pieces.add(sym)
        return sym

    def inlinable(self, sym) -> bool:
        """A piece made by ``_split`` (or a derivative of one): may be printed inline."""
        return sym in self.pieces or self.origin.get(sym, (None,))[0] in self.pieces

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
class Reading:
    """What reading a function (``symdiff.read``) hands on: the graph, the inputs and the outputs.

    ``symbols`` maps each parameter name to its sympy Symbol, or, for a parameter
    declared with a shape, to a numpy object array of element symbols.
    ``outputs`` is a numpy object array of sympy expressions; its shape is ``()``
    for a scalar function, ``(m,)`` for a tuple/list return, or an array's shape.
    ``vector`` says a tuple/list (True) or an array (``"array"``: F returns an
    ndarray) was returned, so ``F.expr`` is a Matrix.
    """

    graph: Graph
    name: str
    params: tuple[str, ...]
    symbols: dict[str, Any]
    outputs: np.ndarray
    vector: bool | str = False
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    filename: str = "<unknown>"
