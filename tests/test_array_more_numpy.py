"""numpy functions beyond the first set (issue 12's yardstick): sort, diff, pad, split,
the nan-reductions, matrix 1- and inf-norms and matrix_power read at the array level;
and the functions symdiff does not differentiate refused with a message that names the
function and says what to write instead (never Python's internal text)."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd

from conftest import central_grad
from symdiff.errors import SymdiffError, SymdiffSyntaxError

RNG = np.random.default_rng(3)



def grad_of(fn, shapes, *args, wrt="x"):
    F = sd.symbolic(fn, shapes=shapes)
    return F, sd.grad(F, wrt=wrt)


SHAPES = [{"x": ("n",), "w": ("n",)}, {"x": (6,), "w": (6,)}]


# -- sort: the gradient follows the sorting permutation --------------------------------------
def sorted_weighted(x, w):
    return np.sum(np.sort(x) * w)


@pytest.mark.parametrize("shapes", SHAPES)
def test_sort_gradient_is_the_permuted_weights(shapes):
    x, w = RNG.standard_normal(6), RNG.standard_normal(6)
    F, G = grad_of(sorted_weighted, shapes)
    assert F(x, w) == pytest.approx(np.sum(np.sort(x) * w), rel=1e-14)
    rank = np.argsort(np.argsort(x))
    np.testing.assert_allclose(G(x, w), w[rank], rtol=1e-14)
    assert "numpy.sort" in F.source


def sorted_rows(X, W):
    return np.sum(np.sort(X, axis=0) ** 2 * W) + np.sum(np.sort(X, axis=None) * np.sum(W))


def test_sort_axes_and_second_derivatives():
    X, W = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    F = sd.symbolic(sorted_rows, shapes={"X": (4, 3), "W": (4, 3)})
    G = sd.grad(F, wrt="X")
    np.testing.assert_allclose(G(X, W), central_grad(lambda z: sorted_rows(z, W), X),
                               rtol=1e-6, atol=1e-8)
    # the Hessian (forward over reverse through the permutation) and an hvp
    H = sd.hessian(F, wrt="X")(X, W)
    v = RNG.standard_normal((4, 3))
    Hv = sd.hvp(F, wrt="X")(X, W, v)
    num = central_grad(lambda z: float(np.sum(G(z, W) * v)), X)    # d/dX <grad, v> = H v
    np.testing.assert_allclose(Hv, num, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.einsum("abij,ij->ab", H, v), Hv, rtol=1e-12, atol=1e-12)


# -- diff, pad, split: linear maps by index ---------------------------------------------------
def diffs(x, w):
    return np.sum(np.diff(x, n=2, prepend=1.5, append=x[:1]) * w) + np.sum(np.diff(x) ** 2)


@pytest.mark.parametrize("known", [True, False])
def test_diff(known):
    x, w = RNG.standard_normal(6), RNG.standard_normal(6)
    shapes = {"x": (6,), "w": (6,)} if known else {"x": ("n",), "w": ("n",)}
    F, G = grad_of(diffs, shapes)
    assert F(x, w) == pytest.approx(diffs(x, w), rel=1e-13)
    np.testing.assert_allclose(G(x, w), central_grad(lambda z: diffs(z, w), x), rtol=1e-7)


@pytest.mark.parametrize("mode", ["constant", "edge", "wrap", "reflect", "symmetric"])
def test_pad_modes(mode):
    def padded(x, w):
        if mode == "constant":
            return np.sum(np.pad(x, ((1, 2), (0, 3)), constant_values=0.5) * w)
        return np.sum(np.pad(x, ((1, 2), (0, 3)), mode=mode) * w)
    x, w = RNG.standard_normal((3, 4)), RNG.standard_normal((6, 7))
    F, G = grad_of(padded, {"x": (3, 4), "w": (6, 7)})
    assert F(x, w) == pytest.approx(padded(x, w), rel=1e-13)
    np.testing.assert_allclose(G(x, w), central_grad(lambda z: padded(z, w), x), rtol=1e-7,
                               atol=1e-9)


def test_pad_constant_named_sizes():
    def padded(x):
        return np.sum(np.pad(x, 2) ** 2 + np.pad(x, (1, 3)))
    F, G = grad_of(padded, {"x": ("n",)})
    for n in (3, 5):
        x = RNG.standard_normal(n)
        assert F(x) == pytest.approx(padded(x), rel=1e-13)
        np.testing.assert_allclose(G(x), 2 * x + 1, rtol=1e-13)


def split_parts(x):
    a, b, c = np.array_split(x, 3)
    left, right = np.split(x, [2])
    return np.sum(a ** 2) + 2 * np.sum(c) + np.sum(b * b[0]) + np.sum(left * right[:2])


def test_split_and_array_split():
    x = RNG.standard_normal(7)
    F, G = grad_of(split_parts, {"x": (7,)})
    assert F(x) == pytest.approx(split_parts(x), rel=1e-13)
    np.testing.assert_allclose(G(x), central_grad(split_parts, x), rtol=1e-7)


def test_split_points_with_named_sizes_and_refusal_of_sections():
    def halves(x):
        u, v = np.split(x, [3])
        return np.sum(u ** 2) - np.sum(v)
    G = sd.grad(sd.symbolic(halves, shapes={"x": ("n",)}), wrt="x")
    x = RNG.standard_normal(5)
    np.testing.assert_allclose(G(x), np.r_[2 * x[:3], -np.ones(2)], rtol=1e-14)

    def sections(x):
        return np.sum(np.split(x, 2)[0])
    with pytest.raises(SymdiffError, match=r"numpy\.split into 2 sections .* named size"):
        sd.symbolic(sections, shapes={"x": ("n",)})
    with pytest.raises((SymdiffError, SymdiffSyntaxError), match="split"):
        sd.symbolic(sections, shapes={"x": (5,)})      # 5 into 2 equal sections


# -- cumprod: exact where an entry is 0 (no division by the entries) --------------------------
def running_products(x, w):
    return np.sum(np.cumprod(x) * w) + np.sum(np.nancumprod(x) ** 2)


@pytest.mark.parametrize("shapes", SHAPES)
def test_cumprod_gradient_and_hessian_with_a_zero_entry(shapes):
    x, w = RNG.standard_normal(6), RNG.standard_normal(6)
    x[2] = 0.0
    F = sd.symbolic(running_products, shapes=shapes)
    assert F(x, w) == pytest.approx(running_products(x, w), rel=1e-13)
    G = sd.grad(F, wrt="x")
    np.testing.assert_allclose(G(x, w), central_grad(lambda z: running_products(z, w), x),
                               rtol=1e-7, atol=1e-10)
    H = sd.hessian(F, wrt="x")(x, w)
    num = np.array([central_grad(lambda z: G(z, w)[i], x) for i in range(6)])
    np.testing.assert_allclose(H, num, rtol=1e-6, atol=1e-8)


def cumprod_axes(X, W):
    return np.sum(np.cumprod(X, axis=0) * W) + np.sum(X.cumprod(axis=1) ** 2) \
        + np.sum(np.cumprod(X) * W.ravel())


def test_cumprod_axes():
    X, W = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    X[1, 1] = 0.0
    F = sd.symbolic(cumprod_axes, shapes={"X": (3, 4), "W": (3, 4)})
    assert F(X, W) == pytest.approx(cumprod_axes(X, W), rel=1e-13)
    np.testing.assert_allclose(sd.grad(F, wrt="X")(X, W),
                               central_grad(lambda z: cumprod_axes(z, W), X), rtol=1e-7,
                               atol=1e-10)


# -- nan-reductions ---------------------------------------------------------------------------
NANFNS = {
    "nansum": lambda x: np.nansum(x ** 2) + np.nansum(x),
    "nanmean": lambda x: np.nanmean(np.exp(x), axis=0),
    "nanmax": lambda x: np.nanmax(x, axis=1),
    "nanmin": lambda x: np.nanmin(x * 2, axis=1, keepdims=True),
    "nanprod": lambda x: np.nanprod(x),
    "nanvar": lambda x: np.nanvar(x, axis=0, ddof=1),
    "nanstd": lambda x: np.nanstd(x),
    "nancumsum": lambda x: np.nancumsum(x, axis=1),
}


def _nan_fn(name):
    f = NANFNS[name]

    def fn(x, w):
        return np.sum(f(x) * w)
    return fn


@pytest.mark.parametrize("name", sorted(NANFNS))
def test_nan_reductions(name):
    fn = _nan_fn(name)
    x = RNG.uniform(0.5, 1.5, (4, 3))
    x[1, 2] = np.nan
    x[3, 0] = np.nan
    w = RNG.standard_normal(np.shape(NANFNS[name](x)))
    F, G = grad_of(fn, {"x": (4, 3), "w": np.shape(w)})
    assert F(x, w) == pytest.approx(fn(x, w), rel=1e-12)
    g = G(x, w)
    nan = np.isnan(x)
    # a nan entry gets 0, or nan where the chain rule multiplies 0 by the nan of an inner
    # function's derivative there (as JAX's nansum does); it reaches no other entry
    assert np.all((g[nan] == 0) | np.isnan(g[nan]))
    num = central_grad(lambda z: fn(np.where(nan, np.nan, z), w), np.nan_to_num(x))
    np.testing.assert_allclose(g[~nan], num[~nan], rtol=1e-6, atol=1e-8)


def test_nanmax_of_an_all_nan_row_is_nan():
    F = sd.symbolic(lambda_free_nanmax, shapes={"x": (2, 2)})
    with np.errstate(all="ignore"):
        out = F(np.array([[np.nan, np.nan], [1.0, 2.0]]))
    assert np.isnan(out[0]) and out[1] == 2.0


def lambda_free_nanmax(x):
    return np.nanmax(x, axis=1)


# -- matrix norms and powers ----------------------------------------------------------------
@pytest.mark.parametrize("ord_", [1, -1, np.inf, -np.inf, "fro"])
def test_matrix_norms(ord_):
    def f(A):
        return np.linalg.norm(A, ord_) + np.sum(np.linalg.norm(A @ A.T, ord_, axis=(0, 1),
                                                               keepdims=True))
    A = RNG.standard_normal((4, 4))
    F, G = grad_of(f, {"A": (4, 4)}, wrt="A")
    assert F(A) == pytest.approx(f(A), rel=1e-13)
    np.testing.assert_allclose(G(A), central_grad(f, A), rtol=1e-6, atol=1e-8)


def test_matrix_power():
    def f(A):
        return np.sum(np.linalg.matrix_power(A, 5)) + np.trace(np.linalg.matrix_power(A, -2)) \
            + np.sum(np.linalg.matrix_power(A, 0))
    A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    F, G = grad_of(f, {"A": ("d", "d")}, wrt="A")
    assert F(A) == pytest.approx(f(A), rel=1e-12)
    np.testing.assert_allclose(G(A), central_grad(f, A), rtol=1e-6)


# -- refusals -------------------------------------------------------------------------------
# what a refusal must name, and the advice it must give
REFUSED = {
    "numpy.linalg.eigvalsh": "numpy.trace",
    "numpy.linalg.eig": "slogdet",
    "numpy.linalg.svd": "numpy.sum(A * A)",
    "numpy.linalg.pinv": "solve(A.T @ A, A.T)",
    "numpy.linalg.qr": "numpy.linalg.solve",
    "ord=2": "power iteration",
    "ord='nuc'": "ord='fro'",
}


@pytest.mark.parametrize("key", sorted(REFUSED))
@pytest.mark.parametrize("shapes", [{"A": (3, 3)}, {"A": ("d", "d")}])
def test_refusals_name_the_function_and_what_to_do(key, shapes):
    with pytest.raises(SymdiffError) as info:
        sd.grad(sd.symbolic(_DEFS[key], shapes=shapes))(np.eye(3))
    text = str(info.value)
    assert key in text and REFUSED[key] in text and _DEFS[key].__name__ in text
    assert "<lambda>" not in text and "unexpected keyword" not in text


def r_eigh(A):
    return np.sum(np.linalg.eigh(A)[0])


@pytest.mark.parametrize("shapes", [{"A": (3, 3)}, {"A": ("d", "d")}])
def test_eigh_and_cholesky_are_read(shapes):
    """eigh and cholesky are read (more in tests/test_array_decompositions.py): the
    sum of eigenvalues is the trace of the lower triangle read, so its gradient is I."""
    (g,) = sd.grad(sd.symbolic(r_eigh, shapes=shapes))(np.diag([1.0, 2.0, 3.0]) + np.triu(
        np.ones((3, 3)), 1))
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)
    A = np.array([[4.0, 9.0, 9.0], [1.0, 3.0, 9.0], [0.5, 0.2, 2.0]])    # upper: not read
    f = sd.symbolic(r_cholesky, shapes=shapes)
    assert f(A) == pytest.approx(r_cholesky(A), rel=1e-14)
    np.testing.assert_allclose(sd.grad(f)(A)[0], central_grad(r_cholesky, A), rtol=1e-6,
                               atol=1e-9)


def r_eigvalsh(A):
    return np.sum(np.linalg.eigvalsh(A))


def r_eig(A):
    return np.sum(np.linalg.eig(A)[0])


def r_svd(A):
    return np.sum(np.linalg.svd(A)[1])


def r_cholesky(A):
    return np.sum(np.linalg.cholesky(A))


def r_pinv(A):
    return np.sum(np.linalg.pinv(A))


def r_qr(A):
    return np.sum(np.linalg.qr(A)[1])


def r_norm2(A):
    return np.linalg.norm(A, 2)


def r_nuc(A):
    return np.linalg.norm(A, "nuc")


_DEFS = {
    "numpy.linalg.eigh": r_eigh, "numpy.linalg.eigvalsh": r_eigvalsh, "numpy.linalg.eig": r_eig,
    "numpy.linalg.svd": r_svd, "numpy.linalg.cholesky": r_cholesky, "numpy.linalg.pinv": r_pinv,
    "numpy.linalg.qr": r_qr, "ord=2": r_norm2, "ord='nuc'": r_nuc,
}


def wrong_keyword(x):
    return np.sum(x, axes=0)


def mean_keepdims_false(x):
    return np.mean(x, axis=0, keepdims=False) @ x[0]


@pytest.mark.parametrize("shapes", [{"x": (2, 3)}, {"x": ("n", "d")}])
def test_keyword_errors_name_the_numpy_function(shapes):
    with pytest.raises((SymdiffError, TypeError)) as info:
        sd.symbolic(wrong_keyword, shapes=shapes)
    text = str(info.value)
    assert "axes" in text and "<lambda>" not in text
    F = sd.symbolic(mean_keepdims_false, shapes=shapes)
    x = RNG.standard_normal((2, 3))
    assert F(x) == pytest.approx(np.mean(x, axis=0) @ x[0], rel=1e-14)
