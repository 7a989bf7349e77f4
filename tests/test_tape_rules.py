"""One small test per tape primitive: its backward rule against central finite
differences and against sympy.diff; plus a hypothesis test on random graphs."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from symdiff import tape

X = sp.Symbol("x", real=True)
Y = sp.Symbol("y", real=True)

# name: (tape function of one tensor, sympy expression in x, point)
UNARY = {
    "neg": (lambda x: -x, -X, 0.7),
    "sin": (tape.sin, sp.sin(X), 0.7), "cos": (tape.cos, sp.cos(X), 0.7),
    "tan": (tape.tan, sp.tan(X), 0.7), "asin": (tape.asin, sp.asin(X), 0.3),
    "acos": (tape.acos, sp.acos(X), 0.3), "atan": (tape.atan, sp.atan(X), 0.7),
    "sinh": (tape.sinh, sp.sinh(X), 0.7), "cosh": (tape.cosh, sp.cosh(X), 0.7),
    "tanh": (tape.tanh, sp.tanh(X), 0.7), "asinh": (tape.asinh, sp.asinh(X), 0.7),
    "acosh": (tape.acosh, sp.acosh(X), 1.7), "atanh": (tape.atanh, sp.atanh(X), 0.3),
    "exp": (tape.exp, sp.exp(X), 0.7), "exp2": (tape.exp2, 2**X, 0.7),
    "expm1": (tape.expm1, sp.exp(X) - 1, 0.7), "log": (tape.log, sp.log(X), 0.7),
    "log2": (tape.log2, sp.log(X, 2), 0.7), "log10": (tape.log10, sp.log(X, 10), 0.7),
    "log1p": (tape.log1p, sp.log(1 + X), 0.7), "sqrt": (tape.sqrt, sp.sqrt(X), 0.7),
    "rsqrt": (tape.rsqrt, 1 / sp.sqrt(X), 0.7), "cbrt": (tape.cbrt, sp.cbrt(X), 0.7),
    "reciprocal": (tape.reciprocal, 1 / X, 0.7), "square": (tape.square, X**2, 0.7),
    "pow_scalar": (lambda x: x**3.5, X**3.5, 0.7), "rpow": (lambda x: 2.5**x, sp.Float(2.5)**X, 0.7),
    "rdiv": (lambda x: 3 / x, 3 / X, 0.7), "rsub": (lambda x: 3 - x, 3 - X, 0.7),
    "abs": (tape.abs, sp.Abs(X), -0.7), "sigmoid": (tape.sigmoid, 1 / (1 + sp.exp(-X)), 0.7),
    "relu": (tape.relu, sp.Max(X, 0), 0.7), "erf": (tape.erf, sp.erf(X), 0.7),
    "erfc": (tape.erfc, sp.erfc(X), 0.7), "lgamma": (tape.lgamma, sp.loggamma(X), 2.7),
    "gamma": (tape.gamma, sp.gamma(X), 2.7), "digamma": (tape.digamma, sp.polygamma(0, X), 2.7),
    "polygamma1": (lambda x: tape.polygamma(1, x), sp.polygamma(1, X), 2.7),
    "floor": (tape.floor, sp.floor(X), 0.7), "ceil": (tape.ceil, sp.ceiling(X), 0.7),
    "sign": (tape.sign, sp.sign(X), 0.7), "round": (tape.round, sp.Integer(1) + 0 * X, 0.7),
    "trunc": (tape.trunc, sp.Integer(0) + 0 * X, 0.7),
    "clamp": (lambda x: tape.clamp(x, 0.0, 1.0), X, 0.7),
}

BINARY = {
    "add": (lambda x, y: x + y, X + Y), "sub": (lambda x, y: x - y, X - Y),
    "mul": (lambda x, y: x * y, X * Y), "div": (lambda x, y: x / y, X / Y),
    "pow": (lambda x, y: x**y, X**Y), "atan2": (tape.atan2, sp.atan2(X, Y)),
    "hypot": (tape.hypot, sp.sqrt(X**2 + Y**2)), "maximum": (tape.maximum, sp.Max(X, Y)),
    "minimum": (tape.minimum, sp.Min(X, Y)),
}


def fd(f, x0, h=1e-6):
    return (f(x0 + h) - f(x0 - h)) / (2 * h)


def value(fn, *args):
    with tape.no_grad():
        return fn(*[tape.tensor(a) for a in args]).item()


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_rule(name):
    fn, expr, x0 = UNARY[name]
    x = tape.tensor(x0, requires_grad=True)
    y = fn(x)
    assert np.isclose(y.item(), float(expr.subs(X, x0)), rtol=1e-10)
    y.backward()
    sym = float(sp.diff(expr, X).subs(X, x0)) if name not in ("floor", "ceil", "sign") else 0.0
    assert np.isclose(x.grad.item(), sym, rtol=1e-8, atol=1e-12), (x.grad.item(), sym)
    num = fd(lambda v: value(fn, v), x0)
    assert np.isclose(x.grad.item(), num, rtol=1e-6, atol=1e-8), (x.grad.item(), num)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_rule(name):
    fn, expr = BINARY[name]
    x0, y0 = 0.7, 1.3
    x = tape.tensor(x0, requires_grad=True)
    y = tape.tensor(y0, requires_grad=True)
    fn(x, y).backward()
    at = {X: x0, Y: y0}
    for t, s, numf in ((x, X, lambda v: value(fn, v, y0)), (y, Y, lambda v: value(fn, x0, v))):
        sym = float(sp.diff(expr, s).subs(at))
        assert np.isclose(t.grad.item(), sym, rtol=1e-9), (name, s)
        assert np.isclose(t.grad.item(), fd(numf, float(at[s])), rtol=1e-6), (name, s)


def test_ties_and_kinks_follow_torch():
    x = tape.tensor(0.0, requires_grad=True)
    abs(x).backward()
    assert x.grad.item() == 0.0
    a = tape.tensor(1.0, requires_grad=True)
    b = tape.tensor(1.0, requires_grad=True)
    tape.maximum(a, b).backward()
    assert (a.grad.item(), b.grad.item()) == (0.5, 0.5)
    c = tape.tensor([0.0, 0.5, 1.0, 1.5], requires_grad=True)
    tape.clamp(c, 0.0, 1.0).sum().backward()
    assert c.grad.tolist() == [1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("name,fn", [
    ("sum_axis", lambda a: a.sum(1)), ("mean_axis", lambda a: a.mean(0, keepdim=True)),
    ("prod", lambda a: a.prod()), ("amax", lambda a: tape.amax(a, 1)),
    ("logsumexp", lambda a: tape.logsumexp(a, 1)), ("softmax", lambda a: tape.softmax(a, 1)[:, 0]),
    ("log_softmax", lambda a: tape.log_softmax(a, 0)), ("matmul", lambda a: a @ a.T),
    ("index", lambda a: a[[0, 1], [2, 0]]), ("slice", lambda a: a[:, 1:]),
    ("cat", lambda a: tape.cat([a, a * 2], 1)), ("stack", lambda a: tape.stack([a, a.exp()])),
    ("transpose", lambda a: a.transpose(0, 1) * tape.arange(2.0)),
    ("var", lambda a: a.var()), ("std", lambda a: a.std(1)), ("where", lambda a: tape.where(a > 0.3, a * a, -a)),
])
def test_array_primitives_against_finite_differences(name, fn):
    a0 = np.array([[0.1, 0.5, -0.2], [0.7, 0.2, 0.4]])
    a = tape.tensor(a0, requires_grad=True)
    w = np.random.default_rng(0).normal(size=np.shape(value_arr(fn, a0)))
    (fn(a) * tape.tensor(w)).sum().backward()
    num = np.zeros_like(a0)
    for idx in np.ndindex(a0.shape):
        e = np.zeros_like(a0)
        e[idx] = 1e-6
        num[idx] = ((value_arr(fn, a0 + e) - value_arr(fn, a0 - e)) * w).sum() / 2e-6
    np.testing.assert_allclose(a.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def value_arr(fn, a):
    with tape.no_grad():
        return fn(tape.tensor(a)).numpy()


def test_second_derivatives_of_every_unary_rule():
    # create_graph runs the same rules on tensors: check d2 against sympy.
    for name, (fn, expr, x0) in UNARY.items():
        if name in ("floor", "ceil", "sign", "round", "trunc", "relu", "clamp", "abs"):
            continue
        x = tape.tensor(x0, requires_grad=True)
        (g,) = tape.grad(fn(x), x, create_graph=True)
        sym = float(sp.diff(expr, X, 2).subs(X, x0))
        if not g.requires_grad:  # a constant first derivative: torch raises here too
            assert sym == 0.0, name
            continue
        (g2,) = tape.grad(g, x, allow_unused=True)
        got = 0.0 if g2 is None else g2.item()
        assert np.isclose(got, sym, rtol=1e-7, atol=1e-10), (name, got, sym)


# ---------------------------------------------------------------- hypothesis
_OPS1 = [("sin", tape.sin, np.sin), ("cos", tape.cos, np.cos), ("tanh", tape.tanh, np.tanh),
         ("exp", lambda t: tape.exp(t * 0.1), lambda v: np.exp(v * 0.1)),
         ("sq", lambda t: t * t, lambda v: v * v), ("sig", tape.sigmoid, lambda v: 1 / (1 + np.exp(-v)))]
_OPS2 = [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
         ("div", lambda a, b: a / (1.5 + b * b))]


@st.composite
def programs(draw):
    n = draw(st.integers(2, 12))
    steps = []
    for i in range(n):
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(_OPS1) - 1)), draw(st.integers(0, i + 1))))
        else:
            steps.append(("b", draw(st.integers(0, len(_OPS2) - 1)), draw(st.integers(0, i + 1)),
                          draw(st.integers(0, i + 1))))
    return steps


def _run(steps, x, y, unary):
    vals = [x, y]
    for s in steps:
        if s[0] == "u":
            vals.append(unary(s[1], vals[s[2]]))
        else:
            vals.append(_OPS2[s[1]][1](vals[s[2]], vals[s[3]]))
    return vals[-1]


@settings(max_examples=40, derandomize=True, deadline=None)
@given(programs(), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_random_graphs_match_finite_differences(steps, x0, y0):
    x = tape.tensor(x0, requires_grad=True)
    y = tape.tensor(y0, requires_grad=True)
    out = _run(steps, x, y, lambda k, t: _OPS1[k][1](t))
    if not out.requires_grad:
        return
    out.backward()
    f = lambda a, b: _run(steps, a, b, lambda k, v: _OPS1[k][2](v))
    h = 1e-6
    for t, num in ((x, (f(x0 + h, y0) - f(x0 - h, y0)) / (2 * h)),
                   (y, (f(x0, y0 + h) - f(x0, y0 - h)) / (2 * h))):
        got = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(got, num, rel_tol=1e-5, abs_tol=1e-6)
