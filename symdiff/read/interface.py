"""A function's interface to the reader: parameters in, outputs out.

``parameters`` checks the signature against ``shapes`` and ``static`` and lists the
parameters that become variables; ``make_symbols`` gives each a sympy Symbol (an
object array of element symbols for a shaped one); ``outputs_of`` turns the value
the function returns into the outputs of a ``Reading`` (numbers only).
"""

from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass

import numpy as np
import sympy

from ..errors import SymdiffError
from ..graph import Graph
from ..source import unwrap
from .parity import beyond_float
from .parse import RESERVED_HINT, reserved_param
from .values import from_outside, is_boolean


def static_binding(fn, static: dict | None = None) -> tuple:
    """``(function, {name: static value})``: a ``functools.partial``'s bound arguments
    (positional ones bind the first parameters, as Python binds them) joined with
    ``static``; partials of partials are flattened by functools itself."""
    static = dict(static or {})
    if isinstance(fn, functools.partial):
        target = unwrap(fn.func)
        names = [p.name for p in inspect.signature(target).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(fn.args) > len(names):
            raise TypeError(f"functools.partial binds {len(fn.args)} positional arguments, but "
                            f"{getattr(target, '__name__', target)} takes {len(names)}")
        static = {**dict(zip(names, fn.args)), **fn.keywords, **static}
        fn = fn.func
    return fn, static


@dataclass
class Parameters:
    """``fn``'s parameters as the reader sees them."""
    function: types.FunctionType       # the function whose source is read (unwrapped)
    signature: inspect.Signature
    names: list                        # parameters that are variables, in order
    defaults: dict                     # their defaults
    static: dict                       # parameters bound to constants


def parameters(fn, shapes: dict, static: dict) -> Parameters:
    """Check ``fn``'s signature against ``shapes`` and ``static``."""
    original = unwrap(fn)
    if not isinstance(original, types.FunctionType):
        raise TypeError(f"symdiff needs a plain Python function, got {type(fn).__name__}")
    sig = inspect.signature(original)
    params, defaults = [], {}
    for p in sig.parameters.values():
        if p.name in static:
            continue
        params.append(p.name)
        if p.default is not inspect.Parameter.empty:
            defaults[p.name] = p.default
    unknown = set(static) - set(sig.parameters)
    if unknown:
        raise ValueError(f"static values given for unknown parameters {sorted(unknown)}; "
                         f"{original.__name__} has parameters {list(sig.parameters)}")
    unknown = set(shapes) - set(params)
    if unknown:
        raise ValueError(f"shapes given for unknown parameters {sorted(unknown)}; "
                         f"{original.__name__} has parameters {params}")
    for p in params:
        if reserved_param(p):
            raise SymdiffError(f"{original.__name__}: parameter name {p!r}: {RESERVED_HINT}")
    return Parameters(original, sig, params, defaults, static)


def make_symbols(g: Graph, params, shapes) -> dict:
    """Parameter name -> its sympy Symbol, or an object array of element symbols
    for a parameter declared with a shape."""
    symbols = {}
    for p in params:
        if p in shapes and tuple(shapes[p]):    # shape (): a scalar, named as given
            shape = tuple(int(n) for n in shapes[p])
            g.reserve(p)
            arr = np.empty(shape, dtype=object)
            for idx in np.ndindex(shape):
                arr[idx] = g.element(p, idx)
            symbols[p] = arr
        else:
            symbols[p] = g.param(p)
    return symbols


def _scalar_output(v, complain):
    """One returned item as a sympy number or expression."""
    if isinstance(v, np.ndarray) and v.ndim == 0:     # np.where of constants, say
        v = v[()]
    if isinstance(v, (bool, np.bool_)) or is_boolean(v):
        complain(f"returns a condition ({v}), not a number")
    if beyond_float(v):
        complain(f"returns an integer of {abs(int(v)).bit_length()} bits, beyond the float "
                 "range symdiff computes in; return a float (it overflows to inf)")
    if isinstance(v, (int, float, np.number)):
        return sympy.sympify(from_outside(v) if isinstance(v, np.generic) else v)
    if isinstance(v, sympy.Expr):
        return v
    complain(f"returns a {type(v).__name__}, not a number")


def outputs_of(value, complain):
    """``(outputs, vector)`` of a ``Reading`` from the value the function returned:
    an object array of sympy expressions, and whether a tuple/list (True) or an array
    (``"array"``) was returned. ``complain(message)`` raises for anything not a number."""
    # an array is returned as an array; a 0-d array is a number, as for numpy's
    # reductions and jax.grad (its gradient is F.grad, not a 0-d Jacobian)
    if isinstance(value, np.ndarray) and value.ndim:
        if not value.size:
            complain(f"returns an empty array (shape {value.shape}); return at least one number")
        out = np.empty(value.shape, dtype=object)
        for idx in np.ndindex(value.shape):
            out[idx] = _scalar_output(value[idx], complain)
        return out, "array"
    if isinstance(value, (tuple, list)):
        if not value:
            complain("returns an empty sequence")
        out = np.empty((len(value),), dtype=object)
        for i, v in enumerate(value):
            out[i] = _scalar_output(v, complain)
        return out, True
    if value is None:
        complain("returns None; return a number, a tuple/list of numbers or an array")
    out = np.empty((), dtype=object)
    out[()] = _scalar_output(value, complain)
    return out, False
