"""Logistic regression on data larger than memory: gradient and Hessian over dask arrays.

symdiff reads the loss at the array level (``shapes`` with named sizes), so its
gradient and Hessian are a few lines of numpy (``(c * X.T) @ X`` for the Hessian).
Given a ``dask.array`` X chunked by rows, those lines build a lazy task graph: every
elementwise step runs chunk by chunk, and the products over the data axis
(``... @ X``) are summed across chunks. ``dask.compute`` then streams the chunks
through memory, so Newton's method on 10^7 x 50 data (4 GB of X, generated inside
the tasks here) needs a few chunks in memory at a time.

    python examples/dask_logistic_newton.py                    # 100,000 x 10, seconds
    python examples/dask_logistic_newton.py --n 1e7 --d 50     # 10^7 x 50, chunk by chunk

The same code runs on a dask distributed cluster: create a ``dask.distributed.Client``
before computing (its workers need numpy and symdiff; or ship ``H.source`` alone).
"""

import argparse
import time

import numpy as np

import symdiff as sd

try:
    import dask
    import dask.array as da
    from dask.diagnostics import ProgressBar
except ImportError:                     # pragma: no cover - the example needs dask
    raise SystemExit('this example needs dask: pip install -e ".[dask]"')


def loss(X, y, w):
    """Logistic loss of a linear model, labels y = +-1."""
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


F = sd.symbolic(loss, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)})
grad = sd.grad(F, wrt="w")              # an array of w's shape
hess = sd.hessian(F, wrt="w")           # shape (d, d)


def data(n, d, chunk, seed=0):
    """Features and labels drawn from a known model, made inside each chunk's task."""
    rs = da.random.RandomState(seed)
    X = rs.standard_normal((n, d), chunks=(chunk, d)) / np.sqrt(d)
    w_true = np.linspace(-2.0, 2.0, d)
    p = 1.0 / (1.0 + da.exp(-(X @ w_true)))
    y = da.where(rs.uniform(size=n, chunks=chunk) < p, 1.0, -1.0)
    return X, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    num = lambda s: int(float(s.replace("_", "")))      # noqa: E731 - 1e7, 10_000_000
    ap.add_argument("--n", type=num, default=100_000, help="rows of data (e.g. 1e7)")
    ap.add_argument("--d", type=int, default=10, help="features")
    ap.add_argument("--chunk", type=num, default=None, help="rows per chunk (default n/8, <= 1e5)")
    args = ap.parse_args(argv)
    n, d = args.n, args.d
    chunk = args.chunk or max(1, min(100_000, -(-n // 8)))
    X, y = data(n, d, chunk)
    print(f"X: {n:,} x {d} float64 ({n * d * 8 / 1e9:.2f} GB) in {X.numblocks[0]} chunks of "
          f"{chunk:,} rows, never all in memory")
    print("the Hessian symdiff generated:\n" + hess.source)

    w = np.zeros(d)
    for it in range(20):
        g, H = grad(X, y, w), hess(X, y, w)             # lazy dask arrays: nothing computed
        assert isinstance(g, da.Array) and isinstance(H, da.Array)
        t0 = time.perf_counter()
        with ProgressBar(minimum=1.0):                  # shown for computations over 1 s
            g, H = dask.compute(g, H)                   # one pass over the chunks for both
        step = np.linalg.solve(H, g)
        w = w - step
        print(f"Newton step {it + 1}: |grad| = {np.linalg.norm(g):.3e} "
              f"({time.perf_counter() - t0:.2f} s)")
        if np.linalg.norm(step) < 1e-10 * (1 + np.linalg.norm(w)):
            break
    print("Newton on dask arrays converged")

    # the closed form, written by hand on the same dask arrays, agrees
    s = 1.0 / (1.0 + da.exp(-y * (X @ w)))
    want_g, want_H = dask.compute(X.T @ (-y * (1.0 - s)), (X.T * (s * (1.0 - s))) @ X)
    got_g, got_H = dask.compute(grad(X, y, w), hess(X, y, w))
    np.testing.assert_allclose(got_H, want_H, rtol=1e-10, atol=1e-10 * np.abs(want_H).max())
    np.testing.assert_allclose(got_g, want_g, rtol=1e-8, atol=1e-8 * np.abs(want_H).max())
    print("gradient and Hessian match the closed form (X.T * s*(1-s)) @ X")


if __name__ == "__main__":
    main()
