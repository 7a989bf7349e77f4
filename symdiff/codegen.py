"""Code generation: SSA graph -> readable numpy source -> a Python function.

Last stage of the pipeline. The needed definitions of the graph are printed one
per line, in order, under their own names, each run of lines under the user's
statement it comes from (``# line 4: z = x**2 * y``); common subexpressions inside
and across them are named ``_c0, _c1, ...``. That kernel is ``F.source``: the maths,
once. In front of it is a short entry, compiled but not printed: Python numbers run
the same lines printed with ``math`` functions (fast, one branch evaluated), anything
else goes to ``runtime.arrays`` (broadcasting, shaped parameters, blocks of long
inputs, lazy dask arrays), written from the function's ``runtime.Plan``. Both are
registered in ``linecache`` under unique filenames, so tracebacks and ``inspect``
show them.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy.core.mul import _keep_coeff
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pycode import PythonCodePrinter

from . import limits, naming, runtime
from .ops import catalog
from .layout import Layout

_counter = itertools.count()

# Integer powers up to this are written as products: x*x is faster than x**2 in
# numpy and exact in both.
_MAX_UNROLLED_POWER = 4
# Longest sum printed as one chain of `+` (deeper chains are grouped in parentheses).
_CHUNK = 64


_ATOM = PRECEDENCE["Atom"]
_ADD, _MUL, _POW = PRECEDENCE["Add"], PRECEDENCE["Mul"], PRECEDENCE["Pow"]


class _Common:
    """What both printers share: fast powers, long sums, symdiff's special functions,
    and parentheses only where the printed text needs them.

    sympy decides parentheses from an expression's class, but this printer writes
    some classes in other forms (``x**2`` as ``x*x``, a piece of the graph in place
    of its name), so :meth:`parenthesize` and :meth:`_print_Add` ask
    :meth:`_text_prec` for the precedence of the text actually printed: a call
    (``numpy.cos(x*y)``) needs none, a product needs them inside another product
    (``y*(x*x)``: the same order of operations, so the same rounding).
    """

    _sqrt = "numpy.sqrt"
    inlined: dict = {}           # symbol -> its text, printed in place of its name
    inlined_prec: dict = {}      # symbol -> that text's precedence
    inlined_add: frozenset = frozenset()   # inlined symbols whose text is a sum

    def __init__(self, settings=None):
        super().__init__(settings or {})
        self.pow_prec: dict = {}     # power -> the precedence of its printed form

    def _print_Symbol(self, expr):
        text = self.inlined.get(expr)
        return text if text is not None else super()._print_Symbol(expr)

    def _text_prec(self, expr, text: str) -> int:
        """Operator precedence of ``text``, the printed form of ``expr``."""
        if isinstance(expr, sympy.Symbol):
            return self.inlined_prec.get(expr, _ATOM)
        if _one_call(text) or _wrapped(text):
            return _ATOM
        if isinstance(expr, sympy.Pow):
            return self.pow_prec.get(expr, _MUL)      # as _print_Pow printed it
        p = precedence(expr)
        if p > _POW and not expr.is_Atom:
            return 0                # a function printed as an operator (x % 1): always wrap
        return p

    def parenthesize(self, item, level, strict=False):
        text = self._print(item)
        p = self._text_prec(item, text)
        return f"({text})" if p < level or (not strict and p <= level) else text

    # -- powers: products and square roots instead of pow ------------------------
    def _print_Pow(self, expr, rational=False):
        text, prec = self._pow_form(expr, rational)
        self.pow_prec[expr] = prec
        return text

    def _pow_form(self, expr, rational):
        """The text of a power and its precedence: a product or quotient (``_MUL``), a
        call (``numpy.sqrt(x)``) or sympy's ``x**2.5``."""
        base, exp = expr.as_base_exp()
        # a product of the base with itself: keeps its own order of operations
        b = self.parenthesize(base, _MUL)
        if exp.is_Integer and 1 < abs(int(exp)) <= _MAX_UNROLLED_POWER:
            prod = "*".join([b] * abs(int(exp)))
            return (prod, _MUL) if exp > 0 else (f"1/({prod})", _MUL)
        if exp == -1:
            return f"1/{b}", _MUL
        if exp == sympy.S.Half:
            return f"{self._sqrt}({self._print(base)})", _ATOM
        if exp == -sympy.S.Half:
            return f"1/{self._sqrt}({self._print(base)})", _MUL
        if exp.is_Rational and exp.q == 2 and 0 < exp.p <= 2 * _MAX_UNROLLED_POWER + 1:
            # x**(3/2) = x*sqrt(x): one multiplication instead of a pow
            k = (exp.p - 1) // 2
            return f"{'*'.join([b] * k)}*{self._sqrt}({self._print(base)})", _MUL
        text = super()._print_Pow(expr, rational=rational)
        if _one_call(text):
            return text, _ATOM
        return text, (_MUL if text.startswith("1/") else _POW)

    # -- products: a negative one is minus the positive one ------------------------
    def _print_Mul(self, expr):
        # sympy prints the factors of -a*b at the precedence of a sum (that of the
        # negated product), which is right only while powers print as powers: a
        # product or quotient standing for one (x*x, 1/(x*x)) must keep its parentheses
        c, e = expr.as_coeff_Mul()
        if c < 0:
            positive = _keep_coeff(-c, e)
            if isinstance(positive, sympy.Mul):
                return "-" + super()._print_Mul(positive)
            return "-" + self.parenthesize(positive, (_MUL + _POW) / 2)
        return super()._print_Mul(expr)

    # -- sums: parentheses as printed; long sums in chunks ----------------------
    def _print_Add(self, expr, order=None):
        items = []
        for term in self._as_ordered_terms(expr, order=order):
            t = self._print(term)
            is_add = term.is_Add or term in self.inlined_add
            sign = "+"
            if t.startswith("-") and not is_add:
                sign, t = "-", t[1:]
            if is_add or self._text_prec(term, t) < _ADD:
                t = f"({t})"
            items.append((sign, t))
        # Python's compiler recurses once per binary operator: group long sums
        groups = [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        texts = [_signed(g) for g in groups]
        while len(texts) > _CHUNK:
            texts = ["(" + " + ".join(texts[i:i + _CHUNK]) + ")"
                     for i in range(0, len(texts), _CHUNK)]
        if len(texts) == 1:
            return texts[0]
        return " + ".join(f"({t})" for t in texts)

    def _print_Integer(self, expr):
        # beyond int64, numpy makes object arrays (numpy.cos(10**20 - x) fails); Python
        # turns the int into a float when it meets one, so the float is the same value
        # past the float range (exact products of constants in a derivative), the
        # float every engine computes in is inf
        p = int(expr)
        if abs(p) < 2 ** 62:
            return str(p)
        try:
            return repr(float(p))
        except OverflowError:
            return "math.inf" if p > 0 else "(-math.inf)"

    def _print_Float(self, expr):
        v = float(expr)
        if math.isfinite(v):
            return repr(v)
        # a constant that overflowed when folded (1e308*pi): math is in every namespace
        return "math.nan" if v != v else ("math.inf" if v > 0 else "(-math.inf)")

    def _print_NotANumber(self, expr):
        return "math.nan"          # math is in the namespace of every backend


def _signed(items) -> str:
    """``a - b + c`` from ``[("+", "a"), ("-", "b"), ("+", "c")]``."""
    first_sign, first = items[0]
    out = ("-" if first_sign == "-" else "") + first
    for sign, t in items[1:]:
        out += f" {sign} {t}"
    return out


def _wrapped(text: str) -> bool:
    """Is ``text`` one parenthesised group, ``(...)``?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


class NumpyCodePrinter(_Common, NumPyPrinter):
    """sympy's NumPyPrinter with symdiff's runtime: fast powers, special functions."""

    # order="none": printing sums in sympy's canonical order sorts every Add,
    # which was the main cost of printing large graphs
    _default_settings = {**NumPyPrinter._default_settings, "fully_qualified_modules": True,
                         "order": "none"}

    def __init__(self, settings=None):
        super().__init__(settings or {})

    # -- non-smooth and piecewise ------------------------------------------------
    def _print_Piecewise(self, expr):
        # nested where(): faster than select() and keeps dtype for two branches
        *pairs, (last_e, last_c) = expr.args
        out = self._print(last_e) if last_c == sympy.true else "numpy.nan"
        if last_c != sympy.true:
            pairs = list(pairs) + [(last_e, last_c)]
        for e, c in reversed(pairs):
            out = f"numpy.where({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.maximum({out}, {a})"
        return out

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.minimum({out}, {a})"
        return out

    def _logical(self, fn, expr):
        # pairwise, so that conditions of different shapes broadcast
        # (sympy's logical_and.reduce((a, b)) needs equal shapes)
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.{fn}({out}, {a})"
        return out

    def _print_And(self, expr):
        return self._logical("logical_and", expr)

    def _print_Or(self, expr):
        return self._logical("logical_or", expr)

    def _print_Relational(self, expr):
        # x > 0, as written: the comparison operators are numpy's ufuncs on arrays
        # (and torch's, jax's), and read as the user's condition
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        prec = precedence(expr)
        return f"{self.parenthesize(expr.lhs, prec)} {op} {self.parenthesize(expr.rhs, prec)}"

    def _print_LaneSum(self, expr):
        return f"numpy.sum({self._print(expr.args[0])}, axis=0)"

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}"


class MathCodePrinter(_Common, PythonCodePrinter):
    """Printer for Python floats: ``math`` functions, conditional expressions.

    Used for the scalar path of generated functions: on Python floats, plain
    ``math`` calls cost a fraction of numpy's per-call overhead, and a
    conditional expression evaluates only the branch it takes.
    """

    _default_settings = {**PythonCodePrinter._default_settings, "fully_qualified_modules": True,
                         "order": "none"}
    _sqrt = "math.sqrt"

    def __init__(self, settings=None):
        super().__init__(settings or {})

    def _print_Rational(self, expr):
        return f"({expr.p}/{expr.q})"

    def _print_Piecewise(self, expr):
        # conditional expressions; nan where no branch applies, as numpy.where gives
        *pairs, (last_e, last_c) = expr.args
        out = self._print(last_e) if last_c == sympy.true else "math.nan"
        if last_c != sympy.true:
            pairs = list(pairs) + [(last_e, last_c)]
        for e, c in reversed(pairs):
            out = f"({self._print(e)} if {self._print(c)} else {out})"
        return out



def call_printer(callee: str):
    """``_print_<class>`` printing the class as a call of ``callee`` on its arguments."""
    def print_call(self, expr):
        return f"{callee}({', '.join(self._print(a) for a in expr.args)})"
    print_call.__name__ = f"print_{callee}"
    return print_call


def install_printers(printer: type, column: str, special=None) -> None:
    """Give ``printer`` a ``_print_<class>`` for each sympy class a catalog row prints:
    a call of the row's ``column`` name (``"numpy"``, ``"math"``) or, for a special
    function, of ``special(row)`` (default ``_special.<name>``). Rows printing one
    class agree (tests/test_catalog.py); the first with a name wins."""
    special = special or (lambda row: call_printer(f"_special.{row.special}"))
    done = set()
    for row in catalog.ROWS:
        if row.printed is None or row.printed in done:
            continue
        if row.special:
            method = special(row)
        elif getattr(row, column):
            method = call_printer(getattr(row, column))
        else:
            continue
        done.add(row.printed)
        setattr(printer, f"_print_{row.printed}", method)


install_printers(NumpyCodePrinter, "numpy")
install_printers(MathCodePrinter, "math")


@dataclass
class Compiled:
    """A generated function: ``fn`` is called; ``source`` (``F.source``, in linecache
    under ``filename``) is the maths it runs; ``entry_source`` is ``fn``'s own code
    (the Python-float path and the call of ``runtime.arrays``), when it has one."""

    fn: Any
    source: str
    filename: str
    entry_source: str = ""


def _numeric_constants(e):
    """``e`` with exact constants (``sqrt(2)/sqrt(pi)``) as floats, so products of them
    fold into one coefficient instead of being multiplied out on every call; a
    float coefficient of exactly 1.0 or -1.0 (``0.01/(0.01*S)``) is dropped, which
    is exact in IEEE arithmetic."""
    if not isinstance(e, sympy.Basic) or e.is_Atom:
        return e
    if e.has(sympy.pi, sympy.E) or any(p.base.is_Number and not p.exp.is_Integer
                                       for p in e.atoms(sympy.Pow)):
        e = e.evalf(17)
    units = {m: sympy.Mul._from_args(m.args[1:]) if m.args[0] > 0
             else -sympy.Mul._from_args(m.args[1:])
             for m in e.atoms(sympy.Mul)
             if m.args[0].is_Float and float(m.args[0]) in (1.0, -1.0)}
    return e.xreplace(units) if units else e


def _lines(graph, outputs):
    """``(target, expr)`` assignments and the output expressions, CSE applied."""
    defs = [(s, _numeric_constants(graph.defs[s])) for s in graph.needed(outputs)]
    out_exprs = [_numeric_constants(sympy.sympify(e)) for e in outputs]
    repl, reduced = tree_cse([e for _, e in defs] + out_exprs)
    reduced_defs, out_exprs = reduced[:len(defs)], reduced[len(defs):]
    # a definition that CSE reduced to a temporary (r = _c0) is that temporary: the
    # temporary takes its name, and no alias line is printed
    temps = {t for t, _ in repl}
    rename: dict = {}
    kept = []
    for (sym, _), e in zip(defs, reduced_defs):
        if e in temps and e not in rename:
            rename[e] = sym
        else:
            kept.append((sym, e))
    if rename:
        repl = [(rename.get(t, t), e.xreplace(rename)) for t, e in repl]
        kept = [(sym, e.xreplace(rename)) for sym, e in kept]
        out_exprs = [e.xreplace(rename) for e in out_exprs]
    return _interleave(kept, repl), out_exprs


def _inline_targets(graph, lines, out_exprs) -> set:
    """Pieces that ``Graph._split`` named only to keep derivatives small, read once.

    They are printed at their use: ``y_1 = x*y + math.sin(y)`` is what the
    user wrote, and one store and load cheaper than a line of its own.
    """
    uses: dict = {}
    for _, e in lines:
        for u in e.free_symbols:
            uses[u] = uses.get(u, 0) + 1
        for p in e.atoms(sympy.Pow):     # x**2 prints as x*x: the base is read twice
            if p.base.is_Symbol:
                uses[p.base] = uses.get(p.base, 0) + 2
    for e in out_exprs:
        for u in e.free_symbols:
            uses[u] = uses.get(u, 0) + 2         # outputs keep their names
    return {t for t, _ in lines if uses.get(t, 0) == 1 and graph.inlinable(t)}


_CALL_HEAD = re.compile(r"[A-Za-z_][\w.]*\(")


def _one_call(text: str) -> bool:
    """Is ``text`` one call, ``name(...)``, that needs no parentheses where it is
    inlined? Decided on the printed text: a function's printed form may be an
    operator (Mod and frac print as ``x % y`` for Python floats)."""
    head = _CALL_HEAD.match(text)
    if head is None or not text.endswith(")"):
        return False
    depth = 0
    for i in range(head.end() - 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def print_lines(printer, lines, inline, indent, where=None, function=""):
    """Print assignments; inlined targets are remembered and printed at their use.
    (Public for ``backends``, whose numba kernel prints the same lines.)

    With ``where`` (def -> ``graph.Where``), each run of lines from one statement of
    the user's is headed by that statement, as Tangent's "# Grad of:" comments:
    ``# line 4: z = x**2 * y`` (``# line 9 in helper: ...`` for another function's).
    """
    out = []
    printer.inlined, printer.inlined_prec, printer.inlined_add = {}, {}, set()
    shown = None
    for t, e in lines:
        text = printer._print(e)
        if t in inline:
            printer.inlined[t] = text
            printer.inlined_prec[t] = printer._text_prec(e, text)
            if e.is_Add:
                printer.inlined_add.add(t)
            continue
        w = where.get(t) if where else None
        if w is not None and (w.function, w.lineno) != shown:
            shown = (w.function, w.lineno)
            stmt = w.text()
            if stmt is not None:
                place = f"line {w.lineno}" + ("" if w.function == function else f" in {w.function}")
                out.append(f"{indent}# {place}: {stmt}")
        out.append(f"{indent}{t} = {text}")
    return out


#: Backends other than numpy: name -> ``generate(spec: Spec) -> Compiled``.
#: ``symdiff.backends`` registers into it when imported (it imports codegen, never
#: the reverse).
BACKENDS: dict[str, Any] = {}


def register_backend(name: str, generate_for) -> None:
    """Make ``generate(..., backend=name)`` hand the CSE'd lines to ``generate_for``."""
    BACKENDS[name] = generate_for


@dataclass
class Spec:
    """What every backend prints a function from: the CSE'd ``lines`` and output
    expressions, the result ``layout``, and what the graph knows about them."""

    lines: list
    out_exprs: list
    layout: Layout
    name: str                   # the generated function's name (an identifier)
    params: tuple
    shapes: dict
    symbols: dict
    doc: str = ""
    lanes: dict = None          # lane symbol -> (param, index, elements), the used ones
    inline: set = None          # pieces printed at their use
    where: dict = None          # def -> the user's statement (graph.Where)
    function: str = ""          # the function read (its lines need no "in <name>")

    def __post_init__(self):
        self.used = used_symbols(self.lines, self.out_exprs)
        self.lanes = {s: v for s, v in (self.lanes or {}).items() if s in self.used}
        self.inline = set() if self.inline is None else self.inline
        self.where = self.where or {}


def generate(graph, outputs: list, layout: Layout, name: str, params: tuple,
             shapes: dict, symbols: dict, doc: str = "",
             backend: str = "numpy") -> Compiled:
    """Print the definitions ``outputs`` need and compile them into ``name(*params)``.

    ``F.source`` is the kernel: the lines once, commented with the user's statements.
    The function called is a short entry in front of it: Python numbers run the same
    lines with ``math`` functions (fast, one branch evaluated); anything else, or a
    math domain error there, goes to ``runtime.arrays``, which calls the kernel with
    broadcasting, blocks and lazy arrays.
    """
    lines, out_exprs = _lines(graph, outputs)
    last = graph.last
    spec = Spec(lines, out_exprs, layout, naming.sanitize(name), tuple(params), shapes, symbols,
                doc, lanes=graph.lanes, where=graph.where,
                inline=_inline_targets(graph, lines, out_exprs),
                function=last.function if last is not None else "")
    if backend != "numpy":
        generate_for = BACKENDS.get(backend)
        if generate_for is None:
            raise ValueError(f"unknown backend {backend!r}; available: numpy, "
                             f"{', '.join(BACKENDS)}")
        return generate_for(spec)
    return compile_kernel(spec, numpy_namespace(), runtime.NUMPY, fast_path=True)


def compile_kernel(spec: Spec, namespace: dict, module, fast_path: bool = False,
                   note: str = "") -> Compiled:
    """The kernel of ``spec`` (``F.source``) and its entry, compiled in ``namespace``
    (where ``numpy`` is the array library), run on arrays by ``runtime.arrays`` with
    ``module``; with ``fast_path``, Python numbers first run the lines with ``math``."""
    printer = NumpyCodePrinter()
    kernel_text, layout_data = kernel_source(spec, printer, note)
    kernel_name, arrays_name = f"_kernel_{spec.name}", f"_arrays_{spec.name}"
    scalar_params = not any(spec.shapes.get(p) for p in spec.params)
    block = (runtime.block_size(len(spec.lines) + len(spec.out_exprs))
             if module.numpy_like and spec.params and scalar_params else 0)
    plan = runtime.Plan(spec.params, [tuple(spec.shapes.get(p, ())) for p in spec.params],
                        block, layout_data, module)
    kernel = compile_source(kernel_text, spec.name, namespace)
    namespace[kernel_name] = namespace.pop(spec.name)
    namespace[arrays_name] = runtime.arrays(namespace[kernel_name], plan)
    fast = (fast_path and spec.params and not spec.lanes and not _has_scatter(spec.layout))
    entry_text = entry_source(spec, arrays_name, fast)
    entry = compile_source(entry_text, spec.name, namespace)
    kernel.fn = entry.fn
    kernel.entry_source = entry_text
    return kernel


def kernel_source(spec: Spec, printer, note: str = "") -> tuple[str, tuple]:
    """``def name(params):`` with the lines once, each block under a comment naming the
    user's statement it comes from, returning the outputs flat (``runtime.Plan``).
    Also the layout as data (``Plan.layout``)."""
    body = [f"# {note}"] if note else []
    body += _element_reads(spec)
    body += print_lines(printer, spec.lines, spec.inline, "", spec.where, spec.function)
    values: list = []
    layout_data = _layout_data(spec.layout, iter(spec.out_exprs), values)
    texts = [printer._print(e) for e in values]
    if layout_data == ("scalar",):
        body.append(f"return {texts[0]}")
    else:
        body.append("return " + (f"({texts[0]},)" if len(texts) == 1 else ", ".join(texts)))
    return def_source(spec, body), layout_data


def def_source(spec: Spec, body: list[str]) -> str:
    """``def name(params):``, the one-line docstring ``spec.doc`` and ``body`` (the
    numpy printer's and ``backends``' numba kernel's functions start alike)."""
    doc = spec.doc or f"{spec.name}({', '.join(spec.params)})"
    return "\n".join([f"def {spec.name}({', '.join(spec.params)}):", f'    """{doc}"""']
                     + ["    " + b for b in body]) + "\n"


def entry_source(spec: Spec, arrays_name: str, fast: bool) -> str:
    """What is called: the Python-float path (the kernel's lines with ``math``
    functions, not shown in ``F.source``), then ``runtime.arrays`` on the kernel."""
    body: list[str] = []
    if fast:
        mp = MathCodePrinter()
        checks, unpack = [], []
        for p in spec.params:
            shape = spec.shapes.get(p, ())
            if not shape:
                checks.append(f"{p}.__class__ in _PYNUM")
                continue
            checks.append(f"_is_point({p}, {shape!r})")
            names = [spec.symbols[p][idx].name for idx in np.ndindex(*shape)]
            unpack.append(f"        {', '.join(names)}{',' if len(names) == 1 else ''} = _floats({p})")
        body.append(f"if {' and '.join(checks)}:")
        body.append("    # one point in Python floats: math functions, only the branch taken is evaluated")
        body.append("    try:")
        body += unpack
        body += print_lines(mp, spec.lines, spec.inline, " " * 8)
        body.append("        return " + _emit_scalar_layout(spec.layout, iter(spec.out_exprs), mp))
        body.append("    except (ValueError, ZeroDivisionError, OverflowError, TypeError):")
        body.append("        pass  # a domain error on a branch not taken: numpy gives nan/inf there")
    # anything else: the kernel (F.source) on arrays, runtime.arrays(kernel, plan)
    body.append(f"return {arrays_name}({', '.join(spec.params)})")
    return def_source(spec, body)


def _element_reads(spec: Spec) -> list[str]:
    """The elements and slices of shaped parameters the lines read (not every element
    of a 100,000-element parameter)."""
    out = []
    for p in spec.params:
        shape = spec.shapes.get(p, ())
        if not shape:
            continue
        for idx in np.ndindex(*shape):
            elem = spec.symbols[p][idx]
            if elem in spec.used:
                out.append(f"{elem.name} = {p}[{', '.join(map(str, idx))}]")
        for lane, (param, index, _) in spec.lanes.items():
            if param != p:
                continue
            if any(isinstance(k, slice) and k.step < 0 for k in index):
                out.append(f"{lane.name} = _reversed_slice({p}, {index!r})")
            else:
                out.append(f"{lane.name} = {p}[{_index_text(index)}]")
    return out


def _layout_data(layout: Layout, exprs, values: list) -> tuple:
    """``layout`` as ``runtime.Plan`` data; the expressions it returns go to ``values``."""
    if layout.kind == "scalar":
        values.append(next(exprs))
        return ("scalar",)
    if layout.kind == "tuple":
        return ("tuple", tuple(_layout_data(item, exprs, values) for item in layout.items))
    if layout.kind == "array":
        values.extend(next(exprs) for _ in range(layout.size))
        return ("array", tuple(layout.shape))
    points = []
    for flat_index in range(int(np.prod(layout.shape, dtype=int))):
        e = next(exprs)
        if e != 0:
            points.append(tuple(int(i) for i in np.unravel_index(flat_index, layout.shape)))
            values.append(e)
    slices = tuple(layout.items)
    values.extend(next(exprs) for _ in slices)
    return ("scatter", tuple(layout.shape), slices, tuple(points))


def function_source(fname, params, doc, body) -> str:
    head = f"def {fname}({', '.join(params)}):"
    docstring = f'    """{fname}({", ".join(params)})' + (f"\n\n    {doc}" if doc else "") + '\n    """'
    return "\n".join([head, docstring] + ["    " + b for b in body]) + "\n"


def numpy_namespace() -> dict:
    """Globals of generated numpy code (kernel and entry): the modules and the few
    runtime helpers they call by these names (the array path's are runtime.arrays')."""
    return {"numpy": np, "math": math, "_special": _LAZY_SPECIAL,
            "_PYNUM": runtime.PYTHON_NUMBERS, "_F": np.float64,
            "_is_point": runtime.is_point, "_floats": runtime.floats,
            "_reversed_slice": runtime.reversed_slice, "_sign": runtime.sign,
            "_heaviside": runtime.heaviside}


# the namespace lives with the runtime, below the array IR that also calls it
special_functions = runtime.special_functions


class _LazySpecial:
    """What generated numpy code calls ``_special``: ``special_functions()``, looked up
    on first use. Importing scipy.special costs about 0.2 s, most of a fresh process's
    first derivative, and most functions never call erf or gamma. Each function is
    stored on the instance when first asked for, so later calls find it as a plain
    attribute (``__getattr__`` runs only for names not found)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(special_functions(), name)
        setattr(self, name, value)
        return value


_LAZY_SPECIAL = _LazySpecial()


def compile_source(source: str, name: str, namespace: dict, entry: str | None = None) -> Compiled:
    """Execute generated ``source`` under a unique filename registered in ``linecache``
    (so tracebacks and ``inspect`` show it) and return its function ``entry``.

    The ``linecache`` entry lives as long as the function (``runtime.register_lines``).
    A traceback through generated code keeps its frame's
    globals, hence the function and its lines, alive. The filename's number comes
    from ``itertools.count`` (atomic under the GIL: unique across threads); it
    appears in filenames only, never in ``F.source``.
    """
    filename = naming.GENERATED_FILE.format(name=name, n=next(_counter))
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, MemoryError, RecursionError) as exc:   # nesting past the parser's limits
        raise limits.too_deep(f"compiling {name}", "the generated code nests too deeply for "
                              f"Python's compiler ({type(exc).__name__}: {exc})") from None
    exec(code, namespace)
    fn = namespace[entry or name]
    runtime.register_lines(filename, source, fn)
    return Compiled(fn, source, filename)


def used_symbols(lines, out_exprs) -> set:
    used = set()
    for _, e in lines:
        used |= e.free_symbols
    for e in out_exprs:
        used |= e.free_symbols
    return used


def _has_scatter(layout: Layout) -> bool:
    return layout.kind == "scatter" or any(_has_scatter(i) for i in layout.items
                                           if isinstance(i, Layout))


def _emit(layout: Layout, leaf, array, scatter=None) -> str:
    """Return expression for ``layout``; tuples are walked here, the rest is the caller's.

    ``leaf()`` and ``array(layout)`` (and ``scatter(layout)``) consume the outputs
    they print, in order.
    """
    if layout.kind == "tuple":
        parts = [_emit(item, leaf, array, scatter) for item in layout.items]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if layout.kind == "scalar":
        return leaf()
    if layout.kind == "scatter":
        return scatter(layout)
    return array(layout)


def result_layout(layout: Layout, k) -> str:
    """Return expression for outputs computed as rows of ``_res`` (blocked/fused code)."""
    def rows(lay):
        first = next(k)
        for _ in range(lay.size - 1):
            next(k)
        return f"_res[{first}:{first + lay.size}].reshape({lay.shape!r} + _shape)"
    return _emit(layout, lambda: f"_res[{next(k)}].reshape(_shape)[()]", rows)


def _index_text(spec: tuple) -> str:
    """``(slice(1, 10, 1), 2)`` -> ``1:10, 2`` (as written in an index)."""
    parts = []
    for k in spec:
        if isinstance(k, slice):
            step = "" if k.step in (None, 1) else f":{k.step}"
            parts.append(f"{'' if k.start is None else k.start}:"
                         f"{'' if k.stop is None else k.stop}{step}")
        else:
            parts.append(str(k))
    return ", ".join(parts)


def _emit_scalar_layout(layout: Layout, exprs, printer) -> str:
    """Return expression of the Python-float path: float64 scalars and small arrays."""
    def array(lay):
        items = ", ".join(printer._print(next(exprs)) for _ in range(lay.size))
        return f"numpy.array(({items},), dtype=_F).reshape({lay.shape!r})"
    return _emit(layout, lambda: f"_F({_unwrapped(printer._print(next(exprs)))})", array)


def _unwrapped(text: str) -> str:
    """``text`` without the parentheses around all of it: it is a call's argument."""
    return text[1:-1] if _wrapped(text) else text


def _trivial(e) -> bool:
    """Cheaper to repeat than to name: -x, 2*x, x**2."""
    if isinstance(e, sympy.Mul) and len(e.args) == 2 and e.args[0].is_Number:
        return e.args[1].is_Atom
    if isinstance(e, sympy.Pow) and e.base.is_Atom and e.exp.is_Integer:
        return 0 < e.exp <= 2
    return False


def tree_cse(exprs):
    """Name every non-trivial subexpression that occurs more than once.

    Linear in the size of the expressions, unlike ``sympy.cse``, whose search
    for common subsets of sums and products is quadratic and took most of the
    compile time on graphs with thousands of lines. The SSA graph already
    shares everything the user's code shares; this only catches what
    differentiation repeats (``cos(x*y)`` in two partials, say).
    """
    counts: dict = {}
    stack = [e for e in exprs if isinstance(e, sympy.Basic)]
    while stack:
        e = stack.pop()
        if e.is_Atom:
            continue
        c = counts.get(e, 0)
        counts[e] = c + 1
        if c == 0:
            stack.extend(e.args)
    temps = sympy.numbered_symbols(naming.TEMP_PREFIX, real=True)
    repl: list = []
    memo: dict = {}

    def rebuild(e):
        if not isinstance(e, sympy.Basic) or e.is_Atom:
            return e
        if e in memo:
            return memo[e]
        args = [rebuild(a) for a in e.args]
        new = e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)
        if counts.get(e, 0) > 1 and not _trivial(e) and isinstance(e, sympy.Expr):
            t = next(temps)
            repl.append((t, new))
            new = t
        memo[e] = new
        return new

    return repl, [rebuild(e) for e in exprs]


def _interleave(defs, repl):
    """Place each common subexpression right after the last definition it reads."""
    pos = {s: i for i, (s, _) in enumerate(defs)}
    after: dict = {}
    slots: dict[int, list] = {}
    for t, e in repl:
        a = -1
        for u in e.free_symbols:
            a = max(a, pos.get(u, -1), after.get(u, -1))
        after[t] = a
        slots.setdefault(a, []).append((t, e))
    out = list(slots.get(-1, []))
    for i, d in enumerate(defs):
        out.append(d)
        out.extend(slots.get(i, []))
    return out
