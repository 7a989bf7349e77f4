"""symdiff: differentiate Python functions by reading their source.

Pipeline: source -> fence (subset check) -> frontend (SSA graph of sympy
expressions) -> calculus (derivatives on the graph) -> codegen (numpy functions).
Beside it: ``symdiff.tape``, an independent reverse-mode engine with PyTorch's
autograd semantics, and ``sd.check``, which compares the two and finite differences.
"""

from .errors import SymdiffError, SymdiffSyntaxError

__version__ = "0.1.0"

__all__ = ["SymdiffError", "SymdiffSyntaxError", "__version__"]
