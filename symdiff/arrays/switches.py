"""Switching values of an array graph: where the value stops being smooth.

``sd.check`` reports a point where a function switches branch (a kink, a tie, a
step) as nondifferentiable instead of failing it, and keeps its finite-difference
steps on one side (``symdiff.check.switching``). For the element-wise reading those
points come from its sympy expression; array code that only the array level reads
(``np.linalg.norm``, ``np.std``, ``np.cumsum``, ...) has none, so they come from the
graph: one float per switching point, 0 exactly at the switch, changing sign across
it.

- ``abs``/``sign``: the argument; ``sqrt`` and a power ``u ** p`` with ``0 < p < 1``:
  the base (the cone of ``np.linalg.norm`` at 0, the vertical tangent of ``x ** 0.5``);
- ``maximum``/``minimum``: the difference of the arguments (a tie); ``clip``: the
  distances to both bounds; ``<``, ``<=``, ``>``, ``>=``: the difference of the sides
  (``where(x > 0, x, 0)``);
- ``arctan2``/``hypot``: the distance to the origin (singular there), and for
  ``arctan2`` the first argument where the second is negative (the jump of the angle);
- ``floor``/``ceil``/``trunc``/``rint``, ``%``: ``sin(pi * argument)``, 0 at the
  integers where they step;
- ``max``/``min`` reductions: 0 where the extreme value is taken more than once;
  ``sort``: the gaps between neighbours in sorted order (0 at a tie).

``==`` and ``!=`` are left out: ``x == max(x)`` holds at the maximum of every point,
and the mask it makes is locally constant wherever there is no tie (which the
reduction's own entry reports).
"""

from __future__ import annotations

import math

from .ir import Node
from .shapes import size_of
from .reverse import topological

_AT_ZERO = {"abs", "fabs", "sign", "sqrt", "cbrt"}
_TIES = {"maximum", "minimum", "gt", "ge", "lt", "le"}
_STEPS = {"floor", "ceil", "trunc", "rint"}


def switch_nodes(g, outputs) -> list[Node]:
    """The switching values (see the module docstring) of the graph behind ``outputs``."""
    found = []
    for node in topological(outputs):
        if node.op == "ewise":
            found += _ewise(g, node)
        elif node.op == "reduce" and node.attrs[0] in ("max", "min"):
            (x,) = node.args
            kind, axes, _ = node.attrs
            top = g.reduce(kind, x, axes, True)
            count = g.sum(g.ewise("eq", x, top), axes, keepdims=True)
            found.append(g.ewise("where", g.ewise("gt", count, 1.5), 0.0, 1.0))
        elif node.op in ("permute", "unpermute"):
            found += _sort_ties(g, node)
    return found


def _sort_ties(g, node) -> list:
    """The gaps between neighbours of the sorted key: 0 at a tie, where the order
    (and so the derivative of a sort) switches."""
    x = node.args[1]
    axis = node.attrs[0]
    if x.shape[axis] == 1:
        return []
    s = g.permute(x, x, axis)

    def part(sl):
        return g.index(s, tuple(sl if k == axis else slice(None) for k in range(x.ndim)))
    return [g.sub(part(slice(1, None)), part(slice(None, -1)))]


def _float(n) -> bool:
    return n.dtype == "f"


def _ewise(g, node) -> list:
    fname, args = node.attrs[0], node.args
    if fname in _AT_ZERO:
        return [args[0]]
    if fname == "pow" and args[1].op == "const" and isinstance(args[1].attrs[0], float) \
            and 0.0 < args[1].attrs[0] < 1.0:
        return [args[0]]
    if fname in _TIES and all(_float(a) for a in args):
        return [g.sub(args[0], args[1])]
    if fname in ("arctan2", "hypot"):
        a, b = args             # singular at the origin; arctan2 jumps across b < 0, a = 0
        out = [g.ewise("hypot", a, b)]
        if fname == "arctan2":
            out.append(g.ewise("where", g.ewise("lt", b, 0.0), a, 1.0))
        return out
    if fname == "clip":
        x, lo, hi = args
        return [g.sub(x, lo), g.sub(x, hi)]
    if fname in _STEPS:
        return [g.ewise("sin", g.mul(math.pi, args[0]))]
    if fname == "mod":
        return [g.ewise("sin", g.mul(math.pi, g.div(args[0], args[1])))]
    return []


def flat(g, nodes) -> Node | None:
    """The switching values as one vector (None when there are none)."""
    parts = []
    for n in nodes:
        if n.op == "const" or (n.op == "broadcast" and n.args[0].op == "const"):
            continue                # a constant never switches (maximum(x, x): x - x)
        parts.append(g.reshape(n, (size_of(n.shape),)) if n.ndim != 1 else n)
    if not parts:
        return None
    return g.concat(parts, 0) if len(parts) > 1 else parts[0]
