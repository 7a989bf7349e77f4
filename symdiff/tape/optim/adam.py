"""``tape.optim.Adam`` and ``AdamW``: torch 2.13's single-tensor update.

Sits on top of ``optim.optimizer``.  Per parameter with gradient ``g``
(negated if maximize) at step ``t``: weight decay (added to ``g``, or with
AdamW decoupled: ``p <- p * (1 - lr * weight_decay)``),
``m <- m + (1 - beta1) (g - m)``, ``v <- beta2 v + (1 - beta2) g g``,
``denom = sqrt(v) / sqrt(1 - beta2**t) + eps`` (with amsgrad the running
maximum of ``v``), ``p <- p - lr / (1 - beta1**t) * m / denom``: torch's
order of operations, so float64 results agree to rounding.
"""

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (``decoupled_weight_decay=True`` is AdamW).

    >>> from symdiff import tape
    >>> w = tape.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = tape.optim.Adam([w], lr=0.1)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused, decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in self._with_grads(group):
            g = p._grad._value
            if group["maximize"]:
                g = -g
            state = self.state[p]
            if not state:
                state["step"] = _make(np.array(0.0))
                state["exp_avg"] = self._zeros_like(p)
                state["exp_avg_sq"] = self._zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = self._zeros_like(p)
            step_t = state["step"]._materialize()
            step_t += 1
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    self._write(p, p._value * (1 - lr * weight_decay))
                else:
                    g = g + weight_decay * p._value
            m = state["exp_avg"]._materialize()
            m += (1 - beta1) * (g - m)                       # exp_avg.lerp_(g, 1 - beta1)
            v = state["exp_avg_sq"]._materialize()
            v *= beta2
            v += (1 - beta2) * g * g                         # addcmul_(g, g, value=1 - beta2)
            step = float(step_t)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._materialize()
                np.maximum(vmax, v, out=vmax)
                denom = np.sqrt(vmax) / bias_correction2_sqrt + eps
            else:
                denom = np.sqrt(v) / bias_correction2_sqrt + eps
            self._write(p, p._value + (-step_size) * m / denom)   # addcdiv_(m, denom, -step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), as ``torch.optim.AdamW``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
