"""Test helpers: ``assert_derivatives_match`` for pytest (or any test runner).

Sits on top of ``sd.check``: the same three-way comparison, raising
``AssertionError`` with the report table when the engines disagree.

>>> import math
>>> from symdiff.testing import assert_derivatives_match
>>> def f(x, y):
...     return x * math.exp(y)
>>> report = assert_derivatives_match(f, 0.5, -1.0, order=2)
"""

from __future__ import annotations

from .check import CheckReport, check

__all__ = ["assert_derivatives_match"]


def assert_derivatives_match(fn, *args, order: int = 1, rtol: float = 1e-6,
                             atol: float = 1e-9, shapes: dict | None = None,
                             **kwargs) -> CheckReport:
    """Raise ``AssertionError`` (with the table) unless symbolic, tape and finite
    differences agree on every partial derivative up to ``order``; return the report.

    Arguments are those of ``sd.check``. Non-differentiable points are reported in
    the table but do not fail.

    >>> assert_derivatives_match(lambda x: x**4, 1.5, order=4).ok
    True
    """
    report = check(fn, *args, order=order, rtol=rtol, atol=atol, shapes=shapes, **kwargs)
    if not report.ok:
        raise AssertionError("derivatives disagree\n" + str(report))
    return report
