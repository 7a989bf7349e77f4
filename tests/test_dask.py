"""Compiled numpy-backend functions on dask arrays: results stay lazy until
``.compute()`` and equal the numpy results (issue 5, "Backends and scale-out")."""

import math

import numpy as np
import pytest

import symdiff as sd

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

N = 1_000_000
CHUNK = 125_000


def branchy(x, y):
    z = x**2 * y
    if x > 0:
        z += math.sin(y)
    return z + math.erf(x * y) + math.exp(-x * x)


def bs_like(S, sigma):
    d1 = (math.log(S / 100.0) + 0.5 * sigma**2) / sigma
    return S * 0.5 * (1 + math.erf(d1 / math.sqrt(2.0)))


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(5)
    x = rng.uniform(-2.0, 2.0, N)
    y = rng.uniform(0.1, 2.0, N)
    return x, y


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _lazy(out):
    parts = out if isinstance(out, tuple) else (out,)
    assert all(isinstance(p, da.Array) for p in parts), [type(p) for p in parts]
    return parts


def test_gradient_over_a_million_chunked_points_is_lazy_and_exact(points):
    x, y = points
    F = sd.symbolic(branchy)
    dx, dy = da.from_array(x, chunks=CHUNK), da.from_array(y, chunks=CHUNK)
    lazy = _lazy(F.grad(dx, dy))
    assert lazy[0].chunks == dx.chunks            # chunk by chunk, no rechunking
    expected = F.grad(x, y)
    for got, want in zip(lazy, expected):
        np.testing.assert_allclose(got.compute(), want, rtol=1e-14, atol=1e-14)


def test_special_functions_and_hessian_stay_lazy(points):
    x, y = points
    F = sd.symbolic(bs_like)
    S = da.from_array(80.0 + 40.0 * (x[:20_000] + 2.0) / 4.0, chunks=5_000)
    sigma = da.from_array(0.1 + y[:20_000] / 5.0, chunks=5_000)
    (H,) = _lazy(F.hessian(S, sigma))
    assert H.shape == (2, 2, 20_000)
    np.testing.assert_allclose(H.compute(), F.hessian(S.compute(), sigma.compute()),
                               rtol=1e-13, atol=1e-13)


def test_broadcasting_and_integer_dask_inputs():
    F = sd.symbolic(branchy)
    xi = da.arange(-6, 6, chunks=4)               # int dtype: converted lazily
    gx, gy = _lazy(F.grad(xi[:, None], 0.5))
    assert gx.shape == (12, 1)
    want = F.grad(np.arange(-6.0, 6.0)[:, None], 0.5)
    np.testing.assert_allclose(gx.compute(), want[0], rtol=1e-14)
    np.testing.assert_allclose(gy.compute(), want[1], rtol=1e-14)


def test_threaded_scheduler_gives_the_same_numbers(points):
    x, y = points
    F = sd.symbolic(branchy)
    dx = da.from_array(x[:100_000], chunks=25_000)
    dy = da.from_array(y[:100_000], chunks=25_000)
    with dask.config.set(scheduler="threads"):
        got = dask.compute(*F.grad(dx, dy))
    for g, w in zip(got, F.grad(x[:100_000], y[:100_000])):
        np.testing.assert_array_equal(g, w)


def test_constant_partials_stay_lazy():
    F = sd.symbolic("3*x + x*y")
    dx = da.ones(10, chunks=5)
    gx, gy = _lazy(F.grad(dx, 2.0))
    np.testing.assert_array_equal(gx.compute(), np.full(10, 5.0))
    np.testing.assert_array_equal(gy.compute(), np.ones(10))
    (H,) = _lazy(F.hessian(dx, 2.0))
    assert H.shape == (2, 2, 10)
    np.testing.assert_array_equal(H.compute()[:, :, 0], [[0.0, 1.0], [1.0, 0.0]])
