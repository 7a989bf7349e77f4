"""Calling array functions: the fast entry (symdiff/arrays/fastcall.py) behaves as the
generic call does, for every kind of argument, after the code is compiled."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import symdiff as sd
from symdiff.arrays import fastcall
from symdiff.runtime import ArgumentTypeError

RNG = np.random.default_rng(7)


def logistic(X, y, w):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def scaled(x, s):
    return s * np.sum(np.exp(x))


def _grad_logistic(X, y, w):
    return X.T @ (-y / (1.0 + np.exp(y * (X @ w))))


@pytest.fixture(params=["named", "known"])
def logistic_grad(request):
    shapes = ({"X": ("n", "d"), "y": ("n",), "w": ("d",)} if request.param == "named"
              else {"X": (6, 3), "y": (6,), "w": (3,)})
    G = sd.grad(sd.symbolic(logistic, shapes=shapes), wrt="w")
    X, y, w = RNG.standard_normal((6, 3)), np.sign(RNG.standard_normal(6)), RNG.standard_normal(3)
    G(X, y, w)                      # compiles; later calls take the fast entry
    assert G._fast is not None
    return G, request.param, (X, y, w)


def test_fast_entry_equals_generic_call(logistic_grad):
    G, _, (X, y, w) = logistic_grad
    np.testing.assert_allclose(G(X, y, w), _grad_logistic(X, y, w), rtol=1e-12)
    np.testing.assert_array_equal(G(X, y, w), G._checked_call(X, y, w))
    # keywords, lists and int arrays go the generic way, to the same values
    np.testing.assert_allclose(G(X=X, y=y, w=w), _grad_logistic(X, y, w), rtol=1e-12)
    np.testing.assert_allclose(G(X.tolist(), y.astype(int), list(w)),
                               _grad_logistic(X, y, w), rtol=1e-12)


def test_fast_entry_keeps_the_shape_errors(logistic_grad):
    G, kind, (X, y, w) = logistic_grad
    with pytest.raises(ValueError, match="'y'" if kind == "named" else "argument 'y'"):
        G(X, y[:4], w)
    with pytest.raises(ValueError, match="'w'"):
        G(X, y, np.ones(4))
    with pytest.raises(TypeError):
        G(X, y)
    with pytest.raises(ArgumentTypeError, match="argument 'w' must be a real number"):
        G(X, y, None)


def test_fast_entry_other_sizes_with_named_sizes():
    G = sd.grad(sd.symbolic(logistic, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)}),
                wrt="w")
    for n, d in ((5, 2), (40, 7), (1, 1)):
        X, y, w = RNG.standard_normal((n, d)), np.sign(RNG.standard_normal(n)), RNG.standard_normal(d)
        np.testing.assert_allclose(G(X, y, w), _grad_logistic(X, y, w), rtol=1e-12)


def test_scalar_parameters_python_and_numpy_numbers():
    F = sd.symbolic(scaled, shapes={"x": (3,)})
    G = sd.grad(F)
    x = np.array([0.0, 1.0, 2.0])
    for s in (2.0, np.float64(2.0), 2, np.int64(2)):
        gx, gs = G(x, s)
        np.testing.assert_allclose(gx, 2.0 * np.exp(x), rtol=1e-14)
        assert float(gs) == pytest.approx(float(np.sum(np.exp(x))), rel=1e-14)


def test_no_warnings_and_errstate_restored():
    F = sd.symbolic(scaled, shapes={"x": (2,)})
    G = sd.grad(F, wrt="x")
    x = np.array([1e3, 0.0])
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):              # generic, then fast
            gx = G(x, np.float64(1.0))
            assert np.isinf(gx[0]) and gx[1] == 1.0
    assert np.geterr() == before


def test_batch_axes_still_use_the_elementwise_reading():
    F = sd.symbolic(scaled, shapes={"x": (2,)})
    G = sd.grad(F, wrt="x")
    G(np.zeros(2), 1.0)
    out = G(np.zeros((2, 3)), 1.0)
    assert np.shape(out) == (2, 3)
    np.testing.assert_allclose(out, np.ones((2, 3)))


def test_hvp_fast_entry():
    def quad(x, A):
        return x @ A @ x
    F = sd.symbolic(quad, shapes={"x": ("d",), "A": ("d", "d")})
    A = RNG.standard_normal((4, 4))
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    H = sd.hvp(F, wrt="x")
    Ht = sd.hvp(F, wrt=("x",))
    for _ in range(2):
        np.testing.assert_allclose(H(x, A, v), (A + A.T) @ v, rtol=1e-12)
        np.testing.assert_allclose(Ht(x, A, (v,))[0], (A + A.T) @ v, rtol=1e-12)
        np.testing.assert_allclose(Ht(x, A, [v])[0], (A + A.T) @ v, rtol=1e-12)
    with pytest.raises(TypeError, match="tuple"):
        Ht(x, A, v)
    with pytest.raises(ValueError):
        H(x, A, np.ones(3))


def test_fast_entry_threads():
    G = sd.grad(sd.symbolic(logistic, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)}),
                wrt="w")
    data = [(RNG.standard_normal((8, 3)), np.sign(RNG.standard_normal(8)), RNG.standard_normal(3))
            for _ in range(4)]
    errors = []

    def work(args):
        try:
            for _ in range(50):
                np.testing.assert_allclose(G(*args), _grad_logistic(*args), rtol=1e-12)
        except Exception as exc:        # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(a,)) for a in data]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_conditions_text():
    from symdiff.arrays.ir import Graph
    g = Graph()
    X, w, s = g.param("X", ("n", 3)), g.param("w", (3, "n")), g.param("s", ())
    conds = fastcall._conditions([("X", X), ("w", w), ("s", s)])
    assert "X.shape[1] == 3" in conds and "w.shape[1] == X.shape[0]" in conds
    assert "s.__class__ is _f64" in conds


def test_special_function_in_array_code():
    # the compiled array code's _special namespace (it called a runtime.special that
    # no longer existed: AttributeError at the first call)
    scipy_special = pytest.importorskip("scipy.special")

    def f(x):
        return np.sum(scipy_special.erf(x) * x)

    F = sd.symbolic(f, shapes={"x": ("n",)})
    x = np.array([0.1, 0.5, -1.2, 0.0])
    want = scipy_special.erf(x) + x * 2 / np.sqrt(np.pi) * np.exp(-x ** 2)
    np.testing.assert_allclose(sd.grad(F, wrt="x")(x), want, rtol=1e-13, atol=0)
    assert F(x) == pytest.approx(f(x), rel=1e-14)
