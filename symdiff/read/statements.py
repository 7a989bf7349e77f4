"""Statements and names: the statement runner, assignment, lookup and SSA naming.

``run`` executes pending statements until a ``return``. It keeps a stack of
statement lists (``frames``), so a branch that returns can take the rest of the
function as its continuation without copying it (see ``branches``), and an
unrolled loop is one more list on the stack (see ``loops``). Every assignment names
its value in the graph (``define``: the function's SSA form); a list or array is
changed in place only when nothing else refers to it, as Python would.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

import numpy as np
import sympy

from .base import ReaderBase
from .values import MISSING, LocalFunction, LoopBind, Return, Undefined, from_outside


class Statements(ReaderBase):
    """Running a function body: statements, assignment, names."""

    def run(self) -> Return | None:
        """Execute pending statements until a ``return``; None when they run out."""
        while self.frames:
            seq, i = self.frames[-1]
            if i >= len(seq):
                self.frames.pop()
                continue
            self.frames[-1] = (seq, i + 1)
            with self.g.at(self.name, self.src, seq[i]):     # F.source's "# line N:" comments
                r = self.visit(seq[i])
            if r is not None:
                return r
        return None

    def run_function(self, node) -> Any:
        """Read a function body (or a lambda's expression); its return value."""
        self.ctx.active.append(self)
        try:
            return self._run_function(node)
        finally:
            self.ctx.active.pop()

    def _run_function(self, node) -> Any:
        if isinstance(node, ast.Lambda):
            return self.visit(node.body)
        self._assigned = _local_names(node.body)
        self.frames = [(node.body, 0)]
        r = self.run()
        if r is None:
            self.fail(node, f"function {self.name!r} has no return statement on some path; "
                            "every path must return a number, a tuple/list of numbers or an array")
        return r.value

    def lookup(self, name: str, node):
        """The value of ``name``: local scopes outward, then closure, module globals,
        builtins (Python's LEGB)."""
        s = self.scope
        root = s
        while s is not None:
            if name in s.locals:
                v = s.locals[name]
                if isinstance(v, Undefined):
                    self.fail(node, f"name {name!r} is assigned in only one branch of the "
                                    f"data-dependent `if` on line {v.node.lineno}; assign it before "
                                    "the if or in both branches")
                return v
            if s is self.scope and name in self._assigned:
                self.fail(node, f"local variable {name!r} is read before it is assigned "
                                "(Python raises UnboundLocalError); assign it first or use "
                                "another name for the local")
            root = s
            s = s.parent
        if name in root.closure:
            return from_outside(root.closure[name])
        if name in root.globals:
            return from_outside(root.globals[name])
        if hasattr(builtins, name):
            return getattr(builtins, name)
        self.fail(node, f"name {name!r} is not defined")

    def define(self, hint: str, value):
        """Name a computed value in the graph (SSA); arrays and tuples elementwise."""
        if isinstance(value, sympy.Expr):
            return self.g.define(hint, value)
        # a list or array whose items are already named is returned as it is, so
        # `b = a` binds the same object, as in Python (see ``_unshared``)
        if isinstance(value, np.ndarray) and value.dtype == object:
            out = np.empty(value.shape, dtype=object)
            for idx in np.ndindex(value.shape):
                out[idx] = self.define(hint, value[idx])
            same = all(out[idx] is value[idx] for idx in np.ndindex(value.shape))
            return value if same else out
        if isinstance(value, tuple):
            return tuple(self.define(hint, v) for v in value)
        if isinstance(value, list):
            out = [self.define(hint, v) for v in value]
            return value if all(a is b for a, b in zip(out, value)) else out
        return value

    def _unshared(self, name: str, container, node):
        """Python changes a list or array in place (``a[i] = v``, ``a += b``); symdiff
        changes a copy bound to ``name``. The same as long as nothing else refers to
        the object: another name, a helper's caller, an enclosing function, a module
        global, an item of a list or tuple. Otherwise refuse instead of differing."""
        if not (isinstance(container, list) or isinstance(container, np.ndarray)):
            return
        own = self.scope.locals
        if own.get(name, MISSING) is not container:
            other = f"{name!r} of an enclosing function or the module"
        else:
            other = self._other_reference(container, own, name)
        if other is not None:
            if isinstance(container, list):
                kind, fix = "a list", f"`{name} = list({name})`"
            elif container.ndim == 0:
                kind, fix = ("a 0-d array (np.where and other numpy functions of constants "
                             f"return one)", f"`{name} = float({name})` where it is made")
            else:
                kind, fix = "an array", f"`{name} = {name}.copy()`"
            self.fail(node, f"in-place change of {kind} that {other} also refers to: "
                            f"Python would change it there too. Copy it first ({fix}) "
                            "or build a new value")

    def _other_reference(self, obj, own: dict, name: str) -> str | None:
        """What else refers to ``obj`` (another name, an item of a list, an
        enclosing or module name), in words, or None."""
        def holds(v):
            return v is obj or (isinstance(v, (list, tuple)) and any(e is obj for e in v))

        for reader in self.ctx.active + [self]:
            s = reader.scope
            root = s
            while s is not None:
                for k, v in s.locals.items():
                    if (s.locals is own and k == name) or not holds(v):
                        continue
                    return f"the name {k!r}" if v is obj else f"an item of {k!r}"
                root = s
                s = s.parent
            for where in (root.closure, root.globals):
                for k, v in where.items():
                    if holds(v):
                        return f"{'the enclosing' if where is root.closure else 'the module'} name {k!r}"
        return None

    def assign(self, target, value, node):
        """Bind ``target`` (a name, a tuple/list of targets or an item) to ``value``."""
        if isinstance(target, ast.Name):
            self.scope.locals[target.id] = self.define(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, np.ndarray) and value.ndim > 0:
                items = list(value)
            elif isinstance(value, (tuple, list)):
                items = list(value)
            else:
                self.fail(node, f"cannot unpack a {type(value).__name__} into "
                                f"{len(target.elts)} names")
            if len(items) != len(target.elts):
                self.fail(node, f"cannot unpack {len(items)} values into {len(target.elts)} names")
            for t, v in zip(target.elts, items):
                self.assign(t, v, node)
        elif isinstance(target, ast.Subscript):
            name = target.value.id
            container = self.lookup(name, target)
            index = self.index_value(self.visit(target.slice), target)
            self._unshared(name, container, target)
            if isinstance(container, list):
                container = list(container)
            elif isinstance(container, np.ndarray):
                container = container.astype(object)
            else:
                self.fail(target, f"cannot assign to an item of a {type(container).__name__}; "
                                  "use a list or a numpy array")
            try:
                container[index] = self.define(name, value)
            except (IndexError, ValueError, TypeError) as exc:
                self.fail(target, f"item assignment failed: {exc}")
            self.scope.locals[name] = container
        else:
            self.error(target, "assignment target", "assign to plain names or tuples of names")

    def visit_Assign(self, node: ast.Assign):
        value = self.visit(node.value)
        for t in node.targets:
            self.assign(t, value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        self.assign(node.target, self.visit(node.value), node)

    def visit_AugAssign(self, node: ast.AugAssign):
        if isinstance(node.target, ast.Name):
            old = self.lookup(node.target.id, node.target)
            if self.lanes is not None:
                self.lanes.read(node.target.id, old)
            if isinstance(old, np.ndarray) or (isinstance(old, list)
                                               and isinstance(node.op, (ast.Add, ast.Mult))):
                self._unshared(node.target.id, old, node)
        else:
            container = self.lookup(node.target.value.id, node.target)
            old = self.subscript(container, self.visit(node.target.slice), node.target)
        value = self.binop(node.op, old, self.visit(node.value), node)
        self.assign(node.target, value, node)

    def visit_Expr(self, node: ast.Expr):
        return None                     # docstrings (the fence allows nothing else)

    def visit_Pass(self, node):
        return None

    def visit_Return(self, node: ast.Return):
        return Return(self.visit(node.value))

    def visit_FunctionDef(self, node: ast.FunctionDef):
        defaults = [self.visit(d) for d in node.args.defaults]
        kwdefaults = {a.arg: self.visit(d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
                      if d is not None}
        self.scope.locals[node.name] = LocalFunction(node, self.scope, self.src, defaults, kwdefaults)

    def visit_LoopBind(self, item: LoopBind):
        self.assign(item.target, item.value, item.node)


def _local_names(body) -> set:
    """Names a function body assigns, its locals (not those of nested functions,
    lambdas or comprehensions, which have scopes of their own)."""
    out, stack = set(), list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        stack.extend(c for c in ast.iter_child_nodes(n) if not isinstance(
            c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp,
                ast.DictComp, ast.GeneratorExp)))
    return out
