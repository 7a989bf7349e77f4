"""A corpus of plain numeric Python functions, one per supported construct.

Each function is registered with ``@corpus(points, shapes=...)``, which only sets
``fn.points`` (sample argument tuples where the function is smooth) and ``fn.shapes``
(shapes of array parameters) and appends it to ``FUNCTIONS``; the function itself is
returned unchanged. Tests parametrise over ``FUNCTIONS`` (value checks here; derivative
checks elsewhere). ``SHAPES`` and ``POINTS`` give the same data by name.
"""

import math
from math import sin as s, sqrt

import numpy
import numpy as np
import numpy as onp

try:                        # importable as tests.functions and as functions (pytest rootdir)
    from tests import _helpers_mod
except ImportError:
    import _helpers_mod
scaled_sin, softplus = _helpers_mod.scaled_sin, _helpers_mod.softplus

FUNCTIONS = []


def corpus(points, shapes=None):
    def register(fn):
        fn.points = [tuple(p) for p in points]
        fn.shapes = dict(shapes or {})
        FUNCTIONS.append(fn)
        return fn
    return register


# module constants, also computed with math at import time
G = 9.81
HALF_PI = math.pi / 2
LOG2 = math.log(2.0)
COEFFS = (1.0, -0.5, 0.25, -0.125)
NP_SCALE = np.float64(0.75)
N_TERMS = 5
MATRIX = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])
WEIGHTS = np.array([0.5, 1.5, -2.0])


def _square_plus(u, c=1.0):
    return u * u + c


def _helper_chain(u):
    # a helper calling a helper
    return _square_plus(u, c=0.5) * math.exp(-u)


def _abs_branch(u):
    if u < 0:
        return -u
    return u


@corpus([(0.7, 1.3), (-1.1, 0.4)])
def polynomial(x, y):
    """Plain arithmetic with all operators."""
    return 3 * x**3 - 2 * x * y + y**2 / 4 - 7


@corpus([(0.3, 2.0), (1.2, -0.7)])
def locals_and_reassign(x, y):
    z = x * y
    z = z + math.sin(x)
    w = z * z
    z = w - y
    return z


@corpus([(0.5, 1.5)])
def tuple_unpacking(x, y):
    a, b = x + y, x - y
    (c, d), e = (a * b, a / b), 2.0
    return c + d * e


@corpus([(0.4, 0.9)])
def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y
    z **= 2
    return z


@corpus([(0.8,), (-0.6,)])
def unary_and_pow(x):
    return -x + (+x) ** 2 - (-x) ** 3 + 2 ** x + x ** 0.5 if x > 0 else -x + x ** 2


@corpus([(1.7, 0.6), (-2.3, 0.9)])
def floordiv_mod(x, y):
    # floor/Mod have zero/one derivatives almost everywhere
    return x // y + x % y + x * y


@corpus([(0.5, 0.2), (-0.5, 0.2)])
def if_else(x, y):
    if x > 0:
        z = x * y
    else:
        z = x + y
    return z * z


@corpus([(2.0,), (0.5,), (-1.5,)])
def if_elif_else(x):
    if x > 1:
        r = x ** 2
    elif x > 0:
        r = math.sin(x)
    else:
        r = -x
    return r + 1


@corpus([(-2.0,), (0.5,), (3.0,)])
def early_return(x):
    if x < 0:
        return -x
    y = x * 2
    if y > 3:
        return y + math.cos(x)
    return y ** 2


@corpus([(0.3, 0.4), (0.3, -0.4), (-0.3, 0.4)])
def conditions_and_or_not(x, y):
    if x > 0 and y > 0:
        return x * y
    if not (x > 0) or y > 1:
        return x - y
    return x + y


@corpus([(0.5,), (2.5,)])
def chained_compare(x):
    if 0 < x < 1:
        return x ** 3
    return x


@corpus([(0.7,), (-0.7,)])
def ternary(x):
    y = x * 2 if x > 0 else -x
    return y + (1.0 if N_TERMS > 3 else 2.0)


@corpus([(0.9,)])
def constant_branch(x):
    if N_TERMS > 3:          # decided when the function is read
        y = x * G
    else:
        y = x
    return y


@corpus([(0.3,), (1.1,)])
def for_range(x):
    total = 0.0
    for k in range(1, N_TERMS + 1):
        total += x ** k / math.factorial(k)
    return total


@corpus([(0.2, 0.3)])
def iterated_map(x, y):
    for _ in range(12):
        y = y * x + math.sin(y)
    return y


@corpus([(0.6,)])
def loop_over_tuple(x):
    acc = 0
    for i, c in enumerate(COEFFS):
        acc = acc + c * x ** i
    return acc


@corpus([(0.4,), (-0.3,)])
def nested_loops_with_branch(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            if x > 0:
                s = s + x * (i + j)
            else:
                s = s - x * (i - j)
    return s


@corpus([(0.5,), (-1.2,)])
def helpers(x):
    return _helper_chain(x) + _abs_branch(x - 2.0)


@corpus([(0.3, 0.8)])
def other_module(x, y):
    return softplus(x) + scaled_sin(y) + _helpers_mod.scaled_sin(x, k=3)


@corpus([(1.3,)])
def nested_def_and_closure(x):
    a = 2.5

    def inner(u, b=1.0):
        return a * u ** 2 + b

    return inner(x) + inner(x, b=3.0)


@corpus([(0.4,)])
def lambda_inside(x):
    sq = lambda u: u * u
    return sq(x) + sq(math.cos(x))


cube_lambda = corpus([(1.1,), (-0.7,)])(lambda x: x ** 3 + 2 * x)


def make_scaled(k):
    def scaled(x):
        return k * math.exp(-x * x) + NP_SCALE
    return scaled


closure_function = corpus([(0.6,)])(make_scaled(3.5))


@corpus([(0.3, 0.7), (1.1, 2.0)])
def math_functions(x, y):
    a = math.sin(x) + math.cos(y) + math.tan(x) + math.asin(x / 2) + math.acos(x / 3)
    b = math.atan(y) + math.atan2(y, x) + math.sinh(x) + math.cosh(y) + math.tanh(x)
    c = math.asinh(y) + math.acosh(y + 2) + math.atanh(x / 2)
    d = math.exp(x) + math.expm1(x) + math.log(y) + math.log(y, 3) + math.log1p(x)
    e = math.log2(y) + math.log10(y) + math.sqrt(y) + math.hypot(x, y) + math.pow(y, 1.5)
    f = math.erf(x) + math.erfc(y) + math.gamma(y + 1) + math.lgamma(y + 1)
    return a + b + c + d + e + f + math.fabs(x - 2) + s(x) + sqrt(y)


@corpus([(0.3, 0.7), (-0.4, 1.9)])
def numpy_functions(x, y):
    a = np.sin(x) + numpy.cos(y) + onp.arctan2(y, x) + onp.arcsinh(x) + np.exp2(x)
    b = np.cbrt(x) + np.log2(y) + np.hypot(x, y) + np.power(y, 2.5) + np.square(x)
    c = np.maximum(x, y) + np.minimum(x, 0.1) + np.clip(x, -0.2, 0.2) + np.abs(x)
    d = np.where(x > 0, x * y, y) + np.sign(x) * x + np.expm1(y) + np.log1p(y)
    return a + b + c + d + np.pi * np.e


@corpus([(0.3, -0.8, 1.2)])
def builtins_min_max_sum(x, y, z):
    a = max(x, y, z) + min(x, y) + min((x, z)) + max([y, z])
    b = sum((x, y, z)) + sum([x, y], 1.0) + abs(y) + pow(z, 3)
    c = len((x, y, z)) * float(x) + int(2.7)
    return a + b + c


@corpus([(1.2, 0.4)])
def vector_valued(x, y):
    return x * y, math.sin(x) + y, [x, y][1] ** 2


@corpus([(1.2, 0.4)])
def list_return(x, y):
    r = [x + y, x - y]
    return r


@corpus([(0.5, 2.0)])
def keyword_defaults(x, y=2.0, *, scale=3.0):
    return scale * x ** y


@corpus([(0.3, 0.6)])
def annotated(x: float, y: float) -> float:
    z: float = x * y
    pass
    return z + 1


@corpus([(0.8,)])
def constants_from_math(x):
    return math.sin(x + HALF_PI) * LOG2 + math.pi * math.e + math.tau * 0


@corpus([(-0.2,), (0.7,)])
def piecewise_chain(x):
    y = x
    if x > 0.5:
        y = y * 2
    if x > 0:
        y = y + 1
    if x < -0.1:
        y = y - math.sin(x)
    return y


@corpus([((0.1, 0.2, 0.3, 0.4),), ((1.0, -1.0, 0.5, 2.0),)], shapes={"x": (4,)})
def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total


@corpus([((0.5, -1.0, 2.0), 1.5)], shapes={"v": (3,)})
def shaped_vector_ops(v, t):
    a = v.sum() + v.mean() + np.sum(v) + len(v) + v.shape[0]
    b = v[0] * v[-1] + np.dot(v, WEIGHTS) + (v @ MATRIX @ v)
    c = sum(v[i] ** 2 for i in range(len(v))) + sum(v[1:]) - sum(v[:-1])
    return a + b + c * t


@corpus([(((1.0, 2.0), (0.5, -0.3)),)], shapes={"A": (2, 2)})
def shaped_matrix(A):
    det = A[0, 0] * A[1, 1] - A[0][1] * A[1][0]
    tr = A[0, 0] + A[1, 1]
    return det + tr ** 2 + np.sum(A * A)


@corpus([((0.3, 0.8, -0.5),)], shapes={"x": (3,)})
def elementwise_array_out(x):
    y = np.sin(x) * 2 + np.exp(-x) + x ** 2
    return y


@corpus([((0.3, 0.8, -0.5),)], shapes={"x": (3,)})
def list_comprehension(x):
    sq = [x[i] * x[i] for i in range(3) if i != 1]
    return sum(sq) + max(x[i] for i in range(3))


@corpus([((0.3, 0.8, -0.5), 0.7)], shapes={"x": (3,)})
def loop_over_array(x, a):
    acc = 0
    for xi, w in zip(x, WEIGHTS):
        acc = acc + w * math.tanh(a * xi)
    return acc


@corpus([((0.3, 0.8, -0.5),)], shapes={"x": (3,)})
def item_assignment(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * (i + 1)
    return out.sum() + out[2]


@corpus([(0.3,), (-0.3,)])
def return_inside_loop_branch(x):
    y = x
    for k in range(4):
        if y > 1:
            return y * k
        y = y * 2 + 0.1
    return -y


SHAPES = {fn.__name__: fn.shapes for fn in FUNCTIONS if fn.shapes}
POINTS = {fn.__name__: fn.points for fn in FUNCTIONS}
