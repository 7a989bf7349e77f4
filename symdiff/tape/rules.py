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

from .dtypes import default_float
from .graph import Indexed, Variable, apply as _record, primitive, tensor_in as _on_tape
from .trig import MIN_SIZE as SINCOS_MIN_SIZE, sin_and_cos

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---------------------------------------------------------------- helpers

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
    if _on_tape(g):
        return _record(IndexPutBackward0, (g, shape, index), 1)
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


def _mean(x, axis, keepdims):
    """np.mean without its warning on empty input (torch: nan, silently)."""
    total = np.sum(x, axis=axis, keepdims=keepdims)
    return total / total.dtype.type(_count(np.shape(x), axis)) if hasattr(total, "dtype") else total / _count(np.shape(x), axis)


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
    # torch's pow_backward: an exponent of 0 has a zero gradient (even at x = 0)
    if np.ndim(p) == 0 and not hasattr(p, "_value") and p == 0:
        return g * 0.0
    return g * (p * x ** (p - 1))


def _pow_dbase(g, x, y):
    """torch's pow_backward_self for a tensor exponent: ``where(y == 0, 0, g * (y *
    x**(y-1)))`` (the gradient inside the mask, which decides second derivatives)."""
    return np.where(y == 0, 0.0, g * (y * x ** (y - 1)))


def _pow_dexp(g, a, x, y):
    """torch's pow_backward_exponent: ``g * where((x == 0) & (y >= 0), 0, a * log(x))``."""
    return g * np.where((x == 0) & (y >= 0), 0.0, a * np.log(x))


def _amax_grad(g, ans, x, axis, keepdims):
    # Ties share the gradient evenly (torch's amax/max).
    a = _expand_reduced(ans, x.shape, axis, keepdims)
    mask = (x == a) * 1.0
    count = _expand_reduced(mask.sum(axis=axis, keepdims=keepdims), x.shape, axis, keepdims)
    return _expand_reduced(g, x.shape, axis, keepdims) * mask / count


def _scalar_power(c, x):
    """``c ** x`` for a Python number ``c`` (torch: no bool ** bool, integer rules)."""
    if isinstance(c, (bool, np.bool_)) and np.result_type(x).kind == "b":
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    if np.result_type(x).kind in "biu" and isinstance(c, (int, np.integer)):
        return _int_power(np.asarray(c), x)
    return np.power(c, x)


def _share(lost, tie):
    """maximum/minimum's gradient share (torch): 0 where the input lost, 1/2 at a
    tie, 1 otherwise (nan included, which wins)."""
    return np.where(lost, 0.0, np.where(tie, 0.5, 1.0))


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _recip0(d):
    """1/d, 0 where d is 0 (torch's atan2 gradient at the origin): torch's
    ``reciprocal(d).masked_fill(d == 0, 0)``, so that its derivative there is nan
    as torch's (the masked reciprocal is inf)."""
    return np.where(d == 0, 0.0, np.reciprocal(d))


def _evenly(g, ans, x):
    """torch's max()/min() gradient: shared evenly by the entries equal to the
    result (the nan entries when the result is nan)."""
    if np.isnan(ans):
        mask = np.isnan(x) * 1.0
    else:
        mask = (x == ans) * 1.0
    return g * mask / mask.sum()


def _matmul_fwd(a, b):
    return np.matmul(a, b)


def _softmax(x, axis):
    if np.size(x) == 0:
        return np.array(x, copy=True)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    if np.size(x) == 0:
        return np.array(x, copy=True)
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _logsumexp(x, axis, keepdims):
    if np.size(x) == 0:
        return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
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
DivBackward0 = primitive("DivBackward0", operator.truediv, lambda g, a, x, y: g / y, lambda g, a, x, y: -g * ((x / y) / y))
NegBackward0 = primitive("NegBackward0", operator.neg, lambda g, a, x: -g, saves=False)
PowBackward0 = primitive("PowBackward0", operator.pow, lambda g, a, x, p: _pow_dx(g, x, p))
PowBackward1 = primitive("PowBackward1", operator.pow, lambda g, a, x, y: _pow_dx(g, x, y) if np.ndim(y) == 0 and not hasattr(y, "_value") else _pow_dbase(g, x, y),
                         _pow_dexp)
PowBackward2 = primitive("PowBackward2", lambda x, c: _scalar_power(c, x), lambda g, a, x, c: g * np.where((c == 0) & (x >= 0), 0.0, a * np.log(c)))
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
AsinBackward0 = primitive("AsinBackward0", np.arcsin, lambda g, a, x: g * _rsqrt(1.0 - x * x))
AcosBackward0 = primitive("AcosBackward0", np.arccos, lambda g, a, x: -g * _rsqrt(1.0 - x * x))
AtanBackward0 = primitive("AtanBackward0", np.arctan, lambda g, a, x: g / (1.0 + x * x))
SinhBackward0 = primitive("SinhBackward0", np.sinh, lambda g, a, x: g * np.cosh(x))
CoshBackward0 = primitive("CoshBackward0", np.cosh, lambda g, a, x: g * np.sinh(x))
TanhBackward0 = primitive("TanhBackward0", np.tanh, lambda g, a, x: _times(g, 1.0 - a * a))
AsinhBackward0 = primitive("AsinhBackward0", np.arcsinh, lambda g, a, x: g * _rsqrt(x * x + 1.0))
AcoshBackward0 = primitive("AcoshBackward0", np.arccosh, lambda g, a, x: g * _rsqrt(x * x - 1.0))
AtanhBackward0 = primitive("AtanhBackward0", np.arctanh, lambda g, a, x: g / (1.0 - x * x))
Atan2Backward0 = primitive("Atan2Backward0", np.arctan2, lambda g, a, y, x: g * x * _recip0(y * y + x * x), lambda g, a, y, x: g * -y * _recip0(y * y + x * x))
HypotBackward0 = primitive("HypotBackward0", np.hypot, lambda g, a, x, y: g * x / a, lambda g, a, x, y: g * y / a)
LogaddexpBackward0 = primitive("LogaddexpBackward0", np.logaddexp, lambda g, a, x, y: g * np.exp(x - a), lambda g, a, x, y: g * np.exp(y - a))
Logaddexp2Backward0 = primitive("Logaddexp2Backward0", np.logaddexp2, lambda g, a, x, y: g * np.exp2(x - a), lambda g, a, x, y: g * np.exp2(y - a))
SigmoidBackward0 = primitive("SigmoidBackward0", _sigmoid, lambda g, a, x: g * a * (1.0 - a))
ReluBackward0 = primitive("ReluBackward0", lambda x: np.maximum(x, 0.0), lambda g, a, x: g * ~(a <= 0))
AbsBackward0 = primitive("AbsBackward0", np.abs, lambda g, a, x: g * np.sign(x))
SignBackward0 = primitive("SignBackward0", lambda x: np.where(np.isnan(x), 0.0, np.sign(x)) if np.result_type(x).kind == "f" else np.sign(x), lambda g, a, x: np.zeros_like(g), saves=False)
FloorBackward0 = primitive("FloorBackward0", np.floor, lambda g, a, x: np.zeros_like(g), saves=False)
CeilBackward0 = primitive("CeilBackward0", np.ceil, lambda g, a, x: np.zeros_like(g), saves=False)
RoundBackward0 = primitive("RoundBackward0", np.round, lambda g, a, x: np.zeros_like(g), saves=False)
TruncBackward0 = primitive("TruncBackward0", np.trunc, lambda g, a, x: np.zeros_like(g), saves=False)
ErfBackward0 = primitive("ErfBackward0", _erf, lambda g, a, x: g * TWO_OVER_SQRT_PI * np.exp(-x * x))
ErfcBackward0 = primitive("ErfcBackward0", _erfc, lambda g, a, x: -g * TWO_OVER_SQRT_PI * np.exp(-x * x))
LgammaBackward0 = primitive("LgammaBackward0", _lgamma, lambda g, a, x: g * _digamma_t(x))
GammaBackward0 = primitive("GammaBackward0", _gamma, lambda g, a, x: g * a * _digamma_t(x))
DigammaBackward0 = primitive("DigammaBackward0", lambda x: _psi(0, x), lambda g, a, x: g * _polygamma_t(1, x))
PolygammaBackward0 = primitive("PolygammaBackward0", lambda x, n: _psi(n, x), lambda g, a, x, n: g * _polygamma_t(n + 1, x))
MaximumBackward0 = primitive("MaximumBackward0", np.maximum, lambda g, a, x, y: g * _share(x < y, x == y), lambda g, a, x, y: g * _share(y < x, x == y))
MinimumBackward0 = primitive("MinimumBackward0", np.minimum, lambda g, a, x, y: g * _share(x > y, x == y), lambda g, a, x, y: g * _share(y > x, x == y))
FmaxBackward0 = primitive("FmaxBackward0", np.fmax, lambda g, a, x, y: g * ((x >= y) | np.isnan(y)), lambda g, a, x, y: g * ~((x >= y) | np.isnan(y)))
FminBackward0 = primitive("FminBackward0", np.fmin, lambda g, a, x, y: g * ((x <= y) | np.isnan(y)), lambda g, a, x, y: g * ~((x <= y) | np.isnan(y)))
ClampBackward1 = primitive("ClampBackward1", lambda x, lo, hi: np.clip(x, lo, hi), lambda g, a, x, lo, hi: g * ((True if lo is None else x >= lo) & (True if hi is None else x <= hi)))
WhereBackward0 = primitive("WhereBackward0", lambda x, y, c: np.where(c, x, y), lambda g, a, x, y, c: np.where(c, g, 0.0), lambda g, a, x, y, c: np.where(c, 0.0, g))
SumBackward0 = primitive("SumBackward0", lambda x: np.sum(x), lambda g, a, x: np.broadcast_to(g, x.shape), saves=False)
SumBackward1 = primitive("SumBackward1", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), lambda g, a, x, axis, keepdims: _expand_reduced(g, x.shape, axis, keepdims), saves=False)
MeanBackward0 = primitive("MeanBackward0", lambda x: _mean(x, None, False), lambda g, a, x: np.broadcast_to(g / np.size(x), x.shape), saves=False)
MeanBackward1 = primitive("MeanBackward1", lambda x, axis, keepdims: _mean(x, axis, keepdims), lambda g, a, x, axis, keepdims: _expand_reduced(g / _count(x.shape, axis), x.shape, axis, keepdims), saves=False)
ProdBackward0 = primitive("ProdBackward0", lambda x: np.prod(x), lambda g, a, x: np.broadcast_to(g, x.shape) * (a / x))
MaxBackward1 = primitive("MaxBackward1", lambda x: np.max(x), lambda g, a, x: _evenly(g, a, x))
MinBackward1 = primitive("MinBackward1", lambda x: np.min(x), lambda g, a, x: _evenly(g, a, x))
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
def _to_copy_grad(g, x, dtype):
    """The gradient of a dtype change: rounded to the result's dtype (torch's
    engine casts each gradient to its tensor's dtype), then in the input's."""
    if isinstance(g, Variable):
        return g.to(dtype).to(x.dtype) if g.dtype != dtype else g.to(x.dtype)
    return np.asarray(np.asarray(g, dtype=dtype), dtype=np.result_type(x))


ToCopyBackward0 = primitive("ToCopyBackward0", lambda x, dtype: np.asarray(x, dtype=dtype), lambda g, a, x, dtype: _to_copy_grad(g, x, dtype), saves=False)
DotBackward0 = primitive("DotBackward0", np.dot, lambda g, a, x, y: g * y, lambda g, a, x, y: g * x)
MvBackward0 = primitive("MvBackward0", _matmul_fwd, lambda g, a, m, v: np.outer(g, v), lambda g, a, m, v: np.matmul(np.transpose(m), g))
VmBackward0 = primitive("SqueezeBackward4", _matmul_fwd, lambda g, a, v, m: np.matmul(m, g), lambda g, a, v, m: np.outer(v, g))
MmBackward0 = primitive("MmBackward0", _matmul_fwd, lambda g, a, x, y: np.matmul(g, np.transpose(y)), lambda g, a, x, y: np.matmul(np.transpose(x), g))
MatmulNdBackward0 = primitive("UnsafeViewBackward0", _matmul_fwd, lambda g, a, x, y: np.matmul(g, np.swapaxes(y, -1, -2)), lambda g, a, x, y: np.matmul(np.swapaxes(x, -1, -2), g))
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


def _psi(n, x):
    """polygamma(n, x) with torch's values at the edges: digamma(+-0) = -+inf;
    for n >= 1, (-1)**(n+1) * inf at the poles (0, -1, -2...), and nan at -inf for
    n = 1 (-inf for n >= 2) and at +inf for n >= 2."""
    out = _polygamma(n, x)
    if n == 0:
        return np.where(x == 0, np.copysign(np.inf, -np.asarray(x, dtype=float)), out)
    xa = np.asarray(x, dtype=float)
    pole = (xa <= 0) & (xa == np.floor(xa))
    if n >= 2:
        pole |= np.isneginf(xa)
    out = np.where(pole, (-1.0) ** (n + 1) * np.inf, out)
    bad = np.isneginf(xa) if n == 1 else np.isposinf(xa)
    return np.where(bad, np.nan, out)


def _digamma_t(x):
    """digamma that stays on the tape when ``x`` is a tensor (for create_graph)."""
    if _on_tape(x):
        return _record(DigammaBackward0, (x,), 1)
    return _psi(0, x)


def _polygamma_t(n, x):
    if _on_tape(x):
        return _record(PolygammaBackward0, (x, n), 1)
    return _psi(n, x)


SinBackward0.sfwd = staticmethod(math.sin)
CosBackward0.sfwd = staticmethod(math.cos)


# sin needs cos(x) in backward and cos needs sin(x): on large float64 arrays both
# are computed at forward time (trig.sin_and_cos: one pass, or numpy's two calls
# where those are faster) and the node keeps the other.
def _cos_sin(x):
    s, c = sin_and_cos(x)
    return c, s


def _neg_times(g, a, s):
    out = np.multiply(g, s)
    return np.negative(out, out=out) if type(out) is np.ndarray else -out


SinBackward0.fused = staticmethod(sin_and_cos)
SinBackward0.aux_vjps = (lambda g, a, c: g * c,)
CosBackward0.fused = staticmethod(_cos_sin)
CosBackward0.aux_vjps = (_neg_times,)
SinBackward0.fused_min = CosBackward0.fused_min = SINCOS_MIN_SIZE


# ---------------------------------------------------------------- views with torch's names
def _renamed(cls, name, **attrs):
    """A copy of primitive ``cls`` under torch's node name ``name`` (same rules):
    torch names a node after the operation (``x[None]`` is an unsqueeze, a
    ``split`` piece a slice), while the tape computes it the same way."""
    return type(name, (cls,), {"__slots__": (), **attrs})


IndexUnsqueezeBackward0 = _renamed(SliceBackward0, "UnsqueezeBackward0")
AliasBackward0 = _renamed(SliceBackward0, "AliasBackward0")
SplitBackward0 = _renamed(SliceBackward0, "SplitBackward0")
SplitWithSizesBackward0 = _renamed(SliceBackward0, "SplitWithSizesBackward0")
UnbindBackward0 = _renamed(SelectBackward0, "UnbindBackward0")


def _view_fwd(x, shape):
    """``x.view(shape)``: torch refuses a view that would need a copy."""
    if type(x) is not np.ndarray:
        return np.reshape(x, shape)
    try:
        return np.reshape(x, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


def _squeeze_fwd(x, axis):
    # torch: squeezing a dimension whose size is not 1 leaves it alone.
    if axis is None:
        return np.squeeze(x)
    axes = tuple(a for a in ((axis,) if isinstance(axis, int) else axis) if np.shape(x)[a] == 1)
    return np.squeeze(x, axes) if axes else x[...]


ViewBackward0.fwd = staticmethod(_view_fwd)
UnsafeViewBackward0 = _renamed(ViewBackward0, "UnsafeViewBackward0",
                               fwd=staticmethod(lambda x, shape: np.reshape(x, shape)))
SqueezeBackward0.fwd = staticmethod(_squeeze_fwd)
SqueezeBackward1 = _renamed(SqueezeBackward0, "SqueezeBackward1")
SqueezeBackward2 = _renamed(SqueezeBackward0, "SqueezeBackward2")

# Nodes whose output is a view of their input's memory: an in-place change of such
# an output is a change of the input (torch's "view of a leaf" error walks them).
for _cls in (ViewBackward0, UnsqueezeBackward0, SqueezeBackward0, ExpandBackward0,
             PermuteBackward0, TBackward0, TransposeBackward0, SelectBackward0,
             SliceBackward0):
    _cls.is_view = True


# ---------------------------------------------------------------- selections along a dim
def _take(x, index, axis, keepdims):
    """Entries of ``x`` at ``index`` along ``axis``: ``gather``, and the values of
    ``max(dim)``/``min(dim)`` (``index`` keeps the reduced axis; torch sends the
    whole gradient to the selected entry, not shared among ties)."""
    if np.ndim(x) == 0:
        return np.array(x, copy=True)
    out = np.take_along_axis(x, index, axis=axis)
    return out if keepdims else np.squeeze(out, axis)


def _scatter_add(g, shape, index, axis, keepdims):
    """Adjoint of ``_take``: ``g`` added into zeros of ``shape`` at ``index``."""
    if len(shape) == 0:
        return np.array(g, copy=True).reshape(())
    if not keepdims:
        g = np.expand_dims(g, axis)
    out = np.zeros(shape, dtype=np.result_type(g, np.float16))
    where = list(np.indices(index.shape, sparse=True))
    where[axis] = index
    np.add.at(out, tuple(where), g)
    return out


def _scatter_grad(g, shape, index, axis, keepdims):
    if _on_tape(g):
        return _record(ScatterAddBackward0, (g, shape, index, axis, keepdims), 1)
    return _scatter_add(g, shape, index, axis, keepdims)


def _take_grad(g, index, axis, keepdims):
    if _on_tape(g):
        return _record(GatherBackward0, (g, index, axis, keepdims), 1)
    return _take(g, index, axis, keepdims)


GatherBackward0 = primitive("GatherBackward0", _take, lambda g, a, x, index, axis, keepdims: _scatter_grad(g, np.shape(x), index, axis, keepdims), saves=False)
ScatterAddBackward0 = primitive("ScatterAddBackward0", _scatter_add, lambda g, a, gg, shape, index, axis, keepdims: _take_grad(g, index, axis, keepdims), saves=False)
MaxBackward0 = _renamed(GatherBackward0, "MaxBackward0")
MinBackward0 = _renamed(GatherBackward0, "MinBackward0")


# ---------------------------------------------------------------- norms, variance, product
def _vector_norm(x, p, axis, keepdims):
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if p == math.inf:
        return np.max(a, axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return np.min(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(np.result_type(a))
    if type(a) is np.ndarray and a.dtype == np.float32:
        # torch accumulates float32 p-norms in float64 (its CPU acc_type) and rounds once
        total = np.sum(a.astype(np.float64) ** p, axis=axis, keepdims=keepdims)
        return np.asarray(total ** (1.0 / p), dtype=np.float32)
    return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _norm_grad(g, ans, x, p, axis, keepdims):
    """torch's ``linalg_vector_norm_backward``: 0 where the norm is 0, ties of the
    inf-norm share the gradient, ``sign(x)`` for p = 1, 0 for p = 0."""
    shape = np.shape(x)
    g = _expand_reduced(g, shape, axis, keepdims)
    n = _expand_reduced(ans, shape, axis, keepdims)
    if p == 0:
        return np.zeros_like(x)
    if p == 1:
        return g * np.sign(x)
    if p == 2:
        # torch's formula: masked where the norm is 0 (its second derivative there
        # is nan, as torch's: x / 0 is differentiated under the mask)
        return g * np.where(n == 0, 0.0, x / n)
    if math.isinf(p):
        mask = (np.abs(x) == n) | np.isnan(x)
        count = _expand_reduced(np.sum(mask, axis=axis, keepdims=keepdims), shape, axis, keepdims)
        return np.sign(x) * (g / count) * mask
    if p < 1:
        scaled = np.where(x == 0, 0.0, np.sign(x) * np.abs(x) ** (p - 1))
        return scaled * g * n ** (1 - p)
    # torch: self_scaled * (grad / norm**(p - 1)).masked_fill(norm == 0, 0)
    scale = np.where(n == 0, 0.0, g / n ** (p - 1))
    if p < 2:
        return np.sign(x) * np.abs(x) ** (p - 1) * scale
    return x * np.abs(x) ** (p - 2) * scale


def _var(x, axis, correction, keepdims):
    with np.errstate(divide="ignore", invalid="ignore"):
        n = _count(np.shape(x), axis)
        d = x - _mean(x, axis, True)
        total = np.sum(d * d, axis=axis, keepdims=keepdims)
        return total / total.dtype.type(max(n - correction, 0))


def _var_grad(g, ans, x, axis, correction, keepdims):
    n = _count(np.shape(x), axis)
    g = _expand_reduced(g, np.shape(x), axis, keepdims)
    if (np.ndim(x) == 0 or axis is None) and n - correction <= 0:
        # torch's var_backward: 2 / 0 is inf, times x - mean: nan where x is its
        # mean, inf elsewhere; a constant, so the second derivative is 0
        return g * np.where(x == _mean(x, axis, True), np.nan, np.inf)
    return (2.0 / np.float64(n - correction)) * g * (x - _mean(x, axis, True))


def _std_grad(g, ans, x, axis, correction, keepdims):
    gv = np.where(ans == 0, 0.0, g / (2.0 * np.where(ans == 0, 1.0, ans)))
    return _var_grad(gv, None, x, axis, correction, keepdims)


def _prod_others(x, axis):
    """The product of the other entries along ``axis`` at each entry (exact with
    zeros): exclusive cumulative products from both ends (torch's
    ``prod_safe_zeros_backward``)."""
    x = np.moveaxis(x, axis, 0)
    left = np.ones_like(x)
    right = np.ones_like(x)
    if x.shape[0] > 1:
        left[1:] = np.cumprod(x[:-1], axis=0)
        right[:-1] = np.cumprod(x[::-1][:-1], axis=0)[::-1]
    return np.moveaxis(left * right, 0, axis)


def _prod_others_t(x, axis):
    """``_prod_others`` for a tensor (create_graph): products of the slices before
    and after each entry, so that higher derivatives at zeros are right too."""
    n = np.shape(x)[axis]
    pieces = []
    for i in range(n):
        rest = [x.narrow(axis, 0, i), x.narrow(axis, i + 1, n - i - 1)]
        pieces.append(np.concatenate(rest, axis).prod(axis, keepdim=True))
    return np.concatenate(pieces, axis)


def _prod_grad(g, ans, x, axis, keepdims):
    shape = np.shape(x)
    if not shape:
        return g   # torch: the product of one number passes the gradient unchanged
    g = _expand_reduced(g, shape, axis, keepdims)
    zeros = x == 0
    if not (zeros.any() if hasattr(zeros, "any") else zeros):
        return g * (_expand_reduced(ans, shape, axis, keepdims) / x)
    if axis is None:
        flat = np.reshape(x, (-1,))
        others = _prod_others_t(flat, 0) if isinstance(x, Variable) else _prod_others(flat, 0)
        return g * np.reshape(others, shape)
    if isinstance(x, Variable):
        return g * _prod_others_t(x, axis)
    return g * _prod_others(x, axis)


def _cumsum(x, axis):
    return np.cumsum(x, axis=axis) if axis is not None else np.array(x, copy=True)


def _reversed_cumsum(g, axis):
    if axis is None:
        return g
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumprod(x, axis):
    return np.cumprod(x, axis=axis) if axis is not None else np.array(x, copy=True)


def _cumprod_grad(g, ans, x, axis):
    """d/dx_i of sum_j g_j prod_{k<=j} x_k: sum_{j>=i} g_j * ans_j / x_i without
    zeros; exact with zeros (the product of the others, entry by entry)."""
    if axis is None:
        return g
    zeros = x == 0
    if not (zeros.any() if hasattr(zeros, "any") else zeros):
        return _reversed_cumsum(g * ans, axis) / x
    if isinstance(x, Variable):
        n = np.shape(x)[axis]
        cols = []
        for i in range(n):
            ones = np.ones_like(x.narrow(axis, i, 1))
            xi = np.concatenate([x.narrow(axis, 0, i), ones, x.narrow(axis, i + 1, n - i - 1)], axis)
            cp = xi.cumprod(axis)
            cols.append((g * cp).narrow(axis, i, n - i).sum(axis, keepdim=True))
        return np.concatenate(cols, axis)
    xm = np.moveaxis(x, axis, 0)
    gm = np.moveaxis(g, axis, 0)
    out = np.empty(np.shape(xm), dtype=np.result_type(xm, gm))
    for i in range(xm.shape[0]):
        xi = xm.copy()
        xi[i] = 1
        out[i] = (gm[i:] * np.cumprod(xi, axis=0)[i:]).sum(axis=0)
    return np.moveaxis(out, 0, axis)


def _repeat_grad(g, x, reps):
    shape = (1,) * (len(reps) - np.ndim(x)) + np.shape(x)
    split = []
    for r, s in zip(reps, shape):
        split += [r, s]
    summed = np.sum(np.reshape(g, tuple(split)), axis=tuple(range(0, 2 * len(reps), 2)))
    return np.reshape(summed, np.shape(x))


LinalgVectorNormBackward0 = primitive("LinalgVectorNormBackward0", _vector_norm, _norm_grad)
VarBackward0 = primitive("VarBackward0", _var, _var_grad)
StdBackward0 = primitive("StdBackward0", lambda x, axis, c, k: np.sqrt(_var(x, axis, c, k)), _std_grad)
ProdBackward0 = primitive("ProdBackward0", lambda x: np.prod(x), lambda g, a, x: _prod_grad(g, a, x, None, False))
ProdBackward1 = primitive("ProdBackward1", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims), _prod_grad)
CumsumBackward0 = primitive("CumsumBackward0", _cumsum, lambda g, a, x, axis: _reversed_cumsum(g, axis), saves=False)
CumprodBackward0 = primitive("CumprodBackward0", _cumprod, _cumprod_grad)
FlipBackward0 = primitive("FlipBackward0", lambda x, axes: np.flip(x, axes), lambda g, a, x, axes: np.flip(g, axes), saves=False)
RepeatBackward0 = primitive("RepeatBackward0", lambda x, reps: np.tile(x, reps), lambda g, a, x, reps: _repeat_grad(g, x, reps))
CloneBackward0Contiguous = _renamed(CloneBackward0, "CloneBackward0", fwd=staticmethod(lambda x: np.ascontiguousarray(x)))
BmmBackward0 = _renamed(MatmulNdBackward0, "BmmBackward0")
MatmulClonedBackward0 = _renamed(MatmulNdBackward0, "CloneBackward0")
MatmulTransposedBackward0 = _renamed(MatmulNdBackward0, "TransposeBackward0")


# ---------------------------------------------------------------- bool and integer inputs
def _as_float(fwd, x, *params):
    """torch computes float-valued functions of bool/int tensors in the default
    float dtype (numpy would pick float16 for bool or int8)."""
    return fwd(np.asarray(x, dtype=default_float()), *params)


def _not_for_bool(kernel):
    def rule(fwd, x, *params):
        if np.result_type(x).kind == "b":
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        return np.array(x, copy=True)   # rounding an integer leaves it alone
    return rule


def _relu_int(fwd, x):
    if np.result_type(x).kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.maximum(x, np.zeros((), np.result_type(x)))


def _abs_int(fwd, x):
    if np.result_type(x).kind == "b":
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
    return fwd(x)


def _neg_int(fwd, x):
    if np.result_type(x).kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return fwd(x)


def _sign_int(fwd, x):
    return np.array(x, copy=True) if np.result_type(x).kind == "b" else fwd(x)


def _keep_float(fn):
    """``fn`` (a float64 special function) keeping a float32 input's dtype."""
    def run(x):
        out = fn(x)
        dt = np.result_type(x)
        return out.astype(dt) if dt == np.float32 and hasattr(out, "astype") else out
    return run


def _binary_as_float(dt, x, y):
    f = default_float()
    return np.asarray(x, dtype=f), np.asarray(y, dtype=f)


def _binary_not_for_ints(kernel):
    def rule(dt, x, y):
        from .dtypes import torch_name
        raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_name(dt)}\'')
    return rule


def _pow_ints(dt, x, y):
    if dt.kind == "b":
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    return x, y


def _int_power(x, p):
    """torch's integer power: a negative Python exponent raises; negative
    exponents in a tensor give 1 for a base of 1, +-1 for -1, else 0."""
    if np.result_type(x).kind in "biu" and np.result_type(p).kind in "biu":
        if np.ndim(p) == 0 and not hasattr(p, "shape") and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        neg = np.asarray(p) < 0
        if neg.any():
            base = np.asarray(x, dtype=np.int64)
            safe = np.power(base, np.where(neg, 0, p))
            odd = np.abs(np.asarray(p)) % 2 == 1
            special = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
            return np.where(neg, special, safe)
        if np.result_type(x).kind == "b":
            if np.result_type(p).kind == "b":
                return np.asarray(x | ~np.asarray(p))   # bool ** bool stays bool
            x = np.asarray(x, dtype=np.int64)   # torch: bool ** int is an int64 tensor
    return np.power(x, p)


for _cls in (ReciprocalBackward0, SqrtBackward0, RsqrtBackward0, CbrtBackward0, ExpBackward0,
             Exp2Backward0, Expm1Backward0, LogBackward0, Log2Backward0, Log10Backward0,
             Log1PBackward0, SinBackward0, CosBackward0, TanBackward0, AsinBackward0,
             AcosBackward0, AtanBackward0, SinhBackward0, CoshBackward0, TanhBackward0,
             AsinhBackward0, AcoshBackward0, AtanhBackward0, SigmoidBackward0, ErfBackward0,
             ErfcBackward0, LgammaBackward0, GammaBackward0, DigammaBackward0,
             PolygammaBackward0):
    _cls.int_rule = staticmethod(_as_float)
FloorBackward0.int_rule = staticmethod(_not_for_bool("floor_vml_cpu"))
CeilBackward0.int_rule = staticmethod(_not_for_bool("ceil_vml_cpu"))
RoundBackward0.int_rule = staticmethod(_not_for_bool("round_vml_cpu"))
TruncBackward0.int_rule = staticmethod(_not_for_bool("trunc_vml_cpu"))
ReluBackward0.int_rule = staticmethod(_relu_int)
AbsBackward0.int_rule = staticmethod(_abs_int)
NegBackward0.int_rule = staticmethod(_neg_int)
SignBackward0.int_rule = staticmethod(_sign_int)
Atan2Backward0.int_rule = staticmethod(_binary_as_float)
DivBackward0.int_rule = staticmethod(_binary_as_float)   # true division of integers
HypotBackward0.int_rule = staticmethod(_binary_not_for_ints("hypot_cpu"))
PowBackward1.int_rule = staticmethod(_pow_ints)
PowBackward0.fwd = staticmethod(_int_power)
PowBackward1.fwd = staticmethod(_int_power)
for _cls, _fn in ((ErfBackward0, _erf), (ErfcBackward0, _erfc), (LgammaBackward0, _lgamma),
                  (GammaBackward0, _gamma)):
    _cls.fwd = staticmethod(_keep_float(_fn))
DigammaBackward0.fwd = staticmethod(_keep_float(lambda x: _psi(0, x)))


# Two-input arithmetic on float64 scalars runs on Python floats (see Node.pyfwd).
AddBackward0.pyfwd = staticmethod(float.__add__)
SubBackward0.pyfwd = staticmethod(float.__sub__)
MulBackward0.pyfwd = staticmethod(float.__mul__)
DivBackward0.pyfwd = staticmethod(float.__truediv__)


# ---------------------------------------------------------------- more of torch's primitives
def _negated(shifts):
    return -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)


def _lower_median(x):
    """torch's median of all entries: the lower of the two middle values; nan if any."""
    flat = np.reshape(x, -1)
    if flat.size == 0:
        return np.array(np.nan, dtype=np.result_type(x))
    if flat.dtype.kind == "f" and np.isnan(flat).any():
        return flat.dtype.type(np.nan)
    return np.sort(flat)[(flat.size - 1) // 2]


def _not_for_ints(kernel, kinds="biu"):
    def rule(fwd, x, *params):
        from .dtypes import torch_name
        dt = np.result_type(x)
        if dt.kind in kinds:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_name(dt)}\'')
        return fwd(x, *params)
    return rule


def _binary_not_for_bool(kernel):
    """remainder/fmod of bools is not implemented; of integers by 0 raises (torch)."""
    def rule(dt, x, y):
        if dt.kind == "b":
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        if np.any(np.asarray(y) == 0):
            raise RuntimeError("ZeroDivisionError")
        return x, y
    return rule


def _rounded_div(x, y, rounding):
    """``x.div(y, rounding_mode=...)``: a step function, so its own derivative is
    zero (torch's rule), also where x / y is nan."""
    if _on_tape(x, y):
        return _record(FloorDivideBackward if rounding == "floor" else TruncDivideBackward,
                       (x, y), 2)
    return np.floor(x / y) if rounding == "floor" else np.trunc(x / y)


def _remainder_grad_y(g, a, x, y):
    return -g * _rounded_div(x, y, "floor")


def _fmod_grad_y(g, a, x, y):
    return -g * _rounded_div(x, y, "trunc")


def _tri_grad(fn):
    return lambda g, a, x, k: fn(g, k)


def _tril(x, k):
    return np.tril(x, k)


def _triu(x, k):
    return np.triu(x, k)


def _trace_grad(g, a, x):
    return g * np.eye(np.shape(x)[0], np.shape(x)[1])


FloorDivideBackward = primitive("DivBackward2", lambda x, y: np.floor(x / y),
                                lambda g, a, x, y: np.zeros_like(g), lambda g, a, x, y: np.zeros_like(g),
                                saves=False)
TruncDivideBackward = _renamed(FloorDivideBackward, "DivBackward2",
                               fwd=staticmethod(lambda x, y: np.trunc(x / y)))
RemainderBackward0 = primitive("RemainderBackward0", np.remainder, lambda g, a, x, y: g, _remainder_grad_y)
FmodBackward0 = primitive("FmodBackward0", np.fmod, lambda g, a, x, y: g, _fmod_grad_y)
FracBackward0 = primitive("FracBackward0", lambda x: x - np.trunc(x), lambda g, a, x: g, saves=False)
TrilBackward0 = primitive("TrilBackward0", _tril, _tri_grad(_tril), saves=False)
TriuBackward0 = primitive("TriuBackward0", _triu, _tri_grad(_triu), saves=False)
TraceBackward0 = primitive("TraceBackward0", lambda x: np.trace(x), _trace_grad)
RollBackward0 = primitive("RollBackward0", lambda x, shifts, axes: np.roll(x, shifts, axes),
                          lambda g, a, x, shifts, axes: np.roll(g, _negated(shifts), axes), saves=False)
MaskedFillBackward0 = _renamed(WhereBackward0, "MaskedFillBackward0")
IndexSelectBackward0 = _renamed(IndexBackward0, "IndexSelectBackward0")
SortBackward0 = _renamed(GatherBackward0, "SortBackward0")
TopkBackward0 = _renamed(GatherBackward0, "TopkBackward0")
MedianBackward0 = primitive("MedianBackward0", lambda x: _lower_median(x), lambda g, a, x: _evenly(g, a, x))
MedianBackward1 = _renamed(GatherBackward0, "MedianBackward1")

ClampMinBackward0 = _renamed(ClampBackward1, "ClampMinBackward0")
ClampMaxBackward0 = _renamed(ClampBackward1, "ClampMaxBackward0")
FracBackward0.int_rule = staticmethod(_not_for_ints("frac_cpu"))
RemainderBackward0.int_rule = staticmethod(_binary_not_for_bool("remainder_cpu"))
FmodBackward0.int_rule = staticmethod(_binary_not_for_bool("fmod_cpu"))
RemainderBackward1 = _renamed(RemainderBackward0, "RemainderBackward1")
FmodBackward1 = _renamed(FmodBackward0, "FmodBackward1")


# ---------------------------------------------------------------- einsum
def _einsum_fwd(*args):
    *ops, plan = args
    return np.einsum(plan.equation, *ops)


def _einsum_any(equation, *ops):
    """``np.einsum`` on arrays, the recorded einsum on tensors (create_graph)."""
    if _on_tape(*ops):
        return _record(EinsumPlan.node_for(equation, len(ops)),
                       (*ops, EinsumPlan.parse(equation, [np.shape(o) for o in ops])), len(ops))
    return np.einsum(equation, *ops)


class EinsumPlan:
    """An einsum equation with its ellipses spelled out as letters: ``subs`` (one
    string per operand, aligned right like broadcasting), ``out`` and the size of
    each letter (size-1 dimensions broadcast, as in torch)."""

    __slots__ = ("equation", "subs", "out", "sizes")

    def __init__(self, equation, subs, out, sizes):
        self.equation, self.subs, self.out, self.sizes = equation, subs, out, sizes

    @staticmethod
    def parse(equation, shapes):
        eq = equation.replace(" ", "")
        lhs, arrow, rhs = eq.partition("->")
        terms = lhs.split(",")
        used = set(c for c in eq if c.isalpha())
        spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
        ell = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                   if "..." in t), default=0)
        ell_letters = "".join(spare[:ell])
        subs = []
        for t, s in zip(terms, shapes):
            if "..." in t:
                n = len(s) - len(t.replace("...", ""))
                t = t.replace("...", ell_letters[ell - n:])
            subs.append(t)
        if arrow:
            out = rhs.replace("...", ell_letters)
        else:
            counts = {}
            for t in terms:
                for c in t.replace("...", ""):
                    counts[c] = counts.get(c, 0) + 1
            out = ell_letters + "".join(sorted(c for c, k in counts.items() if k == 1))
        sizes = {}
        for t, s in zip(subs, shapes):
            for c, n in zip(t, s):
                if sizes.get(c, 1) == 1:
                    sizes[c] = n
        expanded = ",".join(subs) + "->" + out
        return EinsumPlan(expanded, tuple(subs), out, sizes)

    @staticmethod
    def node_for(equation, n):
        """torch's node for the result: einsum is composite in torch, and its last
        step is a permute or a sum (one operand), a product or a reshaped batched
        product (several)."""
        eq = equation.replace(" ", "")
        lhs, arrow, rhs = eq.partition("->")
        terms = lhs.replace("...", "").split(",")
        if arrow:
            summed = set("".join(terms)) - set(rhs)
        else:
            letters = "".join(terms)
            summed = {c for c in letters if letters.count(c) > 1}
        if n == 1:
            return EinsumSumBackward if summed else EinsumPermuteBackward
        return EinsumViewBackward if summed else EinsumMulBackward


def _einsum_grad(i, g, ans, *args):
    """d/d operand ``i``: the einsum of ``g`` with the other operands back to
    operand ``i``'s letters; letters found nowhere else are broadcast (ones), a
    repeated letter (a diagonal) is scattered back, broadcast size-1 dims summed."""
    *ops, plan = args
    mine = plan.subs[i]
    unique = "".join(dict.fromkeys(mine))
    terms, operands = [plan.out], [g]
    for j, (s, o) in enumerate(zip(plan.subs, ops)):
        if j != i:
            terms.append(s)
            operands.append(o)
    seen = set("".join(terms))
    missing = "".join(c for c in unique if c not in seen)
    if missing:
        terms.append(missing)
        operands.append(np.ones(tuple(plan.sizes[c] for c in missing)))
    r = _einsum_any(",".join(terms) + "->" + unique, *operands)
    shape = np.shape(ops[i])
    full = tuple(plan.sizes[c] for c in mine)
    if len(unique) < len(mine):
        grid = np.indices(tuple(plan.sizes[c] for c in unique), sparse=True)
        r = _index_grad(r, full, tuple(grid[unique.index(c)] for c in mine))
    ones = tuple(k for k, (n, m) in enumerate(zip(shape, full)) if n == 1 and m != 1)
    return r.sum(axis=ones, keepdims=True) if ones else r


EinsumViewBackward = primitive("ViewBackward0", _einsum_fwd)
EinsumViewBackward.vjps = Indexed(_einsum_grad)
EinsumMulBackward = _renamed(EinsumViewBackward, "MulBackward0")
EinsumSumBackward = _renamed(EinsumViewBackward, "SumBackward1")
EinsumPermuteBackward = _renamed(EinsumViewBackward, "PermuteBackward0")


# ---------------------------------------------------------------- diagonals
def diagonal_index(shape, offset, d1, d2):
    """The index of ``x[index] == np.diagonal(x, offset, d1, d2)`` (the diagonal
    last, the other dimensions in order), for reading and for scattering back."""
    n = len(shape)
    rows0, cols0 = max(-offset, 0), max(offset, 0)
    length = max(min(shape[d1] - rows0, shape[d2] - cols0), 0)
    others = [k for k in range(n) if k not in (d1, d2)]
    m = len(others) + 1
    index = [None] * n
    for pos, k in enumerate(others):
        index[k] = np.arange(shape[k]).reshape((1,) * pos + (-1,) + (1,) * (m - pos - 1))
    diag = np.arange(length).reshape((1,) * (m - 1) + (-1,))
    index[d1] = diag + rows0
    index[d2] = diag + cols0
    return tuple(index)


def _take_index(x, index):
    return x[index]


def _diag_embed(v, offset):
    return np.diag(v, offset)


DiagonalBackward0 = primitive("DiagonalBackward0", _take_index,
                              lambda g, a, x, index: _index_grad(g, np.shape(x), index), saves=False)
DiagonalCopyBackward0 = _renamed(DiagonalBackward0, "DiagonalBackward0_copy")
DiagEmbedBackward0 = primitive("DiagEmbedBackward0", _diag_embed,
                               lambda g, a, v, offset: g[diagonal_index(np.shape(g), offset, 0, 1)],
                               saves=False)
KthvalueBackward0 = _renamed(GatherBackward0, "KthvalueBackward0")
ModeBackward0 = _renamed(GatherBackward0, "ModeBackward0")


# ---------------------------------------------------------------- scatter
def scatter_where(index, dim):
    """The positions ``scatter`` writes: ``index`` along ``dim``, open grids elsewhere."""
    where = list(np.indices(index.shape, sparse=True))
    where[dim] = index
    return tuple(where)


def _src_part(src, index):
    """The part of ``src`` that ``scatter`` reads: its leading ``index.shape`` block."""
    return src[tuple(slice(0, s) for s in index.shape)]


def _scatter(x, src, dim, index):
    out = np.array(x, copy=True)
    out[scatter_where(index, dim)] = src if np.ndim(src) == 0 else _src_part(src, index)
    return out


def _scatter_add_fwd(x, src, dim, index):
    out = np.array(x, copy=True)
    np.add.at(out, scatter_where(index, dim), _src_part(src, index))
    return out


def _unwritten(shape, index, dim):
    """1.0 where ``scatter`` left ``x`` alone, 0.0 where it wrote."""
    keep = np.ones(shape)
    keep[scatter_where(index, dim)] = 0.0
    return keep


def _scatter_src_grad(g, src, dim, index, name):
    """The gradient of ``src``: ``g`` at the written positions.  torch's rule
    returns it in ``index``'s shape, so that a ``src`` larger than ``index`` makes
    its backward fail; the tape raises the same error."""
    part = g[scatter_where(index, dim)]
    shape = np.shape(src)
    if np.shape(part) != shape:
        raise RuntimeError(f"Function {name} returned an invalid gradient at index 1 - got "
                           f"{list(np.shape(part))} but expected shape compatible with {list(shape)}")
    return part


ScatterBackward0 = primitive("ScatterBackward0", _scatter,
                             lambda g, a, x, src, dim, index: g * _unwritten(np.shape(x), index, dim),
                             lambda g, a, x, src, dim, index: _scatter_src_grad(g, src, dim, index, "ScatterBackward0"),
                             saves=False)
ScatterBackward1 = _renamed(ScatterBackward0, "ScatterBackward1")
ScatterAddSrcBackward0 = primitive("ScatterAddBackward0", _scatter_add_fwd,
                                   lambda g, a, x, src, dim, index: g,
                                   lambda g, a, x, src, dim, index: _scatter_src_grad(g, src, dim, index, "ScatterAddBackward0"),
                                   saves=False)


# ---------------------------------------------------------------- lerp, addcmul, addcdiv, addmm, cross
def _lerp(start, end, weight):
    # torch's formula (exact at both ends): from start below 1/2, from end above
    if isinstance(weight, float):
        return start + weight * (end - start) if abs(weight) < 0.5 else end - (end - start) * (1 - weight)
    return np.where(np.abs(weight) < 0.5, start + weight * (end - start),
                    end - (end - start) * (1 - weight))


LerpBackward0 = primitive("LerpBackward0", _lerp,
                          lambda g, a, s, e, w: g * (1 - w), lambda g, a, s, e, w: g * w)
LerpBackward1 = primitive("LerpBackward1", _lerp,
                          lambda g, a, s, e, w: g * (1 - w), lambda g, a, s, e, w: g * w,
                          lambda g, a, s, e, w: g * (e - s))
AddcmulBackward0 = primitive("AddcmulBackward0", lambda x, t1, t2, value: x + value * (t1 * t2),
                             lambda g, a, x, t1, t2, value: g,
                             lambda g, a, x, t1, t2, value: g * (t2 * value),
                             lambda g, a, x, t1, t2, value: g * (t1 * value))
AddcdivBackward0 = primitive("AddcdivBackward0", lambda x, t1, t2, value: x + value * (t1 / t2),
                             lambda g, a, x, t1, t2, value: g,
                             lambda g, a, x, t1, t2, value: g * (value / t2),
                             lambda g, a, x, t1, t2, value: -g * value * t1 / (t2 * t2))


def _addmm(x, m1, m2, beta, alpha):
    prod = np.matmul(m1, m2)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:   # torch: beta = 0 ignores input (nan and inf included)
        return prod + np.zeros_like(x)
    return prod + (x if beta == 1 else beta * x)


AddmmBackward0 = primitive("AddmmBackward0", _addmm,
                           lambda g, a, x, m1, m2, beta, alpha: g * beta if beta != 1 else g,
                           lambda g, a, x, m1, m2, beta, alpha: np.matmul(g, np.transpose(m2)) * alpha,
                           lambda g, a, x, m1, m2, beta, alpha: np.matmul(np.transpose(m1), g) * alpha)


def _cross(a, b, dim):
    return np.cross(a, b, axis=dim)


def _cross_any(a, b, dim):
    if _on_tape(a, b):
        return _record(LinalgCrossBackward0, (a, b, dim), 2)
    return _cross(a, b, dim)


# d(a x b) = da x b + a x db; the adjoint of v -> v x b is g -> b x g
LinalgCrossBackward0 = primitive("LinalgCrossBackward0", _cross,
                                 lambda g, a, x, y, dim: _cross_any(y, g, dim),
                                 lambda g, a, x, y, dim: _cross_any(g, x, dim))



def _no_unique_derivative(g, a, x, vals):
    raise NotImplementedError("the derivative for '_unique2' is not implemented.")


# torch.unique records a node without a derivative: backward through it raises
Unique2Backward0 = primitive("Unique2Backward0", lambda x, vals: vals, _no_unique_derivative,
                             saves=False)


# ---------------------------------------------------------------- numpy.linalg (sd.check runs numpy code)
def _mT(a):
    return np.swapaxes(a, -1, -2)


def _inv_grad(g, ans, x):
    """d inv(X) = -inv(X) dX inv(X): the VJP is -inv(X)^T G inv(X)^T."""
    return -np.matmul(np.matmul(_mT(ans), g), _mT(ans))


def _det_grad(g, ans, x):
    """d det(X) = det(X) tr(inv(X) dX): the VJP is g det(X) inv(X)^T (raises at a
    singular X, where the adjugate would be the answer)."""
    return (g * ans)[..., None, None] * _mT(np.linalg.inv(x))


def _logabsdet_grad(g, ans, x):
    """d log|det X| = tr(inv(X) dX): the VJP is g inv(X)^T."""
    return g[..., None, None] * _mT(np.linalg.inv(x))


def _solve_grad_b(g, ans, a, b):
    """X = A^-1 B: the VJP for B is A^-T G."""
    return np.linalg.solve(_mT(a), g)


def _solve_grad_a(g, ans, a, b):
    """... and for A, -(A^-T G) X^T."""
    return -np.matmul(np.linalg.solve(_mT(a), g), _mT(ans))


LinalgInvBackward0 = primitive("LinalgInvBackward0", np.linalg.inv, _inv_grad)
LinalgDetBackward0 = primitive("LinalgDetBackward0", np.linalg.det, _det_grad)
LinalgSlogdetBackward0 = primitive("LinalgSlogdetBackward0", lambda x: np.linalg.slogdet(x)[1],
                                   _logabsdet_grad)
LinalgSolveBackward0 = primitive("LinalgSolveBackward0", np.linalg.solve, _solve_grad_a, _solve_grad_b)
