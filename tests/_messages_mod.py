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
