"""``tape.autograd``: user-facing differentiation: ``Tensor.backward``, ``tape.grad``,
custom operations (``Function``) and ``functional`` (jacobian, hessian, vjp, jvp).

``backward`` and ``grad`` are the engine's entry points (``graph``: they check
arguments the way torch does, with torch's messages, build the seed gradients
and wrap results); ``function`` holds ``autograd.Function``, ``functional`` the
higher-level operators built on ``grad``, ``inference`` the inference mode.
"""

from ..grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: F401
from ..graph import backward, grad
from . import functional
from .function import Function, FunctionCtx, once_differentiable
from .inference import inference_mode, is_inference_mode_enabled  # noqa: F401

__all__ = ["backward", "grad", "functional", "Function", "FunctionCtx", "once_differentiable",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]
