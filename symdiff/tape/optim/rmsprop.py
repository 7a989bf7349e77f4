"""``tape.optim.RMSprop``: torch 2.13's single-tensor update.

Sits on top of ``optim.optimizer``.  Per parameter with gradient ``g``
(negated if maximize, plus ``weight_decay * p``):
``s <- alpha s + (1 - alpha) g g``; centered: ``a <- a + (1 - alpha)(g - a)``
and ``avg = sqrt(s - a a)``, else ``avg = sqrt(s)``; ``avg += eps``; with
momentum ``buf <- momentum buf + g / avg`` and ``p <- p - lr buf``, else
``p <- p - lr g / avg``.
"""

import numpy as np

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
        self._check_options(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                            alpha=alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _init_state(self, p, state, group):
        names = ["square_avg"]
        if group["momentum"] > 0:
            names.append("momentum_buffer")
        if group["centered"]:
            names.append("grad_avg")
        state.update(self._step_state(p, *names))

    def _update_param(self, p, g, state, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
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
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]._materialize()
            buf *= group["momentum"]
            buf += g / avg                                 # addcdiv_(g, avg)
            self._write(p, p._value + (-lr) * buf)
        else:
            self._write(p, p._value + (-lr) * g / avg)     # addcdiv_(g, avg, -lr)
