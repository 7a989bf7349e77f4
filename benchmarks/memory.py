"""Memory of many short-lived symbolic functions: does it stay bounded?

Run:  python benchmarks/memory.py [--n 3000] [--tracemalloc] [--keep]

Makes ``--n`` distinct functions, half expression strings and half functions
(with a branch and a loop) from a generated module, and for each takes
``.grad`` and calls the function and its gradient once, then drops it. After a
warm-up of 500 functions it prints, every 1000 functions, the process's RSS,
the Python heap (tracemalloc, with ``--tracemalloc``; it slows the run ~2x),
and the size of the registries that could grow with the number of functions:
``linecache`` entries of generated code, live SymbolicFunction objects and the
entries of sympy's (bounded, SYMPY_CACHE_SIZE) caches. ``--keep`` keeps every
function alive instead, for comparison.

Measured (2-CPU shared machine, sympy 1.14, --n 3000 --tracemalloc), growth over
the last 1000 functions, once sympy's bounded caches are full:

  before linecache entries were dropped:  heap +8.6 MiB, RSS +18.1 MiB, linecache +2000
  now:                                    heap +0.6 MiB, RSS  +2.2 MiB, linecache 0

(without tracemalloc, RSS +9.5 MiB before and +0.6 MiB now per 1000 functions).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import linecache
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import symdiff as sd
from symdiff import naming
from symdiff.function import SymbolicFunction

WARMUP = 500
EVERY = 1000


def rss_mib() -> float:
    """Resident set size in MiB (Linux /proc; ru_maxrss elsewhere, which is a peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:                                     # pragma: no cover - not Linux
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generated_entries() -> int:
    """linecache entries of symdiff's generated code."""
    prefix = naming.GENERATED_FILE.split("{")[0]
    return sum(1 for k in list(linecache.cache) if k.startswith(prefix))


def sympy_cache_entries() -> int:
    from sympy.core import cache
    total = 0
    for f in cache.CACHE:
        info = getattr(f, "cache_info", None)
        if info is not None:
            total += info().currsize
    return total


def live_functions() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is SymbolicFunction)


def expression(k: int) -> str:
    return (f"x**{k % 5 + 2}*sin({k + 1}*y) + exp(-x*y/{k + 2}) "
            f"+ log(1 + x**2 + {k % 11 + 1}*y**2)")


def module_source(n: int) -> str:
    parts = ["import math\n"]
    for k in range(n):
        parts.append(f"""
def f{k}(x, y):
    z = x * y + {k + 1} * math.sin(x)
    if x > {k % 3}:
        z = z + math.exp(-y * {k % 7 + 1})
    for i in range(2):
        z = z * 0.5 + math.cos(z + {k}.5 * i)
    return z * y
""")
    return "".join(parts)


def load_module(directory: Path, n: int):
    path = directory / "_memory_mod.py"
    path.write_text(module_source(n))
    spec = importlib.util.spec_from_file_location("_memory_mod", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["_memory_mod"] = mod
    spec.loader.exec_module(mod)
    return mod


def one(k: int, mod):
    F = sd.symbolic(expression(k)) if k % 2 == 0 else sd.symbolic(getattr(mod, f"f{k // 2}"))
    F(0.3, 0.7)
    F.grad(0.3, 0.7)
    return F


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="functions after the warm-up")
    ap.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap")
    ap.add_argument("--keep", action="store_true", help="keep every function alive")
    args = ap.parse_args(argv)

    total = WARMUP + args.n
    kept = []
    rows = []
    with tempfile.TemporaryDirectory() as d:
        mod = load_module(Path(d), total // 2 + 1)
        t0 = time.perf_counter()
        for k in range(WARMUP):
            F = one(k, mod)
            if args.keep:
                kept.append(F)
        del F
        gc.collect()
        if args.tracemalloc:
            tracemalloc.start()
        base_rss = rss_mib()
        base_heap = tracemalloc.get_traced_memory()[0] if args.tracemalloc else 0
        print(f"{'functions':>9} {'RSS MiB':>8} {'dRSS':>7} {'heap MiB':>9} {'linecache':>9} "
              f"{'alive':>6} {'sympy cache':>11} {'s/1000':>7}")

        def report(done, t):
            gc.collect()
            rss = rss_mib()
            heap = tracemalloc.get_traced_memory()[0] if args.tracemalloc else 0
            row = {"functions": done, "rss": rss, "drss": rss - base_rss,
                   "heap": (heap - base_heap) / 2**20, "linecache": generated_entries(),
                   "alive": live_functions(), "sympy_cache": sympy_cache_entries(), "secs": t}
            rows.append(row)
            heap_text = f"{row['heap']:9.1f}" if args.tracemalloc else f"{'-':>9}"
            print(f"{done:9d} {rss:8.1f} {row['drss']:+7.1f} {heap_text} {row['linecache']:9d} "
                  f"{row['alive']:6d} {row['sympy_cache']:11d} {t:7.1f}", flush=True)

        report(WARMUP, time.perf_counter() - t0)
        t = time.perf_counter()
        for k in range(WARMUP, total):
            F = one(k, mod)
            if args.keep:
                kept.append(F)
            if (k + 1 - WARMUP) % EVERY == 0:
                del F
                report(k + 1, time.perf_counter() - t)
                t = time.perf_counter()
        sys.modules.pop("_memory_mod", None)
    if len(rows) > 2:
        # sympy's caches fill up to their bound (SYMPY_CACHE_SIZE per cached
        # function) over the first ~2500 functions: the last interval is the
        # steady state
        a, b = rows[-2], rows[-1]
        n = b["functions"] - a["functions"]
        print(f"last {n} functions: RSS {b['rss'] - a['rss']:+.2f} MiB"
              + (f", heap {b['heap'] - a['heap']:+.2f} MiB" if args.tracemalloc else "")
              + f", linecache {b['linecache'] - a['linecache']:+d} entries")
    return {"rows": rows}


if __name__ == "__main__":
    main()
