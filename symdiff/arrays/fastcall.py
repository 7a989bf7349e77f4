"""The fast path of a call to array code: checks written out for the declared shapes.

A call of an ``ArrayFunction`` converts each argument to a float array, checks its
shape against the declaration (named sizes agreeing wherever they appear) and runs
the generated code with numpy's floating-point warnings off. Done generically that is
a few microseconds per call, as much as the arithmetic of a gradient at n = 100.
``fast_entry`` writes the same checks out for this function's parameters, as one
boolean expression on the arguments as they arrive (float64 ndarrays of the declared
shape, or numpy float64 scalars for scalar parameters), and calls the generated code
directly when it holds; any other argument (a Python number, an int array, a dask
array, a batch axis, a wrong shape) goes the generic way (``slow``), which converts,
raises the clear errors, or uses the element-wise reading, exactly as before.
"""

from __future__ import annotations

import numpy as np
import sympy

from .ir import is_known

try:        # numpy >= 2: np.errstate's own two steps, without building an errstate object
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:             # pragma: no cover - older numpy: the public context manager
    _extobj_contextvar = _make_extobj = None


def _conditions(params) -> list[str] | None:
    """Python conditions on the arguments (named as the parameters) that hold exactly
    when every argument can go to the generated code as it is; None if a declared
    dimension is neither a number nor a plain named size."""
    conds: list[str] = []
    seen: dict = {}                     # named size -> "arg.shape[k]" where it first appears
    for name, node in params:
        shape = node.shape
        if not shape:
            conds.append(f"{name}.__class__ is _f64")
            continue
        conds.append(f"{name}.__class__ is _nd")
        conds.append(f"{name}.dtype is _f8")
        if all(is_known(d) for d in shape):
            conds.append(f"{name}.shape == {tuple(int(d) for d in shape)!r}")
            continue
        conds.append(f"{name}.ndim == {len(shape)}")
        for k, d in enumerate(shape):
            here = f"{name}.shape[{k}]"
            if is_known(d):
                conds.append(f"{here} == {int(d)}")
            elif isinstance(d, sympy.Symbol):
                if d in seen:
                    conds.append(f"{here} == {seen[d]}")
                else:
                    seen[d] = here
            else:
                return None
    return conds


def fast_entry(params, fn, slow, label: str):
    """``fn`` behind inline argument checks (``slow`` for anything else), or None.

    ``params``: (name, param node) pairs in call order; ``fn``: the generated function;
    ``slow(*args)``: the generic call."""
    names = [n for n, _ in params]
    if not names or any(not n.isidentifier() or n.startswith("_") for n in names):
        return None
    conds = _conditions(params)
    if conds is None:
        return None
    args = ", ".join(names)
    test = " and ".join(conds)
    if _extobj_contextvar is not None:
        call = [f"        _tok = _set(_ext(all='ignore'))",
                f"        try:",
                f"            return _fn({args})",
                f"        finally:",
                f"            _reset(_tok)"]
    else:                               # pragma: no cover - older numpy
        call = [f"        with _errstate(all='ignore'):",
                f"            return _fn({args})"]
    source = "\n".join([f"def _fast({args}):",
                        f"    if {test}:"] + call + [f"    return _slow({args})", ""])
    namespace = {"_nd": np.ndarray, "_f8": np.dtype(np.float64), "_f64": np.float64,
                 "_fn": fn, "_slow": slow, "_errstate": np.errstate}
    if _extobj_contextvar is not None:
        namespace.update(_set=_extobj_contextvar.set, _reset=_extobj_contextvar.reset,
                         _ext=_make_extobj)
    exec(compile(source, f"<symdiff-fast-call {label}>", "exec"), namespace)
    return namespace["_fast"]
