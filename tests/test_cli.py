"""The command line: every command, --help, and each error path (one line, exit 2)."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import symdiff as sd
from symdiff import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent
BS = str(ROOT / "examples" / "black_scholes.py")
BS_POINT = "S=100,K=95,T=0.5,r=0.01,sigma=0.2"


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``symdiff argv...`` run in this process."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:          # argparse: --help, usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


# -- commands -------------------------------------------------------------------------------

def test_diff_expression_order_and_value(capsys):
    code, out, err = run(capsys, "diff", "x**2 + 2*x + 3", "--wrt", "x", "--order", "2", "--at", "x=1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("(x) = x**2 + 2*x + 3")
    assert lines[1].endswith("/dx2(x) = 2")
    assert lines[2].endswith("at x=1.0: 2.0")


def test_diff_mixed_partial_latex_and_source(capsys):
    code, out, err = run(capsys, "diff", "x**2*y + sin(y)", "--wrt", "x", "--wrt", "y",
                         "--latex", "--source")
    assert code == 0, err
    assert "/dxdy(x, y) = 2*x" in out
    assert "LaTeX: 2 x" in out
    assert "def " in out and "return" in out


def test_diff_default_variable_for_one_parameter(capsys):
    code, out, _ = run(capsys, "diff", "sin(x)", "--at", "x=0")
    assert code == 0
    assert "(x) = cos(x)" in out and out.strip().endswith(": 1.0")


def test_diff_file_function(capsys):
    code, out, err = run(capsys, "diff", BS + ":call_price", "--wrt", "S", "--at", BS_POINT)
    assert code == 0, err
    assert out.splitlines()[1].startswith("dcall_price/dS(S, K, T, r, sigma) = ")
    value = float(out.splitlines()[2].rsplit(": ", 1)[1])
    assert abs(value - 0.680380968411393) < 1e-12


def test_grad(capsys):
    code, out, err = run(capsys, "grad", "x**2*y + sin(y)", "--at", "x=1,y=2")
    assert code == 0, err
    assert "/dx = 2*x*y" in out and "/dy = x**2 + cos(y)" in out
    assert "/dx = 4.0" in out and "/dy = 0.5838531634528576" in out


def test_grad_source_of_file_function(capsys):
    code, out, err = run(capsys, "grad", str(ROOT / "examples" / "newton.py") + ":rosenbrock", "--source")
    assert code == 0, err
    assert "drosenbrock/dy = -200.0*x**2 + 200.0*y" in out
    assert "def grad_rosenbrock(x, y):" in out


def test_hessian(capsys):
    code, out, err = run(capsys, "hessian", "x**2*y + sin(y)", "--at", "x=1,y=2", "--latex")
    assert code == 0, err
    assert "  [2*y, 2*x]" in out and "  [2*x, -sin(y)]" in out
    assert "  [4.0, 2.0]" in out and "  [2.0, -0.9092974268256817]" in out
    assert "LaTeX: \\left[\\begin{matrix}" in out


def test_at_may_be_repeated_and_defaults_fill_in(capsys, tmp_path):
    path = tmp_path / "defaults.py"
    path.write_text("def f(x, y=3.0):\n    return x * y\n")
    code, out, err = run(capsys, "diff", f"{path}:f", "--wrt", "x", "--at", "x=1")
    assert code == 0, err
    assert out.strip().endswith(": 3.0")
    code, out, err = run(capsys, "diff", f"{path}:f", "--wrt", "x", "--at", "x=1,y=5")
    assert out.strip().endswith(": 5.0")


def test_repeated_at_evaluates_every_point_as_a_table(capsys):
    code, out, err = run(capsys, "diff", "x**3", "--at", "x=1", "--at", "x=2", "--at", "x=-1.5")
    assert code == 0, err
    rows = [line.split() for line in out.strip().splitlines()[-4:]]
    assert rows == [["x", "df/dx"], ["1.0", "3.0"], ["2.0", "12.0"], ["-1.5", "6.75"]]
    code, out, err = run(capsys, "grad", "x**2*y", "--at", "x=1,y=2", "--at", "x=0,y=3")
    rows = [line.split() for line in out.strip().splitlines()[-3:]]
    assert rows == [["x", "y", "df/dx", "df/dy"], ["1.0", "2.0", "4.0", "1.0"],
                    ["0.0", "3.0", "0.0", "0.0"]]


def test_a_name_twice_in_one_at_is_an_error(capsys):
    code, out, err = run(capsys, "diff", "x**3", "--at", "x=1,x=2")
    assert_one_line_error(code, out, err, "symdiff diff: error:", "x is given twice",
                          "--at x=1 --at x=2")


def test_jacobian_command(capsys):
    code, out, err = run(capsys, "jacobian", "(x*y, x + y, sin(x))", "--at", "x=0,y=2")
    assert code == 0, err
    assert "jacobian f(x, y) =" in out and "  [y, x]" in out and "  [cos(x), 0]" in out
    assert out.strip().endswith("at x=0.0, y=2.0:\n  [2.0, 0.0]\n  [1.0, 1.0]\n  [1.0, 0.0]")


def test_shapes_and_static_options(capsys, tmp_path):
    path = tmp_path / "shaped.py"
    path.write_text(textwrap.dedent("""\
        def head(x, k):
            total = 0.0
            for i in range(k):
                total += x[i] ** 2
            return total

        def power(a, n: int):
            for _ in range(n):
                a = a * a
            return a
        """))
    code, out, err = run(capsys, "grad", f"{path}:head", "--shapes", "x=3", "--static", "k=2",
                         "--at", "x=[1,2,3]")
    assert code == 0, err
    assert "head(x) = x_0**2 + x_1**2" in out and "dhead/dx = [2., 4., 0.]" in out
    code, out, err = run(capsys, "diff", f"{path}:power", "--static", "n=2",
                         "--at", "a=1.5", "--at", "a=2")
    assert code == 0, err
    assert "power(a) = a**4" in out and out.split()[-4:] == ["1.5", "13.5", "2.0", "32.0"]
    code, out, err = run(capsys, "diff", f"{path}:power", "--at", "a=1.5")
    assert_one_line_error(code, out, err, "static parameter n", "--static n=VALUE")
    code, out, err = run(capsys, "grad", f"{path}:head", "--static", "k=2", "--at", "x=1")
    assert_one_line_error(code, out, err, "symdiff grad: error:", "--shapes x=3")
    code, out, err = run(capsys, "grad", f"{path}:head", "--shapes", "x=three")
    assert_one_line_error(code, out, err, "bad --shapes entry")


def test_expression_errors_have_the_prefix_and_the_column(capsys):
    code, out, err = run(capsys, "diff", "(x + 1) ^ 2", "--wrt", "x")
    assert_one_line_error(code, out, err, "symdiff diff: error: <expression>:1:9:", "operator ^")


def test_file_imports_its_sibling_modules(capsys, tmp_path):
    (tmp_path / "cli_sibling_consts.py").write_text("SCALE = 4.0\n")
    (tmp_path / "uses_sibling.py").write_text(textwrap.dedent("""\
        import math
        from cli_sibling_consts import SCALE

        def g(x):
            return SCALE * math.sin(x)
        """))
    code, out, err = run(capsys, "diff", f"{tmp_path / 'uses_sibling.py'}:g", "--at", "x=0")
    assert code == 0, err
    assert out.strip().endswith(": 4.0")
    assert str(tmp_path) not in sys.path


# -- help -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [[], ["diff"], ["grad"], ["hessian"], ["jacobian"], ["check"]])
def test_help_with_examples(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert out.startswith("usage: symdiff")
    assert "examples:" in out and "symdiff " + (command[0] if command else "diff") in out


# -- errors: one line on stderr, exit code 2 -------------------------------------------------------

def test_bad_expression(capsys):
    code, out, err = run(capsys, "diff", "x**", "--wrt", "x")
    assert_one_line_error(code, out, err, ":1:1:", "invalid expression")


def test_unknown_variable_in_wrt(capsys):
    code, out, err = run(capsys, "diff", "x*y", "--wrt", "z")
    assert_one_line_error(code, out, err, "unknown variable 'z'", "(x, y)")


def test_unknown_variable_in_at(capsys):
    code, out, err = run(capsys, "grad", "x*y", "--at", "x=1,y=2,q=3")
    assert_one_line_error(code, out, err, "unknown variable 'q' in --at")


def test_missing_value_in_at(capsys):
    code, out, err = run(capsys, "hessian", "x*y", "--at", "x=1")
    assert_one_line_error(code, out, err, "missing value for 'y' in --at")


@pytest.mark.parametrize("at", ["x=one", "x", "=1", "x=1,y"])
def test_malformed_at(capsys, at):
    code, out, err = run(capsys, "diff", "x*y", "--wrt", "x", "--at", at)
    assert_one_line_error(code, out, err, "--at")


def test_wrt_needed_for_several_parameters(capsys):
    code, out, err = run(capsys, "diff", "x*y")
    assert_one_line_error(code, out, err, "--wrt")


def test_bad_order(capsys):
    code, out, err = run(capsys, "diff", "x*y", "--wrt", "x", "--order", "0")
    assert_one_line_error(code, out, err, "--order")
    code, out, err = run(capsys, "diff", "x*y", "--wrt", "x", "--order", "two")
    assert_one_line_error(code, out, err, "--order")


def test_file_not_found(capsys):
    code, out, err = run(capsys, "diff", "no/such/file.py:f", "--wrt", "x")
    assert_one_line_error(code, out, err, "file not found: no/such/file.py")


def test_function_not_in_file(capsys):
    code, out, err = run(capsys, "grad", BS + ":put_price")
    assert_one_line_error(code, out, err, "no function 'put_price'", "call_price")


def test_file_without_function_name(capsys):
    code, out, err = run(capsys, "grad", BS)
    assert_one_line_error(code, out, err, "name the function")


def test_unsupported_syntax_in_plain_function(capsys, tmp_path):
    path = tmp_path / "loop.py"
    path.write_text("def f(x):\n    while x > 1:\n        x = x / 2\n    return x\n")
    code, out, err = run(capsys, "diff", f"{path}:f", "--wrt", "x")
    assert_one_line_error(code, out, err, f"{path}:2:5: unsupported while loop")


def test_unsupported_syntax_in_decorated_function(capsys, tmp_path):
    path = tmp_path / "decorated_try.py"
    path.write_text(textwrap.dedent("""\
        import symdiff as sd

        @sd.symbolic
        def f(x):
            try:
                return x
            except ValueError:
                return 0.0
        """))
    code, out, err = run(capsys, "grad", f"{path}:f")
    assert_one_line_error(code, out, err, f"{path}:5:5: unsupported try statement")


def test_python_syntax_error_in_file(capsys, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def f(x):\n    return x +\n")
    code, out, err = run(capsys, "grad", f"{path}:f")
    assert_one_line_error(code, out, err, f"{path}:2:")


def test_error_while_importing_file(capsys, tmp_path):
    path = tmp_path / "raises.py"
    path.write_text("raise RuntimeError('boom')\n")
    code, out, err = run(capsys, "grad", f"{path}:f")
    assert_one_line_error(code, out, err, "RuntimeError: boom")


def test_unknown_command(capsys):
    code, out, err = run(capsys, "integrate", "x")
    assert_one_line_error(code, out, err, "invalid choice")


# -- check ------------------------------------------------------------------------------------------

class _FakeReport:
    def __init__(self, ok):
        self.ok = ok

    def __str__(self):
        return "fake table: " + ("agree" if self.ok else "DISAGREE")


@pytest.mark.parametrize("ok, code", [(True, 0), (False, 1)])
def test_check_exit_code_follows_report(capsys, monkeypatch, ok, code):
    seen = {}

    def fake_check(fn, *args, order=1):
        seen.update(fn=fn, args=args, order=order)
        return _FakeReport(ok)
    monkeypatch.setattr(sd, "check", fake_check, raising=False)
    got, out, err = run(capsys, "check", BS + ":call_price", "--at", BS_POINT, "--order", "2")
    assert got == code, err
    assert "fake table" in out
    assert seen["args"] == (100.0, 95.0, 0.5, 0.01, 0.2) and seen["order"] == 2
    assert seen["fn"].name == "call_price"


def test_check_needs_a_point(capsys, monkeypatch):
    monkeypatch.setattr(sd, "check", lambda *a, **k: _FakeReport(True), raising=False)
    code, out, err = run(capsys, "check", BS + ":call_price")
    assert_one_line_error(code, out, err, "--at")


needs_check = pytest.mark.skipif(not hasattr(sd, "check"), reason="sd.check has not landed yet")


@needs_check
def test_check_black_scholes(capsys):
    code, out, err = run(capsys, "check", BS + ":call_price", "--at", BS_POINT)
    assert code == 0, out + err
    assert out.strip()


@needs_check
def test_check_second_order(capsys):
    code, out, err = run(capsys, "check", str(ROOT / "examples" / "newton.py") + ":rosenbrock",
                         "--at", "x=0.5,y=2", "--order", "2")
    assert code == 0, out + err


# -- as a program ------------------------------------------------------------------------------------

def test_python_dash_m_symdiff():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ok = subprocess.run([sys.executable, "-m", "symdiff", "diff", "x**3", "--wrt", "x", "--at", "x=2"],
                        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().endswith(": 12.0")
    bad = subprocess.run([sys.executable, "-m", "symdiff", "diff", "x*y", "--wrt", "z"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert bad.returncode == 2
    assert bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1
