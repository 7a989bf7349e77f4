"""The README tour and functions defined across cells, in IPython and in a REPL that
compiles one statement at a time (issue 10, item 12).

On Python 3.11+, ``math.sin(x)`` compiles differently when ``import math`` is in the
same compilation unit; IPython, Jupyter and the 3.13 REPL compile a cell one
top-level statement at a time, so the code Python runs differs from the cell text
compiled whole, and the stale-source check must not take that for an edit.
"""

import ast
import json
import linecache
import math
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

import symdiff as sd

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _tour() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"## A 10-line tour\n\n```python\n(.*?)```", text, re.S)
    assert match, "README.md has no '## A 10-line tour' python block"
    return match.group(1)


CELLS = [
    "import math\nimport numpy as np\nimport symdiff as sd",
    "def helper(u):\n    return math.sin(u) * np.exp(-u)",
    "@sd.symbolic\ndef f(x, y):\n    return helper(x) * y + math.cos(y)",
    "assert abs(f.diff('y')(1.0, 2.0) - (math.sin(1.0) * math.exp(-1.0) - math.sin(2.0))) < 1e-14",
    # redefined in a later cell: the new text is read
    "@sd.symbolic\ndef f(x, y):\n    return math.log(x) * y",
    "assert f.diff('x')(2.0, 3.0) == 1.5",
]


@pytest.fixture(scope="module")
def ipython_run():
    """The README tour as one cell, then CELLS, in one fresh IPython shell (a
    subprocess: the shell installs process-wide hooks). Each cell's outcome is
    printed as a line ``CELL <i> ok`` or ``CELL <i> failed: <error>``."""
    pytest.importorskip("IPython")
    script = textwrap.dedent("""
        import json, sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        for i, cell in enumerate(json.loads(sys.stdin.read())):
            result = shell.run_cell(cell)
            error = result.error_in_exec or result.error_before_exec
            print(f"CELL {i} ok" if result.success else f"CELL {i} failed: {error!r}")
    """)
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", script], input=json.dumps([_tour()] + CELLS),
                          text=True, capture_output=True, cwd=ROOT, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_readme_tour_as_one_ipython_cell(ipython_run):
    assert "CELL 0 ok" in ipython_run, ipython_run[-3000:]
    assert "tensor(3.6321)" in ipython_run


def test_functions_across_ipython_cells(ipython_run):
    for i in range(1, len(CELLS) + 1):
        assert f"CELL {i} ok" in ipython_run, ipython_run[-3000:]


def _run_statements(text: str, filename: str) -> dict:
    """What the Python 3.13 REPL does with a pasted block: the text is kept in
    linecache, each top-level statement compiled and run on its own."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    for node in ast.parse(text).body:
        exec(compile(ast.Module(body=[node], type_ignores=[]), filename, "exec"), namespace)
    return namespace


def test_statement_at_a_time_repl():
    text = textwrap.dedent("""
        import math
        import symdiff as sd

        def f(x, y):
            return math.sin(x) * y + math.exp(-x * y)
        """)
    ns = _run_statements(text, "<python-input-0>")
    F = sd.symbolic(ns["f"])
    assert F.diff("y")(1.0, 0.0) == pytest.approx(math.sin(1.0) - 1.0, rel=1e-14)


def test_an_edited_file_is_still_stale(tmp_path):
    from conftest import load_module
    mod = load_module(tmp_path, "import math\n\n\ndef f(x):\n    return math.sin(x)\n")
    path = pathlib.Path(mod.__file__)
    path.write_text("import math\n\n\ndef f(x):\n    return math.cos(x)\n")
    linecache.checkcache(str(path))
    with pytest.raises(sd.SymdiffError, match="not the function Python is running"):
        sd.symbolic(mod.f).expr
