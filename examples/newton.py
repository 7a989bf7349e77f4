"""Newton's method with the compiled gradient and Hessian.

Minimises the Rosenbrock function f(x, y) = (1 - x)**2 + 100*(y - x**2)**2 from
the classic start (-1.2, 1): each step solves H(p) d = -grad f(p), with a
backtracking line search so every step decreases f. symdiff gives the exact
gradient and Hessian as compiled numpy functions (``F.grad``, ``F.hessian``).

    python examples/newton.py
    symdiff hessian examples/newton.py:rosenbrock --at x=1,y=1
"""

import numpy as np

import symdiff as sd


@sd.symbolic
def rosenbrock(x, y):
    a = 1.0
    b = 100.0
    return (a - x)**2 + b * (y - x**2)**2


def newton(F, start, tol=1e-12, max_iter=100):
    """Damped Newton iteration; returns the path of points."""
    grad, hess = F.grad, F.hessian
    p = np.array(start, dtype=float)
    path = [p.copy()]
    for k in range(max_iter):
        g = np.array(grad(*p), dtype=float)
        gnorm = np.linalg.norm(g)
        print(f"{k:3d}  x = {p[0]: .12f}  y = {p[1]: .12f}  f = {F(*p):.3e}  |grad| = {gnorm:.3e}")
        if gnorm < tol:
            break
        step = np.linalg.solve(np.asarray(hess(*p), dtype=float), -g)
        t, f0 = 1.0, F(*p)
        while F(*(p + t * step)) > f0 + 1e-4 * t * g @ step and t > 1e-8:
            t *= 0.5                     # backtrack until f decreases enough (Armijo)
        p = p + t * step
        path.append(p.copy())
    return path


def main():
    print(rosenbrock)
    print("gradient:", list(rosenbrock.grad.expr))
    print("Hessian: ", rosenbrock.hessian.expr.tolist())
    print()
    path = newton(rosenbrock, (-1.2, 1.0))
    x, y = path[-1]
    assert abs(x - 1) < 1e-10 and abs(y - 1) < 1e-10, path[-1]
    print(f"\nconverged to the minimum (1, 1) in {len(path) - 1} Newton steps")


if __name__ == "__main__":
    main()
