"""The array benchmark harness runs: ``benchmarks/bench_arrays.py --smoke --only hessians``
exits 0 and prints its table with symdiff's rows checked against the closed forms.
Tiny sizes, no peers, no timing assertions (timings belong in ``benchmarks/``)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks", "bench_arrays.py")


def test_hessian_table_prints_and_agrees_with_the_closed_forms():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, BENCH, "--smoke", "--only", "hessians", "--markdown"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "### hessians:" in out
    assert "| x@A@x Hessian in x, d=4 | symdiff |" in out
    assert "| logistic Hessian in w, 10x3 | symdiff |" in out
    assert "MISMATCH" not in out and "FAILED" not in out and "timeout >" not in out
    assert "Traceback" not in proc.stderr
