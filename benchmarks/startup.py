"""Start-up costs of a fresh Python process (issue 15, point 7).

Each number is the median over fresh processes (``--runs``, default 5) of:

* ``import symdiff``: the package itself (names load on first use, PEP 562);
* ``from symdiff import tape``: the tape alone; sympy must stay unimported;
* ``symbolic side``: the first ``sd.symbolic`` attribute, which loads the reader
  (sympy, the reader, code generation);
* ``first derivative``: then reading a small function, its gradient and one call,
  ``f(x, y) = x**2*y + sin(y)`` (target: under 0.1 s);
* ``67-step loop``: then the same for the README's loop benchmark,
  ``y = x; for _ in range(67): y = y*x + sin(y)``, d/dx at a Python float.

    python benchmarks/startup.py [--runs N] [--markdown]

Where the time went before (python -X importtime, cProfile): 80% of the first
derivative was ``import scipy.special`` (code generation put the special functions
in every namespace; now looked up on first use, ``runtime.LazySpecial``), and most of
the rest was sympy importing ``sympy.tensor.tensor`` inside its first ``Add`` (now
loaded with the reader).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = textwrap.dedent('''
    import json, sys, time, tempfile, os, importlib
    t0 = time.perf_counter()
    from symdiff import tape
    t1 = time.perf_counter()
    tape_sympy = "sympy" in sys.modules
    import symdiff as sd
    t2 = time.perf_counter()
    sd.symbolic
    t3 = time.perf_counter()
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "_startup_fns.py"), "w") as fh:
        fh.write("import math\\n"
                 "def f(x, y):\\n    return x**2 * y + math.sin(y)\\n"
                 "def loop(x):\\n    y = x\\n    for _ in range(67):\\n"
                 "        y = y * x + math.sin(y)\\n    return y\\n")
    sys.path.insert(0, d)
    import _startup_fns as m
    t4 = time.perf_counter()
    F = sd.symbolic(m.f)
    F.grad(1.0, 2.0)
    t5 = time.perf_counter()
    L = sd.symbolic(m.loop)
    L.diff("x")(0.5)
    t6 = time.perf_counter()
    print(json.dumps({"tape": t1 - t0, "tape_imports_sympy": tape_sympy,
                      "import": t2 - t1, "symbolic_side": t3 - t2,
                      "first_derivative": t5 - t4, "loop67": t6 - t5}))
''')

ROWS = [("from symdiff import tape", "tape"), ("import symdiff", "import"),
        ("symbolic side (first sd.symbolic)", "symbolic_side"),
        ("first derivative (read, grad, call)", "first_derivative"),
        ("67-step loop (read, d/dx, call)", "loop67")]


def measure(runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                             text=True, check=True)
        samples.append(json.loads(out.stdout))
    result = {key: statistics.median(s[key] for s in samples) for _, key in ROWS}
    result["tape_imports_sympy"] = any(s["tape_imports_sympy"] for s in samples)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    r = measure(args.runs)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    if args.markdown:
        print(f"median of {args.runs} fresh processes; load average {load}\n")
        print("| step | seconds |\n|---|---:|")
        for label, key in ROWS:
            print(f"| {label} | {r[key]:.3f} |")
    else:
        print(f"median of {args.runs} fresh processes (load average {load})")
        for label, key in ROWS:
            print(f"  {label:40s} {r[key]:7.3f} s")
    print(f"\nfrom symdiff import tape imports sympy: {r['tape_imports_sympy']}")
    print(f"first derivative after import: {r['first_derivative']:.3f} s "
          f"({'under' if r['first_derivative'] < 0.1 else 'OVER'} the 0.1 s target)")


if __name__ == "__main__":
    main()
