"""An outside opinion on derivatives: the user's own Python function, run by torch.

torch (float64, eager) runs the function's code unchanged: ``if x > 0`` is a plain
comparison of values, so branches work as in Python. Its globals are re-bound so
that ``math`` and ``numpy`` (under whatever names the module imported them), the
math/numpy functions it imported by name, and the helpers of its own module call
torch. Partials of any order come from nested ``torch.autograd.grad``.

This is independent of symdiff (no sympy, no symdiff.tape): where torch's value is
finite, symdiff's must be too and equal to it.
"""

from __future__ import annotations

import builtins
import math
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")

F64 = torch.float64


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=F64)


def _unary(fn):
    return lambda x: fn(_tensor(x))


def _binary(fn):
    return lambda x, y: fn(_tensor(x), _tensor(y))


def _log(x, base=None):
    out = torch.log(_tensor(x))
    return out if base is None else out / math.log(base)


def _gamma(x):
    x = _tensor(x)
    sign = torch.where((x > 0) | (torch.remainder(torch.floor(x), 2) == 0), 1.0, -1.0)
    return sign * torch.exp(torch.lgamma(x))


def _array(items, dtype=None):
    if isinstance(items, (list, tuple)):
        return torch.stack([_array(i) for i in items])
    return _tensor(items)


def _sum(x, axis=None):
    x = _array(x)
    return x.sum() if axis is None else x.sum(dim=axis)


def _mean(x, axis=None):
    x = _array(x)
    return x.mean() if axis is None else x.mean(dim=axis)


def _where(c, a, b):
    return torch.where(_tensor(c).bool(), _tensor(a), _tensor(b))


def _clip(x, lo, hi):
    x = _tensor(x)
    if lo is not None:
        x = torch.maximum(x, _tensor(lo))
    if hi is not None:
        x = torch.minimum(x, _tensor(hi))
    return x


_FUNCTIONS = {
    **{n: _unary(getattr(torch, n)) for n in (
        "sin", "cos", "tan", "exp", "sqrt", "tanh", "sinh", "cosh", "log1p", "expm1",
        "log2", "log10", "floor", "ceil", "sign", "abs", "square", "exp2", "trunc",
        "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "asin", "acos",
        "atan", "asinh", "acosh", "atanh", "lgamma", "erf", "erfc")},
    "cbrt": _unary(lambda x: torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)),
    "fabs": _unary(torch.abs), "absolute": _unary(torch.abs), "log": _log,
    "gamma": _gamma, "radians": _unary(torch.deg2rad), "degrees": _unary(torch.rad2deg),
    "deg2rad": _unary(torch.deg2rad), "rad2deg": _unary(torch.rad2deg),
    "hypot": _binary(torch.hypot), "atan2": _binary(torch.atan2),
    "arctan2": _binary(torch.atan2), "pow": _binary(torch.pow),
    "power": _binary(torch.pow), "maximum": _binary(torch.maximum),
    "minimum": _binary(torch.minimum), "fmax": _binary(torch.fmax),
    "fmin": _binary(torch.fmin), "where": _where, "sum": _sum, "mean": _mean,
    "dot": _binary(lambda a, b: (a * b).sum()), "array": _array, "asarray": _array,
    "clip": _clip, "copysign": _binary(torch.copysign), "fmod": _binary(torch.fmod),
    "float64": _tensor, "isfinite": _unary(torch.isfinite),
    "pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau,
}


class NoCounterpart(Exception):
    """The function calls something the torch twin does not know."""


class _Shim(types.ModuleType):
    """``math`` or ``numpy`` as torch functions; anything else is refused by name."""

    def __init__(self, name):
        super().__init__(name)

    def __getattr__(self, attr):
        if attr.startswith("_"):           # inspect and doctest look for __wrapped__ etc.
            raise AttributeError(attr)
        try:
            return _FUNCTIONS[attr]
        except KeyError:
            raise NoCounterpart(f"{self.__name__}.{attr} has no torch counterpart here") from None


_MATH, _NUMPY = _Shim("math"), _Shim("numpy")
_MATH_FUNCS = {getattr(math, n) for n in dir(math) if callable(getattr(math, n))}
_NUMPY_FUNCS = {id(getattr(np, n)) for n in dir(np) if callable(getattr(np, n, None))}


def _rebind(value, module_name, namespace, seen):
    if value is math:
        return _MATH
    if value is np:
        return _NUMPY
    if isinstance(value, types.FunctionType) and value.__module__ == module_name:
        return twin(value, namespace, seen)
    if not callable(value) or getattr(value, "__name__", None) not in _FUNCTIONS:
        return value
    if (isinstance(value, types.BuiltinFunctionType) and value in _MATH_FUNCS) \
            or id(value) in _NUMPY_FUNCS:
        return _FUNCTIONS[value.__name__]
    return value


def twin(fn, namespace=None, seen=None):
    """``fn`` with its code running on torch: math/numpy/helpers re-bound."""
    seen = {} if seen is None else seen
    if fn in seen:
        return seen[fn]
    if namespace is None:
        namespace = {"__builtins__": builtins}
        for k, v in fn.__globals__.items():
            namespace[k] = v
        new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                                 fn.__closure__)
        seen[fn] = new
        for k, v in list(namespace.items()):
            if not k.startswith("__"):
                namespace[k] = _rebind(v, fn.__module__, namespace, seen)
        return new
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                             fn.__closure__)
    seen[fn] = new
    return new


def partial(fn, point, index):
    """∂^index fn at ``point`` (a tuple of floats) by torch: ``index`` is a tuple of
    parameter positions, e.g. (0, 0, 1) for d3f/dx2dy. A float (nan/inf included)."""
    xs = [torch.tensor(float(v), dtype=F64, requires_grad=True) for v in point]
    out = twin(fn)(*[x * 1.0 for x in xs])      # not leaves: the code may update in place
    out = _tensor(out)
    for i in index:
        if not out.requires_grad:
            return 0.0
        (out,) = torch.autograd.grad(out, xs[i], create_graph=True, allow_unused=True,
                                     materialize_grads=True)
    return float(out.detach())
