"""Every example in examples/ runs (``python examples/NAME.py``) and prints its point."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

KEY_LINES = {
    "quickstart.py": ["df/dx(x, y) = 2*x*y - exp(-x)", "def grad_f(x, y):", "all three agree",
                      "quickstart done"],
    "autograd_tutorial.py": ["dF/dx(x) = 2*x + 2", "== 9. SGD",
                             "every tape gradient agrees with the closed form"],
    "black_scholes.py": ["all Greeks agree with the textbook formulas"],
    "newton.py": ["converged to the minimum (1, 1)"],
    "scipy_minimize.py": ["n=10 trust-constr", "scipy.optimize converged to the minimum"],
    "pendulum.py": ["theta'' = -g/l sin(theta) recovered from L", "energy conserved"],
    "dask_gradient.py": ["dask gradient matches numpy on every checked chunk"],
    "dask_logistic_newton.py": ["Newton on dask arrays converged",
                                "gradient and Hessian match the closed form"],
}


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(KEY_LINES)


@pytest.fixture(scope="module")
def runs():
    """Start every example at once (they are independent), collect them as asked."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    procs = {name: subprocess.Popen([sys.executable, str(EXAMPLES / name)], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in KEY_LINES}
    yield procs
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("name", sorted(KEY_LINES))
def test_example_runs(runs, name):
    stdout, stderr = runs[name].communicate(timeout=120)
    assert runs[name].returncode == 0, stderr
    for line in KEY_LINES[name]:
        assert line in stdout, (line, stdout[-2000:])


def test_quickstart_check_agrees():
    import runpy

    import symdiff as sd
    ns = runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="quickstart")
    assert sd.check(ns["f"], 1.0, 2.0, order=2).ok
