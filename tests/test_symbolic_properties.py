"""Property tests: random expression trees written as Python source.

``hypothesis`` draws a small program over x and y (unary math functions on safe
domains, + - * /, integer powers, a data-dependent branch), writes it to a real
module file (so ``inspect.getsource`` works), decorates it, and compares every
first, second and mixed derivative with ``sympy.diff`` of the flattened ``F.expr``
evaluated at 30 digits; plus symmetry of the Hessian, linearity of diff, and
commuting mixed partials. Deterministic (``derandomize=True``), bounded examples.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symdiff as sd

from conftest import exact_partial, load_module

SETTINGS = settings(derandomize=True, max_examples=25, deadline=None,
                    suppress_health_check=list(HealthCheck))
POINTS = [(0.37, 0.81), (-0.62, 0.45), (1.3, -0.9)]
_DIR = Path(tempfile.mkdtemp(prefix="symdiff_props_"))

# unary functions, each wrapped so that its argument stays in the domain
UNARY = [
    "math.sin({})", "math.cos({})", "math.tanh({})", "math.atan({})",
    "math.exp(math.sin({}))", "math.log(1 + ({})**2)", "math.sqrt(2 + math.cos({}))",
    "np.sinh(0.5 * math.sin({}))", "math.erf({})", "np.arcsinh({})",
]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["x", "y", "x", "y", "0.7", "1.5"]))
    kind = draw(st.sampled_from(["unary", "add", "sub", "mul", "div", "pow"]))
    a = draw(expressions(depth=depth - 1))
    if kind == "unary":
        return draw(st.sampled_from(UNARY)).format(a)
    if kind == "pow":
        return f"({a}) ** {draw(st.integers(2, 3))}"
    b = draw(expressions(depth=depth - 1))
    if kind == "div":
        return f"({a}) / (1.5 + math.cos({b}))"      # denominator in [0.5, 2.5]
    return f"({a}) {dict(add='+', sub='-', mul='*')[kind]} ({b})"


@st.composite
def programs(draw):
    e1, e2, e3 = draw(expressions()), draw(expressions()), draw(expressions())
    branch = draw(st.booleans())
    body = [f"    u = {e1}", f"    v = {e2}"]
    if branch:
        body += ["    if u > v:", "        w = u * v", "    else:", f"        w = {e3} - u"]
    else:
        body += [f"    w = u * ({e3}) + v"]
    body += ["    return w + x * y"]
    return "import math\nimport numpy as np\n\n\ndef f(x, y):\n" + "\n".join(body) + "\n"


_counter = itertools.count()


def build(source):
    mod = load_module(_DIR, source, f"symdiff_prop_{next(_counter)}")
    return mod, sd.symbolic(mod.f)


def _not_near_branch(F, mod, x, y):
    """Skip points within 1e-6 of the branch boundary (the derivative jumps there)."""
    try:
        return abs(mod.f(x + 1e-6, y) - mod.f(x, y)) < 1e-3 and abs(mod.f(x, y + 1e-6) - mod.f(x, y)) < 1e-3
    except (ValueError, ZeroDivisionError, OverflowError):
        return False


@SETTINGS
@given(programs())
def test_derivatives_match_sympy(source):
    mod, F = build(source)
    syms = [F.symbols["x"], F.symbols["y"]]
    expr = F.expr
    for x, y in POINTS:
        if not _not_near_branch(F, mod, x, y):
            continue
        assert F(x, y) == pytest.approx(mod.f(x, y), rel=1e-12, abs=1e-12)
        for dirs in [(0,), (1,), (0, 0), (0, 1), (1, 1)]:
            names = [F.params[i] for i in dirs]
            got = float(F.diff(*names)(x, y))
            want = exact_partial(expr, syms, (x, y), dirs, prec=30)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (source, names, x, y)
        g = F.grad(x, y)
        for i in range(2):
            assert float(g[i]) == pytest.approx(float(F.diff(F.params[i])(x, y)), rel=1e-12, abs=1e-12)


@SETTINGS
@given(programs())
def test_hessian_symmetric_and_partials_commute(source):
    mod, F = build(source)
    x = np.array([p[0] for p in POINTS])
    y = np.array([p[1] for p in POINTS])
    H = F.hessian(x, y)
    assert H.shape == (2, 2, 3)
    np.testing.assert_allclose(H[0, 1], H[1, 0], rtol=1e-12, atol=1e-12)
    dxy = F.diff("x").diff("y")(x, y)
    dyx = F.diff("y").diff("x")(x, y)
    np.testing.assert_allclose(dxy, dyx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dxy, H[0, 1], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(F.diff("x", "x", "y")(x, y), F.diff("y", "x", "x")(x, y),
                               rtol=1e-12, atol=1e-12)


@SETTINGS
@given(programs(), programs(), st.sampled_from([-2.0, 0.5, 3.0]))
def test_diff_is_linear(src_f, src_g, c):
    """d/dx (f + c*g) = f' + c*g', with f and g composed through a helper module."""
    mf, F = build(src_f)
    mg, G = build(src_g)
    combo = (f"from {mf.__name__} import f as _f\nfrom {mg.__name__} import f as _g\n\n\n"
             f"def f(x, y):\n    return _f(x, y) + {c!r} * _g(x, y)\n")
    _, H = build(combo)
    x = np.array([p[0] for p in POINTS])
    y = np.array([p[1] for p in POINTS])
    for wrt in (("x",), ("y",), ("x", "y")):
        np.testing.assert_allclose(H.diff(*wrt)(x, y), F.diff(*wrt)(x, y) + c * G.diff(*wrt)(x, y),
                                   rtol=1e-9, atol=1e-9)
