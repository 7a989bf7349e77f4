"""``tape.optim.SGD``: torch's SGD (with momentum) over tape tensors.

Sits on top of ``tensor``: updates run under ``no_grad`` and write the
parameters' arrays in place, so references to ``p.data`` stay valid.
"""

import numpy as np

from .grad_mode import no_grad


class SGD:
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

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.maximize = maximize
        self.state = {}

    def zero_grad(self, set_to_none=True):
        """Forget the gradients (set them to None, torch's default)."""
        for p in self.params:
            if p._grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                p._grad._materialize()[...] = 0

    @no_grad()
    def step(self):
        """One update ``p -= lr * (grad + momentum buffer)``; frozen params are skipped."""
        for p in self.params:
            if not p.requires_grad or p._grad is None:
                continue
            d = p._grad._value
            if self.weight_decay:
                d = d + self.weight_decay * p._value
            if self.maximize:
                d = -d
            if self.momentum:
                buf = self.state.get(id(p))
                if buf is None:
                    buf = np.array(d, copy=True)
                else:
                    buf = self.momentum * buf + (1.0 - self.dampening) * d
                self.state[id(p)] = buf
                d = d + self.momentum * buf if self.nesterov else buf
            v = p._materialize()
            v -= self.lr * d
