"""A value computed for one branch only must not poison the other branch's derivative.

numpy evaluates both sides of a data-dependent branch; the untaken side may be
nan or inf there (sqrt of a negative). Its derivative reaches the result through
a selector that is 0, and 0*nan is nan: calculus folds such products into the
Piecewise so that they select instead. Every derivative kind is checked on both
the float path and the array path, against derivatives of the taken branch.
"""

import numpy as np
import pytest

import symdiff as sd

try:                                # rootdir-relative, as in the other corpus tests
    from tests import _branchy_mod as m
except ImportError:                 # pragma: no cover - tests/ itself on sys.path
    import _branchy_mod as m

XS = np.array([-2.0, -0.5, 0.5, 2.0])


def both_paths(F, *args):
    """Values from the Python-float path and from the numpy path, which must agree."""
    arrays = F(*[np.asarray(a, dtype=float) for a in args])
    floats = [F(*[float(a[i]) if np.ndim(a) else float(a) for a in args])
              for i in range(len(np.atleast_1d(args[0])))]
    return arrays, floats


def test_sqrt_branch_all_orders():
    F = sd.symbolic(m.sqrt_branch)
    want = {1: np.where(XS > 0, 3 / np.sqrt(np.abs(XS)), -3.0),
            2: np.where(XS > 0, -1.5 * np.abs(XS) ** -1.5, 0.0),
            3: np.where(XS > 0, 2.25 * np.abs(XS) ** -2.5, 0.0)}
    for order, w in want.items():
        arrays, floats = both_paths(F.diff("x", order=order), XS)
        np.testing.assert_allclose(arrays, w, rtol=1e-14)
        np.testing.assert_allclose(floats, w, rtol=1e-14)
    (g,) = F.grad(XS)
    np.testing.assert_allclose(g, want[1], rtol=1e-14)
    np.testing.assert_allclose(F.hessian(XS)[0, 0], want[2], rtol=1e-14)


def test_log_ternary_gradient_and_hessian():
    F = sd.symbolic(m.log_ternary)
    y = 1.5
    gx, gy = F.grad(XS, y)
    np.testing.assert_allclose(gx, np.where(XS > 0, y / np.abs(XS), y * y), rtol=1e-14)
    np.testing.assert_allclose(gy, np.where(XS > 0, np.log(np.abs(XS)), 2 * XS * y), rtol=1e-14)
    H = F.hessian(XS, y)
    np.testing.assert_allclose(H[0, 0], np.where(XS > 0, -y / XS ** 2, 0.0), rtol=1e-14)
    np.testing.assert_allclose(H[0, 1], np.where(XS > 0, 1 / np.abs(XS), 2 * y), rtol=1e-14)
    assert not np.isnan(H).any()


def test_early_return():
    F = sd.symbolic(m.early_return)
    (g,) = F.grad(XS)
    np.testing.assert_allclose(g, np.where(XS > 0, 2 * np.log(np.abs(XS)) / np.abs(XS), 2 * XS),
                               rtol=1e-14)
    arrays, floats = both_paths(F.diff("x", order=2), XS)
    w = np.where(XS > 0, (2 - 2 * np.log(np.abs(XS))) / XS ** 2, 2.0)
    np.testing.assert_allclose(arrays, w, rtol=1e-13)
    np.testing.assert_allclose(floats, w, rtol=1e-13)


@pytest.mark.parametrize("y", [-1.0, 0.7])
def test_nested_branches(y):
    F = sd.symbolic(m.nested)
    report = sd.check(m.nested, XS, y, order=2)
    assert report.ok, str(report)
    assert not np.isnan(F.hessian(XS, y)).any()


def test_numpy_where_gradient():
    F = sd.symbolic(m.numpy_where)
    (g,) = F.grad(XS)
    np.testing.assert_allclose(g, np.where(XS > 0, 0.5 / np.sqrt(np.abs(XS)), -1.0), rtol=1e-14)
