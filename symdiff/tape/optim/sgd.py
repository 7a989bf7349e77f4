"""``tape.optim.SGD``: stochastic gradient descent, torch 2.13's update.

Sits on top of ``optim.optimizer``.  Per parameter with a gradient ``g``:
``g <- -g`` if maximize, ``g <- g + weight_decay * p``, then with momentum
``buf <- g`` (first step) or ``momentum * buf + (1 - dampening) * g``, and
``g <- g + momentum * buf`` (nesterov) or ``buf``; finally ``p <- p - lr * g``.
"""

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    >>> from symdiff import tape
    >>> x = tape.tensor(0.0, requires_grad=True)
    >>> opt = tape.optim.SGD([x], lr=0.1)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     loss = x**2 - 2*x + 1
    ...     loss.backward()
    ...     opt.step()
    >>> round(x.item(), 4)
    1.0
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        self._check_options(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update_param(self, p, g, state, group):
        momentum, dampening = group["momentum"], group["dampening"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _make(np.array(g, copy=True))
            else:
                b = buf._materialize()
                b *= momentum
                b += (1 - dampening) * g
            g = g + momentum * buf._value if group["nesterov"] else buf._value
        self._write(p, p._value + (-group["lr"]) * g)
