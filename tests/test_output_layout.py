"""What a function returns, F returns (issue 10, item 7): an ndarray for
``np.array([...])``, a tuple for a tuple or list, a number for a number; at one
point and over arrays of points (trailing axes), and from an exported module."""

import numpy as np
import pytest

import symdiff as sd


def as_array(x):
    return np.array([x, 2 * x])


def as_matrix(x, y):
    return np.array([[x * y, x], [y, x - y]])


def as_tuple(x):
    return (x, 2 * x)


def as_list(x):
    return [x, 2 * x]


def test_array_return_is_an_ndarray():
    F = sd.symbolic(as_array)
    out = F(1.5)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert np.array_equal(out, as_array(1.5))
    out = F(np.array([1.0, 2.0, 3.0]))
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    assert np.array_equal(out, [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])


def test_matrix_return_keeps_its_shape():
    F = sd.symbolic(as_matrix)
    out = F(2.0, 3.0)
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)
    assert np.array_equal(out, as_matrix(2.0, 3.0))
    assert F(np.ones(4), np.zeros(4)).shape == (2, 2, 4)
    assert np.asarray(F.jacobian(2.0, 3.0)).shape == (4, 2)


@pytest.mark.parametrize("fn", [as_tuple, as_list])
def test_sequences_return_tuples(fn):
    out = sd.symbolic(fn)(1.5)
    assert isinstance(out, tuple) and out == (1.5, 3.0)


def test_exported_array_return_is_an_ndarray(tmp_path):
    import runpy
    path = sd.symbolic(as_array).export(tmp_path / "as_array.py")
    mod = runpy.run_path(str(path))
    out = mod[mod["__all__"][0]](1.5)
    assert isinstance(out, np.ndarray) and np.array_equal(out, [1.5, 3.0])


def zero_d_constant(x):
    return np.array(2.0)


def zero_d_of_x(x):
    return np.asarray(x) * 3.0


@pytest.mark.parametrize("fn, value, slope", [(zero_d_constant, 2.0, 0.0),
                                              (zero_d_of_x, 4.5, 3.0)])
def test_zero_d_array_return_is_a_number(fn, value, slope):
    # numpy's reductions and jax.grad treat a 0-d array as a scalar output: so does F,
    # and its gradient is F.grad (it said "returns 1 values: use .jacobian")
    F = sd.symbolic(fn)
    assert F(1.5) == pytest.approx(value) == float(fn(1.5))
    (g,) = F.grad(1.5)
    assert g == slope
    assert F.hessian(1.5).shape == (1, 1)


def huge_constant_slope(x):
    c = 3
    for _ in range(30):
        c = c * 7 + 1          # exact integers: c grows to about 10**25
        x = x * c + 1
    return x


def test_derivative_constant_beyond_float_range_is_inf():
    # d/dx is the product of the 30 c's, about 10**393: an exact integer the printer
    # once turned into float() and raised OverflowError at compile time
    F = sd.symbolic(huge_constant_slope)
    assert F(1.0) == huge_constant_slope(1.0) == np.inf
    (g,) = F.grad(1.0)
    assert g == np.inf
    (g,) = F.grad(np.array([1.0, -1.0]))
    assert np.all(g == np.inf)


def empty_array(x, y):
    return np.zeros(0)


def test_empty_array_return_is_refused_with_a_message():
    # the compiled function raised StopIteration (found by benchmarks/fuzz.py)
    with pytest.raises(sd.SymdiffError, match=r"returns an empty array \(shape \(0,\)\)"):
        sd.symbolic(empty_array)
