"""Coverage-guided fuzzing of symdiff's reader with atheris (libFuzzer), issue 6.

    pip install -e ".[fuzz]"
    python benchmarks/fuzz_atheris.py -max_total_time=600 -timeout=20
    python benchmarks/fuzz_atheris.py -runs=20000 corpus_dir/

Each input is UTF-8 text (invalid bytes replaced) read two ways:

* as an expression string, ``sd.symbolic(text)``, then the function, its
  gradient and its source at a point;
* as the source of a module holding ``def f(...)``: the module is compiled, never
  run; ``f`` is made from its code object alone (no decorators, no default values
  evaluated, no module code executed, no builtins) with the text registered in
  ``linecache``, so symdiff reads it as it reads a function in a file.

symdiff must either read the text or raise ``SymdiffSyntaxError``,
``SymdiffError``, ``ValueError`` or ``TypeError`` with a message. Any other
exception is a crash that libFuzzer reports (with the input saved to a file),
and so is a hang longer than ``-timeout``. The hypothesis-based fuzzers
(``tests/fuzzing.py``, ``benchmarks/fuzz.py``) generate structured programs and
compare derivatives; this one mutates bytes towards new code paths.
"""

from __future__ import annotations

import linecache
import math
import sys
import types
import warnings

import atheris

import numpy as np

with atheris.instrument_imports(include=["symdiff"]):
    import symdiff as sd
    from symdiff import api, read  # noqa: F401  (the reader, loaded lazily otherwise)
    from symdiff.errors import SymdiffError, SymdiffSyntaxError

ACCEPTED = (SymdiffSyntaxError, SymdiffError, ValueError, TypeError)
_count = iter(range(1 << 62))


def _accepted(exc: BaseException) -> bool:
    return isinstance(exc, ACCEPTED) and bool(str(exc).strip())


def _use(F) -> None:
    """Evaluate what a user would: the value, the gradient and the source."""
    args = [np.full(F.shapes[p], 0.37) if p in F.shapes else 0.37 + 0.11 * i
            for i, p in enumerate(F.params)]
    with np.errstate(all="ignore"):
        F(*args)
        if F.params:
            F.grad(*args)
    _ = F.source


def _function_from_text(text: str):
    """``f`` of a module's text, without running any of the module."""
    try:
        code = compile(text, f"<atheris-{next(_count)}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None
    for c in code.co_consts:
        if isinstance(c, types.CodeType) and c.co_name == "f" and not c.co_freevars:
            linecache.cache[code.co_filename] = (len(text), None, text.splitlines(True),
                                                 code.co_filename)
            # no builtins: if symdiff ever falls back to calling f (no source found),
            # the fuzzed code reaches nothing but math and numpy
            return types.FunctionType(c, {"math": math, "np": np, "numpy": np, "__name__": "fz",
                                          "__builtins__": {}})
    return None


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        _use(sd.symbolic(text))
    except Exception as exc:           # noqa: BLE001 - deciding is the point
        if not _accepted(exc):
            raise
    fn = _function_from_text(text)
    if fn is None:
        return
    try:
        _use(sd.symbolic(fn))
    except Exception as exc:           # noqa: BLE001
        if not _accepted(exc):
            raise
    finally:
        linecache.cache.pop(fn.__code__.co_filename, None)


def main() -> None:
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
