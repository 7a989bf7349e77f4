"""``sd.check``: every derivative three ways (symbolic, tape, finite differences).

Sits beside the pipeline as its proof. For a function and a point (or array
arguments, broadcast to many points) it computes the function and every partial
derivative up to ``order``:

1. **symbolically** -- the compiled ``F.diff(...)`` functions of ``sd.symbolic(fn)``,
   and every other function the API offers for the same derivatives (``F.grad``,
   ``F.jacobian``, ``F.hessian``), which must give the same values;
2. **on the tape** -- the user's *own* function body run on ``symdiff.tape``
   tensors: a copy of the function whose globals have ``math``, ``numpy`` (any
   alias) and names imported from them rebound to ``tape.math``/``tape.numpy``,
   helpers rebound the same way, recursively; higher orders by repeated
   ``tape.grad(..., create_graph=True)``;
3. **numerically** -- central differences (tensor products of second-order
   stencils) on the plain Python function, Richardson-extrapolated over three
   step sizes, with an estimate of the truncation and rounding error.

The package's parts, in the order a check runs them: ``__init__`` binds the
point and collects the three engines' values, ``on_tape`` runs the user's code on
the tape, ``finite_diff`` and ``switching`` give the numerical opinion and the
points where it does not apply, ``judge`` compares, ``report`` holds the result.

Two values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|) + err``,
where ``err`` is the finite-difference error estimate for comparisons with finite
differences (and its rounding part between symbolic and tape), so an exact zero
gradient and derivatives of size 1e7 are both judged on the scale the finite
differences can resolve. Points where the symbolic expression switches (the
argument of ``Abs``/``sign``/``Max``/``Min``, a ``Piecewise`` condition's
``lhs - rhs`` or ``floor``'s argument (near) exactly at a switching value) are
flagged ``nondifferentiable`` rather than failed.

A check never passes on nothing: where the function is undefined (Python raises,
as ``math.log(-1.0)`` does, or the value is nan or inf) or a derivative is not a
finite number, every engine may agree on nan, and the row is ``undefined``, a
failure with a message that says why.

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

import inspect
import itertools
from dataclasses import dataclass

import numpy as np

from .. import naming
from ..api import symbolic
from ..errors import SymdiffSyntaxError
from ..function import SymbolicFunction
from ..limits import check_order
from ..static import StaticFunction
from ..tracebacks import api_boundary
from .domain import undefined_at
from .finite_diff import finite_difference, flat_float, safe
from .judge import judge
from .on_tape import tape_derivatives, tape_function
from .report import CheckReport, CheckRow, fmt
from .switching import switching

__all__ = ["check", "CheckReport", "CheckRow"]

_switching = switching      # the name tests/fuzzing.py uses


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
    pt = _bind(F, args, kwargs)
    report = CheckReport(function=pt.name, params=F.params,
                         point={p: pt.values[p] for p in F.params}, shape=pt.bshape,
                         order=order, rtol=rtol, atol=atol)
    seqs = [s for k in range(order + 1)
            for s in itertools.combinations_with_replacement(range(len(pt.coords)), k)]
    with np.errstate(all="ignore"):
        undefined = undefined_at(F, pt)
        sym = _symbolic(F, pt, seqs, order)
        tape = _tape(F, pt, seqs, order, sym.m)
        fd = _numeric(F, pt, seqs, sym.m)
    if tape.note:
        report.notes.append(tape.note)
    report.rows = _judge_all(pt, seqs, sym, tape, fd, undefined, rtol, atol)
    return report


# ====================================================================== the point
def _shapes_of_point(fn, args, kwargs) -> dict | None:
    """``{"v": (3,)}`` for the parameters a point gives as lists or arrays."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    shapes = {p: np.shape(v) for p, v in bound.arguments.items()
              if isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) >= 1}
    return shapes or None


@dataclass
class _Point:
    """The point(s) bound to ``F``'s parameters.

    ``coords`` lists the scalar variables, ``(display name, param, index or None)``:
    a shaped parameter contributes one per element.  ``points`` holds one vector of
    coordinates per point of the broadcast shape ``bshape``.
    """

    F: SymbolicFunction
    name: str
    values: dict
    coords: list
    points: list
    bshape: tuple
    kw_only: set

    def args(self, vec) -> list:
        """The arguments for ``F`` (or the user's function) at the coordinate vector ``vec``."""
        out, k = [], 0
        shp = self.F.shapes
        for p in self.F.params:
            if shp.get(p):
                n = int(np.prod(shp[p]))
                out.append(np.array(vec[k:k + n]).reshape(shp[p]))
                k += n
            else:
                out.append(float(vec[k]))
                k += 1
        return out

    def where(self, vec) -> str:
        """The point ``vec`` as text: ``x=-1, y=2``."""
        return ", ".join(f"{c}={fmt(float(v))}" for (c, _, _), v in zip(self.coords, vec))

    def call_user(self, func, arglist):
        """Call a function with the user's signature (keyword-only parameters by name)."""
        params = self.F.params
        pos = [a for p, a in zip(params, arglist) if p not in self.kw_only]
        kw = {p: a for p, a in zip(params, arglist) if p in self.kw_only}
        return func(*pos, **kw)


def _bind(F, args, kwargs) -> _Point:
    plain = F.fn
    name = naming.sanitize(F.name) if plain is None else getattr(plain, "__name__", F.name)
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
    coords = []
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
    return _Point(F, name, values, coords, points, tuple(bshape), kw_only)


# ====================================================================== the three engines
@dataclass
class _Symbolic:
    values: dict        # seq -> (points, m) array
    errors: dict        # seq -> message
    m: int              # number of outputs
    paths: dict         # seq -> [(label, output, values over points)]: F.grad, F.hessian...


def _symbolic(F, pt: _Point, seqs, order) -> _Symbolic:
    """The compiled ``F.diff(...)`` functions at every point, and the other API paths."""
    vals, errs, m, scalar = {}, {}, None, False
    for seq in seqs:
        names = [pt.coords[j][0] for j in seq]
        try:
            Fd = F.diff(*names) if names else F
            raw = [Fd(*pt.args(x)) for x in pt.points]
            vals[seq] = np.array([np.asarray(v, dtype=float).ravel() for v in raw])
            m = vals[seq].shape[1] if m is None else m
            if not names and raw:
                scalar = not isinstance(raw[0], (tuple, list)) and np.ndim(raw[0]) == 0
        except Exception as exc:       # report, do not hide: the row fails with it
            errs[seq] = f"symbolic derivative raised {type(exc).__name__}: {exc}"
    m = 1 if m is None else m
    paths = {}
    for what, size, entry, get in _api_paths(F, len(pt.coords), m, order, scalar):
        try:
            G = get()
            got = np.array([flat_float(G(*pt.args(x))) for x in pt.points]).reshape(len(pt.points), -1)
            if got.shape[1] != size:
                raise ValueError(f"{got.shape[1]} values, expected {size}")
        except Exception as exc:       # the rows this path serves fail with it
            for k in range(size):
                seq = entry(k)[0]
                errs[seq] = "; ".join(e for e in (errs.get(seq), f"{what} raised "
                                                  f"{type(exc).__name__}: {exc}") if e)
            continue
        for k in range(size):
            seq, out, label = entry(k)
            paths.setdefault(seq, []).append((label, out, got[:, k]))
    return _Symbolic(vals, errs, m, paths)


def _api_paths(F, n, m, order, scalar) -> list:
    """The functions users call for derivatives of ``order`` or less, other than
    ``F.diff``: ``(name, number of entries, entry k -> (seq, output, label), getter)``.

    ``sd.grad``/``sd.hessian``/``sd.jacobian`` and the ``wrt=`` forms build these same
    functions.  Entries follow the layout: ``F.grad`` one per variable, ``F.jacobian``
    ``(m, n)`` and ``F.hessian`` ``(n, n)``, both halves of it.
    """
    paths = []
    if order >= 1 and n:
        if scalar:
            paths.append(("F.grad", n, lambda k: ((k,), 0, f"F.grad[{k}]"), lambda: F.grad))
        paths.append(("F.jacobian", m * n,
                      lambda k: ((k % n,), k // n, f"F.jacobian[{k // n}, {k % n}]"),
                      lambda: F.jacobian))
    if order >= 2 and n and scalar:
        paths.append(("F.hessian", n * n,
                      lambda k: (tuple(sorted((k // n, k % n))), 0, f"F.hessian[{k // n}, {k % n}]"),
                      lambda: F.hessian))
    return paths


@dataclass
class _Tape:
    values: dict        # seq -> (points, m) array
    error: str | None
    note: str | None    # why there is no tape column
    ran: bool           # False when the function cannot run on the tape


def _tape(F, pt: _Point, seqs, order, m) -> _Tape:
    """The user's own function run on tape tensors, at every point."""
    tape_fn, note = tape_function(F)
    if tape_fn is None:
        return _Tape({}, None, note, False)
    try:
        per_point = [tape_derivatives(lambda *a: pt.call_user(tape_fn, a), pt.args(x),
                                      F.params, pt.coords, order, m) for x in pt.points]
    except Exception as exc:
        if hasattr(F, "named_sizes"):
            # code read at the array level uses numpy's array functions; the tape runs
            # the common ones with numpy's meaning (axis=/keepdims= of the reductions,
            # sort, cumsum/cumprod, x[::-1]), and one it lacks is a missing tape
            # operation, not a wrong derivative: the tape column is skipped, finite
            # differences judge
            return _Tape({}, None, f"tape: the function does not run on the tape "
                         f"({type(exc).__name__}: {exc}); tape column skipped", False)
        return _Tape({}, f"tape raised {type(exc).__name__}: {exc}", note, True)
    return _Tape({s: np.array([pp[s] for pp in per_point]) for s in seqs}, None, note, True)


@dataclass
class _Numeric:
    values: dict        # seq -> (points, m): Richardson-extrapolated differences
    errors: dict        # seq -> (points, m): their error estimate
    rounding: dict      # seq -> (points, m): the rounding part of it
    reach: dict         # seq -> (points, m): the largest |derivative| they can show
    kinks: np.ndarray   # (points,): a switching point


def _numeric(F, pt: _Point, seqs, m) -> _Numeric:
    """Finite differences of the plain function (``F`` itself for an expression string)."""
    switch = switching(F, pt.args)
    if F.fn is None:
        def call(vec):
            return np.asarray(F(*pt.args(vec)), dtype=float).ravel()
    else:
        def call(vec):
            return flat_float(pt.call_user(F.fn, pt.args(vec)))
    f_eval = safe(call, m)
    n = len(pt.points)
    res = _Numeric(*({s: np.empty((n, m)) for s in seqs} for _ in range(4)),
                   kinks=np.zeros(n, dtype=bool))
    for i, x in enumerate(pt.points):
        res.kinks[i] = switch.at_kink(x)
        for s in seqs:
            (res.values[s][i], res.errors[s][i], res.rounding[s][i],
             res.reach[s][i]) = finite_difference(f_eval, x, s, switch)
    return res


# ====================================================================== judging
def _lower_order_undefined(pt: _Point, sym: _Symbolic, seq, out, undefined):
    """``undefined`` with, for a derivative of order >= 2, the points where a derivative
    one order lower along it is not a finite number (d/dx of an infinite df/dy at
    ``y ** 0.5``, y = 0): there is nothing to differentiate, so the row is undefined
    there, whatever the engines make of 0 * inf."""
    if len(seq) < 2:
        return undefined
    npts = len(pt.points)
    reasons = list(undefined) if len(undefined) else [None] * npts
    for k in range(len(seq)):
        sub = seq[:k] + seq[k + 1:]
        if sub not in sym.values:
            continue
        lower = sym.values[sub][:, out]
        for p in np.nonzero(~np.isfinite(lower))[0]:
            if reasons[p] is None:
                name = naming.display_derivative(pt.name, tuple(pt.coords[j][0] for j in sub))
                reasons[p] = (f"{name} is {fmt(float(lower[p]))} here: a derivative of it "
                              "is not defined")
    return reasons


def _judge_all(pt: _Point, seqs, sym: _Symbolic, tape: _Tape, fd: _Numeric, undefined,
               rtol, atol) -> list:
    """One judged row per output and derivative."""
    m, npts = sym.m, len(pt.points)
    where = [pt.where(x) for x in pt.points]
    fname = [pt.name if m == 1 else f"{pt.name}[{i}]" for i in range(m)]
    rows = []
    for out in range(m):
        for seq in seqs:
            wrt = tuple(pt.coords[j][0] for j in seq)
            rname = fname[out] if not wrt else naming.display_derivative(fname[out], wrt)
            s = sym.values[seq][:, out] if seq in sym.values else np.full(npts, np.nan)
            t = tape.values[seq][:, out] if seq in tape.values else None
            rows.append(judge(rname, wrt, out, s, t, fd.values[seq][:, out],
                              fd.errors[seq][:, out], fd.rounding[seq][:, out],
                              fd.reach[seq][:, out],
                              fd.kinks if seq else np.zeros_like(fd.kinks),
                              rtol, atol, pt.bshape, sym.errors.get(seq), tape.error,
                              not tape.ran, where=where,
                              undefined=_lower_order_undefined(pt, sym, seq, out, undefined),
                              paths=[(label, v) for label, o, v in sym.paths.get(seq, ())
                                     if o == out]))
    return rows
