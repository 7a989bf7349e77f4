"""``tape.optim``: torch's optimizers on tape tensors: ``SGD``, ``Adam``, ``AdamW``,
``RMSprop``, param groups, ``state_dict``, and ``lr_scheduler``.

Layout: ``optimizer`` (the base class: groups, state, ``zero_grad``/``step``),
one module per algorithm with torch 2.13's update formulas, ``lr_scheduler``.
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
