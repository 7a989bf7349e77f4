"""Expressions: names, constants, operators, comparisons, indexing, comprehensions.

Constants are computed by Python itself; anything that depends on the input builds
a sympy expression. Operators go through the parity checks (``parity``) before and
after computing; an index standing for every step of a vectorised loop is handed
to ``loops``.
"""

from __future__ import annotations

import ast

import numpy as np
import sympy

from ..limits import MAX_EXACT_EXPONENT
from .base import ReaderBase
from .loops import LaneIndex
from .parity import operand_hint
from .values import (ARRAY_METHODS, ARRAY_PROPERTIES, BINOPS, COMPARE, PLAIN_GETITEM, UNARYOPS,
                     ArrayMethod, LocalFunction, RunsCode, Scope, as_condition, bools_as_ints,
                     from_outside, has_text, int_valued, is_const, read_attribute)


class Expressions(ReaderBase):
    """The value of an expression node."""

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, complex):
            self.error(node, "complex number", "symdiff works on real numbers")
        return node.value

    def visit_Name(self, node: ast.Name):
        v = self.lookup(node.id, node)
        return v if self.lanes is None else self.lanes.read(node.id, v)

    def visit_Attribute(self, node: ast.Attribute):
        base = self.visit(node.value)
        attr = node.attr
        if isinstance(base, np.ndarray) and base.dtype == object:
            if attr in ARRAY_PROPERTIES:
                return ARRAY_PROPERTIES[attr](base)
            if attr in ARRAY_METHODS:
                return ArrayMethod(attr, base)
            self.error(node, f"array attribute .{attr}",
                       f"use one of {', '.join(sorted(ARRAY_PROPERTIES) + sorted(ARRAY_METHODS))}")
        if isinstance(base, sympy.Basic):
            self.error(node, f"attribute .{attr} of a value that depends on the input",
                       "use math/numpy functions on it instead of methods")
        if isinstance(base, (LocalFunction,)):
            self.fail(node, f"cannot read attribute .{attr} of a nested function")
        try:
            value = read_attribute(base, attr)
        except AttributeError:
            self.fail(node, f"{type(base).__name__!r} object has no attribute {attr!r}")
        except RunsCode as exc:
            self.error(node, f"attribute .{attr} computed by {exc}",
                       "reading it would run that code: compute the value outside the function "
                       "and pass it as a parameter or a module constant")
        if isinstance(base, np.ndarray) and attr in ARRAY_METHODS and callable(value):
            return ArrayMethod(attr, base)
        return from_outside(value)

    def binop(self, op, a, b, node):
        """``a <op> b`` with Python's semantics on constants and sympy's on symbols."""
        fn = BINOPS[type(op)]
        self.check_operands(op, a, b, node)
        if not (is_const(a) and is_const(b)):      # constants: Python computes it itself
            a, b = bools_as_ints(a), bools_as_ints(b)
            if isinstance(op, ast.Pow) and int_valued(b) and abs(int(b)) > MAX_EXACT_EXPONENT:
                # the same float power, without sympy's integer algorithms (Mod and
                # gcd of x**6666666666666661 ran out of memory)
                b = float(b)
        try:
            out = fn(a, b)
        except (TypeError, ValueError, ArithmeticError, IndexError) as exc:
            self.fail(node, f"cannot compute {ast.unparse(node)}: {exc}" + operand_hint(a, b))
        return self.check_result(out, node, operands=(a, b))

    def visit_BinOp(self, node: ast.BinOp):
        return self.binop(node.op, self.visit(node.left), self.visit(node.right), node)

    def visit_UnaryOp(self, node: ast.UnaryOp):
        v = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            known = self.truth(v, node)
            return (not known) if known is not None else sympy.Not(as_condition(v))
        try:
            return UNARYOPS[type(node.op)](v)
        except TypeError as exc:
            self.fail(node, str(exc))

    def compare(self, op, a, b, node):
        """``a <op> b``: a bool for constants, a sympy relation otherwise (elementwise
        for arrays)."""
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(b, (tuple, list, range, np.ndarray)):
                self.fail(node, "`in` needs a tuple, list or range on the right")
            items = list(b.ravel()) if isinstance(b, np.ndarray) else list(b)
            if is_const(a) and is_const(items):
                r = a in items
            else:
                r = sympy.Or(*[self.compare(ast.Eq(), a, e, node) for e in items])
            return (not r if isinstance(r, bool) else sympy.Not(r)) if isinstance(op, ast.NotIn) else r
        py, sym = COMPARE[type(op)]
        if (has_text(a) or has_text(b)) and not (is_const(a) and is_const(b)):
            self.error(node, "comparison of text with a value that depends on the input",
                       "compare numbers only")
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return np.frompyfunc(lambda u, v: self.compare(op, u, v, node), 2, 1)(a, b)
        if is_const(a) and is_const(b):
            return py(a, b)
        try:
            r = sym(a, b)
        except (TypeError, ValueError) as exc:          # ValueError: sympy's SympifyError
            self.fail(node, f"cannot compare {a} and {b}: {exc}")
        if not isinstance(r, (bool, sympy.logic.boolalg.Boolean)):
            # sympy answers NotImplemented for None, lists, ...: Python raises
            self.fail(node, f"cannot compare a {type(a).__name__} with a {type(b).__name__}")
        return r

    def visit_Compare(self, node: ast.Compare):
        left = self.visit(node.left)
        parts = []
        result = True
        for op, comp in zip(node.ops, node.comparators):
            right = self.visit(comp)
            r = self.compare(op, left, right, node)
            if isinstance(r, np.ndarray):
                if len(node.ops) > 1:
                    self.fail(node, "chained comparisons of arrays are not supported")
                return r
            known = self.truth(r, node) if not isinstance(r, np.ndarray) else None
            if known is False:
                return False
            if known is None:
                parts.append(r)
            left = right
        if not parts:
            return result
        return sympy.And(*parts) if len(parts) > 1 else parts[0]

    def visit_Tuple(self, node: ast.Tuple):
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node: ast.List):
        return [self.visit(e) for e in node.elts]

    def visit_Slice(self, node: ast.Slice):
        parts = [None if p is None else self.index_value(self.visit(p), p)
                 for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def index_value(self, idx, node):
        """An index known when the function is read, as Python indexes with it."""
        if isinstance(idx, tuple):
            return tuple(self.index_value(i, node) for i in idx)
        if isinstance(idx, (slice, type(None))) or idx is Ellipsis:
            return idx
        if isinstance(idx, bool):
            return idx
        if isinstance(idx, (int, np.integer)):
            return int(idx)
        if isinstance(idx, sympy.Integer):
            return int(idx)
        if isinstance(idx, str):
            self.fail(node, f"cannot index with the str {idx!r}: symdiff reads numbers, tuples "
                            "and arrays, not dicts; pass the entries as separate parameters "
                            "(def f(a, b)) or as one array parameter declared with shapes=")
        if isinstance(idx, sympy.Basic):
            self.error(node, "index that depends on the input",
                       "index with constants or loop variables over range(n)"
                       + self.static_hint([idx]))
        self.fail(node, f"cannot index with a {type(idx).__name__}")

    def input_names(self, values) -> list[str]:
        """The parameters ``values`` depend on, by name (a shaped one once)."""
        deps = 0
        for v in values:
            for e in np.asarray(v, dtype=object).ravel():
                deps |= self.g.dependence(e)
        return sorted({self.g.element_of.get(p, (p.name,))[0]
                       for p in self.g.params if deps >> self.g.position[p] & 1})

    def static_hint(self, values) -> str:
        """'; if n is an integer ... static' naming the parameters ``values`` depend on:
        how to make a value known when the function is read (API 5.2)."""
        names = self.input_names(values)
        if not names:
            return ""
        n = names[0]
        return (f"; if {' and '.join(names)} {'is an integer' if len(names) == 1 else 'are integers'}"
                f" known at the call, make it static: sd.symbolic(fn, static=({n!r},)), "
                f"annotate `{n}: int`, give it an integer default (`{n}=3`), or pass "
                f"functools.partial(fn, {n}=3)")

    def subscript(self, base, idx, node):
        """``base[idx]`` for tuples, lists, dicts and arrays (a lane index: ``loops``)."""
        if isinstance(idx, LaneIndex) or (isinstance(idx, tuple)
                                          and any(isinstance(i, LaneIndex) for i in idx)):
            return self.lane_subscript(base, idx, node)
        idx = self.index_value(idx, node)
        if isinstance(base, sympy.Basic):
            names = self.input_names([base]) or ["x"]
            self.error(node, "indexing of a scalar that depends on the input",
                       f"declare the parameter's shape, e.g. shapes={{{names[0]!r}: (3,)}} "
                       f"(on the command line: --shapes {names[0]}=3)")
        if getattr(type(base), "__getitem__", None) not in PLAIN_GETITEM:
            self.error(node, f"indexing a {type(base).__name__}",
                       "index tuples, lists, dicts and numpy arrays (indexing other objects "
                       "would run their own code)")
        try:
            v = base[idx]
        except (IndexError, TypeError, KeyError) as exc:
            self.fail(node, f"indexing failed: {exc}")
        return from_outside(v) if isinstance(v, np.generic) else v

    def visit_Subscript(self, node: ast.Subscript):
        return self.subscript(self.visit(node.value), self.visit(node.slice), node.slice)

    def visit_Lambda(self, node: ast.Lambda):
        defaults = [self.visit(d) for d in node.args.defaults]
        kwdefaults = {a.arg: self.visit(d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
                      if d is not None}
        return LocalFunction(node, self.scope, self.src, defaults, kwdefaults)

    def comprehension(self, node) -> list:
        """A list comprehension or generator expression, unrolled into a list."""
        saved = self.scope
        self.scope = Scope(dict(saved.locals), saved.parent, saved.closure, saved.globals)
        out: list = []
        try:
            self._generate(node, 0, out)
        finally:
            self.scope = saved
        return out

    def _generate(self, node, k: int, out: list):
        if k == len(node.generators):
            out.append(self.visit(node.elt))
            return
        gen = node.generators[k]
        items = self.iterate(self.visit(gen.iter), gen.iter)
        start = self.ctx.work
        for step, v in enumerate(items):
            if step == 1:
                self.too_much_work(gen.iter, "comprehension", len(items), start)
            self.assign(gen.target, v, gen.target)
            ok = True
            for cond in gen.ifs:
                known = self.truth(self.visit(cond), cond)
                if known is None:
                    self.error(cond, "comprehension filter that depends on the input",
                               "use a conditional expression `a if c else 0` inside the comprehension")
                if not known:
                    ok = False
                    break
            if ok:
                self._generate(node, k + 1, out)

    def visit_ListComp(self, node: ast.ListComp):
        return self.comprehension(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp):
        return self.comprehension(node)
