"""Functions with derivatives derived by hand, written out in numpy, at many points.

Each case: the function's source (written to a real module so the front end reads
it), and the hand-derived partials as numpy lambdas. Checked on a grid of
array points (broadcast) and at scalar points, to 1e-12 relative.
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


def poly_trig(x, y):
    return x**2 * y + np.sin(x * y) + np.exp(-x**2)


def rosenbrock(x, y):
    return (1 - x)**2 + 100 * (y - x**2)**2


def softlog(x, y, z):
    return np.log(1 + np.exp(x * y + z)) * np.tanh(z) + np.sqrt(x**2 + y**2 + 1)


def bs_call(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    N1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
    N2 = 0.5 * (1 + math.erf(d2 / math.sqrt(2)))
    return S * N1 - K * math.exp(-r * T) * N2


def softplus(x):
    return math.log1p(math.exp(x))


def huber(x):
    if abs(x) <= 1.0:
        return 0.5 * x**2
    return abs(x) - 0.5


def horner_loop(x):
    acc = 0.0
    for k in range(6):
        acc = acc * x + (k + 1)
    return acc


def _sq(u):
    return u * u


def helper_call(x, y):
    return _sq(x - y) + _sq(math.cos(x))


def quotient(x, y):
    return y / x**2 + x / (1 + y**2)**3


def power_rational(x):
    return x**1.5 + np.sqrt(x)**3 + np.cbrt(x)


def gaussian(x, mu, s):
    return math.exp(-(x - mu)**2 / (2 * s**2)) / (s * math.sqrt(2 * math.pi))


def logistic(x, w, b):
    return 1 / (1 + math.exp(-(w * x + b)))


def atan_hypot(x, y):
    return math.atan2(y, x) * math.hypot(x, y)


def log_base(x):
    return math.log(x, 2) + math.log10(x) + x**x


def polar(r, t):
    return r * math.cos(t), r * math.sin(t)


def erf_gamma(x):
    return math.erf(x) + math.lgamma(x)
'''

SQRT2PI = math.sqrt(2 * math.pi)


def _phi(d):
    return np.exp(-d * d / 2) / SQRT2PI


def _bs_d1(S, K, T, r, s):
    return (np.log(S / K) + (r + s * s / 2) * T) / (s * np.sqrt(T))


def _digamma(x):
    # asymptotic series after recurrence to x >= 10: plenty for float64
    x = np.asarray(x, dtype=float).copy()
    acc = np.zeros_like(x)
    while np.any(x < 10):
        small = x < 10
        acc = np.where(small, acc - 1 / x, acc)
        x = np.where(small, x + 1, x)
    inv2 = 1 / (x * x)
    return acc + np.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 / 240)))


# name -> (points as tuples of arrays, {derivative: formula})
CASES = {
    "poly_trig": ((np.linspace(-1.5, 1.5, 7), np.linspace(-2, 2, 7)[:, None]), {
        ("x",): lambda x, y: 2 * x * y + y * np.cos(x * y) - 2 * x * np.exp(-x**2),
        ("y",): lambda x, y: x**2 + x * np.cos(x * y),
        ("x", "x"): lambda x, y: 2 * y - y**2 * np.sin(x * y) + (4 * x**2 - 2) * np.exp(-x**2),
        ("x", "y"): lambda x, y: 2 * x + np.cos(x * y) - x * y * np.sin(x * y),
        ("y", "y"): lambda x, y: -x**2 * np.sin(x * y),
        ("x", "x", "x"): lambda x, y: (-y**3 * np.cos(x * y) + (12 * x - 8 * x**3) * np.exp(-x**2)),
    }),
    "rosenbrock": ((np.linspace(-2, 2, 9), np.linspace(-1, 3, 5)[:, None]), {
        ("x",): lambda x, y: -2 * (1 - x) - 400 * x * (y - x**2),
        ("y",): lambda x, y: 200 * (y - x**2),
        ("x", "x"): lambda x, y: 2 - 400 * y + 1200 * x**2,
        ("x", "y"): lambda x, y: -400 * x + 0 * y,
        ("y", "y"): lambda x, y: 200 + 0 * x * y,
        ("x", "x", "x"): lambda x, y: 2400 * x + 0 * y,
    }),
    "softlog": ((np.linspace(-1, 1, 5), np.linspace(-1, 2, 4)[:, None], np.linspace(-0.5, 1.5, 3)[:, None, None]), {
        ("x",): lambda x, y, z: y / (1 + np.exp(-(x * y + z))) * np.tanh(z) + x / np.sqrt(x**2 + y**2 + 1),
        ("y",): lambda x, y, z: x / (1 + np.exp(-(x * y + z))) * np.tanh(z) + y / np.sqrt(x**2 + y**2 + 1),
        ("z",): lambda x, y, z: (np.tanh(z) / (1 + np.exp(-(x * y + z)))
                                 + np.log1p(np.exp(x * y + z)) / np.cosh(z)**2),
        ("x", "y"): lambda x, y, z: (np.tanh(z) * (1 / (1 + np.exp(-(x * y + z)))
                                                   + x * y * np.exp(-(x * y + z)) / (1 + np.exp(-(x * y + z)))**2)
                                     - x * y / (x**2 + y**2 + 1)**1.5),
    }),
    "bs_call": ((np.array([80.0, 95.0, 100.0, 120.0]), 95.0, np.array([0.25, 1.0, 2.0])[:, None], 0.03, 0.2), {
        ("S",): lambda S, K, T, r, s: 0.5 * (1 + _erf(_bs_d1(S, K, T, r, s) / np.sqrt(2))),     # delta
        ("S", "S"): lambda S, K, T, r, s: _phi(_bs_d1(S, K, T, r, s)) / (S * s * np.sqrt(T)),   # gamma
        ("sigma",): lambda S, K, T, r, s: S * _phi(_bs_d1(S, K, T, r, s)) * np.sqrt(T),           # vega
        ("r",): lambda S, K, T, r, s: K * T * np.exp(-r * T) * 0.5 * (
            1 + _erf((_bs_d1(S, K, T, r, s) - s * np.sqrt(T)) / np.sqrt(2))),                   # rho
    }),
    "softplus": ((np.linspace(-20, 20, 41),), {
        ("x",): lambda x: 1 / (1 + np.exp(-x)),
        ("x", "x"): lambda x: np.exp(-x) / (1 + np.exp(-x))**2,
    }),
    "huber": ((np.array([-3.0, -1.5, -0.7, -0.2, 0.0, 0.3, 0.9, 2.5]),), {
        ("x",): lambda x: np.where(np.abs(x) <= 1, x, np.sign(x)),
        ("x", "x"): lambda x: np.where(np.abs(x) <= 1, 1.0, 0.0),
    }),
    "horner_loop": ((np.linspace(-2, 2, 9),), {
        # 1 x^5 + 2 x^4 + 3 x^3 + 4 x^2 + 5 x + 6
        ("x",): lambda x: 5 * x**4 + 8 * x**3 + 9 * x**2 + 8 * x + 5,
        ("x", "x"): lambda x: 20 * x**3 + 24 * x**2 + 18 * x + 8,
        ("x",) * 5: lambda x: 120 + 0 * x,
        ("x",) * 6: lambda x: 0 * x,
    }),
    "helper_call": ((np.linspace(-1, 1, 5), np.linspace(-2, 2, 3)[:, None]), {
        ("x",): lambda x, y: 2 * (x - y) - np.sin(2 * x),
        ("y",): lambda x, y: -2 * (x - y),
        ("x", "x"): lambda x, y: 2 - 2 * np.cos(2 * x) + 0 * y,
    }),
    "quotient": ((np.array([0.5, 1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.0])[:, None]), {
        ("x",): lambda x, y: -2 * y / x**3 + 1 / (1 + y**2)**3,
        ("y",): lambda x, y: 1 / x**2 - 6 * x * y / (1 + y**2)**4,
        ("x", "x"): lambda x, y: 6 * y / x**4 + 0 * y,
    }),
    "power_rational": ((np.array([0.3, 1.0, 2.5, 7.0]),), {
        ("x",): lambda x: 3 * np.sqrt(x) + x**(-2 / 3) / 3,
        ("x", "x"): lambda x: 1.5 / np.sqrt(x) - 2 / 9 * x**(-5 / 3),
    }),
    "gaussian": ((np.linspace(-2, 2, 5), 0.3, np.array([0.5, 1.0, 2.0])[:, None]), {
        ("x",): lambda x, mu, s: -(x - mu) / s**2 * np.exp(-(x - mu)**2 / (2 * s**2)) / (s * SQRT2PI),
        ("s",): lambda x, mu, s: ((x - mu)**2 / s**3 - 1 / s) * np.exp(-(x - mu)**2 / (2 * s**2)) / (s * SQRT2PI),
    }),
    "logistic": ((np.linspace(-3, 3, 7), np.array([0.5, -2.0])[:, None], 0.25), {
        ("w",): lambda x, w, b: x * _sig(w * x + b) * (1 - _sig(w * x + b)),
        ("b", "b"): lambda x, w, b: (_sig(w * x + b) * (1 - _sig(w * x + b)) * (1 - 2 * _sig(w * x + b))),
    }),
    "atan_hypot": ((np.array([0.5, 1.0, -1.5, 2.0]), np.array([-1.0, 0.3, 2.0])[:, None]), {
        ("x",): lambda x, y: -y / np.hypot(x, y) + np.arctan2(y, x) * x / np.hypot(x, y),
        ("y",): lambda x, y: x / np.hypot(x, y) + np.arctan2(y, x) * y / np.hypot(x, y),
    }),
    "log_base": ((np.array([0.2, 1.0, 1.7, 3.0]),), {
        ("x",): lambda x: 1 / (x * np.log(2)) + 1 / (x * np.log(10)) + x**x * (np.log(x) + 1),
        ("x", "x"): lambda x: (-1 / (x * x * np.log(2)) - 1 / (x * x * np.log(10))
                               + x**x * ((np.log(x) + 1)**2 + 1 / x)),
    }),
    "erf_gamma": ((np.array([0.3, 1.0, 2.5, 6.0]),), {
        ("x",): lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x) + _digamma(x),
    }),
}


def _erf(x):
    return np.vectorize(math.erf)(x)


def _sig(u):
    return 1 / (1 + np.exp(-u))


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("formulas"), SOURCE, "symdiff_formula_mod")


PARAMS = [pytest.param(name, wrt, id=f"{name}-d{''.join(wrt)}")
          for name, (_, formulas) in CASES.items() for wrt in formulas]


def test_at_least_fifteen_functions():
    assert len(CASES) >= 15


@pytest.mark.parametrize("name,wrt", PARAMS)
def test_formula_on_arrays(m, name, wrt):
    F = sd.symbolic(getattr(m, name))
    points, formulas = CASES[name]
    want = formulas[wrt](*points)
    got = F.diff(*wrt)(*points)
    shape = np.broadcast_shapes(*[np.shape(p) for p in points])
    assert got.shape == shape
    np.testing.assert_allclose(got, np.broadcast_to(want, shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,wrt", PARAMS)
def test_formula_at_scalar_points(m, name, wrt):
    """The compiled function's Python-number path, one point at a time."""
    F = sd.symbolic(getattr(m, name))
    points, formulas = CASES[name]
    shape = np.broadcast_shapes(*[np.shape(p) for p in points])
    full = [np.broadcast_to(p, shape) for p in points]
    want = np.broadcast_to(formulas[wrt](*points), shape)
    D = F.diff(*wrt)
    for idx in list(np.ndindex(*shape))[::3]:
        args = [float(a[idx]) for a in full]
        got = D(*args)
        assert type(got) is np.float64
        assert got == pytest.approx(want[idx], rel=1e-12, abs=1e-12), (args, got, want[idx])


def test_grad_matches_formulas(m):
    F = sd.symbolic(m.softlog)
    points, formulas = CASES["softlog"]
    g = F.grad(*points)
    for i, p in enumerate(F.params):
        np.testing.assert_allclose(g[i], np.broadcast_to(formulas[(p,)](*points), g[i].shape), rtol=1e-12)


def test_black_scholes_greeks_textbook(m):
    F = sd.symbolic(m.bs_call)
    S, K, T, r, s = 100.0, 95.0, 0.5, 0.01, 0.25
    d1 = _bs_d1(S, K, T, r, s)
    g = F.grad(S, K, T, r, s)
    assert g[0] == pytest.approx(0.5 * (1 + math.erf(d1 / math.sqrt(2))), rel=1e-13)
    assert g[4] == pytest.approx(S * _phi(d1) * math.sqrt(T), rel=1e-13)
    H = F.hessian(S, K, T, r, s)
    assert H[0, 0] == pytest.approx(_phi(d1) / (S * s * math.sqrt(T)), rel=1e-12)
    assert np.allclose(H, H.T, rtol=1e-12)


def test_polar_jacobian(m):
    P = sd.symbolic(m.polar)
    r, t = np.array([0.5, 1.0, 2.0]), np.array([0.1, 1.0, -2.0])
    J = P.jacobian(r, t)
    want = np.array([[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]])
    np.testing.assert_allclose(J, want, rtol=1e-14, atol=1e-15)
    assert np.linalg.det(P.jacobian(2.0, 0.3)) == pytest.approx(2.0)


# Regression tests for two codegen printing bugs these tests found (fixed in 1a0fd61):
# y/x**2 was printed `y/x*x`, and x**(3/2) recursed forever in _print_Pow.
@pytest.mark.parametrize("text,x,y,want", [
    ("y/x**2", 2.0, 3.0, 0.75), ("y/x**3", 2.0, 3.0, 0.375), ("y/(x+1)**2", 1.0, 3.0, 0.75),
])
def test_codegen_quotient_by_power(text, x, y, want):
    F = sd.symbolic(text)
    assert F(x, y) == pytest.approx(want)
    assert F(np.array([x]), np.array([y]))[0] == pytest.approx(want)


def test_codegen_cbrt_derivative():
    F = sd.symbolic("cbrt(x)")
    assert F.diff("x")(0.3) == pytest.approx(0.3**(-2 / 3) / 3, rel=1e-14)


def test_codegen_rational_power():
    F = sd.symbolic("x**(3/2) + x**(5/2)")
    assert F(4.0) == pytest.approx(8.0 + 32.0)
