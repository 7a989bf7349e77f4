"""Every backend against the numpy backend: values, gradients, Hessians and
Jacobians (scalar, tuple and stacked-array layouts), scalar inputs, broadcasting.
A backend whose package is not installed is skipped."""

import importlib.util
import math

import numpy as np
import pytest

import symdiff as sd
from symdiff import backends


def branchy(x, y):
    z = x**2 * y
    if x > 0:
        z += math.sin(y)
    return z + math.exp(-x) + math.erf(x * y) + abs(x) + max(x, y)


def vector(x, y, z):
    return (x * y, math.hypot(x, z) + math.atan2(y, x), math.tanh(z) * math.log(1 + y * y))


def bs_call(S, sigma, T):
    d1 = (math.log(S / 100.0) + (0.05 + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return (S * 0.5 * (1 + math.erf(d1 / math.sqrt(2.0)))
            - 100.0 * math.exp(-0.05 * T) * 0.5 * (1 + math.erf(d2 / math.sqrt(2.0))))


X = np.linspace(-2.0, 2.0, 7)
Y = np.linspace(0.5, 1.5, 5)[:, None]       # broadcasts with X to (5, 7)

CASES = [
    # (function, derived functions to compare, arguments)
    (branchy, ("value", "grad", "hessian", "dx_dy"), (X, Y)),
    (vector, ("value", "jacobian"), (X, Y, 0.3)),
    (bs_call, ("grad",), (np.linspace(60.0, 140.0, 9), 0.25, np.array([[0.5], [2.0]]))),
]


def _derived(F, what):
    if what == "value":
        return F
    if what == "dx_dy":
        return F.diff(F.params[0], F.params[1])
    return getattr(F, what)


def _as_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _compare(got, want, rtol=1e-13, atol=1e-13):
    got_parts = got if isinstance(got, tuple) else (got,)
    want_parts = want if isinstance(want, tuple) else (want,)
    assert len(got_parts) == len(want_parts)
    for g, w in zip(got_parts, want_parts):
        g = _as_numpy(g)
        assert g.shape == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def _installed(module):
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def jax_x64():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)     # compare in float64
    return jax


# -- numba: the fused loop --------------------------------------------------------------

@pytest.mark.skipif(not _installed("numba"), reason="numba not installed")
@pytest.mark.parametrize("fn, whats, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_numba_matches_numpy(fn, whats, args):
    N, B = sd.symbolic(fn), sd.symbolic(fn, backend="numba")
    for what in whats:
        want, got = _derived(N, what)(*args), _derived(B, what)(*args)
        _compare(got, want)
        assert type(got) is type(want)


@pytest.mark.skipif(not _installed("numba"), reason="numba not installed")
def test_numba_layouts_scalars_and_source():
    N, B = sd.symbolic(branchy), sd.symbolic(branchy, backend="numba")
    # Python floats: numpy float64 scalars, as the numpy backend returns
    for what in ("value", "grad"):
        got, want = _derived(B, what)(0.7, 1.2), _derived(N, what)(0.7, 1.2)
        parts = got if isinstance(got, tuple) else (got,)
        assert all(type(p) is np.float64 for p in parts)
        _compare(got, want)
    H = B.hessian(0.7, 1.2)
    assert isinstance(H, np.ndarray) and H.shape == (2, 2)
    _compare(H, N.hessian(0.7, 1.2))
    # int and float32 inputs, a non-contiguous input, and an empty one
    _compare(B.grad(np.arange(-3, 4), np.float32(0.5)), N.grad(np.arange(-3.0, 4.0), 0.5))
    m = np.linspace(-1, 1, 12).reshape(3, 4)
    _compare(B.grad(m.T, m.T[::-1]), N.grad(m.T, m.T[::-1]))
    assert B.grad(np.empty(0), 1.0)[0].shape == (0,)
    # F.source is the kernel for one point, the lines once; numba runs it in one loop
    # writing every output (not printed)
    src = B.grad.source
    assert src.count("def ") == 1 and "math.cos(" in src and "prange" not in src
    loop = B.grad.compiled().entry_source
    assert "for _i in prange(" in loop and "_res[1, _i] = _o[1]" in loop


@pytest.mark.skipif(not _installed("numba"), reason="numba not installed")
def test_numba_parallel_loop_on_many_points():
    n = backends.PARALLEL_MIN
    x = np.linspace(-2.0, 2.0, n)
    B = sd.symbolic("x**2*y + sin(x*y) + exp(-x**2)", backend="numba")
    N = sd.symbolic("x**2*y + sin(x*y) + exp(-x**2)")
    _compare(B.grad(x, 0.5), N.grad(x, 0.5))


@pytest.mark.skipif(not _installed("numba"), reason="numba not installed")
def test_numba_unsupported_and_shaped():
    G = sd.symbolic("lgamma(x)*x", backend="numba").diff("x", order=2)    # polygamma
    with pytest.raises(backends.BackendError, match="polygamma"):
        G(1.5)
    # shaped parameters: numpy code under the numba backend, same results
    V = sd.symbolic(lambda v: v[0] * v[1] ** 2, shapes={"v": (2,)}, backend="numba")
    W = sd.symbolic(lambda v: v[0] * v[1] ** 2, shapes={"v": (2,)})
    v = np.array([[1.0, 2.0], [3.0, -1.0]])
    _compare(V.grad(v), W.grad(v))
    assert "shaped" in V.grad.source


# -- jax / torch: the numpy code on another array library ---------------------------------

@pytest.mark.parametrize("fn, whats, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_jax_matches_numpy(jax_x64, fn, whats, args):
    N, B = sd.symbolic(fn), sd.symbolic(fn, backend="jax")
    for what in whats:
        got = _derived(B, what)(*args)
        parts = got if isinstance(got, tuple) else (got,)
        assert all(isinstance(p, jax_x64.Array) and p.dtype == np.float64 for p in parts)
        _compare(got, _derived(N, what)(*args))
    # scalars give 0-d arrays; the compiled function composes with jax transformations
    assert B(0.7, 1.2).shape == () if fn is branchy else True


def test_jax_composes_with_grad(jax_x64):
    F = sd.symbolic("x**2*y + sin(x*y)", backend="jax")
    g = jax_x64.grad(lambda x: F(x, 2.0))(0.5)
    np.testing.assert_allclose(float(g), float(F.grad(0.5, 2.0)[0]), rtol=1e-14)


@pytest.mark.parametrize("fn, whats, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_torch_matches_numpy(fn, whats, args):
    torch = pytest.importorskip("torch")
    N, B = sd.symbolic(fn), sd.symbolic(fn, backend="torch")
    for what in whats:
        got = _derived(B, what)(*args)
        parts = got if isinstance(got, tuple) else (got,)
        assert all(isinstance(p, torch.Tensor) and p.dtype == torch.float64 for p in parts)
        _compare(got, _derived(N, what)(*args))


def test_torch_special_functions_and_tensor_inputs():
    torch = pytest.importorskip("torch")
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 4.0])
    for expr in ("gamma(x)", "lgamma(x + 3)", "erfc(x)", "cbrt(x) + abs(x) + sign(x)"):
        N, B = sd.symbolic(expr), sd.symbolic(expr, backend="torch")
        _compare(B(torch.as_tensor(x)), N(x), rtol=1e-12)
    G = sd.symbolic("lgamma(x)", backend="torch").diff("x", order=2)      # polygamma(1, x)
    # torch's own polygamma is good to ~5e-10 relative (trigamma(0.5) = pi**2/2 is off by 3e-10)
    _compare(G(x[3:]), sd.symbolic("lgamma(x)").diff("x", order=2)(x[3:]), rtol=2e-9)


# -- choosing a backend ---------------------------------------------------------------------

def test_unknown_and_missing_backends():
    with pytest.raises(ValueError, match="unknown backend 'fortran'; available: numpy, numba"):
        sd.symbolic("x", backend="fortran")
    if not _installed("cupy"):
        with pytest.raises(ImportError, match="backend 'cupy' needs cupy"):
            sd.symbolic("x", backend="cupy")


def test_cupy_matches_numpy():
    cp = pytest.importorskip("cupy")
    N, B = sd.symbolic(branchy), sd.symbolic(branchy, backend="cupy")
    _compare(cp.asnumpy(B.grad(X, Y)[0]), N.grad(X, Y)[0])
