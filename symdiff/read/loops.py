"""Loops and lanes: ``for`` unrolled, or read once for every step (vectorised).

A loop over ``range()`` with at least ``VECTOR_MIN`` steps is first read once with
its index standing for all steps at once (a ``LaneIndex``; ``vectorize_loop``): a
value that outlives the loop must be a sum over the steps or the same in every
step, and then the loop becomes sums over lanes (``LaneSum``). Otherwise the loop
is unrolled: its body is pushed once per item on the statement runner's stack,
the first step alone and the rest once the first step's work (AST nodes read,
helpers included) says the whole loop stays under ``MAX_UNROLLED_WORK``.
"""

from __future__ import annotations

import ast
import itertools
import types
from dataclasses import dataclass

import numpy as np
import sympy

from ..errors import SymdiffError, SymdiffSyntaxError
from ..graph import Graph, LaneSum
from ..limits import MAX_ITEMS, MAX_UNROLLED_WORK, VECTOR_MIN
from .base import ReaderBase, walk_no_defs
from .parity import too_long
from .values import MISSING, LoopBind, from_outside


class _NotVectorizable(Exception):
    """The loop body does something a lane cannot stand for: unroll the loop instead."""


class LaneIndex:
    """The index of a vectorised loop: ``start + step*k`` for every lane ``k`` at once.

    Only what keeps it an arithmetic progression is allowed (adding, subtracting
    and multiplying by integers, indexing a shaped parameter); anything else
    (comparing it, using it as a number) makes the loop unroll.
    """

    __slots__ = ("start", "step", "count")

    def __init__(self, start: int, step: int, count: int):
        self.start, self.step, self.count = start, step, count

    @staticmethod
    def _int(k) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise _NotVectorizable
        return int(k)

    def __add__(self, k):
        return LaneIndex(self.start + self._int(k), self.step, self.count)

    __radd__ = __add__

    def __sub__(self, k):
        return LaneIndex(self.start - self._int(k), self.step, self.count)

    def __rsub__(self, k):
        return LaneIndex(self._int(k) - self.start, -self.step, self.count)

    def __mul__(self, k):
        k = self._int(k)
        if k == 0:
            raise _NotVectorizable
        return LaneIndex(self.start * k, self.step * k, self.count)

    __rmul__ = __mul__

    def __neg__(self):
        return LaneIndex(-self.start, -self.step, self.count)

    def _refuse(self, *args):
        raise _NotVectorizable

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __bool__ = __index__ = __int__ = __float__ = __hash__ = _refuse

    def positions(self) -> list[int]:
        """The index of every lane."""
        return [self.start + self.step * k for k in range(self.count)]


class LaneWatch:
    """The names a vectorised loop's body reads before the step assigns them: values
    carried from one step to the next (``total += term``)."""

    __slots__ = ("before", "carried")

    def __init__(self, before: dict):
        self.before, self.carried = before, set()

    def read(self, name: str, v):
        """Note ``name`` read with value ``v``; return ``v``."""
        if self.before.get(name, MISSING) is v:
            self.carried.add(name)         # read before this step wrote it
        return v


@dataclass
class UnrollRest:
    """Pseudo-statement after an unrolled loop's first step: its other steps, pushed
    when the first step's work says the loop is not too large (``visit_UnrollRest``)."""
    node: ast.For
    items: list
    work: int               # ``Context.work`` when the first step began


class Loops(ReaderBase):
    """``for`` statements, iteration, and vectorised loops."""

    def visit_For(self, node: ast.For):
        iterable = self.visit(node.iter)
        if isinstance(iterable, range) and too_long(iterable):
            self.too_many_steps(node.iter)
        if self.ctx.vectorize and isinstance(iterable, range) and len(iterable) >= VECTOR_MIN \
                and isinstance(node.target, ast.Name) and self.lanes is None \
                and self.vectorize_loop(node, iterable):
            return None
        items = self.iterate(iterable, node.iter)
        if not items:
            return None
        seq: list = [LoopBind(node.target, items[0], node), *node.body]
        if len(items) > 1:
            seq.append(UnrollRest(node, items, self.ctx.work))
        self.frames.append((seq, 0))

    def visit_UnrollRest(self, rest: UnrollRest):
        self.too_much_work(rest.node, "loop", len(rest.items), rest.work)
        seq: list = []
        for v in rest.items[1:]:
            seq.append(LoopBind(rest.node.target, v, rest.node))
            seq.extend(rest.node.body)
        self.frames.append((seq, 0))

    def too_much_work(self, node, what: str, steps: int, start: int):
        """Refuse a loop (or comprehension) of ``steps`` steps unrolled, when its first
        step, begun at ``Context.work == start``, says all of them would read more than
        ``MAX_UNROLLED_WORK`` nodes (minutes of reading)."""
        per_step = self.ctx.work - start
        if per_step * steps <= MAX_UNROLLED_WORK:
            return
        self.fail(node, f"{what} of {steps} steps whose first step read {per_step} nodes of "
                        f"code (helpers included): {per_step * steps} in all, more than the "
                        f"{MAX_UNROLLED_WORK} symdiff unrolls; use a smaller bound, or write "
                        "it as numpy array code on a shaped parameter (np.sum(np.sin(x)) "
                        "instead of a loop over x[i]), which is read once for all steps")

    def vectorize_loop(self, node: ast.For, r: range) -> bool:
        """Read the body once with the index standing for every step; True if that is exact.

        Exact when every value that outlives the loop is a sum over the steps
        (``total += term``, read nowhere else in the body) or the same in every
        step, and the body reads no other value left by a previous step.
        Anything else (recurrences like ``y = y*x + sin(y)``, running sums read
        in the body, indices that wrap around) leaves the loop to be unrolled.
        """
        if any(isinstance(n, (ast.Return, ast.For)) for stmt in node.body
               for n in walk_no_defs(stmt)):
            return False
        before = self.scope.locals
        saved_frames = self.frames
        lanes_before = set(self.g.lanes)
        self.scope.locals = dict(before)
        self.lanes = LaneWatch(before)
        try:
            self.scope.locals[node.target.id] = LaneIndex(r.start, r.step, len(r))
            self.frames = [(node.body, 0)]
            if self.run() is not None:
                raise _NotVectorizable
            after = self.scope.locals
            result = self._lane_results(node, before, after, len(r))
        except (_NotVectorizable, SymdiffError, SymdiffSyntaxError, TypeError, ValueError,
                IndexError, KeyError, AttributeError, ArithmeticError):
            self.scope.locals = before
            self.g.forget_lanes(set(self.g.lanes) - lanes_before)
            return False
        finally:
            self.frames = saved_frames
            self.lanes = None
        self.scope.locals = result
        return True

    def _lane_results(self, node, before, after, count) -> dict:
        """The names after a vectorised loop: sums over the lanes for values
        carried from step to step, the body's value for the others; raises
        ``_NotVectorizable`` where neither is exact."""
        g = self.g
        live = _loaded_outside(self.src.node, node)
        # a list in the order the names were bound, not a set: the loop below
        # names values, and set order (string hashes) would change the numbering
        # of term/lanesum from run to run
        changed = [k for k, v in after.items() if before.get(k, MISSING) is not v]
        carried = self.lanes.carried.intersection(changed)
        # a carried name is read by name only in its own update (_only_updates), so
        # what remains to rule out is a value computed from its running value
        running = [after[k] for k in changed
                   if k in carried and after[k] in g.defs and after[k] is not before[k]]
        result = dict(before)
        for name in changed:
            if name not in live and name not in carried:
                continue                               # a temporary of the body
            old, new = before.get(name, MISSING), after[name]
            if name in carried:
                if old is MISSING or not _only_updates(node, name) \
                        or not isinstance(new, (sympy.Expr, int, float)):
                    raise _NotVectorizable
                part = sympy.sympify(g.defs.get(new, new), strict=True) - sympy.sympify(old, strict=True)
                if _reaches(g, part, running):
                    raise _NotVectorizable
                if any(s in g.lanevalued for s in _free(part)):
                    term = g.define("term", part)
                    value = old + g.define("lanesum", LaneSum(term))
                else:
                    value = old + count * part
                result[name] = g.define(name, value)
            else:
                if _is_lane_value(g, new) or _reaches(g, new, running):
                    raise _NotVectorizable
                result[name] = new                    # the same in every step
        return result

    def lane_subscript(self, base, idx, node):
        """``x[i + c]`` in a vectorised loop: the lane symbol for the slice it covers."""
        idx = idx if isinstance(idx, tuple) else (idx,)
        if not (isinstance(base, np.ndarray) and base.dtype == object) or len(idx) != base.ndim:
            raise _NotVectorizable
        at = [k for k, v in enumerate(idx) if isinstance(v, LaneIndex)]
        if len(at) != 1:
            raise _NotVectorizable
        fixed = []
        for k, v in enumerate(idx):
            if k == at[0]:
                fixed.append(None)
                continue
            v = self.index_value(v, node)
            if not isinstance(v, int):
                raise _NotVectorizable
            fixed.append(v % base.shape[k] if -base.shape[k] <= v < base.shape[k] else v)
        lane = idx[at[0]]
        elements = []
        for p in lane.positions():
            if not 0 <= p < base.shape[at[0]]:
                raise _NotVectorizable                # would wrap around or fail
            fixed[at[0]] = p
            elements.append(base[tuple(fixed)])
        owners = [self.g.element_of.get(e) for e in elements]
        if any(o is None for o in owners) or len({o[0] for o in owners}) != 1:
            raise _NotVectorizable
        param = owners[0][0]
        spec = _progression([o[1] for o in owners])
        if spec is None:
            raise _NotVectorizable
        return self.g.lane(param, spec, elements)

    def iterate(self, value, node) -> list:
        """The items of a loop's iterable, known when the function is read."""
        if isinstance(value, (sympy.Basic,)):
            self.error(node, "loop over a value that depends on the input",
                       "loop over range(n), a tuple or a shaped parameter; bounds must be "
                       "known when the function is read")
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                self.fail(node, "iteration over a 0-d array")
            return [from_outside(v) for v in value]
        if isinstance(value, (range, tuple, list, enumerate, zip, types.GeneratorType)) or \
                type(value).__name__ in ("reversed", "list_reverseiterator", "tuple_reverseiterator",
                                         "range_iterator"):
            items = list(itertools.islice(value, MAX_ITEMS + 1))
            if len(items) > MAX_ITEMS:
                self.too_many_steps(node)
            return [from_outside(v) if isinstance(v, np.generic) else v for v in items]
        self.fail(node, f"cannot loop over a {type(value).__name__}; loop over range(n), "
                        "a tuple/list or a shaped array")


def _free(v) -> set:
    return v.free_symbols if isinstance(v, sympy.Basic) else set()


def _reaches(g: Graph, expr, targets) -> bool:
    """Does ``expr`` use any of ``targets`` (symbols), directly or through definitions?"""
    targets = {t for t in targets if isinstance(t, sympy.Symbol)}
    if not targets:
        return False
    stack, seen = list(_free(expr)), set()
    while stack:
        s = stack.pop()
        if s in targets:
            return True
        if s in seen:
            continue
        seen.add(s)
        if s in g.defs:
            stack.extend(g.defs[s].free_symbols)
    return False


def _is_lane_value(g: Graph, v) -> bool:
    if isinstance(v, (tuple, list)) or (isinstance(v, np.ndarray) and v.dtype == object):
        return any(_is_lane_value(g, e) for e in np.asarray(v, dtype=object).ravel())
    if isinstance(v, LaneIndex):
        return True
    return any(s in g.lanevalued for s in _free(v))


def _loaded_outside(fn_node, loop: ast.For) -> set:
    """Names read anywhere in the function except inside ``loop``'s body."""
    inside = {id(n) for stmt in loop.body for n in ast.walk(stmt)}
    return {n.id for n in ast.walk(fn_node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in inside}


def _only_updates(loop: ast.For, name: str) -> bool:
    """``name`` is updated by one top-level ``name += ...`` / ``name = name + ...`` and read
    nowhere else in the body: a sum over the steps, not a running value."""
    updates = [s for s in loop.body
               if (isinstance(s, ast.AugAssign) and isinstance(s.op, ast.Add)
                   and isinstance(s.target, ast.Name) and s.target.id == name)
               or (isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name
                   and isinstance(s.value, ast.BinOp) and isinstance(s.value.op, ast.Add))]
    if len(updates) != 1:
        return False
    upd = updates[0]
    allowed = set()
    if isinstance(upd, ast.Assign):
        sides = [upd.value.left, upd.value.right]
        own = [x for x in sides if isinstance(x, ast.Name) and x.id == name]
        if len(own) != 1:
            return False
        allowed.add(id(own[0]))
    for stmt in loop.body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) \
                    and id(n) not in allowed:
                return False
    for stmt in loop.body:            # assigned nowhere else (a branch, a tuple target)
        if stmt is upd:
            continue
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
                return False
    return True


def _progression(indices: list) -> tuple | None:
    """``(2, slice(0, 9, 1))`` if the index tuples step along one axis, else None."""
    first, last = indices[0], indices[-1]
    axes = [k for k in range(len(first)) if first[k] != last[k]]
    if len(indices) < 2 or len(axes) != 1:
        return None
    a = axes[0]
    step = indices[1][a] - first[a]
    for k, ix in enumerate(indices):
        if any(ix[j] != first[j] for j in range(len(first)) if j != a) \
                or ix[a] != first[a] + k * step or step == 0:
            return None
    stop = first[a] + step * len(indices)
    spec = list(first)
    spec[a] = slice(first[a], None if stop < 0 else stop, step)
    return tuple(spec)
