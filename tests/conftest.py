"""Shared helpers for the symbolic-core tests: reference derivatives.

Two independent references for every derivative symdiff computes:

* ``fd_partial``: central finite differences of the *plain Python function*,
  Richardson-extrapolated (error O(h**4) per differentiation level);
* ``exact_partial``: ``sympy.diff`` of the flattened ``F.expr`` evaluated with
  mpmath at 40 significant digits (the exact reference API.md's 1e-8 promise is
  checked against).
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
import textwrap

import numpy as np
import sympy

EPS = np.finfo(float).eps


# -- modules written to disk (so inspect.getsource works) -------------------------

_module_counter = itertools.count()


def load_module(directory, source, name=None):
    """Write ``source`` to ``directory/name.py`` and import it as a real module."""
    name = name or f"_sd_generated_{next(_module_counter)}"
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# -- finite differences -------------------------------------------------------------

def _central(f, x, dirs, h):
    """Nested central differences of ``f`` at flat point ``x`` along ``dirs``."""
    if not dirs:
        return f(x)
    i, rest = dirs[0], dirs[1:]
    xp, xm = x.copy(), x.copy()
    xp[i] += h
    xm[i] -= h
    return (_richardson(f, xp, rest, h) - _richardson(f, xm, rest, h)) / (2 * h)


def _richardson(f, x, dirs, h):
    """One Richardson step on the outermost difference: (4 D(h/2) - D(h)) / 3."""
    if not dirs:
        return f(x)
    return (4 * _central(f, x, dirs, h / 2) - _central(f, x, dirs, h)) / 3


# Steps per derivative order (the finest step used is half of these). With
# Richardson extrapolation at every level the truncation error is O(h**4) and the
# rounding error about eps*|f|*(2/h)**k. The truncation error is *estimated*, not
# guessed: the extrapolated differences at h and h/2 differ by ~15x the error of
# the h/2 one (O(h**4)), and ``fd_partial`` returns that estimate with the value.
FD_STEP = {1: 2e-3, 2: 1e-2, 3: 1e-2}


def central_grad(f, x, *rest, h=1e-6):
    """The gradient of ``f(x, *rest)`` in the array ``x`` by central differences, one
    entry at a time (an oracle that knows nothing of symdiff)."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp, *rest) - f(xm, *rest)) / (2 * h)
    return g


def fd_partial(f, x, dirs, scale=1.0):
    """Richardson-extrapolated central-difference partial of ``f`` along ``dirs``.

    ``f`` takes a flat float array; ``dirs`` is a tuple of flat indices (repeats
    allowed: ``(0, 0, 1)`` is d3f/dx0^2 dx1). Returns ``(value, tolerance)``:
    tolerance = 4 * |D(h) - D(h/2)| (~60x the estimated truncation error of the
    returned D(h/2)) + 100x the rounding bound eps*scale*(4/h)**k, where ``scale``
    is the size of the function's values.
    """
    x = np.asarray(x, dtype=float)
    k = len(dirs)
    h = FD_STEP[k]
    coarse = np.asarray(_richardson(f, x, tuple(dirs), h))
    fine = np.asarray(_richardson(f, x, tuple(dirs), h / 2))
    rounding = 100 * EPS * scale * (4 / h) ** k
    tol = 4 * np.abs(coarse - fine) + rounding
    # a reference that disagrees with itself this much proves nothing
    assert np.all(tol <= 1e-3 * np.maximum(1.0, np.abs(fine))), (dirs, coarse, fine)
    return fine, tol


def close(actual, expected, rtol, atol_scale=1.0):
    """Mixed test ``|a - e| <= rtol * max(atol_scale, |e|)``, elementwise."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    return np.all(np.abs(actual - expected) <= rtol * np.maximum(atol_scale, np.abs(expected)))


# -- exact reference ----------------------------------------------------------------

def _resolve(expr):
    """sympy.diff leaves d(floor)/dx etc. unevaluated: they are 0 almost everywhere."""
    if expr.has(sympy.Derivative):
        expr = expr.replace(
            lambda e: isinstance(e, sympy.Derivative) and isinstance(
                e.expr, (sympy.floor, sympy.ceiling, sympy.sign, sympy.Heaviside)),
            lambda e: sympy.S.Zero)
    if expr.has(sympy.Subs):
        expr = expr.replace(lambda e: isinstance(e, sympy.Subs), lambda e: e.doit())
    if expr.has(sympy.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    return expr


def exact_partial(expr, syms, point, dirs, prec=40):
    """``d^k expr / d syms[dirs]`` at ``point`` (flat floats), to ``prec`` digits."""
    d = expr.replace(sympy.Mod, lambda a, b: a - b * sympy.floor(a / b)) if expr.has(sympy.Mod) else expr
    for i in dirs:
        d = _resolve(sympy.diff(d, syms[i]))
    subs = {s: sympy.Float(float(v), prec + 10) for s, v in zip(syms, point)}
    val = d.xreplace(subs).evalf(prec)
    return float(val)


def flat_symbols(F):
    """The scalar symbols of ``F``'s parameters, flattened in parameter order."""
    out = []
    for p in F.params:
        s = F.symbols[p]
        out.extend(np.asarray(s, dtype=object).ravel() if isinstance(s, np.ndarray) else [s])
    return out


def signature_defaults(fn):
    return {n: p.default for n, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}
