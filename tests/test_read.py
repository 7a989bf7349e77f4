"""Reading: Python source -> SSA graph of sympy expressions (symdiff.read)."""

import math
import re

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symdiff as sd
from symdiff import SymdiffError, SymdiffSyntaxError, limits
from symdiff.read import read, read_expression
from symdiff.primitives import cbrt
try:
    from tests import functions as corpus
except ImportError:             # plain `pytest`: the tests directory itself is on sys.path
    import functions as corpus
from conftest import load_module as import_source


# -- helpers ---------------------------------------------------------------------

def evaluate(reading, args, prec=30):
    """Flatten every output and evaluate it exactly enough at ``args``."""
    subs = {}
    args = list(args) + [reading.defaults[n] for n in reading.params[len(args):]]
    for name, value in zip(reading.params, args):
        sym = reading.symbols[name]
        if isinstance(sym, np.ndarray):
            value = np.asarray(value, dtype=float)
            for idx in np.ndindex(sym.shape):
                subs[sym[idx]] = sympy.Float(float(value[idx]), prec)
        else:
            subs[sym] = sympy.Float(float(value), prec)
    out = np.empty(reading.outputs.shape, dtype=float)
    for idx in np.ndindex(reading.outputs.shape):
        flat = reading.graph.flatten(reading.outputs[idx])
        val = sympy.sympify(flat).xreplace(subs).evalf(prec)
        out[idx] = float(val)
    return out


def python_value(fn, args):
    shapes = getattr(fn, "shapes", {})
    names = list(trace_params(fn))
    call = [np.array(a, dtype=float) if n in shapes else a for n, a in zip(names, args)]
    return np.asarray(fn(*call), dtype=float)


def trace_params(fn):
    import inspect
    return inspect.signature(fn).parameters


def load_module(tmp_path, name, source):
    """The module and its file's path (conftest.load_module, named)."""
    return import_source(tmp_path, source, name), str(tmp_path / f"{name}.py")


# -- the corpus --------------------------------------------------------------------

CASES = [(fn, p) for fn in corpus.FUNCTIONS for p in fn.points]


def test_corpus_is_large_enough():
    assert len(corpus.FUNCTIONS) >= 30
    assert corpus.SHAPES["rosenbrock"] == {"x": (4,)}


@pytest.mark.parametrize("fn,point", CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)])
def test_corpus_values_match_python(fn, point):
    reading = read(fn, shapes=fn.shapes)
    got = evaluate(reading, point)
    want = python_value(fn, point)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_reading_fields():
    t = read(corpus.keyword_defaults)
    assert t.name == "keyword_defaults"
    assert t.params == ("x", "y", "scale")
    assert t.defaults == {"y": 2.0, "scale": 3.0}
    assert t.filename == corpus.__file__
    assert t.outputs.shape == () and not t.vector
    assert all(s.is_real for s in t.symbols.values())


def test_vector_and_array_outputs():
    t = read(corpus.vector_valued)
    assert t.vector and t.outputs.shape == (3,)
    t = read(corpus.elementwise_array_out, shapes={"x": (3,)})
    assert t.vector and t.outputs.shape == (3,)
    t = read(corpus.shaped_matrix, shapes={"A": (2, 2)})
    assert t.symbols["A"].shape == (2, 2)
    assert [str(s) for s in t.symbols["A"].ravel()] == ["A_0_0", "A_0_1", "A_1_0", "A_1_1"]


# -- SSA structure and scale --------------------------------------------------------

def loop67(x, y):
    for _ in range(67):
        y = y * x + math.sin(y)
    return y


def rosen(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_loop_keeps_ssa_form():
    t = read(loop67)
    assert 67 <= len(t.graph.defs) <= 4 * 67
    # each definition is small: no flattened tree anywhere
    assert max(sympy.count_ops(d) for d in t.graph.defs.values()) < 10
    assert sympy.count_ops(t.outputs[()]) < 10


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_rosenbrock_3000_traces_fast():
    t = read(rosen, shapes={"x": (3000,)})
    assert len(t.graph.params) == 3000
    assert len(t.graph.defs) >= 2999
    x = np.linspace(-1, 1, 6)
    small = read(rosen, shapes={"x": (6,)})
    assert float(evaluate(small, [x])) == pytest.approx(rosen(x), rel=1e-12)


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_branch_sequence_does_not_blow_up():
    def many_ifs(x):
        y = x
        for k in range(40):
            if y > k:
                y = y - 1
            else:
                y = y * 1.01
        return y

    t = read(many_ifs)
    assert len(t.graph.defs) < 40 * 12


def test_early_returns_chain_is_linear():
    def clamp_chain(x):
        for k in range(30):
            if x > 100 - k:
                return x * k
        return x

    t = read(clamp_chain)
    assert len(t.graph.defs) < 30 * 8
    assert float(evaluate(t, [99.5])) == clamp_chain(99.5)
    assert float(evaluate(t, [3.0])) == clamp_chain(3.0)


def test_piecewise_from_data_dependent_if():
    def f(x):
        if x > 0:
            z = x
        else:
            z = -x
        return z

    t = read(f)
    flat = t.graph.flatten(t.outputs[()])
    assert flat.has(sympy.Piecewise)
    x = t.symbols["x"]
    assert sympy.simplify(flat - sympy.Piecewise((x, x > 0), (-x, True))) == 0


def test_constant_condition_is_decided_at_trace_time():
    t = read(corpus.constant_branch)
    assert not t.graph.flatten(t.outputs[()]).has(sympy.Piecewise)


# -- primitives ----------------------------------------------------------------------

def test_cbrt_is_the_real_cube_root():
    x = sympy.Symbol("x", real=True)
    assert cbrt(-8) == -2
    assert sympy.diff(cbrt(x), x) == 1 / (3 * cbrt(x) ** 2)
    assert float(cbrt(sympy.Float(-27.0)).evalf()) == pytest.approx(-3.0)
    f = sympy.lambdify(x, cbrt(x), "numpy")
    assert f(-8.0) == pytest.approx(-2.0)


def test_log_with_base_and_where_clip():
    def f(x, y):
        return math.log(x, 2) + np.where(x > y, x, y) + np.clip(x, 0, 1)

    t = read(f)
    x, y = t.symbols["x"], t.symbols["y"]
    flat = t.graph.flatten(t.outputs[()])
    assert flat.has(sympy.Piecewise)      # where, and clip (bounds pass the gradient)
    for point in ([0.4, 0.2], [1.5, 0.2], [0.5, 0.9]):
        assert float(evaluate(t, point)) == pytest.approx(f(*point), rel=1e-12)


def test_math_pi_is_exact():
    def f(x):
        return math.pi * x + np.pi

    t = read(f)
    assert t.graph.flatten(t.outputs[()]).has(sympy.pi)


# -- sources: lambdas, exec, objects presenting a source ------------------------------

def test_lambda_bound_to_name_among_others():
    a = lambda x: x + 1; b = lambda y: y * 3  # noqa: E702,E731
    ta, tb = read(a), read(b)
    assert ta.params == ("x",) and tb.params == ("y",)
    assert str(tb.outputs[()]) == "3*y"


def test_object_with_symdiff_source():
    class Wrapped:
        def __init__(self, fn):
            self.__symdiff_source__ = fn

    def helper(u):
        return u ** 2

    w = Wrapped(helper)

    def f(x):
        return w(x) + 1

    assert read(w).name == "helper"
    assert str(read(f).graph.flatten(read(f).outputs[()])) == "x**2 + 1"


def test_no_source_fallback_calls_on_symbols():
    ns = {}
    exec("import math\nimport numpy as npx\ndef f(x, y):\n    return math.sin(x) * npx.exp(y) + max(x, y)\n", ns)
    t = read(ns["f"])
    x, y = t.symbols["x"], t.symbols["y"]
    # each math/numpy/builtin call's result is an intermediate of the graph
    assert t.graph.flatten(t.outputs[()]) == sympy.sin(x) * sympy.exp(y) + sympy.Max(x, y)
    assert {s.name for s in t.graph.needed([t.outputs[()]])} == {"sin", "exp", "max_"}


def test_no_source_loop_of_min_stays_small():
    """`t -= min(t1, t)` in a loop nested two copies of t per step (2**17 nodes, a
    hang in sympy's Min) when the function ran on plain expressions."""
    ns = {}
    exec("import math\ndef f(x, y):\n    t1 = math.sin(math.cos(x))\n    t = y\n"
         "    for i in range(17):\n        t -= min(t1, t)\n    return t\n", ns)
    F = sd.symbolic(ns["f"])
    for x, y in [(0.3, 0.2), (0.3, 2.0), (-2.0, 1.0)]:
        assert F(x, y) == pytest.approx(ns["f"](x, y), rel=1e-14)
    assert "intermediates" in repr(F)              # too large to show written out


def test_no_source_branch_fails_clearly():
    ns = {}
    exec("def f(x):\n    if x > 0:\n        return x\n    return -x\n", ns)
    with pytest.raises(SymdiffError, match="cannot branch on data without source"):
        read(ns["f"])


def test_trace_expression():
    t = read_expression("x**2*y + sin(y)")
    assert t.params == ("x", "y")
    x, y = t.symbols["x"], t.symbols["y"]
    assert t.outputs[()] == x ** 2 * y + sympy.sin(y)
    t = read_expression("  b*Abs(a) + Max(a, b) + log(a, 2) + pi")
    assert t.params == ("a", "b")
    with pytest.raises(SymdiffSyntaxError) as err:
        read_expression("x ^ 2")
    assert err.value.construct == "operator ^" and err.value.offset == 3     # under the operator
    with pytest.raises(SymdiffSyntaxError) as err:
        read_expression("x + * 2")
    assert err.value.lineno == 1 and err.value.offset == 5


def test_expression_never_evaluates_python():
    with pytest.raises(SymdiffSyntaxError):
        read_expression("__import__('os').system('true')")


# -- runtime errors with places ------------------------------------------------------

def test_loop_bound_depending_on_data(tmp_path):
    mod, path = load_module(tmp_path, "m_loopbound", """
        def f(x, n):
            s = 0
            for i in range(n):
                s = s + x
            return s
        """)
    with pytest.raises(SymdiffSyntaxError) as err:
        read(mod.f)
    e = err.value
    assert (e.filename, e.lineno, e.offset) == (path, 4, 14)
    assert "loop bound that depends on the input" in str(e) and "static=('n',)" in str(e)
    assert e.text.strip() == "for i in range(n):"


def test_name_defined_in_one_branch(tmp_path):
    mod, path = load_module(tmp_path, "m_onebranch", """
        def f(x):
            if x > 0:
                z = x
            return z
        """)
    with pytest.raises(SymdiffError, match="only one branch") as err:
        read(mod.f)
    assert f"{path}:5:12" in str(err.value)


def test_unsupported_call_names_function(tmp_path):
    mod, path = load_module(tmp_path, "m_badcall", """
        import random
        def f(x):
            return x * random.random()
        """)
    with pytest.raises(SymdiffSyntaxError) as err:
        read(mod.f)
    e = err.value
    assert (e.lineno, e.offset) == (4, 16)
    assert "random.random" in str(e) and "symdiff supports" in str(e)


def test_missing_return_and_non_number(tmp_path):
    mod, path = load_module(tmp_path, "m_noreturn", """
        def f(x):
            y = x
        def g(x):
            return x > 0
        def h(x):
            if x > 0:
                return x
        """)
    with pytest.raises(SymdiffError, match="no return"):
        read(mod.f)
    with pytest.raises(SymdiffError, match="not a number"):
        read(mod.g)
    with pytest.raises(SymdiffError, match="no return"):
        read(mod.h)


def test_recursion_limit(tmp_path):
    mod, path = load_module(tmp_path, "m_recursion", """
        def fact(x, n):
            if n == 0:
                return 1
            return x * fact(x, n - 1)
        def forever(x):
            return forever(x) + 1
        """)
    t = read(lambda x: mod.fact(x, 5))
    assert t.graph.flatten(t.outputs[()]) == t.symbols["x"] ** 5
    with pytest.raises(SymdiffError, match="nested deeper"):
        read(mod.forever)


UNROLLED = (r"loop of 1000000 steps whose first step read (\d+) nodes of code \(helpers "
            rf"included\): (\d+) in all, more than the {limits.MAX_UNROLLED_WORK} symdiff "
            r"unrolls; use a smaller bound, or write it as numpy array code on a shaped parameter")


@pytest.mark.timeout(60)       # unrolled, this loop took minutes before any error
def test_an_unrolled_loop_too_large_is_refused_after_its_first_step(tmp_path):
    """A million steps calling a helper (a recurrence: not vectorised) would read
    millions of nodes: the first step's count times the steps says so at once, the
    helper's nodes included, and the error names the loop and what to do."""
    mod, path = load_module(tmp_path, "m_unroll", """
        import math

        def helper(t, i):
            return t * math.sin(t) + i

        def f(x):
            s = 0.0
            for i in range(10**6):
                s = s * 0.5 + helper(x, i)
            return s

        def g(x):
            s = 0.0
            for i in range(10**6):
                s = s * 0.5 + x * i
            return s
        """)
    with pytest.raises(SymdiffError) as info:
        sd.symbolic(mod.f)
    message = str(info.value)
    assert message.startswith(f"{path}:9:5: ") and message.endswith("for i in range(10**6):")
    per_step, total = map(int, re.search(UNROLLED, message).groups())
    assert total == per_step * 10**6
    with pytest.raises(SymdiffError) as info:
        sd.symbolic(mod.g)
    alone = int(re.search(UNROLLED, str(info.value)).group(1))
    assert per_step > alone          # the helper's body counts


@pytest.mark.timeout(60)
def test_a_comprehension_too_large_to_unroll_is_refused(tmp_path):
    mod, path = load_module(tmp_path, "m_unroll_comp", """
        import math

        def helper(t, i):
            return t * math.sin(t) + i

        def f(x):
            return sum([helper(x, i) for i in range(10**6)])
        """)
    with pytest.raises(SymdiffError, match=r"m_unroll_comp\.py:8:\d+: comprehension of "
                                           r"1000000 steps whose first step read"):
        sd.symbolic(mod.f)


def test_loops_under_the_unrolled_work_limit_are_read(tmp_path):
    """The limit is on steps times work: a short loop with a large body, and a long
    loop with a small one, are both read."""
    mod, path = load_module(tmp_path, "m_unroll_ok", """
        import math

        def f(x):
            s = 0.0
            for i in range(3):
                s = s * math.sin(s + x) + math.cos(x * i) + (s - x) ** 2 + math.exp(-s) * i
            return s

        def g(x):
            s = 0.0
            for i in range(2000):
                s = s * 0.5 + x
            return s
        """)
    assert sd.symbolic(mod.f)(0.3) == pytest.approx(mod.f(0.3), rel=1e-12)
    assert sd.symbolic(mod.g)(0.3) == pytest.approx(mod.g(0.3), rel=1e-12)


def test_data_dependent_index(tmp_path):
    mod, path = load_module(tmp_path, "m_index", """
        def f(x, k):
            return x[k]
        """)
    with pytest.raises(SymdiffSyntaxError) as err:
        read(mod.f, shapes={"x": (3,)})
    assert err.value.construct == "index that depends on the input"
    assert (err.value.lineno, err.value.offset) == (3, 14)


def test_shapes_for_unknown_parameter():
    with pytest.raises(ValueError, match="unknown parameters"):
        read(corpus.polynomial, shapes={"z": (2,)})


# -- hypothesis: random expression trees as Python source ------------------------------

UNARY = ["math.sin({})", "math.cos({})", "math.exp(-({})**2)", "math.atan({})",
         "np.tanh({})", "abs({})", "-({})", "math.sqrt(1 + ({})**2)", "np.log1p(({})**2)"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (1.5 + ({})**2)",
          "max({}, {})", "min({}, {})", "math.hypot({}, {})"]
LEAVES = ["x", "y", "z", "0.5", "2", "1.25"]


@st.composite
def expressions(draw, depth=4, leaves=tuple(LEAVES)):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(leaves))
    if draw(st.booleans()):
        return draw(st.sampled_from(UNARY)).format(draw(expressions(depth - 1, leaves)))
    return draw(st.sampled_from(BINARY)).format(draw(expressions(depth - 1, leaves)),
                                                draw(expressions(depth - 1, leaves)))


@st.composite
def programs(draw):
    """A function body: a few assignments, maybe a data-dependent branch, a return."""
    lines = []
    names = ["x", "y", "z"]
    for k in range(draw(st.integers(1, 3))):
        expr = draw(expressions(4, tuple(LEAVES + names[3:])))
        lines.append(f"t{k} = {expr}")
        names.append(f"t{k}")
    if draw(st.booleans()):
        lines.append(f"if {draw(st.sampled_from(names))} > {draw(st.sampled_from(names))}:")
        lines.append(f"    t0 = {draw(expressions(2, tuple(names)))} * t0")
        lines.append("else:")
        lines.append(f"    t0 = t0 + {draw(expressions(2, tuple(names)))}")
    lines.append(f"return {' + '.join(names[3:])}")
    return lines


_counter = [0]


def _compile_function(tmp_dir, body_lines):
    _counter[0] += 1
    name = f"hyp_mod_{_counter[0]}"
    src = "import math\nimport numpy as np\n\ndef f(x, y, z):\n" + "".join(f"    {l}\n" for l in body_lines)
    return import_source(tmp_dir, src, name).f


@pytest.fixture(scope="module")
def hyp_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("hyp")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=programs(), point=st.tuples(*[st.sampled_from([-1.3, -0.4, 0.35, 0.9, 1.7])] * 3))
def test_random_programs_match_python(hyp_dir, body, point):
    fn = _compile_function(hyp_dir, body)
    want = fn(*point)
    t = read(fn)
    got = float(evaluate(t, point))
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=expressions(depth=3))
def test_random_expression_strings(expr):
    text = expr.replace("math.", "").replace("np.", "")
    t = read_expression(text)
    assert set(t.params) <= {"x", "y", "z"}
    ns = {"math": math, "np": np}
    env = {"x": 0.3, "y": -0.7, "z": 1.1}
    want = eval(compile(expr, "<test>", "eval"), ns, dict(env))  # the test's own string
    got = float(evaluate(t, [env[p] for p in t.params])) if t.params else float(t.outputs[()])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


# -- more constructs ----------------------------------------------------------------

def test_same_parameters_lambdas_on_one_line():
    a = lambda x: x + 1; b = lambda x: x * 3  # noqa: E702,E731
    assert str(read(a).outputs[()]) == "x + 1"
    assert str(read(b).outputs[()]) == "3*x"


def test_array_methods_and_transpose():
    M = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(A, v):
        w = A.T.dot(v) + M @ v
        return w.sum() + A.mean() + v.dot(v) + np.prod(v) + A.ravel()[3]

    t = read(f, shapes={"A": (2, 2), "v": (2,)})
    A = np.array([[0.3, -0.2], [1.1, 0.5]])
    v = np.array([0.7, -1.3])
    assert float(evaluate(t, [A, v])) == pytest.approx(f(A, v), rel=1e-12)


def test_symbolic_function_from_string_is_substituted():
    inner = read_expression("a*b + sin(a)")

    class FromString:                      # what a SymbolicFunction made from a string shows
        __symdiff_source__ = None
        __name__ = "inner"
        params = inner.params
        symbols = inner.symbols
        expr = inner.outputs[()]

    g = FromString()

    def f(x):
        return g(x, 2.0) + 1

    t = read(f)
    x = t.symbols["x"]
    assert t.graph.flatten(t.outputs[()]) == 2.0 * x + sympy.sin(x) + 1


def test_no_source_with_shapes():
    ns = {}
    exec("import numpy as onp\ndef f(v):\n    return onp.sum(onp.sin(v)) + v[0]\n", ns)
    t = read(ns["f"], shapes={"v": (3,)})
    v = t.symbols["v"]
    assert t.graph.flatten(t.outputs[()]) == sympy.sin(v[0]) + sympy.sin(v[1]) + sympy.sin(v[2]) + v[0]


def test_boolean_name_merged_across_branches():
    def f(x, y):
        flag = x > 1
        if y > 0:
            flag = x > 2
        if flag:
            return x * y
        return x + y

    t = read(f)
    for p in [(1.5, 1.0), (2.5, 1.0), (1.5, -1.0), (0.5, -1.0)]:
        assert float(evaluate(t, p)) == pytest.approx(f(*p), rel=1e-12)


def test_ifexp_with_tuples_and_in_operator():
    def f(x, y):
        a, b = (x, y) if x > y else (y, x)
        k = 2 if 3 in (1, 2, 3) else 5
        return a * k - b

    t = read(f)
    for p in [(1.0, 2.0), (3.0, -1.0)]:
        assert float(evaluate(t, p)) == pytest.approx(f(*p), rel=1e-12)


def test_helper_defaults_and_keywords():
    def helper(u, v=2.0, *, w=1.0):
        return u * v + w

    def f(x):
        return helper(x) + helper(x, w=3.0) + helper(v=x, u=1.0)

    t = read(f)
    assert float(evaluate(t, [0.7])) == pytest.approx(f(0.7), rel=1e-12)
    with pytest.raises(SymdiffError, match="unexpected keyword"):
        read(lambda x: helper(x, q=1))


def test_long_source_expression_does_not_hit_recursion_limit(tmp_path):
    body = " + ".join(f"x**{k % 4}*{k}" for k in range(1200))
    mod, _ = load_module(tmp_path, "m_long_expr", f"def f(x):\n    return {body}\n")
    t = read(mod.f)
    assert float(evaluate(t, [0.5])) == pytest.approx(mod.f(0.5), rel=1e-12)
