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
        self._check_options(lr=lr, eps=eps)
        for k, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {k}: {beta}")
        self._check_options(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused, decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p, state, group):
        names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if group["amsgrad"] else [])
        state.update(self._step_state(p, *names))

    def _decay(self, p, g, weight_decay, group):
        if group["decoupled_weight_decay"]:    # AdamW: the parameter shrinks, g stays
            self._write(p, p._value * (1 - group["lr"] * weight_decay))
            return g
        return Optimizer._decay(p, g, weight_decay, group)

    def _update_param(self, p, g, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        m = state["exp_avg"]._materialize()
        m += (1 - beta1) * (g - m)                       # exp_avg.lerp_(g, 1 - beta1)
        v = state["exp_avg_sq"]._materialize()
        v *= beta2
        v += (1 - beta2) * g * g                         # addcmul_(g, g, value=1 - beta2)
        step = float(state["step"])
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if group["amsgrad"]:
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
