"""Array functions on other backends: ``sd.symbolic(fn, shapes=..., backend=...)`` prints
the array code with jax.numpy (jit-compiled) or torch functions (``@``, einsum,
reductions, sort, scatter-adds), and numba runs the numpy array code; results equal
the numpy backend's."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import symdiff as sd
from symdiff import backends

RNG = np.random.default_rng(11)


def mlp(X, Y, W1, b1, W2, b2):
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


MLP_SHAPES = {"X": ("n", "i"), "Y": ("n", "o"), "W1": ("i", "h"), "b1": ("h",),
              "W2": ("h", "o"), "b2": ("o",)}
MLP_ARGS = (RNG.standard_normal((8, 3)), RNG.standard_normal((8, 2)), RNG.standard_normal((3, 4)),
            RNG.standard_normal(4), RNG.standard_normal((4, 2)), RNG.standard_normal(2))


def mixed(x, A):
    z = np.sort(x) @ A + np.pad(x, (1, 0))[:-1] + np.flip(x)
    return (np.sum(np.max(np.outer(z, x), axis=1)) + np.prod(np.cos(z))
            + np.sum(x[[0, 2, 2]] ** 2) + np.linalg.det(A) + np.sum(np.cumsum(x))
            + np.sum(np.mean(np.roll(A, 1, axis=0), axis=0, keepdims=True) * np.diff(x)[0])
            + np.sum(np.cumprod(x) * x[::-1]))


MIXED_SHAPES = {"x": (4,), "A": (4, 4)}
MIXED_ARGS = (RNG.standard_normal(4), RNG.standard_normal((4, 4)) + 3 * np.eye(4))


def quad(x, A):
    return x @ A @ x + np.sum(np.tanh(x) ** 2)


@pytest.fixture(scope="module")
def jax_x64():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _close(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = g.detach().numpy() if hasattr(g, "detach") else np.asarray(g)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


CASES = [(mlp, MLP_SHAPES, MLP_ARGS), (mixed, MIXED_SHAPES, MIXED_ARGS)]


def _derivatives(F, fn):
    out = [("value", F), ("grad", sd.grad(F))]
    if fn is not mlp:
        out.append(("hessian", sd.hessian(F, wrt="x")))
    return out


@pytest.mark.parametrize("fn, shapes, args", CASES, ids=["mlp", "mixed"])
def test_jax_array_code(jax_x64, fn, shapes, args):
    N, J = sd.symbolic(fn, shapes=shapes), sd.symbolic(fn, shapes=shapes, backend="jax")
    for (what, n), (_, j) in zip(_derivatives(N, fn), _derivatives(J, fn)):
        got = j(*args)
        parts = got if isinstance(got, tuple) else (got,)
        assert all(isinstance(p, jax_x64.Array) for p in parts), what
        _close(got, n(*args))
    assert "numpy.einsum" in sd.grad(J).source or "@" in sd.grad(J).source
    # jax arrays in, and the compiled function under jax.grad of a sum
    jargs = [jax_x64.numpy.asarray(a) for a in args]
    _close(sd.grad(J)(*jargs), sd.grad(N)(*args))


def test_jax_hvp_and_scatter(jax_x64):
    F = sd.symbolic(quad, shapes={"x": ("d",), "A": ("d", "d")}, backend="jax")
    x, A, v = RNG.standard_normal(5), RNG.standard_normal((5, 5)), RNG.standard_normal(5)
    N = sd.symbolic(quad, shapes={"x": ("d",), "A": ("d", "d")})
    _close(sd.hvp(F, wrt="x")(x, A, v), sd.hvp(N, wrt="x")(x, A, v))
    assert ".at[" in sd.grad(sd.symbolic(mixed, shapes=MIXED_SHAPES, backend="jax")).source


@pytest.mark.parametrize("fn, shapes, args", CASES, ids=["mlp", "mixed"])
def test_torch_array_code(fn, shapes, args):
    torch = pytest.importorskip("torch")
    N, T = sd.symbolic(fn, shapes=shapes), sd.symbolic(fn, shapes=shapes, backend="torch")
    for (what, n), (_, t) in zip(_derivatives(N, fn), _derivatives(T, fn)):
        got = t(*args)
        parts = got if isinstance(got, tuple) else (got,)
        assert all(isinstance(p, torch.Tensor) and p.dtype == torch.float64 for p in parts), what
        _close(got, n(*args))
    src = sd.grad(T).source
    assert "torch." in src and "numpy.sum" not in src and "optimize=True" not in src
    # tensors as arguments
    _close(sd.grad(T)(*[torch.as_tensor(a) for a in args]), sd.grad(N)(*args))


def test_torch_refuses_what_it_cannot_spell():
    pytest.importorskip("torch")

    def two_index_arrays(A):
        return np.sum(A[[0, 1, 1], [2, 2, 0]] ** 2)
    F = sd.symbolic(two_index_arrays, shapes={"A": (3, 3)}, backend="torch")
    A = np.arange(9.0).reshape(3, 3)
    assert float(F(A)) == 2.0 ** 2 + 5.0 ** 2 + 3.0 ** 2
    with pytest.raises(backends.BackendError, match="torch backend.*numpy or jax"):
        sd.grad(F)(A)


@pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba not installed")
def test_numba_runs_the_numpy_array_code():
    N = sd.symbolic(mlp, shapes=MLP_SHAPES)
    B = sd.symbolic(mlp, shapes=MLP_SHAPES, backend="numba")
    _close(sd.grad(B)(*MLP_ARGS), sd.grad(N)(*MLP_ARGS))
    assert "numba backend: shaped parameters use numpy code" in sd.grad(B).source


def test_with_backend_keeps_the_array_code(jax_x64):
    N = sd.grad(sd.symbolic(mixed, shapes=MIXED_SHAPES))
    J = N.with_backend("jax")
    assert type(J) is type(N) and J.backend == "jax"
    _close(J(*MIXED_ARGS), N(*MIXED_ARGS))
    with pytest.raises(ValueError, match="unknown backend"):
        N.with_backend("tensorflow")


def test_cupy_array_code():
    cp = pytest.importorskip("cupy")
    N, C = sd.symbolic(mlp, shapes=MLP_SHAPES), sd.symbolic(mlp, shapes=MLP_SHAPES, backend="cupy")
    got = sd.grad(C)(*MLP_ARGS)
    assert all(isinstance(p, cp.ndarray) for p in got)
    _close(tuple(cp.asnumpy(p) for p in got), sd.grad(N)(*MLP_ARGS))
