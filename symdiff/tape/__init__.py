"""``symdiff.tape``: a reverse-mode autograd engine with PyTorch's semantics.

Sits beside the symbolic pipeline as its independent second opinion: numpy
arrays, a recorded graph of torch-named backward nodes, and derivative rules
written by hand (``rules.py``), so a PyTorch autograd tutorial runs with
``tape`` in place of ``torch``:

>>> from symdiff import tape
>>> x = tape.tensor(1.0, requires_grad=True)
>>> y = x**2 + 2*x + 3
>>> y.backward()
>>> x.grad
tensor(4.)

Layout: ``grad_mode`` (no_grad & co), ``graph`` (nodes and the backward
engine), ``rules`` (the derivative table), ``tensor`` (the Tensor class),
``functions`` (public functions and numpy routing), ``autograd`` (``grad``,
``backward``), ``optim``, ``nn`` (losses), ``dot`` (Graphviz), ``namespaces``
(``tape.math`` and ``tape.numpy`` mirrors), ``printing``.
"""

import numpy as _np

from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor, tensor
from .functions import *  # noqa: F401,F403  (the public functions listed in functions.__all__)
from .functions import __all__ as _function_names
from .autograd import backward, grad
from .graph import AccumulateGrad, Node
from .dot import to_dot
from .functions import dot  # the function, not the submodule of the same name
from . import optim, nn
from .namespaces import math, numpy

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
double = _np.float64
int32 = _np.int32
int64 = _np.int64
long = _np.int64
bool = _np.bool_
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan


class autograd:
    """``tape.autograd.grad`` / ``tape.autograd.backward``, as ``torch.autograd`` spells them."""
    grad = staticmethod(grad)
    backward = staticmethod(backward)


__all__ = sorted(set(_function_names) | {
    "Tensor", "tensor", "grad", "backward", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "to_dot", "optim", "nn", "math", "numpy", "Node", "AccumulateGrad",
    "float32", "float64", "int64", "pi", "e", "inf", "nan", "autograd"})
