"""Functions with the mistakes the usability review made (tests/test_messages.py)."""

import numpy as np
import scipy.optimize
import scipy.special


def dict_param(p):
    return p["a"] * p["b"]


def dict_call(a, b):
    q = dict(a=a, b=b)
    return q["a"] * q["b"]


def minus_list(x):
    return x - [1.0, 2.0]


def rosen_call(v):
    return scipy.optimize.rosen(v)


def constant_library_call(x):
    return x * scipy.special.factorial(5)


def index_w(w):
    return w[0] * w[1]


def appends(x):
    out = []
    out.append(x)
    return out[0]


def loops(x):
    while x > 1:
        x = x / 2
    return x


# genuine numpy errors in whole-array code (sizes given as numbers): numpy's reason
def split_in_two(x):
    a, b = np.split(x, 2)
    return np.sum(a * b)


def reshape_to_four(x):
    return np.sum(np.reshape(x, (2, 2)))


def concatenate_ranks(x, y):
    return np.sum(np.concatenate([x, y[None]]))


def unpack_three_of_two(x):
    a, b, c = np.array_split(x, 2)
    return np.sum(a * c)


def split_then_mismatch(x):
    a, b = np.split(x, 2)
    return np.sum(a @ np.ones(3))
