"""Loops read once as lanes (vectorised) and loops that must be unrolled.

A loop over range() with at least VECTOR_MIN steps is first read with its index
standing for every step (``x[i]`` becomes the slice ``x[0:n]``); that is exact
only for sums over the steps. Each case compares values and gradients with the
user's own Python function and finite differences, and says whether the loop
was vectorised: a wrong vectorisation must never be possible.
"""

import math
import re

import numpy as np
import pytest

import symdiff as sd

from conftest import central_grad
from symdiff import limits

try:
    from tests import _loops_mod as m
except ImportError:                 # pragma: no cover - tests/ itself on sys.path
    import _loops_mod as m

N = m.N
RNG = np.random.default_rng(7)



CASES = [
    # function, shapes, extra args, vectorised?
    (m.rosen, {"x": (N,)}, (), True),
    (m.two_sums_assign_form, {"x": (N,)}, (0.7,), True),
    (m.reversed_strided, {"x": (N,)}, (), True),
    (m.columns, {"m": (N, 2)}, (), True),
    (m.invariant_and_count, {"x": (N,)}, (1.3,), True),
    (m.anchored, {"x": (N,)}, (0.8,), True),
    (m.recurrence, {"x": (N,)}, (), False),
    (m.running_sum_read, {"x": (N,)}, (), False),
    (m.counter_read, {"x": (N,)}, (), False),
    (m.wraps_around, {"x": (N,)}, (), False),
    (m.uses_index, {"x": (N,)}, (), False),
    (m.last_value, {"x": (N,)}, (), False),
]


@pytest.mark.parametrize("fn, shapes, rest, vectorised", CASES, ids=[c[0].__name__ for c in CASES])
def test_values_and_gradients_match_python(fn, shapes, rest, vectorised):
    F = sd.symbolic(fn, shapes=shapes)
    assert F._vectorised() is vectorised
    (shape,) = shapes.values()
    x = RNG.uniform(0.2, 0.9, size=shape)
    assert F(x, *rest) == pytest.approx(fn(x, *rest), rel=1e-12)
    grads = F.grad(x, *rest)
    g = grads[0]
    np.testing.assert_allclose(g, central_grad(fn, x, *rest), rtol=1e-6, atol=1e-7)
    for k, a in enumerate(rest):       # scalar parameters used in every step
        h = 1e-6
        args_p = list(rest)
        args_m = list(rest)
        args_p[k] += h
        args_m[k] -= h
        want = (fn(x, *args_p) - fn(x, *args_m)) / (2 * h)
        assert float(grads[1 + k]) == pytest.approx(want, rel=1e-6)
    if vectorised:
        # the loop's slices are read whole (x[0:39], or reversed) and summed
        # (the operator precedence of this check made it pass on any shaped source)
        assert "numpy.sum(" in F.source, F.source
        assert re.search(r"\w\[\d*:\d*(:-?\d+)?[],]|_reversed_slice\(", F.source), F.source
        # the unrolled reading agrees to rounding (sums in another order)
        twin = F.elementwise()
        assert not twin._vectorised()
        np.testing.assert_allclose(g, twin.grad(x, *rest)[0], rtol=1e-12, atol=1e-12)


def test_batches_broadcast_over_trailing_axes():
    F = sd.symbolic(m.rosen, shapes={"x": (N,)})
    xb = RNG.normal(size=(N, 5))
    np.testing.assert_allclose(F(xb), [m.rosen(xb[:, k]) for k in range(5)], rtol=1e-12)
    (g,) = F.grad(xb)
    assert g.shape == (N, 5)
    np.testing.assert_allclose(g[:, 2], F.grad(xb[:, 2])[0], rtol=1e-13)


def test_what_lanes_cannot_do_goes_through_the_unrolled_reading():
    F = sd.symbolic(m.rosen, shapes={"x": (N,)})
    x = RNG.uniform(-1, 1, size=N)
    H = F.hessian(x)
    assert H.shape == (N, N)
    np.testing.assert_allclose(H, H.T)
    assert H[0, 0] == pytest.approx(1200 * x[0] ** 2 - 400 * x[1] + 2, rel=1e-12)
    assert F.diff("x_3")(x) == pytest.approx(F.grad(x)[0][3], rel=1e-12)
    assert F.expr.has(F.symbols["x"][N - 1])          # one term per element
    assert sd.check(F, x).ok


@pytest.mark.timeout(120)  # a hang guard, not a speed goal: benchmarks/ measures speed
def test_hand_written_rosenbrock_agrees_and_large_n_compiles_fast():
    n = 100_000
    G = sd.symbolic(m.rosen, shapes={"x": (n,)}).grad
    x = RNG.uniform(-1, 1, size=n)
    (g,) = G(x)
    d = x[1:] - x[:-1] ** 2
    want = np.zeros(n)
    want[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
    want[1:] += 200 * d
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-9)


def test_short_loops_are_unrolled():
    def short(x):
        total = 0.0
        for i in range(limits.VECTOR_MIN - 1):
            total += x[i] ** 2
        return total
    assert not sd.symbolic(short, shapes={"x": (20,)})._vectorised()


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_vectorised_loops_on_other_backends(backend):
    pytest.importorskip(backend)
    F = sd.symbolic(m.two_sums_assign_form, shapes={"x": (N,)}, backend=backend)
    ref = sd.symbolic(m.two_sums_assign_form, shapes={"x": (N,)})
    x = RNG.uniform(-0.9, 0.9, size=N)
    assert float(np.asarray(F(x, 0.3))) == pytest.approx(ref(x, 0.3), rel=1e-12)
    for got, want in zip(F.grad(x, 0.3), ref.grad(x, 0.3)):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-14)


def test_export_of_a_vectorised_gradient(tmp_path):
    import subprocess
    import sys
    G = sd.symbolic(m.rosen, shapes={"x": (N,)}).grad
    G.export(tmp_path / "grad_rosen.py")
    x = np.linspace(-0.5, 0.8, N)
    code = ("import sys; sys.path.insert(0, '.'); import numpy as np, grad_rosen; "
            f"x = np.linspace(-0.5, 0.8, {N}); print(repr(grad_rosen.grad_rosen(x)[0].tolist()))")
    out = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    np.testing.assert_allclose(eval(out.stdout), G(x)[0], rtol=1e-15)
