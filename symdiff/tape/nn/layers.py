"""The layers of ``tape.nn``: ``Linear``, ``Sequential``, ``ModuleList``, ``Flatten``,
``Identity``, ``Dropout`` and the activation modules.

Sits on top of ``nn.module`` (registration) and ``nn.functional`` (the
computations).  ``Linear`` initialises its weights as torch does (uniform in
``+-1/sqrt(in_features)``, torch's Kaiming-uniform with ``a=sqrt(5)``), drawn
from the tape's random generator; ``repr`` prints what torch prints.
"""

import math
from collections import OrderedDict

import numpy as np

from ..device import check_device
from ..tensor import _make
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Linear", "Identity", "Flatten", "Unflatten", "Sequential", "ModuleList", "Dropout",
           "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Softplus", "GELU",
           "SiLU", "ELU"]


class Linear(Module):
    """``y = x @ weight.T + bias``, weight of shape ``(out_features, in_features)``.

    >>> from symdiff import tape
    >>> layer = tape.nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(tape.ones(4, 3)).shape
    (4, 2)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        dt = np.dtype(np.float64 if dtype is None else dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_make(np.empty((out_features, in_features), dtype=dt)))
        if bias:
            self.bias = Parameter(_make(np.empty((out_features,), dtype=dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's initialisation: Kaiming-uniform weight with ``a=sqrt(5)`` (bound
        ``1/sqrt(in_features)``), bias uniform within the same bound."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (default: all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        shape = input.shape
        d = self.dim % len(shape)
        return input.reshape(shape[:d] + self.unflattened_size + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """Zero elements with probability ``p`` in training mode; the identity in ``eval()``."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(3, 1), Flatten(0, 1))``, or from an
    ``OrderedDict`` of names; indexing, slicing, ``len`` and iteration as in torch.

    >>> from symdiff import tape
    >>> net = tape.nn.Sequential(tape.nn.Linear(3, 1), tape.nn.Flatten(0, 1))
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias']
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _index(self, idx):
        n = len(self)
        i = idx.__index__()
        if not -n <= i < n:
            raise IndexError(f"index {idx} is out of range")
        return i % n

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        key = list(self._modules.keys())[self._index(idx)]
        setattr(self, key, module)

    def __delitem__(self, idx):
        keys = list(self._modules.keys())
        for key in (keys[idx] if isinstance(idx, slice) else [keys[self._index(idx)]]):
            del self._modules[key]
        # torch renumbers the remaining modules
        self.__dict__["_modules"] = OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters the parent registers."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return list(self._modules.values())[idx]

    def __setitem__(self, idx, module):
        key = list(self._modules.keys())[idx]
        setattr(self, key, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __repr__(self):
        # torch groups runs of equal-printing modules: "(0-2): 3 x Linear(...)".
        items = [(k, repr(m)) for k, m in self._modules.items()]
        if not items:
            return self._get_name() + "()"
        lines = []
        start = 0
        while start < len(items):
            end = start
            while end + 1 < len(items) and items[end + 1][1] == items[start][1]:
                end += 1
            body = items[start][1].replace("\n", "\n  ")
            if end > start:
                lines.append(f"({items[start][0]}-{items[end][0]}): {end - start + 1} x {body}")
            else:
                lines.append(f"({items[start][0]}): {body}")
            start = end + 1
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _activation(name, fn, doc):
    def forward(self, input):
        return fn(input)
    return type(name, (Module,), {"forward": forward, "__doc__": doc,
                                  "__module__": __name__})


ReLU = _activation("ReLU", F.relu, "``max(x, 0)`` elementwise (``ReluBackward0``).")
Tanh = _activation("Tanh", F.tanh, "``tanh`` elementwise (``TanhBackward0``).")
Sigmoid = _activation("Sigmoid", F.sigmoid, "``1 / (1 + exp(-x))`` elementwise.")
SiLU = _activation("SiLU", F.silu, "``x * sigmoid(x)`` elementwise.")


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along ``dim``; without ``dim``, torch's warning and choice."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``; without ``dim``, torch's warning and choice."""

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)
