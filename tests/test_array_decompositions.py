"""numpy.linalg.cholesky and numpy.linalg.eigh read at the array level (values by numpy at
run time; reverse rules after Murray 2016 and autograd's grad_eigh, forward rules as JAX's
cholesky_jvp / eigh_jvp_rule).

numpy reads only one triangle of the matrix (the lower, or the upper for eigh(a, 'U') and
cholesky(a, upper=True)), so the derivative with respect to the other triangle is 0: the
gradients are checked by central finite differences on matrices that are not symmetric
(which perturb every entry, as numpy sees them), against JAX (x64) on symmetric input
pushed through a symmetrisation, and the Hessians (forward over reverse) by finite
differences of the gradient and by sd.check. Test matrices are SPD with distinct
eigenvalues.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import symdiff as sd

from conftest import central_grad

W6 = np.random.RandomState(7).randn(4, 4)
V4 = np.random.RandomState(8).randn(4)


def chol_sum(a):
    return np.sum(W6 * np.linalg.cholesky(a))


def chol_upper_sum(a):
    return np.sum(W6 * np.linalg.cholesky(a, upper=True))


def chol_logdet(a):
    return 2.0 * np.sum(np.log(np.diagonal(np.linalg.cholesky(a))))


def chol_reparam(a):
    z = np.linalg.cholesky(a) @ V4
    return np.sum(z * z) + np.sum(np.sin(z))


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(V4 * w) + np.sum(w ** 3)


def eigh_vectors(a):          # sign-invariant in each eigenvector
    w, v = np.linalg.eigh(a)
    return np.sum(W6 * v * v) + np.sum(V4 * w)


def eigh_vectors_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(W6 * v * v) + np.sum(V4 * w * w)


def eigh_quadratic(a):        # v diag(w) v^T is a itself (from the triangle read)
    w, v = np.linalg.eigh(a)
    return np.sum(W6 * ((v * w) @ v.T))


FUNCTIONS = [chol_sum, chol_upper_sum, chol_logdet, chol_reparam, eigh_values, eigh_vectors,
             eigh_vectors_upper, eigh_quadratic]


def spd(seed, n=4, sym=False):
    """An SPD matrix with well separated eigenvalues; unless ``sym``, with noise added above
    the diagonal (numpy reads the lower triangle, so it still sees an SPD matrix)."""
    rng = np.random.RandomState(seed)
    q, _ = np.linalg.qr(rng.randn(n, n))
    a = (q * (1.0 + 1.5 * np.arange(n) + 0.3 * rng.rand(n))) @ q.T
    if not sym:
        a = a + np.triu(rng.randn(n, n), 1)
    return a



def _F(fn, n=4):
    return sd.symbolic(fn, shapes={"a": (n, n)})


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("sym", [False, True])
def test_gradient_matches_finite_differences(fn, sym):
    F = _F(fn)
    for seed in range(3):
        a = spd(seed, sym=sym)
        a = a.T if "upper" in fn.__name__ else a      # the noise in the unread triangle
        np.testing.assert_allclose(F(a), fn(a), rtol=1e-12)
        (got,) = F.grad(a)
        np.testing.assert_allclose(got, central_grad(fn, a), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn", [chol_sum, eigh_vectors], ids=lambda f: f.__name__)
def test_the_unread_triangle_has_zero_gradient(fn):
    (got,) = _F(fn).grad(spd(0))
    assert np.all(got[np.triu_indices(4, 1)] == 0.0)
    assert np.any(got[np.tril_indices(4, -1)] != 0.0)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_hessian_matches_finite_differences_of_the_gradient(fn):
    F = _F(fn)
    a = spd(1).T if "upper" in fn.__name__ else spd(1)
    H = np.asarray(sd.hessian(F)(a))
    h = 1e-5
    fd = np.zeros(a.shape + a.shape)
    for idx in np.ndindex(*a.shape):
        e = np.zeros_like(a)
        e[idx] = h
        fd[idx] = (F.grad(a + e)[0] - F.grad(a - e)[0]) / (2 * h)
    np.testing.assert_allclose(H.reshape(fd.shape), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [chol_reparam, eigh_vectors], ids=lambda f: f.__name__)
def test_sd_check_first_order(fn):
    report = sd.check(fn, spd(2), order=1, shapes={"a": (4, 4)})
    assert "FAIL" not in [r.status for r in report.rows], str(report)


def test_sd_check_hessian():
    report = sd.check(eigh_values, spd(3), order=2, shapes={"a": (4, 4)})
    assert "FAIL" not in [r.status for r in report.rows], str(report)
    report = sd.check(chol_logdet, spd(3), order=2, shapes={"a": (4, 4)})
    assert "FAIL" not in [r.status for r in report.rows], str(report)


def test_against_jax_on_symmetrised_input():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def sym_chol(a):
        s = 0.5 * (a + a.T)
        return np.sum(W6 * np.linalg.cholesky(s))

    def sym_eigh(a):
        s = 0.5 * (a + a.T)
        w, v = np.linalg.eigh(s)
        return np.sum(W6 * v * v) + np.sum(V4 * w)

    def j_chol(a):
        s = 0.5 * (a + a.T)
        return jnp.sum(W6 * jnp.linalg.cholesky(s))

    def j_eigh(a):
        s = 0.5 * (a + a.T)
        w, v = jnp.linalg.eigh(s)
        return jnp.sum(W6 * v * v) + jnp.sum(V4 * w)

    for ours, theirs in ((sym_chol, j_chol), (sym_eigh, j_eigh)):
        F = _F(ours)
        for seed in range(2):
            a = spd(seed)
            np.testing.assert_allclose(F.grad(a)[0], np.asarray(jax.grad(theirs)(a)),
                                       rtol=1e-9, atol=1e-11)
            np.testing.assert_allclose(np.asarray(sd.hessian(F)(a)).reshape(16, 16),
                                       np.asarray(jax.hessian(theirs)(a)).reshape(16, 16),
                                       rtol=1e-7, atol=1e-9)


def batched(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * w) + np.sum(np.linalg.cholesky(a)[..., 1, 0] ** 2) + np.sum(v[..., 0, :] ** 2)


def test_stacks_of_matrices():
    F = sd.symbolic(batched, shapes={"a": (2, 3, 3)})
    a = np.stack([spd(s, n=3) for s in range(2)])
    np.testing.assert_allclose(F(a), batched(a), rtol=1e-12)
    np.testing.assert_allclose(F.grad(a)[0], central_grad(batched, a), rtol=1e-6, atol=1e-7)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_gradient_property_random_spd(seed):
    a = spd(seed)
    for fn in (chol_sum, eigh_vectors):
        (got,) = _F(fn).grad(a)
        np.testing.assert_allclose(got, central_grad(fn, a), rtol=1e-5, atol=1e-6)


def test_other_decompositions_still_refused():
    with pytest.raises(Exception, match="matrix decompositions"):
        sd.symbolic(lambda a: np.sum(np.linalg.svd(a, compute_uv=False)),
                    shapes={"a": (3, 3)}).grad(np.eye(3))
