"""A refusal that says what Python does is true for every input (issue 10, item 6).

"division by zero: Python raises ZeroDivisionError here for every input" is said
only where that holds; where Python raises for some inputs only (a branch, a
condition used as a number) or not at all (numpy's nan from np.power of a negative
base), the code is read, and the values are Python's where Python has one.
"""

import math

import numpy as np
import pytest

import symdiff as sd


def condition_as_factor(b, c):
    return 1.0 / ((c <= 1.2) * b)


def zero_on_one_branch(x):
    if x < 1.0:
        x = x - x
        if x > 0.5:
            return x
    return 5.0 / x


def numpy_nan_constant(x):
    unused = np.power(-1.007, 0.5)
    return x * 2.0 + 0.0 * unused


def log_on_one_branch(x):
    if x < 0.0:
        y = math.log(x - x)
    else:
        y = math.log(x + 1.0)
    return y * x


def _python(fn, *args):
    try:
        return fn(*args)
    except (ZeroDivisionError, ValueError):
        return None


@pytest.mark.parametrize("fn, points", [
    (condition_as_factor, [(1.0, 1.0), (2.0, -1.0), (0.5, 1.1)]),
    (zero_on_one_branch, [(1.5,), (2.0,), (7.5,)]),
    (log_on_one_branch, [(0.5,), (2.0,)]),
])
def test_read_where_python_raises_for_some_inputs(fn, points):
    F = sd.symbolic(fn)
    for point in points:
        want = _python(fn, *point)
        assert want is not None
        assert F(*point) == pytest.approx(want, rel=1e-14)
        assert np.asarray(F(*[np.array([v]) for v in point]))[0] == pytest.approx(want, rel=1e-14)
    G = F.grad
    h = 1e-6
    for point in points:
        for k in range(len(point)):
            up = list(point); up[k] += h
            down = list(point); down[k] -= h
            fd = (fn(*up) - fn(*down)) / (2 * h)
            assert G(*point)[k] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_inputs_where_python_raises_give_numpys_value():
    F = sd.symbolic(zero_on_one_branch)
    assert F(0.25) == math.inf                       # Python: 5.0/0.0 raises; numpy: inf
    assert math.isnan(sd.symbolic(log_on_one_branch)(-1.0))


def test_numpy_nan_constant_is_read():
    with np.errstate(invalid="ignore"):
        want = numpy_nan_constant(3.0)
    F = sd.symbolic(numpy_nan_constant)
    assert math.isnan(want) and math.isnan(F(3.0))


@pytest.mark.parametrize("source, message", [
    ("def f(x):\n    return x / 0\n", "for every input"),
    ("def f(x):\n    return x / (x - x)\n", "for every input"),
    ("def f(x):\n    y = 0.0\n    return math.log(y) * x\n", "raised ValueError"),
    ("def f(x):\n    if 2 > 1:\n        return x / 0.0\n    return x\n", "for every input"),
])
def test_refusals_for_every_input_stay(tmp_path, source, message):
    from conftest import load_module
    mod = load_module(tmp_path, "import math\n\n" + source)
    with pytest.raises(sd.SymdiffError, match=message):
        sd.symbolic(mod.f).expr
