"""``tape.inference_mode``: torch's inference mode, as far as the tape has one.

Sits beside ``grad_mode``.  Inside ``inference_mode()`` (or ``inference_mode(True)``)
nothing is recorded, exactly like ``no_grad``; ``inference_mode(False)`` leaves
the grad mode alone.  torch additionally marks the tensors made inside as
"inference tensors" that later refuse to enter a graph; the tape has no such
marking (its tensors made under inference mode are ordinary tensors without
history), which is why this is a mode and not a tensor property here.
"""

import threading

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
        self.prev = (_state.enabled, _inference.enabled)
        if self.mode:
            _state.enabled = False
            _inference.enabled = True

    def __exit__(self, *exc):
        _state.enabled, _inference.enabled = self.prev
        return False

    def clone(self):
        return self.__class__(self.mode)
