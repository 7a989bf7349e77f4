"""Passes over a finished graph, before code is printed: fewer passes over large arrays.

``simplify`` rewrites one node as it is made and cannot see how often a value is
used. These passes run on the outputs of a function (``optimize(g, outputs)``), with
the use counts known, and rebuild what they change (the graph is hash-consed: an
unchanged node stays the same node):

- **A constant factor goes to the smallest array it can multiply.** Derivatives are
  full of ``c * (A @ B)`` and ``c * (x * y)`` (the ``1/n`` of a mean, the ``2`` of a
  square, the ``2`` of ``t*dt + dt*t``); when the product is used once, ``c`` scales
  its smallest operand instead (``(c * A) @ B``, an n-by-10 array rather than the
  n-by-64 result), which saves one pass over the large array.
- **A constant factor of a large operand comes out of a contraction** whose result is
  smaller (``(-2 * R) @ V`` is ``-2 * (R @ V)``), so the scaled large array is never
  made when every contraction takes the factor out.
- **A sum of two contractions of the same form is one contraction** over the
  concatenated summation axis (``A1 @ B1.T + A2 @ B2.T`` is
  ``[A1 A2] @ [B1 B2].T``): one BLAS call and no large temporary to add, when the
  result is larger than the operands that get concatenated (a product of a tall
  array with a narrow one, as forward-over-reverse makes in the MLP's
  Hessian-vector product).

Sizes are compared when they are numbers; with named sizes an array is smaller than
another when their sizes' ratio is a product of named sizes (``n*d`` over ``d``).
"""

from __future__ import annotations

import sympy

from .ir import Node, size_of
from .reverse import topological


def _size(node: Node):
    return size_of(node.shape) if node.shape else 1


def smaller(a, b) -> bool:
    """Is an array of ``a`` elements (a size expression) surely smaller than one of ``b``?"""
    if isinstance(a, int) and isinstance(b, int):
        return a < b
    try:
        r = sympy.cancel(sympy.sympify(b) / sympy.sympify(a))
    except (TypeError, ValueError, ZeroDivisionError):    # pragma: no cover - defensive
        return False
    if r == 1 or not r.free_symbols:
        return bool(r.is_number and r > 1)
    num, den = sympy.fraction(r)
    if den != 1:
        return False
    coeff, factors = num.as_coeff_mul()
    return coeff >= 1 and all(f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Integer
                                              and f.exp > 0) for f in factors)


def _is_scalar_const(n: Node) -> bool:
    return n.op == "const" and isinstance(n.attrs[0], float)


def _is(n: Node, fname: str) -> bool:
    return n.op == "ewise" and n.attrs[0] == fname


class _Pass:
    def __init__(self, g, outputs):
        self.g = g
        self.order = topological(outputs)
        self.uses: dict = {}
        for n in self.order:
            for a in n.args:
                self.uses[id(a)] = self.uses.get(id(a), 0) + 1
        for o in outputs:
            self.uses[id(o)] = self.uses.get(id(o), 0) + 2
        self.new: dict = {}

    def once(self, n: Node) -> bool:
        return self.uses.get(id(n), 0) == 1

    def get(self, n: Node) -> Node:
        return self.new.get(id(n), n)

    def rebuilt(self, n: Node, args) -> Node:
        """``n`` over new arguments (the same node when none changed)."""
        if all(a is b for a, b in zip(args, n.args)):
            return n
        g = self.g
        if n.op == "ewise":
            return g.ewise(n.attrs[0], *args)
        if n.op == "einsum":
            return g.einsum(n.attrs[0], n.attrs[1], *args)
        return g.make(n.op, args, n.attrs, n.shape, n.dtype)

    # -- constant factors --------------------------------------------------------------
    def pushed(self, c: float, x: Node, limit) -> Node | None:
        """A node equal to ``c * x`` (``x`` an old node) with ``c`` on an array smaller
        than ``limit`` elements, found down products used only once; None if none is."""
        if self.once(x):
            if _is(x, "neg"):
                return self.pushed(-c, x.args[0], limit)
            cands = ()
            if _is(x, "mul") or (x.op == "einsum" and len(x.args) > 1):
                cands = sorted(range(len(x.args)), key=lambda k: _rank(x.args[k]))
            elif _is(x, "div"):
                cands = (0,)
            for k in cands:
                inner = self.pushed(c, x.args[k], limit)
                if inner is not None:
                    args = [self.get(b) for b in x.args]
                    args[k] = inner
                    if x.op == "einsum":
                        return self.g.einsum(x.attrs[0], x.attrs[1], *args)
                    return self.g.ewise(x.attrs[0], *args)
        if smaller(_size(x), limit):
            return self.g.mul(c, self.get(x))
        return None

    def scale_out(self, n: Node) -> Node | None:
        """``einsum(c * A, B)`` as ``c * einsum(A, B)`` where the result is smaller than
        ``A`` (``-2 * R`` used by ``R @ V`` and ``R.T @ U``: the large ``-2 * R`` is then
        never made)."""
        scale, args = 1.0, []
        for a in (self.get(x) for x in n.args):
            while True:
                if _is(a, "neg"):
                    scale, a = -scale, a.args[0]
                elif _is(a, "mul") and _is_scalar_const(a.args[0]) and a.args[1].shape == a.shape:
                    scale, a = scale * a.args[0].attrs[0], a.args[1]
                else:
                    break
            args.append(a)
        if scale == 1.0 and all(a is self.get(x) for a, x in zip(args, n.args)):
            return None
        stripped = [a for a, x in zip(args, n.args) if a is not self.get(x)]
        if not all(smaller(_size(n), _size(a)) for a in stripped):
            return None
        out = self.g.einsum(n.attrs[0], n.attrs[1], *args)
        return out if scale == 1.0 else self.g.mul(scale, out)

    # -- sums of contractions ------------------------------------------------------------
    def merged_contraction(self, n: Node) -> Node | None:
        """``einsum(A1, B1) + einsum(A2, B2)`` of one form as one einsum over the
        concatenated summation axis, or None."""
        if not all(self.once(x) for x in n.args):
            return None
        a, b = (self.get(x) for x in n.args)
        if a.op != "einsum" or b.op != "einsum" or a.attrs != b.attrs or len(a.args) != 2:
            return None
        if a.shape != n.shape:
            return None
        inputs, output = a.attrs
        shared = set(inputs[0]) & set(inputs[1])
        summed = [c for c in shared if c not in output]
        if len(summed) != 1 or any(len(set(s)) != len(s) for s in inputs):
            return None
        (k,) = summed
        if any(c not in output for s in inputs for c in s if c != k):
            return None
        ax = [s.index(k) for s in inputs]
        for j in range(2):              # the operands agree on every axis but the summed one
            x, y = a.args[j], b.args[j]
            if any(dx != dy for i, (dx, dy) in enumerate(zip(x.shape, y.shape)) if i != ax[j]):
                return None
        parts = sum(_size(x) for x in a.args + b.args)
        if not smaller(parts, _size(n)):
            return None
        g = self.g
        ops = [g.concat([a.args[j], b.args[j]], ax[j]) for j in range(2)]
        return g.einsum(inputs, output, *ops)

    def run(self, outputs):
        for n in self.order:
            if not n.args:
                continue
            if _is(n, "mul") and _is_scalar_const(n.args[0]) and n.args[1].op in ("ewise", "einsum"):
                c, x = n.args
                out = self.pushed(c.attrs[0], x, _size(x))
                if out is not None:
                    self.new[id(n)] = out
                    continue
            if n.op == "einsum":
                out = self.scale_out(n)
                if out is not None:
                    self.new[id(n)] = out
                    continue
            if _is(n, "add"):
                out = self.merged_contraction(n)
                if out is not None:
                    self.new[id(n)] = out
                    continue
            out = self.rebuilt(n, [self.get(a) for a in n.args])
            if out is not n:
                self.new[id(n)] = out
        return [self.get(o) for o in outputs]


def _rank(n: Node):
    """A sort key: known sizes by number, named sizes after them by dimension."""
    s = _size(n)
    return (0, s) if isinstance(s, int) else (1, n.ndim)


def optimize(g, outputs) -> list:
    """``outputs`` rebuilt by the passes above (see the module docstring)."""
    return _Pass(g, list(outputs)).run(list(outputs))
