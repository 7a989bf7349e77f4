"""The SSA design at scale: correctness at sizes that matter. Speed goals are
measured in benchmarks/, never asserted here; a timeout marks a hang."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

import symdiff as sd

from conftest import load_module

SOURCE = '''
import math
import numpy as np


def loop67(x, y):
    for _ in range(67):
        y = y * x + math.sin(y)
    return y


def rosen(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total


def smooth(x):
    return math.exp(math.sin(x)) * math.log(1 + x**2) / (1 + x)


def exp_sin(x):
    return math.exp(math.sin(x))


def log_ratio(x):
    return math.log(1 + x**2) / (1 + x)
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("scale"), SOURCE, "symdiff_scale_mod")


def _loop67_and_derivative(x, y):
    """Forward-mode by hand: (y, dy/dx)."""
    dy = 0.0 * x
    for _ in range(67):
        y, dy = y * x + np.sin(y), dy * x + y + np.cos(y) * dy
    return y, dy


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_loop67_source_to_compiled_derivative(m):
    F = sd.symbolic(m.loop67)
    D = F.diff("x")
    x, y = np.array([0.2, 0.3, -0.4]), np.array([0.3, 0.1, 0.5])
    got = D(x, y)
    want_y, want_dy = _loop67_and_derivative(x, y)
    np.testing.assert_allclose(F(x, y), want_y, rtol=1e-12)
    np.testing.assert_allclose(got, want_dy, rtol=1e-10)
    assert D(0.2, 0.3) == pytest.approx(float(want_dy[0]), rel=1e-10)


def _rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_rosenbrock_1000_gradient(m):
    F = sd.symbolic(m.rosen, shapes={"x": (1000,)})
    G = F.grad
    x = np.random.default_rng(0).uniform(-1.5, 1.5, 1000)
    (g,) = G(x)
    assert g.shape == (1000,)
    np.testing.assert_allclose(g, _rosen_grad(x), rtol=1e-12, atol=1e-9)
    assert F(x) == pytest.approx(m.rosen(x), rel=1e-13)
    # batched evaluation: trailing axis of points
    X = np.stack([x, -x], axis=-1)
    (gb,) = G(X)
    assert gb.shape == (1000, 2)
    np.testing.assert_allclose(gb[:, 1], _rosen_grad(-x), rtol=1e-12, atol=1e-9)


def test_rosenbrock_3000_no_recursion_error(m):
    F = sd.symbolic(m.rosen, shapes={"x": (3000,)})
    x = np.linspace(-1, 1, 3000)
    (g,) = F.grad(x)
    np.testing.assert_allclose(g, _rosen_grad(x), rtol=1e-12, atol=1e-9)


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_order_10_derivative_matches_sympy_exactly(m):
    F = sd.symbolic(m.smooth)
    D10 = F.diff("x", order=10)
    pts = [0.3, 1.0, 2.5]
    got = [D10(p) for p in pts]
    x = sympy.Symbol("x", real=True)
    exact = sympy.diff(sympy.exp(sympy.sin(x)) * sympy.log(1 + x**2) / (1 + x), x, 10)
    ref = sympy.lambdify(x, exact, "mpmath")
    with mpmath.workdps(40):
        want = [float(ref(mpmath.mpf(p))) for p in pts]
    np.testing.assert_allclose(got, want, rtol=1e-8)
    arr = D10(np.array(pts))
    np.testing.assert_allclose(arr, got, rtol=1e-12)


@pytest.mark.parametrize("name,exact", [
    ("exp_sin", lambda x: sympy.exp(sympy.sin(x))),
    ("log_ratio", lambda x: sympy.log(1 + x**2) / (1 + x)),
])
@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_order_20_works(m, name, exact):
    """Order 20 of each factor of ``smooth``, against sympy's exact derivative.

    (Order 20 of the whole product takes ~60 s here: the generated source grows
    about like k**4 with the order k, 39 kB at k = 10, 276 kB at k = 16; see
    test_order_growth_of_a_product for the bound kept in the suite.)
    """
    F = sd.symbolic(getattr(m, name))
    D20 = F.diff("x", order=20)
    got = [D20(p) for p in (0.3, 0.7, 1.9)]
    x = sympy.Symbol("x", real=True)
    ref = sympy.lambdify(x, sympy.diff(exact(x), x, 20), "mpmath")
    with mpmath.workdps(50):
        want = [float(ref(mpmath.mpf(p))) for p in (0.3, 0.7, 1.9)]
    np.testing.assert_allclose(got, want, rtol=1e-8)


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_order_growth_of_a_product(m):
    """Order 12 of exp(sin x)*log(1+x**2)/(1+x): checked against mpmath, with a
    sanity bound on time (sizes recorded in the report of these tests)."""
    F = sd.symbolic(m.smooth)
    val = F.diff("x", order=12)(0.7)
    with mpmath.workdps(60):
        f = lambda t: mpmath.exp(mpmath.sin(t)) * mpmath.log(1 + t**2) / (1 + t)
        want = float(mpmath.diff(f, mpmath.mpf("0.7"), 12))
    assert val == pytest.approx(want, rel=1e-8)
