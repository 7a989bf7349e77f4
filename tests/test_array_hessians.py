"""Hessians of array functions (issue 13) against outside oracles.

Oracles: the hand-written closed forms (``A + A.T``, ``(X.T * s*(1-s)) @ X``), SymPy's
matrix calculus (``MatrixSymbol.diff``) for the polynomial cases, where it is right,
and torch where installed (JAX is compared in benchmarks/bench_arrays.py, where every
engine is checked against the closed forms). Points are special where they can be:
zeros, integer-valued floats (so sums of products are exact), a minimiser found with
the derivatives themselves.
"""

import os
import sys

import numpy as np
import pytest
import sympy

import symdiff as sd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))
import array_workloads as AW  # noqa: E402


def quad_lin(x, A, b):
    return x @ A @ x + b @ x


def logistic_ridge(X, y, w):
    return np.sum(np.log(1 + np.exp(-y * (X @ w)))) + 0.5 * (w @ w)


def _int_matrix(rng, *shape):
    return rng.integers(-4, 5, shape).astype(float)


# -- x @ A @ x -------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 3, 5])
def test_quadratic_hessian_is_A_plus_AT_at_zero_ones_and_integers(d):
    rng = np.random.default_rng(d)
    A = _int_matrix(rng, d, d)
    H = sd.hessian(sd.symbolic(AW.quadratic, shapes={"x": (d,), "A": (d, d)}), wrt="x")
    for x in (np.zeros(d), np.ones(d), _int_matrix(rng, d)):
        got = H(x, A)
        assert got.shape == (d, d)
        np.testing.assert_array_equal(got, A + A.T)      # integer sums: exact


def test_quadratic_hessian_of_a_symmetric_matrix_is_twice_it():
    A = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])
    H = sd.hessian(sd.symbolic(AW.quadratic, shapes={"x": (3,), "A": (3, 3)}), wrt="x")
    np.testing.assert_array_equal(H(np.array([1.0, -2.0, 3.0]), A), 2.0 * A)


def _sympy_matrix_hessian(d):
    """The Hessian of x'Ax + b'x by SymPy's matrix calculus (right on polynomials)."""
    x = sympy.MatrixSymbol("x", d, 1)
    A = sympy.MatrixSymbol("A", d, d)
    b = sympy.MatrixSymbol("b", d, 1)
    hess = (x.T * A * x + b.T * x).diff(x).diff(x)
    return hess, A


@pytest.mark.parametrize("d", [2, 4])
def test_quadratic_plus_linear_hessian_matches_sympy_matrix_calculus(d):
    hess, Asym = _sympy_matrix_hessian(d)
    assert hess == Asym + Asym.T                          # SymPy agrees on the closed form
    rng = np.random.default_rng(10 + d)
    A = _int_matrix(rng, d, d)
    want = np.array(hess.subs({Asym: sympy.Matrix(A)}).doit().tolist(), dtype=float)
    F = sd.symbolic(quad_lin, shapes={"x": (d,), "A": (d, d), "b": (d,)})
    got = sd.hessian(F, wrt="x")(_int_matrix(rng, d), A, _int_matrix(rng, d))
    np.testing.assert_array_equal(got, want)


def test_factorisation_gradient_matches_sympy_matrix_calculus():
    m, n, r = 4, 3, 2
    X, U, V = (sympy.MatrixSymbol(c, *s) for c, s in (("X", (m, n)), ("U", (m, r)),
                                                      ("V", (n, r))))
    R = X - U * V.T
    loss = sympy.Trace(R.T * R)
    rng = np.random.default_rng(3)
    vals = {X: _int_matrix(rng, m, n), U: _int_matrix(rng, m, r), V: _int_matrix(rng, n, r)}
    subs = {k: sympy.Matrix(v) for k, v in vals.items()}
    want = [np.array(loss.diff(p).subs(subs).doit().tolist(), dtype=float) for p in (U, V)]
    F = sd.symbolic(AW.factorisation, shapes={"X": (m, n), "U": (m, r), "V": (n, r)})
    gU, gV = sd.grad(F, wrt=("U", "V"))(vals[X], vals[U], vals[V])
    np.testing.assert_array_equal(gU, want[0])
    np.testing.assert_array_equal(gV, want[1])
    np.testing.assert_array_equal(gU, AW.grad_factorisation(vals[X], vals[U], vals[V])[0])


# -- logistic regression -------------------------------------------------------------------------


def _logistic_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = _int_matrix(rng, n, d)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return X, y


def test_logistic_hessian_at_zero_is_a_quarter_of_the_gram_matrix():
    X, y = _logistic_data(7, 3)
    F = sd.symbolic(AW.logistic, shapes={"X": (7, 3), "y": (7,), "w": (3,)})
    H = sd.hessian(F, wrt="w")(X, y, np.zeros(3))
    assert H.shape == (3, 3)
    np.testing.assert_array_equal(H, X.T @ X / 4.0)      # s(1-s) = 1/4 exactly at w = 0


def test_logistic_hessian_is_the_weighted_gram_matrix():
    X, y = _logistic_data(9, 4, seed=1)
    w = np.array([0.5, -1.0, 0.25, 2.0])
    F = sd.symbolic(AW.logistic, shapes={"X": (9, 4), "y": (9,), "w": (4,)})
    np.testing.assert_allclose(sd.hessian(F, wrt="w")(X, y, w), AW.hess_logistic(X, y, w),
                               rtol=1e-12, atol=1e-14)
    (g,) = sd.grad(F, wrt=("w",))(X, y, w)
    np.testing.assert_allclose(g, AW.grad_logistic(X, y, w), rtol=1e-12, atol=1e-14)


def test_newton_minimiser_of_ridge_logistic_with_sd_grad_and_sd_hessian():
    """scipy's Newton-CG with symdiff's gradient and Hessian finds the minimiser; there the
    gradient vanishes and the Hessian is the closed form plus the identity."""
    scipy_optimize = pytest.importorskip("scipy.optimize")
    X, y = _logistic_data(12, 3, seed=2)
    X = X / 4.0
    F = sd.symbolic(logistic_ridge, shapes={"X": (12, 3), "y": (12,), "w": (3,)})
    G = sd.grad(F, wrt=("w",))
    H = sd.hessian(F, wrt="w")
    res = scipy_optimize.minimize(lambda w: F(X, y, w), np.zeros(3), method="Newton-CG",
                                  jac=lambda w: G(X, y, w)[0], hess=lambda w: H(X, y, w),
                                  options={"xtol": 1e-12})
    assert res.success, res.message
    w = res.x
    for _ in range(2):                  # polish: Newton converges quadratically from here
        w = w - np.linalg.solve(H(X, y, w), G(X, y, w)[0])
    np.testing.assert_allclose(AW.grad_logistic(X, y, w) + w, 0.0, atol=1e-14)
    np.testing.assert_allclose(H(X, y, w), AW.hess_logistic(X, y, w) + np.eye(3),
                               rtol=1e-12, atol=1e-14)


# -- cross-engine ------------------------------------------------------------------------------


def test_mlp_hessian_in_a_bias_matches_torch():
    torch = pytest.importorskip("torch")
    sizes = {"n": 4, "i": 2, "h": 3, "o": 1}
    args = AW.inputs("mlp", sizes, seed=4)
    F = sd.symbolic(AW.mlp, shapes=AW.shapes("mlp", sizes))
    got = sd.hessian(F, wrt="b1")(*args)
    f = AW.torch_functions(torch)["mlp"]
    t = [torch.from_numpy(a) for a in args]
    want = torch.autograd.functional.hessian(lambda b1: f(*t[:3], b1, *t[4:]), t[3]).numpy()
    assert got.shape == (3, 3)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def _torch_grads(torch, f, args, argnums):
    t = [torch.from_numpy(a).requires_grad_(k in argnums) for k, a in enumerate(args)]
    return [g.numpy() for g in torch.autograd.grad(f(*t), [t[k] for k in argnums])]


def test_benchmark_closed_forms_agree_with_torch():
    """The baselines of benchmarks/bench_arrays.py are right: each hand-written closed
    form equals torch.autograd's derivative of the same function at small sizes."""
    torch = pytest.importorskip("torch")
    ft = AW.torch_functions(torch)
    small = {"logistic": {"n": 6, "d": 3}, "mlp": {"n": 5, "i": 3, "h": 4, "o": 2},
             "factorisation": {"m": 4, "n": 5, "r": 2}, "softmax_ce": {"n": 6, "d": 4, "k": 3},
             "rastrigin": {"n": 5}, "griewank_prod": {"n": 5}, "quadratic": {"d": 4}}
    grads = {"logistic": (AW.grad_logistic, (2,)), "mlp": (AW.grad_mlp, (2, 3, 4, 5)),
             "factorisation": (AW.grad_factorisation, (1, 2)),
             "softmax_ce": (AW.grad_softmax_ce, (2,)), "rastrigin": (AW.grad_rastrigin, (0,)),
             "griewank_prod": (AW.grad_griewank_prod, (0,))}
    for name, (hand, argnums) in grads.items():
        args = AW.inputs(name, small[name])
        got = hand(*args)
        got = got if isinstance(got, tuple) else (got,)
        for g_, w_ in zip(got, _torch_grads(torch, ft[name], args, argnums)):
            np.testing.assert_allclose(g_, w_, rtol=1e-12, atol=1e-14, err_msg=name)
    for name, hand, k in (("logistic", AW.hess_logistic, 2), ("quadratic", AW.hess_quadratic, 0)):
        args = AW.inputs(name, small[name])
        t = [torch.from_numpy(a) for a in args]

        def of_k(a, t=t, k=k, name=name):
            return ft[name](*t[:k], a, *t[k + 1:])
        want = torch.autograd.functional.hessian(of_k, t[k]).numpy()
        np.testing.assert_allclose(hand(*args), want, rtol=1e-12, atol=1e-14, err_msg=name)
    args = AW.inputs("mlp", small["mlp"])
    v = AW.direction("mlp", small["mlp"], ("W1", "b1", "W2", "b2"))
    t = [torch.from_numpy(a) for a in args]
    _, want = torch.autograd.functional.hvp(lambda *p: ft["mlp"](*t[:2], *p), tuple(t[2:]),
                                            tuple(torch.from_numpy(x) for x in v))
    for g_, w_ in zip(AW.hvp_mlp(*args, v), want):
        np.testing.assert_allclose(g_, w_.numpy(), rtol=1e-12, atol=1e-14)


def test_sum_over_a_broadcast_axis_is_a_count_times_the_value():
    # the MLP loss's Hessian in b2 is 2/o * I; it was a sum over n of an (o, n, o)
    # broadcast of that matrix (the (o, n, o) array built on every call)
    M = sd.symbolic(AW.mlp, shapes={"X": ("n", "i"), "Y": ("n", "o"), "W1": ("i", "h"),
                                    "b1": ("h",), "W2": ("h", "o"), "b2": ("o",)})
    H = sd.hessian(M, wrt="b2")
    assert "broadcast_to" not in H.source
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    W1, b1, W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
    # d2/db2^2 of mean((Z + b2 - Y)**2) over n*o entries: 2*n/(n*o) * I
    np.testing.assert_allclose(H(X, Y, W1, b1, W2, b2), 2 / 2 * np.eye(2), rtol=1e-14)
