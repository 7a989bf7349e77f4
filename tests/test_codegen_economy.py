"""The generated code does not repeat work the source wrote once (issue 5's
Black–Scholes target): one value per repeated subexpression, constant factors
folded into one coefficient, no multiplications by 1.0. Values are checked too,
so none of these savings can change a result."""

import math
import re

import numpy as np
import pytest
import sympy

import symdiff as sd

from conftest import load_module

SOURCE = '''
import math

SQRT2 = math.sqrt(2.0)
K, R = 100.0, 0.05


def call(S, sigma, T):
    d1 = (math.log(S / K) + (R + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    n1 = 0.5 * (1 + math.erf(d1 / SQRT2))
    n2 = 0.5 * (1 + math.erf(d2 / SQRT2))
    return S * n1 - K * math.exp(-R * T) * n2


def twice(x, y):
    return x / math.sqrt(y) + x * math.sqrt(y)


def scaled(x, y):
    e = math.exp(x)
    n = 0.5 * e + 0.5
    return y * n


def logscale(S):
    return math.log(0.01 * S)
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("economy"), SOURCE)


def _greeks(S, sigma, T, K=100.0, R=0.05):
    """Closed-form delta, vega and dC/dT."""
    sq = math.sqrt(T)
    d1 = (math.log(S / K) + (R + sigma**2 / 2) * T) / (sigma * sq)
    d2 = d1 - sigma * sq
    pdf = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    delta = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
    vega = S * pdf * sq
    theta = S * pdf * sigma / (2 * sq) + R * K * math.exp(-R * T) * 0.5 * (1 + math.erf(d2 / math.sqrt(2)))
    return delta, vega, theta


def test_a_subexpression_written_twice_is_one_value(m):
    F = sd.symbolic(m.twice)
    roots = [s for s, e in F.graph.defs.items() if e == sympy.sqrt(F.symbols["y"])]
    assert len(roots) == 1, F.graph.defs
    G = F.grad
    assert np.allclose(G(2.0, 3.0), (1 / math.sqrt(3) + math.sqrt(3),
                                     2 * (-0.5 * 3**-1.5 + 0.5 / math.sqrt(3))))


def test_constant_factors_of_adjoints_fold(m):
    for fn in (m.scaled, m.call):
        src = sd.symbolic(fn).grad.source
        # no line that only rescales another value: such adjoints are inlined,
        # so their constants multiply into one coefficient
        lonely = re.findall(r"^\s*\w+ = -?[0-9.e]+\*\w+$", src, flags=re.M)
        assert not lonely, lonely
    assert np.allclose(sd.symbolic(m.scaled).grad(0.3, 2.0),
                       (0.5 * math.exp(0.3) * 2.0, 0.5 * math.exp(0.3) + 0.5))


def test_unit_float_coefficients_are_dropped(m):
    G = sd.symbolic(m.logscale).grad
    assert "1.0*" not in G.source
    assert G(4.0) == (0.25,)
    assert np.array_equal(G(np.array([4.0, 8.0]))[0], np.array([0.25, 0.125]))


def test_black_scholes_greeks_are_exact_and_lean(m):
    G = sd.symbolic(m.call).grad
    for point in [(100.0, 0.2, 1.0), (80.0, 0.35, 0.25), (130.0, 0.1, 2.0)]:
        assert np.allclose(G(*point), _greeks(*point), rtol=1e-12, atol=0)
        arrays = [np.full(3, v) for v in point]
        assert np.allclose(np.array(G(*arrays)), np.array(_greeks(*point))[:, None], rtol=1e-12, atol=0)
    kernel = G.source                                # the maths, printed once
    assert kernel.count("numpy.sqrt(") == 1          # sqrt(T), written twice, computed once
    assert kernel.count("numpy.exp(") == 3           # e^(-rT) and the two normal densities


RATIONAL = '''
import math


def runge(x):
    return 1 / (1 + x * x)


def mixed(x, y):
    return math.exp(x) / (1 + x * y + y * y)


def wobbly(x, y):
    return 1 / (2 + math.sin(x * y))
'''


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("rational"), RATIONAL)


@pytest.mark.parametrize("name, wrt", [
    ("runge", ("x",) * 8),
    ("mixed", ("x", "x", "y")),
    ("mixed", ("x", "y", "y", "y")),
    ("mixed", ("x", "x", "y", "y")),
    ("wobbly", ("x", "y", "y")),
    ("wobbly", ("x",) * 5),
])
def test_reciprocal_recurrence_matches_sympy(r, name, wrt):
    F = sd.symbolic(getattr(r, name))
    D = F.diff(*wrt)
    syms = {p: sympy.Symbol(p) for p in F.params}
    plain = {"runge": lambda x: 1 / (1 + x * x),
             "mixed": lambda x, y: sympy.exp(x) / (1 + x * y + y * y),
             "wobbly": lambda x, y: 1 / (2 + sympy.sin(x * y))}[name]
    exact = sympy.lambdify(list(syms.values()),
                           sympy.diff(plain(*syms.values()), *[syms[w] for w in wrt]))
    rng = np.random.default_rng(3)
    pts = [rng.uniform(-1.5, 1.5, 7) for _ in F.params]
    assert np.allclose(D(*pts), exact(*pts), rtol=1e-11, atol=1e-11)


def test_reciprocal_recurrence_stays_short(r):
    """d^n/dx^n 1/(1+x^2): two terms per order (u'' is constant, u''' = 0)."""
    F = sd.symbolic(r.runge)
    F.diff("x", order=12).source
    derivatives = [e for s, e in F.graph.defs.items() if F.graph.origin[s][1]]
    assert len(derivatives) >= 10
    for e in derivatives:
        assert all(len(a.args) <= 2 for a in e.atoms(sympy.Add)), e
