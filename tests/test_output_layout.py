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
