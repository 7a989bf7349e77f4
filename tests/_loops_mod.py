"""Loops for test_vectorised_loops: some read as lanes, some that must be unrolled."""
import math

import numpy as np

N = 40


def rosen(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def two_sums_assign_form(x, a):
    s = a
    q = 0.0
    for i in range(N):
        s = s + math.sin(a * x[i]) * x[N - 1 - i]
        q += math.exp(-x[i] ** 2) if x[i] > 0 else x[i] ** 2
    return s * q


def reversed_strided(x):
    total = 1.0
    for i in range(N - 1, 0, -2):
        total += x[i] * x[i - 1]
    return total


def columns(m):
    total = 0.0
    for i in range(N):
        total += m[i, 0] * m[i, 1] - math.log(1.0 + m[i, 1] ** 2)
    return total


def invariant_and_count(x, a):
    count = 0.0
    total = 0.0
    for i in range(N):
        scale = 2.0 * a
        total += scale * x[i]
        count += 1.0
    return total / count + scale


# -- these must be unrolled (the lane reading would be wrong) ---------------------
def recurrence(x):
    y = x[0]
    for i in range(N):
        y = y * x[i] * 0.5 + math.sin(y)
    return y


def running_sum_read(x):
    s = 0.0
    total = 0.0
    for i in range(N):
        s += x[i]
        total += s * x[i]
    return total


def counter_read(x):
    k = 0.0
    total = 0.0
    for i in range(N):
        k += 1.0
        total += k * x[i]
    return total


def wraps_around(x):
    total = 0.0
    for i in range(N):
        total += x[i - 1] * x[i]       # x[-1] at i = 0
    return total


def uses_index(x):
    total = 0.0
    for i in range(N):
        if i == 0:
            total += 10.0 * x[i]
        total += x[i] ** 2
    return total


def last_value(x):
    total = 0.0
    for i in range(N):
        v = np.tanh(x[i])
        total += v
    return total + v


def anchored(x, a):
    total = 0.0
    for i in range(1, N):
        total += (x[i] - x[0]) ** 2 * a + math.cos(a * x[0] * x[i])
    return total
