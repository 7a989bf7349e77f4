"""Reading a function: its source -> an SSA graph of sympy expressions.

Nothing is executed: the source is interpreted on symbols. ``pipeline`` lists the
passes in order on one screen; the modules, bottom first (each imports only
the ones listed before it; ``pipeline``, the last, joins them):

* ``values``       the values the reader computes with, operator tables, tests on values
* ``parse``        a function's source and the fence (``parse.function``), expression strings
* ``base``         ``Context`` (shared while a function and its helpers are read) and
                   ``ReaderBase`` (one activation's state, its errors)
* ``parity``       Python-parity checks: refuse what Python would refuse
* ``loops``        ``for``: unrolled, or read once for all steps (lanes)
* ``statements``   the statement runner, assignment, names
* ``expressions``  operators, comparisons, indexing, comprehensions
* ``branches``     ``if``/ternary/``and``/``or``: truth known, or ``Piecewise``
* ``calls``        library functions, inlined helpers, functions without source
* ``interface``    parameters in (signature, symbols), outputs out
* ``reader``       ``Reader``, joined from the concerns above
* ``pipeline``     ``read(fn)`` and ``read_expression(text)``: the passes in order
"""

from __future__ import annotations

from .interface import static_binding
from .pipeline import read, read_expression

__all__ = ["read", "read_expression", "static_binding"]
