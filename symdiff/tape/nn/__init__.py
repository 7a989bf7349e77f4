"""``tape.nn``: torch's ``nn`` on the tape: modules, layers, losses, ``functional``,
``init`` and ``utils``.

Layout: ``module`` (``Module``, ``Parameter``), ``layers`` (``Linear``,
``Sequential``, activations...), ``loss`` (the loss modules), ``functional``
(the computations behind them), ``rules`` (their derivative rules), ``init``
(weight initialisation), ``utils`` (gradient clipping).

>>> from symdiff import tape
>>> net = tape.nn.Sequential(tape.nn.Linear(2, 3), tape.nn.ReLU(), tape.nn.Linear(3, 1))
>>> sum(p.numel() for p in net.parameters())
13
"""

from . import functional, init, utils
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _losses
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "functional", "init", "utils"] + _layers + _losses
