"""Derivatives at non-smooth points: the conventions README.md documents.

|x|' = 0 at 0 (torch), max/min ties split evenly (torch.maximum: 1/2 each), np.clip
passes the gradient at its bounds (as torch.clamp), np.where follows the
chosen branch, floor/ceil/sign have derivative 0, ``//`` is piecewise constant and
``%`` has slope 1 in its dividend, a Piecewise boundary takes the branch whose
condition holds, early returns act as nested branches. Checked on the scalar
(Python float) path and on the array path, which must agree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff as sd

from conftest import load_module

SOURCE = '''
import math
import numpy as np


def ab(x):
    return abs(x)


def npab(x):
    return np.abs(x) + math.fabs(x)


def mx(x, y):
    return max(x, y)


def mn(x, y):
    return min(x, y)


def npmx(x, y):
    return np.maximum(x, y)


def npmn(x, y):
    return np.minimum(x, y)


def mx3(x, y, z):
    return max(x, y, z)


def mn3(x, y, z):
    return min(x, y, z)


def clip(x):
    return np.clip(x, -1.0, 1.0)


def wh(x):
    return np.where(x > 0, x**2, -x)


def fl(x):
    return math.floor(x) * x + math.ceil(x) + np.sign(x)


def fdiv(x, y):
    return x // y


def mod(x, y):
    return x % y


def ge(x):
    if x >= 1.0:
        return 3 * x
    return x**2


def gt(x):
    if x > 1.0:
        return 3 * x
    return x**2


def ternary(x):
    return x**2 if x >= 1 else 3 * x


def early(x):
    if x < 0:
        return -2 * x
    if x < 1:
        return x**3
    return 5 * x
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("nonsmooth"), SOURCE, "symdiff_nonsmooth_mod")


def grad_both(F, *args):
    """Gradient on the float path and on the array path; they must agree."""
    g = F.grad(*args)
    ga = F.grad(*[np.array([a, a]) for a in args])
    for s, a in zip(g, ga):
        assert type(s) is np.float64
        np.testing.assert_array_equal(a, [s, s])
    return tuple(float(v) for v in g)


def test_abs_at_zero(m):
    assert grad_both(sd.symbolic(m.ab), 0.0) == (0.0,)
    assert grad_both(sd.symbolic(m.ab), -2.0) == (-1.0,)
    assert grad_both(sd.symbolic(m.npab), 0.0) == (0.0,)
    assert float(sd.symbolic(m.ab).diff("x", "x")(0.0)) == 0.0


@pytest.mark.parametrize("name", ["mx", "mn", "npmx", "npmn"])
def test_binary_max_min_ties_split_evenly(m, name):
    F = sd.symbolic(getattr(m, name))
    assert grad_both(F, 1.0, 1.0) == (0.5, 0.5)
    big, small = (1.0, 0.0) if name in ("mx", "npmx") else (0.0, 1.0)
    assert grad_both(F, 2.0, 1.0) == (big, small)
    assert grad_both(F, 1.0, 2.0) == (small, big)


@pytest.mark.parametrize("name", ["mx3", "mn3"])
def test_three_way_ties_split_evenly(m, name):
    """max(x, y, z) at x = y = z: along (1, 1, 1) it grows with slope 1, so the
    partials must sum to 1; split evenly like torch.amax: 1/3 each."""
    F = sd.symbolic(getattr(m, name))
    g = grad_both(F, 1.0, 1.0, 1.0)
    assert sum(g) == pytest.approx(1.0)
    assert g == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    g = grad_both(F, 1.0, 1.0, 0.0 if name == "mx3" else 2.0)
    assert g == pytest.approx((0.5, 0.5, 0.0))
    g = grad_both(F, 2.0, 1.0, 0.0) if name == "mx3" else grad_both(F, 0.0, 1.0, 2.0)
    assert g == (1.0, 0.0, 0.0)


def test_clip(m):
    F = sd.symbolic(m.clip)
    assert grad_both(F, 0.5) == (1.0,)
    assert grad_both(F, 2.0) == (0.0,)
    assert grad_both(F, -2.0) == (0.0,)
    assert grad_both(F, 1.0) == (1.0,)      # bounds included, as torch.clamp
    assert grad_both(F, -1.0) == (1.0,)


def test_where_follows_the_chosen_branch(m):
    F = sd.symbolic(m.wh)
    assert grad_both(F, 0.0) == (-1.0,)      # condition x > 0 false at 0: branch -x
    assert grad_both(F, 2.0) == (4.0,)
    assert grad_both(F, -3.0) == (-1.0,)


def test_floor_ceil_sign_have_zero_derivative(m):
    F = sd.symbolic(m.fl)
    for x in (1.5, 2.0, 0.0, -0.3):
        assert grad_both(F, x) == (float(math.floor(x)),)
    assert float(F.diff("x", "x")(2.0)) == 0.0


def test_floordiv_and_mod(m):
    F = sd.symbolic(m.fdiv)
    assert grad_both(F, 1.7, 0.6) == (0.0, 0.0)
    assert F(1.7, 0.6) == 1.7 // 0.6
    M = sd.symbolic(m.mod)
    assert M(1.7, 0.6) == pytest.approx(1.7 % 0.6)
    # x % y = x - y*floor(x/y): d/dx = 1, d/dy = -floor(x/y)
    assert grad_both(M, 1.7, 0.6) == (1.0, -2.0)
    assert grad_both(M, -2.3, 0.9) == (1.0, 3.0)
    assert float(M.diff("y", "y")(1.7, 0.6)) == 0.0


def test_piecewise_boundary_takes_the_branch_whose_condition_holds(m):
    assert grad_both(sd.symbolic(m.ge), 1.0) == (3.0,)        # x >= 1 holds: 3*x
    assert grad_both(sd.symbolic(m.gt), 1.0) == (2.0,)        # x > 1 fails: x**2
    assert grad_both(sd.symbolic(m.ternary), 1.0) == (2.0,)
    assert float(sd.symbolic(m.gt).diff("x", "x")(1.0)) == 2.0
    assert float(sd.symbolic(m.ge).diff("x", "x")(1.0)) == 0.0


def test_early_returns(m):
    F = sd.symbolic(m.early)
    for x, want in [(-1.0, -2.0), (0.0, 0.0), (0.5, 0.75), (1.0, 5.0), (3.0, 5.0)]:
        assert grad_both(F, x) == (want,), x
        assert F(x) == m.early(x)
    assert float(F.diff("x", order=3)(0.5)) == 6.0
    np.testing.assert_array_equal(F.diff("x", order=2)(np.array([-1.0, 0.5, 2.0])), [0.0, 3.0, 0.0])
