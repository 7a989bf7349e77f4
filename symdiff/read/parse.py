"""The reader's input: a function's source, or an expression string, parsed and fenced.

``function(fn)`` is passes 1 and 2 for one function: its source
(``source.function_source``, the AST moved to the user's file positions), the fence
(``fence.check``), then a check that the text is the code Python is running.
``expression(text)`` does the same for an expression string and finds its
parameters. Neither reads anything: that is the reader's work.
"""

from __future__ import annotations

import ast

from .. import fence, limits, primitives
from ..errors import SymdiffError, SymdiffSyntaxError
from ..source import FunctionSource, StaleSource, function_source, shift_positions, stale_source, unwrap

RESERVED_HINT = ("the compiled code uses the names math and numpy and names starting with _ "
                 "for itself; rename the variable")

EXPRESSION_CALLS = ("an expression string may call only lambdas it defines and "
                    + ", ".join(sorted(k for k, v in primitives.EXPRESSION_NAMESPACE.items()
                                       if callable(v))))


def reserved_param(name: str) -> bool:
    """Names the generated code keeps for itself (``math``, ``numpy``, ``_x``)."""
    return name in ("math", "numpy") or name.startswith("_")


def function(fn) -> FunctionSource:
    """Source of ``fn``, fenced (raises ``NoSource`` when there is none)."""
    try:
        src = function_source(fn)
    except StaleSource:
        raise SymdiffError(_stale_message(fn, getattr(fn, "__code__", None) and
                                          fn.__code__.co_firstlineno)) from None
    # the fence first: import hooks that rewrite code (pytest's assert rewriting)
    # make functions with unsupported statements look stale
    fence.check(src.node, src.filename, src.line)
    if stale_source(src, fn):
        raise SymdiffError(_stale_message(fn, getattr(src.node, "lineno", 0), src.filename))
    return src


def _stale_message(fn, line, filename=None) -> str:
    fn = unwrap(fn)
    filename = filename or getattr(getattr(fn, "__code__", None), "co_filename", "<unknown>")
    if filename.startswith("<") or "ipykernel_" in filename:
        # a notebook cell or REPL input: its text never changes, run it again instead
        return (f"{filename}:{line}: the source text of {fn.__name__} is not the function "
                "Python is running; run the cell or statement that defines it again")
    return (f"{filename}:{line}: the source text of {fn.__name__} is not the function "
            "Python is running (was the file changed after it was imported?); reload the "
            "module (importlib.reload) or restart, so the text and the code agree")


def expression(text: str):
    """Parse and fence an expression string; return (tree, parameter names sorted)."""
    if not isinstance(text, str):
        raise TypeError("expected an expression string")
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    stripped = stripped.rstrip()
    try:
        tree = ast.parse(stripped, "<expression>", mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1 + lead
        raise SymdiffSyntaxError(
            f"invalid expression: {exc.msg}; write one Python expression such as "
            "'x**2*y + sin(y)'", filename="<expression>", lineno=1, col=col,
            text=text, construct="expression syntax",
            hint="write one Python expression such as 'x**2*y + sin(y)'") from None
    except (MemoryError, RecursionError):           # the parser's own stack ran out
        raise limits.too_deep("parsing the expression string", "it nests too deeply for "
                              "Python's parser") from None
    if lead:
        shift_positions(tree, 0, lead)
    fence.check(tree, "<expression>", lambda n: text)
    bound = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Lambda):
            bound.update(x.arg for x in n.args.posonlyargs + n.args.args + n.args.kwonlyargs)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            bound.add(n.id)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load) and n.id not in primitives.EXPRESSION_NAMESPACE
                    and n.id not in bound})
    for n in ast.walk(tree):         # math, _x: names the generated code needs for itself
        if isinstance(n, ast.Name) and n.id in names and reserved_param(n.id):
            raise SymdiffSyntaxError(
                f"unsupported variable name {n.id}: {RESERVED_HINT}", filename="<expression>",
                lineno=n.lineno, col=n.col_offset, text=text, construct=f"variable name {n.id}",
                hint=RESERVED_HINT)
    for n in ast.walk(tree):         # open(...), range(...): not a parameter, an unknown function
        f = n.func if isinstance(n, ast.Call) else None
        if isinstance(f, ast.Name) and f.id in names:
            raise SymdiffSyntaxError(
                f"unsupported call to {f.id}(): {EXPRESSION_CALLS}", filename="<expression>",
                lineno=f.lineno, col=f.col_offset, text=text, construct=f"call to {f.id}()",
                hint=EXPRESSION_CALLS)
    return tree, names
