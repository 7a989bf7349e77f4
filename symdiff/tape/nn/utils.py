"""``tape.nn.utils``: gradient clipping (``clip_grad_norm_``, ``clip_grad_value_``)
and ``parameters_to_vector``/``vector_to_parameters``.

Sits on top of ``nn.module``: works on the ``.grad`` of any iterable of
tensors, in place and without recording, with torch's formulas (the total
norm is the norm of the per-parameter norms; the scale is
``max_norm / (total + 1e-6)`` clamped at 1).
"""

import math

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, _make

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters"]


def _params(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _grads(parameters):
    return [p._grad for p in _params(parameters) if p._grad is not None]


def _norm(values, norm_type):
    values = [np.abs(np.asarray(v, dtype=np.float64)) for v in values]
    if norm_type == math.inf:
        return max((float(v.max()) if v.size else 0.0) for v in values)
    if norm_type == -math.inf:
        return min((float(v.min()) if v.size else math.inf) for v in values)
    if norm_type == 0:
        return float(sum(np.count_nonzero(v) for v in values))
    per = [np.sum(v ** norm_type) ** (1.0 / norm_type) for v in values]
    return float(np.sum(np.array(per) ** norm_type) ** (1.0 / norm_type))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all the tensors together, as a 0-d tensor."""
    tensors = _params(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(np.array(0.0))
    total = _norm([t._value for t in tensors], norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(np.array(total, dtype=np.result_type(*[t.dtype for t in tensors])))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    grads = _grads(parameters)
    if not grads:
        return
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    coef = min(coef, 1.0)
    with no_grad():
        for g in grads:
            v = g._materialize()
            v *= coef


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients so that their total norm is at most ``max_norm``;
    returns the total norm before clipping (a 0-d tensor), as torch.

    >>> from symdiff import tape
    >>> w = tape.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()          # grad (6, 8), norm 10
    >>> tape.nn.utils.clip_grad_norm_([w], 1.0)
    tensor(10.)
    >>> round(float(w.grad.norm()), 6)
    1.0
    """
    params = _params(parameters)
    grads = _grads(params)
    if not grads:
        return _make(np.array(0.0))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            v = g._materialize()
            np.clip(v, -clip_value, clip_value, out=v)


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated (a new tensor, recorded)."""
    from ..functions import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p._materialize()[...] = np.reshape(vec._value[pointer:pointer + n], p.shape)
            pointer += n
