"""Public tensor functions (``tape.exp``, ``tape.sum``, ``tape.where``, ...) and
the tables that route numpy calls on tensors to them.

Sits on top of ``tensor`` and ``rules``: each function accepts tensors or
plain numbers/arrays and applies a primitive; at the end, the tables are handed
to ``tensor`` (below), whose methods and numpy protocols look them up.  ``UFUNCS`` and ``FUNCTIONS``
map numpy ufuncs and numpy functions to these, for ``Tensor.__array_ufunc__``
and ``Tensor.__array_function__``: those of the catalog (``symdiff/ops/catalog.py``,
the functions both engines support) from its rows, the tape's own beside them;
``METHODS`` gives tensors their ``x.exp()``-style methods.
"""


import builtins
import collections
import math
import warnings

import numpy as np

from ..ops import catalog
from . import rules as R
from .dtypes import (default_float, get_default_dtype, result_type as _result_type,
                     set_default_dtype, torch_name)
from .grad_mode import _state
from .tensor import (FUNCTIONS as _TENSOR_FUNCTIONS, INPLACE_METHODS as _TENSOR_INPLACE,
                     METHODS as _TENSOR_METHODS, UFUNCS as _TENSOR_UFUNCS)
from .tensor import (Tensor, _apply, _as_tensor, _binary, _make, _normalize_shape, _unary,
                     _unary_op, _value_of, broadcast_message, tensor, wrap_dim, wrap_dims)

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
    "argmax", "argmin", "all", "any", "allclose", "isclose", "equal", "gather", "repeat_interleave",
    "chunk", "split", "narrow", "bmm", "cumsum", "cumprod", "flip", "numel", "return_types",
    "result_type", "promote_types", "eq", "ne", "lt", "le", "gt", "ge", "is_tensor",
    "is_floating_point", "unbind", "swapaxes", "moveaxis", "tile", "get_default_dtype",
    "set_default_dtype",
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
    """``tape.ones(2, 3)``: a tensor of ones (of the default dtype, float64, unless ``dtype``)."""
    return tensor(np.ones(_normalize_shape(size), dtype=dtype or default_float()),
                  requires_grad=requires_grad, device=device)


def zeros(*size, dtype=None, requires_grad=False, device=None, **kwargs):
    """``tape.zeros(2, 3)``: a tensor of zeros (of the default dtype unless ``dtype``)."""
    return tensor(np.zeros(_normalize_shape(size), dtype=dtype or default_float()),
                  requires_grad=requires_grad, device=device)


def empty(*size, dtype=None, requires_grad=False, device=None, **kwargs):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None, **kwargs):
    if dtype is None and isinstance(_value_of(fill_value), float):
        dtype = default_float()
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
    if dtype is None and builtins.any(isinstance(_value_of(v), float) for v in (start, end, step)):
        dtype = default_float()
    return tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad,
                  device=device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None, **kwargs):
    """``steps`` evenly spaced values from ``start`` to ``end`` (the default dtype unless ``dtype``)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return tensor(np.linspace(start, end, steps, dtype=dtype or default_float()),
                  requires_grad=requires_grad, device=device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None, **kwargs):
    return tensor(np.eye(n, m, dtype=dtype or default_float()), requires_grad=requires_grad,
                  device=device)


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing memory with ``data`` when it can (a tensor, or a numpy
    array of the same dtype), else a copy, as torch.as_tensor."""
    if device is not None:
        tensor((), device=device)  # checks the device
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return _make(data)
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
logaddexp2 = _binary_fn(R.Logaddexp2Backward0, "logaddexp2")
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
    """``tape.where(c, x, y)``: x where c, else y; gradients flow to the chosen side;
    the result has torch's promoted dtype of x and y."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _t(input)
    dt = _result_type((_value_of(input), isinstance(input, Tensor)),
                      (_value_of(other), isinstance(other, Tensor)))
    input, other = (a.to(dt) if isinstance(a, Tensor) and a.dtype != dt else a
                    for a in (input, other))
    return _apply(R.WhereBackward0, (input, other, np.asarray(_value_of(condition))), 2)


# ---------------------------------------------------------------- reductions
def _axis(dim):
    if isinstance(dim, list):
        return tuple(dim)
    return dim


def _dtype_arg(x, dtype):
    return x if dtype is None else x.to(dtype)


def _require_float(x, what):
    dt = x.dtype
    if dt.kind not in "fc":
        raise RuntimeError(f"{what}(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {torch_name(dt)}")


def _numpy_only(name, kwargs):
    """numpy's ``initial=`` and ``where=`` change a reduction's value: the tape does not
    compute them, and says so rather than ignore them (sd.check then skips the tape)."""
    for k in ("initial", "where"):
        if k in kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument '{k}' "
                            "(numpy's, which the tape does not compute)")


def _sequence_dims(dim):
    """A tuple/list ``dim`` is numpy's several axes in code run by value (sd.check)."""
    return _state.by_value and isinstance(dim, (tuple, list))


def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, **kwargs):
    """Sum of all elements (``SumBackward0``) or along ``dim`` (``SumBackward1``);
    bool and integer tensors sum as int64, as in torch."""
    _numpy_only("sum", kwargs)
    x = _dtype_arg(_t(input), dtype)
    if x.dtype.kind in "bi" and x.dtype != np.int64:
        x = x.to(np.int64)
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    if dim is None and not keepdim:
        return _unary(R.SumBackward0, x)
    return _unary(R.SumBackward1, x, wrap_dims(dim, x.ndim), bool(keepdim))


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, **kwargs):
    """Mean of all elements (``MeanBackward0``) or along ``dim`` (``MeanBackward1``);
    an integer tensor needs ``dtype=`` (torch's error)."""
    _numpy_only("mean", kwargs)
    x = _dtype_arg(_t(input), dtype)
    _require_float(x, "mean")
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    if dim is None and not keepdim:
        return _unary(R.MeanBackward0, x)
    return _unary(R.MeanBackward1, x, wrap_dims(dim, x.ndim), bool(keepdim))


def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, **kwargs):
    """Product of all elements (``ProdBackward0``) or along one ``dim``
    (``ProdBackward1``); the gradient is exact with zeros (one or several).
    numpy's spelling (``axis=``, ``keepdims=``) has numpy's meaning: ``axis`` may
    be a tuple (one ``ProdBackward1`` per axis) and ``keepdims`` keeps reduced axes."""
    _numpy_only("prod", kwargs)
    x = _dtype_arg(_t(input), dtype)
    if x.dtype.kind in "bi" and x.dtype != np.int64:
        x = x.to(np.int64)
    numpy_spelling = axis is not None or keepdims is not None or _sequence_dims(dim)
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    if dim is None:
        out = _unary(R.ProdBackward0, x)
        return out.reshape((1,) * x.ndim) if keepdim and x.ndim else out
    if numpy_spelling and not _is_dim(dim):
        axes = sorted({wrap_dim(d, x.ndim) for d in dim}, reverse=True)
        out = x
        for d in axes:
            out = _unary(R.ProdBackward1, out, d, True)
        return out if keepdim else out.reshape(tuple(
            n for k, n in enumerate(x.shape) if k not in axes))
    return _unary(R.ProdBackward1, x, wrap_dims(_int_dim(dim, "prod"), x.ndim), bool(keepdim))


def moveaxis(x, source, destination):
    x = _t(x)
    if x.ndim == 0:
        wrap_dim(source, 0)
        wrap_dim(destination, 0)
        return x[...]
    axes = list(range(x.ndim))
    axes.insert(wrap_dim(destination, x.ndim), axes.pop(wrap_dim(source, x.ndim)))
    return permute(x, axes)


movedim = moveaxis


def _int_dim(dim, name):
    """torch's TypeError for a ``dim`` that must be one int."""
    if not _is_dim(dim):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return dim


def _nonempty(x, name, dim, wrapped=False):
    """torch's errors for a max-like reduction over nothing: without ``dim`` on an
    empty tensor, or along a dimension of size 0 (``dim`` as the caller wrote it,
    checked before the dims are validated further)."""
    shape = x.shape
    if dim is None:
        if x.numel() == 0:
            if name in ("argmax", "argmin"):
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return
    for d in ((dim,) if _is_dim(dim) else dim):
        w = wrap_dim(d, len(shape))
        if shape and shape[w] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {w if wrapped else d} to have "
                             "non-zero size.")


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None, **kwargs):
    """Largest value along ``dim`` (all by default); ties share the gradient."""
    _numpy_only("amax", kwargs)
    x = _t(input)
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    _nonempty(x, "amax", None if dim == () else dim)
    axes = wrap_dims(dim, x.ndim)
    return _unary(R.AmaxBackward0, x, axes, bool(keepdim))


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None, **kwargs):
    """Smallest value along ``dim`` (all by default); ties share the gradient."""
    _numpy_only("amin", kwargs)
    x = _t(input)
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    _nonempty(x, "amin", None if dim == () else dim)
    axes = wrap_dims(dim, x.ndim)
    return _unary(R.AminBackward0, x, axes, bool(keepdim))


def _return_type(name):
    """torch.return_types.<name>: a named tuple ``(values, indices)``."""
    base = collections.namedtuple(name, ("values", "indices"))

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": "symdiff.tape.return_types"})


class return_types:
    """The named tuples of ``max(dim)``/``min(dim)``, as ``torch.return_types``."""
    max = _return_type("max")
    min = _return_type("min")


def _extreme(x, dim, keepdim, name, argfn, node, rtype):
    """``x.max(dim)``: values (node ``MaxBackward0``: the whole gradient goes to the
    selected entry) and int64 indices (the first extreme, nan counting as one)."""
    _nonempty(x, name, dim, wrapped=True)
    d = wrap_dim(dim, x.ndim)
    v = np.asarray(x._value)
    if x.ndim == 0:
        return rtype(_unary(node, x, np.zeros((), np.int64), 0, bool(keepdim)),
                     _make(np.zeros((), np.int64)))
    idx = argfn(v, axis=d, keepdims=True).astype(np.int64)
    values = _unary(node, x, idx, d, bool(keepdim))
    return rtype(values, _make(idx if keepdim else np.squeeze(idx, d)))


def _is_dim(dim):
    return isinstance(dim, (int, np.integer)) and not isinstance(dim, (bool, np.bool_))


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    """``tape.max(x)`` (``MaxBackward1``), ``tape.max(x, y)`` (elementwise), or
    ``tape.max(x, dim)``: the named tuple ``(values, indices)``, as torch."""
    _numpy_only("max", kwargs)
    if axis is not None or keepdims is not None:   # numpy's spelling: numpy's meaning
        return amax(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims)
    if dim is None:
        x = _t(input)
        _nonempty(x, "max", None)
        return _unary(R.MaxBackward1, x)
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    _int_dim(dim, "max")
    return _extreme(_t(input), dim, keepdim, "max", np.argmax, R.MaxBackward0, return_types.max)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None, **kwargs):
    """``tape.min(x)``, ``tape.min(x, y)`` or ``tape.min(x, dim)`` -> ``(values, indices)``."""
    _numpy_only("min", kwargs)
    if axis is not None or keepdims is not None:
        return amin(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims)
    if dim is None:
        x = _t(input)
        _nonempty(x, "min", None)
        return _unary(R.MinBackward1, x)
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    _int_dim(dim, "min")
    return _extreme(_t(input), dim, keepdim, "min", np.argmin, R.MinBackward0, return_types.min)


def _arg_extreme(name, argfn):
    def fn(input, dim=None, keepdim=False, *, axis=None, **kwargs):
        x = _t(input)
        dim = dim if axis is None else axis
        v = np.asarray(x._value)
        if dim is not None:
            _int_dim(dim, name)
        if v.dtype.kind == "b":
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            _nonempty(x, name, None)
            out = np.asarray(argfn(v.reshape(-1)), dtype=np.int64)
            return _make(out.reshape((1,) * v.ndim) if keepdim else out)
        _nonempty(x, name, dim, wrapped=True)
        d = wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            return _make(np.zeros((), np.int64))
        return _make(argfn(v, axis=d, keepdims=bool(keepdim)).astype(np.int64))
    fn.__name__ = name
    fn.__doc__ = (f"Index of the {name[3:]}imum (flattened without ``dim``; the first one "
                  "at ties, nan counting as the extreme), an int64 tensor without gradient.")
    return fn


argmax = _arg_extreme("argmax", np.argmax)
argmin = _arg_extreme("argmin", np.argmin)


def _bool_reduce(name, npfn):
    def fn(input, dim=None, keepdim=False, *, axis=None, **kwargs):
        x = _t(input)
        dim = _axis(dim if axis is None else axis)
        axes = wrap_dims(dim, x.ndim)
        return _make(np.asarray(npfn(np.asarray(x._value), axis=axes,
                                     keepdims=bool(keepdim) and dim is not None)))
    fn.__name__ = name
    fn.__doc__ = f"Whether {name} elements are true (along ``dim``): a bool tensor."
    return fn


all = _bool_reduce("all", np.all)
any = _bool_reduce("any", np.any)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(np.isclose(_value_of(input), _value_of(other), rtol, atol, equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Python bool: every ``|input - other| <= atol + rtol * |other|``."""
    return bool(np.allclose(_value_of(input), _value_of(other), rtol, atol, equal_nan))


def equal(input, other):
    """Python bool: same shape and the same values."""
    a, b = np.asarray(_value_of(input)), np.asarray(_value_of(other))
    return a.shape == b.shape and bool(np.all(a == b))


def _compare_fn(name, method):
    def fn(input, other):
        return getattr(_t(input), method)(other)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison: a bool tensor (no gradient)."
    return fn


eq = _compare_fn("eq", "__eq__")
ne = _compare_fn("ne", "__ne__")
lt = _compare_fn("lt", "__lt__")
le = _compare_fn("le", "__le__")
gt = _compare_fn("gt", "__gt__")
ge = _compare_fn("ge", "__ge__")


def result_type(tensor1, tensor2):
    """torch.result_type: the dtype of ``tensor1 + tensor2`` (torch's promotion)."""
    return _result_type((_value_of(tensor1), isinstance(tensor1, Tensor)),
                        (_value_of(tensor2), isinstance(tensor2, Tensor))).type


def promote_types(type1, type2):
    from .dtypes import promote_types as _pt
    return _pt(np.dtype(type1), np.dtype(type2)).type


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return _t(input).dtype.kind == "f"


def numel(input):
    return _t(input).numel()


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) along ``dim``, computed stably; -inf over nothing."""
    x = _t(input)
    if x.dtype.kind in "biu":
        x = x.to(np.float64)
    return _unary(R.LogsumexpBackward0, x, wrap_dims(_axis(dim), x.ndim), bool(keepdim))


def _softmax_like(name, node, input, dim, dtype):
    x = _dtype_arg(_t(input), dtype)
    d = wrap_dim(_int_dim(dim, name), x.ndim)
    if x.dtype.kind in "biu" and x.numel():
        kernel = "lastdim_kernel_impl" if d == builtins.max(x.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for '
                                  f"'{torch_name(x.dtype)}'")
    return _unary(node, x, d if x.ndim else None)


def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (``SoftmaxBackward0``)."""
    return _softmax_like("softmax", R.SoftmaxBackward0, input, dim, dtype)


def log_softmax(input, dim, dtype=None):
    """x - logsumexp(x) along ``dim`` (``LogSoftmaxBackward0``)."""
    return _softmax_like("log_softmax", R.LogSoftmaxBackward0, input, dim, dtype)


_DOF_WARNING = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than "
                "the reduction factor (input numel divided by output numel).")


def _var_args(name, input, dim, unbiased, keepdim, correction, axis, ddof, keepdims):
    x = _t(input)
    if isinstance(dim, bool):            # x.var(False): torch's var(unbiased) overload
        dim, unbiased = None, dim
    dim = _axis(dim if axis is None else axis)
    keepdim = keepdim if keepdims is None else keepdims
    if ddof is not None:
        correction = ddof
    if correction is None:
        correction = 1 if unbiased else 0
    if x.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = wrap_dims(dim, x.ndim)
    kept = x.numel() // builtins.max(R._count(x.shape, axes), 1) if x.numel() else 0
    factor = x.numel() // kept if kept else 0
    if factor - correction <= 0:
        warnings.warn(_DOF_WARNING.format(name), UserWarning, stacklevel=3)
    return x, axes, correction, bool(keepdim)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
        ddof=None, keepdims=None, **kwargs):
    """Variance (``VarBackward0``); torch's default is the unbiased (n - 1) estimate,
    numpy's (``np.var(t)``) ``ddof=0``."""
    return _unary(R.VarBackward0, *_var_args("var", input, dim, unbiased, keepdim, correction,
                                              axis, ddof, keepdims))


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
        ddof=None, keepdims=None, **kwargs):
    """Standard deviation (``StdBackward0``; gradient 0 where it is 0, as torch)."""
    return _unary(R.StdBackward0, *_var_args("std", input, dim, unbiased, keepdim, correction,
                                              axis, ddof, keepdims))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, **kwargs):
    """Vector norm (``LinalgVectorNormBackward0``) over ``dim`` (all by default);
    p = 2 ('fro'), 1, inf, -inf, 0 or any number, with torch's gradients at the
    edges (0 at a zero vector, ties of the inf-norm share)."""
    x = _dtype_arg(_t(input), dtype)
    if p is None or p == "fro":
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"tape.norm: p={p!r} (matrix norms) is not supported; use a number")
    if x.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {torch_name(x.dtype)}")
    axes = wrap_dims(_axis(dim), x.ndim)
    if p < 0 and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor "
                           "because the operation does not have an identity")
    return _unary(R.LinalgVectorNormBackward0, x, float(p), axes, bool(keepdim))


def _np_norm(x, ord=None, axis=None, keepdims=False):
    return norm(x, 2 if ord is None else ord, axis, keepdims)


def _cum_dim(input, dim, axis, name):
    """The axis of a running sum/product; none given: torch's error, or numpy's
    flattened array in code run by value (``x.cumsum()`` in sd.check)."""
    if dim is None and axis is None:
        if not _state.by_value:
            raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
        return ravel(input), 0
    return input, (dim if axis is None else axis)


def cumsum(input, dim=None, *, dtype=None, axis=None, **kwargs):
    """Running sum along ``dim`` (``CumsumBackward0``); bool/int give int64."""
    input, dim = _cum_dim(_t(input), dim, axis, "cumsum")
    axis = None
    x = _dtype_arg(_t(input), dtype)
    if x.dtype.kind in "bi" and x.dtype != np.int64:
        x = x.to(np.int64)
    d = wrap_dim(_int_dim(dim if axis is None else axis, "cumsum"), x.ndim)
    return _unary(R.CumsumBackward0, x, d if x.ndim else None)


def cumprod(input, dim=None, *, dtype=None, axis=None, **kwargs):
    """Running product along ``dim`` (``CumprodBackward0``; gradients exact at zeros)."""
    input, dim = _cum_dim(_t(input), dim, axis, "cumprod")
    axis = None
    x = _dtype_arg(_t(input), dtype)
    if x.dtype.kind in "bi" and x.dtype != np.int64:
        x = x.to(np.int64)
    d = wrap_dim(_int_dim(dim if axis is None else axis, "cumprod"), x.ndim)
    return _unary(R.CumprodBackward0, x, d if x.ndim else None)


def flip(input, dims):
    """Reverse the order along ``dims`` (``FlipBackward0``)."""
    x = _t(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(wrap_dim(d, x.ndim) for d in dims)
    return _unary(R.FlipBackward0, x, axes if x.ndim else ())


# ---------------------------------------------------------------- linear algebra
def _matmul_error(sa, sb):
    """torch's message for matmul operands of shapes ``sa`` and ``sb`` that do not
    fit, or None."""
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        return f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D"
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            return (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to "
                    f"have the same number of elements, but got {sa[0]} and {sb[0]} elements "
                    "respectively")
        return None
    if nb == 1 or (nb == 2 and na != 1):
        rows = int(np.prod(sa[:-1]))
        if sa[-1] != sb[0]:
            if nb == 1:
                return f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})"
            return (f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and "
                    f"{sb[0]}x{sb[1]})")
        return None
    if na == 1 and nb == 2:
        if sa[0] != sb[0]:
            return f"mat1 and mat2 shapes cannot be multiplied (1x{sa[0]} and {sb[0]}x{sb[1]})"
        return None
    ba, bb = sa[:-2], sb[:-2]
    msg = broadcast_message(ba, bb)
    if msg is not None:
        return msg
    ka = sa[-1]
    kb = sb[-2]
    if ka != kb:
        batch = int(np.prod(np.broadcast_shapes(ba, bb)))
        return (f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {ka}] "
                f"but got: [{batch}, {kb}].")
    return None


def _same_dtype(a, b):
    """torch's error for matrix products of different dtypes (worded per kernel)."""
    if a.dtype == b.dtype:
        return
    na, nb = a.ndim, b.ndim
    ta, tb = torch_name(a.dtype), torch_name(b.dtype)
    if na == 1 and nb == 1:
        msg = f"dot : expected both vectors to have same dtype, but found {ta} and {tb}"
    elif nb == 1:
        msg = f"addmv input tensors must have the same dtype, but got {tb}, {ta}, and {tb}"
    elif na <= 2 and nb == 2:
        msg = (f"expected m1 and m2 to have the same dtype, but got: {ta.lower()} != "
               f"{tb.lower()}")
    else:
        msg = f"expected scalar type {ta} but found {tb}"
    raise RuntimeError(msg)


def matmul(input, other):
    """Matrix product with torch's node names (Dot/Mv/Mm/...) and errors."""
    a, b = _t(input), _t(other)
    na, nb = a.ndim, b.ndim
    msg = _matmul_error(a.shape, b.shape)
    if msg is not None:
        raise RuntimeError(msg)
    _same_dtype(a, b)
    if na == 1 and nb == 1:
        cls = R.DotBackward0
    elif na == 2 and nb == 1:
        cls = R.MvBackward0
    elif na == 1 and nb == 2:
        cls = R.VmBackward0
    elif na == 2 and nb == 2:
        cls = R.MmBackward0
    elif na >= 2 and nb >= 2:
        cls = _batched_node(a, b)
    elif nb == 1:      # torch folds the batch and reshapes: UnsafeViewBackward0
        out = _binary(R.MatmulNdBackward0, a, unsqueeze(b, -1))
        return _unary(R.UnsafeViewBackward0, out, out.shape[:-1])
    else:
        out = _binary(R.MatmulNdBackward0, unsqueeze(a, 0), b)
        return _unary(R.UnsafeViewBackward0, out, out.shape[:-2] + out.shape[-1:])
    return _binary(cls, a, b)


def _batched_node(a, b):
    """torch's last node of a batched product: a matrix (or a 3-D tensor of batch 1
    that requires grad) times a 3-D batch is computed transposed, ``(b.mT @ a.mT).mT``,
    then made contiguous (a clone, unless the result is one row or column)."""
    if b.ndim >= 3 and (a.ndim == 2 or (a.ndim == 3 and b.ndim == 3 and a.shape[0] == 1
                                        and b.shape[0] != 1 and a._requires_grad)):
        if a.shape[-2] == 1 or b.shape[-1] == 1:
            return R.MatmulTransposedBackward0
        return R.MatmulClonedBackward0
    return R.MatmulNdBackward0


def mm(input, mat2):
    """Matrix product of two 2-D tensors (``MmBackward0``)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def mv(input, vec):
    """Matrix times vector (``MvBackward0``)."""
    a, b = _t(input), _t(vec)
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    return matmul(a, b)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors (``BmmBackward0``)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(a, b)
    return _binary(R.BmmBackward0, a, b)


def torch_dot(input, tensor):
    """Inner product of two 1-D tensors (``DotBackward0``), as torch.dot: ``tape.dot``
    and ``x.dot(y)``."""
    a, b = _t(input), _t(tensor)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{torch_name(a.dtype)} and {torch_name(b.dtype)}")
    return matmul(a, b)


def dot(a, b, out=None):
    """np.dot on tensors (the catalog's ``dot`` row): products of scalars, vectors
    and matrices.  torch's stricter dot is ``torch_dot`` (``tape.dot``)."""
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return matmul(a, b)
    # numpy sums a's last axis against b's second-to-last (no batch broadcasting, unlike @)
    k = b.shape[-2]
    prod = matmul(reshape(a, (-1, k)), reshape(moveaxis(b, -2, 0), (k, -1)))
    return reshape(prod, tuple(a.shape[:-1]) + tuple(b.shape[:-2]) + tuple(b.shape[-1:]))


_np_dot = dot


def inner(a, b):
    """np.inner: a product with a scalar, else a sum over the last axes of both, the
    result shaped ``a.shape[:-1] + b.shape[:-1]``."""
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    k = a.shape[-1]
    prod = matmul(reshape(a, (-1, k)), swapaxes(reshape(b, (-1, k)), 0, 1))
    return reshape(prod, tuple(a.shape[:-1]) + tuple(b.shape[:-1]))


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    a, b = _t(input), _t(vec2)
    for name, v in (("self", a), ("vec2", b)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def _np_outer(a, b, out=None):
    return outer(reshape(a, (-1,)), reshape(b, (-1,)))


# ---------------------------------------------------------------- shape
def reshape(input, shape, *more, order="C"):
    shape = (shape,) + more if more else shape
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return _t(input).reshape(tuple(shape))


def flatten(input, start_dim=0, end_dim=-1):
    return _t(input).flatten(start_dim, end_dim)


def ravel(a, order="C"):
    return reshape(a, (-1,))


def transpose(input, dim0=None, dim1=None, axes=None):
    """``tape.transpose(x, 0, 1)`` (torch) or ``np.transpose(x, axes)`` (numpy)."""
    x = _t(input)
    if dim1 is not None:
        return x.transpose(dim0, dim1)
    axes = dim0 if axes is None else axes
    if axes is None:
        if x.ndim <= 2:
            return _unary(R.TBackward0, x)
        axes = tuple(reversed(range(x.ndim)))
    return x.permute(tuple(axes))


def swapaxes(a, axis1, axis2):
    return _t(a).transpose(axis1, axis2)


def permute(input, dims):
    return _t(input).permute(tuple(dims))


def t(input):
    return _t(input).t()


def squeeze(input, dim=None, axis=None):
    return _t(input).squeeze(dim if axis is None else axis)


def unsqueeze(input, dim):
    return _t(input).unsqueeze(dim)


def expand_dims(a, axis):
    return unsqueeze(a, axis)


def broadcast_to(input, shape, subok=False):
    x = _t(input)
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    if x.shape == shape:
        return x
    return x.expand(shape)


def narrow(input, dim, start, length):
    """``length`` entries of ``dim`` from ``start`` (a view, ``SliceBackward0``)."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start = start + size if start < 0 else start
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    index = (slice(None),) * d + (slice(start, start + length),)
    return x[index]


def _pieces(x, d, sizes, node):
    out = []
    start = 0
    for n in sizes:
        index = (slice(None),) * d + (slice(start, start + n), Ellipsis)
        out.append(_unary(node, x, index))
        start += n
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the
    listed sizes: views with torch's node names."""
    x = _t(tensor)
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [builtins.min(step, size - i) for i in range(0, size, step)] or [0]
        return _pieces(x, d, sizes, R.SplitBackward0)
    sizes = [int(n) for n in split_size_or_sections]
    if builtins.sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got "
                           f"split_sizes={sizes}")
    return _pieces(x, d, sizes, R.SplitWithSizesBackward0)


def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of equal size ``ceil(n / chunks)`` along ``dim``."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: %d" % chunks)
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if size == 0:   # torch: `chunks` empty pieces
        return _pieces(x, d, [0] * chunks, R.SplitWithSizesBackward0)
    return split(x, -(-size // chunks), dim)


def unbind(input, dim=0):
    """The slices along ``dim`` (``UnbindBackward0``)."""
    x = _t(input)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return tuple(_unary(R.UnbindBackward0, x, (slice(None),) * d + (i, Ellipsis))
                 for i in range(x.shape[d]))


def gather(input, dim, index):
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (``GatherBackward0``)."""
    x = _t(input)
    idx = np.asarray(_value_of(index))
    d = wrap_dim(dim, x.ndim)
    if idx.dtype != np.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx[(idx < -size) | (idx >= size)].flat[0]
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {d} with size {size}")
    if x.ndim == 0:
        return _unary(R.GatherBackward0, x, idx, 0, True)
    for i, (si, sx) in enumerate(zip(idx.shape, x.shape)):
        if i != d and si > sx:
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(idx.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d}")
    if any(si < sx for i, (si, sx) in enumerate(zip(idx.shape, x.shape)) if i != d):
        x = x[tuple(slice(0, si) if i != d else slice(None) for i, si in enumerate(idx.shape))]
    return _unary(R.GatherBackward0, x, idx, d, True)


def repeat(input, *sizes):
    """Tile ``input`` ``sizes`` times along each dimension (``RepeatBackward0``)."""
    x = _t(input)
    reps = _normalize_shape(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return _unary(R.RepeatBackward0, x, tuple(int(r) for r in reps))


def tile(input, dims):
    x = _t(input)
    dims = tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(input, repeats, dim=None):
    """Each entry repeated ``repeats`` times (flattened without ``dim``)."""
    x = _t(input)
    if dim is None:
        x = x.reshape(-1)
        dim = 0
    d = wrap_dim(dim, x.ndim)
    reps = np.asarray(_value_of(repeats))
    index = np.repeat(np.arange(x.shape[d]), reps)
    return x[(slice(None),) * d + (index,)]


def cat(tensors, dim=0, *, axis=None, out=None, **kwargs):
    """Concatenate along ``dim`` (``CatBackward0``), torch's type promotion and errors."""
    tensors = tuple(_t(a) for a in tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    dim = dim if axis is None else axis
    for k, a in enumerate(tensors):
        if a.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {k}) cannot be concatenated")
    # torch's legacy rule: 1-D empty tensors are skipped (whatever dim says)
    kept = tuple(a for a in tensors if not (a.ndim == 1 and a.shape[0] == 0))
    if not kept:
        dt = _result_type(*[(a._value, True) for a in tensors])
        tensors = tuple(a if a.dtype == dt else a.to(dt) for a in tensors)
        return _apply(R.CatBackward0, tensors + (0,), len(tensors))
    ndim = kept[0].ndim
    d = wrap_dim(dim, ndim)
    first = kept[0].shape
    for k, a in enumerate(tensors):
        if a is kept[0] or (a.ndim == 1 and a.shape[0] == 0):
            continue
        if a.ndim != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and "
                               f"{a.ndim}")
        for i, (p, q) in enumerate(zip(first, a.shape)):
            if i != d and p != q:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {p} but got size {q} for tensor number {k} "
                                   "in the list.")
    dt = _result_type(*[(a._value, True) for a in tensors])
    kept = tuple(a if a.dtype == dt else a.to(dt) for a in kept)
    return _apply(R.CatBackward0, kept + (d,), len(kept))


concatenate = cat


def stack(tensors, dim=0, *, axis=None, out=None, **kwargs):
    """Stack along a new ``dim`` (``StackBackward0``)."""
    tensors = tuple(_t(a) for a in tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for k, a in enumerate(tensors[1:], 1):
        if a.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(a.shape)} at "
                               f"entry {k}")
    d = wrap_dim(dim if axis is None else axis, tensors[0].ndim + 1)
    dt = _result_type(*[(a._value, True) for a in tensors])
    tensors = tuple(a if a.dtype == dt else a.to(dt) for a in tensors)
    return _apply(R.StackBackward0, tensors + (d,), len(tensors))


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


def _np_sort(a, axis=-1, order=None):
    """``numpy.sort``: the sorted values (no indices), nan last; ``axis=None``
    sorts the flattened array.  The gradient goes back through the permutation."""
    if order is not None:
        raise TypeError("numpy.sort(order=...) of a tensor: tensors have no fields")
    x = _t(a)
    if axis is None:
        x, axis = ravel(x), 0
    return sort(x, axis).values


def _np_diff(a, n=1, axis=-1, prepend=None, append=None):
    """``numpy.diff``: ``n``-th differences along ``axis``, by slices (their
    gradients scatter back); ``prepend``/``append`` are not computed (TypeError)."""
    if prepend is not None or append is not None:
        raise TypeError("numpy.diff(prepend=, append=) of a tensor: the tape does not compute them")
    x = _t(a)
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    d = wrap_dim(axis, x.ndim)
    lead = (slice(None),) * d
    for _ in range(n):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


def _atleast(x, ndim):
    x = _t(x)
    if x.ndim >= ndim:
        return x
    if ndim == 2:
        return x.reshape(1, -1) if x.ndim == 1 else x.reshape(1, 1)
    return x.reshape(1)


def _np_hstack(tup, **kwargs):
    """``numpy.hstack``: 1-d arrays joined end to end, others along axis 1."""
    arrays = [_atleast(a, 1) for a in tup]
    return cat(arrays, 0 if arrays and arrays[0].ndim == 1 else 1)


def _np_vstack(tup, **kwargs):
    """``numpy.vstack``: rows (1-d arrays become rows) joined along axis 0."""
    return cat([_atleast(a, 2) for a in tup], 0)


def _np_einsum(subscripts, *operands):
    """``numpy.einsum`` with a subscripts string (torch's einsum); the sublist form
    ``einsum(x, [0, 1], [1, 0])`` is not on the tape (TypeError)."""
    if not isinstance(subscripts, str):     # the sublist form: op, [axes], op, [axes], ..., [out]
        args = (subscripts,) + operands
        out = None
        if len(args) % 2:                   # an odd count: the last item is the output sublist
            args, out = args[:-1], args[-1]
        ops, subs = list(args[0::2]), list(args[1::2])

        def letters(sub):
            text = ""
            for s in sub:
                if s is Ellipsis:
                    text += "..."
                elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                    text += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[int(s)]
                else:
                    raise TypeError("numpy.einsum's sublist form takes ints in [0, 52) and ...")
            return text
        subscripts = ",".join(letters(sub) for sub in subs)
        if out is not None:
            subscripts += "->" + letters(out)
        operands = tuple(ops)
    return einsum(subscripts, *operands)


def _np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """``numpy.trace``: the sum along the diagonal (any ``offset`` and axes)."""
    return sum(diagonal(a, offset, axis1, axis2), -1)


def _np_atleast(ndim):
    def atleast(*arys):
        out = []
        for a in arys:
            x = _t(a)
            if x.ndim < ndim:   # numpy's placement: (n,) -> (1, n) -> (1, n, 1)
                shape = {0: (1,) * ndim, 1: (1, x.numel(), 1)[:ndim] if ndim > 1 else (1,),
                         2: x.shape + (1,)}[x.ndim]
                if ndim == 2 and x.ndim == 1:
                    shape = (1,) + x.shape
                x = x.reshape(shape)
            out.append(x)
        return out[0] if len(out) == 1 else tuple(out)
    atleast.__name__ = f"atleast_{ndim}d"
    return atleast


def _np_array_split(ary, indices_or_sections, axis=0, *, equal=False):
    """``numpy.array_split``/``numpy.split``: pieces by slices (a number of
    sections, the first ones one longer, or the indices to split at)."""
    x = _t(ary)
    d = wrap_dim(axis, x.ndim)
    n = x.shape[d]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        if equal and n % k:
            raise ValueError("array split does not result in an equal division")
        each, extra = divmod(n, k)
        sizes = [each + 1] * extra + [each] * (k - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    lead = (slice(None),) * d
    return [x[lead + (slice(lo, builtins.max(lo, hi)),)] for lo, hi in zip(bounds, bounds[1:])]


def _np_split_along(axis, name):
    def split_(ary, indices_or_sections):
        x = _t(ary)
        if name == "hsplit" and x.ndim == 1:
            return _np_array_split(x, indices_or_sections, 0, equal=True)
        return _np_array_split(x, indices_or_sections, axis, equal=True)
    split_.__name__ = name
    return split_


def _np_tensordot(a, b, axes=2):
    """``numpy.tensordot``: the contracted axes moved together, one matrix product."""
    a, b = _t(a), _t(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        axes_a, axes_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    axes_a = [wrap_dim(d, a.ndim) for d in axes_a]
    axes_b = [wrap_dim(d, b.ndim) for d in axes_b]
    if len(axes_a) != len(axes_b) or builtins.any(a.shape[i] != b.shape[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError("shape-mismatch for sum")
    free_a = [d for d in range(a.ndim) if d not in axes_a]
    free_b = [d for d in range(b.ndim) if d not in axes_b]
    k = int(np.prod([a.shape[d] for d in axes_a]))
    a2 = permute(a, free_a + axes_a).reshape(-1, k) if a.ndim else a.reshape(1, 1)
    b2 = permute(b, axes_b + free_b).reshape(k, -1) if b.ndim else b.reshape(1, 1)
    return matmul(a2, b2).reshape(tuple(a.shape[d] for d in free_a)
                                  + tuple(b.shape[d] for d in free_b))


def _np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``numpy.cross``: vectors of 3 (or 2, a missing z being 0) along ``axisa`` and
    ``axisb``, the products along ``axisc``; two 2-vectors give the z component."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(_t(a), axisa, -1), moveaxis(_t(b), axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    if na == 3 and nb == 3:
        a2, b2 = a[..., 2], b[..., 2]
        c = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z]
    elif na == 2:
        b2 = b[..., 2]
        c = [a1 * b2, -(a0 * b2), z]
    else:
        a2 = a[..., 2]
        c = [-(a2 * b1), a2 * b0, z]
    c = broadcast_tensors(*c)
    out = stack(c, -1)
    return moveaxis(out, -1, axisc)


def _np_gradient(f, *varargs, axis=None, edge_order=1):
    """``numpy.gradient`` with scalar spacings: central differences inside, one-sided
    ones of ``edge_order`` 1 or 2 at the ends, by slices; coordinate arrays as
    spacings are not on the tape (TypeError)."""
    x = _t(f)
    axes = tuple(range(x.ndim)) if axis is None else \
        ((axis,) if isinstance(axis, (int, np.integer)) else tuple(axis))
    axes = tuple(wrap_dim(d, x.ndim) for d in axes)
    if len(varargs) == 0:
        hs = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(_value_of(varargs[0])) == 0:
        hs = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes) and _all_scalars(varargs):
        hs = list(varargs)
    else:
        raise TypeError("numpy.gradient with coordinate arrays as spacings is not on the tape")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    out = []
    for d, h in zip(axes, hs):
        n = x.shape[d]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        lead = (slice(None),) * d

        def at(sl):
            return x[lead + (sl,)]
        inner = (at(slice(2, None)) - at(slice(None, -2))) / 2.0
        if edge_order == 1:
            first = at(slice(1, 2)) - at(slice(0, 1))
            last = at(slice(n - 1, n)) - at(slice(n - 2, n - 1))
        else:
            first = (-1.5 * at(slice(0, 1)) + 2.0 * at(slice(1, 2)) - 0.5 * at(slice(2, 3)))
            last = (1.5 * at(slice(n - 1, n)) - 2.0 * at(slice(n - 2, n - 1))
                    + 0.5 * at(slice(n - 3, n - 2)))
        out.append(cat([first, inner, last], d) / h)
    return out[0] if len(out) == 1 else tuple(out)


def _all_scalars(values):
    return builtins.all(np.ndim(_value_of(v)) == 0 for v in values)


def _np_pad(array, pad_width, mode="constant", constant_values=0, **kwargs):
    """``numpy.pad`` in mode ``constant`` (a number on each side): the array
    concatenated with constant blocks, axis by axis; other modes are not on the tape."""
    if mode != "constant" or kwargs or np.ndim(constant_values) != 0:
        raise TypeError("numpy.pad on the tape: mode='constant' with one constant value only")
    x = _t(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if (widths < 0).any():
        raise ValueError("index can't contain negative values")
    for d, (before, after) in enumerate(widths.tolist()):
        parts = []
        for w in (before, None, after):
            if w is None:
                parts.append(x)
            elif w:
                shape = x.shape[:d] + (w,) + x.shape[d + 1:]
                parts.append(full(shape, float(constant_values), dtype=x.dtype))
        x = cat(parts, d) if len(parts) > 1 else x[...]
    return x


def _square_matrices(x, name):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    if x.dtype.kind == "c":
        raise TypeError(f"numpy.linalg.{name} of a complex tensor is not on the tape")
    if x.dtype.kind not in "f":
        x = x.to(default_float())
    return x


def _np_inv(a):
    """``numpy.linalg.inv`` (``LinalgInvBackward0``)."""
    return _unary(R.LinalgInvBackward0, _square_matrices(_t(a), "inv"))


def _np_det(a):
    """``numpy.linalg.det`` (``LinalgDetBackward0``)."""
    return _unary(R.LinalgDetBackward0, _square_matrices(_t(a), "det"))


def _np_slogdet(a):
    """``numpy.linalg.slogdet``: (sign, log|det|), the sign without a gradient."""
    x = _square_matrices(_t(a), "slogdet")
    sign = _make(np.asarray(np.linalg.slogdet(np.asarray(x._value))[0]))
    return sign, _unary(R.LinalgSlogdetBackward0, x)


def _np_solve(a, b):
    """``numpy.linalg.solve`` (``LinalgSolveBackward0``); ``b`` of one dimension is a
    vector (numpy 2's rule); batch shapes must match (no broadcasting on the tape)."""
    a = _square_matrices(_t(a), "solve")
    b = _t(b)
    if b.dtype != a.dtype:
        b = b.to(a.dtype)
    vector = b.ndim == 1
    if vector:
        b = b.reshape(-1, 1)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise TypeError("numpy.linalg.solve on the tape: b must be (..., M) or (..., M, K) "
                        "with a's batch shape")
    out = _apply(R.LinalgSolveBackward0, (a, b), 2)
    return out.reshape(-1) if vector else out


def _np_kron(a, b):
    """``numpy.kron``: the shapes padded to one rank, every product ``a[i] * b[j]`` at
    ``i * b.shape + j``."""
    a, b = _t(a), _t(b)
    n = builtins.max(a.ndim, b.ndim)
    sa = (1,) * (n - a.ndim) + a.shape
    sb = (1,) * (n - b.ndim) + b.shape
    out = a.reshape(tuple(v for d in sa for v in (d, 1))) * \
        b.reshape(tuple(v for d in sb for v in (1, d)))
    return out.reshape(tuple(p * q for p, q in zip(sa, sb)))


def _np_rollaxis(a, axis, start=0):
    x = _t(a)
    n = x.ndim
    axis = wrap_dim(axis, n)
    if start < 0:
        start += n
    if not 0 <= start <= n:
        raise ValueError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1
    return x[...] if axis == start else moveaxis(x, axis, start)


def _np_column_stack(tup):
    cols = [_t(a) for a in tup]
    return cat([c.reshape(-1, 1) if c.ndim < 2 else c for c in cols], 1)


def _np_append(arr, values, axis=None):
    if axis is None:
        return cat([ravel(_t(arr)), ravel(_t(values))], 0)
    return cat([_t(arr), _t(values)], axis)


def _real_only(name, fn):
    """``numpy.real``/``imag``/``conj`` of a real tensor (a complex one is refused)."""
    def run(x, *args, **kwargs):
        x = _t(x)
        if x.dtype.kind == "c":
            raise TypeError(f"numpy.{name} of a complex tensor is not on the tape")
        return fn(x)
    run.__name__ = name
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
    np.outer: _np_outer, np.reshape: reshape, np.ravel: ravel, np.swapaxes: swapaxes,
    np.squeeze: squeeze,
    np.expand_dims: expand_dims, np.broadcast_to: broadcast_to,
    np.concatenate: concatenate, np.stack: stack,
    np.var: lambda a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **k: var(a, axis, keepdim=keepdims, correction=ddof),
    np.std: lambda a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **k: std(a, axis, keepdim=keepdims, correction=ddof),
    np.cumsum: lambda a, axis=None, dtype=None, out=None: cumsum(a if axis is not None else ravel(a), 0 if axis is None else axis, dtype=dtype),
    np.cumprod: lambda a, axis=None, dtype=None, out=None: cumprod(a if axis is not None else ravel(a), 0 if axis is None else axis, dtype=dtype),
    np.sort: lambda a, axis=-1, kind=None, order=None: _np_sort(a, axis, order),
    np.diff: _np_diff, np.hstack: _np_hstack, np.vstack: _np_vstack,
    np.tensordot: _np_tensordot, np.kron: _np_kron, np.rollaxis: _np_rollaxis,
    np.cross: _np_cross, np.gradient: _np_gradient, np.pad: _np_pad,
    np.linalg.inv: _np_inv, np.linalg.det: _np_det, np.linalg.slogdet: _np_slogdet,
    np.linalg.solve: _np_solve,
    np.column_stack: _np_column_stack, np.append: _np_append,
    np.repeat: lambda a, repeats, axis=None: repeat_interleave(a, repeats, axis),
    np.real: _real_only("real", lambda x: x[...]),
    np.imag: _real_only("imag", lambda x: x * 0.0),
    np.einsum: lambda subscripts, *operands, out=None, optimize=False, **k: _np_einsum(subscripts, *operands),
    np.trace: _np_trace,
    np.diagonal: lambda a, offset=0, axis1=0, axis2=1: diagonal(a, offset, axis1, axis2),
    np.atleast_1d: _np_atleast(1), np.atleast_2d: _np_atleast(2), np.atleast_3d: _np_atleast(3),
    np.array_split: _np_array_split,
    np.split: lambda ary, indices_or_sections, axis=0: _np_array_split(ary, indices_or_sections, axis, equal=True),
    np.hsplit: _np_split_along(1, "hsplit"), np.vsplit: _np_split_along(0, "vsplit"),
    np.dsplit: _np_split_along(2, "dsplit"),
    np.flipud: lambda m: flip(m, (0,)), np.fliplr: lambda m: flip(m, (1,)),
    np.flip: lambda m, axis=None: flip(m, tuple(range(_t(m).ndim)) if axis is None else axis),
    np.tile: lambda A, reps: tile(A, (reps,) if isinstance(reps, int) else reps),
    np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
    np.tril: lambda m, k=0: tril(m, k), np.triu: lambda m, k=0: triu(m, k),
    np.round: round, np.around: round, np.moveaxis: moveaxis, np.linalg.norm: _np_norm,
    np.zeros_like: _np_zeros_like, np.ones_like: _np_ones_like, np.full_like: _np_full_like,
    np.shape: lambda a: np.shape(_value_of(a)), np.ndim: lambda a: np.ndim(_value_of(a)),
    np.size: lambda a, axis=None: np.size(_value_of(a), axis),
    np.allclose: lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False: allclose(a, b, rtol, atol, equal_nan),
    np.isclose: _np_passthrough(np.isclose),
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
    "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh,
    "sqrt": sqrt, "rsqrt": rsqrt, "square": square, "reciprocal": reciprocal, "pow": pow,
    "sigmoid": sigmoid, "relu": relu, "abs": abs, "absolute": abs, "sign": sign,
    "floor": floor, "ceil": ceil, "round": round, "trunc": trunc, "erf": erf, "erfc": erfc,
    "lgamma": lgamma, "digamma": digamma, "maximum": maximum, "minimum": minimum, "fmax": fmax,
    "fmin": fmin, "clamp": clamp, "clip": clamp, "prod": prod, "amax": amax, "amin": amin,
    "max": max, "min": min, "argmax": argmax, "argmin": argmin, "all": all, "any": any,
    "allclose": allclose, "isclose": isclose, "equal": equal, "logsumexp": logsumexp,
    "softmax": softmax, "log_softmax": log_softmax, "matmul": matmul, "mm": mm, "mv": mv,
    "bmm": bmm, "dot": torch_dot, "outer": outer, "inner": inner, "var": var, "std": std,
    "norm": norm, "neg": neg, "negative": neg, "add": add, "sub": sub, "subtract": sub,
    "mul": mul, "multiply": mul, "div": div, "divide": div, "true_divide": div, "hypot": hypot,
    "cumsum": cumsum, "cumprod": cumprod, "flip": flip, "gather": gather, "repeat": repeat,
    "tile": tile, "repeat_interleave": repeat_interleave, "chunk": chunk, "split": split,
    "narrow": narrow, "unbind": unbind, "movedim": moveaxis, "moveaxis": moveaxis,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "is_floating_point": is_floating_point, "ravel": ravel,
}
METHODS["polygamma"] = lambda self, n: polygamma(n, self)

#: methods with an in-place form ``x.name_()``: elementwise, same shape and dtype
INPLACE_METHODS = frozenset((
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
    "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsin", "arccos",
    "arctan", "sqrt", "rsqrt", "square", "reciprocal", "sigmoid", "relu", "abs", "absolute",
    "sign", "floor", "ceil", "round", "trunc", "erf", "erfc", "lgamma", "digamma", "clamp",
    "clip", "neg", "negative", "atan2", "hypot", "maximum", "minimum", "fmax", "fmin",
    "cumsum", "cumprod", "polygamma", "multiply", "divide", "subtract", "true_divide",
))


# ---------------------------------------------------------------- more of torch's functions
def _no_grad_fn(name, npfn, doc):
    def fn(*args):
        return _make(np.asarray(npfn(*[np.asarray(_value_of(a)) for a in args])))
    fn.__name__ = name
    fn.__doc__ = doc
    return fn


isnan = _no_grad_fn("isnan", np.isnan, "Where the entries are nan: a bool tensor.")
isinf = _no_grad_fn("isinf", np.isinf, "Where the entries are +-inf: a bool tensor.")
isfinite = _no_grad_fn("isfinite", np.isfinite, "Where the entries are finite: a bool tensor.")
logical_not = _no_grad_fn("logical_not", np.logical_not, "Elementwise not: a bool tensor.")
logical_and = _no_grad_fn("logical_and", np.logical_and, "Elementwise and: a bool tensor.")
logical_or = _no_grad_fn("logical_or", np.logical_or, "Elementwise or: a bool tensor.")
logical_xor = _no_grad_fn("logical_xor", np.logical_xor, "Elementwise xor: a bool tensor.")


def full_like(input, fill_value, dtype=None, requires_grad=False, **kwargs):
    """A tensor shaped like ``input`` filled with ``fill_value`` (input's dtype)."""
    return tensor(np.full_like(np.asarray(_value_of(input)), fill_value, dtype=dtype),
                  requires_grad=requires_grad)


def clone(input, memory_format=None):
    return _t(input).clone()


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, ``input`` elsewhere (``MaskedFillBackward0``)."""
    x = _t(input)
    m = np.asarray(_value_of(mask))
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{torch_name(m.dtype).lower().replace('double', 'double')}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        v = value if value.dtype == x.dtype else value.to(x.dtype)
    else:
        v = np.asarray(value).astype(x.dtype)
    return _apply(R.MaskedFillBackward0, (v, x, m), 2)


def index_select(input, dim, index):
    """Entries ``index`` (a 1-D int tensor) along ``dim`` (``IndexSelectBackward0``)."""
    x = _t(input)
    idx = np.asarray(_value_of(index))
    d = wrap_dim(dim, x.ndim)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if x.ndim and x.shape[d] == 0 and idx.size:
        if x.ndim == 1:
            raise IndexError("index out of range in self")
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if x.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    return _unary(R.IndexSelectBackward0, x, (slice(None),) * d + (idx.reshape(-1),))


def select(input, dim, index):
    """The slice ``index`` of ``dim`` (a view, ``SelectBackward0``)."""
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim)
    if not -x.shape[d] <= index < x.shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return x[(slice(None),) * d + (index,)]


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero entries: an (n, ndim) int64 tensor, or one per dim."""
    v = np.asarray(_value_of(input))
    if as_tuple:
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(v if v.ndim else v.reshape(1)))
    return _make(np.argwhere(v).astype(np.int64))


class _sorts:
    sort = _return_type("sort")
    topk = _return_type("topk")
    median = _return_type("median")
    kthvalue = _return_type("kthvalue")


return_types.sort = _sorts.sort
return_types.topk = _sorts.topk
return_types.median = _sorts.median
return_types.kthvalue = _sorts.kthvalue


def _order(v, d, descending):
    """Stable sort order along ``d``, nan last (first when descending), as torch."""
    if descending:
        key = v.astype(np.float64) if v.dtype.kind in "biuf" else v
        key = np.where(np.isnan(key), -np.inf, -key) if key.dtype.kind == "f" else -key
        return np.argsort(key, axis=d, kind="stable")
    return np.argsort(v, axis=d, kind="stable")


def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values along ``dim`` and where they came from (``SortBackward0``)."""
    x = _t(input)
    d = wrap_dim(dim, x.ndim)
    v = np.asarray(x._value)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
        return return_types.sort(_unary(R.SortBackward0, x, idx, 0, True), _make(idx))
    idx = _order(v, d, descending).astype(np.int64)
    return return_types.sort(_unary(R.SortBackward0, x, idx, d, True), _make(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices."""
    x = _t(input)
    d = wrap_dim(dim, x.ndim)
    if x.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    size = x.shape[d] if x.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    v = np.asarray(x._value)
    if x.ndim == 0:
        idx = np.zeros((k,) if False else (), np.int64)
        return return_types.topk(_unary(R.TopkBackward0, x, idx, 0, True), _make(idx))
    idx = np.take(_order(v, d, largest), np.arange(k), axis=d).astype(np.int64)
    return return_types.topk(_unary(R.TopkBackward0, x, idx, d, True), _make(idx))


def median(input, dim=None, keepdim=False):
    """The lower median (of all entries, or along ``dim`` with its index), as torch."""
    x = _t(input)
    v = np.asarray(x._value)
    if v.dtype.kind == "b":
        raise NotImplementedError('"median_cpu" not implemented for \'Bool\'' if dim is None
                                  else '"median_out" not implemented for \'Bool\'')
    if dim is None:   # ties (and nans) share the gradient, as torch
        return _unary(R.MedianBackward0, x)
    d = wrap_dim(_int_dim(dim, "median"), x.ndim)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
        return return_types.median(_unary(R.MedianBackward1, x, idx, 0, True), _make(idx))
    _nonempty(x, "median", dim, wrapped=True)
    order = _order(v, d, False)
    n = v.shape[d]
    pick = np.take(order, [(n - 1) // 2], axis=d)
    if v.dtype.kind == "f":   # a slice with a nan has median nan (its first nan)
        nan_first = np.argmax(np.isnan(v), axis=d)
        has_nan = np.isnan(v).any(axis=d)
        pick = np.where(np.expand_dims(has_nan, d), np.expand_dims(nan_first, d), pick)
    idx = pick.astype(np.int64)
    values = _unary(R.MedianBackward1, x, idx, d, bool(keepdim))
    return return_types.median(values, _make(idx if keepdim else np.squeeze(idx, d)))


def tril(input, diagonal=0):
    """The lower triangle (``TrilBackward0``)."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _unary(R.TrilBackward0, x, diagonal)


def triu(input, diagonal=0):
    """The upper triangle (``TriuBackward0``)."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _unary(R.TriuBackward0, x, diagonal)


def trace(input):
    """Sum of the diagonal of a matrix (``TraceBackward0``)."""
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind == "b":
        raise NotImplementedError('"trace" not implemented for \'Bool\'')
    return _unary(R.TraceBackward0, x)


def remainder(input, other):
    """Python's ``%`` (the sign of the divisor), ``RemainderBackward0``."""
    if not isinstance(input, Tensor):
        input = _t(input)
    return _binary(R.RemainderBackward1 if isinstance(other, Tensor) else R.RemainderBackward0,
                   input, other)


def fmod(input, other):
    """C's fmod (the sign of the dividend), ``FmodBackward0``."""
    return _binary(R.FmodBackward1 if isinstance(other, Tensor) else R.FmodBackward0,
                   _t(input), other)


def frac(input):
    return _unary(R.FracBackward0, _t(input))


def roll(input, shifts, dims=None):
    """Shift entries cyclically along ``dims`` (flattened without dims)."""
    x = _t(input)
    if dims is None:   # the flattened tensor rolls, the shape stays
        shift = shifts if isinstance(shifts, int) else int(tuple(shifts)[0])
        return _unary(R.RollBackward0, x, shift, None)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return _unary(R.RollBackward0, x, shifts, tuple(wrap_dim(d, x.ndim) for d in dims))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted; each nan apart, as torch), optionally with inverse
    indices and counts.  Of a tensor that requires grad the values record torch's
    ``Unique2Backward0``, whose backward raises (torch has no derivative for it)."""
    v = np.asarray(_value_of(input))
    out = np.unique(v, return_inverse=return_inverse, return_counts=return_counts, axis=dim,
                    equal_nan=False)
    vals, *rest = out if (return_inverse or return_counts) else (out,)
    if isinstance(input, Tensor) and input._requires_grad and _state.enabled:
        values = _apply(R.Unique2Backward0, (input, vals), 1)
    else:
        values = _make(vals)
    if not (return_inverse or return_counts):
        return values
    rest = [_make(np.asarray(r, dtype=np.int64).reshape(v.shape) if i == 0 and return_inverse
                  else np.asarray(r, dtype=np.int64)) for i, r in enumerate(rest)]
    return (values, *rest)


def clamp_min(input, min):
    """max(input, min) (``ClampMinBackward0``)."""
    return _unary(R.ClampMinBackward0, _t(input), _value_of(min), None)


def clamp_max(input, max):
    """min(input, max) (``ClampMaxBackward0``)."""
    return _unary(R.ClampMaxBackward0, _t(input), None, _value_of(max))


def type_as(input, other):
    return _t(input).to(_t(other).dtype)


__all__ += ["isnan", "isinf", "isfinite", "logical_not", "logical_and", "logical_or",
            "logical_xor", "full_like", "clone", "masked_fill", "index_select", "select",
            "nonzero", "sort", "argsort", "topk", "median", "tril", "triu", "trace",
            "remainder", "fmod", "frac", "roll", "unique", "clamp_min", "clamp_max"]
METHODS.update({
    "isnan": isnan, "isinf": isinf, "isfinite": isfinite, "logical_not": logical_not,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "masked_fill": masked_fill, "index_select": index_select, "select": select,
    "nonzero": nonzero, "sort": sort, "argsort": argsort, "topk": topk, "median": median,
    "tril": tril, "triu": triu, "trace": trace, "remainder": remainder, "fmod": fmod,
    "frac": frac, "roll": roll, "unique": unique, "clamp_min": clamp_min,
    "clamp_max": clamp_max, "type_as": type_as,
    "where": lambda self, condition, other: where(condition, self, other),
})
INPLACE_METHODS = INPLACE_METHODS | {"masked_fill", "clamp_min", "clamp_max", "frac", "remainder",
                                     "fmod", "tril", "triu"}


# ---------------------------------------------------------------- einsum, diagonals, scatter...
def _same_float_dtype(tensors, message):
    """torch's error when floating tensors of one operation differ in dtype."""
    dts = [t.dtype for t in tensors]
    for dt in dts[1:]:
        if dt != dts[0]:
            raise RuntimeError(message(dts[0], dt))


def _scalar_type_message(a, b):
    return f"expected scalar type {torch_name(a)} but found {torch_name(b)}"


def einsum(equation, *operands):
    """Einstein summation (``torch.einsum``): ``einsum("ij,jk->ik", a, b)`` is
    ``a @ b``; operands may also come as one list.  One derivative rule for every
    equation (the einsum of the gradient with the other operands).

    >>> from symdiff import tape
    >>> a = tape.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = tape.einsum("ij,ij->", a, a)
    >>> y.backward(); y, a.grad
    (tensor(30., grad_fn=<ViewBackward0>), tensor([[2., 4.],
            [6., 8.]]))
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = [_t(o) for o in operands]
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for k, (term, t) in enumerate(zip(terms, ops)):
        n = len(term.replace("...", ""))
        if ("..." in term and t.ndim < n) or ("..." not in term and t.ndim != n):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) "
                               f"{'is more than' if '...' in term else 'does not match'} the "
                               f"number of dimensions ({t.ndim}) for operand {k}"
                               f"{'' if '...' in term else ' and no ellipsis was given'}")
    if arrow:
        for c in rhs.replace("...", ""):
            if c not in lhs:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
    plan = R.EinsumPlan.parse(eq, [t.shape for t in ops])
    seen = {}
    for k, (sub, t) in enumerate(zip(plan.subs, ops)):
        for c, n in zip(sub, t.shape):
            if c in seen and n != seen[c] and n != 1 and seen[c] != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {seen[c]}")
            if seen.get(c, 1) == 1:
                seen[c] = n
    _einsum_dtypes(plan, ops)
    return _apply(R.EinsumPlan.node_for(eq, len(ops)), (*ops, plan), len(ops))


def _einsum_dtypes(plan, ops):
    """torch's einsum multiplies the operands in turn: a step that sums a shared
    letter is a batched matrix product, which needs equal dtypes; a step without
    one is an elementwise product, which promotes."""
    dt = ops[0].dtype
    letters = set(plan.subs[0])
    for k in range(1, len(ops)):
        later = set(plan.out).union(*[set(s) for s in plan.subs[k + 1:]])
        shared = (letters & set(plan.subs[k])) - later
        if shared and ops[k].dtype != dt:
            raise RuntimeError(_scalar_type_message(dt, ops[k].dtype))
        dt = promote_types(dt, ops[k].dtype)
        letters = (letters | set(plan.subs[k])) - (shared - later)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of ``input`` in dims ``dim1``/``dim2`` (shifted by ``offset``),
    as the last dimension (``DiagonalBackward0``).

    >>> from symdiff import tape
    >>> tape.diagonal(tape.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([2.])
    """
    x = _t(input)
    d1, d2 = wrap_dim(dim1, x.ndim), wrap_dim(dim2, x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if x.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-builtins.max(x.ndim, 1)}, {builtins.max(x.ndim, 1) - 1}], but got 1)")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _unary(R.DiagonalBackward0, x, R.diagonal_index(x.shape, int(offset), d1, d2))


def diag(input, diagonal=0):
    """A 1-D tensor as a (square) diagonal matrix (``DiagEmbedBackward0``), or a
    matrix's diagonal (torch names that node ``DiagonalBackward0_copy``).

    >>> from symdiff import tape
    >>> tape.diag(tape.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    x = _t(input)
    if x.ndim == 1:
        return _unary(R.DiagEmbedBackward0, x, int(diagonal))
    if x.ndim == 2:
        return _unary(R.DiagonalCopyBackward0, x, R.diagonal_index(x.shape, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def _quickselect(values, k):
    """The index of the ``k``-th smallest entry (from 0) as torch's CPU kthvalue
    finds it: its quickselect (median of three pivots, nan largest), which decides
    which of several tied entries is returned (and gets the gradient)."""
    arr = list(values)
    idx = list(range(len(arr)))

    def gt(a, b):   # torch's gt_or_nan
        return (a != a and b == b) or a > b

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while True:
        if hi <= lo:
            return idx[k]
        if hi == lo + 1:
            if gt(arr[lo], arr[hi]):
                swap(lo, hi)
            return idx[k]
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if gt(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if gt(arr[lo], arr[hi]):
            swap(lo, hi)
        if gt(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j = lo + 1, hi
        pivot = arr[lo]
        while True:
            i += 1
            while gt(pivot, arr[i]):
                i += 1
            j -= 1
            while gt(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


def _mode_index(values):
    """torch's CPU mode of one slice: the smallest most frequent value, at the last
    of its positions (its sort of (value, position) pairs, then the longest run)."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    best, best_count, run = order[0], 0, 0
    for n, i in enumerate(order):
        run += 1
        if n == len(order) - 1 or values[order[n + 1]] != values[i]:
            if run > best_count:
                best, best_count = i, run
            run = 0
    return best


def _select_along(x, dim, keepdim, name, pick, node, rtype):
    """values and indices of a one-per-slice selection (``pick(slice) -> index``)."""
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
        pick([x.item()])
        return rtype(_unary(node, x, idx, 0, True), _make(idx))
    _nonempty(x, name, dim, wrapped=True)
    v = np.moveaxis(np.asarray(x._value), d, -1)
    flat = v.reshape(-1, v.shape[-1])
    found = np.array([pick(row.tolist()) for row in flat], dtype=np.int64)
    idx = np.expand_dims(found.reshape(v.shape[:-1]), d)
    values = _unary(node, x, idx, d, bool(keepdim))
    return rtype(values, _make(idx if keepdim else np.squeeze(idx, d)))


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest entry along ``dim`` and its index (``KthvalueBackward0``).

    >>> from symdiff import tape
    >>> tape.tensor([3.0, 1.0, 2.0]).kthvalue(2)
    torch.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    x = _t(input)
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    if size and not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.dtype.kind == "b":
        raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\'')
    return _select_along(x, dim, keepdim, "kthvalue", lambda row: _quickselect(row, k - 1),
                         R.KthvalueBackward0, return_types.kthvalue)


def mode(input, dim=-1, keepdim=False):
    """The most frequent entry along ``dim`` (the smallest of equally frequent
    ones) and its last index (``ModeBackward0``).

    >>> from symdiff import tape
    >>> tape.tensor([2, 1, 2, 1]).mode()
    torch.return_types.mode(
    values=tensor(1),
    indices=tensor(3))
    """
    return _select_along(_t(input), dim, keepdim, "mode", _mode_index, R.ModeBackward0,
                         return_types.mode)


return_types.mode = _return_type("mode")


def _nonempty_size(shape, d):
    """torch's ``ensure_nonempty_size``: 1 for a 0-d tensor, else ``shape[d]``."""
    if not shape:
        return 1
    if d >= len(shape):
        n = len(shape)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return shape[d]


def _scatter_args(name, x, dim, index, src):
    """torch's checks of scatter's arguments, in torch's order (dtypes, then
    ``scatter_shape_check``, then the index values)."""
    d = wrap_dim(dim, x.ndim)
    idx = np.asarray(_value_of(index))
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.dtype != x.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if idx.size == 0:
        return d, idx.astype(np.int64)
    if builtins.max(x.ndim, 1) != builtins.max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    dims = builtins.max(x.ndim, 1)
    wrong = builtins.any(k != d and _nonempty_size(idx.shape, k) > _nonempty_size(x.shape, k)
                         for k in range(dims))
    if isinstance(src, Tensor):
        if not wrong:
            wrong = builtins.any(_nonempty_size(idx.shape, k) > _nonempty_size(src.shape, k)
                                 for k in range(dims))
        if builtins.max(src.ndim, 1) != idx.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if wrong:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {d} and to be no larger "
                               f"size than src {list(src.shape)}")
    elif wrong:
        raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                           f"{list(x.shape)} apart from dimension {d}")
    size = _nonempty_size(x.shape, d)
    if idx.min() < 0 or idx.max() >= size:
        bad = idx[(idx < 0) | (idx >= size)].flat[0]
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {d} with size {size}")
    if x.ndim == 0:
        idx = idx.reshape(())
    return d, idx.astype(np.int64)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """``out = input`` with ``out[index[i][j]][j] = src[i][j]`` (dim 0):
    ``ScatterBackward0``; a number ``src``/``value``: ``ScatterBackward1``.

    >>> from symdiff import tape
    >>> tape.zeros(3).scatter(0, tape.tensor([2, 0]), tape.tensor([5.0, 7.0]))
    tensor([7., 0., 5.])
    """
    if reduce is not None:
        raise NotImplementedError("tape: scatter(reduce=...) is not supported; use scatter_add")
    x = _t(input)
    src = value if src is None else src
    d, idx = _scatter_args("scatter", x, dim, index, src)
    if isinstance(src, Tensor):
        return _apply(R.ScatterBackward0, (x, src, d, idx), 2)
    fill = np.asarray(_value_of(src)).astype(x.dtype)
    return _apply(R.ScatterBackward1, (x, fill, d, idx), 1)


def scatter_add(input, dim, index, src):
    """``out = input`` with ``src[i][j]`` added at ``out[index[i][j]][j]`` (dim 0):
    ``ScatterAddBackward0``.

    >>> from symdiff import tape
    >>> tape.zeros(2).scatter_add(0, tape.tensor([1, 1, 0]), tape.tensor([1.0, 2.0, 4.0]))
    tensor([4., 3.])
    """
    x = _t(input)
    src = _t(src)
    d, idx = _scatter_args("scatter", x, dim, index, src)
    return _apply(R.ScatterAddSrcBackward0, (x, src, d, idx), 2)


def _promoted(*xs):
    """Tensors (and numbers) cast to torch's result dtype of all of them."""
    dt = _result_type(*[(_value_of(v), isinstance(v, Tensor)) for v in xs])
    return [v.to(dt) if isinstance(v, Tensor) and v.dtype != dt else v for v in xs], dt


def _broadcast_check(*tensors):
    shape = ()
    for t in tensors:
        msg = broadcast_message(shape, np.shape(_value_of(t)))
        if msg is not None:
            raise RuntimeError(msg)
        shape = np.broadcast_shapes(shape, np.shape(_value_of(t)))
    return shape


_C_NAMES = {"float64": "double", "float32": "float", "int64": "long int", "bool": "bool"}


def _no_bool(kernel, *tensors):
    if builtins.any(t.dtype.kind == "b" for t in tensors):
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def lerp(input, end, weight):
    """``input + weight * (end - input)``: ``LerpBackward0`` for a number weight,
    ``LerpBackward1`` for a tensor weight.

    >>> from symdiff import tape
    >>> tape.lerp(tape.tensor([0.0, 10.0]), tape.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    x, e = _t(input), _t(end)
    if e.dtype != x.dtype:
        raise RuntimeError(f"expected dtype {_C_NAMES.get(x.dtype.name, x.dtype.name)} for `end` "
                           f"but got dtype {_C_NAMES.get(e.dtype.name, e.dtype.name)}")
    if x.dtype.kind not in "fc":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_name(x.dtype)}\'')
    if isinstance(weight, Tensor):
        _broadcast_check(x, e, weight)
        return _apply(R.LerpBackward1, (x, e, weight), 3)
    _broadcast_check(x, e)
    return _apply(R.LerpBackward0, (x, e, float(weight)), 2)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (``AddcmulBackward0``).

    >>> from symdiff import tape
    >>> tape.addcmul(tape.ones(2), tape.tensor([1.0, 2.0]), tape.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 5.0000])
    """
    (x, t1, t2), dt = _promoted(_t(input), _t(tensor1), _t(tensor2))
    _broadcast_check(x, t1, t2)
    _no_bool("addcmul_cpu_out", x)
    return _apply(R.AddcmulBackward0, (x, t1, t2, value), 3)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (``AddcdivBackward0``).

    >>> from symdiff import tape
    >>> tape.addcdiv(tape.ones(2), tape.tensor([1.0, 2.0]), tape.tensor([4.0, 4.0]))
    tensor([1.2500, 1.5000])
    """
    if _t(tensor1).dtype.kind in "biu" and _t(tensor2).dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    (x, t1, t2), dt = _promoted(_t(input), _t(tensor1), _t(tensor2))
    _broadcast_check(x, t1, t2)
    return _apply(R.AddcdivBackward0, (x, t1, t2, value), 3)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` (``AddmmBackward0``).

    >>> from symdiff import tape
    >>> tape.addmm(tape.ones(2), tape.eye(2), tape.tensor([[1.0, 2.0], [3.0, 4.0]]), beta=2)
    tensor([[3., 4.],
            [5., 6.]])
    """
    x, m1, m2 = _t(input), _t(mat1), _t(mat2)
    for name, m in (("mat1", m1), ("mat2", m2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if m1.shape[1] != m2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m1.shape[0]}x"
                           f"{m1.shape[1]} and {m2.shape[0]}x{m2.shape[1]})")
    for name, m in (("mat2", m2), ("mat1", m1)):
        if m.dtype != x.dtype:
            raise RuntimeError(f"self and {name} must have the same dtype, but got "
                               f"{torch_name(x.dtype)} and {torch_name(m.dtype)}")
    target = (m1.shape[0], m2.shape[1])
    for i, (s, f) in enumerate(zip(x.shape[::-1], target[::-1])):
        if s != f and s != 1:
            k = len(target) - 1 - i
            raise RuntimeError(
                f"The expanded size of the tensor ({f}) must match the existing size ({s}) at "
                f"non-singleton dimension {k}.  Target sizes: {list(target)}.  Tensor sizes: "
                f"{list(x.shape)}")
    _no_bool("addmm_impl_cpu_", x)
    if x.dtype.kind in "iu":   # torch: the factors as the tensors' integers
        beta, alpha = int(beta), int(alpha)
    return _apply(R.AddmmBackward0, (x, m1, m2, beta, alpha), 3)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (``ExpandBackward0``; a tensor
    already of that shape is returned as it is).

    >>> from symdiff import tape
    >>> [t.shape for t in tape.broadcast_tensors(tape.ones(3), tape.ones(2, 1))]
    [(2, 3), (2, 3)]
    """
    ts = [_t(t) for t in tensors]
    shape = _broadcast_check(*ts)
    return tuple(t if t.shape == shape else t.expand(shape) for t in ts)


MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the "
                    "indexing argument.")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 1-D tensors: ``indexing="ij"`` (matrix) or ``"xy"``
    (Cartesian: the first two dimensions swapped).  Without ``indexing``: "ij",
    with torch's warning.

    >>> from symdiff import tape
    >>> xs, ys = tape.meshgrid(tape.tensor([1, 2, 3]), tape.tensor([4, 5]), indexing="xy")
    >>> xs
    tensor([[1, 2, 3],
            [1, 2, 3]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    ts = [_t(t) for t in tensors]
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    if builtins.any(t.dtype != ts[0].dtype for t in ts):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(ts) >= 2
    order = list(range(len(ts)))
    if swap:
        order[0], order[1] = 1, 0
    sizes = [ts[i].numel() for i in order]
    out = []
    for i, t in enumerate(ts):
        pos = order.index(i)
        view = [1] * len(ts)
        view[pos] = -1
        out.append(t.reshape(*view).expand(*sizes))
    return tuple(out)


CROSS_WARNING = ("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                 "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value "
                 "of dim will change to agree with that of linalg.cross in a future release.")


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (without ``dim``: the first
    dimension of size 3, with torch's warning), ``LinalgCrossBackward0``.

    >>> from symdiff import tape
    >>> tape.cross(tape.tensor([1.0, 0.0, 0.0]), tape.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    a, b = _t(input), _t(other)
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is not None and a.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    shape = _broadcast_check(a, b)
    if dim is None:
        warnings.warn(CROSS_WARNING, UserWarning, stacklevel=2)
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError("no dimension of size 3 in input")
        d = dims[0]
    else:
        d = wrap_dim(dim, len(shape))
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d if dim is None else dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    _no_bool("cross", a, b)
    _same_float_dtype([a, b], _scalar_type_message)
    return _apply(R.LinalgCrossBackward0, (a, b, d), 2)


__all__ += ["einsum", "diagonal", "diag", "kthvalue", "mode", "scatter", "scatter_add", "lerp",
            "addcmul", "addcdiv", "addmm", "broadcast_tensors", "meshgrid", "cross"]
METHODS.update({
    "diagonal": diagonal, "diag": diag, "kthvalue": kthvalue, "mode": mode,
    "scatter": scatter, "scatter_add": scatter_add, "lerp": lerp, "addcmul": addcmul,
    "addcdiv": addcdiv, "addmm": addmm, "cross": cross,
})
INPLACE_METHODS = INPLACE_METHODS | {"scatter", "scatter_add", "lerp", "addcmul", "addcdiv",
                                     "addmm"}


# ---------------------------------------------------------------- what tensors look up
# tensor.py sits below this module: its methods and numpy protocols find the
# functions in its tables, filled here.
UFUNCS.update({np.remainder: remainder, np.fmod: fmod,    # defined after the tables
               np.conjugate: _real_only("conjugate", lambda x: x[...])})
FUNCTIONS[np.diag] = lambda v, k=0: diag(v, k)
_TENSOR_METHODS.update(METHODS, sum=sum, mean=mean, matmul=matmul)
_TENSOR_INPLACE.update(INPLACE_METHODS)
_TENSOR_UFUNCS.update(UFUNCS)
_TENSOR_FUNCTIONS.update(FUNCTIONS)
