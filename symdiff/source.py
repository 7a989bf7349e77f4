"""Pass 1 of the pipeline: find a function's source and parse it into an AST.

``function_source(fn)`` returns the ``ast.FunctionDef`` (or ``ast.Lambda``) of ``fn``
with decorators stripped and every node's ``lineno``/``col_offset`` moved back to
the user's real file, so that the fence and the reader report errors at the
place the user wrote (``inspect.getsource`` gives the text of the function alone,
and ``textwrap.dedent`` shifts its columns; both are undone here).

When Python has no source for ``fn`` (typed into the plain ``python`` REPL,
``exec``'d code), ``NoSource`` is raised and the reader falls back to calling
the function on symbols.

>>> def f(x):
...     return x + 1
>>> src = function_source(f)          # doctest: +SKIP
>>> src.node.name                      # doctest: +SKIP
'f'
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import textwrap
import tokenize
import types
from dataclasses import dataclass, field


class NoSource(Exception):
    """Python keeps no source text for this function."""


class StaleSource(NoSource):
    """There is text for the function's file, but it is no longer the function
    (the file or notebook cell was edited after the function was made)."""


@dataclass
class FunctionSource:
    """The AST of one function, positioned in the user's file."""

    node: ast.FunctionDef | ast.Lambda
    filename: str
    lines: list[str] = field(default_factory=list)   # the whole file (1-based via line())
    #: text from outside (an expression string): it may call only the supported math
    #: functions and the lambdas it defines itself, never a Python object it reaches
    untrusted: bool = False

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
    except (SyntaxError, tokenize.TokenError) as exc:
        # the text in linecache is no longer the function's (a file edited after
        # import): inspect's tokenizer fails on an unfinished statement
        raise StaleSource(str(exc)) from None
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
    if tree is None:         # it parsed when it was imported: the text has changed since
        raise StaleSource(f"cannot parse the source of {fn.__name__}")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.decorator_list = []
            return FunctionSource(node, filename, file_lines)
    raise NoSource(f"no function definition found in the source of {fn.__name__}")


def stale_source(src: FunctionSource, fn) -> bool:
    """Is ``src`` (the text Python shows for ``fn``) a different function from the one
    Python runs? It is when the file was edited after import: ``inspect`` reads the
    file as it is now. The whole text is compiled again (as the import did: its own
    future imports, module-level imports, nesting) and the code object that starts
    on ``fn``'s first line compared with ``fn.__code__``: bytecode, names, constants.
    A text that no longer compiles is stale. Lambdas and functions whose file text
    is not known are not compared.

    Interactive shells (IPython, Jupyter, the Python 3.13 REPL) compile a cell one
    top-level statement at a time, and the bytecode depends on it: on 3.11+
    ``math.sin(x)`` compiles differently when ``import math`` is in the same unit.
    So the top-level statement that holds ``fn`` is also compiled on its own; the
    text is the function when either compilation gives its code.
    """
    fn = unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None or not isinstance(src.node, ast.FunctionDef):
        return False
    lines = _file_lines(src.filename, fn)
    if not lines:
        return False
    text = "".join(lines)
    compiled = _compile_text(src.filename, text)
    if compiled is None:
        return True
    found = _find_code(compiled, code.co_name, code.co_firstlineno)
    if found is not None and _same_code(found, code):
        return False
    alone = _compile_statement(src.filename, text, code.co_firstlineno)
    found = None if alone is None else _find_code(alone, code.co_name, code.co_firstlineno)
    return found is None or not _same_code(found, code)


@functools.lru_cache(maxsize=16)
def _compile_text(filename: str, text: str):
    try:
        return compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


def _compile_statement(filename: str, text: str, line: int):
    """The top-level statement of ``text`` that spans ``line``, compiled alone (as
    an interactive shell compiles it), with the text's ``__future__`` imports."""
    try:
        tree = ast.parse(text, filename)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        if first <= line <= node.end_lineno:
            try:
                return compile(ast.Module(body=future + [node], type_ignores=[]), filename,
                               "exec", dont_inherit=True)
            except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
                return None
    return None


def _find_code(code, name: str, first: int):
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            if c.co_name == name and c.co_firstlineno == first:
                return c
            inner = _find_code(c, name, first)
            if inner is not None:
                return inner
    return None


def _same_code(a, b) -> bool:
    if (a.co_code, a.co_names, a.co_varnames, a.co_freevars, a.co_cellvars, a.co_argcount,
            a.co_kwonlyargcount, a.co_posonlyargcount) != \
            (b.co_code, b.co_names, b.co_varnames, b.co_freevars, b.co_cellvars, b.co_argcount,
             b.co_kwonlyargcount, b.co_posonlyargcount):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for u, v in zip(a.co_consts, b.co_consts):
        if isinstance(u, types.CodeType) or isinstance(v, types.CodeType):
            if not (isinstance(u, types.CodeType) and isinstance(v, types.CodeType)
                    and _same_code(u, v)):
                return False
        elif type(u) is not type(v) or not (u == v or u != u and v != v):
            return False
    return True


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
