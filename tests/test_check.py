"""Unit tests of ``sd.check`` (three engines, tolerances, flags, report) and
``symdiff.testing`` / ``symdiff.pytest_plugin``."""

import math

import numpy as np
import pytest

import symdiff as sd
from symdiff.pytest_plugin import DerivativeChecker
from symdiff.testing import assert_derivatives_match


def f(x, y):
    return x ** 2 * y + math.sin(y)


def test_ok_report_rows_and_table():
    r = sd.check(f, 1.5, 0.5, order=2)
    assert r.ok
    assert [row.name for row in r.rows] == ["f", "df/dx", "df/dy", "d2f/dx2", "d2f/dxdy", "d2f/dy2"]
    row = r["d2f/dxdy"]
    assert row.symbolic == 3.0 and row.tape == pytest.approx(3.0) and row.finite_diff == pytest.approx(3.0)
    assert row.status == "ok" and row.max_abs_err < 1e-8
    text = str(r)
    for col in ("derivative", "symbolic", "tape", "finite diff", "max abs err", "max rel err", "status"):
        assert col in text
    assert "OK" in text and "x=1.5, y=0.5" in text


def test_symbolic_function_input_and_engines_agree():
    F = sd.symbolic(f)
    r = sd.check(F, 0.3, -2.0)
    assert r.ok
    assert r["df/dy"].tape == pytest.approx(0.3 ** 2 + math.cos(-2.0))


def test_wrong_symbolic_derivative_is_caught():
    F = sd.symbolic(f)
    wrong = sd.symbolic(lambda x, y: x * y)          # should be 2*x*y
    original = F.diff
    F.diff = lambda *names, **kw: wrong if names == ("x",) else original(*names, **kw)
    r = sd.check(F, 1.5, 0.5)
    assert not r.ok
    row = r["df/dx"]
    assert row.status == "FAIL"
    assert "symbolic disagrees with tape and finite differences" in row.message
    assert "FAIL" in str(r) and row in r.failures


def fast(x, y):
    t = 12345678901234567890.0 * x
    return math.sin(t) ** 2 * y + y * y


def test_derivative_beyond_finite_difference_resolution_is_judged_by_the_tape():
    """d/dx is ~1e19: f oscillates far below the smallest step, the difference
    quotients are noise. Symbolic and tape agree; the finite differences do not count
    (found by fuzzing: the report said FAILED for a correct derivative)."""
    r = sd.check(fast, 0.0537, 1.8)
    assert r.ok, str(r)
    row = r["dfast/dx"]
    assert row.status == "ok" and abs(row.symbolic) > 1e18
    assert row.tape == pytest.approx(row.symbolic, rel=1e-12)
    assert "finite differences cannot resolve" in row.message and "symbolic and tape agree" in row.message
    assert row.max_abs_err < 1e-12 * abs(row.symbolic)
    assert r["dfast/dy"].status == "ok" and r["dfast/dy"].message == ""


def test_unresolved_derivative_still_fails_when_symbolic_and_tape_disagree():
    F = sd.symbolic(fast)
    wrong = sd.symbolic(lambda x, y: 2e19 * math.cos(x))
    original = F.diff
    F.diff = lambda *names, **kw: wrong if names == ("x",) else original(*names, **kw)
    r = sd.check(F, 0.0537, 1.8)
    assert not r.ok and r["dfast/dx"].status == "FAIL"
    assert "disagree" in r["dfast/dx"].message


def test_unresolved_derivative_without_tape_is_not_ok():
    r = sd.check("sin(1e19*x)**2", 0.0537)
    row = r["df/dx"]
    assert not r.ok and row.status == "unresolved" and row not in [] and row in r.failures
    assert "nothing else checks the symbolic value" in row.message
    assert "UNRESOLVED" in str(r).splitlines()[1]


def absorbed(x):
    return math.sin(math.sin(x + 1e308))


def test_input_lost_to_rounding_is_beyond_finite_differences():
    """x + 1e308 is 1e308 in floats: every sample equals f(x) and the difference
    quotients are 0, while symbolic and tape give the derivative of the formula
    (found by fuzzing). Judged by symbolic vs tape; without a tape, unresolved."""
    r = sd.check(absorbed, 0.5537)
    row = r["dabsorbed/dx"]
    assert r.ok and row.finite_diff == 0.0 and row.symbolic == pytest.approx(row.tape, rel=1e-15)
    assert "lost to rounding" in row.message
    r = sd.check("sin(sin(x + 1e308))", 0.5537)
    assert not r.ok and r["df/dx"].status == "unresolved"


def test_nan_in_one_engine_only_fails_clearly():
    F = sd.symbolic(f)
    nan = sd.symbolic(lambda x, y: math.sqrt(-1 - x * x))
    original = F.diff
    F.diff = lambda *names, **kw: nan if names == ("y",) else original(*names, **kw)
    r = sd.check(F, 1.0, 2.0)
    assert not r.ok
    assert "symbolic gives nan where tape and finite differences give" in r["df/dy"].message


def test_nan_everywhere_is_not_a_pass():
    """All engines agree on nan where the function is undefined: that proves nothing
    (this test asserted r.ok before issue 10 item 9); see tests/test_check_domain.py."""
    def g(x):
        return math.sqrt(x)
    r = sd.check(g, -1.0)
    assert not r.ok and r["dg/dx"].status == "undefined"
    assert math.isnan(r["dg/dx"].symbolic) and math.isnan(r["dg/dx"].finite_diff)


def test_exact_zero_gradient():
    def g(x, y):
        return (x - 3.0) ** 2 + y ** 4
    r = sd.check(g, 3.0, 0.0, order=2)
    assert r.ok, str(r)
    assert r["dg/dx"].symbolic == 0.0 and r["d2g/dy2"].symbolic == 0.0


def test_huge_values():
    def g(x, y):
        return 1e7 * x ** 3 + x * y * 1e7
    r = sd.check(g, 1e3, 2e4, order=2)
    assert r.ok, str(r)
    assert r["dg/dx"].symbolic == pytest.approx(3e13 + 2e11)


def test_small_scale_variable():
    def g(lam):
        return 1.0 / lam ** 5
    assert sd.check(g, 5e-7, order=2).ok


def test_abs_at_zero_is_nondifferentiable_not_failure():
    def g(x):
        return abs(x)
    r = sd.check(g, 0.0, order=2)
    assert r.ok
    assert r["dg/dx"].status == "nondifferentiable"
    assert r["dg/dx"] in r.nondifferentiable
    assert "nondifferentiable" in str(r)
    assert sd.check(g, 0.5)["dg/dx"].status == "ok"


def test_piecewise_boundary_and_max_tie():
    def g(x):
        if x > 1:
            return 2 * x
        return x * x + 0.5
    r = sd.check(g, 1.0)
    assert r.ok and r["dg/dx"].status == "nondifferentiable"

    def h(x, y):
        return max(x, y) * 2
    r = sd.check(h, 0.7, 0.7)
    assert r.ok and r["dh/dx"].status == "nondifferentiable"
    assert sd.check(h, 0.7, 0.2)["dh/dx"].status == "ok"


def test_near_kink_uses_steps_that_do_not_cross_it():
    def g(x):
        return abs(x) * x
    r = sd.check(g, 1e-6, order=2)
    assert r.ok, str(r)
    assert r["d2g/dx2"].status == "ok"


def test_array_points_broadcast():
    def g(x, y):
        return np.exp(-x) * np.cos(y) if x > 0 else x * y
    xs = np.linspace(-1.0, 1.0, 7)
    r = sd.check(g, xs, 0.3, order=2)
    assert r.shape == (7,)
    assert r.ok, str(r)
    assert r["dg/dx"].symbolic.shape == (7,)
    # x = 0 exactly: the branch switches there
    assert r["dg/dx"].nondifferentiable[3] and r["dg/dx"].status == "ok"
    assert "7 points" in str(r)


def test_high_order_one_variable():
    def g(x):
        return math.exp(math.sin(x))
    r = sd.check(g, 0.4, order=4)
    assert r.ok, str(r)
    assert [row.name for row in r.rows][-1] == "d4g/dx4"


def test_shaped_parameter_and_defaults():
    def g(v, t, scale=2.0):
        return scale * (v[0] * v[1] ** 2 + t * v[2])
    r = sd.check(g, np.array([0.5, -1.0, 2.0]), 1.5, order=2, shapes={"v": (3,)})
    assert r.ok, str(r)
    assert r["dg/dv[1]"].symbolic == pytest.approx(2.0 * 2 * 0.5 * -1.0)
    assert "d2g/dv[0]dv[1]" in [row.name for row in r.rows]
    with pytest.raises(ValueError, match="shape"):
        sd.check(g, np.zeros(2), 1.0, shapes={"v": (3,)})


def test_vector_valued_outputs_named():
    def g(x, y):
        return x * y, x + y ** 2
    r = sd.check(g, 0.5, 2.0)
    assert r.ok
    assert "dg[1]/dy" in [row.name for row in r.rows]
    assert r["dg[1]/dy"].symbolic == 4.0


def test_tape_runs_user_code_with_aliases_helpers_and_augmented_assignment():
    import numpy as onp

    def helper(u):
        return onp.tanh(u) + math.log1p(u * u)

    def g(x, y):
        z = x
        z += y               # Python value semantics, not an in-place tensor update
        return helper(z) * x

    r = sd.check(g, 0.3, 0.2, order=2)
    assert r.ok, str(r)
    assert r["dg/dx"].tape == pytest.approx(r["dg/dx"].symbolic)


def filled_then_multiplied(x):
    out = np.zeros(3)
    out[0] = x[1]
    out[2] = x[0] * x[2]
    return np.sum(out * x) + np.sum(x + np.ones(3)) + np.sum(np.zeros_like(x) + x)


def test_tape_runs_arrays_filled_with_entries_of_a_shaped_parameter():
    # on the tape, np.zeros(3) is an object array holding tensors; it meets the shaped
    # tensor x in "out * x" (the tape raised KeyError: 'O', so sd.check FAILED on
    # correct code)
    r = sd.check(filled_then_multiplied, np.array([0.3, -0.7, 1.1]), shapes={"x": (3,)}, order=2)
    assert r.ok, str(r)
    grad = [r[f"dfilled_then_multiplied/dx[{i}]"].tape for i in range(3)]
    x0, x1, x2 = 0.3, -0.7, 1.1
    # d/dx of x1*x0 + x0*x2*x2 + sum(x) + sum(x), by hand
    assert grad == pytest.approx([x1 + x2 * x2 + 2, x0 + 2, 2 * x0 * x2 + 2], rel=1e-12)


def test_expression_string_has_no_tape_column():
    r = sd.check("x**2*y", 1.0, 2.0)
    assert r.ok and r.rows[1].tape is None
    assert "n/a" in str(r)


def test_assert_derivatives_match():
    assert assert_derivatives_match(f, 0.1, 0.2, order=2).ok
    F = sd.symbolic(f)
    F.diff = lambda *names, **kw: sd.symbolic(lambda x, y: 0 * x + 1.0)
    with pytest.raises(AssertionError, match="derivatives disagree") as info:
        assert_derivatives_match(F, 0.1, 0.2)
    assert "max rel err" in str(info.value)


def test_plugin_checker():
    checker = DerivativeChecker(default_order=2)
    report = checker(f, 0.3, 0.4)
    assert report.order == 2 and checker.reports == [report]


def test_bad_order():
    with pytest.raises(ValueError):
        sd.check(f, 1.0, 2.0, order=-1)


def sums_of_lists(x, y):
    return np.sum([x * x, y]) + np.mean([x, x + 2]) + np.max([x * y, y])


def test_tape_reads_a_list_of_tensors_as_numpy_reads_an_array_like():
    # np.sum([x * x, y]) on the tape took the values of the list and lost the
    # gradient: sd.check reported the tape's derivative as 0 (a false FAIL)
    r = sd.check(sums_of_lists, 0.7, 1.3)
    assert r.ok, str(r)
    # x*y = 0.91 < y: the max is y; by hand d/dx = 2x + 1, d/dy = 1 + 1
    assert r["dsums_of_lists/dx"].tape == pytest.approx(2 * 0.7 + 1, rel=1e-12)
    assert r["dsums_of_lists/dy"].tape == pytest.approx(2, rel=1e-12)


# numpy forms the tape runs with numpy's meaning (sd.check used to skip the tape column)
def _rowmax(x):
    return np.sum(np.max(x.reshape(2, 3), axis=1) * np.array([1.0, 2.0]))


def _colmin_keep(x):
    return np.sum(np.min(x.reshape(2, 3), axis=0, keepdims=True) ** 2)


def _rowprod(x):
    return np.sum(np.prod(x.reshape(2, 3), axis=1, keepdims=True) * np.array([[1.0], [-2.0]]))


def _normalised(x):
    m = x.reshape(2, 3)
    return np.sum((m - np.mean(m, axis=0, keepdims=True)) ** 2 / np.sum(m, axis=1, keepdims=True))


def _sorted_weights(x):
    return np.sum(np.sort(x) * np.arange(1.0, 7.0))


def _running_product(x):
    return np.sum(np.cumprod(x)) + np.sum(np.cumprod(x.reshape(2, 3), axis=1) ** 2)


def _running_sum(x):
    return np.sum(np.cumsum(x.reshape(2, 3), axis=0) ** 3)


def _reversed(x):
    return np.sum(x[::-1] * np.arange(1.0, 7.0)) + np.sum(x[4:0:-2] * x[:2])


def _differences(x):
    return np.sum(np.diff(x) ** 2) + np.sum(np.diff(x.reshape(2, 3), axis=0) ** 3)


def _stacked(x):
    m = np.vstack([x[:3], x[3:] ** 2])
    return np.sum(np.hstack([x, x[:2] * x[4:]]) ** 2) + np.sum(np.flipud(m) * np.fliplr(m))


def _contractions(x):
    m = x.reshape(2, 3)
    return np.einsum("ij,ij->", m, m[::-1]) + np.trace(np.outer(x, x[::-1]), offset=1)


def _pieces(x):
    a, b = np.split(x, 2)
    c, d = np.array_split(x.reshape(2, 3), 2, axis=1)
    return np.sum(a * b) + np.sum(c ** 2) - np.sum(d) + np.sum(np.atleast_2d(x[0]) * x[1])


def _products(x):
    m = x.reshape(2, 3)
    return (np.sum(np.tensordot(m, m.T, 1)) + np.sum(np.kron(x[:2], x[2:4]) ** 2)
            + np.sum(np.repeat(x[:3], 2) * np.arange(6.0)) + np.sum(np.column_stack([x[:3], x[3:]]) ** 3))


def _linear_algebra(x):
    m = x[:4].reshape(2, 2) + 3.0 * np.eye(2)
    sign, logdet = np.linalg.slogdet(m)
    return (np.sum(np.linalg.inv(m)) + np.linalg.det(m) * sign * logdet
            + np.sum(np.linalg.solve(m, x[4:]) ** 2))


@pytest.mark.parametrize("fn,order", [
    (_linear_algebra, 2), (_products, 2), (_contractions, 2), (_pieces, 2), (_differences, 2), (_stacked, 2), (_rowmax, 1), (_colmin_keep, 1), (_rowprod, 2), (_normalised, 2), (_sorted_weights, 1),
    (_running_product, 2), (_running_sum, 2), (_reversed, 2)])
def test_check_array_code_runs_on_the_tape(fn, order):
    """np.max/np.min/np.prod/np.sum/np.mean with axis= and keepdims=, np.sort,
    np.cumprod/np.cumsum(axis=) and x[::-1] run on the tape: the tape column is there
    and agrees, no note says it was skipped."""
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 0.5])
    r = sd.check(sd.symbolic(fn, shapes={"x": (6,)}), x, order=order)
    assert r.ok, str(r)
    assert not [n for n in r.notes if "tape" in n], r.notes
    assert len(r.rows) == sum(6 ** k for k in range(order + 1)) - (15 if order == 2 else 0)
    for row in r.rows:
        assert row.tape is not None, row.name
        assert row.tape == pytest.approx(row.symbolic, rel=1e-12, abs=1e-12), row.name



def angle(y, x):
    return math.atan2(y, x)


@pytest.mark.parametrize("point", [(0.0, 0.0), (0.0, -1.0), (1e-13, -2.0)])
def test_atan2_on_its_branch_cut_is_nondifferentiable_not_a_failure(point):
    # at the origin the symbolic partials are nan and the tape gives torch's 0; on the
    # cut (y = 0, x < 0) atan2 jumps from pi to -pi and finite differences blow up: both
    # were FAIL
    r = sd.check(angle, *point)
    assert r.ok, str(r)
    assert {row.status for row in r.rows[1:]} == {"nondifferentiable"}


def test_atan2_away_from_its_cut_is_checked():
    r = sd.check(angle, 0.0, 1.0)
    assert r.ok and not r.nondifferentiable, str(r)
