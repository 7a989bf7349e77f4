"""Property: a vectorised loop computes what the same loop unrolled computes.

Random loop bodies (sums of random expressions in x[i], x[i+1], x[i+2], x[0] and a
scalar parameter) are written into a module, read with lanes and without
(``F.elementwise()``), and their values and gradients compared. Bodies that cannot be
vectorised must still agree, through the unrolled reading.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symdiff as sd

from conftest import load_module

_DIR = Path(tempfile.mkdtemp(prefix="symdiff_lanes_"))
_counter = itertools.count()
N = 24

LEAVES = ["x[i]", "x[i + 1]", "x[i + 2]", "x[0]", "a", "0.5", "2.0"]
UNARY = ["math.sin({})", "math.cos({})", "math.tanh({})", "math.sqrt(1.0 + ({})**2)",
         "math.exp(-({})**2)", "abs({})"]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "({} / (2.0 + ({})**2))"]


def expressions(depth=3):
    leaf = st.sampled_from(LEAVES)
    if depth == 0:
        return leaf
    sub = expressions(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda f, e: f.format(e), st.sampled_from(UNARY), sub),
        st.builds(lambda f, a, b: f.format(a, b, b) if f.count("{}") == 3 else f.format(a, b),
                  st.sampled_from(BINARY), sub, sub))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(body=expressions(), second=expressions(2), ternary=st.booleans())
def test_vectorised_loop_equals_unrolled(body, second, ternary):
    update = (f"total += ({body}) if x[i] > x[i + 1] else ({second})" if ternary
              else f"total += {body}\n        other = other + {second}")
    source = f"""
import math

def f(x, a):
    total = 0.0
    other = a
    for i in range(N - 2):
        {update}
    return total * a + other
""".replace("N - 2", str(N - 2))
    mod = load_module(_DIR, source, f"symdiff_lanes_{next(_counter)}")
    F = sd.symbolic(mod.f, shapes={"x": (N,)})
    assert F._vectorised() == ("x[i" in update)    # no index: a plain count, no lanes
    U = F.elementwise()
    rng = np.random.default_rng(3)
    for _ in range(2):
        x, a = rng.uniform(-1.5, 1.5, size=N), float(rng.uniform(-2, 2))
        np.testing.assert_allclose(F(x, a), mod.f(x, a), rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(F(x, a), U(x, a), rtol=1e-11, atol=1e-12)
        for got, want in zip(F.grad(x, a), U.grad(x, a)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-11)
