"""Untrusted text is never executed (issue 6).

The classic payloads, given as expression strings (``sd.symbolic``, the CLI's
EXPR and ``--at``) and as function source, must be refused with
``SymdiffSyntaxError`` (or, for ``--at``, a one-line CLI error), and must not
run: each tries to create a sentinel file, and a Python audit hook records every
process launch, ``exec``/``eval`` of code and file opened under the test's
directory while symdiff reads them. Nothing may be recorded.
"""

from __future__ import annotations

import contextlib
import sys
import threading

import pytest

import symdiff as sd
from symdiff import cli

from conftest import load_module

# -- the audit hook: installed once (hooks cannot be removed), armed per test ---------

_armed = threading.local()
_WATCHED = ("os.system", "subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork",
            "os.spawn", "pty.spawn", "exec", "os.remove", "shutil.rmtree", "socket.connect")


def _hook(event, args):
    seen = getattr(_armed, "events", None)
    if seen is None:
        return
    if event == "exec":
        # Imports exec modules' code, libraries exec code they make (dataclasses,
        # numpy.f2py), symdiff execs what it generated: a code object is a payload's
        # when it names what the payloads call or the test's directory.
        if _payload_code(args[0]):
            seen.append((event, args[0]))
    elif event in _WATCHED:
        seen.append((event, args))
    elif event == "open" and args and str(args[0]).startswith(_armed.root) and (
            str(args[0]).endswith("pwned") or any(m in str(args[1]) for m in "wax+")):
        seen.append((event, args))        # reading the test's own module is fine


_PAYLOAD_NAMES = {"system", "call", "open", "__import__", "__subclasses__", "__globals__",
                  "eval", "exec", "compile", "breakpoint", "input", "getattr", "globals", "vars",
                  "write_text", "sympify", "S"}


def _payload_code(code) -> bool:
    where = getattr(code, "co_filename", "")
    if where.endswith(".py") or where.startswith("<symdiff-"):
        return False                      # a module being imported, or generated code
    names = set(getattr(code, "co_names", ()))
    consts = [c for c in getattr(code, "co_consts", ()) if isinstance(c, str)]
    nested = [c for c in getattr(code, "co_consts", ()) if hasattr(c, "co_names")]
    return (bool(names & _PAYLOAD_NAMES) or any(_armed.root in c for c in consts)
            or any(_payload_code(c) for c in nested))


sys.addaudithook(_hook)
# symdiff imports its reader lazily (and dataclasses exec the methods they make):
# import everything before any test arms the hook
sd.symbolic("x + 1").grad(1.0)
cli.build_parser()


@contextlib.contextmanager
def watched(root):
    _armed.root, _armed.events = str(root), []
    try:
        yield _armed.events
    finally:
        _armed.events = None


# -- payloads ------------------------------------------------------------------------

PAYLOADS = [
    "__import__('os').system('touch {s}')",
    "__import__('subprocess').call(['touch', '{s}'])",
    "().__class__.__base__.__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()[0]",
    "x.__class__.__init__.__globals__",
    "[c for c in ().__class__.__mro__[1].__subclasses__()]",
    "open('{s}', 'w').write('pwned')",
    "__builtins__.open('{s}', 'w')",
    "eval(\"open('{s}', 'w')\")",
    "exec(\"open('{s}', 'w')\")",
    "compile('1', 'f', 'eval')",
    "(lambda: open('{s}', 'w'))()",
    "(lambda f: f('{s}', 'w'))(open)",
    "x if open('{s}', 'w') else x",
    "getattr(x, '__class__')",
    "globals()['__builtins__']",
    "vars()",
    "breakpoint()",
    "input()",
    "sin.__globals__['__builtins__']",
    "sin('__import__(\"os\").system(\"touch {s}\")')",
    "x + 'import os'",
    "sympify(\"__import__('os').system('touch {s}')\")",
    "Symbol(\"x\")",
    "S(\"__import__('os')\")",
    "x.__add__(x)",
    "x._sympy_()",
]


def _texts(tmp_path):
    sentinel = tmp_path / "pwned"
    return sentinel, [p.format(s=sentinel) for p in PAYLOADS]


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_expression_payloads_are_refused_and_nothing_runs(tmp_path, i):
    sentinel, texts = _texts(tmp_path)
    with watched(tmp_path) as events:
        with pytest.raises(sd.SymdiffSyntaxError) as err:
            sd.symbolic(texts[i])
    assert err.value.lineno == 1 and err.value.filename == "<expression>"
    assert events == [] and not sentinel.exists()


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_cli_payloads_are_refused_and_nothing_runs(tmp_path, i, capsys):
    sentinel, texts = _texts(tmp_path)
    with watched(tmp_path) as events:
        for argv in (["diff", texts[i], "--at", "x=1"], ["check", texts[i], "--at", "x=1"]):
            assert cli.main(argv) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "unsupported" in err[0] and "Traceback" not in err[0]
    assert events == [] and not sentinel.exists()


@pytest.mark.parametrize("value", ["__import__('os').system('touch {s}')", "1e0+open('{s}')",
                                   "float('nan')", "[1]"])
def test_cli_point_values_are_numbers_only(tmp_path, value, capsys):
    sentinel = tmp_path / "pwned"
    with watched(tmp_path) as events:
        code = cli.main(["diff", "x**2", "--at", "x=" + value.format(s=sentinel)])
    err = capsys.readouterr().err
    assert code == 2 and "x=" in err
    assert events == [] and not sentinel.exists()


def test_functions_are_read_not_run(tmp_path):
    """Decorating, differentiating, printing and reading ``F.source`` of a function
    whose body would create the sentinel (were it run) runs nothing of it."""
    sentinel = tmp_path / "ran"
    mod = load_module(tmp_path, f"""
import math
import pathlib

SENTINEL = pathlib.Path({str(sentinel)!r})


def touch():
    SENTINEL.write_text("ran")
    return 1.0


def f(x, y):
    z = x * y + math.sin(x)
    if z > 100.0:
        return z * 2.0
    return z


def evil(x):
    if x > 1e300:
        touch()
    return x
""")
    with watched(tmp_path) as events:
        F = sd.symbolic(mod.f)
        D = F.diff("x", "y")
        _ = (F.grad, F.hessian, F.source, D.source, str(F), repr(D), F.latex())
        with pytest.raises(sd.SymdiffSyntaxError):
            sd.symbolic(mod.evil)
    assert events == [] and not sentinel.exists()
    assert D(0.3, 0.5) == pytest.approx(1.0)


@pytest.mark.parametrize("body, construct", [
    ("return x.__class__", "attribute .__class__"),
    ("return ().__class__.__base__.__subclasses__()", "attribute .__class__"),
    ("open(P, 'w')\n    return x", "expression statement"),
    ("return open(P, 'w') and x", "call to open()"),
    ("y = __import__('os').system('touch ' + P)\n    return x", "call to __import__()"),
    ("return eval('x')", "call to eval()"),
    ("return getattr(x, 'real')", "call to getattr()"),
    ("return (lambda: open(P, 'w'))() and x", "call to open()"),
])
def test_payloads_in_function_source_are_fenced(tmp_path, body, construct):
    sentinel = tmp_path / "ran"
    mod = load_module(tmp_path, f"P = {str(sentinel)!r}\n\n\ndef g(x):\n    {body}\n")
    with watched(tmp_path) as events:
        with pytest.raises(sd.SymdiffSyntaxError) as err:
            sd.symbolic(mod.g)
    assert err.value.construct == construct
    assert err.value.filename.endswith(".py") and err.value.lineno >= 5
    assert events == [] and not sentinel.exists()


def test_the_watch_sees_a_payload_that_does_run(tmp_path):
    """The watch is not blind: running a payload ourselves is recorded."""
    sentinel, texts = _texts(tmp_path)
    with watched(tmp_path) as events:
        eval(texts[PAYLOADS.index("open('{s}', 'w').write('pwned')")])    # noqa: S307
    assert sentinel.exists()
    assert [e for e, _ in events] == ["exec", "open"]
    with watched(tmp_path) as events:
        eval(texts[0].replace("touch", "true"))                             # noqa: S307
    assert [e for e, _ in events] == ["exec", "os.system"]
