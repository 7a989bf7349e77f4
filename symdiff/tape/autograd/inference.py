"""``tape.inference_mode``: torch's inference mode.

Sits beside ``grad_mode``.  Inside ``inference_mode()`` (or ``inference_mode(True)``)
nothing is recorded, as under ``no_grad``, and the tensors made are "inference
tensors" (``t.is_inference()``): outside the mode they (and their views) cannot
be saved for backward by a recorded operation, updated in place, or made to
require grad, each with torch's RuntimeError.  ``inference_mode(False)`` leaves
the grad mode alone and makes normal tensors.
"""

import threading

from .. import grad_mode
from ..grad_mode import _DecoratorContextManager, _state

__all__ = ["inference_mode", "is_inference_mode_enabled"]


class _InferenceState(threading.local):
    enabled = False


_inference = _InferenceState()


def is_inference_mode_enabled():
    """True inside ``inference_mode()``."""
    return _inference.enabled


class inference_mode(_DecoratorContextManager):
    """Context manager / decorator: record nothing (``mode=True``, the default).

    >>> from symdiff import tape
    >>> x = tape.tensor(1.0, requires_grad=True)
    >>> with tape.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)  # bare ``@inference_mode`` on a function, as torch allows
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self.prev = (_state.enabled, _inference.enabled, _state.inference)
        grad_mode.inference_on[0] += 1
        if self.mode:
            _state.enabled = False
            _inference.enabled = True
        _state.inference = self.mode

    def __exit__(self, *exc):
        _state.enabled, _inference.enabled, _state.inference = self.prev
        grad_mode.inference_on[0] -= 1
        return False

    def clone(self):
        return self.__class__(self.mode)
