"""Branches: truth known when the function is read, or ``sympy.Piecewise``.

A condition known when the function is read picks its branch (``truth``). A
data-dependent ``if`` reads both branches and merges what they assign with
``sympy.Piecewise`` (``merge_envs``/``merge``); a branch that returns takes the rest
of the function as its continuation. The ternary and ``and``/``or`` are read the
same way, as values.
"""

from __future__ import annotations

import ast
import contextlib
import types

import numpy as np
import sympy

from .base import ReaderBase, walk_no_defs
from .values import MISSING, Return, Undefined, as_condition, bools_as_ints, is_boolean, is_scalar


class Branches(ReaderBase):
    """``if``, the ternary, ``and``/``or`` and truth values."""

    def truth(self, v, node) -> bool | None:
        """True/False when known when the function is read, None when it depends on the input."""
        if isinstance(v, (bool, int, float, np.generic, str, tuple, list, range)) or v is None:
            return bool(v)
        if isinstance(v, sympy.logic.boolalg.BooleanAtom):
            return bool(v)
        if isinstance(v, sympy.Basic):
            if isinstance(v, sympy.Number):
                return bool(v != 0)
            if isinstance(v, sympy.Expr) and not v.free_symbols:     # pi, sqrt(2), ...
                zero = v.is_zero
                if zero is not None:
                    return not zero
            return None
        if isinstance(v, np.ndarray):
            self.fail(node, "the truth value of an array is ambiguous; use np.where or index an element")
        if any(isinstance(getattr(type(v), h, None), types.FunctionType) for h in ("__bool__", "__len__")):
            self.fail(node, f"the truth value of a {type(v).__name__} is computed by its own code; "
                            "test a number instead")
        return bool(v)

    def test(self, node):
        """The value of an ``if``/ternary test: only its truth matters, so ``a or b``
        is ``Or(a != 0, b != 0)`` rather than the value it picks."""
        if not isinstance(node, ast.BoolOp):
            return self.visit(node)
        is_and = isinstance(node.op, ast.And)
        parts = []
        for e in node.values:
            v = self.test(e)
            known = self.truth(v, e)
            if known is None:
                parts.append(as_condition(v))
            elif known is not is_and:          # decides
                return (sympy.false if is_and else sympy.true) if parts else v
        if not parts:
            return sympy.true if is_and else sympy.false
        return sympy.And(*parts) if is_and else sympy.Or(*parts)

    def visit_BoolOp(self, node: ast.BoolOp):
        """``a or b`` is ``a`` if ``a`` is true, else ``b``; ``a and b`` is ``a`` if ``a``
        is false, else ``b``: values, not bools (``x or 2`` is 2 where x == 0).
        Operands whose truth is known when the function is read decide or drop out;
        the others become a Piecewise, or And/Or when every one is a condition."""
        is_and = isinstance(node.op, ast.And)
        unknown = []
        final = None
        for i, e in enumerate(node.values):
            v = self.visit(e)
            if i == len(node.values) - 1:
                final = v
                break
            known = self.truth(v, e)
            if known is None:
                unknown.append(v)
            elif known is not is_and:          # decides: Python stops here
                final = v
                break
        if not unknown:
            return final
        if not is_scalar(final):
            self.error(node, f"`{'and' if is_and else 'or'}` between a number whose truth depends "
                             f"on the input and a {type(final).__name__}",
                       "its value would be a number for some inputs and a "
                       f"{type(final).__name__} for others; use an if statement")
        if all(is_boolean(v) for v in unknown + [final]):
            parts = [as_condition(v) for v in unknown + [final]]
            return sympy.And(*parts) if is_and else sympy.Or(*parts)
        result = bools_as_ints(final)
        for v in reversed(unknown):
            cond = as_condition(v)
            result = sympy.Piecewise((bools_as_ints(v), sympy.Not(cond) if is_and else cond),
                                     (result, True))
        return result

    def visit_If(self, node: ast.If):
        cond = self.test(node.test)
        known = self.truth(cond, node.test)
        if known is not None:
            branch = node.body if known else node.orelse
            if branch:
                self.frames.append((branch, 0))
            return None
        cond = as_condition(cond)
        key = id(node)
        if key not in self._returns:
            self._returns[key] = self._has_return(node.body) or self._has_return(node.orelse)
        saved_frames = self.frames
        before = self.scope.locals
        if not self._returns[key]:
            envs = []
            for branch in (node.body, node.orelse):
                self.scope.locals = dict(before)
                self.frames = [(branch, 0)]
                with self._conditional():
                    self.run()
                envs.append(self.scope.locals)
            self.scope.locals = self.merge_envs(envs[0], envs[1], cond, node)
            self.frames = saved_frames
            return None
        # a branch returns: each branch continues with the rest of the function
        results = []
        for branch in (node.body, node.orelse):
            self.scope.locals = dict(before)
            self.frames = list(saved_frames) + [(branch, 0)]
            with self._conditional():
                r = self.run()
            if r is None:
                self.fail(node, f"function {self.name!r} has no return statement on some path "
                                "through this if; every path must return a value")
            results.append(r.value)
        self.frames = []
        self.scope.locals = before
        return Return(self.merge(results[0], results[1], cond, node, hint="ret"))

    def _has_return(self, stmts) -> bool:
        """Does any statement of ``stmts`` (outside nested defs) return?"""
        for stmt in stmts:
            for n in walk_no_defs(stmt):
                if isinstance(n, ast.Return):
                    return True
        return False

    @contextlib.contextmanager
    def _conditional(self):
        """Mark what is read inside as read for some inputs only (``Context.conditional``)."""
        self.ctx.conditional += 1
        try:
            yield
        finally:
            self.ctx.conditional -= 1

    def visit_IfExp(self, node: ast.IfExp):
        cond = self.test(node.test)
        known = self.truth(cond, node.test)
        if known is not None:
            return self.visit(node.body if known else node.orelse)
        with self._conditional():
            a, b = self.visit(node.body), self.visit(node.orelse)
        return self.merge(a, b, as_condition(cond), node)

    def merge_envs(self, env_t: dict, env_e: dict, cond, node) -> dict:
        """The names after a data-dependent ``if``: each ``Piecewise`` of its two
        branches' values, ``Undefined`` where only one branch assigns it."""
        out = {}
        for name in list(env_t) + [n for n in env_e if n not in env_t]:
            a = env_t.get(name, MISSING)
            b = env_e.get(name, MISSING)
            if a is b:
                out[name] = a
            elif a is MISSING or b is MISSING or isinstance(a, Undefined) or isinstance(b, Undefined):
                out[name] = Undefined(name, node)
            else:
                out[name] = self.merge(a, b, cond, node, hint=name)
        return out

    def merge(self, a, b, cond, node, hint: str | None = None):
        """``a if cond else b`` for two values read of the same structure."""
        if a is b:
            return a
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and type(a) is type(b):
            if len(a) != len(b):
                self.fail(node, f"the branches give sequences of different lengths ({len(a)} and {len(b)})")
            return type(a)(self.merge(u, v, cond, node, hint) for u, v in zip(a, b))
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a_, b_ = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
            if a_.shape != b_.shape:
                self.fail(node, f"the branches give arrays of different shapes ({a_.shape} and {b_.shape})")
            out = np.empty(a_.shape, dtype=object)
            for idx in np.ndindex(a_.shape):
                out[idx] = self.merge(a_[idx], b_[idx], cond, node, hint)
            return out
        if not (is_scalar(a) and is_scalar(b)):
            if a is None and b is None:
                return None
            self.fail(node, f"a name holds different non-numeric values ({type(a).__name__} and "
                            f"{type(b).__name__}) after a data-dependent if; keep it the same in both branches")
        try:
            if a == b and type(a) is type(b):
                return a
        except TypeError:
            pass
        if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)) \
                and not (is_boolean(a) or is_boolean(b)):
            # True in one branch, a number in the other: Python's bool is the int 1
            a, b = bools_as_ints(a, conditions=False), bools_as_ints(b, conditions=False)
        elif is_boolean(a) or is_boolean(b) or isinstance(a, bool) and isinstance(b, bool):
            ca = a if not isinstance(a, bool) else sympy.true if a else sympy.false
            cb = b if not isinstance(b, bool) else sympy.true if b else sympy.false
            return sympy.Or(sympy.And(cond, as_condition(ca)), sympy.And(sympy.Not(cond), as_condition(cb)))
        value = sympy.Piecewise((a, cond), (b, True))
        return self.g.define(hint, value) if hint else value
