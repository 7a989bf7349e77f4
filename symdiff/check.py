"""``sd.check``: every derivative three ways (symbolic, tape, finite differences).

Sits beside the pipeline as its proof. For a function and a point (or array
arguments, broadcast to many points) it computes the function and every partial
derivative up to ``order``:

1. **symbolically** -- the compiled ``F.diff(...)`` functions of ``sd.symbolic(fn)``;
2. **on the tape** -- the user's *own* function body run on ``symdiff.tape``
   tensors: a copy of the function whose globals have ``math``, ``numpy`` (any
   alias) and names imported from them rebound to ``tape.math``/``tape.numpy``,
   helpers rebound the same way, recursively; higher orders by repeated
   ``tape.grad(..., create_graph=True)``;
3. **numerically** -- central differences (tensor products of second-order
   stencils) on the plain Python function, Richardson-extrapolated over three
   step sizes, with an estimate of the truncation and rounding error.

Two values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|) + err``,
where ``err`` is the finite-difference error estimate for comparisons with finite
differences (and its rounding part between symbolic and tape), so an exact zero
gradient and derivatives of size 1e7 are both judged on the scale the finite
differences can resolve. Points where the symbolic expression switches (the
argument of ``Abs``/``sign``/``Max``/``Min``, a ``Piecewise`` condition's
``lhs - rhs`` or ``floor``'s argument (near) exactly at a switching value) are
flagged ``nondifferentiable`` rather than failed.

>>> import math, symdiff as sd
>>> def f(x, y):
...     return x**2 * y + math.sin(y)
>>> report = sd.check(f, 1.5, 0.5, order=2)
>>> report.ok
True
>>> report["d2f/dxdy"].symbolic
3.0
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import math
import sys
import types
from dataclasses import dataclass, field

import numpy as np
import sympy

from . import naming
from .errors import SymdiffSyntaxError
from .ops import catalog
from .layout import SCALAR, Layout
from .tracebacks import api_boundary
from .function import SymbolicFunction
from .static import StaticFunction

__all__ = ["check", "CheckReport", "CheckRow"]

EPS = float(np.finfo(np.float64).eps)
#: a switching function within this (relative) distance of zero marks a kink
KINK_TOL = 1e-10
#: safety factor on the finite-difference error estimate
FD_SAFETY = 10.0
#: a derivative this many times larger than any value the finite-difference stencil
#: can give from the sampled function values is beyond their resolution
FD_REACH = 4.0
_UNRESOLVED = ("finite differences cannot resolve this derivative (it is larger than any "
               "difference quotient of the sampled values: the function changes faster "
               "than the smallest step, or its floating-point value does not change at all "
               "because the input is lost to rounding)")


# ====================================================================== the report
@dataclass
class CheckRow:
    """One derivative (or the value, ``wrt == ()``) of one output, at every point.

    ``symbolic``, ``tape``, ``finite_diff`` and ``fd_error`` are floats for a single
    point, arrays of the broadcast shape otherwise (``tape`` is None when the
    function cannot run on the tape, e.g. an expression string).
    """

    name: str
    wrt: tuple
    output: int
    symbolic: object
    tape: object
    finite_diff: object
    fd_error: object
    nondifferentiable: object
    max_abs_err: float
    max_rel_err: float
    status: str                 # "ok", "FAIL", "nondifferentiable" or "unresolved"
    message: str = ""
    worst: tuple = ()           # index of the point shown in the table

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "nondifferentiable")

    @property
    def order(self) -> int:
        return len(self.wrt)


@dataclass
class CheckReport:
    """What ``sd.check`` returns: ``.ok``, ``.rows`` and a table as ``str(report)``.

    ``report["df/dx"]`` is the row of that derivative; ``report.failures`` the rows
    that disagree.
    """

    function: str
    params: tuple
    point: dict
    shape: tuple
    order: int
    rtol: float
    atol: float
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list:
        return [r for r in self.rows if not r.ok]

    @property
    def nondifferentiable(self) -> list:
        return [r for r in self.rows if r.status == "nondifferentiable"]

    def __getitem__(self, name: str) -> CheckRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no derivative {name!r}; have {', '.join(r.name for r in self.rows)}")

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{len(self.failures)} FAILED"
        return f"<CheckReport {self.function}: {len(self.rows)} rows, {state}>"

    def _where(self) -> str:
        if self.shape == ():
            return ", ".join(f"{k}={_fmt_arg(v)}" for k, v in self.point.items())
        n = int(np.prod(self.shape))
        return f"{n} points (broadcast shape {self.shape}); values shown at the worst point"

    def _verdict(self) -> str:
        if self.ok:
            return "OK"
        return "FAILED" if any(r.status == "FAIL" for r in self.rows) else "UNRESOLVED"

    def _table(self) -> tuple[str, list[list[str]], list[str]]:
        """(heading, rows of cells with the column names first, messages): what
        ``str()``, ``_repr_markdown_`` and ``_repr_html_`` lay out."""
        head = (f"sd.check({self.function}) at {self._where()}\n"
                f"order {self.order}, rtol={self.rtol:g}, atol={self.atol:g}: "
                f"{self._verdict()}")
        cols = ["derivative", "symbolic", "tape", "finite diff", "max abs err",
                "max rel err", "status"]
        table = [cols]
        for r in self.rows:
            def at(v):
                if v is None:
                    return "n/a"
                v = np.asarray(v)
                return _fmt(float(v[r.worst] if v.ndim else v))
            table.append([r.name, at(r.symbolic), at(r.tape), at(r.finite_diff),
                          _fmt(r.max_abs_err, 3), _fmt(r.max_rel_err, 3), r.status])
        msgs = [f"{r.name}: {r.message}" for r in self.rows if r.message] + list(self.notes)
        return head, table, msgs

    def __str__(self) -> str:
        head, table, msgs = self._table()
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = [head]
        for k, row in enumerate(table):
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1])]
            lines.append("  ".join(cells + [row[-1]]).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        if msgs:
            lines.append("")
            lines.extend(msgs)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """The table in a notebook (Jupyter shows this instead of ``repr``)."""
        head, table, msgs = self._table()
        cell = lambda c: c.replace("|", "\\|")              # noqa: E731
        first, verdict = head.split("\n")
        lines = [f"**{cell(first)}**  ", cell(verdict), "",
                 "| " + " | ".join(table[0]) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(table[0]) - 2) + [":---"]) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table[1:]]
        if msgs:
            lines += [""] + [f"- {cell(m)}" for m in msgs]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table as HTML, the failing rows marked (Jupyter, VS Code)."""
        from html import escape
        head, table, msgs = self._table()
        first, verdict = head.split("\n")
        th = "".join(f"<th>{escape(c)}</th>" for c in table[0])
        body = []
        for r, row in zip(self.rows, table[1:]):
            style = "" if r.ok else ' style="color:#b00020;font-weight:bold"'
            tds = "".join(f'<td style="text-align:{"left" if i in (0, len(row) - 1) else "right"}">'
                          f"{escape(c)}</td>" for i, c in enumerate(row))
            body.append(f"<tr{style}>{tds}</tr>")
        notes = "".join(f"<li>{escape(m)}</li>" for m in msgs)
        return (f"<p><b>{escape(first)}</b><br>{escape(verdict)}</p>"
                f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else ""))


def _fmt(v, digits=10) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return f"{v:.{digits}g}"


def _fmt_arg(v) -> str:
    a = np.asarray(v)
    return _fmt(float(a)) if a.ndim == 0 else np.array2string(a, precision=6, separator=", ")


def _shapes_of_point(fn, args, kwargs) -> dict | None:
    """``{"v": (3,)}`` for the parameters a point gives as lists or arrays."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    shapes = {p: np.shape(v) for p, v in bound.arguments.items()
              if isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) >= 1}
    return shapes or None


# ====================================================================== entry point
@api_boundary
def check(fn, *args, order: int = 1, rtol: float = 1e-6, atol: float = 1e-9,
          shapes: dict | None = None, **kwargs) -> CheckReport:
    """Compare every partial derivative up to ``order``: symbolic vs tape vs finite differences.

    ``fn`` is a plain function or a ``SymbolicFunction``; ``args``/``kwargs`` give
    the point (parameters left out take their defaults). Scalar parameters may be
    arrays: they broadcast, and every point is checked. A shaped parameter
    (``shapes={"x": (3,)}`` or a SymbolicFunction made with shapes) takes an array of
    exactly that shape, and each element is a variable (``df/dx[0]``).

    >>> import symdiff as sd
    >>> report = sd.check(lambda x: x**3, 2.0, order=3)
    >>> report["d3f/dx3"].symbolic, round(report["d3f/dx3"].finite_diff, 6)
    (6.0, 6.0)
    """
    from .api import symbolic
    from .limits import check_order
    order = check_order(order, minimum=0)
    if isinstance(fn, SymbolicFunction) and shapes is None:
        F = fn
    else:
        try:
            F = symbolic(fn, shapes=shapes)
        except SymdiffSyntaxError:
            # f(v) indexes v and the point gives v as a list or array: that is its shape
            inferred = None if shapes is not None else _shapes_of_point(fn, args, kwargs)
            if not inferred:
                raise
            F = symbolic(fn, shapes=inferred)
    if isinstance(F, StaticFunction):      # the reading for the static values given
        F, args, kwargs = F.split_call(args, kwargs)
    plain = F.fn
    name = naming.sanitize(F.name) if F.fn is None else getattr(plain, "__name__", F.name)
    if name == "<lambda>":
        name = "f"

    try:
        bound = F.__signature__.bind(*args, **kwargs)
    except TypeError as exc:        # named like F(...)'s own errors, not inspect's bare text
        raise TypeError(f"check({name}({', '.join(F.params)})): {exc}; the point needs a "
                        f"value for each parameter, e.g. sd.check({name}, "
                        f"{', '.join('1.0' for _ in F.params)})") from None
    bound.apply_defaults()
    values = dict(bound.arguments)
    shp = F.shapes
    coords = []                         # (display name, param, index or None)
    for p in F.params:
        if shp.get(p):
            a = np.asarray(values[p], dtype=float)
            if a.shape != tuple(shp[p]):
                raise ValueError(f"{p} is declared with shape {tuple(shp[p])}; got an "
                                 f"argument of shape {a.shape}")
            values[p] = a
            for idx in np.ndindex(*a.shape):
                coords.append((f"{p}[{','.join(map(str, idx))}]", p, idx))
        else:
            values[p] = np.asarray(values[p], dtype=float)
            coords.append((p, p, None))
    scalar_params = [p for p in F.params if not shp.get(p)]
    bshape = np.broadcast_shapes(*(values[p].shape for p in scalar_params)) if scalar_params else ()
    points = []
    for idx in np.ndindex(*bshape):
        vec = []
        for _, p, cidx in coords:
            v = values[p]
            vec.append(float(v[cidx]) if cidx is not None else float(np.broadcast_to(v, bshape)[idx]))
        points.append(np.array(vec))

    kw_only = set()
    if plain is not None:
        try:
            kw_only = {n for n, q in inspect.signature(plain).parameters.items()
                       if q.kind is inspect.Parameter.KEYWORD_ONLY}
        except (TypeError, ValueError):
            pass

    def call_user(func, arglist):
        pos = [a for p, a in zip(F.params, arglist) if p not in kw_only]
        kw = {p: a for p, a in zip(F.params, arglist) if p in kw_only}
        return func(*pos, **kw)

    def to_args(vec):
        out, k = [], 0
        for p in F.params:
            if shp.get(p):
                n = int(np.prod(shp[p]))
                out.append(np.array(vec[k:k + n]).reshape(shp[p]))
                k += n
            else:
                out.append(float(vec[k]))
                k += 1
        return out

    report = CheckReport(function=name, params=F.params,
                         point={p: values[p] for p in F.params}, shape=tuple(bshape),
                         order=order, rtol=rtol, atol=atol)
    ncoord = len(coords)
    seqs = [s for k in range(order + 1)
            for s in itertools.combinations_with_replacement(range(ncoord), k)]

    with np.errstate(all="ignore"):
        # 1. symbolic
        sym_vals, sym_err = {}, {}
        m = None
        for seq in seqs:
            names = [coords[j][0] for j in seq]
            try:
                Fd = F.diff(*names) if names else F
                vals = [np.asarray(Fd(*to_args(x)), dtype=float).ravel() for x in points]
                sym_vals[seq] = np.array(vals)
                m = sym_vals[seq].shape[1] if m is None else m
            except Exception as exc:       # report, do not hide: the row fails with it
                sym_err[seq] = f"symbolic derivative raised {type(exc).__name__}: {exc}"
        if m is None:
            m = 1
        # 2. tape
        tape_fn, tape_note = _tape_function(F)
        if tape_note:
            report.notes.append(tape_note)
        tape_vals, tape_err = {}, None
        if tape_fn is not None:
            try:
                per_point = [_tape_derivatives(lambda *a: call_user(tape_fn, a), to_args(x),
                                               F.params, coords, order, m) for x in points]
                tape_vals = {s: np.array([pp[s] for pp in per_point]) for s in seqs}
            except Exception as exc:
                tape_err = f"tape raised {type(exc).__name__}: {exc}"
        # 3. switching functions and finite differences
        switch = _switching(F, to_args)
        if plain is None:
            def call(vec):
                return np.asarray(F(*to_args(vec)), dtype=float).ravel()
        else:
            def call(vec):
                return _flat_float(call_user(plain, to_args(vec)))
        f_eval = _safe(call, m)
        fd_vals = {s: np.empty((len(points), m)) for s in seqs}
        fd_errs = {s: np.empty((len(points), m)) for s in seqs}
        fd_rnd = {s: np.empty((len(points), m)) for s in seqs}
        fd_reach = {s: np.empty((len(points), m)) for s in seqs}
        kinks = np.zeros(len(points), dtype=bool)
        for i, x in enumerate(points):
            kinks[i] = switch.at_kink(x)
            for s in seqs:
                (fd_vals[s][i], fd_errs[s][i], fd_rnd[s][i],
                 fd_reach[s][i]) = _finite_difference(f_eval, x, s, switch)

    fname = [name if m == 1 else f"{name}[{i}]" for i in range(m)]
    for out in range(m):
        for seq in seqs:
            wrt = tuple(coords[j][0] for j in seq)
            rname = fname[out] if not wrt else naming.display_derivative(fname[out], wrt)
            s = sym_vals[seq][:, out] if seq in sym_vals else np.full(len(points), np.nan)
            t = tape_vals[seq][:, out] if seq in tape_vals else None
            row = _judge(rname, wrt, out, s, t, fd_vals[seq][:, out], fd_errs[seq][:, out],
                         fd_rnd[seq][:, out], fd_reach[seq][:, out],
                         kinks if seq else np.zeros_like(kinks),
                         rtol, atol, bshape, sym_err.get(seq),
                         tape_err if tape_fn is not None else None, tape_fn is None)
            report.rows.append(row)
    return report


# ====================================================================== judging
def _judge(name, wrt, out, s, t, d, e, r, reach, kinks, rtol, atol, bshape, sym_err, tape_err,
           no_tape):
    npts = len(s)
    engines = [("symbolic", s)] + ([] if t is None else [("tape", t)]) + [("finite differences", d)]
    # A derivative larger than any value the stencil can give from the sampled values
    # (``reach``; 0 when no sample differs from f(x): the input is lost to rounding,
    # as in x + 1e308) is beyond the finite differences: symbolic vs tape still count
    # Likewise where the difference quotients overflow to inf or nan next to finite
    # function values (a derivative of 1e308).
    unresolved = np.zeros(npts, dtype=bool)
    if wrt:
        with np.errstate(invalid="ignore"):
            unresolved = ((np.isfinite(s) & (np.abs(s) > FD_REACH * reach))
                          | (~np.isnan(s) & ~np.isfinite(d))) & ~kinks
    fd_extra = FD_SAFETY * e
    pairs = []
    if t is not None:
        pairs.append((0, 1, r))
    pairs += [(0, len(engines) - 1, fd_extra)]
    if t is not None:
        pairs.append((1, 2, fd_extra))
    bad_pair = np.zeros((len(pairs), npts), dtype=bool)
    score = np.zeros(npts)
    max_abs = max_rel = 0.0
    for k, (i, j, extra) in enumerate(pairs):
        a, b = engines[i][1], engines[j][1]
        fin = np.isfinite(a) & np.isfinite(b)
        same = (np.isnan(a) & np.isnan(b)) | (np.isinf(a) & np.isinf(b) & (a == b))
        diff = np.where(fin, np.abs(a - b), 0.0)
        big = np.where(fin, np.maximum(np.abs(a), np.abs(b)), 0.0)
        tol = atol + rtol * big + np.where(np.isfinite(extra), extra, np.inf)
        bad = (fin & (diff > tol)) | (~fin & ~same)
        if j == len(engines) - 1:
            bad &= ~unresolved                 # finite differences do not count there
        bad &= ~kinks
        bad_pair[k] = bad
        score = np.maximum(score, np.where(~fin & ~same, np.inf, diff / tol))
        ok_pts = fin & ~kinks
        if j == len(engines) - 1:
            ok_pts &= ~unresolved
        if ok_pts.any():
            max_abs = max(max_abs, float(diff[ok_pts].max()))
            rel = np.where(big > 0, diff / np.where(big > 0, big, 1.0), 0.0)
            max_rel = max(max_rel, float(rel[ok_pts].max()))
    score = np.where(kinks, -1.0, score)
    worst = int(np.argmax(score)) if npts else 0
    widx = np.unravel_index(worst, bshape) if bshape else ()
    bad_any = bad_pair.any(axis=0)
    message = ""
    if sym_err or tape_err:
        status = "FAIL"
        message = "; ".join(m for m in (sym_err, tape_err) if m)
    elif bad_any.any():
        status = "FAIL"
        p = int(np.argmax(bad_any))
        message = _blame(engines, p, bad_pair, pairs) + _at(p, bshape, npts)
        nbad = int(bad_any.sum())
        if nbad > 1:
            message += f" ({nbad} of {npts} points disagree)"
    elif unresolved.any() and t is None:
        status = "unresolved"
        p = int(np.argmax(unresolved))
        message = (_UNRESOLVED + "; without the tape nothing else checks the symbolic value"
                   + _at(p, bshape, npts))
    elif kinks.all():
        status = "nondifferentiable"
        message = "not differentiable here (a branch of |.|, max/min, sign, floor or if switches at this point)" if npts == 1 else "not differentiable at any of the points"
    else:
        status = "ok"
        if kinks.any():
            message = f"{int(kinks.sum())} of {npts} points skipped: not differentiable there"
        if unresolved.any():
            message = "; ".join(m for m in (message, _UNRESOLVED + "; symbolic and tape agree"
                                            + _at(int(np.argmax(unresolved)), bshape, npts)) if m)
    if no_tape and not message:
        message = ""

    def shaped(v):
        if v is None:
            return None
        v = np.asarray(v, dtype=float)
        return float(v[0]) if bshape == () else v.reshape(bshape)

    return CheckRow(name=name, wrt=wrt, output=out, symbolic=shaped(s), tape=shaped(t),
                    finite_diff=shaped(d), fd_error=shaped(e),
                    nondifferentiable=bool(kinks[0]) if bshape == () else kinks.reshape(bshape),
                    max_abs_err=max_abs, max_rel_err=max_rel, status=status,
                    message=message, worst=widx)


def _at(p, bshape, npts):
    return "" if npts == 1 else f" at point {np.unravel_index(p, bshape)}"


def _blame(engines, p, bad_pair, pairs) -> str:
    """Say which engine is the odd one out at point ``p``."""
    vals = {n: float(v[p]) for n, v in engines}
    desc = ", ".join(f"{n} {_fmt(v)}" for n, v in vals.items())
    nonfinite = [n for n, v in vals.items() if not math.isfinite(v)]
    finite = [n for n, v in vals.items() if math.isfinite(v)]
    if nonfinite and finite and len(nonfinite) < len(vals):
        odd = " and ".join(nonfinite)
        return (f"{odd} give{'s' if len(nonfinite) == 1 else ''} "
                f"{', '.join(_fmt(vals[n]) for n in nonfinite)} where "
                f"{' and '.join(finite)} give {', '.join(_fmt(vals[n]) for n in finite)}")
    names = [n for n, _ in engines]
    if len(names) == 3:
        agree = [not bad_pair[k][p] for k in range(len(pairs))]   # (s,t), (s,fd), (t,fd)
        if agree[2] and not agree[0] and not agree[1]:
            return f"symbolic disagrees with tape and finite differences ({desc})"
        if agree[1] and not agree[0] and not agree[2]:
            return f"tape disagrees with symbolic and finite differences ({desc})"
        if agree[0] and not agree[1] and not agree[2]:
            return f"finite differences disagree with symbolic and tape ({desc})"
    return f"engines disagree ({desc})"


# ====================================================================== tape
_LIBRARY_ROOTS = {"numpy", "sympy", "symdiff", "scipy", "pytest", "_pytest", "pluggy",
                  "mpmath", "hypothesis", "torch", "jax"}


def _is_library(obj) -> bool:
    mod = getattr(obj, "__module__", None) or getattr(obj, "__name__", "") or ""
    root = mod.split(".")[0]
    if root in _LIBRARY_ROOTS or root in getattr(sys, "stdlib_module_names", ()):
        return True
    fname = getattr(getattr(obj, "__code__", None), "co_filename", "") or getattr(obj, "__file__", "") or ""
    return "site-packages" in fname or "dist-packages" in fname


def _keep_tensor(cast):
    from .tape import Tensor

    def conv(x=0.0, *rest):
        return x if isinstance(x, Tensor) else cast(x, *rest)
    conv.__name__ = getattr(cast, "__name__", "cast")
    return conv


def _object_array(maker):
    # np.zeros(3) then out[i] = x[i] * ...: an object array keeps the tensors
    def make(*args, **kwargs):
        kwargs.pop("dtype", None)
        a = maker(*args, **kwargs)
        return a.astype(object) if np.issubdtype(a.dtype, np.number) else a
    make.__name__ = getattr(maker, "__name__", "make")
    return make


def _tape_numpy():
    from . import tape
    mod = types.ModuleType("symdiff.check.tape_numpy", "tape.numpy, as sd.check runs user code")
    for n in ("float64", "float32", "float_", "double"):
        if hasattr(np, n):
            setattr(mod, n, _keep_tensor(getattr(np, n)))
    for n in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
              "full_like"):
        setattr(mod, n, _object_array(getattr(np, n)))
    mod.__getattr__ = lambda n: getattr(tape.numpy, n)
    return mod


class _Rebinder:
    """Copies of user functions whose globals see ``tape.math``/``tape.numpy``."""

    def __init__(self):
        from . import tape
        self.tape = tape
        self.np = _tape_numpy()
        self.globals_memo: dict = {}
        self.fn_memo: dict = {}
        self.mod_memo: dict = {}

    def value(self, v):
        tape = self.tape
        if v is math:
            return tape.math
        if v is np:
            return self.np
        if isinstance(v, SymbolicFunction):
            return self.function(v.fn) if v.fn is not None else v
        if isinstance(v, types.FunctionType):
            if _is_library(v):
                mod = getattr(v, "__module__", "") or ""
                if mod.split(".")[0] == "numpy":
                    return getattr(self.np, v.__name__, v)
                return v
            return self.function(v)
        if isinstance(v, (types.BuiltinFunctionType, np.ufunc)):
            mod = getattr(v, "__module__", None)
            if mod == "math":
                return getattr(tape.math, v.__name__, v)
            if isinstance(v, np.ufunc) or (mod or "").split(".")[0] == "numpy":
                return getattr(self.np, v.__name__, v)
            return v
        if isinstance(v, types.ModuleType) and not _is_library(v):
            return self.module(v)
        return v

    def globals_of(self, g: dict) -> dict:
        key = id(g)
        if key not in self.globals_memo:
            new = dict(g)
            self.globals_memo[key] = new
            for k, v in g.items():
                if k.startswith("__") and k.endswith("__"):
                    continue
                new[k] = self.value(v)
            if "float" not in g:
                new["float"] = _keep_tensor(builtins.float)
        return self.globals_memo[key]

    def function(self, fn):
        if id(fn) in self.fn_memo:
            return self.fn_memo[id(fn)]
        closure = None
        if fn.__closure__:
            cells = []
            for c in fn.__closure__:
                try:
                    cells.append(types.CellType(self.value(c.cell_contents)))
                except ValueError:          # empty cell
                    cells.append(c)
            closure = tuple(cells)
        new = types.FunctionType(fn.__code__, {}, fn.__name__, fn.__defaults__, closure)
        self.fn_memo[id(fn)] = new
        # globals after the memo entry: helpers may call each other
        new = types.FunctionType(fn.__code__, self.globals_of(fn.__globals__), fn.__name__,
                                 fn.__defaults__, closure)
        new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
        new.__dict__.update(fn.__dict__)
        self.fn_memo[id(fn)] = new
        return new

    def module(self, mod):
        if id(mod) not in self.mod_memo:
            proxy = types.ModuleType(mod.__name__)
            self.mod_memo[id(mod)] = proxy
            proxy.__dict__.update(self.globals_of(mod.__dict__))
        return self.mod_memo[id(mod)]


def _tape_function(F):
    """The user's function rebound to the tape, or (None, reason)."""
    fn = F.fn
    if fn is None:
        return None, "tape: no Python function to run (an expression string); tape column skipped"
    if not isinstance(fn, types.FunctionType):
        return None, f"tape: {type(fn).__name__} is not a Python function; tape column skipped"
    return _Rebinder().function(fn), None


def _tape_derivatives(tape_fn, args, params, coords, order, m):
    """``{seq: array(m)}`` of derivatives by repeated ``tape.grad``."""
    from . import tape
    Tensor = tape.Tensor
    leaves = [tape.tensor(np.asarray(a, dtype=float), requires_grad=True) for a in args]
    with _value_semantics():
        outs = _flat_tensors(tape_fn(*leaves))
    if len(outs) != m:
        raise ValueError(f"the function returned {len(outs)} values on the tape, "
                         f"{m} symbolically")
    pidx = {p: i for i, p in enumerate(params)}
    n = len(coords)
    res: dict = {}

    def value(v):
        return float(v.detach().numpy()) if isinstance(v, Tensor) else float(v)

    for o, out in enumerate(outs):
        level = {(): out}
        res.setdefault((), np.zeros(m))[o] = value(out)
        for k in range(1, order + 1):
            nxt = {}
            for seq, t in level.items():
                if isinstance(t, Tensor) and t.requires_grad:
                    gs = tape.grad(t, leaves, retain_graph=True, create_graph=k < order,
                                   allow_unused=True)
                else:
                    gs = [None] * len(leaves)
                start = seq[-1] if seq else 0
                for j in range(start, n):
                    _, p, idx = coords[j]
                    g = gs[pidx[p]]
                    nxt[seq + (j,)] = 0.0 if g is None else (g[idx] if idx is not None else g)
            for seq, t in nxt.items():
                res.setdefault(seq, np.zeros(m))[o] = value(t)
            level = nxt
    return res


_INPLACE = ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__",
            "__imod__", "__imatmul__")


class _value_semantics:
    """While the user's code runs, ``z += y`` means ``z = z + y``, as for Python floats.

    Tensors update in place (and a leaf refuses to), so ``z = x; z += y`` would change
    ``x`` or raise; the user wrote the code for numbers, so the in-place operators of
    ``Tensor`` are hidden during the run and Python falls back to ``z = z + y``.
    """

    def __enter__(self):
        from .tape import Tensor
        self.saved = {n: Tensor.__dict__[n] for n in _INPLACE if n in Tensor.__dict__}
        for n in self.saved:
            delattr(Tensor, n)
        # ``a += t`` with a numpy array ``a`` (np.where of constants gives a 0-d one)
        # calls ``np.add(a, t, out=(a,))``; its value is what ``a`` is bound to next
        self.ufunc = Tensor.__dict__["__array_ufunc__"]
        ufunc = self.ufunc

        def by_value(t, uf, method, *inputs, **kwargs):
            out = kwargs.get("out")
            if out is not None and method == "__call__" \
                    and not any(isinstance(o, Tensor) for o in out):
                kwargs = {k: v for k, v in kwargs.items() if k != "out"}
            return ufunc(t, uf, method, *inputs, **kwargs)
        Tensor.__array_ufunc__ = by_value

    def __exit__(self, *exc):
        from .tape import Tensor
        for n, v in self.saved.items():
            setattr(Tensor, n, v)
        Tensor.__array_ufunc__ = self.ufunc


def _flat_tensors(v) -> list:
    from .tape import Tensor
    if isinstance(v, Tensor):
        if v.ndim == 0:
            return [v]
        return [v[idx] for idx in np.ndindex(*v.shape)]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _flat_tensors(item)]
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return _flat_tensors(v[()])
        return [x for item in v.ravel() for x in _flat_tensors(item)]
    return [v]


def _flat_float(v) -> np.ndarray:
    if isinstance(v, (list, tuple)):
        return np.concatenate([_flat_float(x) for x in v]) if v else np.zeros(0)
    return np.asarray(v, dtype=float).ravel()


# ====================================================================== switching points
class _Switch:
    """Where the symbolic expression changes branch; ``values(x)`` at a point vector.

    Each switching function is ``(expr, integer)``: a kink where ``expr == 0``, or,
    for floor/ceiling/Mod arguments, where ``expr`` is an integer.
    """

    def __init__(self, fn=None, integer=()):
        self.fn = fn
        self.integer = np.array(integer, dtype=bool)

    def values(self, x):
        if self.fn is None:
            return np.zeros(0)
        try:
            return _flat_float(self.fn(x))
        except Exception:
            return np.full(len(self.integer), np.nan)

    def side(self, x):
        """Which side of each switching value ``x`` is on."""
        v = self.values(x)
        return np.where(self.integer, np.floor(v), np.sign(v))

    def at_kink(self, x) -> bool:
        v = self.values(x)
        if not len(v):
            return False
        scale = max(1.0, float(np.max(np.abs(x)))) if len(x) else 1.0
        dist = np.where(self.integer, np.abs(v - np.round(v)), np.abs(v))
        return bool(np.any(dist <= KINK_TOL * scale))


def _classes(kind, at):
    return tuple(getattr(sympy, name) for name in catalog.sympy_classes(kind, at))


# the catalog's non-smooth functions, by where they switch: where their argument is
# zero (abs, sign, Heaviside), at ties of their arguments (max, min), at integers
# (floor, ceiling, frac)
_AT_ZERO = _classes(("kink", "step"), "zero")
_AT_TIES = _classes(("kink", "step"), "ties")
_STEP = _classes(("kink", "step"), "integers")


def _switching_exprs(expr):
    """``(expr, integer)`` pairs of the non-smooth atoms directly inside ``expr``."""
    found = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sympy.Basic) and cond not in (sympy.true, sympy.false):
                    rels = [cond] if isinstance(cond, sympy.core.relational.Relational) \
                        else list(cond.atoms(sympy.core.relational.Relational))
                    found += [(rel.lhs - rel.rhs, False) for rel in rels]
        elif isinstance(node, _AT_ZERO):
            found.append((node.args[0], False))
        elif isinstance(node, _AT_TIES):
            found += [(a - b, False) for a, b in itertools.combinations(node.args, 2)]
        elif isinstance(node, _STEP):
            found.append((node.args[0], True))
        elif isinstance(node, sympy.Mod):
            found.append((node.args[0] / node.args[1], True))
    return found


def _switching(F, to_args) -> _Switch:
    if hasattr(F, "named_sizes"):       # an array function: its element-wise reading's switches
        F = F._twin()
    g = F.graph
    exprs = []
    for e in list(F.outputs) + [g.defs[s] for s in g.needed(F.outputs)]:
        if isinstance(e, sympy.Basic):
            exprs += _switching_exprs(e)
    exprs = [(e, i) for e, i in exprs if isinstance(e, sympy.Expr) and not e.is_number]
    if not exprs:
        return _Switch()
    seen, uniq = set(), []
    for e, i in exprs:
        if (e, i) not in seen:
            seen.add((e, i))
            uniq.append((e, i))
    S = F.derived([e for e, _ in uniq], Layout("tuple", items=(SCALAR,) * len(uniq)),
                   f"switch {F.name}", F.wrt)
    return _Switch(lambda x: S(*to_args(x)), [i for _, i in uniq])


# ====================================================================== finite differences
_STENCILS: dict = {}


def _stencil(k: int):
    """Offsets and weights of the second-order central difference for d^k/dx^k."""
    if k not in _STENCILS:
        half = (k + 1) // 2
        offs = list(range(-half, half + 1))
        M = sympy.Matrix([[sympy.Rational(o) ** p / sympy.factorial(p) for o in offs]
                          for p in range(len(offs))])
        rhs = sympy.Matrix([1 if p == k else 0 for p in range(len(offs))])
        w = M.LUsolve(rhs)
        pairs = [(o, float(c)) for o, c in zip(offs, w) if c != 0]
        _STENCILS[k] = pairs
    return _STENCILS[k]


def _safe(call, m):
    def f(x):
        try:
            v = call(x)
        except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
            return np.full(m, np.nan)
        if v.shape != (m,):
            return np.full(m, np.nan)
        return v
    return f


def _difference(f, x, counts, h):
    """One stencil application: derivative estimate and sum |w f| / prod h^k (for rounding)."""
    parts = [[(j, o, w) for o, w in _stencil(k)] for j, k in counts.items()]
    total, absum = 0.0, 0.0
    vals = []
    denom = 1.0
    for j, k in counts.items():
        denom *= h[j] ** k
    pts = []
    for combo in itertools.product(*parts):
        xp = x.copy()
        w = 1.0
        for j, o, wj in combo:
            xp[j] = x[j] + o * h[j]
            w *= wj
        fv = f(xp)
        total = total + w * fv
        absum = absum + abs(w) * np.abs(fv)
        pts.append(xp)
        vals.append(fv)
    return total / denom, absum / denom, pts, vals


def _finite_difference(f, x, seq, switch):
    """Richardson-extrapolated central difference for the multi-index ``seq``.

    Returns (value, error estimate, rounding part of it, reach), each an array over
    outputs; ``reach`` bounds |value| given the sampled function values (0 when none
    of them differs from f(x)).
    """
    if not seq:
        v = f(x)
        return v, np.abs(v) * 4 * EPS, np.abs(v) * 4 * EPS, np.full(np.shape(v), np.inf)
    counts: dict = {}
    for j in seq:
        counts[j] = counts.get(j, 0) + 1
    n = len(seq)
    base = {j: EPS ** (1.0 / (n + 2)) * 8.0 * max(1.0, abs(x[j])) for j in counts}
    # variables far below 1 (a wavelength of 5e-7 m) also get steps relative to |x|
    tiny = {j: EPS ** (1.0 / (n + 2)) * 8.0 * (abs(x[j]) if 0 < abs(x[j]) < 1e-2 else max(1.0, abs(x[j])))
            for j in counts}
    side0 = switch.side(x)
    f0 = f(x)
    best = fallback = None
    cands = [(base, f) for f in (1.0, 0.1, 0.01, 1e-3, 10.0)]
    if tiny != base:
        cands = [(tiny, f) for f in (1.0, 0.1, 10.0)] + cands
    for steps, factor in cands:
        h0 = {j: b * factor for j, b in steps.items()}
        levels = []
        crossed = False
        flat = np.ones(np.shape(f0), dtype=bool)       # no sample differs from f(x)
        for lev in range(3):
            h = {j: v / 2 ** lev for j, v in h0.items()}
            d, a, pts, vals = _difference(f, x, counts, h)
            levels.append((d, a))
            for v in vals:
                flat &= (v == f0)
            if lev == 0 and len(side0):
                crossed = any(not np.array_equal(switch.side(p), side0) for p in pts)
        (d0, a0), (d1, a1), (d2, a2) = levels
        r10 = (4 * d1 - d0) / 3
        r11 = (4 * d2 - d1) / 3
        r2 = (16 * r11 - r10) / 15
        noise = 64 * EPS
        reach = (64 * a2 + 20 * a1 + a0) / 45          # |r2| can be no larger
        rnd = noise * reach
        err = np.abs(r2 - r11) + rnd
        cand = (r2, err, rnd, np.where(flat, 0.0, reach))
        bad = crossed or not np.all(np.isfinite(r2) | ~np.isfinite(f(x)))
        if not bad:
            scale = np.abs(r2) + 1.0
            if best is None or np.all(err <= best[1]):
                best = cand
            if np.all(err <= 1e-7 * scale):
                break
        elif factor == 1e-3 and steps is base:
            fallback = cand
    return best if best is not None else fallback
