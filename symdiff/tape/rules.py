"""The derivative-rule table: one line per primitive.

Sits under ``tensor`` and ``functions``: each line makes the ``Node`` subclass
for one primitive, named like torch's backward node, with its numpy forward
function and one vector-Jacobian product per differentiable input,
``vjp(g, ans, *inputs)``.  The formulas are written by hand in numpy and are
independent of sympy on purpose: the tape is the second opinion that checks the
symbolic engine.  Because tensors implement ``__array_ufunc__`` and
``__array_function__``, the same formulas run on tensors when
``create_graph=True``, which is how higher derivatives work.

Non-smooth points follow torch: abs'(0) = 0, maximum/minimum split the gradient
evenly at ties, clamp passes the gradient where min <= x <= max, and
floor/ceil/sign/round/trunc have zero gradient.
"""

import math
import operator

import numpy as np

from .graph import Indexed, primitive
from .trig import MIN_SIZE as SINCOS_MIN_SIZE, sincos

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---------------------------------------------------------------- helpers

def _tensor_cls():
    from .tensor import Tensor
    return Tensor


def _special(name):
    """A vectorised special function: symdiff.special when it exists, else math."""
    try:
        from symdiff import special
        return getattr(special, name)
    except (ImportError, AttributeError):
        return np.vectorize(getattr(math, name), otypes=[float])


def _erf(x):
    return _special("erf")(x)


def _erfc(x):
    return _special("erfc")(x)


def _gamma(x):
    return _special("gamma")(x)


def _lgamma(x):
    return _special("lgamma")(x)


# Bernoulli numbers B_2k for the asymptotic series of the polygamma functions.
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _polygamma(n, x):
    """psi^(n)(x) for n >= 0 (digamma for n = 0), numpy-vectorised.

    Recurrence up to x >= 10, then the asymptotic series; reflection is not
    needed for the tape's uses (lgamma/gamma on their real domain still use it
    for x < 0 through the recurrence, which is exact but slow for very negative x).
    """
    try:
        from symdiff import special
        if n == 0 and hasattr(special, "digamma"):
            return special.digamma(x)
        if hasattr(special, "polygamma"):
            return special.polygamma(n, x)
    except ImportError:
        pass
    x = np.asarray(x, dtype=float)
    acc = np.zeros_like(x)
    fact = math.factorial(n)
    coef = (-1.0) ** (n + 1) * fact  # psi^(n)(x) = psi^(n)(x+1) + (-1)^(n+1) n!/x^(n+1)
    shift = np.maximum(np.ceil(10.0 - x), 0.0)
    steps = int(np.nanmax(shift)) if shift.size else 0
    for _ in range(steps):
        mask = x < 10.0
        acc = acc + np.where(mask, coef / np.where(mask, x, 1.0) ** (n + 1), 0.0)
        x = np.where(mask, x + 1.0, x)
    if n == 0:
        series = np.log(x) - 0.5 / x
        for k, b in enumerate(_B2K, start=1):
            series = series - b / (2 * k * x ** (2 * k))
        return acc + series
    # psi^(n)(x) ~ (-1)^(n+1) [ (n-1)!/x^n + n!/(2 x^(n+1)) + sum B2k (2k+n-1)!/((2k)! x^(2k+n)) ]
    s = math.factorial(n - 1) / x ** n + fact / (2 * x ** (n + 1))
    for k, b in enumerate(_B2K, start=1):
        s = s + b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * x ** (2 * k + n))
    return acc + (-1.0) ** (n + 1) * s


def _index_grad(g, shape, index):
    """Scatter-add ``g`` into zeros of ``shape`` at ``index`` (getitem's VJP)."""
    Tensor = _tensor_cls()
    if isinstance(g, Tensor):
        return Tensor._apply_node(IndexPutBackward0, (g, shape, index), 1)
    return _index_put(g, shape, index)


def _index_put(g, shape, index):
    out = np.zeros(shape, dtype=np.result_type(g, np.float64) if np.ndim(g) == 0
                   else g.dtype)
    np.add.at(out, index, g)
    return out


def _expand_reduced(g, shape, axis, keepdims):
    """Broadcast a reduction's gradient back to the input ``shape``."""
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % len(shape) for a in axes)
        kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
        g = np.reshape(g, kshape)
    return np.broadcast_to(g, shape)


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape)) if shape else 1
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce_grad(g, shape, reduction):
    if reduction == "mean":
        return g / _count(shape, None)
    return g


def _pow_dx(g, x, p):
    # torch: an exponent of 0 has a zero gradient (even at x = 0).
    if np.ndim(p) == 0 and not hasattr(p, "_value") and p == 0:
        return g * 0.0
    return g * p * x ** (p - 1)


def _amax_grad(g, ans, x, axis, keepdims):
    # Ties share the gradient evenly (torch's amax/max).
    a = _expand_reduced(ans, x.shape, axis, keepdims)
    mask = (x == a) * 1.0
    count = _expand_reduced(mask.sum(axis=axis, keepdims=keepdims), x.shape, axis, keepdims)
    return _expand_reduced(g, x.shape, axis, keepdims) * mask / count


def _matmul_fwd(a, b):
    return np.matmul(a, b)


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _bce(p, t, reduction):
    # torch clamps the logs at -100 so that p = 0 or 1 gives a finite loss.
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(p), -100.0) + (1 - t) * np.maximum(np.log1p(-p), -100.0))
    return _reduce(loss, reduction)


def _bce_logits(x, t, reduction):
    loss = np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x)))
    return _reduce(loss, reduction)


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def _nll(logp, target, reduction):
    if logp.ndim == 1:
        loss = -logp[target]
    else:
        loss = -logp[np.arange(logp.shape[0]), target]
    return _reduce(loss, reduction)


def _nll_index(logp, target):
    return (target,) if logp.ndim == 1 else (np.arange(logp.shape[0]), target)


def _cat_grad(i, g, ans, *args):
    *xs, axis = args
    start = sum(x.shape[axis] for x in xs[:i])
    idx = [slice(None)] * g.ndim
    idx[axis] = slice(start, start + xs[i].shape[axis])
    return g[tuple(idx)]


def _stack_grad(i, g, ans, *args):
    *xs, axis = args
    idx = [slice(None)] * g.ndim
    idx[axis] = i
    return g[tuple(idx)]


def _transpose_axes(x, axes):
    return np.transpose(x, axes)


def _inverse_perm(axes):
    return tuple(np.argsort(axes)) if axes is not None else None


_F64 = np.float64


def _sin(x):
    # math.sin is numpy's libm sin without the ufunc overhead on scalars
    if type(x) is _F64 and math.isfinite(x):
        return _F64(math.sin(x))
    return np.sin(x)


def _cos(x):
    if type(x) is _F64 and math.isfinite(x):
        return _F64(math.cos(x))
    return np.cos(x)


def _times(g, t):
    """``g * t`` where ``t`` is a temporary the rule just made: multiply into it
    (one array allocation less per rule on large arrays)."""
    if (type(t) is np.ndarray and type(g) is np.ndarray and g.shape == t.shape
            and g.dtype == t.dtype):
        return np.multiply(t, g, out=t)
    return g * t


# ---------------------------------------------------------------- the table
# name                                  forward                       vjp per input
AddBackward0 = primitive("AddBackward0", operator.add, lambda g, a, x, y: g, lambda g, a, x, y: g, saves=False)
SubBackward0 = primitive("SubBackward0", operator.sub, lambda g, a, x, y: g, lambda g, a, x, y: -g, saves=False)
RsubBackward1 = primitive("RsubBackward1", lambda x, c: c - x, lambda g, a, x, c: -g, saves=False)
MulBackward0 = primitive("MulBackward0", operator.mul, lambda g, a, x, y: g * y, lambda g, a, x, y: g * x)
DivBackward0 = primitive("DivBackward0", operator.truediv, lambda g, a, x, y: g / y, lambda g, a, x, y: -g * x / (y * y))
NegBackward0 = primitive("NegBackward0", operator.neg, lambda g, a, x: -g, saves=False)
PowBackward0 = primitive("PowBackward0", operator.pow, lambda g, a, x, p: _pow_dx(g, x, p))
PowBackward1 = primitive("PowBackward1", operator.pow, lambda g, a, x, y: _pow_dx(g, x, y) if np.ndim(y) == 0 and not hasattr(y, "_value") else g * np.where(y == 0, 0.0, y * x ** (y - 1)),
                         lambda g, a, x, y: g * np.where((x == 0) & (y >= 0), 0.0, a * np.log(x)))
PowBackward2 = primitive("PowBackward2", lambda x, c: np.power(c, x), lambda g, a, x, c: g * np.where((c == 0) & (x >= 0), 0.0, a * np.log(c)))
ReciprocalBackward0 = primitive("ReciprocalBackward0", np.reciprocal, lambda g, a, x: -g * a * a)
SqrtBackward0 = primitive("SqrtBackward0", np.sqrt, lambda g, a, x: g / (2.0 * a))
RsqrtBackward0 = primitive("RsqrtBackward0", lambda x: 1.0 / np.sqrt(x), lambda g, a, x: -0.5 * g * a * a * a)
CbrtBackward0 = primitive("CbrtBackward0", np.cbrt, lambda g, a, x: g / (3.0 * a * a))
ExpBackward0 = primitive("ExpBackward0", np.exp, lambda g, a, x: g * a)
Exp2Backward0 = primitive("Exp2Backward0", np.exp2, lambda g, a, x: g * a * LN2)
Expm1Backward0 = primitive("Expm1Backward0", np.expm1, lambda g, a, x: g * (a + 1.0))
LogBackward0 = primitive("LogBackward0", np.log, lambda g, a, x: g / x)
Log2Backward0 = primitive("Log2Backward0", np.log2, lambda g, a, x: g / (x * LN2))
Log10Backward0 = primitive("Log10Backward0", np.log10, lambda g, a, x: g / (x * LN10))
Log1PBackward0 = primitive("Log1PBackward0", np.log1p, lambda g, a, x: g / (x + 1.0))
SinBackward0 = primitive("SinBackward0", np.sin, lambda g, a, x: _times(g, _cos(x)))
CosBackward0 = primitive("CosBackward0", np.cos, lambda g, a, x: _times(-g, _sin(x)))
TanBackward0 = primitive("TanBackward0", np.tan, lambda g, a, x: g * (1.0 + a * a))
AsinBackward0 = primitive("AsinBackward0", np.arcsin, lambda g, a, x: g / np.sqrt(1.0 - x * x))
AcosBackward0 = primitive("AcosBackward0", np.arccos, lambda g, a, x: -g / np.sqrt(1.0 - x * x))
AtanBackward0 = primitive("AtanBackward0", np.arctan, lambda g, a, x: g / (1.0 + x * x))
SinhBackward0 = primitive("SinhBackward0", np.sinh, lambda g, a, x: g * np.cosh(x))
CoshBackward0 = primitive("CoshBackward0", np.cosh, lambda g, a, x: g * np.sinh(x))
TanhBackward0 = primitive("TanhBackward0", np.tanh, lambda g, a, x: _times(g, 1.0 - a * a))
AsinhBackward0 = primitive("AsinhBackward0", np.arcsinh, lambda g, a, x: g / np.sqrt(x * x + 1.0))
AcoshBackward0 = primitive("AcoshBackward0", np.arccosh, lambda g, a, x: g / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)))
AtanhBackward0 = primitive("AtanhBackward0", np.arctanh, lambda g, a, x: g / (1.0 - x * x))
Atan2Backward0 = primitive("Atan2Backward0", np.arctan2, lambda g, a, y, x: g * x / (x * x + y * y), lambda g, a, y, x: -g * y / (x * x + y * y))
HypotBackward0 = primitive("HypotBackward0", np.hypot, lambda g, a, x, y: g * x / a, lambda g, a, x, y: g * y / a)
LogaddexpBackward0 = primitive("LogaddexpBackward0", np.logaddexp, lambda g, a, x, y: g * np.exp(x - a), lambda g, a, x, y: g * np.exp(y - a))
SigmoidBackward0 = primitive("SigmoidBackward0", _sigmoid, lambda g, a, x: g * a * (1.0 - a))
ReluBackward0 = primitive("ReluBackward0", lambda x: np.maximum(x, 0.0), lambda g, a, x: g * (a > 0))
AbsBackward0 = primitive("AbsBackward0", np.abs, lambda g, a, x: g * np.sign(x))
SignBackward0 = primitive("SignBackward0", np.sign, lambda g, a, x: np.zeros_like(g), saves=False)
FloorBackward0 = primitive("FloorBackward0", np.floor, lambda g, a, x: np.zeros_like(g), saves=False)
CeilBackward0 = primitive("CeilBackward0", np.ceil, lambda g, a, x: np.zeros_like(g), saves=False)
RoundBackward0 = primitive("RoundBackward0", np.round, lambda g, a, x: np.zeros_like(g), saves=False)
TruncBackward0 = primitive("TruncBackward0", np.trunc, lambda g, a, x: np.zeros_like(g), saves=False)
ErfBackward0 = primitive("ErfBackward0", _erf, lambda g, a, x: g * TWO_OVER_SQRT_PI * np.exp(-x * x))
ErfcBackward0 = primitive("ErfcBackward0", _erfc, lambda g, a, x: -g * TWO_OVER_SQRT_PI * np.exp(-x * x))
LgammaBackward0 = primitive("LgammaBackward0", _lgamma, lambda g, a, x: g * _digamma_t(x))
GammaBackward0 = primitive("GammaBackward0", _gamma, lambda g, a, x: g * a * _digamma_t(x))
DigammaBackward0 = primitive("DigammaBackward0", lambda x: _polygamma(0, x), lambda g, a, x: g * _polygamma_t(1, x))
PolygammaBackward0 = primitive("PolygammaBackward0", lambda x, n: _polygamma(n, x), lambda g, a, x, n: g * _polygamma_t(n + 1, x))
MaximumBackward0 = primitive("MaximumBackward0", np.maximum, lambda g, a, x, y: g * ((x > y) + 0.5 * (x == y)), lambda g, a, x, y: g * ((y > x) + 0.5 * (x == y)))
MinimumBackward0 = primitive("MinimumBackward0", np.minimum, lambda g, a, x, y: g * ((x < y) + 0.5 * (x == y)), lambda g, a, x, y: g * ((y < x) + 0.5 * (x == y)))
FmaxBackward0 = primitive("FmaxBackward0", np.fmax, lambda g, a, x, y: g * ((x >= y) | np.isnan(y)), lambda g, a, x, y: g * ~((x >= y) | np.isnan(y)))
FminBackward0 = primitive("FminBackward0", np.fmin, lambda g, a, x, y: g * ((x <= y) | np.isnan(y)), lambda g, a, x, y: g * ~((x <= y) | np.isnan(y)))
ClampBackward1 = primitive("ClampBackward1", lambda x, lo, hi: np.clip(x, lo, hi), lambda g, a, x, lo, hi: g * ((True if lo is None else x >= lo) & (True if hi is None else x <= hi)))
WhereBackward0 = primitive("WhereBackward0", lambda x, y, c: np.where(c, x, y), lambda g, a, x, y, c: np.where(c, g, 0.0), lambda g, a, x, y, c: np.where(c, 0.0, g))
SumBackward0 = primitive("SumBackward0", lambda x: np.sum(x), lambda g, a, x: np.broadcast_to(g, x.shape), saves=False)
SumBackward1 = primitive("SumBackward1", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), lambda g, a, x, axis, keepdims: _expand_reduced(g, x.shape, axis, keepdims), saves=False)
MeanBackward0 = primitive("MeanBackward0", lambda x: np.mean(x), lambda g, a, x: np.broadcast_to(g / np.size(x), x.shape), saves=False)
MeanBackward1 = primitive("MeanBackward1", lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims), lambda g, a, x, axis, keepdims: _expand_reduced(g / _count(x.shape, axis), x.shape, axis, keepdims), saves=False)
ProdBackward0 = primitive("ProdBackward0", lambda x: np.prod(x), lambda g, a, x: np.broadcast_to(g, x.shape) * (a / x))
MaxBackward1 = primitive("MaxBackward1", lambda x: np.max(x), lambda g, a, x: _amax_grad(g, a, x, None, False))
MinBackward1 = primitive("MinBackward1", lambda x: np.min(x), lambda g, a, x: _amax_grad(g, a, x, None, False))
AmaxBackward0 = primitive("AmaxBackward0", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims), lambda g, a, x, axis, keepdims: _amax_grad(g, a, x, axis, keepdims))
AminBackward0 = primitive("AminBackward0", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims), lambda g, a, x, axis, keepdims: _amax_grad(g, a, x, axis, keepdims))
LogsumexpBackward0 = primitive("LogsumexpBackward0", _logsumexp, lambda g, a, x, axis, keepdims: _expand_reduced(g, x.shape, axis, keepdims) * np.exp(x - _expand_reduced(a, x.shape, axis, keepdims)))
SoftmaxBackward0 = primitive("SoftmaxBackward0", _softmax, lambda g, a, x, axis: a * (g - (g * a).sum(axis=axis, keepdims=True)))
LogSoftmaxBackward0 = primitive("LogSoftmaxBackward0", _log_softmax, lambda g, a, x, axis: g - np.exp(a) * g.sum(axis=axis, keepdims=True))
ViewBackward0 = primitive("ViewBackward0", lambda x, shape: np.reshape(x, shape), lambda g, a, x, shape: np.reshape(g, x.shape), saves=False)
UnsqueezeBackward0 = primitive("UnsqueezeBackward0", lambda x, axis: np.expand_dims(x, axis), lambda g, a, x, axis: np.reshape(g, x.shape), saves=False)
SqueezeBackward0 = primitive("SqueezeBackward0", lambda x, axis: np.squeeze(x, axis), lambda g, a, x, axis: np.reshape(g, x.shape), saves=False)
ExpandBackward0 = primitive("ExpandBackward0", lambda x, shape: np.broadcast_to(x, shape), lambda g, a, x, shape: g, saves=False)
PermuteBackward0 = primitive("PermuteBackward0", _transpose_axes, lambda g, a, x, axes: np.transpose(g, _inverse_perm(axes)), saves=False)
TBackward0 = primitive("TBackward0", np.transpose, lambda g, a, x: np.transpose(g), saves=False)
TransposeBackward0 = primitive("TransposeBackward0", np.swapaxes, lambda g, a, x, d0, d1: np.swapaxes(g, d0, d1), saves=False)
SelectBackward0 = primitive("SelectBackward0", lambda x, index: x[index], lambda g, a, x, index: _index_grad(g, x.shape, index), saves=False)
SliceBackward0 = primitive("SliceBackward0", lambda x, index: x[index], lambda g, a, x, index: _index_grad(g, x.shape, index), saves=False)
IndexBackward0 = primitive("IndexBackward0", lambda x, index: x[index], lambda g, a, x, index: _index_grad(g, x.shape, index))
IndexPutBackward0 = primitive("IndexPutBackward0", _index_put, lambda g, a, x, shape, index: g[index])
CatBackward0 = primitive("CatBackward0", lambda *a: np.concatenate(a[:-1], axis=a[-1]), saves=False)
CatBackward0.vjps = Indexed(_cat_grad)
StackBackward0 = primitive("StackBackward0", lambda *a: np.stack(a[:-1], axis=a[-1]), saves=False)
StackBackward0.vjps = Indexed(_stack_grad)
CloneBackward0 = primitive("CloneBackward0", lambda x: np.array(x, copy=True), lambda g, a, x: g, saves=False)
ToCopyBackward0 = primitive("ToCopyBackward0", lambda x, dtype: np.asarray(x, dtype=dtype), lambda g, a, x, dtype: g * 1.0, saves=False)
DotBackward0 = primitive("DotBackward0", np.dot, lambda g, a, x, y: g * y, lambda g, a, x, y: g * x)
MvBackward0 = primitive("MvBackward0", _matmul_fwd, lambda g, a, m, v: np.outer(g, v), lambda g, a, m, v: np.matmul(np.transpose(m), g))
VmBackward0 = primitive("SqueezeBackward4", _matmul_fwd, lambda g, a, v, m: np.matmul(m, g), lambda g, a, v, m: np.outer(v, g))
MmBackward0 = primitive("MmBackward0", _matmul_fwd, lambda g, a, x, y: np.matmul(g, np.transpose(y)), lambda g, a, x, y: np.matmul(np.transpose(x), g))
BmmBackward0 = primitive("UnsafeViewBackward0", _matmul_fwd, lambda g, a, x, y: np.matmul(g, np.swapaxes(y, -1, -2)), lambda g, a, x, y: np.matmul(np.swapaxes(x, -1, -2), g))
MseLossBackward0 = primitive("MseLossBackward0", lambda x, t, r: _reduce((x - t) ** 2, r), lambda g, a, x, t, r: 2.0 * (x - t) * _reduce_grad(g, np.shape(x - t), r), lambda g, a, x, t, r: -2.0 * (x - t) * _reduce_grad(g, np.shape(x - t), r))
BinaryCrossEntropyBackward0 = primitive("BinaryCrossEntropyBackward0", _bce, lambda g, a, p, t, r: _reduce_grad(g, np.shape(p), r) * (p - t) / np.maximum((1.0 - p) * p, 1e-12), lambda g, a, p, t, r: _reduce_grad(g, np.shape(p), r) * (np.log1p(-p) - np.log(p)))
BinaryCrossEntropyWithLogitsBackward0 = primitive("BinaryCrossEntropyWithLogitsBackward0", _bce_logits, lambda g, a, x, t, r: _reduce_grad(g, np.shape(x), r) * (_sigmoid(x) - t), lambda g, a, x, t, r: -_reduce_grad(g, np.shape(x), r) * x)
NllLossBackward0 = primitive("NllLossBackward0", _nll, lambda g, a, lp, t, r: -_index_grad(np.broadcast_to(_reduce_grad(g, np.shape(t), r), np.shape(t)), lp.shape, _nll_index(lp, t)))


def _keep_mask(shape, index):
    """1.0 where an assignment ``x[index] = v`` left ``x`` alone, 0.0 where it wrote."""
    m = np.ones(shape)
    m[index] = 0.0
    return m


def _write_node(name, torch_name=None):
    """The node of an in-place write (``x[index] = v``, ``fill_``, ``copy_``): the
    written part's gradient goes to ``v``, the rest to ``x``'s old history."""
    cls = primitive(name, _assign,
                    lambda g, a, x, v, index: g * _keep_mask(np.shape(x), index),
                    lambda g, a, x, v, index: g[index], saves=False)
    if torch_name is not None:
        cls.name = lambda self: torch_name
    return cls


def _assign(x, v, index):
    out = np.array(x, copy=True)
    out[index] = v
    return out


CopySlices = _write_node("CopySlices", "torch::autograd::CopySlices")
CopyBackwards = _write_node("CopyBackwards", "torch::autograd::CopyBackwards")
FillBackward2 = _write_node("FillBackward2")
FillBackward3 = _write_node("FillBackward3")
ZeroBackward0 = _write_node("ZeroBackward0")


def _digamma_t(x):
    """digamma that stays on the tape when ``x`` is a tensor (for create_graph)."""
    Tensor = _tensor_cls()
    if isinstance(x, Tensor):
        return Tensor._apply_node(DigammaBackward0, (x,), 1)
    return _polygamma(0, x)


def _polygamma_t(n, x):
    Tensor = _tensor_cls()
    if isinstance(x, Tensor):
        return Tensor._apply_node(PolygammaBackward0, (x, n), 1)
    return _polygamma(n, x)


SinBackward0.sfwd = staticmethod(math.sin)
CosBackward0.sfwd = staticmethod(math.cos)


# sin needs cos(x) in backward and cos needs sin(x): on large float64 arrays both
# come from one pass (trig.sincos) at forward time and the node keeps the other.
def _cos_sin(x):
    s, c = sincos(x)
    return c, s


def _neg_times(g, a, s):
    out = np.multiply(g, s)
    return np.negative(out, out=out) if type(out) is np.ndarray else -out


SinBackward0.fused = staticmethod(sincos)
SinBackward0.aux_vjps = (lambda g, a, c: g * c,)
CosBackward0.fused = staticmethod(_cos_sin)
CosBackward0.aux_vjps = (_neg_times,)
SinBackward0.fused_min = CosBackward0.fused_min = SINCOS_MIN_SIZE
