"""Every row of API.md section 1 (the SymbolicFunction surface), one test or more each."""

from __future__ import annotations

import linecache
import math
import traceback

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff import codegen

from conftest import load_module

SOURCE = '''
import math
import numpy as np


def f(x, y=2.0):
    """Docstring of f."""
    z = x**2 * y
    w = math.sin(z) + z
    return w * 3


def lin(x):
    return 3 * x


def const(x, y):
    return 2.5 + 0 * x


def vec(x, y):
    return x * y, x + y**2, math.exp(x)


def listed(x, y):
    return [x - y, x * y]


def shaped(v, t):
    return np.sum(v * v) * t + v[0] * v[2]


def one(x):
    return x**3


def kw(x, *, scale=3.0):
    return scale * x**2
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("api"), SOURCE, "symdiff_api_mod")


@pytest.fixture(scope="module")
def F(m):
    return sd.symbolic(m.f)


def f_ref(x, y=2.0):
    z = x**2 * y
    return 3 * (np.sin(z) + z)


def fx_ref(x, y=2.0):
    z = x**2 * y
    return 3 * (np.cos(z) + 1) * 2 * x * y


def fy_ref(x, y=2.0):
    z = x**2 * y
    return 3 * (np.cos(z) + 1) * x**2


# -- F(*args, **kwargs) -------------------------------------------------------------

def test_call_positional_keywords_defaults(F):
    assert F(0.7, 1.3) == pytest.approx(f_ref(0.7, 1.3), rel=1e-14)
    assert F(0.7) == pytest.approx(f_ref(0.7), rel=1e-14)
    assert F(x=0.7, y=1.3) == pytest.approx(f_ref(0.7, 1.3), rel=1e-14)
    assert F(0.7, y=1.3) == pytest.approx(f_ref(0.7, 1.3), rel=1e-14)
    with pytest.raises(TypeError):
        F(0.7, 1.3, 5.0)
    with pytest.raises(TypeError):
        F(y=1.0)


def test_keyword_only_parameter(m):
    K = sd.symbolic(m.kw)
    assert K.params == ("x", "scale")
    assert K(2.0) == pytest.approx(12.0)
    assert K(2.0, scale=1.0) == pytest.approx(4.0)
    assert K.diff("x")(2.0, scale=1.0) == pytest.approx(4.0)


def test_scalar_inputs_give_float64_scalars(F, m):
    for out in (F(0.7, 1.3), F(1, 2), F(np.float64(0.5)), F.diff("x")(0.5, 1),
                F.diff("x", "y")(0.5, 1.0), sd.symbolic(m.lin).diff("x")(2.0)):
        assert type(out) is np.float64, type(out)
    assert all(type(g) is np.float64 for g in F.grad(0.7, 1.3))


def test_int_inputs(F):
    assert F(1, 2) == pytest.approx(f_ref(1.0, 2.0), rel=1e-14)
    out = F(np.arange(3), 2)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, f_ref(np.arange(3.0), 2.0), rtol=1e-14)
    np.testing.assert_allclose(F.diff("x")(np.arange(3), 2), fx_ref(np.arange(3.0)), rtol=1e-14)


def test_broadcasting(F):
    x = np.linspace(-1, 1, 3).reshape(3, 1)
    y = np.linspace(0.5, 2, 4)
    out = F(x, y)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, f_ref(x, y), rtol=1e-14)
    for g, ref in zip(F.grad(x, y), (fx_ref(x, y), fy_ref(x, y))):
        assert g.shape == (3, 4)
        np.testing.assert_allclose(g, ref, rtol=1e-13)
    assert F.diff("x")(x, 2.0).shape == (3, 1)


def test_constant_derivative_has_broadcast_shape(m):
    L = sd.symbolic(m.lin)
    d = L.diff("x")
    out = d(np.ones((2, 3)))
    assert out.shape == (2, 3) and out.dtype == np.float64
    assert np.all(out == 3.0)
    out[0, 0] = 7.0                        # a writable array, not a read-only view
    assert L.diff("x", order=2)(np.ones(5)).shape == (5,)
    C = sd.symbolic(m.const)
    assert C(np.ones(4), np.ones((2, 1))).shape == (2, 4)
    assert C.diff("y")(np.ones(4), np.ones((2, 1))).shape == (2, 4)
    assert C.grad(np.ones(3), 1.0)[1].shape == (3,)
    assert type(C.diff("y")(1.0, 2.0)) is np.float64


# -- F.expr, F.params, F.symbols -----------------------------------------------------

def test_expr_params_symbols(F, m):
    x, y = F.symbols["x"], F.symbols["y"]
    assert F.params == ("x", "y")
    assert isinstance(x, sympy.Symbol) and x.name == "x"
    assert isinstance(F.expr, sympy.Expr)
    assert sympy.simplify(F.expr - 3 * (sympy.sin(x**2 * y) + x**2 * y)) == 0
    V = sd.symbolic(m.vec)
    assert isinstance(V.expr, sympy.MatrixBase) and V.expr.shape == (3, 1)
    L = sd.symbolic(m.listed)
    assert isinstance(L.expr, sympy.MatrixBase) and L.expr.shape == (2, 1)


def test_symbols_of_shaped_params(m):
    S = sd.symbolic(m.shaped, shapes={"v": (3,)})
    v = S.symbols["v"]
    assert isinstance(v, np.ndarray) and v.shape == (3,)
    assert all(isinstance(s, sympy.Symbol) for s in v)
    assert isinstance(S.symbols["t"], sympy.Symbol)
    assert S.expr.free_symbols == set(v) | {S.symbols["t"]}


# -- F.diff ---------------------------------------------------------------------------

def test_diff_first_higher_mixed(F):
    x, y = F.symbols["x"], F.symbols["y"]
    pts = (np.array([0.3, -0.8, 1.1]), np.array([1.7, 0.4, -0.6]))
    for wrt, kw in [(("x",), {}), (("x",), {"order": 3}), (("x", "y"), {}),
                    (("x", "x", "y"), {}), (("y",), {"order": 2}), (("x", "y"), {"order": 2})]:
        D = F.diff(*wrt, **kw)
        assert isinstance(D, sd.SymbolicFunction)
        assert D.params == F.params
        order = kw.get("order", 1)
        exact = sympy.diff(F.expr, *[sympy.Symbol(n, real=True) for n in wrt] * order)
        ref = sympy.lambdify((x, y), exact, "mpmath")
        want = [float(ref(a, b)) for a, b in zip(*pts)]
        np.testing.assert_allclose(D(*pts), want, rtol=1e-12, atol=1e-12)


def test_diff_order_and_names_are_checked(F):
    with pytest.raises(ValueError, match=r"x, y"):
        F.diff("z")
    with pytest.raises(ValueError):
        F.diff("x", order=0)
    with pytest.raises(TypeError):
        F.diff()


def test_unknown_names_everywhere_raise_value_error(F, m):
    for call in (lambda: F.diff("q"), lambda: F.gradient("q"), lambda: F.hessian_of(("x", "q")),
                 lambda: sd.grad(m.f, wrt="q"), lambda: sd.derivative(m.f, "q"),
                 lambda: sd.hessian(m.f, wrt="q"), lambda: sd.jacobian(m.vec, wrt=("x", "q"))):
        with pytest.raises(ValueError) as info:
            call()
        assert "'q'" in str(info.value) and "x, y" in str(info.value)


# -- F.grad, F.hessian, F.jacobian ----------------------------------------------------------

def test_grad_tuple_per_parameter(F, m):
    g = F.grad(0.7, 1.3)
    assert isinstance(g, tuple) and len(g) == 2
    assert g[0] == pytest.approx(fx_ref(0.7, 1.3), rel=1e-14)
    assert g[1] == pytest.approx(fy_ref(0.7, 1.3), rel=1e-14)
    assert isinstance(F.grad, sd.SymbolicFunction)
    O = sd.symbolic(m.one)
    g1 = O.grad(2.0)
    assert isinstance(g1, tuple) and len(g1) == 1 and g1[0] == pytest.approx(12.0)
    assert O.grad(np.ones(4))[0].shape == (4,)


def test_grad_of_shaped_parameter(m):
    S = sd.symbolic(m.shaped, shapes={"v": (3,)})
    v, t = np.array([0.5, -1.0, 2.0]), 1.5
    gv, gt = S.grad(v, t)
    assert gv.shape == (3,) and np.shape(gt) == ()
    np.testing.assert_allclose(gv, 2 * v * t + np.array([v[2], 0, v[0]]), rtol=1e-14)
    assert gt == pytest.approx(np.sum(v * v))
    # batched: trailing batch axes after the parameter's own shape
    gv, gt = S.grad(np.stack([v, 2 * v], axis=-1), np.array([1.0, 2.0]))
    assert gv.shape == (3, 2) and gt.shape == (2,)
    np.testing.assert_allclose(gv[:, 1], 2 * (2 * v) * 2 + 2 * np.array([v[2], 0, v[0]]))


def test_hessian_shapes_and_values(F, m):
    H = F.hessian(0.7, 1.3)
    assert isinstance(H, np.ndarray) and H.shape == (2, 2)
    assert H[0, 1] == H[1, 0]
    assert H[0, 1] == pytest.approx(float(F.diff("x", "y")(0.7, 1.3)), rel=1e-13)
    assert F.hessian(np.ones(4), np.ones((3, 1))).shape == (2, 2, 3, 4)
    O = sd.symbolic(m.one)
    assert O.hessian(2.0).shape == (1, 1) and O.hessian(2.0)[0, 0] == pytest.approx(12.0)
    assert O.hessian(np.ones(5)).shape == (1, 1, 5)
    S = sd.symbolic(m.shaped, shapes={"v": (3,)})
    assert S.hessian(np.ones(3), 2.0).shape == (4, 4)


def test_jacobian_of_tuple_return(m):
    V = sd.symbolic(m.vec)
    J = V.jacobian(1.2, 0.4)
    assert J.shape == (3, 2)
    np.testing.assert_allclose(J, [[0.4, 1.2], [1.0, 0.8], [math.exp(1.2), 0.0]], rtol=1e-14)
    x = np.linspace(0, 1, 5)
    assert V.jacobian(x, 2.0).shape == (3, 2, 5)
    assert V.jacobian(x, np.ones((2, 1))).shape == (3, 2, 2, 5)
    assert isinstance(V(1.0, 2.0), tuple) and len(V(1.0, 2.0)) == 3
    with pytest.raises(ValueError):
        V.grad                                   # noqa: B018 - grad needs a scalar function


# -- F.source, linecache, printing ---------------------------------------------------------------

def test_source_is_readable(F):
    src = F.source
    assert src.startswith("def ")
    assert '"""' in src
    assert "z = " in src and "w = " in src        # the user's intermediates keep their names
    compile(src, "<check>", "exec")
    assert "def " in F.diff("x").source


def test_source_in_linecache_and_tracebacks(F):
    compiled = F._compile()
    assert "".join(linecache.getlines(compiled.filename)) == F.source
    # what is called is a short entry (the Python-float path) in front of the kernel
    # that F.source shows; its lines are in linecache too
    entry = compiled.fn
    assert "".join(linecache.getlines(entry.__code__.co_filename)) == compiled.entry_source
    kernel = entry.__globals__[f"_kernel_{entry.__name__}"]
    assert kernel.__code__.co_filename == compiled.filename
    try:
        kernel(object(), 1.0)
    except Exception:
        tb = traceback.format_exc()
    else:
        pytest.fail("arithmetic on an object must raise")
    assert compiled.filename in tb
    # the generated line that failed is shown, as for ordinary Python code
    shown = [ln.strip() for ln in F.source.splitlines() if ln.strip() and ln.strip() in tb]
    assert any("x" in ln for ln in shown), tb
    # an argument numpy cannot convert fails in the runtime's conversion, shown as well
    try:
        F(object(), 1.0)
    except Exception:
        tb = traceback.format_exc()
    else:
        pytest.fail("an object numpy cannot convert must raise")
    assert "x = as_input(x)" in tb, tb


def test_printing(F):
    assert F.latex() == sympy.latex(F.expr)
    assert "\\sin" in F.latex()
    s = str(F)
    assert s.startswith("f(x, y)") and "sin" in s
    r = repr(F)
    assert r.startswith("<") and "f(x, y)" in r
    lt = F._repr_latex_()
    assert lt.startswith("$") and lt.endswith("$") and F.latex() in lt
    d = F.diff("x")
    assert "x" in str(d) and d.latex() and d._repr_latex_().startswith("$") and repr(d)


# -- functional forms ------------------------------------------------------------------------

def test_functional_forms_plain_and_symbolic(F, m):
    for fn in (m.f, F):
        g = sd.grad(fn)
        assert isinstance(g, sd.SymbolicFunction)
        np.testing.assert_allclose(g(0.7, 1.3), (fx_ref(0.7, 1.3), fy_ref(0.7, 1.3)), rtol=1e-14)
        gx = sd.grad(fn, wrt="x")(0.7, 1.3)          # one name: the bare partial (API 5.1)
        assert not isinstance(gx, tuple) and gx == pytest.approx(fx_ref(0.7, 1.3))
        gx1 = sd.grad(fn, wrt=("x",))(0.7, 1.3)      # a 1-tuple of names: a 1-tuple
        assert isinstance(gx1, tuple) and len(gx1) == 1 and gx1[0] == pytest.approx(fx_ref(0.7, 1.3))
        gyx = sd.grad(fn, wrt=("y", "x"))(0.7, 1.3)
        assert gyx == pytest.approx((fy_ref(0.7, 1.3), fx_ref(0.7, 1.3)))
        assert sd.derivative(fn, "x")(0.7, 1.3) == pytest.approx(fx_ref(0.7, 1.3))
        assert sd.derivative(fn, "x", order=3)(0.7, 1.3) == pytest.approx(
            float(F.diff("x", order=3)(0.7, 1.3)), rel=1e-14)
        assert sd.derivative(fn, ("x", "y"))(0.7, 1.3) == pytest.approx(
            float(F.diff("x", "y")(0.7, 1.3)), rel=1e-14)
        H = sd.hessian(fn)(0.7, 1.3)
        np.testing.assert_allclose(H, F.hessian(0.7, 1.3), rtol=1e-14)
        assert sd.hessian(fn, wrt=("y",))(0.7, 1.3).shape == (1, 1)
        assert np.shape(sd.hessian(fn, wrt="y")(0.7, 1.3)) == ()
        assert sd.hessian(fn, wrt="y")(0.7, 1.3) == pytest.approx(F.hessian(0.7, 1.3)[1, 1])
    for fn in (m.vec, sd.symbolic(m.vec)):
        assert sd.jacobian(fn)(1.0, 2.0).shape == (3, 2)
        J = sd.jacobian(fn, wrt="y")(1.0, 2.0)
        assert J.shape == (3, 1)
        np.testing.assert_allclose(J[:, 0], [1.0, 4.0, 0.0])


def test_symbolic_of_expression_string():
    E = sd.symbolic("x**2*y + sin(y)")
    assert E.params == ("x", "y")
    assert E(3.0, 2.0) == pytest.approx(18 + math.sin(2.0))
    assert E.diff("x")(3.0, 2.0) == pytest.approx(12.0)
    assert sd.symbolic("b*a + c").params == ("a", "b", "c")
    assert sd.grad("x*y")(2.0, 3.0) == (3.0, 2.0)


def test_symbolic_decorator_forms(m):
    deco = sd.symbolic(shapes={"v": (3,)})
    S = deco(m.shaped)
    assert S.shapes == {"v": (3,)}
    assert sd.symbolic(m.f, backend="numpy")(1.0) == pytest.approx(f_ref(1.0))
    F = sd.symbolic(m.f)
    assert sd.symbolic(F) is F


# -- caching ---------------------------------------------------------------------------------

def test_asking_twice_returns_the_same_object_and_compiles_once(m, monkeypatch):
    F = sd.symbolic(m.f)
    calls = []
    real = codegen.generate

    def counting(*args, **kwargs):
        calls.append(args[3] if len(args) > 3 else kwargs.get("name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(codegen, "generate", counting)
    assert F.diff("x") is F.diff("x")
    assert F.diff("x", "y") is F.diff("x").diff("y")
    assert F.grad is F.grad and F.hessian is F.hessian
    assert sd.grad(F) is F.grad
    F.diff("x")(1.0, 2.0)
    F.diff("x")(np.ones(3), 2.0)
    F.grad(1.0, 2.0)
    F.grad(2.0, 1.0)
    assert len(calls) == 2, calls


def test_fifth_derivative_reuses_the_fourth(m):
    F = sd.symbolic(m.f)
    sizes = []
    for k in range(1, 6):
        F.diff("x", order=k)
        sizes.append(len(F.graph.defs))
    assert F.diff("x", order=5) is F.diff("x", order=4).diff("x")
    before = len(F.graph.defs)
    F.diff("x", order=5)
    F.diff("x", order=4)
    assert len(F.graph.defs) == before          # nothing recomputed
    growth = np.diff(sizes)
    # each order adds a bounded number of named derivatives over the previous ones
    assert growth[-1] <= 2 * growth[-2] + 5, sizes
