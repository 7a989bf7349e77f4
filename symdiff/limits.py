"""Limits on what symdiff accepts, and the errors that name them.

* ``MAX_ORDER``: the highest total derivative order ``F.diff``/``sd.derivative``/
  ``sd.check``/the CLI compute (each order is one more pass over the graph; a
  typo such as ``order=10**6`` must not hang).
* ``MAX_ITEMS``, ``MAX_UNROLLED_WORK`` and the other sizes past which the reader
  (``symdiff.read``) refuses a constant computation or a loop instead of running
  it for minutes or filling the memory.
* ``deep(what)``: runs sympy work with Python's recursion limit raised to
  ``RECURSION_LIMIT`` (sympy walks expressions recursively, and long source
  expressions nest deeply); an expression deeper still raises
  ``ExpressionTooLargeError`` saying what was too large and what to do, never a
  bare ``RecursionError``.

>>> check_order(3)
3
>>> check_order(10**6)
Traceback (most recent call last):
...
ValueError: order 1000000 is too high: symdiff computes derivatives up to total order 100
"""

from __future__ import annotations

import functools
import operator
import sys
import threading

from .errors import SymdiffError

#: highest total order of a derivative (sum of the orders in every variable)
MAX_ORDER = 100
#: Python's recursion limit while sympy works on an expression
RECURSION_LIMIT = 12000

# Sizes past which the reader refuses a constant computation instead of running it
# (each would take minutes or all the memory): items of an unrolled loop, a
# comprehension or a repeated sequence; bits of an integer power; arguments of
# factorial/comb/perm.
MAX_ITEMS = 1_000_000
MAX_INT_BITS = 1 << 20
MAX_FACTORIAL = 100_000
#: integer exponents of symbolic powers above this are read as floats (same values)
MAX_EXACT_EXPONENT = 10_000
#: nested helper calls; deeper means (probably) unbounded recursion
MAX_INLINE_DEPTH = 40
#: a loop over range() with at least this many steps is first read once with its
#: index standing for all steps at once (lanes, see ``read.loops``); shorter loops,
#: and bodies a lane cannot stand for, are unrolled
VECTOR_MIN = 16
#: AST nodes an unrolled loop may read in all its steps (its first step's count,
#: helpers included, times the steps): about half a minute of reading
MAX_UNROLLED_WORK = 1_000_000


#: largest expression (nodes written out, nesting depth) that is printed in full
PRINT_NODES = 200_000
PRINT_DEPTH = 400


class ExpressionTooLargeError(SymdiffError):
    """An expression nests deeper than sympy can walk (Python's recursion limit), or is
    too large to print written out."""


def expression_size(expr, defs=None) -> tuple[int, int]:
    """``(nodes, depth)`` of ``expr`` written out as a tree, computed on the shared
    DAG (a 3000-step loop has about 2**3000 nodes written out, a few thousand shared).

    ``expr`` may be a list or Matrix of expressions. With ``defs`` (a graph's
    intermediate -> definition), each intermediate counts as its definition written
    out: the size of the flat expression, without building it (sympy's Min/Max
    compare their arguments when built, which can take exponential time).
    """
    if getattr(expr, "is_Matrix", False) or isinstance(expr, (list, tuple)):
        roots = list(expr)
    else:
        roots = [expr]
    defs = defs or {}
    memo: dict = {}
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if node in memo:
                continue
            inner = defs.get(node) if getattr(node, "is_Symbol", False) else None
            if inner is not None:                # an intermediate: its definition's size
                if done:
                    memo[node] = memo[inner]
                else:
                    stack.append((node, True))
                    if inner not in memo:
                        stack.append((inner, False))
                continue
            args = getattr(node, "args", ())
            if done or not args:
                sizes = [memo[a] for a in args]
                memo[node] = (1 + sum(n for n, _ in sizes), 1 + max((d for _, d in sizes), default=0))
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in args if a not in memo)
    sizes = [memo[r] for r in roots]
    return sum(n for n, _ in sizes), max((d for _, d in sizes), default=0)


def too_large_to_print(expr, defs=None) -> str | None:
    """Why ``expr`` (with ``defs``, see ``expression_size``) is too large or too deep
    to print written out, or None."""
    nodes, depth = expression_size(expr, defs)
    if nodes <= PRINT_NODES and depth <= PRINT_DEPTH:
        return None
    size = f"{nodes:,}" if nodes < 10**12 else f"about 10**{len(str(nodes)) - 1}"
    return (f"written out, the expression has {size} nodes nested {depth} deep (printing is "
            f"limited to {PRINT_NODES:,} nodes and depth {PRINT_DEPTH})")


def printable(why: str | None, what: str) -> None:
    """Raise ``ExpressionTooLargeError`` for ``what`` if ``why`` (from
    ``too_large_to_print``) says the expression is too large or deep to print."""
    if why is not None:
        raise ExpressionTooLargeError(f"{what}: {why}; F.source shows the same computation "
                                      "step by step, with shared parts named")


def check_order(order, minimum: int = 1, times: int = 1, already: int = 0,
                what: str = "order") -> int:
    """``order`` as an int ``>= minimum``; ``TypeError`` for a non-integer (bool
    included), ``ValueError`` below ``minimum`` or when the total order
    ``already + order * times`` (``F.diff("x", "y", order=60)``: 120) passes ``MAX_ORDER``."""
    if isinstance(order, bool) or not hasattr(order, "__index__"):
        raise TypeError(f"{what} must be an integer, not {order!r} ({type(order).__name__})")
    order = operator.index(order)
    if order < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{what} must be {kind} integer, not {order}")
    total = already + order * times
    if total > MAX_ORDER:
        raise ValueError(f"{what} {order} is too high: symdiff computes derivatives up to "
                         f"total order {MAX_ORDER}" + (f" (this one would be {total})"
                                                       if total != order else ""))
    return order


_lock = threading.Lock()
_active = 0
_saved = 0


def _enter():
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = sys.getrecursionlimit()
            if _saved < RECURSION_LIMIT:
                sys.setrecursionlimit(RECURSION_LIMIT)
        _active += 1


def _leave():
    global _active
    with _lock:
        _active -= 1
        if _active == 0 and _saved < RECURSION_LIMIT:
            sys.setrecursionlimit(_saved)


def too_deep(what: str, cause: str = "") -> ExpressionTooLargeError:
    """The error for an expression nested too deeply, while doing ``what``."""
    cause = cause or (f"the expression nests too deeply for sympy (Python's recursion "
                      f"limit of {RECURSION_LIMIT} was reached)")
    return ExpressionTooLargeError(
        f"{what}: {cause}; write it in steps (assign parts to local variables in a "
        "function, or split the string), or ask for a lower order")


def run_deep(what, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the raised recursion limit; ``RecursionError``
    becomes ``ExpressionTooLargeError`` naming ``what`` (a string, or a callable
    giving it, so the message is built only on failure). The limit is restored when
    the outermost guarded call of any thread returns."""
    _enter()
    try:
        return fn(*args, **kwargs)
    except RecursionError:
        raise too_deep(what() if callable(what) else what) from None
    finally:
        _leave()


def deep(what):
    """Decorator form of :func:`run_deep`; a callable ``what`` gets the call's arguments."""
    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            text = (lambda: what(*args, **kwargs)) if callable(what) else what
            return run_deep(text, fn, *args, **kwargs)
        return guarded
    return decorate
