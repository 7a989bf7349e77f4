"""``tape.autograd``: user-facing differentiation: ``Tensor.backward``, ``tape.grad``,
custom operations (``Function``) and ``functional`` (jacobian, hessian, vjp, jvp).

This module sits on top of ``graph.run_backward``: it checks arguments the way
torch does (with torch's messages), builds the seed gradients, and wraps
results.  ``function`` holds ``autograd.Function``, ``functional`` the
higher-level operators built on ``grad``.
"""

import numpy as np

from ..graph import run_backward
from ..tensor import Tensor, _make


def _seq(x):
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _make_grads(outputs, grad_outputs):
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and np.size(out._value) != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones_like(np.asarray(out._value))
            if not g.shape:
                g = g[()]  # a numpy scalar: much faster than a 0-d array in the rules
        else:
            gshape = np.shape(g._value if isinstance(g, Tensor) else g)
            if gshape != out.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {_size(gshape)} "
                    f"and output[{i}] has a shape of {_size(out.shape)}.")
        grads.append(g)
    return grads


def _size(shape):
    return f"torch.Size({list(shape)})"


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward)."""
    outputs = _seq(tensors)
    if isinstance(tensors, Tensor):
        grad_tensors = [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(outputs)
    else:
        grad_tensors = _seq(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_tensors)
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs)
        from ..graph import _accumulate_leaf
        for t, g in zip(inputs, res):
            if g is not None:
                _accumulate_leaf(t, g, create_graph)
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, as a tuple (torch.autograd.grad).

    >>> from symdiff import tape
    >>> x = tape.tensor(3.0, requires_grad=True)
    >>> (dx,) = tape.grad(x**2 - 2*x + 1, x, create_graph=True)
    >>> dx
    tensor(4., grad_fn=<AddBackward0>)
    >>> tape.grad(dx, x)
    (tensor(2.),)
    """
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _seq(grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs)
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs)
    out = []
    for i, (t, g) in enumerate(zip(inputs, res)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            out.append(_make(np.array(g, dtype=t.dtype)))
    return tuple(out)


from . import functional  # noqa: E402  (they use grad above)
from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
from ..grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: E402,F401
from .inference import inference_mode, is_inference_mode_enabled  # noqa: E402,F401

__all__ = ["backward", "grad", "functional", "Function", "FunctionCtx", "once_differentiable",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]
