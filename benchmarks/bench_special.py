"""Timing of symdiff.special.erf on 1e6 points against np.exp (and scipy).

Run:  python benchmarks/bench_special.py
Prints best-of-N wall times in ms and the ratio to np.exp.  Two input
distributions: standard normal (typical of generated-code use) and uniform
on [-6, 6] (exercises all three of Cody's regions evenly).
"""
import timeit

import numpy as np

from symdiff import special


def best_ms(f, repeat=15):
    return min(timeit.repeat(f, number=1, repeat=repeat)) * 1e3


def main():
    try:
        import scipy.special as sps
    except ImportError:
        sps = None
    rng = np.random.default_rng(0)
    n = 10**6
    for label, x in [("normal(0,1)", rng.standard_normal(n)),
                     ("uniform(-6,6)", rng.uniform(-6.0, 6.0, n))]:
        t_exp = best_ms(lambda: np.exp(x))
        rows = [("np.exp", t_exp),
                ("special.erf", best_ms(lambda: special.erf(x))),
                ("special.erfc", best_ms(lambda: special.erfc(x))),
                ("special.gamma", best_ms(lambda: special.gamma(x), 5)),
                ("special.lgamma", best_ms(lambda: special.lgamma(x), 5)),
                ("special.digamma", best_ms(lambda: special.digamma(x), 5))]
        if sps is not None:
            rows.append(("scipy.special.erf", best_ms(lambda: sps.erf(x))))
        print(f"{n:.0e} points, x ~ {label}")
        for name, t in rows:
            print(f"  {name:20s} {t:8.2f} ms   {t / t_exp:6.2f} x np.exp")
        if sps is None:
            print("  (scipy not installed: no scipy.special.erf comparison)")


if __name__ == "__main__":
    main()
