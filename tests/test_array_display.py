"""Array functions and derivatives shown as SymPy matrix expressions (``symdiff.arrays.
display``): a gradient in several parameters is a tuple of them, in ``F.expr``, ``str``,
``repr``, ``F.latex()`` and the notebook's ``_repr_latex_``.

The oracle does not trust the display: numbers are substituted into the displayed
expression and SymPy evaluates it (``subs`` + ``doit``), to be compared with the compiled
derivative.
"""

import re

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff.errors import SymdiffError

SIZES = {"n": 4, "d": 3, "h": 2, "o": 2}


def logistic(w, X, y):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def mlp(W1, b1, W2, b2, X, Y):
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


LOGISTIC = {"w": ("d",), "X": ("n", "d"), "y": ("n",)}
MLP = {"W1": ("d", "h"), "b1": ("h",), "W2": ("h", "o"), "b2": ("o",), "X": ("n", "d"),
       "Y": ("n", "o")}


def _point(shapes, seed):
    rng = np.random.default_rng(seed)
    return {p: rng.standard_normal(tuple(SIZES[d] for d in s)) for p, s in shapes.items()}


def _evaluate(expr, values):
    """SymPy's value of a displayed (matrix) expression at ``values`` (arrays by name)."""
    if isinstance(expr, tuple):
        return tuple(_evaluate(e, values) for e in expr)
    e = expr.subs({s: SIZES[s.name] for s in expr.atoms(sympy.Symbol) if s.name in SIZES})
    subs = {}
    for s in e.atoms(sympy.MatrixSymbol):
        v = np.asarray(values[s.name], dtype=float)
        subs[s] = sympy.ImmutableMatrix(v.reshape(int(s.shape[0]), int(s.shape[1])))
    r = e.subs(subs).doit()
    if isinstance(r, sympy.MatrixExpr) and not isinstance(r, sympy.MatrixBase):
        r = r.as_explicit()
    return np.array(r.tolist() if isinstance(r, sympy.MatrixBase) else r, dtype=float)


def _assert_display_equals_code(G, values):
    shown = _evaluate(G.expr, values)
    got = G(*values.values())
    if not isinstance(got, tuple):
        shown, got = (shown,), (got,)
    assert len(shown) == len(got)
    for s, g in zip(shown, got):
        np.testing.assert_allclose(s.reshape(np.shape(g)), g, rtol=1e-10, atol=1e-12)


def _assert_text_equals_code(G, values):
    """The numpy-like text of ``str(G)``, run by numpy (its "where" names first), equals
    the compiled derivative: the printed formula is the derivative, not only its look."""
    text = str(G).split(" = ", 1)[1]
    body, _, where = text.partition("  where ")
    env = {"sum": np.sum, "tanh": np.tanh, "exp": np.exp, "log": np.log, "diag": np.diag,
           "sqrt": np.sqrt,
           "outer": np.outer, "sigma": lambda u: 1 / (1 + np.exp(-u)), **SIZES, **values}
    for definition in re.split(r", (?=[A-Z]\w* = )", where) if where else ():
        name, _, rhs = definition.partition(" = ")
        env[name] = eval(rhs, env)
    got = eval(body, env)
    want = G(*values.values())
    if not isinstance(want, tuple):
        got, want = (got,), (want,)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_logistic_gradient_in_all_parameters_is_a_tuple_of_matrix_expressions():
    L = sd.symbolic(logistic, shapes=LOGISTIC)
    expr = L.grad.expr
    assert isinstance(expr, tuple) and len(expr) == 3
    assert all(isinstance(e, sympy.MatrixExpr) for e in expr)
    n, d = (sympy.Symbol(k, integer=True, positive=True) for k in "nd")
    assert [e.shape for e in expr] == [(d, 1), (n, d), (n, 1)]
    _assert_display_equals_code(L.grad, _point(LOGISTIC, 0))


def test_logistic_gradient_reads_X_transpose_times_sigma():
    L = sd.symbolic(logistic, shapes=LOGISTIC)
    G = sd.grad(L, wrt="w")
    assert str(G.expr) == "-X.T*(HadamardProduct(sigma(-(HadamardProduct(X*w, y))), y))"
    assert str(G) == "grad logistic(w, X, y) = -X.T @ (sigma(-(X @ w) * y) * y)"
    assert G.latex() == ("- X^{T} \\left(\\sigma\\left(- \\left(X w\\right) \\odot y"
                         "\\right) \\odot y\\right)")
    _assert_display_equals_code(G, _point(LOGISTIC, 1))
    _assert_text_equals_code(G, _point(LOGISTIC, 1))


def test_logistic_gradient_in_all_parameters_names_the_shared_sigma():
    L = sd.symbolic(logistic, shapes=LOGISTIC)
    assert str(L.grad) == ("grad logistic(w, X, y) = (-X.T @ R, -outer(R, w), -(X @ w) * H)"
                           "  where H = sigma(-(X @ w) * y), R = H * y")
    tex = L.grad.latex()
    assert "\\frac{\\partial logistic}{\\partial X} &= - R w^{T}" in tex
    assert "\\text{where}\\quad H &= \\sigma\\left(" in tex and "R &= H \\odot y" in tex
    _assert_text_equals_code(L.grad, _point(LOGISTIC, 5))


@pytest.mark.parametrize("wrt", [None, ("W1", "b1", "W2", "b2"), ("b2",), "W1"])
def test_mlp_gradient_display_evaluates_to_the_compiled_gradient(wrt):
    M = sd.symbolic(mlp, shapes=MLP)
    G = M.grad if wrt is None else sd.grad(M, wrt=wrt)
    expr = G.expr
    assert isinstance(expr, tuple) == (not isinstance(wrt, str))
    _assert_display_equals_code(G, _point(MLP, 2))


def test_mlp_gradient_in_b2_is_a_column_sum_of_the_residual():
    M = sd.symbolic(mlp, shapes=MLP)
    (gb2,) = sd.grad(M, wrt=("b2",)).expr
    n, o = (sympy.Symbol(k, integer=True, positive=True) for k in "no")
    assert gb2.shape == (o, 1)
    assert isinstance(gb2, sympy.MatMul) and gb2.args[-1] == sympy.OneMatrix(n, 1)


def test_tuple_display_in_str_repr_latex_and_notebook():
    M = sd.symbolic(mlp, shapes=MLP)
    G = sd.grad(M, wrt=("W1", "b1", "W2", "b2"))
    assert str(G) == (
        "grad mlp(W1, b1, W2, b2, X, Y) = (X.T @ S, sum(S, axis=0), 2/(n*o)*(H.T @ R), "
        "2/(n*o)*sum(R, axis=0))  where H = tanh(X @ W1 + b1), R = H @ W2 + b2 - Y, "
        "S = (2/(n*o)*(R @ W2.T)) * (1 - H**2)")
    assert repr(G).startswith("<symbolic grad mlp(W1, b1, W2, b2, X, Y) = (X.T @ S, ")
    tex = G.latex()
    assert tex == (
        "\\begin{aligned}\\frac{\\partial mlp}{\\partial W_{1}} &= X^{T} S \\\\ "
        "\\frac{\\partial mlp}{\\partial b_{1}} &= S^{T} \\mathbf{1} \\\\ "
        "\\frac{\\partial mlp}{\\partial W_{2}} &= \\frac{2}{n o} H^{T} R \\\\ "
        "\\frac{\\partial mlp}{\\partial b_{2}} &= \\frac{2}{n o} R^{T} \\mathbf{1} \\\\ "
        "\\text{where}\\quad H &= \\tanh\\left(X W_{1} + \\mathbf{1} b_{1}^{T}\\right) \\\\ "
        "R &= H W_{2} + \\mathbf{1} b_{2}^{T} - Y \\\\ "
        "S &= \\left(\\frac{2}{n o} R W_{2}^{T}\\right) \\odot \\left(1 - H^{\\circ {2}}\\right)"
        "\\end{aligned}")
    assert G._repr_latex_() == f"$\\displaystyle {tex}$"
    _assert_text_equals_code(G, _point(MLP, 6))
    _assert_text_equals_code(M.grad, _point(MLP, 7))


def test_single_derivative_notebook_form_has_its_name():
    L = sd.symbolic(logistic, shapes=LOGISTIC)
    G = sd.grad(L, wrt="w")
    assert G._repr_latex_() == f"$\\displaystyle \\nabla {{logistic}}(w, X, y) = {G.latex()}$"


def test_known_sizes_gradient_in_several_parameters_shows_matrices_too():
    L = sd.symbolic(logistic, shapes={"w": (3,), "X": (4, 3), "y": (4,)})
    expr = L.grad.expr
    assert isinstance(expr, tuple) and expr[0].shape == (3, 1)
    _assert_display_equals_code(L.grad, _point(LOGISTIC, 3))


def test_jacobian_of_a_vector_function_displays_as_a_matrix():
    def layer(x, A):
        return np.tanh(A @ x)
    F = sd.symbolic(layer, shapes={"x": ("d",), "A": ("n", "d")})
    J = sd.jacobian(F, wrt="x")
    vals = _point({"x": ("d",), "A": ("n", "d")}, 4)
    shown = _evaluate(J.expr, vals)
    np.testing.assert_allclose(shown, J(*vals.values()), rtol=1e-10, atol=1e-12)


# -- readings with no matrix form: shown by name, or refused clearly ------------------------------


def _sorted_weights(x):
    return np.sum(np.sort(x) * x)


def _window(x):
    return np.sum(x[1:3] ** 2) + x[0]


def _nan_energy(x):
    return np.nansum(x ** 2)


@pytest.mark.parametrize("shape", [(4,), ("n",)])
def test_sort_is_shown_by_name_where_the_element_wise_reader_cannot_read_it(shape):
    F = sd.symbolic(_sorted_weights, shapes={"x": shape})
    assert str(F.expr) == "sum(HadamardProduct(sort(x), x))"
    assert F.latex() == ("\\operatorname{sum}\\left(\\operatorname{sort}\\left(x\\right) "
                         "\\odot x\\right)")
    (g,) = F.grad.expr
    assert str(g) == "sort(x) + unsorted_by(x, x)"
    assert "\\operatorname{unsorted\\_by}" in F.grad.latex()


def test_indexing_and_nan_reductions_with_named_sizes_are_shown_by_name():
    F = sd.symbolic(_window, shapes={"x": ("n",)})
    assert str(F.expr) == "sum(HadamardPower(x[1:3], 2)) + x[0]"
    assert "x\\left[1:3\\right]" in F.latex()
    assert str(F.grad.expr[0]) == "scatter[0](1) + scatter[1:3](2*x[1:3])"
    N = sd.symbolic(_nan_energy, shapes={"x": ("n",)})
    assert str(N.expr) == "sum(where(isnan(HadamardPower(x, 2)), 0, HadamardPower(x, 2)))"


def test_placeholders_are_not_evaluated_as_if_they_were_matrices():
    F = sd.symbolic(_sorted_weights, shapes={"x": ("n",)})
    sort_x = next(iter(F.expr.atoms(sd.arrays.display.ArrayOp)))
    assert sort_x.shape == (sympy.Symbol("n", integer=True, positive=True), 1)
    with pytest.raises(sd.arrays.display.NotMatrixExpression, match="shown by name"):
        sort_x[0, 0]


def test_an_array_of_rank_three_with_named_sizes_is_refused_with_the_reason():
    def energy(T):
        return np.sum(T ** 2)
    F = sd.symbolic(energy, shapes={"T": ("n", "d", "e")})
    for G in (F, F.grad):
        with pytest.raises(SymdiffError, match=r"no matrix form \(an array of rank 3\).*\.source"):
            G.expr
        with pytest.raises(SymdiffError, match="no matrix form"):
            G.latex()
        assert str(G).startswith(f"{G.name}(T) = ")          # str never raises


def _deep(x, W):
    h = np.tanh(W @ x) * x
    h = np.tanh(W @ h) * h
    h = np.tanh(W @ h) * h
    h = np.tanh(W @ h) * h
    h = np.tanh(W @ h) * h
    h = np.tanh(W @ h) * h
    return np.sum(h)


def test_a_deep_derivative_prints_with_its_shared_pieces_named_not_expanded():
    """The expression tree of this gradient doubles with each layer; the printed form
    names every piece used twice, so it grows with the graph (and stays readable)."""
    F = sd.symbolic(_deep, shapes={"x": ("d",), "W": ("d", "d")})
    G = sd.grad(F, wrt="x")
    text = str(G)
    assert "  where H = tanh(W @ x), R = tanh(W @ (H * x)), S = tanh(W @ (" in text
    assert len(text) < 2000
    assert len(G.latex()) < 4000
    _assert_text_equals_code(G, _point({"x": ("d",), "W": ("d", "d")}, 8))


def _norm(x):
    return np.linalg.norm(x)


def _row_scaled(X, y):
    return np.sum(np.exp(X / y))


@pytest.mark.parametrize("fn, shapes", [(_norm, {"x": ("n",)}),
                                        (_row_scaled, {"X": ("n", "d"), "y": ("d",)})])
def test_scalar_coefficients_and_broadcast_divisions_display_and_evaluate(fn, shapes):
    F = sd.symbolic(fn, shapes=shapes)
    vals = _point(shapes, 9)
    if "y" in vals:
        vals["y"] = 1.5 + np.abs(vals["y"])
    _assert_display_equals_code(F.grad, vals)
    _assert_text_equals_code(sd.grad(F, wrt=list(shapes)[0]), vals)


def test_notebook_form_of_a_derivative_no_reading_writes_out_is_the_placeholder_display():
    S = sd.symbolic(_sorted_weights, shapes={"x": (4,)})
    tex = S.grad._repr_latex_()
    assert tex.startswith("$\\displaystyle \\begin{aligned}\\frac{\\partial")
    assert "\\operatorname{sort}\\left(x\\right)" in tex


def test_a_nan_constant_displays():
    def f(x):
        return np.sum(np.nan_to_num(x / x) * x)
    F = sd.symbolic(f, shapes={"x": ("n",)})
    assert "nan" in str(F.expr).lower() or "isnan" in str(F.expr)


def test_hessian_vector_product_in_two_parameters_displays_as_labelled_rows():
    M = sd.symbolic(mlp, shapes=MLP)
    H = sd.hvp(M, wrt=("W1", "b1"))
    vals = _point(MLP, 10)
    v = _point({"v_W1": ("d", "h"), "v_b1": ("h",)}, 11)
    shown = _evaluate(H.expr, {**vals, **v})
    want = H(*vals.values(), (v["v_W1"], v["v_b1"]))
    for s, w in zip(shown, want, strict=True):
        np.testing.assert_allclose(s.reshape(w.shape), w, rtol=1e-10, atol=1e-12)
    assert str(H).startswith(
        "hvp mlp(W1, b1, W2, b2, X, Y, v_W1, v_b1) = (X.T @ U, sum(U, axis=0))")
    assert "\\left(\\mathbf{H}_{mlp} v\\right)_{b_{1}} &= U^{T} \\mathbf{1}" in H.latex()


def test_logistic_hessian_reads_X_transpose_diag_s_one_minus_s_X():
    L = sd.symbolic(logistic, shapes=LOGISTIC)
    H = sd.hessian(L, wrt="w")
    assert str(H) == ("hessian logistic(w, X, y) = X.T @ diag(y * H * (1 - H) * y) @ X"
                      "  where H = sigma(-(X @ w) * y)")
    assert "X^{T} \\operatorname{diag}\\left(y \\odot H \\odot \\left(1 - H\\right) \\odot y" \
        "\\right) X" in H.latex()
    vals = _point(LOGISTIC, 12)
    np.testing.assert_allclose(_evaluate(H.expr, vals), H(*vals.values()), rtol=1e-10,
                               atol=1e-12)
    _assert_text_equals_code(H, vals)


def test_entrywise_functions_sympy_spells_differently_evaluate():
    def f(x, A):
        return np.sum(np.sqrt(A @ x)) + np.sum(np.expm1(x) + np.log1p(x) + np.exp2(x) + np.cbrt(x))
    F = sd.symbolic(f, shapes={"x": ("d",), "A": ("n", "d")})
    vals = {"x": 0.5 + np.arange(3.0), "A": 1.0 + np.arange(12.0).reshape(4, 3)}
    _assert_display_equals_code(F.grad, vals)
    assert "expm1(x)" in str(F.expr) and "sqrt(A @ x)" in str(F)
