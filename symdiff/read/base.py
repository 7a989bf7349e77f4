"""The reader's state and how it reports: ``Context`` and ``ReaderBase``.

``Context`` is shared by a function and every helper it inlines: the graph being
built, how deep the inlining is, whether a branch of a data-dependent ``if`` is
being read, and the source of every function met (obtained once through the
``parse`` pass the driver hands in: see ``pipeline``).

``ReaderBase`` is one activation (one function body being read): its scope, its
pending statements, and ``error``/``fail``, which name the user's file, line and
column. The concerns of the reader (``statements``, ``expressions``, ``branches``,
``calls``, ``loops``, ``parity``) are subclasses of it that ``reader.Reader``
joins; they reach each other through ``self``, never by importing each other.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

from ..errors import SymdiffError, SymdiffSyntaxError
from ..graph import Graph
from ..source import FunctionSource
from .values import Scope


class Context:
    """What a function and everything it inlines share while it is read."""

    def __init__(self, graph: Graph, parse: Callable[[Any], FunctionSource],
                 vectorize: bool = True):
        self.graph = graph
        self.parse = parse
        self.vectorize = vectorize
        self.depth = 0
        # > 0 while a branch of a data-dependent if/ternary is read: what Python does
        # there, it does only for the inputs that take that branch
        self.conditional = 0
        # AST nodes read so far, by every activation: the work of reading (``loops``
        # refuses an unrolled loop whose steps would read too many)
        self.work = 0
        self._parsed: dict[int, tuple[Any, FunctionSource]] = {}
        self.active: list = []          # readers of the functions being read, outermost first

    def parsed(self, fn) -> FunctionSource:
        """Source of ``fn`` through the ``parse`` pass, once per function (raises ``NoSource``)."""
        key = id(fn)
        hit = self._parsed.get(key)
        if hit is not None and hit[0] is fn:
            return hit[1]
        src = self.parse(fn)
        self._parsed[key] = (fn, src)
        return src


class ReaderBase(ast.NodeVisitor):
    """One function body (one activation) read on symbolic values: its state and errors."""

    #: while a vectorised loop's body is read: ``loops.LaneWatch``, which notes the
    #: names read before the step assigns them; None otherwise
    lanes = None

    def __init__(self, ctx: Context, src: FunctionSource, scope: Scope, name: str = "<function>"):
        self.ctx = ctx
        self.g = ctx.graph
        self.src = src
        self.scope = scope
        self.name = name
        self.frames: list[tuple[list, int]] = []
        self._returns: dict[int, bool] = {}
        # names the function assigns anywhere: Python makes them local to the whole
        # function, so reading one before its assignment raises UnboundLocalError
        self._assigned: set = set()

    def visit(self, node):
        """``ast.NodeVisitor.visit``, counting the work: one node read."""
        self.ctx.work += 1
        return getattr(self, "visit_" + node.__class__.__name__, self.generic_visit)(node)

    def error(self, node, construct: str, hint: str):
        """Raise ``SymdiffSyntaxError``: ``construct`` at ``node`` is outside what symdiff reads."""
        lineno = getattr(node, "lineno", 0)
        raise SymdiffSyntaxError(
            f"unsupported {construct}: {hint}", filename=self.src.filename, lineno=lineno,
            col=getattr(node, "col_offset", 0), text=self.src.line(lineno),
            construct=construct, hint=hint)

    def fail(self, node, message: str):
        """Raise ``SymdiffError`` with ``message`` at ``node`` (file:line:col, and the line)."""
        lineno = getattr(node, "lineno", 0)
        where = f"{self.src.filename}:{lineno}:{getattr(node, 'col_offset', 0) + 1}"
        text = self.src.line(lineno)
        line = f"\n    {text.strip()}" if text else ""
        raise SymdiffError(f"{where}: {message}{line}")

    def generic_visit(self, node):
        self.error(node, f"{type(node).__name__} construct",
                   "rewrite it with assignments, if/else and for loops over range(n)")


def walk_no_defs(node):
    """``ast.walk`` that does not enter nested functions or lambdas."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.append(c)
