"""``tape.nn``: torch's loss modules, each a single recorded primitive (or the
same composition torch uses, so the ``grad_fn`` names match).

Sits on top of ``functions`` and ``rules``; reductions are
``"mean" | "sum" | "none"``.
"""

import numpy as np

from . import functions as F
from . import rules as R
from .tensor import Tensor, _apply, _as_tensor, _value_of

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "functional"]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss:
    def __init__(self, reduction="mean"):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        self.reduction = reduction

    def __call__(self, input, target):
        return self.forward(input, target)

    def __repr__(self):
        return f"{type(self).__name__}()"


def _target(target):
    if isinstance(target, Tensor):
        return target
    return _as_tensor(target)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2`` reduced (``MseLossBackward0``).

    >>> from symdiff import tape
    >>> tape.nn.MSELoss()(tape.tensor([1.0, 2.0]), tape.tensor([0.0, 0.0]))
    tensor(2.5000)
    """

    def forward(self, input, target):
        return _apply(R.MseLossBackward0, (_as_tensor(input), _target(target), self.reduction), 2)


class L1Loss(_Loss):
    """Mean absolute error; torch composes it as ``abs(input - target).mean()``."""

    def forward(self, input, target):
        d = F.abs(_as_tensor(input) - _target(target))
        if self.reduction == "mean":
            return d.mean()
        if self.reduction == "sum":
            return d.sum()
        return d


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (logs clamped at -100 as in torch)."""

    def forward(self, input, target):
        return _apply(R.BinaryCrossEntropyBackward0,
                      (_as_tensor(input), _target(target), self.reduction), 2)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on logits, computed stably:
    ``max(x, 0) - x*t + log1p(exp(-|x|))``."""

    def forward(self, input, target):
        return _apply(R.BinaryCrossEntropyWithLogitsBackward0,
                      (_as_tensor(input), _target(target), self.reduction), 2)


class CrossEntropyLoss(_Loss):
    """Cross entropy of logits ``(N, C)`` or ``(C,)`` against integer class
    targets (``log_softmax`` then ``NllLossBackward0``, as torch), or against
    class probabilities of the logits' shape."""

    def forward(self, input, target):
        x = _as_tensor(input)
        logp = F.log_softmax(x, x.ndim - 1 if x.ndim == 1 else 1)
        t = _value_of(target)
        t = np.asarray(t)
        if t.dtype.kind in "iu":
            return _apply(R.NllLossBackward0, (logp, t, self.reduction), 1)
        loss = -(logp * _target(target)).sum(-1 if x.ndim == 1 else 1)
        if self.reduction == "mean":
            return loss.sum() / (1 if x.ndim == 1 else x.shape[0]) if x.ndim > 1 else loss
        if self.reduction == "sum":
            return loss.sum()
        return loss


class functional:
    """A few of ``torch.nn.functional``'s names."""
    relu = staticmethod(F.relu)
    sigmoid = staticmethod(F.sigmoid)
    tanh = staticmethod(F.tanh)
    softmax = staticmethod(F.softmax)
    log_softmax = staticmethod(F.log_softmax)

    @staticmethod
    def mse_loss(input, target, reduction="mean"):
        return MSELoss(reduction)(input, target)

    @staticmethod
    def l1_loss(input, target, reduction="mean"):
        return L1Loss(reduction)(input, target)

    @staticmethod
    def cross_entropy(input, target, reduction="mean"):
        return CrossEntropyLoss(reduction)(input, target)

    @staticmethod
    def binary_cross_entropy(input, target, reduction="mean"):
        return BCELoss(reduction)(input, target)

    @staticmethod
    def binary_cross_entropy_with_logits(input, target, reduction="mean"):
        return BCEWithLogitsLoss(reduction)(input, target)
