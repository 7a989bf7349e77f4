"""Every function of the corpus (tests/functions.py), differentiated symbolically.

For each function and sample point: the compiled value equals the plain Python
function; the gradient, Hessian and (for at most three scalar arguments) every
third partial agree with Richardson-extrapolated central differences of the
*Python function* (tolerances from ``conftest.FD_RTOL``, derived from the step)
and, where the flattened expression is small enough for sympy, with
``sympy.diff`` of ``F.expr`` evaluated at 40 digits (relative 1e-8: API.md's
accuracy promise). Vector-valued functions: Jacobian and second partials.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest
import sympy

import symdiff as sd

from conftest import close, exact_partial, fd_partial, flat_symbols

try:
    from tests import functions as corpus
except ImportError:             # plain `pytest`: the tests directory itself is on sys.path
    import functions as corpus

EXACT_RTOL = 1e-8
# sympy.diff of a flattened expression grows fast; above this many operations the
# exact reference is skipped (the finite differences still run).
EXACT_MAX_OPS = 300

CASES = [(fn, k) for fn in corpus.FUNCTIONS for k in range(len(fn.points))]
IDS = [f"{i}-{fn.__name__.strip('<>')}-p{k}" for i, (fn, k) in enumerate(CASES)]

# Known bugs, as strict xfails keyed by (test, function name): each turns into a
# failure the moment it is fixed, so the mark cannot outlive the bug.
KNOWN: dict = {}


def cases(test, selected=None):
    out = []
    for i, (fn, k) in enumerate(CASES):
        if selected is not None and not selected(fn, k):
            continue
        reason = KNOWN.get((test, fn.__name__))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(fn, k, id=IDS[i], marks=marks))
    return out

_cache: dict = {}


def symbolic(fn):
    if fn not in _cache:
        _cache[fn] = sd.symbolic(fn, shapes=fn.shapes or None)
    return _cache[fn]


class Point:
    """A corpus point as full arguments (defaults filled in) and as a flat vector."""

    def __init__(self, fn, F, k):
        sig = inspect.signature(fn).parameters
        given = list(fn.points[k])
        self.params = list(F.params)
        self.shapes = {p: tuple(fn.shapes.get(p, ())) for p in self.params}
        values = []
        for i, p in enumerate(self.params):
            v = given[i] if i < len(given) else sig[p].default
            values.append(np.asarray(v, dtype=float) if self.shapes[p] else float(v))
        self.values = values
        self.flat = np.concatenate([np.ravel(v) for v in values]).astype(float)
        self.kinds = {p: sig[p].kind for p in self.params}

    def unflatten(self, flat):
        out, i = [], 0
        for p in self.params:
            n = int(np.prod(self.shapes[p], dtype=int))
            out.append(flat[i:i + n].reshape(self.shapes[p]) if self.shapes[p] else float(flat[i]))
            i += n
        return out

    def call(self, fn, values):
        pos, kw = [], {}
        for p, v in zip(self.params, values):
            if self.kinds[p] == inspect.Parameter.KEYWORD_ONLY:
                kw[p] = v
            else:
                pos.append(v)
        return fn(*pos, **kw)

    def python(self, fn):
        """The plain function as a map flat vector -> flat float array of outputs."""
        return lambda flat: np.ravel(np.asarray(self.call(fn, self.unflatten(flat)), dtype=float))


def _flat_out(value):
    if isinstance(value, tuple):
        return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in value])
    return np.ravel(np.asarray(value, dtype=float))


def _exact_ok(F):
    expr = F.expr
    return sympy.count_ops(expr) <= EXACT_MAX_OPS


def _outputs(F):
    e = F.expr
    return list(e) if isinstance(e, sympy.MatrixBase) else [e]


def _check(actual, fd, exact, what):
    ref, tol = fd
    actual = np.asarray(actual, dtype=float)
    assert np.all(np.abs(actual - ref) <= tol), \
        f"{what}: symdiff {actual} vs finite differences {ref} (tolerance {tol})"
    if exact is not None:
        assert close(actual, exact, EXACT_RTOL, 1.0), f"{what}: symdiff {actual} vs exact {exact}"


def test_corpus_covers_forty_functions():
    assert len(corpus.FUNCTIONS) >= 40


@pytest.mark.parametrize("fn,k", cases("value"))
def test_value_matches_python(fn, k):
    F = symbolic(fn)
    pt = Point(fn, F, k)
    got = _flat_out(F(*pt.values))
    ref = pt.python(fn)(pt.flat)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13)
    if F._layout.kind == "scalar":
        assert isinstance(F(*pt.values), np.float64)


@pytest.mark.parametrize("fn,k", cases("second"))
def test_first_and_second_derivatives(fn, k):
    F = symbolic(fn)
    pt = Point(fn, F, k)
    f = pt.python(fn)
    n = pt.flat.size
    scale = max(1.0, float(np.max(np.abs(f(pt.flat)))))
    syms = flat_symbols(F)
    exact = _exact_ok(F)
    outs = _outputs(F)
    m = len(outs)

    if F._layout.kind == "scalar":
        first = _flat_out(F.grad(*pt.values))
        second = np.asarray(F.hessian(*pt.values), dtype=float).reshape(n, n)
    else:
        first = np.asarray(F.jacobian(*pt.values), dtype=float).reshape(m, n).T.ravel()
        second = None
    assert first.shape == (n * m,)
    for j in range(n):
        fd = fd_partial(f, pt.flat, (j,), scale)
        ex = [exact_partial(o, syms, pt.flat, (j,)) for o in outs] if exact else None
        _check(first[j * m:(j + 1) * m], fd, ex, f"d/d{syms[j]}")
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        fd = fd_partial(f, pt.flat, (i, j), scale)
        ex = [exact_partial(o, syms, pt.flat, (i, j)) for o in outs] if exact else None
        if second is not None:
            got = [second[i, j]]
            assert second[i, j] == pytest.approx(second[j, i], rel=1e-12, abs=1e-12)
        else:
            got = _flat_out(F.diff(str(syms[i]), str(syms[j]))(*pt.values))
        _check(got, fd, ex, f"d2/d{syms[i]}d{syms[j]}")


@pytest.mark.parametrize("fn,k", cases("third", lambda fn, k: not fn.shapes and len(fn.points[k]) <= 3))
def test_third_derivatives(fn, k):
    F = symbolic(fn)
    pt = Point(fn, F, k)
    f = pt.python(fn)
    n = len(pt.params)
    scale = max(1.0, float(np.max(np.abs(f(pt.flat)))))
    syms = flat_symbols(F)
    exact = _exact_ok(F)
    outs = _outputs(F)
    for dirs in itertools.combinations_with_replacement(range(n), 3):
        names = [F.params[i] for i in dirs]
        got = _flat_out(F.diff(*names)(*pt.values))
        # any order of the same multi-index is the same function (canonical partials)
        for perm in set(itertools.permutations(names)):
            np.testing.assert_allclose(_flat_out(F.diff(*perm)(*pt.values)), got, rtol=1e-12, atol=1e-12)
        fd = fd_partial(f, pt.flat, dirs, scale)
        ex = [exact_partial(o, syms, pt.flat, dirs) for o in outs] if exact else None
        _check(got, fd, ex, "d3/d" + "d".join(names))


@pytest.mark.parametrize("fn,k", cases("grad", lambda fn, k: not fn.shapes))
def test_diff_agrees_with_grad(fn, k):
    """Forward mode (F.diff) and reverse mode (F.grad / F.jacobian) are independent paths."""
    F = symbolic(fn)
    pt = Point(fn, F, k)
    if F._layout.kind == "scalar":
        g = F.grad(*pt.values)
        for p, gp in zip(F.params, g):
            assert float(F.diff(p)(*pt.values)) == pytest.approx(float(gp), rel=1e-12, abs=1e-12), p
    else:
        J = np.asarray(F.jacobian(*pt.values))
        for j, p in enumerate(F.params):
            np.testing.assert_allclose(_flat_out(F.diff(p)(*pt.values)), J[:, j], rtol=1e-12, atol=1e-12)
