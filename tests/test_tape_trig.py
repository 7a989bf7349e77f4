"""The fused sine/cosine of the tape (symdiff.tape.trig) and the nodes that use it.

Accuracy is measured against mpmath at 200 bits, in ulps of the true value, on
random points of several ranges and on the doubles nearest to multiples of pi/2
(where the argument reduction cancels most); special values must be numpy's own.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

from symdiff import tape
from symdiff.tape import trig


def _max_ulps(got, fn, xs) -> float:
    worst = mpmath.mpf(0)
    with mpmath.workprec(200):
        for g, v in zip(got, xs):
            true = fn(mpmath.mpf(float(v)))
            ulp = mpmath.mpf(float(np.spacing(abs(float(true)))))
            worst = max(worst, abs(mpmath.mpf(float(g)) - true) / ulp)
    return float(worst)


_rng = np.random.default_rng(20261129)
_k = _rng.integers(-300_000, 300_000, 1500).astype(float)
SAMPLES = {
    "small": _rng.uniform(-4.0, 4.0, 1500),
    "medium": _rng.uniform(-1e5, 1e5, 1500),
    "up to 2**19": _rng.uniform(-2.0**19, 2.0**19, 1500),
    "near k*pi/2": _k * (np.pi / 2),
    "next to k*pi/2": np.nextafter(_k * (np.pi / 2), np.inf),
    "tiny": np.concatenate([_rng.uniform(-1e-8, 1e-8, 500), [5e-324, -5e-324, 1e-310]]),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_sincos_is_within_one_ulp_of_the_true_values(name):
    xs = SAMPLES[name]
    s, c = trig.sincos(xs)
    assert _max_ulps(s, mpmath.sin, xs) < 1.0
    assert _max_ulps(c, mpmath.cos, xs) < 1.0


def test_sincos_special_values_are_numpys():
    xs = np.array([0.0, -0.0, 5e-324, -5e-324, np.inf, -np.inf, np.nan, 1e300, -1e22,
                   2.0**19, -2.0**19, np.nextafter(2.0**19, np.inf), np.pi, -np.pi / 2])
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        s, c = trig.sincos(xs)
    with warnings.catch_warnings(record=True) as numpys:
        warnings.simplefilter("always")
        ws, wc = np.sin(xs), np.cos(xs)
    far = np.abs(xs) > 2.0**19
    np.testing.assert_array_equal(s[far | (xs == 0)], ws[far | (xs == 0)])
    np.testing.assert_array_equal(np.signbit(s), np.signbit(ws))      # sin(-0.0) = -0.0
    np.testing.assert_allclose(s, ws, rtol=2.3e-16, atol=0)
    np.testing.assert_allclose(c, wc, rtol=2.3e-16, atol=0)
    # inf warns "invalid value" exactly as numpy's sin and cos do
    assert sorted(str(w.message) for w in ours) == sorted(str(w.message) for w in numpys)


@pytest.mark.parametrize("shape", [(1,), (trig.MIN_SIZE,), (3 * 8192 + 17,), (300, 70)])
def test_sincos_shapes_and_layouts(shape):
    x = _rng.uniform(-50.0, 50.0, shape)
    for arr in (x, x.T, x[::-1]):
        s, c = trig.sincos(arr)
        assert s.shape == c.shape == arr.shape
        np.testing.assert_allclose(s, np.sin(arr), rtol=2.3e-16, atol=1e-300)
        np.testing.assert_allclose(c, np.cos(arr), rtol=2.3e-16, atol=1e-300)


# -- the nodes ---------------------------------------------------------------------

N = 3 * trig.MIN_SIZE + 5


@pytest.fixture
def xs():
    return np.random.default_rng(7).uniform(-6.0, 6.0, N)


@pytest.mark.parametrize("fn, d, d2", [
    (tape.sin, np.cos, lambda v: -np.sin(v)),
    (tape.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)),
])
def test_large_sin_and_cos_gradients(xs, fn, d, d2):
    x = tape.tensor(xs, requires_grad=True)
    y = fn(x)
    np.testing.assert_allclose(y.detach().numpy(), fn(tape.tensor(xs)).numpy(), rtol=2.3e-16,
                               atol=1e-300)
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), d(xs), rtol=2.3e-16, atol=1e-300)
    first = x.grad.numpy().copy()
    x.grad = None
    y.sum().backward()                     # retained: the kept half is unchanged
    np.testing.assert_array_equal(x.grad.numpy(), first)
    # second derivatives run the rules on tensors (create_graph), not the kept half
    x2 = tape.tensor(xs, requires_grad=True)
    (g,) = tape.grad(fn(x2).sum(), x2, create_graph=True)
    (h,) = tape.grad(g.sum(), x2)
    np.testing.assert_allclose(h.numpy(), d2(xs), rtol=1e-15, atol=1e-300)


def test_large_sin_without_grad_is_numpys_sin(xs):
    with tape.no_grad():
        y = tape.sin(tape.tensor(xs, requires_grad=True))
    np.testing.assert_array_equal(y.numpy(), np.sin(xs))
    np.testing.assert_array_equal(tape.cos(tape.tensor(xs)).numpy(), np.cos(xs))


def test_in_place_change_after_large_sin_still_raises(xs):
    x = tape.tensor(xs, requires_grad=True)
    u = x * 1.0
    y = tape.sin(u)
    u.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_grad_fn_call_uses_the_kept_half(xs):
    x = tape.tensor(xs, requires_grad=True)
    y = tape.cos(x)
    (gx,) = y.grad_fn(tape.ones_like(y))
    np.testing.assert_allclose(gx.numpy(), -np.sin(xs), rtol=2.3e-16, atol=1e-300)


def test_matches_torch_on_a_large_graph(xs):
    torch = pytest.importorskip("torch")
    x = tape.tensor(xs, requires_grad=True)
    (tape.sin(x) * tape.cos(x * 0.5)).sum().backward()
    t = torch.tensor(xs, requires_grad=True)
    (torch.sin(t) * torch.cos(t * 0.5)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("way", ["sincos", "_numpy_pair"])
def test_sin_and_cos_gives_both_ways_within_one_ulp_of_numpy(way, monkeypatch):
    """Whichever way ``sin_and_cos`` chose on this machine, the pair is numpy's to 1 ulp."""
    monkeypatch.setattr(trig, "_chosen", [getattr(trig, way)])
    xs = np.linspace(-50.0, 50.0, 3 * trig.MIN_SIZE + 5)
    s, c = trig.sin_and_cos(xs)
    assert np.all(np.abs(s - np.sin(xs)) <= np.spacing(np.abs(np.sin(xs))))
    assert np.all(np.abs(c - np.cos(xs)) <= np.spacing(np.abs(np.cos(xs))))
