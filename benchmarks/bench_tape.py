"""Benchmark: forward + backward of a scalar graph of ~200 ops on the tape,
against torch eager and HIPS autograd when they are installed.

    python benchmarks/bench_tape.py [--repeat 50] [--iters 67]

Workload: ``y = x; for _ in range(67): y = y*x + sin(y)``, then backward.
Prints the median time per forward+backward and the ratio to the tape.
"""

import argparse
import math
import statistics
import time

import numpy as np


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


if __name__ == "__main__":
    main()
