"""How a SymbolicFunction prints in the REPL and in notebooks."""

import math

import symdiff as sd


@sd.symbolic
def f(x, y):
    return x**2 * y + math.sin(y)


@sd.symbolic
def long_sum(x):
    s = 0.0
    for i in range(1, 8):
        s = s + math.sin(i * x) / (1 + x**i)
    return s


@sd.symbolic
def huge(x):
    s = 0.0
    for i in range(1, 40):
        s = s + math.sin(i * x) / (1 + x**i)
    return s


def test_repr_and_str_show_signature_and_expression():
    assert repr(f) == "<symbolic f(x, y) = x**2*y + sin(y)>"
    assert str(f) == "f(x, y) = x**2*y + sin(y)"


def test_derivative_names():
    assert f.diff("x").name == "df/dx"
    assert f.diff("x", "y").name == "d2f/dxdy"
    assert f.diff("x", order=3).name == "d3f/dx3"
    assert f.diff("x", "x", "y").name == "d3f/dx2dy"
    assert repr(f.diff("x")) == "<symbolic df/dx(x, y) = 2*x*y>"
    assert repr(f.diff("x", "y")) == "<symbolic d2f/dxdy(x, y) = 2*x>"
    assert str(f.diff("y", order=2)) == "d2f/dy2(x, y) = -sin(y)"


def test_grad_hessian_jacobian_names_follow_the_function():
    assert repr(f.grad).startswith("<symbolic grad f(x, y) = ")
    assert repr(f.hessian).startswith("<symbolic hessian f(x, y) = ")
    assert f.jacobian.name == "jacobian f"
    # the gradient of a derivative is named after the derivative, not after f
    assert f.diff("x").grad.name == "grad df/dx"
    assert f.diff("x").hessian.name == "hessian df/dx"


def test_long_expressions_are_abbreviated_in_repr_not_in_str():
    r = repr(long_sum)
    assert r.startswith("<symbolic long_sum(x) = ") and r.endswith("...>")
    assert len(r) < 160
    assert "..." not in str(long_sum)
    assert len(str(long_sum)) > len(r)


def test_huge_graphs_repr_by_size():
    assert repr(huge).startswith("<symbolic huge(x): ") and repr(huge).endswith(" intermediates>")


def test_repr_latex_renders_partials():
    assert f._repr_latex_() == r"$\displaystyle f(x, y) = x^{2} y + \sin{\left(y \right)}$"
    assert f.diff("x")._repr_latex_() == r"$\displaystyle \frac{\partial f}{\partial x}(x, y) = 2 x y$"
    assert f.diff("x", "y")._repr_latex_() == \
        r"$\displaystyle \frac{\partial^{2} f}{\partial x \partial y}(x, y) = 2 x$"
    assert f.diff("x", "x", "y")._repr_latex_().startswith(
        r"$\displaystyle \frac{\partial^{3} f}{\partial x^{2} \partial y}(x, y) = ")
    assert f.grad._repr_latex_().startswith(r"$\displaystyle \nabla {f}(x, y) = \left[")
    assert f.hessian._repr_latex_().startswith(r"$\displaystyle \mathbf{H}_{f}(x, y) = \left[")


def test_repr_latex_uses_latex_for_greek_parameters():
    @sd.symbolic
    def g(alpha, x):
        return alpha * x
    assert g.diff("alpha")._repr_latex_() == \
        r"$\displaystyle \frac{\partial g}{\partial \alpha}(\alpha, x) = x$"


def test_latex_is_sympy_latex():
    assert f.latex() == r"x^{2} y + \sin{\left(y \right)}"
    assert f.diff("y").latex() == r"x^{2} + \cos{\left(y \right)}"


def test_source_is_named_and_documented():
    src = f.grad.source
    assert src.startswith("def grad_f(x, y):")
    assert "\"\"\"grad f(x, y) = (2*x*y, x**2 + cos(y))\"\"\"" in src   # a tuple shown as one
    assert f.diff("x").grad.source.startswith("def grad_df_dx(x, y):")


def test_expression_string_repr():
    F = sd.symbolic("x**2*y + sin(y)")
    assert repr(F).endswith("(x, y) = x**2*y + sin(y)>")
    assert F.diff("x").name.endswith("/dx")
