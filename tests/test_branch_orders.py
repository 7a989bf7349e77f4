"""No derivative of any order depends on a value the taken branch does not compute
(issue 10, item 2). A branch not taken may compute nan or inf (``log(x)`` for
x < 0); at order 1 its adjoint is selected away, and at orders 2 and 3 (Hessians of
the gradient, d3 by forward over reverse) it must be too: 0*nan is nan. Checked
against torch running the same source, at points of every branch.
"""

import itertools
import math

import numpy as np
import pytest

import symdiff as sd

from conftest import load_module

torch_oracle = pytest.importorskip("torch_oracle")

SOURCE = '''
import math


def issue(x, y):
    if x > 0:
        y = x + math.log(x)
    elif x > -0.5:
        return 0.0
    return x + math.sin(y)


def sqrt_branch(x, y):
    z = x * y
    if x > 1.0:
        z = z + math.sqrt(x - 1.0) * y * y
    else:
        z = z * math.exp(y)
    return z * x


def nested(x, y):
    if x < 0.0:
        if y > 0.0:
            return math.log(y) * x * x
        return x * y * y
    w = math.log(x) * y
    return w * w + x


def looped(x, y):
    s = 0.0
    for i in range(3):
        if x > i:
            s = s + math.log(x - i) * y
        else:
            s = s + x * y * y
    return s


def ternary(x, y):
    u = math.sqrt(x) * math.log(y) if x > 0 and y > 0 else x * x * y
    return u * y
'''

POINTS = {
    "issue": [(-1.0, 2.0), (-0.25, 1.0), (1.5, 0.5)],
    "sqrt_branch": [(0.5, 1.0), (-2.0, 0.3), (2.0, 1.5)],
    "nested": [(-1.0, 2.0), (-1.0, -2.0), (2.0, 0.5)],
    "looped": [(0.5, 1.0), (-1.0, 2.0), (1.5, 1.0), (2.5, -1.0)],
    "ternary": [(-1.0, 2.0), (1.0, -1.0), (2.0, 3.0)],
}


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("branch_orders"), SOURCE)


def _close(got, want):
    return got == pytest.approx(want, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", sorted(POINTS))
def test_hessian_and_jacobian_of_gradient(mod, name):
    fn = getattr(mod, name)
    F = sd.symbolic(fn)
    H, J = F.hessian, F.grad.jacobian if hasattr(F.grad, "jacobian") else None
    for point in POINTS[name]:
        h = np.asarray(H(*point))
        harr = np.asarray(H(*[np.array([v, v]) for v in point]))[..., 0]
        for i, j in itertools.product(range(2), repeat=2):
            want = torch_oracle.partial(fn, point, (i, j))
            assert math.isfinite(want), (name, point)
            assert _close(h[i, j], want), (name, point, i, j, h)
            assert _close(harr[i, j], want), (name, point, i, j, "numpy path")


@pytest.mark.parametrize("name", sorted(POINTS))
def test_third_order(mod, name):
    fn = getattr(mod, name)
    F = sd.symbolic(fn)
    for index in itertools.combinations_with_replacement(range(2), 3):
        D = F.diff(*[F.params[i] for i in index])
        for point in POINTS[name]:
            want = torch_oracle.partial(fn, point, index)
            assert math.isfinite(want)
            assert _close(D(*point), want), (name, index, point)
            assert _close(np.asarray(D(*[np.array([v]) for v in point]))[0], want), \
                (name, index, point, "numpy path")


def test_issue_example_exactly():
    @sd.symbolic
    def f(x, y):
        if x > 0:
            y = x + math.log(x)
        elif x > -0.5:
            return 0.0
        return x + math.sin(y)

    h = f.hessian(-1.0, 2.0)
    assert np.array_equal(h, [[0.0, 0.0], [0.0, -math.sin(2.0)]])
    assert np.array_equal(sd.hessian(f)(-1.0, 2.0), h)
