"""Hessian-vector products ``H(*args, v)`` (API 5.5): ``hvp(F, wrt)`` and its two kinds.

``sd.hvp(F, wrt)`` (API 5.5) on a function read at the array level: one forward sweep
along ``v`` over the reverse-mode gradient (``hessian.hvp_program``), compiled like any
array function, so a call costs about two gradients and the Hessian is never formed.
The directions are extra parameters of the generated code (``v``, or ``v_W1, v_b1, ...``
for several names); the call takes them as JAX's ``jvp`` of ``grad`` does: one array of
the parameter's shape for ``wrt="x"``, a tuple of such for a tuple of names (or None).

A function read element by element (scalar parameters, loops over entries) has a few
parameters only: ``ElementHvp`` applies its Hessian (``F.hessian_of``, compiled once)
to ``v``, with the same call convention.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..function import SymbolicFunction
from .function import ArrayFunction, NeedsElementwise
from .hessian import hvp_program


def hvp(F, wrt=None):
    """``H(*args, v)`` = the Hessian of F (with respect to ``wrt``) applied to ``v``."""
    if isinstance(F, ArrayFunction):
        return F.memo(("hvp", wrt if isinstance(wrt, str) else F.wrt_names(wrt)),
                      lambda: HvpFunction(F, wrt))
    return F.memo(("hvp", wrt if isinstance(wrt, str) else F.wrt_names(wrt)),
                  lambda: ElementHvp(F, wrt))


def _split_v(fn, names, bare, v) -> tuple:
    if bare:
        return (v,)
    if not isinstance(v, (tuple, list)) or len(v) != len(names):
        raise TypeError(f"{fn.name}: v must be a tuple of {len(names)} array(s), one per "
                        f"parameter ({', '.join(names)}), as jax.jvp takes tangents; "
                        f"got {type(v).__name__}")
    return tuple(v)


def _point_and_v(fn, npoint, args, kwargs):
    if kwargs:
        bound = fn.__signature__.bind(*args, **kwargs)
        bound.apply_defaults()
        args = tuple(bound.arguments.values())
    if len(args) != npoint + 1:
        raise TypeError(f"{fn.__name__}({', '.join(fn.__signature__.parameters)}) takes "
                        f"{npoint + 1} arguments but {len(args)} were given")
    return args[:-1], args[-1]


def _with_v(parent):
    sig = list(parent.__signature__.parameters.values())
    sig.append(inspect.Parameter("v", inspect.Parameter.POSITIONAL_OR_KEYWORD))
    return inspect.Signature(sig)


class HvpFunction(ArrayFunction):
    """``H(*args, v)``: the Hessian of F with respect to ``wrt`` applied to ``v``.

    >>> import numpy as np, symdiff as sd
    >>> def quad(x, A):
    ...     return x @ A @ x
    >>> F = sd.symbolic(quad, shapes={"x": ("d",), "A": ("d", "d")})
    >>> H = sd.hvp(F, wrt="x")
    >>> H(np.zeros(2), np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, 0.0])).tolist()
    [2.0, 2.0]
    """

    def __init__(self, parent: ArrayFunction, wrt):
        program, outs, names, vnames = hvp_program(parent, wrt)
        self._bare = isinstance(wrt, str)
        super().__init__(program, outs, "value" if self._bare else "grad", f"hvp {parent.name}",
                         parent.wrt, parent.fn, parent.backend)
        self._parent, self._wrt_arg, self._names, self._vnames = parent, wrt, names, vnames
        self._npoint = len(parent.params)
        self.__signature__ = _with_v(parent)

    def __call__(self, *args, **kwargs):
        fast = self._fast
        if fast is not None and not kwargs and len(args) == self._npoint + 1:
            if self._bare:
                return fast(*args)
            v = args[-1]
            if v.__class__ is tuple and len(v) == len(self._names):
                return fast(*args[:-1], *v)
        return self._generic(args, kwargs)

    def _generic(self, args, kwargs):
        point, v = _point_and_v(self, self._npoint, args, kwargs)
        flat = list(point) + list(_split_v(self, self._names, self._bare, v))
        try:
            flat = self._checks(flat)
        except NeedsElementwise:         # batch axes: the element-wise reading has them
            return self._element_wise()(*point, v)
        with np.errstate(all="ignore"):
            return self._code()(*flat)

    def _checked_call(self, *flat):
        """The generic call on the flat arguments (the point, then the directions)."""
        point, v = flat[:self._npoint], flat[self._npoint:]
        return self._generic(tuple(point) + (v[0] if self._bare else tuple(v),), {})

    def _element_wise(self):
        return hvp(self._parent.elementwise(), self._wrt_arg)

    def elementwise(self):
        raise NotImplementedError("an hvp function has no element-wise twin; "
                                  "call it, or read its .source")


class ElementHvp(SymbolicFunction):
    """``H(*args, v)`` for a function read element by element: its Hessian over the
    entries of ``wrt`` (compiled once) applied to ``v``, batch axes included.

    >>> import symdiff as sd
    >>> H = sd.hvp("x**2*y", wrt="x")
    >>> float(H(1.0, 3.0, 2.0))
    12.0
    """

    def __init__(self, parent: SymbolicFunction, wrt):
        names = parent.wrt_names(wrt)
        hess = parent.hessian_of(names)
        super().__init__(hess.reading, hess.outputs, hess.layout, f"hvp {parent.name}",
                         parent.wrt, parent.fn, parent.backend)
        self._hess, self._names, self._bare = hess, names, isinstance(wrt, str)
        self._npoint = len(parent.params)
        self._shapes = [tuple(parent.shapes.get(n) or ()) for n in names]
        self.__signature__ = _with_v(parent)

    def __call__(self, *args, **kwargs):
        point, v = _point_and_v(self, self._npoint, args, kwargs)
        parts = _split_v(self, self._names, self._bare, v)
        flat = []
        for p, shape, name in zip(parts, self._shapes, self._names):
            a = np.asarray(p, dtype=float)
            if a.shape[:len(shape)] != shape:
                raise ValueError(f"{self.name}: the direction for {name!r} has shape "
                                 f"{a.shape}, expected {shape}")
            flat.append(a.reshape((-1,) + a.shape[len(shape):]) if shape else a[None])
        H = np.asarray(self._hess(*point))                  # (n, n) + batch
        vec = np.concatenate(np.broadcast_arrays(*flat), axis=0) if len(flat) > 1 else flat[0]
        hv = np.einsum("ij...,j...->i...", H, vec)
        out, k = [], 0
        for shape in self._shapes:
            size = int(np.prod(shape, dtype=int)) if shape else 1
            block = hv[k:k + size]
            k += size
            out.append(block.reshape(shape + block.shape[1:]) if shape else block[0])
        return out[0] if self._bare else tuple(out)
