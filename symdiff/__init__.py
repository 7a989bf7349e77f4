"""symdiff: differentiate Python functions by reading their source.

Pipeline: source -> fence (subset check) -> read (SSA graph of sympy
expressions) -> calculus (derivatives on the graph) -> codegen (numpy functions).
Beside it: ``symdiff.tape``, an independent reverse-mode engine with PyTorch's
autograd semantics, and ``sd.check``, which compares the two and finite differences.

The names below are loaded on first use (PEP 562): ``from symdiff import tape``
imports the tape and numpy only, never sympy (the tape is the independent opinion,
and a PyTorch learner's start-up should not pay for a computer algebra system);
the first symbolic name asked for (``sd.symbolic``, ...) loads the reader.

>>> import symdiff as sd
>>> F = sd.symbolic("x**2*y + sin(y)")
>>> float(F.diff("x")(3.0, 2.0))
12.0
"""

from __future__ import annotations

import importlib
import sys
import types

from .errors import NotDifferentiableError, SymdiffError, SymdiffSyntaxError
from .version import __version__

# public name -> the module that defines it
_LAZY = {
    **dict.fromkeys(("symbolic", "grad", "derivative", "hessian", "hvp", "jacobian", "export"),
                   "api"),
    "check": "check", "CheckReport": "check",
    "SymbolicFunction": "function", "StaticFunction": "static",
}
_SUBMODULES = ("tape", "testing", "cli", "pytest_plugin")

__all__ = [
    "symbolic", "grad", "derivative", "hessian", "hvp", "jacobian", "SymbolicFunction", "export",
    "SymdiffError", "SymdiffSyntaxError", "NotDifferentiableError", "__version__",
    "check", "CheckReport", "StaticFunction",
]


class _Package(types.ModuleType):
    """The package module. ``sd.check`` and ``sd.export`` are functions, while
    ``symdiff.check`` and ``symdiff.export`` are also modules: importing one of those
    modules binds its name on the package, which would hide the function. Those
    bindings are skipped, so the names stay the functions (loaded on first use);
    the modules are still ``sys.modules["symdiff.check"]``."""

    def __setattr__(self, name, value):
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'symdiff' has no attribute {name!r}")
    globals()[name] = value            # found directly from now on
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
