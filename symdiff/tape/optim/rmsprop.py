"""``tape.optim.RMSprop``: torch 2.13's single-tensor update.

Sits on top of ``optim.optimizer``.  Per parameter with gradient ``g``
(negated if maximize, plus ``weight_decay * p``):
``s <- alpha s + (1 - alpha) g g``; centered: ``a <- a + (1 - alpha)(g - a)``
and ``avg = sqrt(s - a a)``, else ``avg = sqrt(s)``; ``avg += eps``; with
momentum ``buf <- momentum buf + g / avg`` and ``p <- p - lr buf``, else
``p <- p - lr g / avg``.
"""

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    >>> from symdiff import tape
    >>> w = tape.tensor([1.0], requires_grad=True)
    >>> opt = tape.optim.RMSprop([w], lr=0.01)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> round(w.item(), 4)
    0.9
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        for p in self._with_grads(group):
            g = p._grad._value
            if group["maximize"]:
                g = -g
            state = self.state[p]
            if not state:
                state["step"] = _make(np.array(0.0))
                state["square_avg"] = self._zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = self._zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = self._zeros_like(p)
            step_t = state["step"]._materialize()
            step_t += 1
            if weight_decay != 0:
                g = g + weight_decay * p._value
            s = state["square_avg"]._materialize()
            s *= alpha
            s += (1 - alpha) * g * g                           # addcmul_(g, g, 1 - alpha)
            if group["centered"]:
                a = state["grad_avg"]._materialize()
                a += (1 - alpha) * (g - a)                     # lerp_(g, 1 - alpha)
                avg = np.sqrt(s + (-1) * a * a)
            else:
                avg = np.sqrt(s)
            avg = avg + eps
            if momentum > 0:
                buf = state["momentum_buffer"]._materialize()
                buf *= momentum
                buf += g / avg                                 # addcdiv_(g, avg)
                self._write(p, p._value + (-lr) * buf)
            else:
                self._write(p, p._value + (-lr) * g / avg)     # addcdiv_(g, avg, -lr)
