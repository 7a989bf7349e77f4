"""Pass 2 of the pipeline: the fence, which rejects source outside symdiff's subset.

It runs on the whole AST of the user's function (and of every helper the reader
inlines) *before* any interpretation, so an unsupported construct is reported at its
own line and column even when it sits in a branch that tracing would never reach.

It is an allow-list: ``ALLOWED`` names the node classes symdiff understands; every
other node is looked up in ``REJECTED`` for a readable construct name and a hint
saying what to write instead, and raises ``SymdiffSyntaxError``::

    f.py:3:5: unsupported while loop: use `for i in range(n)` with n known when the function is defined

>>> import ast
>>> check(ast.parse("def f(x):\\n    return x + 1").body[0], "f.py")
"""

from __future__ import annotations

import ast

from .errors import SymdiffSyntaxError

# list/set/dict methods that change their object in place (the value they return is None)
_IN_PLACE = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
             "update", "add", "discard", "setdefault"}

#: node class -> (construct, hint), for everything symdiff rejects outright
REJECTED: dict[type, tuple[str, str]] = {
    ast.While: ("while loop", "use `for i in range(n)` with n known when the function is defined"),
    ast.Break: ("break statement", "restructure with if (compute a flag and use it in the following iterations)"),
    ast.Continue: ("continue statement", "restructure with if: put the rest of the loop body under `if not ...:`"),
    ast.Try: ("try statement", "remove the try/except; symdiff traces one path of pure numeric code"),
    ast.Raise: ("raise statement", "validate inputs outside the differentiated function"),
    ast.Assert: ("assert statement", "check inputs outside the differentiated function"),
    ast.With: ("with statement", "move context managers outside the differentiated function"),
    ast.AsyncWith: ("async with statement", "use a plain function"),
    ast.AsyncFor: ("async for loop", "use `for i in range(n)`"),
    ast.AsyncFunctionDef: ("async function", "use a plain def"),
    ast.ClassDef: ("class definition", "define classes at module level and pass numbers to the function"),
    ast.Import: ("import inside a function", "import at module level; module-level names are visible"),
    ast.ImportFrom: ("import inside a function", "import at module level; module-level names are visible"),
    ast.Global: ("global statement", "pass the value as a parameter or return it"),
    ast.Nonlocal: ("nonlocal statement", "return the value from the inner function instead"),
    ast.Delete: ("del statement", "just stop using the name, or re-assign it"),
    ast.Yield: ("yield", "return a tuple or list of values instead of yielding them"),
    ast.YieldFrom: ("yield", "return a tuple or list of values instead of yielding them"),
    ast.Await: ("await expression", "use a plain function"),
    ast.Dict: ("dict display", "use separate variables or a tuple"),
    ast.DictComp: ("dict comprehension", "use separate variables or a tuple"),
    ast.Set: ("set display", "use a tuple"),
    ast.SetComp: ("set comprehension", "use a tuple or a list comprehension over range(n)"),
    ast.JoinedStr: ("f-string", "remove string formatting from the differentiated function"),
    ast.FormattedValue: ("f-string", "remove string formatting from the differentiated function"),
    ast.NamedExpr: ("assignment expression (:=)", "assign in a separate statement"),
    ast.Starred: ("starred expression", "pass and unpack a fixed number of values explicitly"),
}
if hasattr(ast, "Match"):
    REJECTED[ast.Match] = ("match statement", "use if/elif/else")
if hasattr(ast, "TryStar"):
    REJECTED[ast.TryStar] = ("try statement", "remove the try/except; symdiff traces one path of pure numeric code")

#: node classes that may appear anywhere (further checks in the visit_ methods)
ALLOWED: frozenset[type] = frozenset({
    ast.Module, ast.Expression, ast.FunctionDef, ast.Lambda, ast.arguments, ast.arg,
    ast.Return, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.If, ast.Expr, ast.Pass,
    ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.keyword, ast.IfExp,
    ast.Attribute, ast.Subscript, ast.Slice, ast.Name, ast.Constant, ast.Tuple, ast.List,
    ast.GeneratorExp, ast.ListComp, ast.comprehension,
    ast.Load, ast.Store,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
    ast.UAdd, ast.USub, ast.Not, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
})

#: Builtins that read or change the interpreter itself (code, names, files, the
#: debugger). A call to one of them, when the function does not bind the name
#: itself, is rejected before anything is read, even in a branch never taken.
REJECTED_BUILTINS: frozenset[str] = frozenset({
    "eval", "exec", "compile", "open", "input", "breakpoint", "help", "exit", "quit",
    "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars", "dir",
    "print", "memoryview", "type", "object", "super", "classmethod", "staticmethod",
    "property", "__import__",
})

#: operator class -> (construct, hint) for operators outside the subset
REJECTED_OPERATORS: dict[type, tuple[str, str]] = {
    ast.BitXor: ("operator ^", "use ** for powers; ^ is bitwise xor in Python"),
    ast.BitAnd: ("operator &", "use `and` in conditions"),
    ast.BitOr: ("operator |", "use `or` in conditions"),
    ast.LShift: ("operator <<", "multiply by 2**k instead"),
    ast.RShift: ("operator >>", "use // 2**k instead"),
    ast.Invert: ("operator ~", "use `not` in conditions or -x - 1"),
    ast.Is: ("`is` comparison", "compare numbers with == or !="),
    ast.IsNot: ("`is not` comparison", "compare numbers with == or !="),
}


class Fence(ast.NodeVisitor):
    """Walks a function's AST and raises on the first construct outside the subset."""

    def __init__(self, filename: str, line_of=None, top: ast.AST | None = None):
        self.filename = filename
        self.line_of = line_of or (lambda n: None)
        self.top = top
        self.bound = _bound_names(top) if top is not None else set()

    # -- reporting ------------------------------------------------------------
    def reject(self, node: ast.AST, construct: str, hint: str):
        lineno = getattr(node, "lineno", 0)
        raise SymdiffSyntaxError(
            f"unsupported {construct}: {hint}", filename=self.filename, lineno=lineno,
            col=getattr(node, "col_offset", 0), text=self.line_of(lineno),
            construct=construct, hint=hint)

    def generic_visit(self, node: ast.AST):
        cls = type(node)
        if cls in REJECTED:
            self.reject(node, *REJECTED[cls])
        if cls not in ALLOWED:
            name = cls.__name__
            self.reject(node, f"{name} construct", "rewrite it with assignments, if/else and for loops over range(n)")
        super().generic_visit(node)

    # -- constructs with conditions -------------------------------------------
    def _check_arguments(self, args: ast.arguments, owner: ast.AST):
        if args.vararg is not None:
            self.reject(args.vararg, "*args parameter", "list the parameters explicitly")
        if args.kwarg is not None:
            self.reject(args.kwarg, "**kwargs parameter", "list the parameters explicitly")

    def visit_FunctionDef(self, node: ast.FunctionDef):
        if node is not self.top and node.decorator_list:
            self.reject(node.decorator_list[0], "decorator on a nested function",
                        "define the helper without decorators")
        self._check_arguments(node.args, node)
        for stmt in node.body:
            self.visit(stmt)
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)

    def visit_Lambda(self, node: ast.Lambda):
        self._check_arguments(node.args, node)
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        self.visit(node.body)

    def visit_For(self, node: ast.For):
        if node.orelse:
            self.reject(node.orelse[0], "for-else clause", "set a flag in the loop and test it after the loop")
        self._check_target(node.target)
        self.visit(node.iter)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Assign(self, node: ast.Assign):
        for t in node.targets:
            self._check_target(t)
        self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign):
        self._check_target(node.target)
        self._check_operator(node, node.op)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is None:
            self.reject(node, "annotation without value", "assign a value: `x: float = ...`")
        self._check_target(node.target)
        self.visit(node.value)     # the annotation itself is not evaluated

    def _check_target(self, t: ast.AST):
        if isinstance(t, ast.Name):
            return
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self._check_target(e)
            return
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            self.visit(t.slice)
            return
        if isinstance(t, ast.Attribute):
            self.reject(t, "attribute assignment", "assign to a local variable and return it")
        if isinstance(t, ast.Starred):
            self.reject(t, "starred assignment", "unpack a fixed number of values explicitly")
        self.reject(t, "assignment target", "assign to plain names, tuples of names or `name[index]`")

    def visit_Expr(self, node: ast.Expr):
        if isinstance(node.value, ast.Constant):      # docstrings, `...`
            return
        if isinstance(node.value, (ast.Yield, ast.YieldFrom, ast.Await)):
            self.generic_visit(node.value)
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in _IN_PLACE):
            self.reject(node, f"in-place .{call.func.attr}()",
                        "build the list as a literal or a comprehension ([g(x) for x in ...]), "
                        "or make a new one (out = out + [v]); symdiff reads values, not changes "
                        "made in place")
        self.reject(node, "expression statement",
                    "remove calls made for their side effects (print, logging, ...); assign results to names")

    def visit_Return(self, node: ast.Return):
        if node.value is None:
            self.reject(node, "return without a value", "return the numeric result")
        self.visit(node.value)

    def _operator_position(self, node: ast.BinOp):
        """Where the operator of ``a ^ b`` is written (the caret goes under ``^``, not
        under ``a``): the first character after the left operand and its closing
        parentheses; the node itself when the line is not at hand."""
        line = self.line_of(node.left.end_lineno) if node.left.end_lineno else None
        col = node.left.end_col_offset
        if line is None or col is None:
            return node
        while col < len(line) and line[col] in " \t)":
            col += 1
        if col >= len(line):
            return node
        return ast.Name(id="", lineno=node.left.end_lineno, col_offset=col)

    def _check_operator(self, node, op):
        if type(op) in REJECTED_OPERATORS:
            self.reject(node, *REJECTED_OPERATORS[type(op)])

    def visit_BinOp(self, node: ast.BinOp):
        self._check_operator(self._operator_position(node), node.op)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp):
        self._check_operator(node, node.op)
        self.visit(node.operand)

    def visit_Compare(self, node: ast.Compare):
        for op in node.ops:
            self._check_operator(node, op)
        self.visit(node.left)
        for c in node.comparators:
            self.visit(c)

    # -- names that reach into the interpreter ------------------------------------
    def visit_Name(self, node: ast.Name):
        if node.id.startswith("__"):
            self.reject(node, f"name {node.id}",
                        "dunder names reach into Python's internals; use plain names for numbers")

    def visit_Attribute(self, node: ast.Attribute):
        self.visit(node.value)                 # report the first of a chain `().__class__...`
        if node.attr.startswith("_"):
            end = getattr(node, "end_col_offset", None)
            at = ast.Name(id=node.attr, lineno=getattr(node, "end_lineno", node.lineno),
                          col_offset=end - len(node.attr) if end is not None else node.col_offset)
            self.reject(at, f"attribute .{node.attr}",
                        "attributes starting with `_` (private or dunder) are not read; "
                        "use public names, math/numpy functions or pass the value as a parameter")

    def visit_Call(self, node: ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id in REJECTED_BUILTINS and f.id not in self.bound:
            self.reject(node, f"call to {f.id}()",
                        "symdiff reads numeric code only; it never evaluates text, opens files "
                        "or inspects objects: compute the value outside and pass it as a parameter")
        for a in node.args:
            if isinstance(a, ast.Starred):
                self.reject(a, "starred argument", "pass a fixed number of arguments explicitly")
        for k in node.keywords:
            if k.arg is None:
                self.reject(k, "**kwargs argument", "pass keyword arguments explicitly")
        self.visit(node.func)
        for a in node.args:
            if isinstance(a, ast.GeneratorExp):
                self._visit_comprehension(a)
            else:
                self.visit(a)
        for k in node.keywords:
            self.visit(k.value)

    def visit_GeneratorExp(self, node: ast.GeneratorExp):
        self.reject(node, "generator expression outside a call",
                    "use it only as the argument of sum(), min(), max(), any(), all() or tuple()")

    def visit_ListComp(self, node: ast.ListComp):
        self._visit_comprehension(node)

    def _visit_comprehension(self, node):
        for gen in node.generators:
            if gen.is_async:
                self.reject(node, "async comprehension", "use a plain comprehension")
            self._check_target(gen.target)
            self.visit(gen.iter)
            for cond in gen.ifs:
                self.visit(cond)
        self.visit(node.elt)


def _bound_names(top: ast.AST) -> set:
    """Names the function binds itself (parameters, assignments, loop targets, defs)."""
    out = set()
    for n in ast.walk(top):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not top:
            out.add(n.name)
    return out


def check(node: ast.AST, filename: str = "<unknown>", line_of=None) -> None:
    """Raise ``SymdiffSyntaxError`` at the first unsupported construct in ``node``."""
    Fence(filename, line_of, top=node).visit(node)
