"""symdiff: differentiate Python functions by reading their source.

Pipeline: source -> fence (subset check) -> frontend (SSA graph of sympy
expressions) -> calculus (derivatives on the graph) -> codegen (numpy functions).
Beside it: ``symdiff.tape``, an independent reverse-mode engine with PyTorch's
autograd semantics, and ``sd.check``, which compares the two and finite differences.

>>> import symdiff as sd
>>> F = sd.symbolic("x**2*y + sin(y)")
>>> float(F.diff("x")(3.0, 2.0))
12.0
"""

from .api import derivative, export, grad, hessian, hvp, jacobian, symbolic
from .check import CheckReport, check
from .errors import NotDifferentiableError, SymdiffError, SymdiffSyntaxError
from .function import SymbolicFunction
from .version import __version__

__all__ = [
    "symbolic", "grad", "derivative", "hessian", "hvp", "jacobian", "SymbolicFunction", "export",
    "SymdiffError", "SymdiffSyntaxError", "NotDifferentiableError", "__version__",
    "check", "CheckReport",
]
