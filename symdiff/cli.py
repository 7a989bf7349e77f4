"""The ``symdiff`` command line (also ``python -m symdiff``).

Sits on top of the public API only: it turns ``EXPR`` or ``path/to/file.py:FUNC``
into a ``SymbolicFunction`` with ``sd.symbolic`` and prints what ``diff``, ``grad``,
``hessian`` and ``sd.check`` give::

    symdiff diff "x**2 + 2*x + 3" --wrt x --order 2 --at x=1
    symdiff grad "x**2*y + sin(y)" --at x=1,y=2 --source
    symdiff hessian examples/newton.py:rosenbrock --at x=1,y=1
    symdiff jacobian "(x*y, x + y)" --at x=1,y=2
    symdiff check examples/black_scholes.py:call_price --at S=100,K=95,T=0.5,r=0.01,sigma=0.2

Each ``--at`` is one point; repeat it to evaluate at several (a table). ``--shapes x=3``
declares an array parameter (``--at x=[1,2,3]``), ``--static n=3`` binds a static one.

Every error the user can cause (bad expression, unknown variable, missing file or
function, unsupported syntax, missing value in ``--at``) is one line on stderr and
exit code 2; ``check`` exits 1 when the three engines disagree. Set
``SYMDIFF_DEBUG=1`` to see the traceback of an unexpected error.

>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     code = main(["diff", "x**3", "--wrt", "x", "--at", "x=2"])
>>> code, out.getvalue().splitlines()[-1].rsplit(": ", 1)[-1]
(0, '12.0')
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import sys

import numpy as np
import sympy

import symdiff as sd

from . import naming
from .errors import SymdiffError, SymdiffSyntaxError
from .limits import check_order
from .version import __version__

__all__ = ["main", "CliError"]

PROG = "symdiff"


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


# -- argument parsing ------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors printed as one line (exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


_TARGET_HELP = ('an expression such as "x**2*y + sin(y)" (parameters: its free names, '
                'alphabetically) or path/to/file.py:FUNC (the file is imported as a module, '
                'its directory on sys.path)')
_AT_HELP = ("a point to evaluate at, e.g. x=1,y=2; repeat --at for several points (a table); "
            "an array parameter takes x=[1,2,3]")
_SHAPES_HELP = ("declare array parameters: NAME=SIZE or NAME=2x3, e.g. --shapes x=3 "
                "(repeatable; sd.symbolic's shapes=)")
_STATIC_HELP = ("bind static parameters (loop bounds, indices, flags) to values, e.g. "
                "--static n=3 (repeatable; sd.symbolic's static=)")

_EPILOGS = {
    "diff": """examples:
  symdiff diff "x**2 + 2*x + 3" --wrt x --order 2 --at x=1
  symdiff diff "x**2*y + sin(y)" --wrt x --wrt y --latex
  symdiff diff examples/black_scholes.py:call_price --wrt S --order 2 --at S=100,K=95,T=0.5,r=0.01,sigma=0.2
  symdiff diff "exp(-x**2)" --wrt x --source""",
    "grad": """examples:
  symdiff grad "x**2*y + sin(y)" --at x=1,y=2
  symdiff grad "x**2*y + sin(y)" --at x=1,y=2 --at x=0,y=0 --at x=-1,y=3
  symdiff grad examples/newton.py:rosenbrock --source""",
    "hessian": """examples:
  symdiff hessian "x**2*y + sin(y)" --at x=1,y=2
  symdiff hessian examples/newton.py:rosenbrock --at x=1,y=1 --latex""",
    "jacobian": """examples:
  symdiff jacobian "(x*y, x + y, sin(x))" --at x=1,y=2
  symdiff jacobian "(x*y, x + y)" --at x=1,y=2 --at x=0,y=0""",
    "check": """examples:
  symdiff check examples/black_scholes.py:call_price --at S=100,K=95,T=0.5,r=0.01,sigma=0.2
  symdiff check examples/newton.py:rosenbrock --at x=0.5,y=2 --order 2

exit code: 0 when symbolic, tape and finite differences agree, 1 when they do not,
2 on a usage error.""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Differentiate a Python function or an expression by reading its source: "
                    "exact derivatives of any order, their values, LaTeX and generated numpy code.",
        epilog="""examples:
  symdiff diff "x**2 + 2*x + 3" --wrt x --order 2 --at x=1
  symdiff grad "x**2*y + sin(y)" --at x=1,y=2
  symdiff hessian examples/newton.py:rosenbrock --at x=1,y=1
  symdiff check examples/black_scholes.py:call_price --at S=100,K=95,T=0.5,r=0.01,sigma=0.2

Run "symdiff COMMAND --help" for the options of each command.""",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=_EPILOGS[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("target", metavar="EXPR_OR_FILE:FUNC", help=_TARGET_HELP)
        p.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,...", help=_AT_HELP)
        p.add_argument("--shapes", action="append", default=[], metavar="NAME=SIZE,...",
                       help=_SHAPES_HELP)
        p.add_argument("--static", action="append", default=[], metavar="NAME=VALUE,...",
                       help=_STATIC_HELP)
        return p

    p = command("diff", "partial derivative of any order: its expression, value, LaTeX, code")
    p.add_argument("--wrt", action="append", default=[], metavar="NAME",
                   help="variable to differentiate by (repeat for a mixed partial; "
                        "default: the only parameter)")
    p.add_argument("--order", type=int, default=1, metavar="N",
                   help="differentiate N times by the --wrt variables (default 1)")
    _display_options(p)

    p = command("grad", "gradient: one partial derivative per parameter")
    _display_options(p)
    p = command("hessian", "Hessian: the matrix of second partial derivatives")
    _display_options(p)
    p = command("jacobian", "Jacobian of a vector-valued function: one row per output")
    _display_options(p)

    p = command("check", "compare symbolic, tape and finite-difference derivatives (sd.check)")
    p.add_argument("--order", type=int, default=1, metavar="N",
                   help="check all partial derivatives up to order N (default 1)")
    return parser


def _display_options(p):
    p.add_argument("--latex", action="store_true", help="also print the LaTeX of the result")
    p.add_argument("--source", action="store_true",
                   help="also print the generated numpy source of the result")


def _version() -> str:
    return __version__


# -- loading the target --------------------------------------------------------------------

def load_target(target: str, shapes=None, static=None):
    """``SymbolicFunction`` for an expression string or ``path/to/file.py:FUNC``, read
    with ``shapes`` and with the ``static`` values bound."""
    shapes, static = shapes or {}, static or {}
    path, sep, func = target.rpartition(":")
    if sep and path.endswith(".py"):
        fn = _load_function(path, func)
        F = sd.symbolic(fn, shapes=shapes or None, static=tuple(static) or None)
    elif target.endswith(".py"):
        raise CliError(f"name the function to differentiate: {target}:FUNCTION")
    else:
        if static:
            raise CliError("--static is for functions in files (path/to/file.py:FUNC); an "
                           "expression has no static parameters")
        F = sd.symbolic(target, shapes=shapes or None)
    if isinstance(F, sd.SymbolicFunction):
        return F
    missing = [n for n in F.static if n not in static
               and F.__signature__.parameters[n].default is F.__signature__.empty]
    if missing:
        raise CliError(f"{F.__name__} has static parameter{'s' * (len(missing) > 1)} "
                       f"{', '.join(missing)}: give {'them' if len(missing) > 1 else 'it'} with "
                       f"--static {','.join(f'{n}=VALUE' for n in missing)}")
    return F.specialize(**static)


def _load_function(path: str, func: str):
    if not func.isidentifier():
        raise CliError(f"not a function name: {func!r} (write {path}:FUNCTION)")
    if not os.path.isfile(path):
        raise CliError(f"file not found: {path}")
    module = _import_file(path)
    if not hasattr(module, func):
        names = sorted(n for n, v in vars(module).items()
                       if callable(v) and not n.startswith("_")
                       and getattr(getattr(v, "__wrapped__", v), "__module__", None) == module.__name__)
        hint = f"; functions there: {', '.join(names)}" if names else ""
        raise CliError(f"no function {func!r} in {path}{hint}")
    obj = getattr(module, func)
    if not callable(obj):
        raise CliError(f"{func!r} in {path} is a {type(obj).__name__}, not a function")
    return obj


def _import_file(path: str):
    """Import ``path`` as a module, its directory first on ``sys.path`` while it loads
    (so it can import its sibling modules)."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    name = os.path.splitext(os.path.basename(path))[0]
    if not name.isidentifier():
        name = "_symdiff_cli_target"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        if isinstance(err, SymdiffSyntaxError):
            raise
        if isinstance(err, SyntaxError):
            raise CliError(f"{err.filename}:{err.lineno}:{err.offset}: {err.msg}") from None
        raise CliError(f"importing {path} failed: {type(err).__name__}: {err}") from None
    finally:
        try:
            sys.path.remove(directory)
        except ValueError:
            pass
    return module


# -- the point --------------------------------------------------------------------------------

def _entries(item: str, option: str) -> list[tuple[str, str]]:
    """``"x=1,v=[1,2],y=2"`` -> ``[("x", "1"), ("v", "[1,2]"), ("y", "2")]``: commas
    inside brackets belong to the value; a name given twice is an error."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(item + ","):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth <= 0:
            parts.append(item[start:i])
            start = i + 1
    out, seen = [], set()
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name.isidentifier() or not value:
            raise CliError(f"bad {option} entry {part!r}: write NAME=VALUE, e.g. {option} x=1,y=2")
        if name in seen:
            more = " (repeat --at for several points: --at x=1 --at x=2)" if option == "--at" else ""
            raise CliError(f"{name} is given twice in {option} {item!r}{more}")
        seen.add(name)
        out.append((name, value))
    return out


def _literal(value: str, part: str, option: str):
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise CliError(f"bad value in {option} {part!r}: {value!r} is not a number"
                       + (" or a list of numbers" if option == "--at" else "")) from None


def parse_at(items: list[str]) -> list[dict]:
    """One point per ``--at``: ``["x=1,y=2", "x=3,y=4"]`` -> ``[{"x": 1.0, "y": 2.0},
    {"x": 3.0, "y": 4.0}]``; an array value is written ``v=[1,2,3]``."""
    points = []
    for item in items:
        point = {}
        for name, value in _entries(item, "--at"):
            v = _literal(value, f"{name}={value}", "--at")
            try:
                arr = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                raise CliError(f"bad value in --at {name}={value!r}: not a number or a list "
                               "of numbers") from None
            point[name] = float(arr) if arr.ndim == 0 else arr
        points.append(point)
    return points


def parse_shapes(items: list[str]) -> dict[str, tuple]:
    """``["x=3", "W=2x3"]`` -> ``{"x": (3,), "W": (2, 3)}``."""
    shapes = {}
    for item in items:
        for name, value in _entries(item, "--shapes"):
            try:
                dims = tuple(int(d) for d in value.strip("()").replace(",", "x").split("x") if d)
            except ValueError:
                dims = ()
            if not dims or any(d < 0 for d in dims):
                raise CliError(f"bad --shapes entry {name}={value!r}: write NAME=SIZE or "
                               "NAME=2x3, e.g. --shapes x=3")
            shapes[name] = dims
    return shapes


def parse_static(items: list[str]) -> dict:
    """``["n=3,flag=True"]`` -> ``{"n": 3, "flag": True}`` (Python literals)."""
    return {name: _literal(value, f"{name}={value}", "--static")
            for item in items for name, value in _entries(item, "--static")}


def point_args(F, point: dict) -> list:
    """Positional arguments of ``F`` at ``point`` (parameters with defaults may be omitted)."""
    unknown = [n for n in point if n not in F.params]
    if unknown:
        raise CliError(f"unknown variable {unknown[0]!r} in --at: {F.name} has parameters "
                       f"({', '.join(F.params)})")
    args = []
    for p in F.params:
        if p in point:
            if np.ndim(point[p]) and not F.shapes.get(p):
                raise CliError(f"bad value in --at {p}={_fmt(point[p])}: {p} is a number; "
                               f"declare an array parameter with --shapes {p}=SIZE, or repeat "
                               f"--at for several points")
            args.append(point[p])
            continue
        default = F.__signature__.parameters[p].default
        if default is F.__signature__.empty:
            raise CliError(f"missing value for {p!r} in --at: {F.name} has parameters "
                           f"({', '.join(F.params)})")
        args.append(default)
    return args


def _points(F, items) -> list[list]:
    return [point_args(F, p) for p in parse_at(items)]


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Columns aligned under their headers (numbers right-aligned)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return [line(headers)] + [line(r) for r in rows]


def _point_text(F, args) -> str:
    return ", ".join(f"{p}={_fmt(a)}" for p, a in zip(F.params, args))


def _fmt(value) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        v = arr.item()
        return repr(float(v)) if isinstance(v, (int, float, np.floating, np.integer)) else str(v)
    return np.array2string(arr, separator=", ")


# -- commands -------------------------------------------------------------------------------

def _load(args):
    return load_target(args.target, parse_shapes(args.shapes), parse_static(args.static))


def _values(F, G, names, points, out, multi=None) -> None:
    """Print ``G`` at ``points``: one line per name for one point, a table (a row per
    point, a column per parameter and per name) for several."""
    if not points:
        return
    if len(points) == 1:
        xs = points[0]
        values = G(*xs) if multi else (G(*xs),)
        if multi:
            print(f"at {_point_text(F, xs)}:", file=out)
            for name, v in zip(names, values):
                print(f"  {name} = {_fmt(v)}", file=out)
        else:
            print(f"{names[0]} at {_point_text(F, xs)}: {_fmt(values[0])}", file=out)
        return
    rows = []
    for xs in points:
        values = G(*xs) if multi else (G(*xs),)
        rows.append([_fmt(a) for a in xs] + [_fmt(v) for v in values])
    for line in _table(list(F.params) + list(names), rows):
        print(line, file=out)


def _cmd_diff(args, out) -> int:
    F = _load(args)
    wrt = [w.strip() for item in args.wrt for w in item.split(",") if w.strip()]
    if not wrt:
        if len(F.params) != 1:
            raise CliError(f"say which variable with --wrt: {F.name} has parameters "
                           f"({', '.join(F.params)})")
        wrt = [F.params[0]]
    for w in wrt:
        if w not in F.params:
            raise CliError(f"unknown variable {w!r} in --wrt: {F.name} has parameters "
                           f"({', '.join(F.params)})")
    _check_order(args.order, times=len(wrt))
    points = _points(F, args.at)            # a bad --at fails before anything is printed
    D = F.diff(*wrt, order=args.order)
    print(str(F), file=out)
    print(str(D), file=out)
    _values(F, D, [D.name], points, out)
    _display(D, args, out)
    return 0


def _cmd_grad(args, out) -> int:
    F = _load(args)
    points = _points(F, args.at)
    G = F.grad
    print(str(F), file=out)
    print(f"{G.name}({', '.join(F.params)}):", file=out)
    expr = G.expr
    entries = list(expr) if isinstance(expr, sympy.MatrixBase) else [expr]
    names = [naming.display_derivative(F.name, (p,)) for p in F.params]
    if len(entries) == len(names):
        for name, e in zip(names, entries):
            print(f"  {name} = {e}", file=out)
    else:                       # array parameters: one entry per element
        print(f"  {expr}", file=out)
    _values(F, G, names, points, out, multi=True)
    _display(G, args, out)
    return 0


def _matrix_command(F, M, args, out) -> int:
    """The Hessian or Jacobian ``M`` of ``F``: its expression, then a matrix per point."""
    points = _points(F, args.at)
    print(str(F), file=out)
    print(f"{M.name}({', '.join(F.params)}) =", file=out)
    E = M.expr
    for i in range(E.rows):
        print("  [" + ", ".join(str(E[i, j]) for j in range(E.cols)) + "]", file=out)
    for xs in points:
        value = np.asarray(M(*xs), dtype=float)
        print(f"at {_point_text(F, xs)}:", file=out)
        for row in value:
            print("  [" + ", ".join(_fmt(v) for v in row) + "]", file=out)
    _display(M, args, out)
    return 0


def _cmd_hessian(args, out) -> int:
    F = _load(args)
    return _matrix_command(F, F.hessian, args, out)


def _cmd_jacobian(args, out) -> int:
    F = _load(args)
    return _matrix_command(F, F.jacobian, args, out)


def _cmd_check(args, out) -> int:
    check = getattr(sd, "check", None)
    if check is None:
        raise CliError("sd.check is not available in this version of symdiff")
    F = _load(args)
    if not args.at:
        raise CliError(f"give the point with --at, e.g. --at "
                       f"{','.join(f'{p}=1' for p in F.params)}")
    _check_order(args.order)
    points = _points(F, args.at)
    if len(points) == 1 or F.shapes:
        reports = [check(F, *xs, order=args.order) for xs in points]
    else:                       # scalar parameters broadcast: one report over every point
        reports = [check(F, *(np.array(column) for column in zip(*points)), order=args.order)]
    for report in reports:
        print(str(report), file=out)
    return 0 if all(r.ok for r in reports) else 1


def _check_order(order: int, times: int = 1) -> None:
    try:
        check_order(order, times=times, what="--order")
    except ValueError as err:
        raise CliError(str(err)) from None


def _display(G, args, out) -> None:
    if args.latex:
        print(f"LaTeX: {G.latex()}", file=out)
    if args.source:
        print(G.source.rstrip("\n"), file=out)


_COMMANDS = {"diff": _cmd_diff, "grad": _cmd_grad, "hessian": _cmd_hessian,
             "jacobian": _cmd_jacobian, "check": _cmd_check}


def main(argv=None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    err_prefix = f"{PROG} {args.command}: error:"
    try:
        return _COMMANDS[args.command](args, sys.stdout)
    except CliError as err:
        print(f"{err_prefix} {err}", file=sys.stderr)
    except SymdiffSyntaxError as err:
        print(f"{err_prefix} {err.filename}:{err.lineno}:{err.offset}: {_one_line(err.msg_only)}",
              file=sys.stderr)
    except (SymdiffError, ValueError, TypeError, NameError, AttributeError, KeyError,
            ArithmeticError) as err:
        if os.environ.get("SYMDIFF_DEBUG"):
            raise
        print(f"{err_prefix} {_one_line(str(err)) or type(err).__name__}", file=sys.stderr)
    except RecursionError:
        print(f"{err_prefix} the expression is too deeply nested", file=sys.stderr)
    except BrokenPipeError:         # `symdiff ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except Exception as err:        # a bug in symdiff: still one line, traceback on request
        if os.environ.get("SYMDIFF_DEBUG"):
            raise
        print(f"{err_prefix} internal error {type(err).__name__}: {_one_line(str(err))} "
              f"(set SYMDIFF_DEBUG=1 for the traceback)", file=sys.stderr)
    return 2


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":       # pragma: no cover
    sys.exit(main())
