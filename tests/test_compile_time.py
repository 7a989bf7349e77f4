"""Compiling never waits on the flat expression (issue 10, item 5).

The docstring of generated code shows the function's expression; it is written from
the graph, not by building ``F.expr``, whose automatic evaluation by sympy can take
minutes (ten nested ``tanh`` of a ``max``: more than 60 s on the first call before).
Speed itself is measured by ``benchmarks/long_programs.py``, not asserted here."""

import math

import numpy as np

import symdiff as sd


def tanh_chain(a):
    g = 1.0 / (a + 2.8) ** 4
    q = max(g, a)
    for i in range(10):
        q = math.tanh(q)
    return q


def test_first_call_does_not_build_the_flat_expression():
    F = sd.symbolic(tanh_chain)
    assert F(0.3) == tanh_chain(0.3)
    assert F._expr is None                      # F.expr was not built to compile
    G = F.grad
    assert G(0.3)[0] == G(np.array([0.3]))[0][0]
    assert G._expr is None and F._expr is None
    doc = F.compiled().fn.__doc__
    assert "tanh" in doc and "Max" in doc       # the expression is still shown


def test_benchmark_generator_programs_read_and_compile():
    import importlib.util
    import pathlib
    import random
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "long_programs.py"
    spec = importlib.util.spec_from_file_location("long_programs", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    src = mod.program(random.Random(1), 12)
    ns = {}
    import linecache
    linecache.cache["<long-program>"] = (len(src), None, src.splitlines(True), "<long-program>")
    exec(compile(src, "<long-program>", "exec"), ns)
    F = sd.symbolic(ns["f"])
    assert math.isclose(F(0.3, -0.7), ns["f"](0.3, -0.7), rel_tol=1e-12, abs_tol=1e-12)
