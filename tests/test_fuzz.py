"""Fuzzing (issue 6, hardening): a bounded, deterministic run of ``tests/fuzzing.py``.

* random valid programs (locals, augmented assignment, branches, ternaries, early
  returns, short and 16+-step loops, helpers calling helpers, module constants,
  min/max/abs, a shaped parameter) checked by ``sd.check`` to order 2 (symbolic vs
  tape vs finite differences) and by value against the plain function, at points
  away from every kink;
* broken input (mutated ASTs, truncated and stale source, random bytes/unicode,
  random expression strings) must raise an accepted error with a message, or give
  the plain function's values and derivatives;
* the minimal failing examples the fuzzer found, as regression tests.

The long run is ``python benchmarks/fuzz.py --budget-seconds 600``. Every example
runs under a SIGALRM time limit, so a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symdiff as sd

import fuzzing
from conftest import load_module


def _settings(n):
    return settings(derandomize=True, max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# =================================================================== valid programs
@_settings(30)
@given(st.data())
def test_random_programs_agree_with_tape_and_finite_differences(data):
    program = data.draw(fuzzing.programs(), label="program")
    pts = data.draw(fuzzing.points(program), label="points")
    fuzzing.check_program(program, pts, order=2, timeout=60)


# =================================================================== broken input
@pytest.mark.parametrize("kind, n", [("mutated", 80), ("truncated", 60), ("garbage", 60),
                                     ("expression", 100)])
def test_broken_input_raises_an_accepted_error_or_agrees(kind, n):
    strategy = {"mutated": fuzzing.mutated_sources(), "truncated": fuzzing.truncated_sources(),
                "garbage": fuzzing.garbage_text(), "expression": fuzzing.expression_strings()}[kind]
    tally = fuzzing.Tally()

    @_settings(n)
    @given(strategy)
    def run(broken):
        tally.add(fuzzing.check_broken(broken, order=1, timeout=30))

    run()
    assert tally.tried >= n
    assert sum(tally.rejected.values()) > 0          # the generators do make broken input


def test_random_bytes_as_an_expression():
    """Not text at all: a TypeError, as for any non-callable."""
    with pytest.raises(TypeError, match="expression string"):
        sd.symbolic(b"x + 1")


# =================================================================== regressions
def test_min_max_of_a_constant_0d_array(tmp_path):
    """np.where of constants folds to a 0-d array; min/max of it and a symbol raised
    SymdiffError ("The argument '0.7' is not comparable")."""
    mod = load_module(tmp_path, """
import numpy as np

A = np.where(0.5 > 0.1, 0.7, 0.5)


def f(x, y):
    return min(np.where(0.5 > 0.1, 0.7, 0.5), x) + max(A, y) + max([A, x * y])
""")
    F = sd.symbolic(mod.f)
    for x, y in [(0.3, 1.2), (1.1, -0.4)]:
        assert F(x, y) == pytest.approx(mod.f(x, y), rel=1e-15)
        assert sd.check(mod.f, x, y, order=2).ok


def test_a_constant_0d_array_in_a_returned_tuple(tmp_path):
    """`return np.where(c, a, b), y` with constant c, a, b: 'f returns a ndarray'."""
    mod = load_module(tmp_path, """
import numpy as np


def f(x, y):
    return np.where(x - x > 0.1, 0.25, 0.5), x * y
""")
    F = sd.symbolic(mod.f)
    assert [float(v) for v in F(2.0, 3.0)] == [0.5, 6.0]
    assert sd.check(mod.f, 2.0, 3.0, order=2).ok


@pytest.mark.parametrize("text", ["max(x)", "min(x)", "Max(sin(x))"])
def test_max_of_a_single_number_is_refused(text):
    """Python's max(x) of a number raises TypeError; symdiff read it as x."""
    with pytest.raises(sd.SymdiffError, match="single number"):
        sd.symbolic(text)
    assert sd.symbolic("max(x, y)")(1.0, 2.0) == 2.0
    assert sd.symbolic("min((x, y))")(1.0, 2.0) == 1.0


@pytest.mark.parametrize("text", ["(x < None, x)[1]", "x == None", "(x > [1.0], x)[1]"])
def test_comparison_with_a_non_number_is_refused(text):
    """sympy answers NotImplemented (truthy!) for x < None: symdiff accepted
    `if x < None:` and took the first branch where Python raises TypeError."""
    with pytest.raises(sd.SymdiffError, match="cannot compare"):
        sd.symbolic(text)


def test_branch_on_comparison_with_none_is_refused(tmp_path):
    mod = load_module(tmp_path, """
def f(x):
    if x < None:
        return x
    return -x
""")
    with pytest.raises(sd.SymdiffError, match="cannot compare"):
        sd.symbolic(mod.f)


@pytest.mark.parametrize("text", ["gamma((x, x))", "sin((x, y))", "exp([x, 1])", "abs((x, y))"])
def test_math_function_of_a_tuple_is_refused(text):
    """math.gamma((x, x)) raises TypeError in Python; symdiff built gamma(Tuple(x, x))
    and returned an array."""
    with pytest.raises(sd.SymdiffError, match="takes numbers, not a"):
        sd.symbolic(text)


def test_numpy_function_of_a_tuple_is_elementwise():
    F = sd.symbolic("arcsin((x, 0.5))")
    np.testing.assert_allclose(F(0.5), np.arcsin((0.5, 0.5)), rtol=1e-15)


def test_tape_runs_augmented_assignment_to_a_numpy_array(tmp_path):
    """`t = np.where(c, 0.5, 0.5)` is a 0-d array; `t += sin(x)` on the tape called
    np.add(t, tensor, out=(t,)), which the tape refused: sd.check failed with TypeError."""
    mod = load_module(tmp_path, """
import math
import numpy as np


def f(x, y):
    t = np.where(0.5 > 0.1, 0.5, 0.5)
    t += math.sin(x) * y
    return t * 2.0
""")
    report = sd.check(mod.f, 0.3, 0.7, order=2)
    assert report.ok, str(report)
    assert report["d2f/dxdy"].tape == pytest.approx(2 * math.cos(0.3), rel=1e-14)


ALIASING = """
import numpy as np

G = np.zeros(2)


def write_alias(x):
    a = np.zeros(2)
    b = a
    b[0] = x
    return a[0] + a[1]


def add_to_parameter_alias(x, v):
    w = v
    w += x
    return v[0] + v[1]


def extend_list_alias(x):
    a = [x, 1.0]
    b = a
    b += [2.0]
    return sum(a)


def helper(a):
    a[0] = 0.0
    return a.sum()


def helper_writes_callers_array(x, v):
    return helper(v) + v[0]


def writes_module_global(x):
    G[0] = x
    return G[0]


def closure_writes_outer_list(x):
    acc = [0.0]

    def add(t):
        acc[0] = acc[0] + t
        return 0.0
    z = add(x)
    return acc[0] + z


def unshared(x, v):
    v[0] = x
    w = v.copy()
    w += 1.0
    a = np.zeros(3)
    for i in range(3):
        a[i] = x * i
    a += 1.0
    return v[0] + w[1] + a.sum() + helper(v * 1.0)
"""


@pytest.mark.parametrize("name", ["write_alias", "add_to_parameter_alias", "extend_list_alias",
                                  "helper_writes_callers_array", "writes_module_global",
                                  "closure_writes_outer_list"])
def test_in_place_change_of_a_shared_container_is_refused(tmp_path, name):
    """Python changes a list/array in place, so every other reference sees it; symdiff
    changed a copy and silently returned the old value (0.0 for 0.3, ...)."""
    mod = load_module(tmp_path, ALIASING)
    shapes = {"v": (2,)} if "parameter" in name or "callers" in name else None
    with pytest.raises(sd.SymdiffError, match="in-place change of a"):
        sd.symbolic(getattr(mod, name), shapes=shapes)


def test_in_place_change_of_an_unshared_container_is_read(tmp_path):
    mod = load_module(tmp_path, ALIASING)
    F = sd.symbolic(mod.unshared, shapes={"v": (2,)})
    v = np.array([1.0, 2.0])
    assert F(0.3, v) == pytest.approx(mod.unshared(0.3, v.copy()), rel=1e-15)
    gx, gv = F.grad(0.3, v)          # 4x + 2 v[1] + 4 (v[0] is overwritten by x)
    assert gx == 4.0 and gv.tolist() == [0.0, 2.0]


# -- found by the long run of benchmarks/fuzz.py (seed 20261129) ------------------------

BOOLS = """
import math
import numpy as np


def f(x, y):
    return (sum([math.sin(x), not 0.5]) + (x > 0.1) * x * y + max(x, True) + x ** True
            + min([x, False]) + np.maximum(x, True) - (x < y) + (x > 0) / 2.0)


def g(x, y):
    t0 = math.sin(x)
    if math.pi + x > y:
        return True
    return math.sin(t0)
"""


@pytest.mark.parametrize("x, y", [(0.3, 0.2), (1.7, 0.2), (-0.5, 0.2), (0.05, 2.0)])
def test_bools_are_numbers_in_arithmetic(tmp_path, x, y):
    """Python's True/False and conditions are 0/1 in arithmetic; sympy read them as
    logic values: `sum([sin(x), not 0.5])` compiled to a function raising
    AttributeError, `return True` in one branch gave a Piecewise that could not be
    evaluated, `x + True` and `(x > 0) * x` were refused."""
    mod = load_module(tmp_path, BOOLS)
    for fn in (mod.f, mod.g):
        F = sd.symbolic(fn)
        assert F(x, y) == pytest.approx(float(fn(x, y)), rel=1e-14)
        assert sd.check(fn, x, y, order=2).ok
    assert sd.symbolic("(x > 0) * x").grad(-0.3) == (0.0,)
    assert sd.symbolic("(x > 0) * x").grad(0.3) == (1.0,)


def test_a_loop_longer_than_an_index_is_refused(tmp_path):
    """range(12345678901234567890): len() raised OverflowError out of sd.symbolic."""
    mod = load_module(tmp_path, """
import math


def f(x):
    t = 0.0
    for i in range(12345678901234567890):
        t = 0.5 * t + math.sin(x)
    return t
""")
    with pytest.raises(sd.SymdiffError, match="more than 1000000 steps"):
        sd.symbolic(mod.f)


@pytest.mark.parametrize("text", ["-(x % 3)", "-x*(x % 3)", "(x % 3)**2", "2 - x % 3",
                                  "y / (x % 3)", "-(x % y) * y", "x*(y % 1.5) - (x % 2)"])
def test_modulo_keeps_its_parentheses(text):
    """The float path printed -Mod(x, 3) as `-x % 3`, which Python reads as (-x) % 3:
    -(np.sum(v*v) % 3) gave 0.346 where Python gives -2.654 (a silent wrong value)."""
    F = sd.symbolic(text)
    for x, y in [(8.654, 2.5), (-3.7, 1.25), (0.4, -2.2)]:
        args = [{"x": x, "y": y}[p] for p in F.params]
        want = eval(text, {}, {"x": x, "y": y})                     # noqa: S307
        assert F(*args) == pytest.approx(want, rel=1e-15, abs=1e-15)
        assert np.asarray(F(*[np.array([a, a]) for a in args])) == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("text", ["acosh(pi or x)", "x or 2", "x and 2", "(x and y) + 1",
                                  "x or y or 3", "x and y and 3", "1 and x", "x or 0",
                                  "(x > 1) or 0.5", "sin(x) if x or y else 0.0",
                                  "sin(x) if (x > 1 or y) and 2 else 0.0"])
def test_and_or_give_values_as_in_python(text):
    """`a or b` is a if a is true, else b (a value, not a bool): `acosh(pi or x)` was
    acosh(True) = 0.0 (pi's truth was not known when read), `x or 2` a condition."""
    F = sd.symbolic(text)
    for x in (0.0, 1.5, 3.0):
        for y in (0.0, -2.0):
            args = [{"x": x, "y": y}[p] for p in F.params]
            want = float(eval(text, {"acosh": math.acosh, "sin": math.sin, "pi": math.pi},  # noqa: S307
                              {"x": x, "y": y}))
            assert F(*args) == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("text, want, dwant", [("x + 1e308*pi", math.inf, 1.0),
                                               ("x*(-1e308*pi)", -math.inf, -math.inf),
                                               ("(lambda q: q * pi)(1e308) + x", math.inf, 1.0)])
def test_constants_that_overflow_print_as_inf(text, want, dwant):
    """1e308*pi folded to the float inf and was printed as a bare `inf`: NameError
    from the compiled function."""
    F = sd.symbolic(text)
    assert F(0.5) == want and F(np.array([0.5, 2.0])).tolist() == [want, want]
    assert F.diff("x")(0.5) == dwant and F.diff("x")(np.array([0.5])).tolist() == [dwant]


def test_source_that_no_longer_parses_is_stale_not_run():
    """linecache holding text that no longer parses (a file edited after import)
    made symdiff fall back to running the function on symbols, which hung on a
    17-step loop of min(); it is the stale-source error, and nothing is run."""
    original = ("import math\n\n\ndef f(x, y):\n    t = 0.0\n    for i in range(17):\n"
                "        t -= min(math.sin(x), t)\n    return t + y\n")
    mod = fuzzing._stale_function(original, original.replace("t -= min(", "t -= EIm<\u00b0min("))
    try:
        with pytest.raises(sd.SymdiffError, match="is not the function Python is running"):
            sd.symbolic(mod.f)
    finally:
        fuzzing._forget_stale(mod)


# -- found by benchmarks/fuzz_atheris.py ---------------------------------------------------

@pytest.mark.parametrize("text, what", [("y + y/0 + y", "division by zero"),
                                        ("x/(x - x)", "division by zero"),
                                        ("x // 0", "division by zero"),
                                        ("(x - x)**-1 + x", "division by zero"),
                                        ("log(x - x) + x", "math.log is undefined here")])
def test_division_by_an_exact_zero_is_refused(text, what):
    """sympy makes y/0 the complex infinity zoo, which the code printer could not
    print (KeyError 'ComplexInfinity'); Python raises ZeroDivisionError there."""
    with pytest.raises(sd.SymdiffError, match=what):
        sd.symbolic(text)


def test_huge_integer_exponent_is_read_as_a_float_power():
    """t % x**6666666666666661 ran sympy's integer algorithms out of memory; the
    same power with a float exponent has the same values."""
    F = sd.symbolic("t % x**6666666666666661 + x**20001")
    assert F(0.5, -1.0) == 0.5 % (-1.0) ** 6666666666666661 + (-1.0) ** 20001
    assert F.diff("x")(2.0, -1.0) == pytest.approx(-6666666666666661 * 2.0 * -1.0 + 20001.0)


@pytest.mark.parametrize("text, what", [
    ("sin(sqrt(x, x))", "too many positional arguments"),       # sympy.sqrt(x, x): evaluate=x
    ("exp(x, y)", "too many positional arguments"),
    ("arctan2(x)", r"takes 2 arguments \(1 given\)"),
    ("(sin(x) and (x, x))", "`and` between a number whose truth depends on the input and a tuple"),
    ("x or None", "`or` between .* and a NoneType"),
    ("sin(sin(1e400 // pi))", "// with an infinite or nan constant"),
    ("inf // sin(x)", "// with an infinite or nan constant"),
    ("x % 1e400", "% with an infinite or nan constant"),
    ("x + sin(inf)", "undefined here for every input"),
])
def test_calls_and_operators_python_rejects_are_refused(text, what):
    """Found by the second long fuzz run: sqrt(x, x) was read as sqrt(x) (sympy's
    second parameter is `evaluate`); sin(x) and (x, x) put a tuple in a Piecewise;
    inf // sin(x) was inf where Python gives nan; sin(inf) was sympy's range
    AccumBounds(-1, 1), which the printer could not print."""
    with pytest.raises((sd.SymdiffError, sd.SymdiffSyntaxError), match=what):
        sd.symbolic(text)


def test_math_functions_of_arrays_are_refused(tmp_path):
    """math.sin(v) of a shaped parameter was read elementwise; Python raises TypeError."""
    mod = load_module(tmp_path, """
import math
import numpy as np


def f(x, v):
    return math.sin(v) + x


def g(x, v):
    return np.sin(v).sum() + math.sin(v[0]) + x
""")
    with pytest.raises(sd.SymdiffError, match="math.sin: an array argument: .* use np.sin"):
        sd.symbolic(mod.f, shapes={"v": (3,)})
    G = sd.symbolic(mod.g, shapes={"v": (3,)})
    v = np.array([0.1, 0.2, 0.3])
    assert G(0.5, v) == pytest.approx(mod.g(0.5, v), rel=1e-15)


def test_huge_integer_constant_meeting_an_input_is_refused():
    """x * 22**2222: Python raises OverflowError converting the int to a float; the
    compiled function raised it at call time (found by atheris)."""
    with pytest.raises(sd.SymdiffError, match="OverflowError converting it to a float"):
        sd.symbolic("x*2*22**2222*x")
    assert sd.symbolic("10**400 * 0 * x + x")(0.5) == 0.5        # exact int arithmetic first


def test_returning_an_integer_beyond_floats_is_refused():
    """-5**5555: the compiled function raised OverflowError converting it (atheris)."""
    with pytest.raises(sd.SymdiffError, match="integer of 12899 bits, beyond the float range"):
        sd.symbolic("-5**5555")
    assert sd.symbolic("5**55")() == 5.0 ** 55


def test_constant_factors_folded_beyond_floats_are_refused():
    """x*22**22*y*22**22*...*22**222: sympy folds the integers into one coefficient
    that no float holds; the compiled function raised OverflowError (atheris)."""
    with pytest.raises(sd.SymdiffError, match="multiply to a 1286-bit number"):
        sd.symbolic("x*2*22**22*y*22**22*y*22**22*y*22**222")
    assert sd.symbolic("x*22**22*y")(0.5, 2.0) == pytest.approx(22.0 ** 22)


def test_any_all_and_ufunc_arity_as_in_python(tmp_path):
    """Third long fuzz run: any(x) of a number was read as x (Python: not iterable),
    np.minimum(y, [], x) took x as `out`; -1e308*y's finite differences overflow."""
    mod = load_module(tmp_path, """
import numpy as np


def h(x, y):
    return any([x, y]) * 2.0 + all((x, 1.0)) + np.minimum(x, y)


def k(x, y):
    return any(x * 2) + y


def m(x, y):
    return np.minimum(np.minimum(y, [], x), -3.0)
""")
    H = sd.symbolic(mod.h)
    for a, b in [(0.0, 0.0), (0.0, 2.0), (1.0, 0.0), (1.0, 2.0)]:
        assert H(a, b) == mod.h(a, b)
    with pytest.raises(sd.SymdiffError, match=r"any\(\) takes a sequence, not a number"):
        sd.symbolic(mod.k)
    with pytest.raises(sd.SymdiffError, match=r"numpy.minimum: takes 2 arguments \(3 given\)"):
        sd.symbolic(mod.m)
    report = sd.check("-(lambda q: q * y)(1e308)", -0.2863)
    assert report["df/dy"].status == "unresolved"


def test_branches_on_values_of_earlier_branches_do_not_hang(tmp_path):
    """Third long fuzz run (a 60 s hang): F.expr substituted Piecewise values into the
    conditions of later branches (`if t1 < 0.5` after t1 = ... if ... else ...), and
    sympy folded them (piecewise_fold, simplify_logic, trigsimp) in exponential time;
    compiling needed F.expr for the docstring."""
    mod = load_module(tmp_path, """
import math
import numpy as np

C0 = math.pi / 4


def f(x, y, v):
    t0 = max([C0, 0.5, C0])
    for i in range(4):
        t0 = 0.5 * t0 + ((1.25 + math.sin(np.mean(v))) ** (-2)
                         if (x if 0.25 * i < 0.3 else -0.75) < -0.2 else max(C0, y))
    t1 = t0 + 3
    for i in range(3):
        t1 = 0.5 * t1 + (np.abs(0.25 * i) if (1.25 + math.sin(t1)) ** 0.5 > 0.1 and t1 < 0.5
                         else v[i + 1] ** 2)
    return (np.mean(v) if t1 < 0.3 else C0) if -0.5 < min(np.mean(v), C0) < 0.8 else y
""")
    F = sd.symbolic(mod.f, shapes={"v": (4,)})
    for x, y in [(0.3, 0.2), (-0.4, 1.1)]:
        v = np.array([0.1, -0.3, 0.7, 0.2])
        assert F(x, y, v) == pytest.approx(mod.f(x, y, v), rel=1e-14)
        assert sd.check(mod.f, x, y, v, order=1, shapes={"v": (4,)}).ok
    assert repr(F).startswith("<symbolic f(x, y, v)") and "def f(x, y, v)" in F.source


def test_math_function_of_a_tuple_argument_and_no_source_errors():
    """hypot(sin(pi), (x1, x)) was accepted (Python: must be a real number); a
    function without source whose body fails on symbols raised a bare NameError."""
    with pytest.raises(sd.SymdiffError, match="math.hypot: takes numbers, not a tuple"):
        sd.symbolic("log(hypot(sin(pi), (x1, x)), 2)")
    ns = {}
    exec("def f(x, y):\n    return rettrn + x\n", ns)
    with pytest.raises(sd.SymdiffError, match="NameError: name 'rettrn' is not defined"):
        sd.symbolic(ns["f"])


def test_float_of_an_array_is_refused(tmp_path):
    """float(v) of a shaped parameter was accepted (verification fuzz run); Python
    raises TypeError: only 0-dimensional arrays can be converted to Python scalars."""
    mod = load_module(tmp_path, """
def f(x, v):
    return float(v) / 3 + x


def g(x, v):
    return float(v[1]) / 3 + float(x)
""")
    with pytest.raises(sd.SymdiffError, match="float: an array argument"):
        sd.symbolic(mod.f, shapes={"v": (3,)})
    G = sd.symbolic(mod.g, shapes={"v": (3,)})
    assert G(0.5, np.array([1.0, 2.0, 3.0])) == pytest.approx(2.0 / 3 + 0.5)


def test_reserved_names_and_overflowing_derivatives():
    """Found last: a variable named `math` shadowed the math module inside the compiled
    gradient (AttributeError: 'float' object has no attribute 'floor'); a derivative
    that overflows to inf next to finite values was a FAIL against nan quotients."""
    for text in ["y % sin(90)*y % math", "numpy + x", "_shape * x"]:
        with pytest.raises(sd.SymdiffSyntaxError, match="unsupported variable name"):
            sd.symbolic(text)
    report = sd.check("(lambda q: q * 1e308)((lambda q: q * x)(x))", 0.6337)
    # not a pass: the symbolic derivative overflows to inf (an 'undefined' row since
    # issue 10 item 9; 'unresolved' before), nothing checks it
    assert not report.ok and report["df/dx"].status == "undefined"
    assert "overflows" in report["df/dx"].message


def test_local_read_before_assignment_and_conditions_as_arguments(tmp_path):
    """Last verification run: `math = (... math.cos(x) ...)` read the global math where
    Python raises UnboundLocalError; exp(not x) built exp(Eq(x, 0)) (no derivative)."""
    mod = load_module(tmp_path, """
import math


def f(x, y):
    math = (1.0 / (1.5 + math.cos(x)), y)
    return x


def g(x, y):
    t = [i * x for i in range(3)]
    i = 2.0
    return sum(t) * i + y
""")
    with pytest.raises(sd.SymdiffError, match="local variable 'math' is read before it is assigned"):
        sd.symbolic(mod.f)
    assert sd.symbolic(mod.g)(0.5, 0.25) == mod.g(0.5, 0.25)
    F = sd.symbolic("exp(not x)")
    assert F(0.0) == math.e and F(1.5) == 1.0 and F.grad(1.5) == (0.0,)


def test_big_integers_in_compiled_code_and_tuple_repetition():
    """cos(10**20 - tau): the integer beyond int64 made numpy's cos fail on an object
    array; q * (1000, nan) with q = z*0 was an empty tuple (exact 0) where Python's
    float 0.0 raises TypeError."""
    F = sd.symbolic("cos(10**20 - tau) + x")
    assert F(0.5) == pytest.approx(math.cos(10**20 - math.tau) + 0.5, rel=1e-15)
    assert F(np.array([0.5]))[0] == pytest.approx(F(0.5), rel=1e-15)
    with pytest.raises(sd.SymdiffError, match="repeating a tuple by a number that depends"):
        sd.symbolic("(lambda q: q * (1000, 2.0))(z * 0)")
    assert len(sd.symbolic("(x, 2) * 3")(0.5)) == 6
