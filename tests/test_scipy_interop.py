"""API 5.1: ``sd.grad(F, wrt="x")`` and ``sd.hessian(F, wrt="x")`` return bare results
(JAX's ``argnums=int``), so ``scipy.optimize.minimize`` takes them without adapters.

Oracles: scipy's own ``rosen_der``/``rosen_hess`` and torch's autograd (float64).
"""

import numpy as np
import pytest

import symdiff as sd

so = pytest.importorskip("scipy.optimize")


def rosen(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return total


@pytest.mark.parametrize("n", [2, 50])     # 50: the loop is read vectorised (lanes)
def test_bare_gradient_and_hessian_match_scipy(n):
    F = sd.symbolic(rosen, shapes={"x": (n,)})
    g, H = sd.grad(F, wrt="x"), sd.hessian(F, wrt="x")
    for x in (np.linspace(-1.2, 1.0, n), np.ones(n), np.zeros(n), np.arange(n) % 3 - 1.0):
        gx, Hx = g(x), H(x)
        assert gx.shape == (n,) and Hx.shape == (n, n)
        np.testing.assert_allclose(gx, so.rosen_der(x), rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(Hx, so.rosen_hess(x), rtol=1e-13, atol=1e-12)
    # F.grad is unchanged: a 1-tuple holding the same array
    (g1,) = F.grad(np.ones(n) * 0.5)
    np.testing.assert_array_equal(g1, g(np.ones(n) * 0.5))


@pytest.mark.parametrize("method", ["Newton-CG", "trust-constr", "trust-exact"])
def test_minimize_rosenbrock_without_adapters(method):
    F = sd.symbolic(rosen, shapes={"x": (2,)})
    res = so.minimize(F, np.array([-1.2, 1.0]), jac=sd.grad(F, wrt="x"),
                      hess=sd.hessian(F, wrt="x"), method=method,
                      options={"maxiter": 500})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)


def test_minimize_50d_rosenbrock_newton_cg():
    F = sd.symbolic(rosen, shapes={"x": (50,)})
    res = so.minimize(F, np.linspace(-1.2, 1.0, 50), jac=sd.grad(F, wrt="x"), hess=sd.hessian(F, wrt="x"),
                      method="Newton-CG")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(50), atol=1e-4)


def test_single_name_forms_against_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import hessian as t_hessian

    def f(W, b):
        return W[0, 0] * W[1, 2] * b + np.sin(W[0, 1]) * W[1, 1]**2 - W[0, 2] * b**3

    def ft(W, b):
        return W[0, 0] * W[1, 2] * b + torch.sin(W[0, 1]) * W[1, 1]**2 - W[0, 2] * b**3

    F = sd.symbolic(f, shapes={"W": (2, 3)})
    W, b = np.array([[1.0, -1.0, 0.0], [0.5, 2.0, -0.25]]), 1.0
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref_W, ref_b = torch.autograd.grad(ft(Wt, bt), (Wt, bt))
    gW = sd.grad(F, wrt="W")(W, b)
    assert gW.shape == (2, 3)                       # as jax.grad(argnums=0)
    np.testing.assert_allclose(gW, ref_W.numpy(), rtol=1e-14)
    HW = sd.hessian(F, wrt="W")(W, b)
    assert HW.shape == (2, 3, 2, 3)                 # s + s, as jax.hessian(argnums=0)
    ref_HW = t_hessian(lambda w: ft(w, bt.detach()), Wt.detach())
    np.testing.assert_allclose(HW, ref_HW.numpy(), rtol=1e-14, atol=1e-15)
    Hb = sd.hessian(F, wrt="b")(W, b)
    ref_Hb = t_hessian(lambda c: ft(Wt.detach(), c), bt.detach())
    assert np.shape(Hb) == () and Hb == pytest.approx(float(ref_Hb), rel=1e-14)
    # a tuple keeps the tuple: (gW, gb), as jax.grad(argnums=(0, 1))
    gWb = sd.grad(F, wrt=("W", "b"))(W, b)
    assert isinstance(gWb, tuple) and len(gWb) == 2
    np.testing.assert_allclose(gWb[0], ref_W.numpy(), rtol=1e-14)
    assert gWb[1] == pytest.approx(float(ref_b), rel=1e-14)


def test_single_name_broadcasts_and_differentiates_further():
    F = sd.symbolic(lambda x, y: x**3 * y)
    gx = sd.grad(F, wrt="x")
    xs = np.array([0.0, 1.0, -2.0])
    np.testing.assert_array_equal(gx(xs, 2.0), 3 * xs**2 * 2.0)
    # the bare gradient is a SymbolicFunction like any other: differentiate it again
    assert gx.diff("x")(-2.0, 2.0) == pytest.approx(6 * -2.0 * 2.0)
    assert sd.hessian(F, wrt="x")(-2.0, 2.0) == pytest.approx(-24.0)


def test_single_name_unknown_raises_listing_parameters():
    F = sd.symbolic("x*y")
    for call in (lambda: sd.grad(F, wrt="z"), lambda: sd.hessian(F, wrt="z")):
        with pytest.raises(ValueError, match=r"'z'.*\(x, y\)"):
            call()
