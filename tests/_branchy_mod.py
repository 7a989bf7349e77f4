"""Functions whose untaken branch is nan or inf at the test points (see test_branch_gradients)."""
import math

import numpy as np


def sqrt_branch(x):
    if x > 0:
        t = math.sqrt(x)
        z = t * 2
    else:
        z = -x
    return 3 * z


def log_ternary(x, y):
    return math.log(x) * y if x > 0 else x * y * y


def early_return(x):
    if x <= 0:
        return x ** 2
    r = math.log(x)
    return r * r


def nested(x, y):
    if x > 0:
        if y > 0:
            v = math.sqrt(x * y)
        else:
            v = math.log(x) - y
    else:
        v = x + y
    return v * v


def numpy_where(x):
    return np.where(x > 0, np.sqrt(x), -x)
