"""Pass 1 of the pipeline: find a function's source and parse it into an AST.

``function_source(fn)`` returns the ``ast.FunctionDef`` (or ``ast.Lambda``) of ``fn``
with decorators stripped and every node's ``lineno``/``col_offset`` moved back to
the user's real file, so that the fence and the front end report errors at the
place the user wrote (``inspect.getsource`` gives the text of the function alone,
and ``textwrap.dedent`` shifts its columns; both are undone here).

When Python has no source for ``fn`` (typed into the plain ``python`` REPL,
``exec``'d code), ``NoSource`` is raised and the front end falls back to calling
the function on symbols.

>>> def f(x):
...     return x + 1
>>> src = function_source(f)          # doctest: +SKIP
>>> src.node.name                      # doctest: +SKIP
'f'
"""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field


class NoSource(Exception):
    """Python keeps no source text for this function."""


@dataclass
class FunctionSource:
    """The AST of one function, positioned in the user's file."""

    node: ast.FunctionDef | ast.Lambda
    filename: str
    lines: list[str] = field(default_factory=list)   # the whole file (1-based via line())

    def line(self, lineno: int) -> str | None:
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1]
        text = linecache.getline(self.filename, lineno)
        return text or None


def unwrap(fn):
    """The plain Python function behind ``fn`` (a ``SymbolicFunction`` presents it
    as ``__symdiff_source__``; ``functools.wraps`` wrappers as ``__wrapped__``)."""
    seen = 0
    while seen < 20:
        seen += 1
        inner = getattr(fn, "__symdiff_source__", None)
        if callable(inner) and inner is not fn and not isinstance(fn, types.FunctionType):
            fn = inner
            continue
        break
    return fn


def shift_positions(tree: ast.AST, line_delta: int, col_delta: int) -> None:
    """Move every node by ``line_delta`` lines and ``col_delta`` columns."""
    for node in ast.walk(tree):
        if "lineno" in node._attributes and hasattr(node, "lineno"):
            node.lineno += line_delta
            if getattr(node, "end_lineno", None) is not None:
                node.end_lineno += line_delta
            node.col_offset += col_delta
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset += col_delta


def _file_lines(filename: str, fn) -> list[str]:
    lines = linecache.getlines(filename, getattr(fn, "__globals__", None))
    return list(lines)


def function_source(fn) -> FunctionSource:
    """Parse ``fn``'s source; raise ``NoSource`` when Python has none."""
    fn = unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        raise TypeError(f"{fn!r} is not a Python function")
    try:
        raw_lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise NoSource(str(exc)) from None
    filename = code.co_filename
    file_lines = _file_lines(filename, fn) or raw_lines
    if first == 0:               # a whole module: should not happen for functions
        first = 1
    raw = "".join(raw_lines)
    dedented = textwrap.dedent(raw)
    indent = _removed_indent(raw_lines, dedented)
    is_lambda = fn.__name__ == "<lambda>"
    try:
        tree = ast.parse(dedented)
    except SyntaxError:
        tree = None
    if tree is not None:
        shift_positions(tree, first - 1, indent)
    if is_lambda:
        node = _find_lambda(tree, fn) if tree is not None else None
        if node is None:
            # the lambda sits inside a larger statement: parse the whole file
            whole = ast.parse("".join(file_lines)) if file_lines else None
            node = _find_lambda(whole, fn) if whole is not None else None
        if node is None:
            raise NoSource(f"cannot find the source of lambda on line {code.co_firstlineno}")
        return FunctionSource(node, filename, file_lines)
    if tree is None:
        raise NoSource(f"cannot parse the source of {fn.__name__}")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.decorator_list = []
            return FunctionSource(node, filename, file_lines)
    raise NoSource(f"no function definition found in the source of {fn.__name__}")


def _removed_indent(raw_lines, dedented: str) -> int:
    for raw, ded in zip(raw_lines, dedented.splitlines(True)):
        if raw.strip():
            return len(raw) - len(ded)
    return 0


def _find_lambda(tree: ast.AST, fn) -> ast.Lambda | None:
    """The ``Lambda`` node of ``fn``: on its first line, same parameters, same code."""
    code = fn.__code__
    argnames = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            a = node.args
            names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            if names == argnames:
                found.append(node)
    if len(found) <= 1:
        return found[0] if found else None
    for node in found:          # several on one line: compare the compiled bodies
        try:
            mod = compile(ast.Expression(body=node), code.co_filename, "eval")
        except (SyntaxError, ValueError):
            continue
        for const in mod.co_consts:
            if isinstance(const, types.CodeType) and const.co_code == code.co_code \
                    and const.co_consts == code.co_consts and const.co_names == code.co_names:
                return node
    return found[0]
