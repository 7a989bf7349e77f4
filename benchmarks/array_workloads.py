"""The array workloads of issues 12 and 13: plain numpy functions, their JAX and torch
spellings, and the closed forms an expert would write by hand.

symdiff reads the numpy functions' source (``sd.symbolic(fn, shapes=...)``), so each is
an ordinary ``def``. The hand-written derivatives are the baselines of
``benchmarks/bench_arrays.py`` and the oracles of ``tests/test_array_hessians.py``:
shared subexpressions computed once, matrix products as ``@``, the known closed forms
(``A + A.T``, ``(X.T * s*(1-s)) @ X``, Pearlmutter's R-operator for the MLP).
"""

from __future__ import annotations

import numpy as np

# -- the functions, as a user writes them ------------------------------------------------------


def logistic(X, y, w):
    """Logistic loss of a linear model; labels ``y`` are +-1."""
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def mlp(X, Y, W1, b1, W2, b2):
    """Mean squared error of a one-hidden-layer tanh network."""
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


def factorisation(X, U, V):
    """Squared error of a rank-r factorisation ``X ~ U @ V.T``."""
    return np.sum((X - U @ V.T) ** 2)


def softmax_ce(X, Y, W):
    """Softmax cross-entropy of ``X @ W`` against one-hot ``Y``, written stably."""
    Z = X @ W
    m = np.max(Z, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - Z), axis=1))


def rastrigin(x):
    """SciPy-style whole-array code (Rastrigin without its constant)."""
    return np.sum(x ** 2.0 - 10 * np.cos(2 * np.pi * x))


def griewank_prod(x):
    """The product term of Griewank's function."""
    return np.prod(np.cos(x / np.sqrt(np.arange(1, len(x) + 1))))


def quadratic(x, A):
    """The quadratic form ``x' A x``; its Hessian in x is ``A + A.T``."""
    return x @ A @ x


NUMPY = {f.__name__: f for f in (logistic, mlp, factorisation, softmax_ce, rastrigin,
                                 griewank_prod, quadratic)}
PARAMS = {name: f.__code__.co_varnames[:f.__code__.co_argcount] for name, f in NUMPY.items()}


def jax_functions(jnp):
    """The same functions over ``jax.numpy``."""
    def softmax(X, Y, W):
        Z = X @ W
        m = jnp.max(Z, axis=1, keepdims=True)
        lse = m + jnp.log(jnp.sum(jnp.exp(Z - m), axis=1, keepdims=True))
        return jnp.mean(jnp.sum(Y * (lse - Z), axis=1))
    return {
        "logistic": lambda X, y, w: jnp.sum(jnp.log(1 + jnp.exp(-y * (X @ w)))),
        "mlp": lambda X, Y, W1, b1, W2, b2: jnp.mean((jnp.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2),
        "factorisation": lambda X, U, V: jnp.sum((X - U @ V.T) ** 2),
        "softmax_ce": softmax,
        "rastrigin": lambda x: jnp.sum(x ** 2.0 - 10 * jnp.cos(2 * jnp.pi * x)),
        "griewank_prod": lambda x: jnp.prod(jnp.cos(x / jnp.sqrt(jnp.arange(1, x.shape[0] + 1)))),
        "quadratic": lambda x, A: x @ A @ x,
    }


def torch_functions(torch):
    """The same functions over torch tensors (float64)."""
    def softmax(X, Y, W):
        Z = X @ W
        m = torch.amax(Z, dim=1, keepdim=True)
        lse = m + torch.log(torch.sum(torch.exp(Z - m), dim=1, keepdim=True))
        return torch.mean(torch.sum(Y * (lse - Z), dim=1))
    return {
        "logistic": lambda X, y, w: torch.sum(torch.log(1 + torch.exp(-y * (X @ w)))),
        "mlp": lambda X, Y, W1, b1, W2, b2: torch.mean((torch.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2),
        "factorisation": lambda X, U, V: torch.sum((X - U @ V.T) ** 2),
        "softmax_ce": softmax,
        "rastrigin": lambda x: torch.sum(x ** 2.0 - 10 * torch.cos(2 * torch.pi * x)),
        "griewank_prod": lambda x: torch.prod(torch.cos(
            x / torch.sqrt(torch.arange(1, x.shape[0] + 1, dtype=x.dtype)))),
        "quadratic": lambda x, A: x @ A @ x,
    }


# -- hand-written closed forms ---------------------------------------------------------------


def grad_logistic(X, y, w):
    """d/dw: ``-X.T @ (y * sigmoid(-y * (X @ w)))``."""
    s = 1.0 / (1.0 + np.exp(y * (X @ w)))
    return X.T @ (-y * s)


def hess_logistic(X, y, w):
    """``(X.T * s*(1-s)) @ X`` with ``s = sigmoid(y * (X @ w))`` (exact for y = +-1)."""
    s = 1.0 / (1.0 + np.exp(-y * (X @ w)))
    return (X.T * (s * (1.0 - s))) @ X


def grad_mlp(X, Y, W1, b1, W2, b2):
    T = np.tanh(X @ W1 + b1)
    R = T @ W2 + b2 - Y
    gO = (2.0 / R.size) * R
    gH = (gO @ W2.T) * (1.0 - T * T)
    return X.T @ gH, gH.sum(axis=0), T.T @ gO, gO.sum(axis=0)


def hvp_mlp(X, Y, W1, b1, W2, b2, v):
    """Pearlmutter's R-operator by hand: the Hessian of the MLP loss in (W1, b1, W2, b2)
    applied to ``v = (dW1, db1, dW2, db2)``."""
    dW1, db1, dW2, db2 = v
    T = np.tanh(X @ W1 + b1)
    D = 1.0 - T * T
    R = T @ W2 + b2 - Y
    c = 2.0 / R.size
    gO = c * R
    gT = gO @ W2.T
    dT = D * (X @ dW1 + db1)
    dgO = c * (dT @ W2 + T @ dW2 + db2)
    dgH = (dgO @ W2.T + gO @ dW2.T) * D - 2.0 * gT * T * dT
    return X.T @ dgH, dgH.sum(axis=0), dT.T @ gO + T.T @ dgO, dgO.sum(axis=0)


def grad_factorisation(X, U, V):
    R = X - U @ V.T
    return -2.0 * (R @ V), -2.0 * (R.T @ U)


def grad_softmax_ce(X, Y, W):
    """``X.T @ (softmax(X @ W) - Y) / n`` (rows of Y sum to 1)."""
    Z = X @ W
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return X.T @ ((P - Y) / X.shape[0])


def grad_rastrigin(x):
    return 2.0 * x + 20.0 * np.pi * np.sin(2.0 * np.pi * x)


def grad_griewank_prod(x):
    r = 1.0 / np.sqrt(np.arange(1, x.shape[0] + 1))
    c = np.cos(x * r)
    return -np.sin(x * r) * r * (np.prod(c) / c)


def hess_quadratic(x, A):
    return A + A.T


# -- inputs ---------------------------------------------------------------------------------


def inputs(name, sizes, seed=0):
    """Deterministic arguments of workload ``name`` at ``sizes`` (a dict of ints)."""
    rng = np.random.default_rng(seed)
    g = sizes.get
    if name == "logistic":
        n, d = g("n"), g("d")
        X = rng.standard_normal((n, d)) / np.sqrt(d)
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        return X, y, rng.standard_normal(d)
    if name == "mlp":
        n, i, h, o = g("n"), g("i"), g("h"), g("o")
        X = rng.standard_normal((n, i))
        Y = rng.standard_normal((n, o))
        return (X, Y, rng.standard_normal((i, h)) / np.sqrt(i), 0.1 * rng.standard_normal(h),
                rng.standard_normal((h, o)) / np.sqrt(h), 0.1 * rng.standard_normal(o))
    if name == "factorisation":
        m, n, r = g("m"), g("n"), g("r")
        return (rng.standard_normal((m, n)), rng.standard_normal((m, r)),
                rng.standard_normal((n, r)))
    if name == "softmax_ce":
        n, d, k = g("n"), g("d"), g("k")
        Y = np.eye(k)[rng.integers(0, k, n)]
        return rng.standard_normal((n, d)), Y, 0.1 * rng.standard_normal((d, k))
    if name == "rastrigin":
        return (rng.uniform(-2.0, 2.0, g("n")),)
    if name == "griewank_prod":
        return (rng.uniform(-1.0, 1.0, g("n")),)
    if name == "quadratic":
        d = g("d")
        return rng.standard_normal(d), rng.standard_normal((d, d))
    raise KeyError(name)


def shapes(name, sizes):
    """``shapes=`` for ``sd.symbolic``: the concrete shapes of ``inputs(name, sizes)``."""
    return {p: np.shape(a) for p, a in zip(PARAMS[name], inputs(name, sizes))}


def direction(name, sizes, wrt, seed=1):
    """A random direction ``v`` for a Hessian-vector product in ``wrt``."""
    rng = np.random.default_rng(seed)
    args = dict(zip(PARAMS[name], inputs(name, sizes)))
    return tuple(rng.standard_normal(np.shape(args[p])) for p in wrt)
