"""scipy.optimize.minimize with symdiff's exact gradient and Hessian, no adapters.

``sd.grad(F, wrt="x")`` with one parameter name returns the bare gradient (an array of
x's shape), and ``sd.hessian(F, wrt="x")`` the ``(n, n)`` Hessian, as JAX's
``argnums=0`` does: exactly what ``jac=`` and ``hess=`` expect.

    python examples/scipy_minimize.py
"""

import numpy as np
from scipy.optimize import minimize, rosen_der, rosen_hess

import symdiff as sd


def rosen(x):
    """n-D Rosenbrock, written as a plain loop over the elements of x."""
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return total


def main():
    for n in (2, 10):
        F = sd.symbolic(rosen, shapes={"x": (n,)})
        jac, hess = sd.grad(F, wrt="x"), sd.hessian(F, wrt="x")
        x0 = np.linspace(-1.2, 1.0, n)
        # the same numbers as scipy's hand-written derivatives
        assert np.allclose(jac(x0), rosen_der(x0), rtol=1e-13)
        assert np.allclose(hess(x0), rosen_hess(x0), rtol=1e-13)
        for method in ("Newton-CG", "trust-constr"):
            res = minimize(F, x0, jac=jac, hess=hess, method=method)
            print(f"n={n:2d} {method:12s} {res.nit:3d} iterations, x[:2] = {res.x[:2].round(6)}")
            assert np.allclose(res.x, 1.0, atol=1e-4), res
    print("scipy.optimize converged to the minimum (1, ..., 1) with jac= and hess= from symdiff")


if __name__ == "__main__":
    main()
