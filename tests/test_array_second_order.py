"""Second and higher derivatives at the array level (issue 13): Hessians, Jacobians,
``F.diff`` of array results and Hessian-vector products are single tensor expressions
in closed form, equal to hand-written formulas, torch.autograd and SymPy's matrix calculus.

Points are special where they can be (zeros, integer-valued floats, a symmetric A), and
one compiled derivative with named sizes serves every size.
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

NAMED = {"quadratic": {"x": ("d",), "A": ("d", "d")},
         "logistic": {"X": ("n", "d"), "y": ("n",), "w": ("d",)},
         "mlp": {"X": ("n", "i"), "Y": ("n", "o"), "W1": ("i", "h"), "b1": ("h",),
                 "W2": ("h", "o"), "b2": ("o",)}}


def _ints(rng, *shape):
    return rng.integers(-3, 4, shape).astype(float)


def _body(source: str) -> str:
    """The generated code without its docstring."""
    head, _, rest = source.partition('"""')
    _, _, code = rest.partition('"""')
    return head + code


# -- x @ A @ x -------------------------------------------------------------------------------


def test_quadratic_hessian_is_the_closed_form_A_plus_AT():
    F = sd.symbolic(AW.quadratic, shapes=NAMED["quadratic"])
    H = sd.hessian(F, wrt="x")
    code = _body(H.source)
    assert "A.T + A" in code or "A + A.T" in code, code
    assert "eye" not in code and "einsum" not in code, code
    assert len(H.source.splitlines()) < 50
    rng = np.random.default_rng(0)
    for d in (1, 3, 8):                             # one compiled Hessian, every size
        A = _ints(rng, d, d)
        for x in (np.zeros(d), _ints(rng, d)):
            got = H(x, A)
            assert got.shape == (d, d)
            np.testing.assert_array_equal(got, A + A.T)


def test_quadratic_hessian_displays_as_A_plus_AT():
    F = sd.symbolic(AW.quadratic, shapes=NAMED["quadratic"])
    H = sd.hessian(F, wrt="x")
    d = sympy.Symbol("d", integer=True, positive=True)
    A = sympy.MatrixSymbol("A", d, d)
    assert H.expr == A + A.T
    assert sympy.latex(H.expr) == "A + A^{T}"
    assert "A + A^{T}" in H.latex()


def _one(e):
    return e[0] if isinstance(e, tuple) else e


def test_logistic_gradient_displays_as_X_transpose_times():
    F = sd.symbolic(AW.logistic, shapes=NAMED["logistic"])
    assert str(_one(sd.grad(F, wrt="w").expr)).lstrip("-").startswith("X.T*")
    assert "X^{T}" in sympy.latex(sd.hessian(F, wrt="w").expr)


def test_display_of_polynomial_derivatives_agrees_with_sympy_matrix_calculus():
    """The displayed matrix expressions evaluate to SymPy's own matrix derivatives."""
    F = sd.symbolic(AW.factorisation, shapes={"X": (4, 3), "U": (4, 2), "V": (3, 2)})
    rng = np.random.default_rng(1)
    vals = {"X": _ints(rng, 4, 3), "U": _ints(rng, 4, 2), "V": _ints(rng, 3, 2)}
    X, U, V = (sympy.MatrixSymbol(k, *vals[k].shape) for k in ("X", "U", "V"))
    R = X - U * V.T
    subs = {s: sympy.Matrix(vals[str(s)]) for s in (X, U, V)}
    for name, sym in (("U", U), ("V", V)):
        shown = _one(sd.grad(F, wrt=name).expr)
        want = sympy.Trace(R.T * R).diff(sym)
        got = np.array(shown.subs(subs).doit().tolist(), dtype=float)
        np.testing.assert_array_equal(got, np.array(want.subs(subs).doit().tolist(), dtype=float))


# -- logistic regression ----------------------------------------------------------------------


def test_logistic_hessian_is_one_product_with_the_data():
    F = sd.symbolic(AW.logistic, shapes=NAMED["logistic"])
    H = sd.hessian(F, wrt="w")
    code = _body(H.source)
    assert code.count("@ X") == 1 and "X.T" in code and "eye" not in code, code
    assert len(H.source.splitlines()) < 50
    rng = np.random.default_rng(2)
    for n, d in ((9, 3), (40, 5)):
        X = _ints(rng, n, d)
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        np.testing.assert_array_equal(H(X, y, np.zeros(d)), X.T @ X / 4.0)   # s(1-s) = 1/4
        w = rng.standard_normal(d) / 4
        np.testing.assert_allclose(H(X, y, w), AW.hess_logistic(X, y, w), rtol=1e-12,
                                   atol=1e-13)


def test_hessian_in_a_matrix_parameter_has_shape_s_plus_s_and_matches_torch():
    torch = pytest.importorskip("torch")
    sizes = {"n": 6, "i": 3, "h": 4, "o": 2}
    args = AW.inputs("mlp", sizes, seed=3)
    F = sd.symbolic(AW.mlp, shapes=NAMED["mlp"])
    t = [torch.from_numpy(a) for a in args]
    f = AW.torch_functions(torch)["mlp"]
    for name, k in (("W1", 2), ("b1", 3), ("W2", 4)):
        got = sd.hessian(F, wrt=name)(*args)
        want = torch.autograd.functional.hessian(
            lambda a, k=k: f(*t[:k], a, *t[k + 1:]), t[k]).numpy()
        assert got.shape == want.shape == 2 * np.shape(args[k])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_hessian_over_several_parameters_is_the_flat_matrix():
    F = sd.symbolic(AW.quadratic, shapes={"x": (3,), "A": (3, 3)})
    rng = np.random.default_rng(4)
    x, A = _ints(rng, 3), _ints(rng, 3, 3)
    H = F.hessian(x, A)
    assert H.shape == (12, 12)
    np.testing.assert_array_equal(H[:3, :3], A + A.T)
    # d2/dx_i dA_jk = delta_ij x_k + x_j delta_ik
    want = np.zeros((3, 3, 3))
    for i in range(3):
        want[i, i, :] += x
        want[i, :, i] += x
    np.testing.assert_array_equal(H[:3, 3:], want.reshape(3, 9))
    np.testing.assert_array_equal(H[3:, :3], want.reshape(3, 9).T)
    np.testing.assert_array_equal(H[3:, 3:], 0.0)


# -- Jacobians and higher derivatives ------------------------------------------------------------


def layer(x, A):
    return np.tanh(A @ x)


def quartic(x):
    return np.sum(x ** 4)


def test_jacobian_of_a_vector_valued_function():
    F = sd.symbolic(layer, shapes={"x": ("d",), "A": ("m", "d")})
    J = sd.jacobian(F, wrt="x")
    rng = np.random.default_rng(5)
    A, x = _ints(rng, 4, 3) / 4, _ints(rng, 3) / 2
    t = np.tanh(A @ x)
    got = J(x, A)
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, (1 - t * t)[:, None] * A, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(J(np.zeros(3), A), A)            # tanh'(0) = 1


def test_third_derivative_tensor_of_a_quartic():
    F = sd.symbolic(quartic, shapes={"x": ("n",)})
    D3 = F.diff("x", order=3)
    x = np.array([0.0, 1.0, -2.0, 3.0])
    got = D3(x)
    assert got.shape == (4, 4, 4)
    want = np.zeros((4, 4, 4))
    for i in range(4):
        want[i, i, i] = 24.0 * x[i]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(F.diff("x", "x")(x), np.diag(12.0 * x ** 2))


# -- Hessian-vector products -----------------------------------------------------------------------


def test_hvp_of_the_quadratic_form_and_the_logistic_loss():
    rng = np.random.default_rng(6)
    Q = sd.symbolic(AW.quadratic, shapes=NAMED["quadratic"])
    Hv = sd.hvp(Q, wrt="x")
    A, x, v = _ints(rng, 5, 5), _ints(rng, 5), _ints(rng, 5)
    np.testing.assert_array_equal(Hv(x, A, v), (A + A.T) @ v)
    L = sd.symbolic(AW.logistic, shapes=NAMED["logistic"])
    X, y, w = AW.inputs("logistic", {"n": 30, "d": 4})
    v = rng.standard_normal(4)
    np.testing.assert_allclose(sd.hvp(L, wrt="w")(X, y, w, v), AW.hess_logistic(X, y, w) @ v,
                               rtol=1e-12, atol=1e-14)


def test_mlp_hvp_never_forms_the_hessian_and_matches_the_r_operator_and_torch():
    sizes = {"n": 8, "i": 3, "h": 5, "o": 2}
    wrt = ("W1", "b1", "W2", "b2")
    F = sd.symbolic(AW.mlp, shapes=NAMED["mlp"])
    Hv = sd.hvp(F, wrt=wrt)
    assert "v_W1" in Hv.source and len(Hv.source.splitlines()) < 60
    for seed in (0, 1):
        args = AW.inputs("mlp", sizes, seed=seed)
        v = AW.direction("mlp", sizes, wrt, seed=seed + 10)
        for got, want in zip(Hv(*args, v), AW.hvp_mlp(*args, v)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    zero = tuple(np.zeros_like(t) for t in v)
    for got in Hv(*args, zero):
        np.testing.assert_array_equal(got, 0.0)
    torch = pytest.importorskip("torch")
    f = AW.torch_functions(torch)["mlp"]
    t = [torch.from_numpy(a) for a in args]
    _, want = torch.autograd.functional.hvp(lambda *p: f(*t[:2], *p), tuple(t[2:]),
                                            tuple(torch.from_numpy(x) for x in v))
    for got, w in zip(Hv(*args, v), want):
        np.testing.assert_allclose(got, w.numpy(), rtol=1e-12, atol=1e-14)


def test_hvp_asks_for_a_tuple_of_directions_by_name():
    F = sd.symbolic(AW.mlp, shapes=NAMED["mlp"])
    args = AW.inputs("mlp", {"n": 4, "i": 2, "h": 3, "o": 1})
    with pytest.raises(TypeError, match=r"v must be a tuple of 2 array\(s\).*\(W1, b2\)"):
        sd.hvp(F, wrt=("W1", "b2"))(*args, np.zeros((2, 3)))


def test_hvp_of_an_element_wise_reading():
    def rosen(x):
        return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))
    optimize = pytest.importorskip("scipy.optimize")
    F = sd.symbolic(rosen, shapes={"x": (4,)})
    x0, v = np.array([1.0, 2.0, 0.5, -1.0]), np.array([1.0, 0.0, 2.0, 1.0])
    np.testing.assert_allclose(sd.hvp(F, wrt="x")(x0, v), optimize.rosen_hess_prod(x0, v),
                               rtol=1e-13)
    assert float(sd.hvp("x**2*y", wrt="x")(1.0, 3.0, 2.0)) == 12.0


# -- dask --------------------------------------------------------------------------------------------


def test_gradient_hessian_and_hvp_over_row_chunked_dask_data():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    X, y, w = AW.inputs("logistic", {"n": 2000, "d": 4}, seed=7)
    dX, dy = da.from_array(X, chunks=(500, 4)), da.from_array(y, chunks=500)
    F = sd.symbolic(AW.logistic, shapes=NAMED["logistic"])
    v = np.array([1.0, -1.0, 0.5, 2.0])
    with dask.config.set(scheduler="synchronous"):
        lazy = (_one(sd.grad(F, wrt="w")(dX, dy, w)), sd.hessian(F, wrt="w")(dX, dy, w),
                sd.hvp(F, wrt="w")(dX, dy, w, v))
        assert all(isinstance(a, da.Array) for a in lazy)
        g, H, hv = dask.compute(*lazy)
    np.testing.assert_allclose(g, AW.grad_logistic(X, y, w), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, AW.hess_logistic(X, y, w), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hv, AW.hess_logistic(X, y, w) @ v, rtol=1e-12, atol=1e-12)


def scalar_weight(W, b):
    return W[0, 0] * W[1, 2] * b + np.sin(W[0, 1]) * W[1, 1] ** 2 - W[0, 2] * b ** 3


def test_hessian_and_hvp_in_a_scalar_parameter():
    """A 0-d parameter: the seed is the number 1 (no tangent axes)."""
    F = sd.symbolic(scalar_weight, shapes={"W": (2, 3)})
    W, b = np.array([[1.0, -1.0, 0.0], [0.5, 2.0, -0.25]]), 2.0
    assert float(sd.hessian(F, wrt="b")(W, b)) == -6.0 * W[0, 2] * b
    assert float(sd.hvp(F, wrt="b")(W, b, 3.0)) == 3.0 * -6.0 * W[0, 2] * b
