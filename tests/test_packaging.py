"""Packaging (issue 15, point 6): the distribution name, the install hints, and the
pytest plugin registered through the ``pytest11`` entry point."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib")          # Python 3.11+


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_distribution_name_is_not_the_unrelated_pypi_symdiff():
    # "symdiff" on PyPI is another project (symdiff 1.3.2); the import name stays symdiff
    assert project()["name"] == "symdiff-ast"
    assert (ROOT / "symdiff" / "__init__.py").exists()


def test_install_hints_work_from_a_checkout():
    """No hint of the form pip install 'symdiff[...]' (that installs the other project)."""
    offenders = []
    for path in list((ROOT / "symdiff").rglob("*.py")) + list((ROOT / "examples").glob("*.py")) \
            + [ROOT / "README.md"]:
        text = path.read_text()
        if "install 'symdiff[" in text or 'install "symdiff[' in text or "install symdiff[" in text:
            offenders.append(str(path))
    assert not offenders


def test_backend_hint_names_the_checkout_install(monkeypatch):
    from symdiff import backends
    hint = backends._PACKAGES["jax"][1]
    assert 'pip install -e ".[jax]"' in hint


def test_pytest_plugin_found_through_the_entry_point(tmp_path):
    """A test file with no pytest_plugins gets the ``derivatives`` fixture when symdiff is
    installed: the entry point declared in pyproject.toml is written as installed
    metadata (a dist-info directory) and pytest runs in a fresh process."""
    points = project()["entry-points"]["pytest11"]
    assert points == {"symdiff": "symdiff.pytest_plugin"}
    dist = tmp_path / "site" / "symdiff_ast-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: symdiff-ast\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(
        "[pytest11]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))
    tests = tmp_path / "proj"
    tests.mkdir()
    (tests / "test_loss.py").write_text(textwrap.dedent("""\
        import math

        def loss(x, y):
            return math.sin(x) * y**2

        def test_loss(derivatives):
            report = derivatives(loss, 0.3, 1.2, order=2)
            assert report.ok
        """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), str(ROOT)]))
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-o", "addopts=", str(tests / "test_loss.py")],
                         cwd=tests, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout
