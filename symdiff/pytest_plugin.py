"""A pytest plugin: the ``derivatives`` fixture, a front for ``sd.check`` in tests.

Installed with symdiff (``pip install -e .``), it is registered through the
``pytest11`` entry point, so every pytest run has the fixture; without an install
(symdiff on ``PYTHONPATH`` only), enable it with ``pytest -p symdiff.pytest_plugin``
or ``pytest_plugins = ["symdiff.pytest_plugin"]`` in a ``conftest.py``. Then::

    def test_my_loss(derivatives):
        derivatives(my_loss, 0.3, 1.2, order=2)           # fails with the table

``derivatives(fn, *args, order=1, rtol=..., atol=..., shapes=...)`` calls
``symdiff.testing.assert_derivatives_match`` and returns the report; every report
it made is shown in the test's failure output (section "symdiff checks"), and the
command-line option ``--symdiff-order N`` raises the default order for all of them.
"""

from __future__ import annotations

import pytest

from .testing import assert_derivatives_match


def pytest_addoption(parser):
    group = parser.getgroup("symdiff")
    group.addoption("--symdiff-order", type=int, default=None,
                    help="default derivative order for the `derivatives` fixture (default 1)")


class DerivativeChecker:
    """The callable the ``derivatives`` fixture hands to a test."""

    def __init__(self, default_order: int = 1):
        self.default_order = default_order
        self.reports: list = []

    def __call__(self, fn, *args, order=None, **kwargs):
        report = assert_derivatives_match(
            fn, *args, order=self.default_order if order is None else order, **kwargs)
        self.reports.append(report)
        return report


@pytest.fixture
def derivatives(request):
    """Check a function's derivatives three ways: ``derivatives(fn, *point, order=2)``."""
    order = request.config.getoption("--symdiff-order", default=None) or 1
    checker = DerivativeChecker(order)
    yield checker
    if checker.reports:
        request.node.add_report_section(
            "call", "symdiff checks", "\n\n".join(str(r) for r in checker.reports))
