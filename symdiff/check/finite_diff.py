"""Finite differences: the third, numerical opinion.

Central differences (tensor products of second-order stencils) on the plain
Python function, Richardson-extrapolated over three step sizes, with an estimate
of the truncation and rounding error; steps that cross a switching point are
not used.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy

EPS = float(np.finfo(np.float64).eps)

class ComplexValue(ValueError):
    """The function returned a complex number (``(-2.0) ** 0.5`` in Python): it is
    undefined there as a real function."""


def flat_float(v) -> np.ndarray:
    if isinstance(v, (list, tuple)):
        return np.concatenate([flat_float(x) for x in v]) if v else np.zeros(0)
    a = np.asarray(v)
    if np.iscomplexobj(a):
        raise ComplexValue(f"its value {v} is complex (outside the real domain)")
    return np.asarray(a, dtype=float).ravel()



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


def safe(call, m):
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


def finite_difference(f, x, seq, switch):
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
