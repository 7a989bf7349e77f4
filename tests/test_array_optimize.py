"""The passes of symdiff/arrays/optimize.py and the printing of emit.py: constant factors
on the smallest array, sums of contractions merged, values used once written inline
and named values released; every result still equals its closed form."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff.arrays import emit, optimize
from symdiff.arrays.ir import Graph

RNG = np.random.default_rng(5)


def factorisation(X, U, V):
    return np.sum((X - U @ V.T) ** 2)


def mlp(X, Y, W1, b1, W2, b2):
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


MLP = {"X": ("n", "i"), "Y": ("n", "o"), "W1": ("i", "h"), "b1": ("h",), "W2": ("h", "o"),
       "b2": ("o",)}


@pytest.mark.parametrize("shapes", [{"X": ("m", "n"), "U": ("m", "r"), "V": ("n", "r")},
                                    {"X": (30, 20), "U": (30, 3), "V": (20, 3)}])
def test_constant_factor_leaves_the_large_operand(shapes):
    G = sd.grad(sd.symbolic(factorisation, shapes=shapes), wrt=("U", "V"))
    src = G.source
    body = src.split('"""')[2]
    if isinstance(shapes["X"][0], int):     # with named sizes, r < n is not known
        assert "2 * (X" not in body and "-2 * (" in body      # scaled after the products
    X, U, V = RNG.standard_normal((30, 20)), RNG.standard_normal((30, 3)), RNG.standard_normal((20, 3))
    R = X - U @ V.T
    gu, gv = G(X, U, V)
    np.testing.assert_allclose(gu, -2 * R @ V, rtol=1e-12)
    np.testing.assert_allclose(gv, -2 * R.T @ U, rtol=1e-12)


def test_hvp_merges_two_products_and_releases_values():
    F = sd.symbolic(mlp, shapes={"X": (64, 3), "Y": (64, 2), "W1": (3, 16), "b1": (16,),
                                 "W2": (16, 2), "b2": (2,)})
    H = sd.hvp(F, wrt=("W1", "b1", "W2", "b2"))
    src = H.source
    assert "numpy.concatenate" in src and "del _t" in src
    args = (RNG.standard_normal((64, 3)), RNG.standard_normal((64, 2)), RNG.standard_normal((3, 16)),
            RNG.standard_normal(16), RNG.standard_normal((16, 2)), RNG.standard_normal(2))
    v = tuple(RNG.standard_normal(np.shape(a)) for a in args[2:])
    got = H(*args, v)
    # the Hessian applied to v, by differences of the gradient along v
    G = sd.grad(F, wrt=("W1", "b1", "W2", "b2"))
    h = 1e-5
    plus = G(*args[:2], *(a + h * d for a, d in zip(args[2:], v)))
    minus = G(*args[:2], *(a - h * d for a, d in zip(args[2:], v)))
    for g, p, m in zip(got, plus, minus):
        np.testing.assert_allclose(g, (p - m) / (2 * h), rtol=1e-6, atol=1e-9)


def test_merge_needs_a_result_larger_than_the_operands():
    def small_result(A, B, C, D):       # (3x40)@(40x3) + (3x40)@(40x3): nothing to gain
        return np.sum((A @ B + C @ D) ** 2)
    shapes = {"A": (3, 40), "B": (40, 3), "C": (3, 40), "D": (40, 3)}
    G = sd.grad(sd.symbolic(small_result, shapes=shapes))
    assert "concatenate" not in G.source.split('"""')[2]


def test_inline_values_and_release():
    G = sd.grad(sd.symbolic(mlp, shapes=MLP), wrt=("W1", "b1", "W2", "b2"))
    body = G.source.split('"""')[2]
    assert "numpy.tanh(X @ W1 + b1)" in body          # the product used once is inline
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    assert lines[-1].startswith("return") and not lines[-2].startswith("del")


def test_outer_product_prints_as_broadcast():
    def outer(x, y):
        return np.sum(np.outer(x, y) ** 2)
    F = sd.symbolic(outer, shapes={"x": ("n",), "y": ("m",)})
    assert "[:, None] * " in F.source
    x, y = RNG.standard_normal(3), RNG.standard_normal(4)
    assert F(x, y) == pytest.approx(np.sum(np.outer(x, y) ** 2), rel=1e-14)


def test_smaller_with_named_sizes():
    n, d = sympy.Symbol("n", integer=True, positive=True), sympy.Symbol("d", integer=True,
                                                                         positive=True)
    assert optimize.smaller(3, 4) and not optimize.smaller(4, 4)
    assert optimize.smaller(d, n * d) and optimize.smaller(10, 10 * n)
    assert not optimize.smaller(n, d) and not optimize.smaller(n * d, d)


def test_emit_release_can_be_turned_off(monkeypatch):
    g = Graph()
    x = g.param("x", (3,))
    a = g.ewise("exp", x)
    b = g.ewise("sin", a)
    outs = [g.sum(g.mul(b, b)), g.sum(g.mul(a, a))]
    lines, _ = emit.body(outs, {"x": x}, lambda t: ", ".join(t))
    assert any(ln.startswith("del ") for ln in lines) and lines[-1].startswith("return")
    monkeypatch.setattr(emit, "RELEASE", False)
    lines, _ = emit.body(outs, {"x": x}, lambda t: ", ".join(t))
    assert not any(ln.startswith("del ") for ln in lines)
