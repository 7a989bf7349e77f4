"""``F.source`` is the maths once (issue 11 item 5): the kernel's lines, named after the
user's variables, each block under the user's statement it comes from; the dispatch
(Python floats, blocks of long inputs, dask, shapes) is the runtime's and is not
printed. The values of every path are those of the plain function and its
hand-written derivatives."""

import inspect
import math
import re

import numpy as np
import pytest

import symdiff as sd
from symdiff import runtime
from symdiff.arrays.function import ArrayFunction

try:                        # importable as tests.functions and as functions (pytest rootdir)
    from tests.functions import FUNCTIONS
except ImportError:
    from functions import FUNCTIONS


def f(x, y):
    z = x**2 * y
    return z + math.sin(x*y)


def grad_f(x, y):           # by hand
    return 2*x*y + y*np.cos(x*y), x**2 + x*np.cos(x*y)


F = sd.symbolic(f)
LINES, FIRST = inspect.getsourcelines(f)
Z_LINE = FIRST + 1          # z = x**2 * y
RETURN_LINE = FIRST + 2     # return z + math.sin(x*y)


def _code(source):
    """The lines of generated source that are code (no docstring, no comments)."""
    body = source.split('"""')[-1]
    return [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _doubled(text):
    """Places where one pair of parentheses directly encloses another that is not a
    tuple: ``f((x*y))``, ``((a) if (c) else (b))`` (``reshape((3, 2))`` is a tuple)."""
    match, stack, commas = {}, [], {}
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            match[stack.pop()] = i
        elif ch == "," and stack:
            commas[stack[-1]] = True
    return [text[i:match[i] + 1] for i in match
            if text[i + 1:i + 2] == "(" and match.get(i + 1) == match[i] - 1
            and not commas.get(i + 1)]


def test_the_gradient_is_its_lines_once():
    src = F.grad.source
    assert src.startswith("def grad_f(x, y):\n")
    assert src.count("def ") == 1                     # no second copy (the old block kernel)
    assert src.count("numpy.cos(x*y)") == 1           # the one derivative line, once
    code = _code(src)
    assert code == ["sin_arg_bar = numpy.cos(x*y)",
                    "return sin_arg_bar*y + 2*x*y, x*x + sin_arg_bar*x"], src
    assert len(set(code)) == len(code)
    # none of the dispatch is printed
    for plumbing in ("_PYNUM", "errstate", "_blocked", "_lazy_like", "_in(", "_out(", "math."):
        assert all(plumbing not in ln for ln in code), plumbing


def test_blocks_are_commented_with_the_users_statements():
    assert f"# line {Z_LINE}: z = x**2 * y" in F.source
    assert f"# line {RETURN_LINE}: return z + math.sin(x*y)" in F.source
    # the adjoint of sin's argument comes from the return statement
    grad = F.grad.source.splitlines()
    k = grad.index("    sin_arg_bar = numpy.cos(x*y)")
    assert grad[k - 1] == f"    # line {RETURN_LINE}: return z + math.sin(x*y)"
    hess = F.hessian.source
    assert f"# line {RETURN_LINE}: return z + math.sin(x*y)" in hess


def test_docstring_shows_the_result_as_returned():
    doc = F.grad.source.splitlines()[1].strip()
    assert doc == '"""grad f(x, y) = (cos(x*y)*y + 2*x*y, cos(x*y)*x + x**2)"""'
    assert F.hessian.source.splitlines()[1].strip().startswith('"""hessian f(x, y) = [[')


def test_names_come_from_the_users_variables_not_sympy_classes():
    g = sd.symbolic("x**y + exp(-x)*sin(x*y)")
    for G in (F, F.grad, F.hessian, F.diff("x", "y"), g, g.grad, g.diff("x", "y")):
        targets = re.findall(r"^\s*(\w+) = ", G.source, flags=re.M)
        for t in targets:
            assert not re.fullmatch(r"(pow|sin|cos|exp|log|prod|arg)_*\d*", t), (t, G.source)
            assert "pow__" not in t and "__" not in t.strip("_"), (t, G.source)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.__name__)
def test_no_doubled_parentheses(fn):
    G = sd.symbolic(fn, shapes=fn.shapes) if fn.shapes else sd.symbolic(fn)
    if isinstance(G, ArrayFunction):
        pytest.skip("read at the array level: symdiff.arrays prints its own code")
    for H in (G, G.jacobian if len(G.outputs) > 1 else G.grad):
        src = "\n".join(_code(H.source))
        assert not _doubled(src), (_doubled(src), H.source)
        assert not _doubled(H._compile().entry_source.split('"""')[-1])


def _dask():
    return pytest.importorskip("dask.array")


@pytest.mark.parametrize("where", ["float", "array", "long", "dask"])
def test_values_at_every_kind_of_input(where):
    rng = np.random.default_rng(0)
    if where == "float":
        args = (0.7, -1.3)
    elif where == "array":
        args = (rng.uniform(-2, 2, 7), rng.uniform(-2, 2, (3, 1)))
    else:
        n = 3 * 65536 + 5                    # above two blocks: evaluated block by block
        args = (rng.uniform(-2, 2, n), rng.uniform(-2, 2, n))
    want_f = f(*args) if where == "float" else args[0]**2 * args[1] + np.sin(args[0]*args[1])
    want_g = grad_f(*args)
    if where == "dask":
        da = _dask()
        args = tuple(da.from_array(a, chunks=50_000) for a in args)
    got_f, got_g = F(*args), F.grad(*args)
    if where == "dask":
        assert all(type(v).__module__.startswith("dask") for v in (got_f, *got_g))
        got_f, got_g = got_f.compute(), tuple(v.compute() for v in got_g)
    np.testing.assert_allclose(got_f, want_f, rtol=1e-14, atol=1e-15)
    for got, want in zip(got_g, want_g):
        np.testing.assert_allclose(got, np.broadcast_to(want, np.shape(got)), rtol=1e-13,
                                   atol=1e-14)
    if where == "float":
        assert all(type(v) is np.float64 for v in got_g)


def test_long_inputs_go_through_the_runtime_in_blocks(monkeypatch):
    calls = []
    blocked = runtime.blocked

    def spy(kernel, shape, block, *args, **kw):
        calls.append((kernel.__name__, block))
        return blocked(kernel, shape, block, *args, **kw)

    G = sd.symbolic(f).grad
    fn = G._compile().fn
    monkeypatch.setitem(fn.__globals__[f"_arrays_{fn.__name__}"].__globals__, "blocked", spy)
    x = np.linspace(0.0, 1.0, 3 * 65536 + 5)
    np.testing.assert_allclose(G(x, 2.0)[0], grad_f(x, 2.0)[0], rtol=1e-13)
    assert calls and calls[0][0] == "grad_f"       # the kernel printed in F.source
    G(x[:10], 2.0)
    assert len(calls) == 1                          # short inputs: one call of the kernel


def test_runtime_wrapper_is_written_from_data():
    plan = runtime.Plan(("x", "y"), ((), ()), 4096, ("tuple", (("scalar",), ("scalar",))))
    text = runtime.wrapper_source(plan)
    assert "blockable(shape, 4096, x, y)" in text and "errstate" in text
    run = runtime.arrays(lambda x, y: (x * y, x + y), plan)
    assert run(2.0, 3.0) == (6.0, 5.0)
    assert [v.tolist() for v in run([1.0, 2.0], 3.0)] == [[3.0, 6.0], [4.0, 5.0]]
