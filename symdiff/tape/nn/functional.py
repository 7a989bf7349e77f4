"""``tape.nn.functional``: torch's functional forms of layers, activations and losses.

Sits on top of ``symdiff.tape.functions`` and ``nn.rules``; the modules in
``nn.layers`` and ``nn.loss`` call these.  Each function records the node torch
records (``AddmmBackward0`` for ``linear`` on a batch, ``NllLossBackward0``...),
checks its arguments as torch does and raises torch's errors and warnings:
``softmax`` without ``dim`` warns and picks torch's dimension, a target shaped
unlike the input warns (MSE) or raises (BCE), probabilities outside [0, 1]
raise.

>>> from symdiff import tape
>>> import symdiff.tape.nn.functional as F
>>> F.relu(tape.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

import warnings

import numpy as np

from .. import functions as _fn
from .. import rules as _R
from ..tensor import Tensor, _apply, _as_tensor, _unary, _value_of
from . import rules as R

__all__ = ["linear", "relu", "relu_", "leaky_relu", "sigmoid", "tanh", "softmax",
           "log_softmax", "softplus", "gelu", "silu", "elu", "flatten", "dropout",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot"]


def _size(shape):
    return f"torch.Size({list(shape)})"


# ---------------------------------------------------------------- layers
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` with torch's nodes: ``AddmmBackward0`` (with a
    ``TBackward0`` before the weight) for a 2-D input with bias, a view of that for
    other ranks; ``MmBackward0``/``matmul``'s nodes without bias.

    >>> from symdiff import tape
    >>> w = tape.ones(2, 3, requires_grad=True)
    >>> linear(tape.ones(4, 3), w, tape.zeros(2)).grad_fn.name()
    'AddmmBackward0'
    """
    x = _as_tensor(input)
    w = _as_tensor(weight)
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"linear: expected a weight of 1 or 2 dimensions, got "
                           f"{_size(w.shape)}")
    if x.dtype != w.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_torch_type(x.dtype)} and {_torch_type(w.dtype)}")
    if x.shape[-1] != w.shape[-1]:
        rows = int(np.prod(x.shape[:-1])) if x.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                           f"and {w.shape[-1]}x{w.shape[0] if w.ndim == 2 else 1})")
    wt = w.t()
    if bias is None:
        return _fn.matmul(x, wt)
    b = _as_tensor(bias)
    if x.ndim == 2 and w.ndim == 2:
        return _apply(R.AddmmBackward0, (b, x, wt), 3)
    lead = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])
    out = _apply(R.AddmmBackward0, (b, flat, wt if w.ndim == 2 else wt.unsqueeze(1)), 3)
    return out.view(lead + ((w.shape[0],) if w.ndim == 2 else ()))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one (a view, ``ViewBackward0``)."""
    x = _as_tensor(input)
    shape = x.shape
    n = len(shape)
    if n == 0:
        return x.reshape(1)
    s = start_dim + n if start_dim < 0 else start_dim
    e = end_dim + n if end_dim < 0 else end_dim
    for d, orig in ((s, start_dim), (e, end_dim)):
        if not 0 <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {orig})")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    merged = int(np.prod(shape[s:e + 1]))
    return x.reshape(shape[:s] + (merged,) + shape[e + 1:])


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``
    when ``training`` (the tape's random stream); the identity otherwise."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _as_tensor(input)
    if not training or p == 0.0:
        return x
    from ..random import _gen
    if p == 1.0:
        return x * 0.0
    keep = (_gen(None).random(x.shape) >= p) / (1.0 - p)
    return x * keep


# ---------------------------------------------------------------- activations
def relu(input, inplace=False):
    """``max(x, 0)`` (``ReluBackward0``); ``inplace=True`` writes into ``input``."""
    if inplace:
        return relu_(input)
    return _fn.relu(input)


def relu_(input):
    """In-place relu, as ``torch.relu_`` (torch's rules for leaves that require grad)."""
    return _inplace(input, _fn.relu)


def _inplace(t, fn):
    # Through the tensor's own in-place machinery: version counter, leaf check,
    # the recorded node's name is the out-of-place one (as ``x.relu_()`` in torch
    # records ``ReluBackward0``).
    if not isinstance(t, Tensor):
        raise TypeError(f"relu_(): argument 'input' must be Tensor, not {type(t).__name__}")
    return t._inplace(lambda a, _: fn(a), None)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    x = _as_tensor(input)
    return _fn.where(x > 0, x, x * negative_slope)


def sigmoid(input):
    return _fn.sigmoid(input)


def tanh(input):
    return _fn.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (torch)."""
    return _apply(R.SoftplusBackward0, (_as_tensor(input), beta, threshold), 1)


def silu(input, inplace=False):
    x = _as_tensor(input)
    return x * _fn.sigmoid(x)


def elu(input, alpha=1.0, inplace=False):
    x = _as_tensor(input)
    return _fn.where(x > 0, x, alpha * _fn.expm1(_fn.where(x > 0, 0.0, x)))


def gelu(input, approximate="none"):
    x = _as_tensor(input)
    if approximate == "tanh":
        return 0.5 * x * (1.0 + _fn.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))
    if approximate != "none":
        raise RuntimeError("approximate argument must be either none or tanh.")
    return 0.5 * x * (1.0 + _fn.erf(x * 0.7071067811865476))


def _softmax_dim(name, ndim, stacklevel):
    """torch's choice for a softmax without ``dim`` (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel + 1)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_args(name, input, dim, dtype, stacklevel):
    x = _as_tensor(input)
    if dim is None:
        dim = _softmax_dim(name, x.ndim, stacklevel + 1)
    n = x.ndim
    if not -max(n, 1) <= dim < max(n, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(n, 1)}, {max(n, 1) - 1}], but got {dim})")
    if dtype is not None:
        x = x.to(dtype)
    return x, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim`` (``SoftmaxBackward0``); without ``dim`` torch's warning
    and choice (dim 0 for 0-, 1- and 3-d inputs, else 1)."""
    x, dim = _softmax_args("softmax", input, dim, dtype, _stacklevel - 1)
    return _fn.softmax(x, dim) if x.ndim else _fn.softmax(x.reshape(1), 0).reshape(())


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Log-softmax along ``dim`` (``LogSoftmaxBackward0``); see ``softmax``."""
    x, dim = _softmax_args("log_softmax", input, dim, dtype, _stacklevel - 1)
    return _fn.log_softmax(x, dim) if x.ndim else _fn.log_softmax(x.reshape(1), 0).reshape(())


def one_hot(tensor, num_classes=-1):
    t = np.asarray(_value_of(tensor))
    if t.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    n = int(t.max()) + 1 if num_classes == -1 else num_classes
    if t.size and (t.min() < 0 or t.max() >= n):
        raise RuntimeError("Class values must be smaller than num_classes." if t.min() >= 0
                           else "Class values must be non-negative.")
    from ..tensor import _make
    return _make((t[..., None] == np.arange(n)).astype(np.int64))


# ---------------------------------------------------------------- losses
def _check_reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        # torch's legacy arguments, mapped as torch maps them.
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in R._REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _shape_warning(input, target):
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({_size(target.shape)}) that is different to the "
                      f"input size ({_size(input.shape)}). This will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      UserWarning, stacklevel=3)


def _weighted_reduce(loss, weight, reduction):
    """torch's weighted regression losses: the weighted mean divides by the weights' sum."""
    wl = loss * weight
    if reduction == "mean":
        return wl.sum() / _as_tensor(weight).expand_as(wl).sum()
    if reduction == "sum":
        return wl.sum()
    return wl


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (``MseLossBackward0``).

    >>> from symdiff import tape
    >>> mse_loss(tape.tensor([1.0, 2.0]), tape.tensor([0.0, 0.0]))
    tensor(2.5000)
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    x, t = _as_tensor(input), _as_tensor(target)
    _shape_warning(x, t)
    if weight is not None:
        return _weighted_reduce((x - t) ** 2, weight, reduction)
    return _apply(R.MseLossBackward0, (x, t, reduction), 2)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error; torch composes it as ``abs(input - target)`` reduced."""
    reduction = _check_reduction(reduction, size_average, reduce)
    x, t = _as_tensor(input), _as_tensor(target)
    _shape_warning(x, t)
    d = _fn.abs(x - t)
    if weight is not None:
        return _weighted_reduce(d, weight, reduction)
    if reduction == "mean":
        return d.mean()
    if reduction == "sum":
        return d.sum()
    return d


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic below ``beta``, linear above (``SmoothL1LossBackward0``)."""
    reduction = _check_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)  # torch does the same
    x, t = _as_tensor(input), _as_tensor(target)
    _shape_warning(x, t)
    return _apply(R.SmoothL1LossBackward0, (x, t, reduction, float(beta)), 2)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic below ``delta``, ``delta``-linear above (``HuberLossBackward0``)."""
    reduction = _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _as_tensor(input), _as_tensor(target)
    _shape_warning(x, t)
    if weight is not None:
        loss = _apply(R.HuberLossBackward0, (x, t, "none", float(delta)), 2) * weight
        return R.reduce(loss, reduction)
    return _apply(R.HuberLossBackward0, (x, t, reduction, float(delta)), 2)


def _class_target(input, target):
    t = np.asarray(_value_of(target))
    x = input
    if x.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if x.ndim <= 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if x.ndim == 1 and t.ndim != 0:
        raise ValueError(f"Expected input batch_size (1) to match target batch_size "
                         f"({t.shape[0]}).")
    if x.ndim == 2 and t.shape[:1] != x.shape[:1]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                         f"batch_size ({t.shape[0] if t.ndim else 1}).")
    if x.ndim > 2 and t.shape != x.shape[:1] + x.shape[2:]:
        raise RuntimeError(f"size mismatch (got input: {list(x.shape)}, "
                           f"target: {list(t.shape)})")
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_type(t.dtype)}")
    return t


def _torch_type(dtype):
    from ..graph import _TORCH_TYPES
    return _TORCH_TYPES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _class_weight(weight, C):
    if weight is None:
        return None
    w = np.asarray(_value_of(weight))
    if w.shape != (C,):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or "
                           f"no classes but got weight tensor of shape: {list(w.shape)}")
    return w


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class targets: ``-weight[t] * input[i, t]``, the
    ``mean`` divided by the targets' total weight, ``ignore_index`` targets left out
    (``NllLossBackward0``; ``NllLoss2DBackward0`` for ``(N, C, d1, ...)`` inputs)."""
    reduction = _check_reduction(reduction, size_average, reduce)
    x = _as_tensor(input)
    t = _class_target(x, target)
    C = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(weight, C)
    node = R.NllLoss2DBackward0 if x.ndim > 2 else R.NllLossBackward0
    out = _apply(node, (x, t, w, int(ignore_index), reduction), 1)
    if reduction == "none" and x.ndim > 2 and x.ndim != 4:
        # torch runs nll_loss2d on a 4-d view and views the losses back
        out = out.view(t.shape)
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)`` for class targets (the class axis
    is 1, or 0 for a 1-d input), or ``-sum(target * log_softmax)`` for class
    probabilities of the input's shape.

    >>> from symdiff import tape
    >>> x = tape.tensor([[2.0, 0.0, 0.0]], requires_grad=True)
    >>> cross_entropy(x, tape.tensor([0])).grad_fn.name()
    'NllLossBackward0'
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    x = _as_tensor(input)
    if x.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    cdim = 0 if x.ndim == 1 else 1
    C = x.shape[cdim]
    logp = _fn.log_softmax(x, cdim)
    t = _as_tensor(target)
    wshape = [1] * x.ndim
    wshape[cdim] = C
    w = _class_weight(weight, C)
    if t.shape != x.shape:
        # torch: a target shaped unlike the input holds class indices
        nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
        if not label_smoothing:
            return nll
        return (1 - label_smoothing) * nll + _smoothing_term(
            logp, np.asarray(t._value), w, wshape, cdim, ignore_index, reduction) * (
            label_smoothing / C)
    if t.dtype.kind not in "fc":
        raise RuntimeError(f"Expected floating point type for target with class "
                           f"probabilities, got {_torch_type(t.dtype)}")
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / C
    prod = logp * t
    if w is not None:
        prod = prod * _as_tensor(w.reshape(wshape))
    if reduction == "none":
        return -prod.sum(cdim)
    total = -prod.sum()
    if reduction == "sum":
        return total
    return _apply(R.DivBackward1, (total, x.numel() // C), 1)


def _smoothing_term(logp, target, w, wshape, cdim, ignore_index, reduction):
    """torch's label-smoothing term for class-index targets: ``-sum_c w_c logp_c`` per
    element, 0 at ignored targets, the mean divided by the targets' total weight."""
    if w is not None:
        smooth = -(logp * _as_tensor(w.reshape(wshape))).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    keep = target != ignore_index
    smooth = smooth * _as_tensor(keep.astype(smooth.dtype))
    if reduction == "none":
        return smooth
    if reduction == "sum":
        return smooth.sum()
    if w is not None:
        return smooth.sum() / float(w[target[keep]].sum())
    return smooth.sum() / float(keep.sum())


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities (``BinaryCrossEntropyBackward0``); the
    logs are clamped at -100 as in torch, and probabilities outside [0, 1] raise."""
    reduction = _check_reduction(reduction, size_average, reduce)
    x, t = _as_tensor(input), _as_tensor(target)
    if t.shape != x.shape:
        raise ValueError(f"Using a target size ({_size(t.shape)}) that is different to the "
                         f"input size ({_size(x.shape)}) is deprecated. Please ensure they "
                         "have the same size.")
    xv = np.asarray(x._value)
    if ((xv < 0) | (xv > 1)).any() or np.isnan(xv).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    tv = np.asarray(t._value)
    if ((tv < 0) | (tv > 1)).any():
        raise RuntimeError("all elements of target should be between 0 and 1")
    w = None if weight is None else np.asarray(_value_of(weight))
    return _apply(R.BinaryCrossEntropyBackward0, (x, t, w, reduction), 2)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Binary cross entropy of logits, computed stably; ``pos_weight`` weighs the
    positive term per class (the last axis), ``weight`` every element."""
    reduction = _check_reduction(reduction, size_average, reduce)
    x, t = _as_tensor(input), _as_tensor(target)
    if t.shape != x.shape:
        raise ValueError(f"Target size ({_size(t.shape)}) must be the same as input size "
                         f"({_size(x.shape)})")
    w = None if weight is None else np.asarray(_value_of(weight))
    pw = None if pos_weight is None else np.asarray(_value_of(pos_weight))
    return _apply(R.BinaryCrossEntropyWithLogitsBackward0, (x, t, w, pw, reduction), 2)
