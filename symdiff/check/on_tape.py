"""Running the user's own function on the tape: the second, independent opinion.

A copy of the function whose globals have ``math``, ``numpy`` (any alias) and
names imported from them rebound to ``tape.math``/``tape.numpy``, helpers
rebound the same way, recursively; higher orders by repeated
``tape.grad(..., create_graph=True)``.

The user's code was written for numbers, so it runs under the tape's thread-local
``value_semantics`` mode (``z = x; z += y`` leaves ``x`` alone), with ``numpy``
and ``float`` bound to ``tape.namespaces.numpy_as_floats`` and
``float_keeping_tensors``.  Only the tape's public API is used: a check changes
nothing that tape code in other threads sees.
"""

from __future__ import annotations

import builtins
import math
import sys
import types

import numpy as np

from .. import tape
from ..function import SymbolicFunction
from ..tape import Tensor
from ..tape.grad_mode import value_semantics
from ..tape.namespaces import float_keeping_tensors, numpy_as_floats

_LIBRARY_ROOTS = {"numpy", "sympy", "symdiff", "scipy", "pytest", "_pytest", "pluggy",
                  "mpmath", "hypothesis", "torch", "jax"}


def _is_library(obj) -> bool:
    mod = getattr(obj, "__module__", None) or getattr(obj, "__name__", "") or ""
    root = mod.split(".")[0]
    if root in _LIBRARY_ROOTS or root in getattr(sys, "stdlib_module_names", ()):
        return True
    fname = getattr(getattr(obj, "__code__", None), "co_filename", "") or getattr(obj, "__file__", "") or ""
    return "site-packages" in fname or "dist-packages" in fname


class _Rebinder:
    """Copies of user functions whose globals see ``tape.math``/``tape.numpy``."""

    def __init__(self):
        self.tape = tape
        self.np = numpy_as_floats
        self.float = float_keeping_tensors
        self.globals_memo: dict = {}
        self.fn_memo: dict = {}
        self.mod_memo: dict = {}

    def value(self, v):
        tape = self.tape
        if v is math:
            return tape.math
        if v is np:
            return self.np
        if v is builtins.float:
            return self.float
        if isinstance(v, type) and issubclass(v, np.generic):       # np.float64(x)
            return getattr(self.np, v.__name__, v)
        if isinstance(v, SymbolicFunction):
            return self.function(v.fn) if v.fn is not None else v
        if isinstance(v, types.FunctionType):
            if _is_library(v):
                mod = getattr(v, "__module__", "") or ""
                if mod.split(".")[0] == "numpy":
                    return getattr(self.np, v.__name__, v)
                return v
            return self.function(v)
        if isinstance(v, (types.BuiltinFunctionType, np.ufunc)):
            mod = getattr(v, "__module__", None)
            if mod == "math":
                return getattr(tape.math, v.__name__, v)
            if isinstance(v, np.ufunc) or (mod or "").split(".")[0] == "numpy":
                return getattr(self.np, v.__name__, v)
            return v
        if isinstance(v, types.ModuleType) and not _is_library(v):
            return self.module(v)
        return v

    def globals_of(self, g: dict) -> dict:
        key = id(g)
        if key not in self.globals_memo:
            new = dict(g)
            self.globals_memo[key] = new
            for k, v in g.items():
                if k.startswith("__") and k.endswith("__"):
                    continue
                new[k] = self.value(v)
            if "float" not in g:
                new["float"] = self.float
        return self.globals_memo[key]

    def function(self, fn):
        if id(fn) in self.fn_memo:
            return self.fn_memo[id(fn)]
        closure = None
        if fn.__closure__:
            cells = []
            for c in fn.__closure__:
                try:
                    cells.append(types.CellType(self.value(c.cell_contents)))
                except ValueError:          # empty cell
                    cells.append(c)
            closure = tuple(cells)
        new = types.FunctionType(fn.__code__, {}, fn.__name__, fn.__defaults__, closure)
        self.fn_memo[id(fn)] = new
        # globals after the memo entry: helpers may call each other
        new = types.FunctionType(fn.__code__, self.globals_of(fn.__globals__), fn.__name__,
                                 fn.__defaults__, closure)
        new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
        new.__dict__.update(fn.__dict__)
        self.fn_memo[id(fn)] = new
        return new

    def module(self, mod):
        if id(mod) not in self.mod_memo:
            proxy = types.ModuleType(mod.__name__)
            self.mod_memo[id(mod)] = proxy
            proxy.__dict__.update(self.globals_of(mod.__dict__))
        return self.mod_memo[id(mod)]


def tape_function(F):
    """The user's function rebound to the tape, or (None, reason)."""
    fn = F.fn
    if fn is None:
        return None, "tape: no Python function to run (an expression string); tape column skipped"
    if not isinstance(fn, types.FunctionType):
        return None, f"tape: {type(fn).__name__} is not a Python function; tape column skipped"
    return _Rebinder().function(fn), None


def tape_derivatives(tape_fn, args, params, coords, order, m):
    """``{seq: array(m)}`` of derivatives by repeated ``tape.grad``."""
    leaves = [tape.tensor(np.asarray(a, dtype=float), requires_grad=True) for a in args]
    with value_semantics():
        outs = _flat_tensors(tape_fn(*leaves))
    if len(outs) != m:
        raise ValueError(f"the function returned {len(outs)} values on the tape, "
                         f"{m} symbolically")
    pidx = {p: i for i, p in enumerate(params)}
    n = len(coords)
    res: dict = {}

    def value(v):
        return float(v.detach().numpy()) if isinstance(v, Tensor) else float(v)

    for o, out in enumerate(outs):
        level = {(): out}
        res.setdefault((), np.zeros(m))[o] = value(out)
        for k in range(1, order + 1):
            nxt = {}
            for seq, t in level.items():
                if isinstance(t, Tensor) and t.requires_grad:
                    gs = tape.grad(t, leaves, retain_graph=True, create_graph=k < order,
                                   allow_unused=True)
                else:
                    gs = [None] * len(leaves)
                start = seq[-1] if seq else 0
                for j in range(start, n):
                    _, p, idx = coords[j]
                    g = gs[pidx[p]]
                    nxt[seq + (j,)] = 0.0 if g is None else (g[idx] if idx is not None else g)
            for seq, t in nxt.items():
                res.setdefault(seq, np.zeros(m))[o] = value(t)
            level = nxt
    return res


def _flat_tensors(v) -> list:
    if isinstance(v, Tensor):
        if v.ndim == 0:
            return [v]
        return [v[idx] for idx in np.ndindex(*v.shape)]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _flat_tensors(item)]
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return _flat_tensors(v[()])
        return [x for item in v.ravel() for x in _flat_tensors(item)]
    return [v]

