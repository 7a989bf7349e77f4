"""The benchmark harness runs: ``benchmarks/run.py --smoke --only loop`` exits 0 and
prints a table. Tiny sizes, no peers, no timing assertions (timings belong in
``benchmarks/``, not in the test suite)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "benchmarks", "run.py")


def _run(*args):
    return subprocess.run([sys.executable, RUN, "--quick", "--smoke", *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_loop_table_prints():
    proc = _run("--only", "loop")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "== loop:" in out
    assert "plain Python forward" in out and "symdiff numpy" in out
    assert "FAILED" not in out and "MISMATCH" not in out
    assert "Traceback" not in proc.stderr


def test_markdown_table():
    proc = _run("--only", "loop", "--markdown")
    assert proc.returncode == 0, proc.stderr
    assert "### loop:" in proc.stdout
    assert "| case | engine | one-off | median / call |" in proc.stdout
