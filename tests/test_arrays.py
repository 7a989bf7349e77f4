"""Arrays stay arrays (symdiff/arrays): whole-array numpy code read, differentiated and
compiled at the array level.

Every gradient is compared with its hand-written closed form (the issue's
problems) or with JAX's (x64) gradient of the same source run on ``jax.numpy``;
the array reading is compared with the element-wise reading on random programs
(``test_arrays_properties.py``).
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import symdiff as sd
from symdiff.arrays import ArrayFunction

RNG = np.random.default_rng(12)


def logistic(X, y, w):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def mlp(X, Y, W1, b1, W2, b2):
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


def factorisation(X, U, V):
    return np.sum((X - U @ V.T) ** 2)


def softmax_ce(X, W, Y):
    Z = X @ W
    m = np.max(Z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    return -np.sum(Y * (Z - lse)) / X.shape[0]


def rastrigin(x):
    return np.sum(x ** 2.0 - 10 * np.cos(2 * np.pi * x))


def griewank_prod(x):
    n = x.shape[0]
    return np.prod(np.cos(x / np.sqrt(np.arange(1, n + 1))))


def close(a, b, rtol=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape
    scale = max(1.0, float(np.max(np.abs(b))))
    assert float(np.max(np.abs(a - b), initial=0.0)) <= rtol * scale


# -- the problems, against their closed forms -------------------------------------

@pytest.mark.parametrize("n, d", [(7, 3), (40, 5)])
def test_logistic_gradient_closed_form_named_sizes(n, d):
    F = sd.symbolic(logistic, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)})
    assert isinstance(F, ArrayFunction)
    X, y, w = RNG.normal(size=(n, d)), np.sign(RNG.normal(size=n)), RNG.normal(size=d)
    close(F(X, y, w), logistic(X, y, w))
    s = 1 / (1 + np.exp(y * (X @ w)))
    gX, gy, gw = F.grad(X, y, w)
    close(gw, -X.T @ (y * s))
    close(gy, -(X @ w) * s)
    close(gX, np.outer(-y * s, w))


def test_one_reading_serves_every_size():
    F = sd.symbolic(logistic, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)})
    G = F.gradient("w")
    src = G.source
    for n, d in ((3, 2), (50, 7)):
        X, y, w = RNG.normal(size=(n, d)), np.ones(n), RNG.normal(size=d)
        close(G(X, y, w)[0], -X.T @ (y / (1 + np.exp(y * (X @ w)))))
    assert G.source == src


def test_mlp_gradient_closed_form():
    shapes = {"X": ("n", "d"), "Y": ("n", "k"), "W1": ("d", "h"), "b1": ("h",),
              "W2": ("h", "k"), "b2": ("k",)}
    F = sd.symbolic(mlp, shapes=shapes)
    X, Y = RNG.normal(size=(9, 4)), RNG.normal(size=(9, 2))
    W1, b1, W2, b2 = RNG.normal(size=(4, 6)), RNG.normal(size=6), RNG.normal(size=(6, 2)), RNG.normal(size=2)
    H = np.tanh(X @ W1 + b1)
    R = 2 * (H @ W2 + b2 - Y) / Y.size
    D = (R @ W2.T) * (1 - H ** 2)
    g = F.grad(X, Y, W1, b1, W2, b2)
    for got, want in zip(g, (D @ W1.T, -R, X.T @ D, D.sum(0), H.T @ R, R.sum(0))):
        close(got, want)
    src = F.gradient(("W1", "b1", "W2", "b2")).source
    assert src.count("\n") < 40 and "@" in src and "einsum" not in src


def test_factorisation_and_softmax_closed_forms():
    F = sd.symbolic(factorisation, shapes={"X": ("m", "n"), "U": ("m", "r"), "V": ("n", "r")})
    X, U, V = RNG.normal(size=(6, 5)), RNG.normal(size=(6, 2)), RNG.normal(size=(5, 2))
    E = X - U @ V.T
    gU, gV = F.gradient(("U", "V"))(X, U, V)
    close(gU, -2 * E @ V)
    close(gV, -2 * E.T @ U)
    S = sd.symbolic(softmax_ce, shapes={"X": ("n", "d"), "W": ("d", "k"), "Y": ("n", "k")})
    X, W = RNG.normal(size=(8, 5)), RNG.normal(size=(5, 3))
    Y = np.eye(3)[RNG.integers(0, 3, 8)]
    Z = X @ W
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    close(S(X, W, Y), softmax_ce(X, W, Y))
    close(S.gradient("W")(X, W, Y)[0], X.T @ (P - Y) / 8)


def test_scipy_style_functions():
    R = sd.symbolic(rastrigin, shapes={"x": (100,)})
    P = sd.symbolic(griewank_prod, shapes={"x": (100,)})
    assert isinstance(R, ArrayFunction) and isinstance(P, ArrayFunction)
    x = RNG.uniform(-2, 2, 100)
    close(R.grad(x)[0], 2 * x + 20 * np.pi * np.sin(2 * np.pi * x))
    c = np.sqrt(np.arange(1, 101))
    want = -np.sin(x / c) / c * np.prod(np.cos(x / c)) / np.cos(x / c)
    close(P.grad(x)[0], want)


# -- named sizes, errors, fallback -------------------------------------------------------------

def test_disagreeing_sizes_name_parameter_and_size():
    F = sd.symbolic(logistic, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)})
    with pytest.raises(ValueError, match=r"size 'd' disagrees: argument 'X' has d = 3 .* "
                                         r"argument 'w' has d = 4"):
        F(np.ones((5, 3)), np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="argument 'y' has shape"):
        F(np.ones((5, 3)), np.ones((5, 1)), np.ones(3))


def test_refusals_name_function_and_argument():
    def bad_kw(x):
        return np.sum(x, axes=0)

    def bad_dtype(x):
        return np.sum(x, dtype=int)

    with pytest.raises(sd.SymdiffError, match=r"numpy\.sum.*unexpected keyword argument 'axes'"):
        sd.symbolic(bad_kw, shapes={"x": ("n",)})
    with pytest.raises(sd.SymdiffError, match=r"numpy\.sum: the argument dtype="):
        sd.symbolic(bad_dtype, shapes={"x": ("n",)})


def test_keepdims_false_is_accepted():
    def f(x):
        return np.sum(np.max(x, axis=1, keepdims=False) ** 2)
    F = sd.symbolic(f, shapes={"x": (3, 4)})
    x = RNG.normal(size=(3, 4))
    close(F(x), f(x))
    g = np.zeros((3, 4))
    g[np.arange(3), x.argmax(1)] = 2 * x.max(1)
    close(F.grad(x)[0], g)


def test_loop_falls_back_to_elementwise_and_says_so():
    def f(x):
        s = 0.0
        for i in range(3):
            s = s + x[i] * x[i + 1]
        return s
    F = sd.symbolic(f, shapes={"x": (4,)})
    assert not isinstance(F, ArrayFunction)
    assert F.source.startswith("# read element by element: a for loop")
    with pytest.raises(sd.SymdiffError, match="for loop"):
        sd.symbolic(f, shapes={"x": ("n",)})


def test_batch_axes_use_the_elementwise_reading():
    def f(v):
        return np.sum(v * v)
    F = sd.symbolic(f, shapes={"v": (3,)})
    v = RNG.normal(size=(3, 2))
    close(F(v), np.sum(v * v, axis=0))
    close(F.grad(v)[0], 2 * v)


def test_elements_and_second_derivatives_through_the_array_graph():
    def f(v, t):
        return t * (v[0] * v[1] ** 2) + np.sum(np.sin(v))
    F = sd.symbolic(f, shapes={"v": (3,)})
    assert isinstance(F, ArrayFunction)
    v, t = np.array([0.5, -1.0, 2.0]), 1.5
    close(F.diff("v[1]")(v, t), 2 * t * v[0] * v[1] + np.cos(v[1]))
    close(F.diff("v[1]", "v[0]")(v, t), 2 * t * v[1])
    close(F.diff("v[2]", "v[2]")(v, t), -np.sin(v[2]))
    assert sd.check(F, v, t, order=2).ok


def test_check_on_array_programs():
    F = sd.symbolic(mlp, shapes={"X": (3, 2), "Y": (3, 1), "W1": (2, 2), "b1": (2,),
                                 "W2": (2, 1), "b2": (1,)})
    args = [RNG.normal(size=s) for s in [(3, 2), (3, 1), (2, 2), (2,), (2, 1), (1,)]]
    report = sd.check(F, *args)
    assert report.ok, str(report)


# -- coverage: numpy functions against JAX ----------------------------------------------------

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

#: (function of numpy code, shapes); the same source is run by JAX as the oracle
CASES = [
    (lambda x: np.sum(np.exp(x) * np.sin(x)), {"x": (3, 4)}),
    (lambda x: np.sum(np.tanh(x) ** 2 + np.log1p(x * x)), {"x": (5,)}),
    (lambda x: np.sum(np.mean(x, axis=0) @ np.mean(x, axis=1, keepdims=True) ** 3), {"x": (4, 4)}),
    (lambda x: np.sum(np.max(x, axis=0) + np.min(x, axis=1).mean()), {"x": (3, 4)}),
    (lambda x: np.prod(x + 3.0, axis=1).sum(), {"x": (2, 3)}),
    (lambda A, B: np.sum(np.dot(A, B) ** 2), {"A": (3, 4), "B": (4, 2)}),
    (lambda a, b: np.inner(a, b) + np.outer(a, b).sum() * 0.5, {"a": (3,), "b": (3,)}),
    (lambda A: np.trace(A @ A) + np.sum(np.diag(A) ** 3), {"A": (3, 3)}),
    (lambda A, B: np.sum(np.tensordot(A, B, axes=([1, 2], [0, 1])) ** 2), {"A": (2, 3, 4), "B": (3, 4, 2)}),
    (lambda A, B: np.sum(np.einsum("ij,jk,ik->i", A, B, A) ** 2), {"A": (3, 4), "B": (4, 4)}),
    (lambda A, B: np.sum(np.einsum("...ij,...jk->...ik", A, B) ** 2), {"A": (2, 3, 4), "B": (2, 4, 3)}),
    (lambda A, B: np.sum(np.matmul(A, B) ** 2), {"A": (2, 3, 4), "B": (4, 2)}),
    (lambda x: np.sum(np.reshape(x, (3, 4)).T @ np.ravel(x)[:3]), {"x": (2, 6)}),
    (lambda x: np.sum(np.transpose(x, (2, 0, 1)) * np.arange(24.0).reshape(4, 2, 3)), {"x": (2, 3, 4)}),
    (lambda x: np.sum(np.squeeze(x) ** 2) + np.sum(np.expand_dims(x, 0) ** 3), {"x": (3, 1)}),
    (lambda x: np.sum(x[1:, ::2] ** 2) + x[0, -1] * x[-1, 0] + np.sum(x[None, :, 1]), {"x": (3, 4)}),
    (lambda x: np.sum(x[np.array([0, 2, 2])] ** 2) + np.sum(x[:, [1, 0]] * 3.0), {"x": (3, 2)}),
    (lambda x, y: np.sum(np.concatenate([x, y], axis=1) ** 2 * np.arange(5.0)), {"x": (2, 3), "y": (2, 2)}),
    (lambda x, y: np.sum(np.stack([x, y], axis=1) ** 3) + np.sum(np.vstack([x, y]) * 2), {"x": (3,), "y": (3,)}),
    (lambda x: np.sum(np.repeat(x, 2, axis=0) ** 2) + np.sum(np.tile(x, (2, 1)) ** 3), {"x": (2, 3)}),
    (lambda x: np.sum(np.where(x > 0, x ** 2, -x)), {"x": (6,)}),
    (lambda x: np.sum(np.clip(x, -0.5, 0.5) ** 2) + np.sum(np.maximum(x, 0.1) * np.minimum(x, 0.2)), {"x": (7,)}),
    (lambda x: np.sum(np.tril(x) ** 2 + np.triu(x, 1) * 3.0), {"x": (3, 3)}),
    (lambda x: np.sum(np.roll(x, 1) * np.arange(5.0)) + np.sum(np.flip(x) ** 3), {"x": (5,)}),
    (lambda x: np.sum(np.cumsum(x, axis=1) ** 2), {"x": (2, 4)}),
    (lambda x: np.linalg.norm(x) + np.linalg.norm(x, axis=1).sum() + np.linalg.norm(x, ord=1, axis=0).sum(), {"x": (3, 4)}),
    (lambda A: np.linalg.det(A) + np.sum(np.linalg.inv(A) ** 2), {"A": (3, 3)}),
    (lambda A, b: np.sum(np.linalg.solve(A, b) ** 2), {"A": (3, 3), "b": (3,)}),
    (lambda A, B: np.sum(np.linalg.solve(A, B) ** 2), {"A": (3, 3), "B": (3, 2)}),
    (lambda x: np.sum(np.var(x, axis=0) + np.std(x, axis=1, ddof=1).mean()), {"x": (4, 3)}),
    (lambda x: np.sum(np.abs(x) + np.sqrt(x * x + 1.0) + np.arctan2(x, 2.0) + np.hypot(x, 1.0)), {"x": (5,)}),
    (lambda x: np.sum(np.atleast_2d(x).T @ np.atleast_2d(x)), {"x": (3,)}),
    (lambda x: np.sum(np.logaddexp(x, 0.5 * x) + np.sinh(x) + np.cosh(x) + np.arcsinh(x)), {"x": (4,)}),
    (lambda x: x.sum(axis=0).dot(x.mean(axis=1)) + x.T.reshape(-1)[2], {"x": (3, 3)}),
]


def _jax_version(fn):
    return types.FunctionType(fn.__code__, {**fn.__globals__, "np": jnp}, fn.__name__,
                              fn.__defaults__, fn.__closure__)


def _point(shapes):
    out = []
    for name, shape in shapes.items():
        a = RNG.normal(size=shape)
        if name == "A" and len(shape) == 2 and shape[0] == shape[1]:
            a = a + 3 * np.eye(shape[0])          # well conditioned
        out.append(a)
    return out


@pytest.mark.parametrize("k", range(len(CASES)))
def test_numpy_function_matches_jax(k):
    fn, shapes = CASES[k]
    F = sd.symbolic(fn, shapes=shapes)
    assert isinstance(F, ArrayFunction), F.source.splitlines()[0]
    args = _point(shapes)
    close(F(*args), fn(*args))
    want = jax.grad(_jax_version(fn), argnums=tuple(range(len(args))))(*args)
    for got, w in zip(F.grad(*args), want):
        close(got, np.asarray(w), rtol=1e-9)
