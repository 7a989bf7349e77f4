"""Every array function the reader accepts follows numpy's semantics for every shape
it accepts, or refuses the shape as numpy does (issue 10, item 3: ``np.matmul`` and
``@`` of stacks, ``np.inner`` of 2-D arrays were read as ``np.dot``).

Each case is compiled from source with the given shapes and compared with numpy on
the same random inputs: the value (shape and numbers) and the gradient of a random
weighting of the result (against central differences, exact for these products)."""

import linecache
import itertools

import numpy as np
import pytest

import symdiff as sd

CASES = [
    # products
    ("np.matmul(x, y)", [((2, 1), (2, 1, 1)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                         ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
                         ((2, 2), (2, 2))]),
    ("x @ y", [((2, 1), (2, 1, 1)), ((3,), (3,)), ((2, 2, 3), (2, 3, 2)), ((3,), (2, 3, 2))]),
    ("np.inner(x, y)", [((2, 3), (4, 3)), ((3,), (3,)), ((2, 3), (3,)), ((), (3,)),
                        ((2, 2, 3), (4, 3)), ((3,), (2, 3))]),
    ("np.dot(x, y)", [((2, 3), (3,)), ((2, 2, 3), (3, 2)), ((2, 3), (3, 4)), ((), (3,)),
                      ((3,), (3,)), ((2, 3), (2, 3, 4)), ((3,), (3, 2))]),
    ("np.dot([x[0], x[1]], y)", [((2,), (2,))]),
    ("np.transpose(x, (1, 0, 2)) * y", [((2, 3, 4), (4,))]),
    ("np.transpose(x) * y", [((2, 3), (2,))]),
    # reductions
    ("np.sum(x, axis=1) * y", [((2, 3), ())]),
    ("np.sum(x, axis=(0, 2)) * y", [((2, 3, 2), ())]),
    ("np.sum(x, axis=-1, keepdims=True) * y", [((2, 3), (3,))]),
    ("np.mean(x, axis=(0, 1)) * y", [((2, 3, 2), ())]),
    ("np.mean(x, 0) * y", [((2, 3), ())]),
    ("np.prod(x, axis=0) * y", [((2, 3), ())]),
    ("np.max(x, axis=0) * y", [((2, 3), ())]),
    ("np.min(x, axis=1) + y", [((2, 3), (2,))]),
    ("np.amax(x) * y", [((2, 3), ())]),
    ("sum(x) * y", [((2, 3), ())]),
    # elementwise with broadcasting
    ("np.clip(x, -0.5, y)", [((2, 3), (3,))]),
    ("np.clip(x, y, 0.25)", [((2, 3), (3,))]),
    ("np.where(x > 0, x, y)", [((2, 3), (3,))]),
    ("np.maximum(x, y) + np.minimum(x * y, x)", [((2, 1), (3,))]),
]

REFUSED = [
    ("x @ y", ((), (3,))),          # numpy: matmul of a number
    ("np.matmul(x, y)", ((2, 3), (2, 3))),
    ("np.inner(x, y)", ((2, 3), (3, 2))),
    ("np.dot(x, y)", ((2, 3), (2, 3))),
    ("np.matmul(x, y)", ((2, 2, 3), (3, 3, 2))),   # stacks 2 and 3 do not broadcast
    ("np.sum(x, axis=2) * y", ((2, 3), ())),
]

_count = itertools.count()


def _function(body, names):
    filename = f"<array-semantics-{next(_count)}>"
    src = f"def f({', '.join(names)}):\n    return {body}\n"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    ns = {"np": np}
    exec(compile(src, filename, "exec"), ns)
    return ns["f"]


def _params(shapes):
    return {n: s for n, s in zip(("x", "y"), shapes)}


def _symbolic(fn, params):
    return sd.symbolic(fn, shapes={k: v for k, v in params.items() if v})


# Cases with a known, documented bug (strict: a fix makes them fail until removed here).
_KNOWN: dict = {}


@pytest.mark.parametrize("body, shapes", [
    pytest.param(b, s, marks=pytest.mark.xfail(reason=_KNOWN[(b, s)], strict=True))
    if (b, s) in _KNOWN else (b, s) for b, ss in CASES for s in ss], ids=lambda v: str(v))
def test_value_and_gradient_follow_numpy(body, shapes):
    params = _params(shapes)
    fn = _function(body, params)
    rng = np.random.default_rng(len(body) + sum(map(len, shapes)))
    args = [rng.normal(size=s) if s else float(rng.normal()) for s in params.values()]
    want = np.asarray(fn(*args))
    F = _symbolic(fn, params)
    got = np.asarray(F(*args))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    weights = rng.normal(size=want.shape)
    names = ", ".join(params)
    loss = _function(f"np.sum(W * ({body}))", params)
    loss.__globals__["W"] = weights
    L = _symbolic(loss, params)
    grads = L.grad(*args)
    h = 1e-3
    for k, (a, g) in enumerate(zip(args, grads)):
        a = np.asarray(a, dtype=float)
        fd = np.zeros(a.shape)
        for idx in np.ndindex(*a.shape):
            up, down = a.copy(), a.copy()
            up[idx] += h
            down[idx] -= h
            plus = [up if i == k else v for i, v in enumerate(args)]
            minus = [down if i == k else v for i, v in enumerate(args)]
            fd[idx] = (loss(*plus) - loss(*minus)) / (2 * h)
        np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-7, atol=1e-9,
                                   err_msg=f"d/d{list(params)[k]} of {body} {names}")


@pytest.mark.parametrize("body, shapes", REFUSED, ids=lambda v: str(v))
def test_shapes_numpy_refuses_are_refused(body, shapes):
    params = _params(shapes)
    fn = _function(body, params)
    args = [np.ones(s) if s else 1.0 for s in params.values()]
    with pytest.raises(ValueError):
        fn(*args)
    with pytest.raises((ValueError, sd.SymdiffError)):
        _symbolic(fn, params).expr


def test_issue_example():
    def f(x, y):
        return np.matmul(x, y)[0, 1, 0]

    F = sd.symbolic(f, shapes={"x": (2, 1), "y": (2, 1, 1)})
    x, y = np.array([[1.0], [2.0]]), np.array([[[3.0]], [[3.0]]])
    assert F(x, y) == f(x, y) == 6.0
    gx, gy = F.grad(x, y)
    assert np.array_equal(gx, [[0.0], [3.0]]) and np.array_equal(gy, [[[2.0]], [[0.0]]])
