"""Public tensor functions (``tape.exp``, ``tape.sum``, ``tape.where``, ...) and
the tables that route numpy calls on tensors to them.

Sits on top of ``tensor`` and ``rules``: each function accepts tensors or
plain numbers/arrays and applies a primitive.  ``UFUNCS`` and ``FUNCTIONS``
map numpy ufuncs and numpy functions to these, for ``Tensor.__array_ufunc__``
and ``Tensor.__array_function__``: those of the catalog (``symdiff/ops/catalog.py``,
the functions both engines support) from its rows, the tape's own beside them;
``METHODS`` gives tensors their ``x.exp()``-style methods.
"""


import math

import numpy as np

from ..ops import catalog
from . import rules as R
from .tensor import (Tensor, _apply, _as_tensor, _binary, _make,
                     _normalize_shape, _unary, _unary_op, _value_of, tensor)

__all__ = [
    "tensor", "Tensor", "ones", "zeros", "ones_like", "zeros_like", "full", "arange",
    "linspace", "eye", "empty", "as_tensor", "from_numpy",
    "add", "sub", "mul", "div", "neg", "pow", "square", "reciprocal", "sqrt", "rsqrt", "cbrt",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "deg2rad", "rad2deg",
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
    "hypot", "sigmoid", "relu", "abs", "absolute", "sign", "heaviside", "positive", "floor",
    "ceil", "round", "trunc",
    "erf", "erfc", "lgamma", "gamma", "digamma", "polygamma",
    "maximum", "minimum", "fmax", "fmin", "clamp", "clip", "where",
    "sum", "mean", "prod", "amax", "amin", "max", "min", "logsumexp", "softmax", "log_softmax",
    "matmul", "mm", "mv", "dot", "outer", "reshape", "transpose", "permute", "t",
    "cat", "concatenate", "stack", "squeeze", "unsqueeze", "broadcast_to", "flatten",
    "var", "std", "norm",
]


def _t(x):
    return _as_tensor(x)


def _unary_fn(cls, name):
    fn = _unary_op(cls)  # converts a non-tensor input itself
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; backward node ``{cls.__name__}``."
    return fn


def _binary_fn(cls, name):
    def fn(input, other):
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            input = _t(input)
        return _binary(cls, input, other)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} with broadcasting; backward node ``{cls.__name__}``."
    return fn


# ---------------------------------------------------------------- creation
def ones(*size, dtype=None, requires_grad=False, device=None, **kwargs):
    """``tape.ones(2, 3)``: a tensor of ones (float64 by default)."""
    return tensor(np.ones(_normalize_shape(size), dtype=dtype or np.float64),
                  requires_grad=requires_grad, device=device)


def zeros(*size, dtype=None, requires_grad=False, device=None, **kwargs):
    """``tape.zeros(2, 3)``: a tensor of zeros (float64 by default)."""
    return tensor(np.zeros(_normalize_shape(size), dtype=dtype or np.float64),
                  requires_grad=requires_grad, device=device)


def empty(*size, dtype=None, requires_grad=False, device=None, **kwargs):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None, **kwargs):
    return tensor(np.full(_normalize_shape((size,)), fill_value, dtype=dtype),
                  requires_grad=requires_grad, device=device)


def ones_like(input, dtype=None, requires_grad=False, device=None, **kwargs):
    """A tensor of ones shaped like ``input``."""
    return tensor(np.ones_like(np.asarray(_value_of(input)), dtype=dtype),
                  requires_grad=requires_grad, device=device)


def zeros_like(input, dtype=None, requires_grad=False, device=None, **kwargs):
    """A tensor of zeros shaped like ``input``."""
    return tensor(np.zeros_like(np.asarray(_value_of(input)), dtype=dtype),
                  requires_grad=requires_grad, device=device)


def arange(start=0, end=None, step=1, *, dtype=None, requires_grad=False, device=None,
           **kwargs):
    """``tape.arange(5)`` (int64), ``tape.arange(0.0, 1.0, 0.25)`` (float64): torch's
    ``[start, end)`` with ``step``."""
    if end is None:
        start, end = 0, start
    return tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad,
                  device=device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None, **kwargs):
    """``steps`` evenly spaced values from ``start`` to ``end`` (float64 by default)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return tensor(np.linspace(start, end, steps, dtype=dtype or np.float64),
                  requires_grad=requires_grad, device=device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None, **kwargs):
    return tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad, device=device)


def as_tensor(data, dtype=None, device=None):
    if device is not None:
        tensor((), device=device)  # checks the device
    if isinstance(data, Tensor) and dtype is None:
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array``."""
    return _make(array)


# ---------------------------------------------------------------- arithmetic
add = _binary_fn(R.AddBackward0, "add")
sub = _binary_fn(R.SubBackward0, "sub")
mul = _binary_fn(R.MulBackward0, "mul")
div = _binary_fn(R.DivBackward0, "div")
true_divide = div


def neg(input):
    return -_t(input)


def pow(input, exponent):
    """``tape.pow(x, 2)``, ``tape.pow(2, x)`` or ``tape.pow(x, y)``."""
    if isinstance(input, Tensor):
        return input ** exponent
    if isinstance(exponent, Tensor):
        return exponent.__rpow__(input)
    return _t(input) ** exponent


def square(input):
    return _unary(R.PowBackward0, _t(input), 2)


def _ufunc_power(x, y):
    return pow(x, y)


reciprocal = _unary_fn(R.ReciprocalBackward0, "reciprocal")
sqrt = _unary_fn(R.SqrtBackward0, "sqrt")
rsqrt = _unary_fn(R.RsqrtBackward0, "rsqrt")
cbrt = _unary_fn(R.CbrtBackward0, "cbrt")
exp = _unary_fn(R.ExpBackward0, "exp")
exp2 = _unary_fn(R.Exp2Backward0, "exp2")
expm1 = _unary_fn(R.Expm1Backward0, "expm1")
log = _unary_fn(R.LogBackward0, "log")
log2 = _unary_fn(R.Log2Backward0, "log2")
log10 = _unary_fn(R.Log10Backward0, "log10")
log1p = _unary_fn(R.Log1PBackward0, "log1p")
sin = _unary_fn(R.SinBackward0, "sin")
cos = _unary_fn(R.CosBackward0, "cos")
tan = _unary_fn(R.TanBackward0, "tan")
asin = arcsin = _unary_fn(R.AsinBackward0, "asin")
acos = arccos = _unary_fn(R.AcosBackward0, "acos")
atan = arctan = _unary_fn(R.AtanBackward0, "atan")
sinh = _unary_fn(R.SinhBackward0, "sinh")
cosh = _unary_fn(R.CoshBackward0, "cosh")
tanh = _unary_fn(R.TanhBackward0, "tanh")
asinh = arcsinh = _unary_fn(R.AsinhBackward0, "asinh")
acosh = arccosh = _unary_fn(R.AcoshBackward0, "acosh")
atanh = arctanh = _unary_fn(R.AtanhBackward0, "atanh")
atan2 = arctan2 = _binary_fn(R.Atan2Backward0, "atan2")
hypot = _binary_fn(R.HypotBackward0, "hypot")
logaddexp = _binary_fn(R.LogaddexpBackward0, "logaddexp")
sigmoid = _unary_fn(R.SigmoidBackward0, "sigmoid")
relu = _unary_fn(R.ReluBackward0, "relu")
abs = absolute = _unary_fn(R.AbsBackward0, "abs")
sign = _unary_fn(R.SignBackward0, "sign")
floor = _unary_fn(R.FloorBackward0, "floor")
ceil = _unary_fn(R.CeilBackward0, "ceil")
trunc = _unary_fn(R.TruncBackward0, "trunc")
erf = _unary_fn(R.ErfBackward0, "erf")
erfc = _unary_fn(R.ErfcBackward0, "erfc")
lgamma = _unary_fn(R.LgammaBackward0, "lgamma")
gamma = _unary_fn(R.GammaBackward0, "gamma")
digamma = _unary_fn(R.DigammaBackward0, "digamma")
maximum = _binary_fn(R.MaximumBackward0, "maximum")
minimum = _binary_fn(R.MinimumBackward0, "minimum")
fmax = _binary_fn(R.FmaxBackward0, "fmax")
fmin = _binary_fn(R.FminBackward0, "fmin")


def deg2rad(input):
    """Degrees to radians, ``x * (pi/180)`` as numpy computes it (``MulBackward0``)."""
    return _t(input) * (math.pi / 180.0)


def rad2deg(input):
    """Radians to degrees, ``x * (180/pi)`` (``MulBackward0``)."""
    return _t(input) * (180.0 / math.pi)


def heaviside(input, values):
    """0 below zero, 1 above, ``values`` at zero. torch has no derivative for it; here,
    as for ``sign``, the gradient is zero (made of ``sign`` and ``where``)."""
    x = _t(input)
    return where(_value_of(x) == 0, values, (sign(x) + 1.0) * 0.5)


def positive(input):
    """``+x``: the input itself (torch.positive)."""
    return _t(input)


def round(input, decimals=0):
    if decimals:
        scale = 10.0 ** decimals
        return _unary(R.RoundBackward0, _t(input) * scale) / scale
    return _unary(R.RoundBackward0, _t(input))


def polygamma(n, input):
    """The n-th derivative of digamma (torch's argument order)."""
    if n == 0:
        return digamma(input)
    return _unary(R.PolygammaBackward0, _t(input), n)


def clamp(input, min=None, max=None):
    """Clamp into ``[min, max]``; gradient passes where min <= x <= max (torch)."""
    return _unary(R.ClampBackward1, _t(input), _value_of(min), _value_of(max))


def clip(a, a_min=None, a_max=None, **kwargs):
    lo, hi = kwargs.get("min", a_min), kwargs.get("max", a_max)
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        # bounds that carry gradients: numpy's definition, minimum(maximum(a, lo), hi)
        out = a if lo is None else maximum(a, lo)
        return out if hi is None else minimum(out, hi)
    return clamp(a, lo, hi)


def where(condition, input, other):
    """``tape.where(c, x, y)``: x where c, else y; gradients flow to the chosen side."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _t(input)
    return _apply(R.WhereBackward0, (input, other, np.asarray(_value_of(condition))), 2)


# ---------------------------------------------------------------- reductions
def _axis(dim):
    if isinstance(dim, list):
        return tuple(dim)
    return dim


def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, **kwargs):
    """Sum of all elements (``SumBackward0``) or along ``dim`` (``SumBackward1``)."""
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    x = _t(input)
    if dim is None and not keepdim:
        return _unary(R.SumBackward0, x)
    return _unary(R.SumBackward1, x, dim, bool(keepdim))


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, **kwargs):
    """Mean of all elements (``MeanBackward0``) or along ``dim`` (``MeanBackward1``)."""
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    x = _t(input)
    if dim is None and not keepdim:
        return _unary(R.MeanBackward0, x)
    return _unary(R.MeanBackward1, x, dim, bool(keepdim))


def prod(input, dim=None, keepdim=False, *, axis=None, **kwargs):
    x = _t(input)
    dim = dim if axis is None else axis
    if dim is None:
        return _unary(R.ProdBackward0, x)
    # Along an axis: exp(sum(log)) would fail at zeros; use a product of slices.
    x = moveaxis(x, dim, 0)
    out = x[0]
    for i in range(1, x.shape[0]):
        out = out * x[i]
    return unsqueeze(out, dim) if keepdim else out


def moveaxis(x, source, destination):
    axes = list(range(x.ndim))
    axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
    return permute(x, axes)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    return _unary(R.AmaxBackward0, _t(input), dim, bool(keepdim))


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    return _unary(R.AminBackward0, _t(input), dim, bool(keepdim))


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    """``tape.max(x)`` (``MaxBackward1``), ``tape.max(x, y)`` (elementwise) or along a dim."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None and axis is None:
        return _unary(R.MaxBackward1, _t(input))
    return amax(input, dim, keepdim, axis=axis, keepdims=keepdims)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None and axis is None:
        return _unary(R.MinBackward1, _t(input))
    return amin(input, dim, keepdim, axis=axis, keepdims=keepdims)


def logsumexp(input, dim, keepdim=False):
    return _unary(R.LogsumexpBackward0, _t(input), _axis(dim), bool(keepdim))


def softmax(input, dim):
    return _unary(R.SoftmaxBackward0, _t(input), dim)


def log_softmax(input, dim):
    return _unary(R.LogSoftmaxBackward0, _t(input), dim)


def var(input, dim=None, keepdim=False, unbiased=True, *, correction=None, axis=None,
        ddof=None, keepdims=None, **kwargs):
    """Variance; torch's default is the unbiased (n - 1) estimate, numpy's ``ddof=0``."""
    x = _t(input)
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    if ddof is not None:
        correction = ddof
    if correction is None:
        correction = 1 if unbiased else 0
    n = x.numel() if dim is None else R._count(x.shape, dim)
    d = x - mean(x, dim, keepdim=True)
    return sum(d * d, dim, keepdim) / (n - correction)


def std(input, dim=None, keepdim=False, unbiased=True, **kwargs):
    return sqrt(var(input, dim, keepdim, unbiased, **kwargs))


def norm(input, p=2, dim=None, keepdim=False, **kwargs):
    x = _t(input)
    if p == 2 or p is None or p == "fro":
        return sqrt(sum(x * x, dim, keepdim))
    if p == 1:
        return sum(abs(x), dim, keepdim)
    return sum(abs(x) ** p, dim, keepdim) ** (1.0 / p)


def _np_norm(x, ord=None, axis=None, keepdims=False):
    return norm(x, 2 if ord is None else ord, axis, keepdims)


# ---------------------------------------------------------------- linear algebra
def matmul(input, other):
    """Matrix product with torch's node names (Dot/Mv/Mm/...)."""
    a, b = _t(input), _t(other)
    na, nb = a.ndim, b.ndim
    if na == 1 and nb == 1:
        cls = R.DotBackward0
    elif na == 2 and nb == 1:
        cls = R.MvBackward0
    elif na == 1 and nb == 2:
        cls = R.VmBackward0
    elif na == 2 and nb == 2:
        cls = R.MmBackward0
    elif na >= 2 and nb >= 2:
        cls = R.BmmBackward0
    elif nb == 1:
        return squeeze(matmul(a, unsqueeze(b, -1)), -1)
    else:
        return squeeze(matmul(unsqueeze(a, 0), b), -2)
    return _binary(cls, a, b)


mm = mv = matmul


def dot(a, b, out=None):
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return matmul(a, b)


def inner(a, b):
    return sum(_t(a) * b, -1)


def outer(a, b):
    a, b = _t(a), _t(b)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# ---------------------------------------------------------------- shape
def reshape(input, shape, *more, order="C"):
    shape = (shape,) + more if more else shape
    if isinstance(shape, int):
        shape = (shape,)
    return _unary(R.ViewBackward0, _t(input), tuple(shape))


def flatten(input):
    return reshape(input, (-1,))


def ravel(a, order="C"):
    return reshape(a, (-1,))


def transpose(input, dim0=None, dim1=None, axes=None):
    """``tape.transpose(x, 0, 1)`` (torch) or ``np.transpose(x, axes)`` (numpy)."""
    x = _t(input)
    if dim1 is not None:
        return _unary(R.TransposeBackward0, x, dim0, dim1)
    axes = dim0 if axes is None else axes
    if axes is None:
        if x.ndim <= 2:
            return _unary(R.TBackward0, x)
        axes = tuple(reversed(range(x.ndim)))
    return _unary(R.PermuteBackward0, x, tuple(axes))


def swapaxes(a, axis1, axis2):
    return _unary(R.TransposeBackward0, _t(a), axis1, axis2)


def permute(input, dims):
    return _unary(R.PermuteBackward0, _t(input), tuple(dims))


def t(input):
    return _unary(R.TBackward0, _t(input))


def squeeze(input, dim=None, axis=None):
    return _unary(R.SqueezeBackward0, _t(input), dim if axis is None else axis)


def unsqueeze(input, dim):
    return _unary(R.UnsqueezeBackward0, _t(input), dim)


def expand_dims(a, axis):
    return unsqueeze(a, axis)


def broadcast_to(input, shape, subok=False):
    x = _t(input)
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    if x.shape == shape:
        return x
    return _unary(R.ExpandBackward0, x, shape)


def cat(tensors, dim=0, *, axis=None, out=None, **kwargs):
    """Concatenate along ``dim`` (``CatBackward0``)."""
    tensors = tuple(tensors)
    return _apply(R.CatBackward0, tensors + (dim if axis is None else axis,), len(tensors))


concatenate = cat


def stack(tensors, dim=0, *, axis=None, out=None, **kwargs):
    """Stack along a new ``dim`` (``StackBackward0``)."""
    tensors = tuple(tensors)
    return _apply(R.StackBackward0, tensors + (dim if axis is None else axis,), len(tensors))


def _np_zeros_like(a, dtype=None, **kwargs):
    return _make(np.zeros_like(np.asarray(_value_of(a)), dtype=dtype))


def _np_ones_like(a, dtype=None, **kwargs):
    return _make(np.ones_like(np.asarray(_value_of(a)), dtype=dtype))


def _np_full_like(a, fill_value, dtype=None, **kwargs):
    return _make(np.full_like(np.asarray(_value_of(a)), fill_value, dtype=dtype))


def _np_passthrough(fn):
    """A numpy function whose result never carries a gradient (shape, isfinite...)."""
    def run(*args, **kwargs):
        args = [_value_of(a) for a in args]
        out = fn(*args, **kwargs)
        return _make(out) if isinstance(out, np.ndarray) and out.ndim > 0 else out
    return run


def _compare(fn):
    def run(x, y, **kwargs):
        return _make(fn(_value_of(x), _value_of(y)))
    return run


# ---------------------------------------------------------------- numpy routing tables
# The catalog's functions (ops/catalog.py) are routed by _catalog_routes below, to
# the function of this module its row names; these tables hold what only the tape has.
UFUNCS = {
    np.float_power: _ufunc_power, np.trunc: trunc, np.rint: round,
    np.greater: _compare(np.greater), np.greater_equal: _compare(np.greater_equal),
    np.less: _compare(np.less), np.less_equal: _compare(np.less_equal),
    np.equal: _compare(np.equal), np.not_equal: _compare(np.not_equal),
    np.logical_and: _compare(np.logical_and), np.logical_or: _compare(np.logical_or),
    np.logical_not: _np_passthrough(np.logical_not), np.isfinite: _np_passthrough(np.isfinite),
    np.isnan: _np_passthrough(np.isnan), np.isinf: _np_passthrough(np.isinf),
    np.signbit: _np_passthrough(np.signbit),
}

FUNCTIONS = {
    np.outer: outer, np.reshape: reshape, np.ravel: ravel, np.swapaxes: swapaxes,
    np.squeeze: squeeze,
    np.expand_dims: expand_dims, np.broadcast_to: broadcast_to,
    np.concatenate: concatenate, np.stack: stack, np.var: lambda a, axis=None, ddof=0, keepdims=False, **k: var(a, axis, keepdims, correction=ddof),
    np.std: lambda a, axis=None, ddof=0, keepdims=False, **k: std(a, axis, keepdims, correction=ddof),
    np.round: round, np.around: round, np.moveaxis: moveaxis, np.linalg.norm: _np_norm,
    np.zeros_like: _np_zeros_like, np.ones_like: _np_ones_like, np.full_like: _np_full_like,
    np.shape: lambda a: np.shape(_value_of(a)), np.ndim: lambda a: np.ndim(_value_of(a)),
    np.size: lambda a, axis=None: np.size(_value_of(a), axis),
    np.allclose: _np_passthrough(np.allclose), np.isclose: _np_passthrough(np.isclose),
    np.array_equal: _np_passthrough(np.array_equal), np.any: _np_passthrough(np.any),
    np.all: _np_passthrough(np.all), np.argmax: _np_passthrough(np.argmax),
    np.argmin: _np_passthrough(np.argmin), np.result_type: _np_passthrough(np.result_type),
}



def catalog_function(row: catalog.Op):
    """The tape function computing the catalog row ``row`` (its ``tape`` column)."""
    fn = globals().get(row.tape) if row.tape else None
    if fn is None:
        raise LookupError(f"catalog row {row.name!r} names the tape function {row.tape!r}, "
                          "which symdiff/tape/functions.py lacks: add it there (with its "
                          "rule in rules.py)")
    return fn


def _catalog_routes():
    """numpy ufunc -> tape function and numpy function -> tape function, for every
    numpy callable of a catalog row that the tape computes."""
    ufuncs, functions = {}, {}
    for row in catalog.ROWS:
        if row.tape is None or row.group == "conversion":
            continue
        for f in row.numpy_callables:
            (ufuncs if isinstance(f, np.ufunc) else functions)[f] = catalog_function(row)
    return ufuncs, functions


def _merge(derived, own, what):
    both = [getattr(f, "__name__", f) for f in own if f in derived]
    if both:
        raise LookupError(f"numpy's {', '.join(both)} routed twice ({what} and the catalog): "
                          "change the catalog row's tape column instead")
    return {**derived, **own}


_CATALOG_UFUNCS, _CATALOG_FUNCTIONS = _catalog_routes()
UFUNCS = _merge(_CATALOG_UFUNCS, UFUNCS, "tape.functions.UFUNCS")
FUNCTIONS = _merge(_CATALOG_FUNCTIONS, FUNCTIONS, "tape.functions.FUNCTIONS")

METHODS = {
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos,
    "atan": atan, "atan2": atan2, "sinh": sinh, "cosh": cosh, "tanh": tanh, "asinh": asinh,
    "acosh": acosh, "atanh": atanh, "arcsin": asin, "arccos": acos, "arctan": atan,
    "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal, "pow": pow,
    "sigmoid": sigmoid, "relu": relu, "abs": abs, "sign": sign, "floor": floor, "ceil": ceil,
    "round": round, "trunc": trunc, "erf": erf, "erfc": erfc, "lgamma": lgamma,
    "digamma": digamma, "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin,
    "clamp": clamp, "clip": clamp, "prod": prod, "amax": amax, "amin": amin, "max": max,
    "min": min, "logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax,
    "matmul": matmul, "mm": matmul, "mv": matmul, "dot": dot, "outer": outer,
    "var": var, "std": std, "norm": norm, "neg": neg, "add": add, "sub": sub, "mul": mul,
    "div": div, "hypot": hypot, "cumsum": None,
}
METHODS = {k: v for k, v in METHODS.items() if v is not None}
METHODS["polygamma"] = lambda self, n: polygamma(n, self)
