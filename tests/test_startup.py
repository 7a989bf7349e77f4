"""Start-up (issue 15, point 7): the tape never imports sympy; ``import symdiff`` loads
its names on first use. Fresh processes, since this process has sympy loaded already.
(Speed goals are printed by benchmarks/startup.py, not asserted here.)"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_tape_does_not_import_sympy():
    out = run("import sys\nfrom symdiff import tape\n"
              "x = tape.tensor([1.0, 2.0], requires_grad=True)\n(x * x).sum().backward()\n"
              "print('sympy' in sys.modules, x.grad.tolist())")
    assert out == "False [2.0, 4.0]"


def test_names_load_on_first_use():
    out = run("import sys, symdiff as sd\n"
              "print('sympy' in sys.modules)\n"
              "print(float(sd.symbolic('x**3').diff('x')(2.0)), 'sympy' in sys.modules)\n"
              "print(sd.SymdiffError.__name__, 'check' in dir(sd), sd.tape.__name__)")
    assert out.splitlines() == ["False", "12.0 True", "SymdiffError True symdiff.tape"]


def test_function_names_stay_functions_after_their_modules_load():
    # symdiff.check and symdiff.export are modules too: importing them must not hide
    # the functions sd.check and sd.export
    out = run("import symdiff.check, symdiff.export, symdiff as sd\n"
              "print(callable(sd.check), callable(sd.export), type(sd.check).__name__)\n"
              "print(sd.check(lambda x: x**2, 1.0).ok)")
    assert out.splitlines() == ["True True function", "True"]


def test_unknown_attribute_is_an_attribute_error():
    out = run("import symdiff as sd\ntry:\n    sd.simbolic\nexcept AttributeError as e:\n"
              "    print(e)")
    assert out == "module 'symdiff' has no attribute 'simbolic'"
