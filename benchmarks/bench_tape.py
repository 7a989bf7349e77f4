"""Benchmark: forward + backward on the tape against torch eager (one thread)
and HIPS autograd when they are installed.

    python benchmarks/bench_tape.py [--repeat 50] [--iters 67] [--n 1000000] [--array-repeat 15]

Scalar workload: ``y = x; for _ in range(67): y = y*x + sin(y)`` (201 ops), then
backward.  Array workloads on ``n`` float64 elements (issue 5 target: within
1.5x of single-threaded torch eager): ``(sin(x)*exp(-x*x) + x*x).sum()``, an
18-op chain with sin/tanh, and a 16-op chain without trigonometric functions.
Prints the median time per forward+backward and the ratios.
"""

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:               # this checkout's symdiff
    sys.path.insert(0, _ROOT)


def run_tape(iters):
    from symdiff import tape

    def once():
        x = tape.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(iters):
            y = y * x + tape.sin(y)
        y.backward()
        return x.grad.item()
    return once


def run_torch(iters):
    import torch
    torch.set_num_threads(1)

    def once():
        x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(iters):
            y = y * x + torch.sin(y)
        y.backward()
        return x.grad.item()
    return once


def run_autograd(iters):
    import autograd
    import autograd.numpy as anp

    def f(x):
        y = x
        for _ in range(iters):
            y = y * x + anp.sin(y)
        return y
    g = autograd.grad(f)

    def once():
        return float(g(0.5))
    return once


ARRAY_WORKLOADS = {
    "(sin(x)*exp(-x*x) + x*x).sum()": lambda L, x: (L.sin(x) * L.exp(-x * x) + x * x).sum(),
    "18-op chain: 3x y = tanh(y)*x + y*0.5 - sin(y)": lambda L, x: _chain(L, x),
    "16-op chain: 4x y = tanh(y)*x + exp(-y*y)": lambda L, x: _chain_no_trig(L, x),
}


def _chain(L, x):
    y = x
    for _ in range(3):
        y = L.tanh(y) * x + y * 0.5 - L.sin(y)
    return y.sum()


def _chain_no_trig(L, x):
    y = x
    for _ in range(4):
        y = L.tanh(y) * x + L.exp(-y * y)
    return y.sum()


def run_array(engine, body, data):
    if engine == "tape":
        from symdiff import tape as L

        def leaf():
            return L.tensor(data, requires_grad=True)
    else:
        import torch as L
        L.set_num_threads(1)

        def leaf():
            return L.tensor(data, dtype=L.float64, requires_grad=True)

    def once():
        x = leaf()
        body(L, x).backward()
        return x.grad.numpy()
    return once


def array_tables(n, repeat):
    data = np.random.default_rng(0).standard_normal(n)
    print(f"\nforward+backward on {n:.0e} float64 elements, median of {repeat} "
          "(torch: torch.set_num_threads(1))")
    print(f"{'workload':<50}{'tape (ms)':>11}{'torch (ms)':>12}{'tape/torch':>12}")
    for name, body in ARRAY_WORKLOADS.items():
        tape_fn = run_array("tape", body, data)
        try:
            torch_fn = run_array("torch", body, data)
        except ImportError:
            print(f"{name:<50}{measure(tape_fn, repeat) * 1e3:>11.2f}{'n/a':>12}")
            continue
        if not np.allclose(tape_fn(), torch_fn(), rtol=1e-10, atol=1e-12):
            print("warning: tape and torch disagree on", name)
        tt, to = measure(tape_fn, repeat), measure(torch_fn, repeat)
        print(f"{name:<50}{tt * 1e3:>11.2f}{to * 1e3:>12.2f}{tt / to:>12.2f}")


def measure(fn, repeat):
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--iters", type=int, default=67)
    parser.add_argument("--n", type=int, default=10**6, help="array length (0: skip)")
    parser.add_argument("--array-repeat", type=int, default=15)
    args = parser.parse_args()
    engines = [("symdiff.tape", run_tape), ("torch eager", run_torch),
               ("HIPS autograd", run_autograd)]
    results = []
    values = []
    for name, make in engines:
        try:
            fn = make(args.iters)
        except ImportError:
            results.append((name, None))
            continue
        values.append(fn())
        results.append((name, measure(fn, args.repeat)))
    if values and not all(math.isclose(v, values[0], rel_tol=1e-9) for v in values):
        print("warning: engines disagree on the gradient:", values)
    base = results[0][1]
    print(f"forward+backward, scalar graph of {3 * args.iters} ops, median of {args.repeat}")
    print(f"{'engine':<16}{'time (ms)':>12}{'time / tape':>14}")
    for name, t in results:
        if t is None:
            print(f"{name:<16}{'not installed':>12}")
        else:
            print(f"{name:<16}{t * 1e3:>12.3f}{t / base:>14.2f}")
    if args.n:
        array_tables(args.n, args.array_repeat)


if __name__ == "__main__":
    main()
