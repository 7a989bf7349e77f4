"""Fuzzing (issue 6, hardening): a bounded, deterministic run of ``tests/fuzzing.py``.

* random valid programs (locals, augmented assignment, branches, ternaries, early
  returns, short and 16+-step loops, helpers calling helpers, module constants,
  min/max/abs, a shaped parameter) checked by ``sd.check`` to order 2 (symbolic vs
  tape vs finite differences) and by value against the plain function, at points
  away from every kink;
* broken input (mutated ASTs, truncated and stale source, random bytes/unicode,
  random expression strings) must raise an accepted error with a message, or give
  the plain function's values and derivatives;
* the minimal failing examples the fuzzer found, as regression tests.

The long run is ``python benchmarks/fuzz.py --budget-seconds 600``. Every example
runs under a SIGALRM time limit, so a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symdiff as sd

import fuzzing
from conftest import load_module


def _settings(n):
    return settings(derandomize=True, max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# =================================================================== valid programs
@_settings(30)
@given(st.data())
def test_random_programs_agree_with_tape_and_finite_differences(data):
    program = data.draw(fuzzing.programs(), label="program")
    pts = data.draw(fuzzing.points(program), label="points")
    fuzzing.check_program(program, pts, order=2, timeout=60)


# =================================================================== regressions
def test_min_max_of_a_constant_0d_array(tmp_path):
    """np.where of constants folds to a 0-d array; min/max of it and a symbol raised
    SymdiffError ("The argument '0.7' is not comparable")."""
    mod = load_module(tmp_path, """
import numpy as np

A = np.where(0.5 > 0.1, 0.7, 0.5)


def f(x, y):
    return min(np.where(0.5 > 0.1, 0.7, 0.5), x) + max(A, y)
""")
    F = sd.symbolic(mod.f)
    for x, y in [(0.3, 1.2), (1.1, -0.4)]:
        assert F(x, y) == pytest.approx(mod.f(x, y), rel=1e-15)
        assert sd.check(mod.f, x, y, order=2).ok
