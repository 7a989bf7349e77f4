"""A gradient over a billion points, chunk by chunk, with dask.

symdiff's compiled numpy functions only use numpy operations that dask arrays
implement, so calling ``F.grad`` on dask arrays builds a lazy task graph (one
task chain per chunk) instead of computing anything. ``dask.compute`` then runs
the chunks in parallel, holding a few chunks in memory at a time: 1e9 points
of three float64 inputs would be 24 GB, yet each chunk here is a few MB.

    python examples/dask_gradient.py                       # 2e6 points, seconds
    python examples/dask_gradient.py --n 1_000_000_000     # 1e9 points, chunk by chunk

On a cluster, connect a ``dask.distributed.Client`` before computing and the same
graph runs on its workers (which need numpy and symdiff installed)::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")    # or Client() for a local cluster
    # ... then exactly the code below

To ship no symdiff at all, write the gradient as a standalone module and map it
over the chunks: ``F.grad.export("grad_bs.py")``, ``client.upload_file("grad_bs.py")``,
then ``da.map_blocks(grad_bs.grad_bs_call, S, sigma, T, ...)`` per output.
"""

import argparse
import math
import time

import numpy as np

import symdiff as sd

try:
    import dask
    import dask.array as da
except ImportError:                     # pragma: no cover - the example needs dask
    raise SystemExit('this example needs dask: pip install -e ".[dask]" in the symdiff checkout')

K, R = 100.0, 0.05


@sd.symbolic
def call_price(S, sigma, T):
    """Black-Scholes call price (strike K, rate R) as a function of S, sigma, T."""
    d1 = (math.log(S / K) + (R + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return (S * 0.5 * (1 + math.erf(d1 / math.sqrt(2.0)))
            - K * math.exp(-R * T) * 0.5 * (1 + math.erf(d2 / math.sqrt(2.0))))


def inputs(n, chunk, seed=0):
    """Random market scenarios, generated inside each chunk's task (never all at once)."""
    rs = da.random.RandomState(seed)
    S = rs.uniform(50.0, 150.0, size=n, chunks=chunk)
    sigma = rs.uniform(0.1, 0.5, size=n, chunks=chunk)
    T = rs.uniform(0.1, 2.0, size=n, chunks=chunk)
    return S, sigma, T


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=lambda s: int(float(s.replace("_", ""))), default=2_000_000,
                    help="number of points (e.g. 1e9)")
    ap.add_argument("--chunk", type=lambda s: int(float(s.replace("_", ""))), default=None,
                    help="points per chunk (default: n/8, at most 1e7)")
    args = ap.parse_args(argv)
    n = args.n
    chunk = args.chunk or max(1, min(10_000_000, -(-n // 8)))

    S, sigma, T = inputs(n, chunk)
    grad = call_price.grad                         # compiled once, numpy code
    delta, vega, theta_T = grad(S, sigma, T)       # lazy: nothing computed yet
    assert all(isinstance(g, da.Array) for g in (delta, vega, theta_T))
    print(f"{n:,} points in {delta.numblocks[0]} chunks of {chunk:,}: "
          f"gradient is a lazy {type(delta).__module__}.{type(delta).__name__}")

    # Reductions over all points: each chunk is computed, reduced, and dropped.
    t0 = time.perf_counter()
    stats = dask.compute(delta.mean(), delta.min(), delta.max(), vega.mean(), theta_T.mean())
    dt = time.perf_counter() - t0
    print(f"mean delta {stats[0]:.6f} (range {stats[1]:.3g}..{stats[2]:.6f}), "
          f"mean vega {stats[3]:.4f}, mean dC/dT {stats[4]:.4f}")
    print(f"computed in {dt:.2f} s ({n / dt / 1e6:.1f} M points/s, threads scheduler)")

    # Check: the first and last chunks against the numpy function on the same numbers.
    for b in sorted({0, delta.numblocks[0] - 1}):
        s, v, t = (x.blocks[b].compute() for x in (S, sigma, T))
        want = grad(s, v, t)
        got = dask.compute(delta.blocks[b], vega.blocks[b], theta_T.blocks[b])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)
    assert -1e-12 <= stats[1] and stats[2] <= 1 + 1e-12    # a call's delta is in [0, 1]
    print("dask gradient matches numpy on every checked chunk")


if __name__ == "__main__":
    main()
