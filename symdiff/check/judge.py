"""Judging one row: do symbolic, tape and finite differences agree, and if not, who is odd?

Sits between the three engines (``__init__`` collects their values) and the
report.  Two values ``a``, ``b`` agree when
``|a - b| <= atol + rtol * max(|a|, |b|) + err``, where ``err`` is the
finite-difference error estimate (its rounding part between symbolic and tape).
"""

from __future__ import annotations

import math

import numpy as np

from .report import CheckRow, fmt

#: safety factor on the finite-difference error estimate
FD_SAFETY = 10.0
#: a derivative this many times larger than any value the finite-difference stencil
#: can give from the sampled function values is beyond their resolution
FD_REACH = 4.0
_UNRESOLVED = ("finite differences cannot resolve this derivative (it is larger than any "
               "difference quotient of the sampled values: the function changes faster "
               "than the smallest step, or its floating-point value does not change at all "
               "because the input is lost to rounding)")



def judge(name, wrt, out, s, t, d, e, r, reach, kinks, rtol, atol, bshape, sym_err, tape_err,
          no_tape, undefined=(), paths=(), where=()):
    """Judge one row.  ``s``, ``t``, ``d`` are the symbolic, tape and finite-difference
    values at every point (``t`` None without a tape), ``e``/``r`` the finite-difference
    error and its rounding part.  ``undefined`` gives, per point, why the function is
    undefined there (None where it is defined); ``paths`` the same derivative as other
    API functions return it, ``(label, values)``, e.g. ``("F.hessian[0, 1]", ...)``;
    ``where`` the point as text, for messages."""
    npts = len(s)
    undef = np.array([u is not None for u in undefined], dtype=bool) if len(undefined) \
        else np.zeros(npts, dtype=bool)
    skip = kinks | undef            # nothing to compare there
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
                          | (~np.isnan(s) & ~np.isfinite(d))) & ~skip
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
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.where(fin, np.abs(a - b), 0.0)
        big = np.where(fin, np.maximum(np.abs(a), np.abs(b)), 0.0)
        tol = atol + rtol * big + np.where(np.isfinite(extra), extra, np.inf)
        # one finite value against nan or inf is a disagreement; nan against inf is
        # not (neither is a number: the row is undefined there, see ``infinite``)
        bad = (fin & (diff > tol)) | (np.isfinite(a) != np.isfinite(b))
        if j == len(engines) - 1:
            bad &= ~unresolved                 # finite differences do not count there
            if t is not None:
                # symbolic and tape, independently, find no number (atan2 at (0, 0)):
                # a difference quotient across the singularity does not make one
                bad &= np.isfinite(s) | np.isfinite(t)
        bad &= ~skip
        bad_pair[k] = bad
        score = np.maximum(score, np.where(~fin & ~same, np.inf, diff / tol))
        ok_pts = fin & ~skip
        if j == len(engines) - 1:
            ok_pts &= ~unresolved
        if ok_pts.any():
            max_abs = max(max_abs, float(diff[ok_pts].max()))
            rel = np.where(big > 0, diff / np.where(big > 0, big, 1.0), 0.0)
            max_rel = max(max_rel, float(rel[ok_pts].max()))
    # a derivative that is not a number where the function is defined: nothing to check
    infinite = np.zeros(npts, dtype=bool)
    if wrt:
        infinite = ~np.isfinite(s) & ~skip
    score = np.where(kinks, -1.0, score)
    score = np.where(undef | infinite, np.inf, score)
    worst = int(np.argmax(score)) if npts else 0
    widx = np.unravel_index(worst, bshape) if bshape else ()
    bad_any = bad_pair.any(axis=0)

    failures, undefined_msgs = [], []
    if sym_err or tape_err:
        failures += [m for m in (sym_err, tape_err) if m]
    failures += _paths_disagree(s, paths, ~skip, rtol, atol, bshape)
    if bad_any.any():
        p = int(np.argmax(bad_any))
        message = _blame(engines, p, bad_pair, pairs) + _at(p, bshape, npts)
        nbad = int(bad_any.sum())
        if nbad > 1:
            message += f" ({nbad} of {npts} points disagree)"
        failures.append(message)
    if undef.any():
        p = int(np.argmax(undef))
        undefined_msgs.append(undefined[p] + _count(undef, "the function is undefined"))
    if infinite.any():
        p = int(np.argmax(infinite))
        undefined_msgs.append(
            f"{fmt(float(s[p]))} at {where[p] if len(where) else 'this point'}: not a finite "
            f"number, so there is nothing to check (the function is not differentiable there, "
            f"or the derivative overflows)" + _count(infinite, "the derivative is not finite"))
    message = ""
    if failures or undefined_msgs:
        status = "FAIL" if failures else "undefined"
        message = "; ".join(failures + undefined_msgs)
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


def _count(mask, what) -> str:
    n = len(mask)
    return "" if n == 1 else f" ({int(mask.sum())} of {n} points: {what})"


def _paths_disagree(s, paths, where_ok, rtol, atol, bshape) -> list:
    """Messages for API functions (``F.grad``, ``F.hessian``...) that return another
    value than ``F.diff`` for the same derivative, within ``atol + rtol * max(|a|, |b|)``."""
    out = []
    for label, v in paths:
        fin = np.isfinite(s) & np.isfinite(v)
        same = (np.isnan(s) & np.isnan(v)) | (np.isinf(s) & np.isinf(v) & (s == v))
        with np.errstate(invalid="ignore"):
            diff = np.where(fin, np.abs(s - v), 0.0)
            tol = atol + rtol * np.where(fin, np.maximum(np.abs(s), np.abs(v)), 0.0)
        bad = ((fin & (diff > tol)) | (~fin & ~same)) & where_ok
        if bad.any():
            p = int(np.argmax(bad))
            out.append(f"{label} gives {fmt(float(v[p]))} where F.diff gives {fmt(float(s[p]))}"
                       + _at(p, bshape, len(s)))
    return out


def _at(p, bshape, npts):
    return "" if npts == 1 else f" at point {tuple(int(i) for i in np.unravel_index(p, bshape))}"


def _blame(engines, p, bad_pair, pairs) -> str:
    """Say which engine is the odd one out at point ``p``."""
    vals = {n: float(v[p]) for n, v in engines}
    desc = ", ".join(f"{n} {fmt(v)}" for n, v in vals.items())
    nonfinite = [n for n, v in vals.items() if not math.isfinite(v)]
    finite = [n for n, v in vals.items() if math.isfinite(v)]
    if nonfinite and finite and len(nonfinite) < len(vals):
        odd = " and ".join(nonfinite)
        return (f"{odd} give{'s' if len(nonfinite) == 1 else ''} "
                f"{', '.join(fmt(vals[n]) for n in nonfinite)} where "
                f"{' and '.join(finite)} give {', '.join(fmt(vals[n]) for n in finite)}")
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


