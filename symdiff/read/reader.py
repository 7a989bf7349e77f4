"""``Reader``: the interpreter, joined from its concerns.

Each base class is one concern of reading a function body on symbolic values, in
its own module: ``statements`` (the statement runner, assignment, names),
``expressions``, ``branches`` (``if``/ternary -> ``Piecewise``), ``loops``
(unrolled or vectorised), ``calls`` (library functions, inlined helpers) and
``parity`` (refusing what Python would refuse). They share the state of
``base.ReaderBase`` and reach each other through ``self`` (``visit`` dispatches on
the node's class), so none imports another's module.
"""

from __future__ import annotations

from .branches import Branches
from .calls import Calls
from .expressions import Expressions
from .loops import Loops
from .parity import ParityChecks
from .statements import Statements


class Reader(Statements, Expressions, Branches, Loops, Calls, ParityChecks):
    """Reads one function body (one activation) on symbolic values:
    ``run_function(node)`` is the value it returns, built in ``ctx.graph``."""
