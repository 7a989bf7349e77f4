"""Reading and compiling time of long random programs (issue 10, item 5).

    python benchmarks/long_programs.py                       # 10..160 lines, 6 programs each
    python benchmarks/long_programs.py --lines 20,40,80 --count 10 --seed 3

Each program is straight-line numeric code of the given number of statements,
written the way random real code is: chains of math functions, max/min of
earlier values, data-dependent ``if``s, short loops of ``tanh``, and constants
that do not depend on the input (``c = math.tanh(c) + c ** 2 / 7``). For each
it times ``sd.symbolic`` (reading), the first call (compiling), and the first
``F.grad`` call, each under a time limit (a hang is reported, not waited on).

It prints, per length: the median and the slowest total time and the slowest
per line, then the ratio of the slowest per-line time at the longest length to
that at the shortest (about 1 when time grows linearly with the program), and
the source of the slowest program.
"""

from __future__ import annotations

import argparse
import math
import random
import signal
import statistics
import sys
import tempfile
import time
import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import symdiff as sd  # noqa: E402

UNARY = ["math.tanh({})", "math.sin({})", "math.atan({})", "np.exp(-({}) ** 2)",
         "math.log(1.0 + ({}) ** 2)", "math.sqrt(({}) ** 2 + 1.0)", "abs({})",
         "({}) ** 2.0", "1.0 / (1.0 + ({}) ** 2)", "math.erf({})"]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "max({}, {})", "min({}, {})",
          "0.5 * ({} + {})", "np.maximum({}, {})", "({}) / (2.0 + math.cos({}))"]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def program(rng: random.Random, lines: int) -> str:
    """A random module with ``f(a, b)`` of ``lines`` statements."""
    names = ["a", "b"]
    consts = []
    body = []
    k = 0
    while len(body) < lines:
        k += 1
        kind = rng.random()
        target = f"v{k}"
        if kind < 0.12:                               # a constant chain, no input
            if consts and rng.random() < 0.7:
                c = rng.choice(consts)
                expr = f"math.tanh({c}) + {c} ** 2 / 7 + max({c}, 0.5)"
            else:
                expr = rng.choice(["math.pi / 3", "math.sqrt(2.0)", "0.75", "math.exp(-1.0)"])
            body.append(f"    c{k} = {expr}")
            consts.append(f"c{k}")
            continue
        if kind < 0.22 and len(names) > 2:            # a data-dependent if
            u, w = rng.sample(names, 2)
            body.append(f"    if {u} > {w}:")
            body.append(f"        {u} = {rng.choice(UNARY).format(w)}")
            continue
        if kind < 0.28:                               # a short loop
            u = rng.choice(names)
            body.append(f"    for i in range({rng.randint(2, 6)}):")
            body.append(f"        {u} = math.tanh({u}) + 0.1 * i")
            continue
        if rng.random() < 0.5:
            x = rng.choice(names + consts)
            expr = rng.choice(UNARY).format(x)
        else:
            x, y = rng.choice(names + consts), rng.choice(names)
            expr = rng.choice(BINARY).format(x, y)
        body.append(f"    {target} = {expr}")
        names.append(target)
    ret = " + ".join(rng.sample(names, min(3, len(names))))
    return ("import math\n\nimport numpy as np\n\n\ndef f(a, b):\n" + "\n".join(body)
            + f"\n    return {ret}\n")


def load(source: str, directory: Path, name: str):
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod.f


def timed(limit: float, fn):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    try:
        fn()
        return time.perf_counter() - t0
    except Hang:
        return math.inf
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="10,20,40,80,160")
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per stage")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.lines.split(",")]
    rng = random.Random(a.seed)
    workdir = Path(tempfile.mkdtemp(prefix="symdiff_long_"))
    warm = sd.symbolic("sin(x) * x")          # imports (scipy.special, ...) before timing
    warm(0.5), warm.grad(0.5)
    per_line_worst = {}
    slowest = (0.0, "", 0)
    hangs = 0
    print(f"{'lines':>6} {'median s':>9} {'slowest s':>10} {'slowest s/line':>15}"
          f" {'read':>7} {'compile':>8} {'grad':>7}")
    for n in sizes:
        totals, stages = [], []
        for j in range(a.count):
            src = program(rng, n)
            fn = load(src, workdir, f"long_{n}_{j}")
            box = {}
            read = timed(a.limit, lambda: box.setdefault("F", sd.symbolic(fn)))
            F = box.get("F")
            comp = timed(a.limit, lambda: F(0.3, -0.7)) if F is not None else math.inf
            grad = timed(a.limit, lambda: F.grad(0.3, -0.7)) if F is not None and \
                math.isfinite(comp) else math.inf
            total = read + comp + grad
            hangs += not math.isfinite(total)
            totals.append(total)
            stages.append((read, comp, grad))
            if total > slowest[0]:
                slowest = (total, src, n)
        worst = max(range(len(totals)), key=totals.__getitem__)
        per_line_worst[n] = totals[worst] / n
        r, c, g = stages[worst]
        print(f"{n:6d} {statistics.median(totals):9.2f} {totals[worst]:10.2f} "
              f"{per_line_worst[n]:15.4f} {r:7.2f} {c:8.2f} {g:7.2f}")
    lo, hi = sizes[0], sizes[-1]
    print(f"\nslowest s/line at {hi} lines / at {lo} lines: "
          f"{per_line_worst[hi] / per_line_worst[lo]:.2f} (1 = linear growth)")
    print(f"stages over the {a.limit:.0f} s limit (hangs): {hangs}")
    print(f"\nslowest program ({slowest[2]} lines, {slowest[0]:.2f} s):\n{slowest[1]}")
    return 1 if hangs else 0


if __name__ == "__main__":
    sys.exit(main())
