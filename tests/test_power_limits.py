"""Derivatives of powers equal their limit wherever that limit is finite (issue 10,
items 1 and 4): ``x ** 2.0`` at x = 0, sums of squares at their minimiser, a zero
base with a variable exponent (``0.0 ** y``), ``(x ** 2.0) ** (y ** 2.0 + 1.0)`` at
x = 0. Every partial up to order 3, in the Python-float path, the numpy path,
``F.grad``/``F.hessian`` and the other backends, against torch (float64) running
the same source: where torch's value is finite, symdiff's must equal it.
"""

import importlib.util
import itertools
import math

import numpy as np
import pytest

import symdiff as sd

from conftest import load_module

torch_oracle = pytest.importorskip("torch_oracle")

SOURCE = '''
import math
import numpy as np


def square(x):
    return x ** 2.0


def gauss(x):
    return np.exp(-x ** 2.0)


def sin_squared(x):
    return math.sin(x) ** 2.0


def cube(x):
    return x ** 3.0 - x ** 1.0


def power_2_5(x):
    return x ** 2.5


def tower(x, y):
    return (x ** 2.0) ** (y ** 2.0 + 1.0)


def rosenbrock(x, y):
    return (1.0 - x) ** 2.0 + 100.0 * (y - x ** 2.0) ** 2.0


def spellings(x, y):
    return np.power(x, 2.0) * y + math.pow(y, 2.0) + pow(x * y, 2.0)


def variable_exponent(x, y):
    return x ** y


def zero_base(y):
    return 0.0 ** y + np.power(0.0, y)


def product_squared(x, y):
    return (x * y) ** 2.0 + (x * y) ** 4.0


def all_three(x, y):
    return x ** 2.0 + (x ** 2.0) ** (y ** 2.0 + 1.0) + 0.0 ** (y + 2.0)
'''

CASES = {
    "square": [(0.0,), (1.0,), (-1.0,)],
    "gauss": [(0.0,), (1.0,)],
    "sin_squared": [(0.0,), (math.pi,)],
    "cube": [(0.0,), (-1.0,)],
    "power_2_5": [(0.0,), (1.0,)],
    "tower": [(0.0, 1.0), (0.0, 0.0), (0.0, 2.0), (1.0, 1.0)],
    "rosenbrock": [(1.0, 1.0), (0.0, 0.0)],
    "spellings": [(0.0, 0.0), (0.0, 1.0), (1.0, -1.0)],
    "variable_exponent": [(0.0, 2.0), (0.0, 3.0), (0.0, 1.0), (1.0, 0.0), (2.0, 0.0)],
    "zero_base": [(2.0,), (1.0,), (0.5,)],
    "product_squared": [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)],
    "all_three": [(0.0, 1.0), (0.0, 0.0), (0.0, 2.0), (1.0, 1.0)],
}


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    return load_module(tmp_path_factory.mktemp("powers"), SOURCE)


def _indices(n, order):
    return list(itertools.combinations_with_replacement(range(n), order))


def _expect(fn, point, index):
    want = torch_oracle.partial(fn, point, index)
    return want if math.isfinite(want) else None


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_partial_is_the_limit(mod, name):
    fn = getattr(mod, name)
    F = sd.symbolic(fn)
    n = len(F.params)
    for order in (1, 2, 3):
        for index in _indices(n, order):
            D = F.diff(*[F.params[i] for i in index])
            for point in CASES[name]:
                want = _expect(fn, point, index)
                if want is None:
                    continue
                where = f"{name} d{index} at {point}"
                got = D(*point)                                   # Python floats
                assert got == pytest.approx(want, rel=1e-12, abs=1e-12), where
                arrays = [np.array([v, 0.5]) for v in point]      # numpy arrays
                got = np.asarray(D(*arrays))[0]
                assert got == pytest.approx(want, rel=1e-12, abs=1e-12), where + " (numpy)"


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_and_hessian_are_the_limit(mod, name):
    fn = getattr(mod, name)
    F = sd.symbolic(fn)
    n = len(F.params)
    for point in CASES[name]:
        grad = F.grad(*point)
        hess = np.asarray(F.hessian(*point))
        for i in range(n):
            want = _expect(fn, point, (i,))
            if want is not None:
                assert grad[i] == pytest.approx(want, rel=1e-12, abs=1e-12), (name, point, i)
            for j in range(n):
                want = _expect(fn, point, (i, j))
                if want is not None:
                    assert hess[i, j] == pytest.approx(want, rel=1e-12, abs=1e-12), \
                        (name, point, i, j)


BACKENDS = [b for b in ("numba", "jax", "torch") if importlib.util.find_spec(b)]


@pytest.fixture(scope="module")
def jax_x64():
    if "jax" in BACKENDS:
        import jax
        jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_give_the_limit(mod, backend, jax_x64):
    # one function holding the three faults (zero base with a float, a variable and
    # a zero base exponent): each backend compiles two functions, grad and hessian
    fn = mod.all_three
    F = sd.symbolic(fn, backend=backend)
    points = CASES["all_three"]
    args = [np.array([p[k] for p in points]) for k in range(2)]

    def numpy_of(a):
        return np.asarray(a.detach() if hasattr(a, "detach") else a)

    grad = [numpy_of(g) for g in F.grad(*args)]
    hess = numpy_of(F.hessian(*args))
    for k, point in enumerate(points):
        for i in range(2):
            want = _expect(fn, point, (i,))
            assert want is not None and grad[i][k] == pytest.approx(want, rel=1e-12, abs=1e-12), \
                (backend, point, i)
            for j in range(2):
                want = _expect(fn, point, (i, j))
                if want is not None:
                    assert hess[i, j, k] == pytest.approx(want, rel=1e-12, abs=1e-12), \
                        (backend, point, i, j)


def test_float_exponents_keep_their_value_and_expression(mod):
    F = sd.symbolic(mod.square)
    assert str(F.expr) == "x**2.0"
    assert F(3.0) == 9.0
    assert F.diff("x", order=3)(0.0) == 0.0
