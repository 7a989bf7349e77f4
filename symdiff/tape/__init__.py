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

Layout, bottom up (each module imports only from below it; tests/test_layers.py
``TAPE_LAYERS``): ``grad_mode`` (no_grad & co), ``dtypes``, ``printing``,
``device`` (the CPU), ``trig``; ``graph`` (nodes and the backward engine, which
knows tensors as ``graph.Variable``); ``rules`` (the derivative table); ``tensor``
(the Tensor class); ``functions`` (public functions and numpy routing, filling
the Tensor's tables of methods), ``random``; ``autograd`` (``Function``,
``functional``), ``optim``, ``nn``, ``namespaces`` (``tape.math`` and
``tape.numpy`` mirrors), ``dot`` (Graphviz).
"""

import numpy as _np

from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Tensor, tensor
from .functions import *  # noqa: F401,F403  (the public functions listed in functions.__all__)
from .functions import __all__ as _function_names
from . import autograd
from .autograd import backward, grad, inference_mode, is_inference_mode_enabled
from .graph import AccumulateGrad, Node
from .dot import to_dot
from .functions import torch_dot as dot  # torch's dot (not the submodule of that name)
from . import optim, nn
from .namespaces import math, numpy
from .device import device, cuda, accelerator, set_default_device, get_default_device
from .random import (Generator, default_generator, manual_seed, seed, initial_seed,
                     get_rng_state, set_rng_state, rand, randn, randint, randperm, rand_like,
                     randn_like, randint_like)

# dtypes, under torch's names (the tape's dtypes are numpy's).
float16 = half = _np.float16
float32 = float = _np.float32
float64 = double = _np.float64
complex64 = cfloat = _np.complex64
complex128 = cdouble = _np.complex128
uint8 = _np.uint8
int8 = _np.int8
int16 = short = _np.int16
int32 = int = _np.int32
int64 = long = _np.int64
bool = _np.bool_


pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan


__all__ = sorted(set(_function_names) | {
    "Tensor", "tensor", "grad", "backward", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "to_dot", "optim", "nn", "math", "numpy", "Node", "AccumulateGrad",
    "float32", "float64", "int64", "pi", "e", "inf", "nan", "autograd", "inference_mode",
    "device", "cuda", "manual_seed", "rand", "randn", "randint", "randperm", "Generator",
    "double", "half", "long", "get_default_dtype", "set_default_dtype"})
