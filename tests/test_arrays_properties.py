"""Property test: the array reading agrees with the element-wise reading.

Random small whole-array programs (elementwise functions with broadcasting, matrix
products, sums and means along axes, transposes, indexing) are written to a module
file, read both ways by symdiff (the array reading, and the element-wise reading of
the same function, its twin), and their values and gradients compared.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiff as sd
from symdiff.arrays import ArrayFunction

from conftest import load_module

SHAPES = {"X": (2, 3), "v": (3,), "u": (2,)}

UNARY = ["np.sin({})", "np.tanh({})", "np.exp(0.3 * {})", "({}) ** 2", "np.log(1 + ({}) ** 2)",
         "-({})", "np.sqrt(({}) ** 2 + 1.0)", "np.cos({}) * 0.5"]
BINARY = ["({}) + ({})", "({}) * ({})", "({}) - ({})", "({}) / (1.5 + ({}) ** 2)"]


def expr(shape: str, depth: int):
    """A strategy for source text of an expression of shape ``shape`` ("23", "3", "2", "")."""
    leaves = {"23": ["X", "X * v", "u[:, None] * X"], "3": ["v", "X[1]"], "2": ["u", "X[:, 0]"],
              "": ["np.sum(v)", "u[0]"]}[shape]
    if depth <= 0:
        return st.sampled_from(leaves)
    sub = expr(shape, depth - 1)
    options = [st.sampled_from(leaves),
               st.tuples(st.sampled_from(UNARY), sub).map(lambda t: t[0].format(t[1])),
               st.tuples(st.sampled_from(BINARY), sub, sub).map(lambda t: t[0].format(t[1], t[2]))]
    if shape == "3":
        options += [expr("23", depth - 1).map(lambda e: f"np.sum({e}, axis=0)"),
                    expr("2", depth - 1).map(lambda e: f"({e}) @ X"),
                    expr("23", depth - 1).map(lambda e: f"np.mean(({e}).T, axis=1)")]
    if shape == "2":
        options += [expr("23", depth - 1).map(lambda e: f"({e}) @ v"),
                    expr("23", depth - 1).map(lambda e: f"np.sum(({e}) * 0.5, axis=1)")]
    if shape == "23":
        options += [st.tuples(expr("2", depth - 1), expr("3", depth - 1))
                    .map(lambda t: f"({t[0]})[:, None] * ({t[1]})")]
    if shape == "":
        options += [expr("3", depth - 1).map(lambda e: f"({e}) @ ({e})"),
                    expr("23", depth - 1).map(lambda e: f"np.mean({e})")]
    return st.one_of(*options)


PROGRAMS = st.tuples(expr("23", 3), expr("3", 2), expr("", 2)).map(
    lambda t: f"np.sum({t[0]}) + np.sum({t[1]}) + {t[2]}")

_counter = iter(range(10 ** 9))


@settings(max_examples=12, deadline=None)
@given(PROGRAMS, st.integers(0, 2 ** 31 - 1))
def test_array_reading_agrees_with_elementwise_reading(tmp_path_factory, body, seed):
    d = tmp_path_factory.mktemp("arrprop")
    mod = load_module(d, f"import numpy as np\n\n\ndef f(X, v, u):\n    return {body}\n",
                      name=f"_arrays_prop_{next(_counter)}")
    F = sd.symbolic(mod.f, shapes=SHAPES)
    assert isinstance(F, ArrayFunction), F.source.splitlines()[0]
    twin = F.elementwise()
    rng = np.random.default_rng(seed)
    args = [rng.normal(size=s) for s in SHAPES.values()]
    a, b = float(F(*args)), float(twin(*args))
    assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), body
    for ga, gb in zip(F.grad(*args), twin.grad(*args)):
        ga, gb = np.asarray(ga), np.asarray(gb)
        assert ga.shape == gb.shape, body
        assert np.max(np.abs(ga - gb)) <= 1e-9 * max(1.0, np.max(np.abs(gb))), body
