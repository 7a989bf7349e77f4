"""The array IR: an SSA graph of array-valued nodes with shapes.

Each ``Node`` is one array operation: its ``op`` (a string), its ``args`` (other
nodes), its static ``attrs`` (axes, an einsum spec, a function name, ...), and its
``shape``: a tuple of dimensions, each an ``int`` or a named size (a sympy
expression such as ``n`` or ``n*d``: ``shapes={"X": ("n", "d")}``). Nodes are made
only through a ``Graph``, which hash-conses them (building the same operation on
the same arguments twice gives the same node, so common subexpressions are shared
for free) and simplifies them on construction (``simplify``).

Operations (``op``: attrs):

- ``param``: (name,)                       a parameter of the function
- ``const``: (value,)                      a float or a numpy array
- ``ewise``: (fname,)                      elementwise scalar function with numpy
  broadcasting (``elementwise.FUNCTIONS``: add, mul, exp, tanh, where, gt, ...)
- ``einsum``: (inputs, output)             contraction in Einstein notation,
  ``(("ij", "j"), "i")`` is ``X @ w``; every index letter has one size
- ``reduce``: (kind, axes, keepdims)       sum/max/min/prod over ``axes``
- ``broadcast``: (shape,)                  numpy.broadcast_to
- ``reshape``: (shape,)   ``transpose``: (perm,)
- ``index``: (key,)                        ``x[key]``, basic or advanced (int arrays)
- ``scatter``: (key, shape)                zeros(shape) with the argument added at
  ``key`` (the adjoint of ``index``)
- ``concat``: (axis,)  ``cumsum``: (axis,)  ``roll``: (shift, axis)
  ``tril``/``triu``: (k,)
- ``permute``/``unpermute``: (axis, lead)   ``t`` in the order that sorts ``x``
  (args ``t, x``; ``permute(x, x)`` is ``numpy.sort(x)``), or back
- ``inv``, ``det``, ``solve``: ()          numpy.linalg
- ``cholesky``: ()  ``eigh_w``, ``eigh_v``: (uplo,)   numpy.linalg.cholesky, eigh(a, uplo)[0],
  eigh(a, uplo)[1] (values computed by numpy at run time; numpy reads only one triangle)

Every operation has a VJP and a JVP rule (``rules``), written with these same
operations, so derivatives are graphs of the same kind and can be differentiated
again (forward over reverse for Hessians).
"""

from __future__ import annotations

import numpy as np
import sympy

from . import elementwise, simplify
from .indexing import index_shape, normalize_key
from .shapes import (ArrayError, ShapeError, broadcast_shapes, dim, is_known, norm_axes,  # noqa: F401
                     show_shape, size_of)


# -- nodes ------------------------------------------------------------------------

class Node:
    """One array value of the graph (see the module docstring)."""

    __slots__ = ("op", "args", "attrs", "shape", "dtype", "key", "__weakref__")

    def __init__(self, op, args, attrs, shape, dtype="f"):
        self.op, self.args, self.attrs, self.shape, self.dtype = op, args, attrs, shape, dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def is_const(self, value=None) -> bool:
        if self.op != "const":
            return False
        if value is None:
            return True
        v = self.attrs[0]
        return isinstance(v, float) and v == value

    def __repr__(self):
        if self.op == "param":
            return self.attrs[0]
        if self.op == "const":
            v = self.attrs[0]
            return repr(v) if isinstance(v, float) else f"const{show_shape(np.shape(v))}"
        inner = ", ".join(map(repr, self.args))
        attrs = ", ".join(map(str, self.attrs))
        return f"{self.op}[{attrs}]({inner})"


def _attr_key(a):
    """A hashable stand-in for an attribute (arrays by identity, slices by fields)."""
    if isinstance(a, np.ndarray):
        return ("array", id(a))
    if isinstance(a, slice):
        return ("slice", a.start, a.stop, a.step)
    if isinstance(a, tuple):
        return tuple(_attr_key(x) for x in a)
    if isinstance(a, float):
        return ("float", a) if a == a else ("nan",)
    return a


class Graph:
    """Builds nodes: hash-consed, simplified, shape-checked.

    >>> g = Graph()
    >>> x = g.param("x", (3,))
    >>> g.mul(x, g.const(1.0)) is x
    True
    """

    def __init__(self):
        self._table: dict = {}
        self._keep: list = []          # arrays referenced by id() in keys stay alive
        self.params: dict = {}

    # -- construction ---------------------------------------------------------
    def make(self, op, args=(), attrs=(), shape=(), dtype="f") -> Node:
        key = (op, tuple(id(a) for a in args), _attr_key(attrs))
        hit = self._table.get(key)
        if hit is not None:
            return hit
        node = Node(op, tuple(args), tuple(attrs), tuple(shape), dtype)
        node.key = key
        self._table[key] = node
        self._keep.append(node)
        return node

    def param(self, name: str, shape) -> Node:
        node = self.make("param", (), (name,), tuple(dim(d) for d in shape))
        self.params[name] = node
        return node

    def const(self, value) -> Node:
        if isinstance(value, Node):
            return value
        if isinstance(value, (bool, np.bool_)):
            return self.make("const", (), (float(value),), (), "f")
        if isinstance(value, (int, float, np.integer, np.floating)):
            return self.make("const", (), (float(value),), ())
        arr = np.asarray(value)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise ArrayError(f"cannot use a {arr.dtype} array as a constant")
        if arr.ndim == 0:
            return self.const(arr.item())
        arr = arr.copy()
        arr.setflags(write=False)
        self._keep.append(arr)
        dtype = "b" if arr.dtype.kind == "b" else "f"
        return self.make("const", (), (arr,), arr.shape, dtype)

    def as_node(self, v) -> Node:
        return v if isinstance(v, Node) else self.const(v)

    # -- elementwise ---------------------------------------------------------------
    def ewise(self, fname: str, *args) -> Node:
        args = tuple(self.as_node(a) for a in args)
        spec = elementwise.FUNCTIONS.get(fname)
        if spec is None:
            raise ArrayError(f"no elementwise function {fname!r}")
        if len(args) != spec.nargs:
            raise ArrayError(f"{fname} takes {spec.nargs} arguments, got {len(args)}")
        out = simplify.ewise(self, fname, args)
        if out is not None:
            return out
        shape = broadcast_shapes(*(a.shape for a in args))
        return self.make("ewise", args, (fname,), shape, spec.dtype)

    def add(self, a, b):
        return self.ewise("add", a, b)

    def sub(self, a, b):
        return self.ewise("sub", a, b)

    def mul(self, a, b):
        return self.ewise("mul", a, b)

    def div(self, a, b):
        return self.ewise("div", a, b)

    def neg(self, a):
        return self.ewise("neg", a)

    def pow(self, a, b):
        return self.ewise("pow", a, b)

    # -- contraction ----------------------------------------------------------------
    def einsum(self, inputs, output: str, *args) -> Node:
        args = tuple(self.as_node(a) for a in args)
        inputs = tuple(inputs)
        if len(inputs) != len(args):
            raise ShapeError(f"einsum: {len(inputs)} index strings for {len(args)} operands")
        sizes: dict = {}
        for spec, a in zip(inputs, args):
            if len(spec) != a.ndim:
                raise ShapeError(f"einsum: index string {spec!r} for an operand of shape "
                                 f"{show_shape(a.shape)}")
            for c, d in zip(spec, a.shape):
                if c in sizes and sizes[c] != d:
                    raise ShapeError(f"einsum: index {c!r} has sizes {sizes[c]} and {d}")
                sizes[c] = d
        for c in output:
            if c not in sizes:
                raise ShapeError(f"einsum: output index {c!r} appears in no operand")
        out = simplify.einsum(self, inputs, output, args, sizes)
        if out is not None:
            return out
        return self.make("einsum", args, (inputs, output), tuple(sizes[c] for c in output))

    # -- reductions ---------------------------------------------------------------
    def reduce(self, kind: str, x, axes=None, keepdims: bool = False) -> Node:
        x = self.as_node(x)
        axes = norm_axes(axes, x.ndim)
        if not axes:
            return x
        if kind == "sum" and x.op == "ewise" and x.attrs[0] == "neg":
            return self.neg(self.reduce(kind, x.args[0], axes, keepdims))
        if kind == "sum":
            out = simplify.sum_of(self, x, axes, keepdims)
            if out is not None:
                return out
            if x.op == "broadcast":
                out = self._sum_of_broadcast(x, axes, keepdims)
                if out is not None:
                    return out
        shape = self._reduced_shape(x.shape, axes, keepdims)
        return self.make("reduce", (x,), (kind, axes, bool(keepdims)), shape)

    def _sum_of_broadcast(self, x, axes, keepdims):
        """A sum over axes that a broadcast only repeated is the count times the value:
        ``sum(broadcast_to(c, (o, n, o)), axis=1)`` (the MLP's Hessian in b2) is
        ``n * c``, without the (o, n, o) array."""
        a = x.args[0]
        lead = x.ndim - a.ndim
        if not all(k < lead or a.shape[k - lead] == 1 for k in axes):
            return None
        if not keepdims:            # a's own size-1 axes among them go too
            kept = tuple(d for k, d in enumerate(a.shape) if k + lead not in axes)
            a = self.reshape(a, kept)
        n = 1
        for k in axes:
            n = n * x.shape[k]
        count = self.const(float(n)) if is_known(n) else self.make("dim", (), (n,), ())
        return self.broadcast(self.mul(a, count), self._reduced_shape(x.shape, axes, keepdims))

    @staticmethod
    def _reduced_shape(shape, axes, keepdims):
        if keepdims:
            return tuple(1 if k in axes else d for k, d in enumerate(shape))
        return tuple(d for k, d in enumerate(shape) if k not in axes)

    def sum(self, x, axes=None, keepdims=False):
        return self.reduce("sum", x, axes, keepdims)

    # -- shape changes -----------------------------------------------------------
    def broadcast(self, x, shape) -> Node:
        x = self.as_node(x)
        shape = tuple(dim(d) for d in shape)
        if x.shape == shape:
            return x
        if broadcast_shapes(x.shape, shape) != shape:
            raise ShapeError(f"cannot broadcast shape {show_shape(x.shape)} to {show_shape(shape)}")
        if x.op == "broadcast":
            x = x.args[0]
        return self.make("broadcast", (x,), (shape,), shape, x.dtype)

    def reshape(self, x, shape) -> Node:
        x = self.as_node(x)
        shape = tuple(dim(d) for d in shape)
        if x.shape == shape:
            return x
        if sympy.simplify(size_of(shape) - size_of(x.shape)) != 0:
            raise ShapeError(f"cannot reshape an array of shape {show_shape(x.shape)} into "
                             f"shape {show_shape(shape)}")
        if x.op == "reshape":
            x = x.args[0]
            if x.shape == shape:
                return x
        if x.op == "const" and isinstance(x.attrs[0], float):
            return self.broadcast(x, shape)     # a number has no reshape method
        if x.op == "broadcast" and x.args[0].shape == ():
            return self.broadcast(x.args[0], shape)     # a number, spread: spread anew
        if x.op == "const" and all(map(is_known, shape)):
            return self.const(x.attrs[0].reshape(shape))
        return self.make("reshape", (x,), (shape,), shape, x.dtype)

    def transpose(self, x, perm=None) -> Node:
        x = self.as_node(x)
        perm = tuple(reversed(range(x.ndim))) if perm is None else tuple(int(p) for p in perm)
        if sorted(perm) != list(range(x.ndim)):
            raise ShapeError(f"axes {perm} do not match an array of dimension {x.ndim}")
        if perm == tuple(range(x.ndim)):
            return x
        if x.op == "transpose":
            inner = x.attrs[0]
            return self.transpose(x.args[0], tuple(inner[p] for p in perm))
        if x.op == "const" and not isinstance(x.attrs[0], float):
            return self.const(x.attrs[0].transpose(perm))
        return self.make("transpose", (x,), (perm,), tuple(x.shape[p] for p in perm), x.dtype)

    def expand_dims(self, x, axes) -> Node:
        x = self.as_node(x)
        nd = x.ndim + (len(axes) if isinstance(axes, tuple) else 1)
        axes = norm_axes(axes, nd)
        shape, it = [], iter(x.shape)
        for k in range(nd):
            shape.append(1 if k in axes else next(it))
        return self.reshape(x, shape)

    def squeeze(self, x, axes=None) -> Node:
        x = self.as_node(x)
        if axes is None:
            axes = tuple(k for k, d in enumerate(x.shape) if d == 1)
        axes = norm_axes(axes, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError("cannot select an axis to squeeze out which has size not equal to one")
        return self.reshape(x, [d for k, d in enumerate(x.shape) if k not in axes])

    # -- indexing -------------------------------------------------------------------
    def index(self, x, key) -> Node:
        x = self.as_node(x)
        key = normalize_key(key, x.shape)
        if all(isinstance(k, slice) and k == slice(None) for k in key) and len(key) == x.ndim:
            return x
        shape = index_shape(key, x.shape)
        if x.op == "const" and not isinstance(x.attrs[0], float):
            return self.const(x.attrs[0][key])
        return self.make("index", (x,), (key,), shape, x.dtype)

    def scatter(self, g, key, shape) -> Node:
        g = self.as_node(g)
        if all(isinstance(k, slice) and k.start is None and k.stop is None and k.step in (None, -1)
               for k in key):               # a reversal is its own inverse
            return self.index(g, key)
        return self.make("scatter", (g,), (key, tuple(shape)), tuple(shape))

    def concat(self, xs, axis: int) -> Node:
        xs = [self.as_node(x) for x in xs]
        nd = xs[0].ndim
        if nd == 0:
            raise ShapeError("zero-dimensional arrays cannot be concatenated")
        axis = norm_axes(axis, nd)[0]
        total = 0
        for x in xs:
            if x.ndim != nd or any(a != b for k, (a, b) in enumerate(zip(x.shape, xs[0].shape))
                                   if k != axis):
                raise ShapeError("all the input array dimensions except for the concatenation "
                                 f"axis must match exactly ({', '.join(show_shape(x.shape) for x in xs)})")
            total = total + x.shape[axis]
        if len(xs) == 1:
            return xs[0]
        shape = tuple(dim(total) if k == axis else d for k, d in enumerate(xs[0].shape))
        return self.make("concat", tuple(xs), (axis,), shape)

    def permute(self, t, x, axis: int, inverse: bool = False, lead: int = 0) -> Node:
        """``t`` reordered along ``axis + lead`` as sorting ``x`` reorders ``x`` along
        ``axis`` (``take_along_axis(t, argsort(x))``; ``permute(x, x)`` is ``sort(x)``),
        or by the inverse order; ``t`` has ``lead`` more leading axes than ``x``. Linear
        in ``t``; the order is piecewise constant in ``x`` (no derivative)."""
        t, x = self.as_node(t), self.as_node(x)
        return self.make("unpermute" if inverse else "permute", (t, x), (int(axis), int(lead)),
                         t.shape)

    def linear(self, op, x, *attrs) -> Node:
        """A shape-preserving linear operation: cumsum, roll, tril, triu."""
        x = self.as_node(x)
        return self.make(op, (x,), attrs, x.shape)

    # -- linear algebra ---------------------------------------------------------
    def inv(self, a):
        a = self.as_node(a)
        _square(a, "inv")
        return self.make("inv", (a,), (), a.shape)

    def det(self, a):
        a = self.as_node(a)
        _square(a, "det")
        return self.make("det", (a,), (), a.shape[:-2])

    def solve(self, a, b):
        a, b = self.as_node(a), self.as_node(b)
        _square(a, "solve")
        if b.ndim == 0 or b.shape[0] != a.shape[-1] or a.ndim != 2 or b.ndim > 2:
            raise ShapeError(f"solve: shapes {show_shape(a.shape)} and {show_shape(b.shape)} "
                             "do not fit (a square 2-d matrix and a vector or matrix)")
        return self.make("solve", (a, b), (), b.shape)

    def cholesky(self, a):
        """The lower Cholesky factor, computed by numpy at run time (numpy reads only the
        lower triangle of ``a``)."""
        a = self.as_node(a)
        _square(a, "cholesky")
        return self.make("cholesky", (a,), (), a.shape)

    def eigh(self, a, uplo: str = "L"):
        """``(w, v)`` of ``numpy.linalg.eigh(a, uplo)`` (the lower or upper triangle is
        read), computed by numpy at run time: two nodes, ``eigh_w`` and ``eigh_v``."""
        a = self.as_node(a)
        _square(a, "eigh")
        return (self.make("eigh_w", (a,), (uplo,), a.shape[:-1]),
                self.make("eigh_v", (a,), (uplo,), a.shape))

    def eye(self, n) -> Node:
        n = dim(n)
        if is_known(n):
            return self.const(np.eye(n))
        return self.make("eye", (), (n,), (n, n))


def _square(a: Node, what: str):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{what}: last 2 dimensions of the array must be square, "
                         f"got shape {show_shape(a.shape)}")
