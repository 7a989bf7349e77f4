"""symdiff in one minute: decorate a function, differentiate it, look inside.

    python examples/quickstart.py
"""

import math

import symdiff as sd


@sd.symbolic
def f(x, y):
    z = x**2 * y
    if x > 0:                       # a data-dependent branch becomes a sympy Piecewise
        z += math.sin(y)
    return z + math.exp(-x)


def main():
    print("the function:       ", repr(f))
    print("df/dx:              ", f.diff("x"))
    print("d2f/dxdy:           ", f.diff("x", "y"))
    print("f(1, 2)           = ", f(1.0, 2.0))
    print("grad f(1, 2)      = ", f.grad(1.0, 2.0))
    print("hessian f(1, 2)   =\n", f.hessian(1.0, 2.0))
    print()
    print("the generated code of f.grad (f.grad.source):")
    print(f.grad.source)

    # the derivative agrees with the calculus by hand: 2*x*y - exp(-x) for x > 0
    x, y = 1.0, 2.0
    assert abs(f.diff("x")(x, y) - (2 * x * y - math.exp(-x))) < 1e-12

    check = getattr(sd, "check", None)
    if check is not None:
        print("sd.check(f, 1.0, 2.0, order=2): symbolic vs tape vs finite differences")
        report = check(f, 1.0, 2.0, order=2)
        print(report)
        print("all three agree" if report.ok else "sd.check found a disagreement: see the table")
    print("quickstart done")


if __name__ == "__main__":
    main()
