"""numpy's functions on array values: one handler per numpy function, by identity.

The reader looks up the callee of every call (``numpy.sum`` under any alias) in
``FUNCTIONS`` and calls the handler with the graph and the call's arguments. A
handler has the numpy function's own signature, so a misspelt or unsupported
keyword is refused with numpy's name for it (``numpy.sum: unexpected keyword
argument 'axes'``); an argument it cannot express (``dtype=``, ``out=``) raises
``Unsupported`` naming the function and the argument. ``METHODS`` are the
``ndarray`` methods (``x.sum(axis=0)``), mapped to the same handlers.
"""

from __future__ import annotations

import inspect
import math
import string
import sys

import numpy as np

from . import elementwise
from .ir import ArrayError, Graph, Node, ShapeError, dim, is_known, norm_axes, size_of


class Unsupported(ArrayError):
    """A numpy function or argument the array reader does not express."""


class NotDifferentiable(ArrayError):
    """A numpy function symdiff does not differentiate at all (neither reading has it):
    the message says what to write instead. Raised to the user as it is."""


class _Missing:
    def __repr__(self):
        return "<not given>"


_NO = _Missing()        # "argument not given" (numpy's own _NoValue)
FUNCTIONS: dict[int, tuple] = {}        # id(numpy function) -> (function, handler, name)


def handles(*fns, name=None):
    def register(handler):
        for f in fns:
            if f is not None:
                FUNCTIONS[id(f)] = (f, handler, name or f"numpy.{getattr(f, '__name__', '?')}")
        return handler
    return register


def lookup(fn):
    hit = FUNCTIONS.get(id(fn))
    if hit is None and "scipy.special" in sys.modules:
        _scipy_handlers()
        hit = FUNCTIONS.get(id(fn))
    return hit if hit is not None and hit[0] is fn else None


def _none(name, **given):
    """Refuse arguments a handler cannot express, naming them."""
    for k, v in given.items():
        if v is not None and v is not _NO:
            if k == "dtype" and v in (float, np.float64, "float64", "float", "f8", "d"):
                continue
            raise Unsupported(f"{name}: the argument {k}={v!r} is not supported at the array "
                              f"level; remove it")


def node(g: Graph, x):
    if isinstance(x, (list, tuple)):
        if any(isinstance(e, Node) for e in _flat(x)):
            return stack(g, x, 0) if not any(isinstance(e, (list, tuple)) for e in x) else \
                stack(g, [node(g, e) for e in x], 0)
    return g.as_node(x)


def _flat(x):
    for e in x:
        if isinstance(e, (list, tuple)):
            yield from _flat(e)
        else:
            yield e


# -- elementwise --------------------------------------------------------------------------
def _ewise_handler(fname, nargs):
    if nargs == 1:
        def h(g, x, /, out=None, *, where=None, dtype=None):
            _none(f"numpy.{fname}", out=out, where=where, dtype=dtype)
            return g.ewise(fname, node(g, x))
    else:
        def h(g, x1, x2, /, out=None, *, where=None, dtype=None):
            _none(f"numpy.{fname}", out=out, where=where, dtype=dtype)
            return g.ewise(fname, node(g, x1), node(g, x2))
    return h


_UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "power": "pow", "negative": "neg", "maximum": "maximum", "minimum": "minimum",
    "fmax": "maximum", "fmin": "minimum", "arctan2": "arctan2", "hypot": "hypot",
    "logaddexp": "logaddexp", "logaddexp2": "logaddexp2", "mod": "mod", "remainder": "mod",
    "floor_divide": "floor_divide", "copysign": "copysign", "absolute": "abs", "abs": "abs",
    "fabs": "fabs", "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
    "equal": "eq", "not_equal": "ne", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "logical_not": "logical_not", "degrees": "rad2deg",
    "radians": "deg2rad", "float_power": "pow",
}
for _np_name in sorted(set(_UFUNCS) | set(elementwise.FUNCTIONS)):
    _f = np.__dict__.get(_np_name)      # not getattr: it imports numpy's lazy submodules
    if not isinstance(_f, np.ufunc):
        continue
    _ir = _UFUNCS.get(_np_name, _np_name)
    if _ir in elementwise.FUNCTIONS and _f.nin == elementwise.FUNCTIONS[_ir].nargs:
        handles(_f, name=f"numpy.{_np_name}")(_ewise_handler(_ir, _f.nin))


@handles(np.positive)
def _positive(g, x, /, out=None, **kw):
    return node(g, x)


@handles(np.real, getattr(np, "real_if_close", None))
def _real(g, val, *a):
    return node(g, val)


@handles(np.where)
def where(g, condition, x=_NO, y=_NO):
    if x is _NO or y is _NO:
        raise Unsupported("numpy.where with one argument (the positions where it holds) "
                          "depends on the data; give both x and y")
    return g.ewise("where", node(g, condition), node(g, x), node(g, y))


@handles(np.clip)
def clip(g, a, a_min=None, a_max=None, out=None, **kw):
    kw.pop("min", None), kw.pop("max", None)
    _none("numpy.clip", out=out, **kw)
    a = node(g, a)
    lo = -math.inf if a_min is None else a_min
    hi = math.inf if a_max is None else a_max
    return g.ewise("clip", a, node(g, lo), node(g, hi))


def _scipy_handlers():
    """Handlers for scipy.special, registered once scipy.special has been imported (by
    the user: a function of it can only appear in code that imported it)."""
    sps = sys.modules.get("scipy.special")
    if sps is None or id(sps.expit) in FUNCTIONS:
        return

    @handles(sps.expit, name="scipy.special.expit")
    def _expit(g, x, /, out=None, **kw):
        return g.div(1.0, g.add(1.0, g.ewise("exp", g.neg(node(g, x)))))

    @handles(sps.erf, name="scipy.special.erf")
    def _erf(g, x, /, out=None, **kw):
        return g.ewise("erf", node(g, x))

    @handles(sps.erfc, name="scipy.special.erfc")
    def _erfc(g, x, /, out=None, **kw):
        return g.ewise("erfc", node(g, x))

    @handles(sps.logsumexp, name="scipy.special.logsumexp")
    def _sps_logsumexp(g, a, axis=None, b=None, keepdims=False, return_sign=False):
        _none("scipy.special.logsumexp", b=b, return_sign=return_sign or None)
        return logsumexp(g, node(g, a), axis, keepdims)


def logsumexp(g, a, axis, keepdims):
    m = g.reduce("max", a, axis, keepdims=True)
    s = g.sum(g.ewise("exp", g.sub(a, m)), axis, keepdims=True)
    out = g.add(m, g.ewise("log", s))
    return out if keepdims else g.squeeze(out, norm_axes(axis, a.ndim))


# -- reductions -------------------------------------------------------------------------------
def _reduction(kind, name):
    def h(g, a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=_NO):
        _none(name, dtype=dtype, out=out, initial=initial, where=where)
        a = node(g, a)
        if kind in ("max", "min") and any(a.shape[k] == 0 for k in norm_axes(axis, a.ndim)):
            raise ShapeError(f"{name}: zero-size array to reduction operation {kind}")
        return g.reduce(kind, a, axis, bool(keepdims))
    return h


handles(np.sum)(_reduction("sum", "numpy.sum"))
handles(np.prod)(_reduction("prod", "numpy.prod"))
handles(np.max, np.amax)(_reduction("max", "numpy.max"))
handles(np.min, np.amin)(_reduction("min", "numpy.min"))


def count(g, a, axis):
    axes = norm_axes(axis, a.ndim)
    return size_of([a.shape[k] for k in axes])


def size_value(g, n):
    return g.const(float(n)) if is_known(n) else g.make("dim", (), (n,), ())


@handles(np.mean)
def mean(g, a, axis=None, dtype=None, out=None, keepdims=False, *, where=_NO):
    _none("numpy.mean", dtype=dtype, out=out, where=where)
    a = node(g, a)
    return g.div(g.sum(a, axis, bool(keepdims)), size_value(g, count(g, a, axis)))


@handles(np.var)
def var(g, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO, mean=_NO,
        correction=_NO):
    _none("numpy.var", dtype=dtype, out=out, where=where, mean=mean, correction=correction)
    a = node(g, a)
    centred = g.sub(a, g.div(g.sum(a, axis, True), size_value(g, count(g, a, axis))))
    n = count(g, a, axis)
    return g.div(g.sum(g.mul(centred, centred), axis, bool(keepdims)), size_value(g, n - ddof))


@handles(np.std)
def std(g, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO, mean=_NO,
        correction=_NO):
    _none("numpy.std", where=where, mean=mean, correction=correction)
    v = var(g, a, axis, dtype, out, ddof, keepdims)
    if count(g, node(g, a), axis) == 1 and ddof == 0:
        # one entry: the spread is 0 whatever it is (sqrt's derivative at 0 would give nan)
        return g.broadcast(g.const(0.0), v.shape)
    return g.ewise("sqrt", v)


@handles(np.cumsum)
def cumsum(g, a, axis=None, dtype=None, out=None):
    _none("numpy.cumsum", dtype=dtype, out=out)
    a = node(g, a)
    if axis is None:
        a, axis = g.reshape(a, (size_of(a.shape),)), 0
    return g.linear("cumsum", a, norm_axes(axis, a.ndim)[0])


@handles(np.sort)
def sort(g, a, axis=-1, kind=None, order=None, *, stable=None):
    _none("numpy.sort", order=order)
    a = node(g, a)
    if axis is None:
        a, axis = ravel(g, a), 0
    if a.ndim == 0:
        raise ShapeError("numpy.sort: axis -1 is out of bounds for array of dimension 0")
    return g.permute(a, a, norm_axes(axis, a.ndim)[0])


@handles(np.diff)
def diff(g, a, n=1, axis=-1, prepend=_NO, append=_NO):
    a = node(g, a)
    if a.ndim == 0:
        raise ShapeError("numpy.diff requires input that is at least one dimensional")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ShapeError(f"numpy.diff: order must be a non-negative integer, got {n!r}")
    axis = norm_axes(axis, a.ndim)[0]
    parts = []
    for extra in (prepend, append):
        if extra is _NO:
            parts.append(None)
            continue
        e = node(g, extra)
        if e.ndim == 0:
            e = g.broadcast(e, tuple(1 if k == axis else d for k, d in enumerate(a.shape)))
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        a = g.concat([p for p in (parts[0], a, parts[1]) if p is not None], axis)
    for _ in range(int(n)):
        hi = tuple(slice(1, None) if k == axis else slice(None) for k in range(a.ndim))
        lo = tuple(slice(None, -1) if k == axis else slice(None) for k in range(a.ndim))
        a = g.sub(g.index(a, hi), g.index(a, lo))
    return a


def _pairs(value, ndim, what):
    """numpy.pad's per-axis (before, after) pairs."""
    try:
        arr = np.broadcast_to(np.asarray(value, dtype=object), (ndim, 2))
    except ValueError:
        raise ShapeError(f"numpy.pad: {what} {value!r} does not fit an array of dimension "
                         f"{ndim}") from None
    return [tuple(row) for row in arr]


_PAD_GATHER = ("edge", "wrap", "reflect", "symmetric")


@handles(np.pad)
def pad(g, array, pad_width, mode="constant", **kwargs):
    a = node(g, array)
    widths = _pairs(pad_width, a.ndim, "pad_width")
    if any(not isinstance(w, (int, np.integer)) or w < 0 for pair in widths for w in pair):
        raise ShapeError(f"numpy.pad: pad_width must be non-negative integers, got {pad_width!r}")
    if mode == "constant":
        values = _pairs(kwargs.pop("constant_values", 0), a.ndim, "constant_values")
        _none("numpy.pad", **kwargs)
        for k, ((wb, wa), (vb, va)) in enumerate(zip(widths, values)):
            parts = []
            for w, v in ((wb, vb), (wa, va)):
                shape = tuple(int(w) if j == k else d for j, d in enumerate(a.shape))
                parts.append(g.broadcast(node(g, v), shape) if w else None)
            if parts[0] is not None or parts[1] is not None:
                a = g.concat([p for p in (parts[0], a, parts[1]) if p is not None], k)
        return a
    if mode in _PAD_GATHER:
        rtype = kwargs.pop("reflect_type", "even")
        _none("numpy.pad", **kwargs)
        if rtype != "even":
            raise Unsupported(f"numpy.pad: reflect_type={rtype!r} (extrapolates); only 'even'")
        for k, (wb, wa) in enumerate(widths):
            if not (wb or wa):
                continue
            n = a.shape[k]
            if not is_known(n):
                raise Unsupported(f"numpy.pad with mode={mode!r} along an axis of a named size; "
                                  "give the sizes as numbers, or use mode='constant'")
            extra = {} if mode in ("edge", "wrap") else {"reflect_type": rtype}
            idx = np.pad(np.arange(int(n)), (int(wb), int(wa)), mode=mode, **extra)
            a = g.index(a, tuple(idx if j == k else slice(None) for j in range(a.ndim)))
        return a
    raise Unsupported(f"numpy.pad: mode={mode!r} is not read; use 'constant', 'edge', 'wrap', "
                      "'reflect' or 'symmetric'")


def _split(g, ary, indices_or_sections, axis, name, equal):
    a = node(g, ary)
    if a.ndim == 0:
        raise ShapeError(f"{name}: an array of dimension 0 cannot be split")
    axis = norm_axes(axis, a.ndim)[0]
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ShapeError(f"{name}: number sections must be larger than 0.")
        if not is_known(n):
            raise Unsupported(f"{name} into {k} sections along an axis of a named size; give "
                              "the split points (a list of indices) or the sizes as numbers")
        n = int(n)
        if equal and n % k:
            raise ShapeError(f"{name}: array split does not result in an equal division")
        each, extras = divmod(n, k)
        points, at = [], 0
        for j in range(k - 1):
            at += each + (1 if j < extras else 0)
            points.append(at)
    else:
        points = [int(p) for p in indices_or_sections]
    bounds = [None] + points + [None]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        key = tuple(slice(lo, hi) if j == axis else slice(None) for j in range(a.ndim))
        out.append(g.index(a, key))
    return out


@handles(np.split)
def split(g, ary, indices_or_sections, axis=0):
    return _split(g, ary, indices_or_sections, axis, "numpy.split", True)


@handles(np.array_split)
def array_split(g, ary, indices_or_sections, axis=0):
    return _split(g, ary, indices_or_sections, axis, "numpy.array_split", False)


@handles(np.hsplit)
def hsplit(g, ary, indices_or_sections):
    a = node(g, ary)
    return _split(g, a, indices_or_sections, 1 if a.ndim > 1 else 0, "numpy.hsplit", True)


def _split_along(axis, min_ndim, name):
    """numpy.vsplit / dsplit: split along ``axis`` of an array of ``min_ndim`` or more."""
    def split_along(g, ary, indices_or_sections):
        a = node(g, ary)
        if a.ndim < min_ndim:
            raise ShapeError(f"{name}: only works on arrays of {min_ndim} or more dimensions")
        return _split(g, a, indices_or_sections, axis, name, True)
    split_along.__name__ = name.rpartition(".")[2]
    return split_along


handles(np.vsplit)(_split_along(0, 2, "numpy.vsplit"))
handles(np.dsplit)(_split_along(2, 3, "numpy.dsplit"))


# -- reductions that skip nan ---------------------------------------------------------------
def _present(g, a):
    """1.0 where ``a`` is a number, 0.0 where it is nan."""
    return g.ewise("where", g.ewise("isnan", a), 0.0, 1.0)


def _filled(g, a, value):
    return g.ewise("where", g.ewise("isnan", a), value, a)


@handles(np.nansum)
def nansum(g, a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=_NO):
    _none("numpy.nansum", dtype=dtype, out=out, initial=initial, where=where)
    a = node(g, a)
    return g.sum(_filled(g, a, 0.0), axis, bool(keepdims))


@handles(np.nanprod)
def nanprod(g, a, axis=None, dtype=None, out=None, keepdims=False, initial=_NO, where=_NO):
    _none("numpy.nanprod", dtype=dtype, out=out, initial=initial, where=where)
    a = node(g, a)
    return g.reduce("prod", _filled(g, a, 1.0), axis, bool(keepdims))


def _nan_extreme(kind, name):
    def h(g, a, axis=None, out=None, keepdims=False, initial=_NO, where=_NO):
        _none(name, out=out, initial=initial, where=where)
        a = node(g, a)
        fill = -math.inf if kind == "max" else math.inf
        m = g.reduce(kind, _filled(g, a, fill), axis, bool(keepdims))
        count = g.sum(_present(g, a), axis, bool(keepdims))
        return g.ewise("where", g.ewise("eq", count, 0.0), math.nan, m)   # all nan: nan
    return h


handles(np.nanmax)(_nan_extreme("max", "numpy.nanmax"))
handles(np.nanmin)(_nan_extreme("min", "numpy.nanmin"))


@handles(np.nanmean)
def nanmean(g, a, axis=None, dtype=None, out=None, keepdims=False, *, where=_NO):
    _none("numpy.nanmean", dtype=dtype, out=out, where=where)
    a = node(g, a)
    return g.div(g.sum(_filled(g, a, 0.0), axis, bool(keepdims)),
                 g.sum(_present(g, a), axis, bool(keepdims)))


@handles(np.nanvar)
def nanvar(g, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO,
           mean=_NO, correction=_NO):
    _none("numpy.nanvar", dtype=dtype, out=out, where=where, mean=mean, correction=correction)
    a = node(g, a)
    m = nanmean(g, a, axis, keepdims=True)
    d = _filled(g, g.sub(a, m), 0.0)
    count = g.sum(_present(g, a), axis, bool(keepdims))
    return g.div(g.sum(g.mul(d, d), axis, bool(keepdims)), g.sub(count, float(ddof)))


@handles(np.nanstd)
def nanstd(g, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=_NO,
           mean=_NO, correction=_NO):
    _none("numpy.nanstd", where=where, mean=mean, correction=correction)
    return g.ewise("sqrt", nanvar(g, a, axis, dtype, out, ddof, keepdims))


@handles(np.nancumsum)
def nancumsum(g, a, axis=None, dtype=None, out=None):
    _none("numpy.nancumsum", dtype=dtype, out=out)
    return cumsum(g, _filled(g, node(g, a), 0.0), axis)


@handles(np.trace)
def trace(g, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _none("numpy.trace", dtype=dtype, out=out)
    return diagonal(g, a, offset, axis1, axis2, _sum=True)


@handles(np.diagonal)
def diagonal(g, a, offset=0, axis1=0, axis2=1, _sum=False):
    a = node(g, a)
    if a.ndim < 2:
        raise ShapeError("diag requires an array of at least two dimensions")
    axis1, axis2 = norm_axes(axis1, a.ndim)[0], norm_axes(axis2, a.ndim)[0]
    if axis1 == axis2:
        raise ShapeError("axis1 and axis2 cannot be the same")
    if offset:
        key = [slice(None)] * a.ndim
        if offset > 0:
            key[axis2] = slice(offset, None)
        else:
            key[axis1] = slice(-offset, None)
        a = g.index(a, tuple(key))
        n = _min_dim(a.shape[axis1], a.shape[axis2])
        key = [slice(None)] * a.ndim
        key[axis1], key[axis2] = slice(0, n), slice(0, n)
        a = g.index(a, tuple(key))
    letters = string.ascii_lowercase[:a.ndim]
    spec = list(letters)
    spec[axis2] = spec[axis1]
    rest = "".join(c for k, c in enumerate(letters) if k not in (axis1, axis2))
    if a.shape[axis1] != a.shape[axis2]:
        n = _min_dim(a.shape[axis1], a.shape[axis2])
        key = [slice(None)] * a.ndim
        key[axis1], key[axis2] = slice(0, n), slice(0, n)
        a = g.index(a, tuple(key))
    return g.einsum(("".join(spec),), rest + ("" if _sum else letters[axis1]), a)


def _min_dim(a, b):
    if is_known(a) and is_known(b):
        return min(a, b)
    raise Unsupported("a diagonal of a non-square array with named sizes")


@handles(np.diag)
def diag(g, v, k=0):
    v = node(g, v)
    if v.ndim == 2:
        return diagonal(g, v, k)
    if v.ndim != 1:
        raise ShapeError("Input must be 1- or 2-d.")
    d = g.einsum(("i", "ij"), "ij", v, g.eye(v.shape[0]))
    if k:                       # v on the k-th diagonal: numpy.diag(v) padded with zeros
        k = int(k)
        return pad(g, d, ((0, k), (k, 0)) if k > 0 else ((-k, 0), (0, -k)))
    return d


@handles(np.tril)
def tril(g, m, k=0):
    return g.linear("tril", node(g, m), int(k))


@handles(np.triu)
def triu(g, m, k=0):
    return g.linear("triu", node(g, m), int(k))


# -- products ----------------------------------------------------------------------------
def matmul(g, a, b, name="numpy.matmul"):
    a, b = node(g, a), node(g, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"{name}: Input operand does not have enough dimensions")
    if a.ndim == 1 and b.ndim == 1:
        _agree(a.shape[0], b.shape[0], name, a, b)
        return g.einsum(("i", "i"), "", a, b)
    if b.ndim == 1:
        lead = string.ascii_lowercase[:a.ndim - 1]
        _agree(a.shape[-1], b.shape[0], name, a, b)
        return g.einsum((lead + "z", "z"), lead, a, b)
    if a.ndim == 1:
        lead = string.ascii_lowercase[:b.ndim - 2]
        _agree(a.shape[0], b.shape[-2], name, a, b)
        return g.einsum(("z", lead + "zw"), lead + "w", a, b)
    _agree(a.shape[-1], b.shape[-2], name, a, b)
    nb = max(a.ndim, b.ndim) - 2
    lead = string.ascii_lowercase[:nb]
    sa, sb = lead[nb - (a.ndim - 2):], lead[nb - (b.ndim - 2):]
    # batch axes of size 1 against a larger one: drop them (broadcast)
    ka, kb = [], []
    for k, c in enumerate(lead):
        da = a.shape[k - (nb - (a.ndim - 2))] if c in sa else None
        db = b.shape[k - (nb - (b.ndim - 2))] if c in sb else None
        if da is not None and db is not None and da != db:
            if da == 1:
                ka.append(k - (nb - (a.ndim - 2)))
            elif db == 1:
                kb.append(k - (nb - (b.ndim - 2)))
            else:
                raise ShapeError(f"{name}: batch shapes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast")
    if ka:
        a = g.squeeze(a, tuple(ka))
        sa = "".join(c for k, c in enumerate(sa) if k not in ka)
    if kb:
        b = g.squeeze(b, tuple(kb))
        sb = "".join(c for k, c in enumerate(sb) if k not in kb)
    return g.einsum((sa + "yz", sb + "zw"), lead + "yw", a, b)


def _agree(da, db, name, a, b):
    if da != db:
        raise ShapeError(f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} not aligned: "
                         f"{da} (last axis of the first) != {db}")


@handles(np.matmul)
def _matmul(g, x1, x2, /, out=None, **kw):
    _none("numpy.matmul", out=out, **kw)
    return matmul(g, x1, x2)


@handles(np.dot)
def dot(g, a, b, out=None):
    _none("numpy.dot", out=out)
    a, b = node(g, a), node(g, b)
    if a.ndim == 0 or b.ndim == 0:
        return g.mul(a, b)
    if b.ndim <= 2:
        return matmul(g, a, b, "numpy.dot")
    la = string.ascii_lowercase[:a.ndim - 1]
    lb = string.ascii_lowercase[a.ndim - 1:a.ndim - 1 + b.ndim - 2]
    _agree(a.shape[-1], b.shape[-2], "numpy.dot", a, b)
    return g.einsum((la + "Z", lb + "ZY"), la + lb + "Y", a, b)


@handles(np.inner)
def inner(g, a, b, /):
    a, b = node(g, a), node(g, b)
    if a.ndim == 0 or b.ndim == 0:
        return g.mul(a, b)
    la = string.ascii_lowercase[:a.ndim - 1]
    lb = string.ascii_lowercase[a.ndim - 1:a.ndim + b.ndim - 2]
    _agree(a.shape[-1], b.shape[-1], "numpy.inner", a, b)
    return g.einsum((la + "Z", lb + "Z"), la + lb, a, b)


@handles(np.outer)
def outer(g, a, b, out=None):
    _none("numpy.outer", out=out)
    a, b = ravel(g, a), ravel(g, b)
    return g.einsum(("i", "j"), "ij", a, b)


@handles(np.tensordot)
def tensordot(g, a, b, axes=2):
    a, b = node(g, a), node(g, b)
    if isinstance(axes, (int, np.integer)):
        axa = list(range(a.ndim - axes, a.ndim))
        axb = list(range(axes))
    else:
        axa, axb = axes
        axa = [axa] if isinstance(axa, (int, np.integer)) else list(axa)
        axb = [axb] if isinstance(axb, (int, np.integer)) else list(axb)
    axa = [k % a.ndim for k in axa]
    axb = [k % b.ndim for k in axb]
    if len(axa) != len(axb):
        raise ShapeError("numpy.tensordot: shape-mismatch for sum")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(axa, axb):
        if a.shape[i] != b.shape[j]:
            raise ShapeError("numpy.tensordot: shape-mismatch for sum")
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in axa] + [c for k, c in enumerate(sb) if k not in axb]
    return g.einsum(("".join(sa), "".join(sb)), "".join(out), a, b)


@handles(np.einsum)
def einsum(g, subscripts, *operands, out=None, optimize=False, **kw):
    _none("numpy.einsum", out=out, **kw)
    if not isinstance(subscripts, str):         # einsum(a, [0, 1], b, [1, 2], [0, 2])
        subscripts, operands = _sublists(subscripts, operands)
    ops = [node(g, o) for o in operands]
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, output = spec.split("->")
    else:
        ins, output = spec, None
    ins = ins.split(",")
    if len(ins) != len(ops):
        raise ShapeError(f"numpy.einsum: {len(ins)} operand subscripts for {len(ops)} operands")
    if any("..." in s for s in ins):
        used = set(c for s in ins for c in s if c.isalpha())
        spare = [c for c in string.ascii_letters if c not in used]
        nell = max(o.ndim - len(s.replace("...", "")) for s, o in zip(ins, ops) if "..." in s)
        ell = "".join(spare[:nell])
        new = []
        for s, o in zip(ins, ops):
            if "..." in s:
                k = o.ndim - len(s.replace("...", ""))
                s = s.replace("...", ell[nell - k:])
            new.append(s)
        ins = new
        if output is not None:
            output = output.replace("...", ell)
        else:
            output = ell + "".join(sorted(c for c in used if sum(s.count(c) for s in ins) == 1))
    if output is None:
        letters = "".join(ins)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    # numpy broadcasts size-1 axes in einsum: drop them from the operand instead
    sizes: dict = {}
    for s, o in zip(ins, ops):
        for c, d in zip(s, o.shape):
            if d != 1:
                sizes[c] = d
    new_ins, new_ops = [], []
    for s, o in zip(ins, ops):
        ones = tuple(k for k, (c, d) in enumerate(zip(s, o.shape)) if d == 1 and sizes.get(c, 1) != 1)
        if ones:
            o = g.squeeze(o, ones)
            s = "".join(c for k, c in enumerate(s) if k not in ones)
        new_ins.append(s)
        new_ops.append(o)
    return g.einsum(tuple(new_ins), output, *new_ops)


def _sublists(first, rest):
    """numpy.einsum's interleaved form (operand, index list, ..., [output list]) as a
    subscripts string and the operands."""
    args = (first,) + tuple(rest)
    ops, specs = list(args[0::2]), list(args[1::2])
    output = ops.pop() if len(args) % 2 == 1 else None     # an output list at the end
    letters = string.ascii_letters

    def text(sub):
        out = ""
        for k in sub:
            if k is Ellipsis:
                out += "..."
            elif isinstance(k, (int, np.integer)) and 0 <= k < len(letters):
                out += letters[int(k)]
            else:
                raise ShapeError(f"numpy.einsum: subscript {k!r} is not an int in [0, 52)")
        return out
    spec = ",".join(text(s) for s in specs)
    if output is not None:
        spec += "->" + text(output)
    return spec, ops


@handles(np.kron)
def kron(g, a, b):
    """The Kronecker product: an outer product with each axis of ``a`` interleaved with
    the matching axis of ``b`` (the shorter shape padded with leading ones), merged."""
    a, b = node(g, a), node(g, b)
    if a.ndim == 0 and b.ndim == 0:
        return g.mul(a, b)
    nd = max(a.ndim, b.ndim)
    a = g.reshape(a, (1,) * (nd - a.ndim) + tuple(a.shape))
    b = g.reshape(b, (1,) * (nd - b.ndim) + tuple(b.shape))
    la, lb = string.ascii_lowercase[:nd], string.ascii_uppercase[:nd]
    r = g.einsum((la, lb), "".join(x + y for x, y in zip(la, lb)), a, b)
    return g.reshape(r, tuple(dim(p * q) for p, q in zip(a.shape, b.shape)))


@handles(np.cross)
def cross(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """numpy.cross of 3-vectors along ``axisa``/``axisb`` (``axis`` sets all three), the
    result's vectors along ``axisc``: a contraction with the Levi-Civita symbol."""
    a, b = node(g, a), node(g, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError("numpy.cross: zero-dimensional arrays have no vectors")
    a = moveaxis(g, a, axisa, -1)
    b = moveaxis(g, b, axisb, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise Unsupported(f"numpy.cross of vectors of {a.shape[-1]} and {b.shape[-1]} "
                          "entries (2-vectors are deprecated by numpy); only 3-vectors")
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1.0
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1.0
    lead_shape = np.broadcast_shapes(tuple(a.shape[:-1]), tuple(b.shape[:-1])) \
        if all(is_known(d) for d in a.shape[:-1] + b.shape[:-1]) else a.shape[:-1]
    a = g.broadcast(a, tuple(lead_shape) + (3,))
    b = g.broadcast(b, tuple(lead_shape) + (3,))
    lead = string.ascii_lowercase[:len(lead_shape)]
    out = g.einsum(("zxy", lead + "x", lead + "y"), lead + "z", g.const(eps), a, b)
    return moveaxis(g, out, -1, axisc)


# -- shapes ------------------------------------------------------------------------------------
@handles(np.reshape)
def reshape(g, a, /, shape=None, order="C", *, newshape=None, copy=None):
    if shape is None:
        shape = newshape
    if order != "C":
        raise Unsupported(f"numpy.reshape: order={order!r}")
    a = node(g, a)
    shape = (shape,) if not isinstance(shape, (tuple, list)) else tuple(shape)
    shape = [dim(d) if not (isinstance(d, int) and d == -1) else -1 for d in shape]
    if -1 in shape:
        known = size_of([d for d in shape if not (isinstance(d, int) and d == -1)])
        total = size_of(a.shape)
        if is_known(known) and is_known(total):
            if known == 0 or total % known:
                raise ShapeError(f"cannot reshape array of size {total} into shape {tuple(shape)}")
            rest = total // known
        else:
            import sympy
            rest = dim(sympy.cancel(total / known))
        shape = [rest if isinstance(d, int) and d == -1 else d for d in shape]
    return g.reshape(a, shape)


@handles(np.ravel)
def ravel(g, a, order="C"):
    if order != "C":
        raise Unsupported(f"numpy.ravel: order={order!r}")
    a = node(g, a)
    return g.reshape(a, (size_of(a.shape),))


@handles(np.transpose)
def transpose(g, a, axes=None):
    a = node(g, a)
    if axes is not None:
        axes = [k % a.ndim for k in axes]
    return g.transpose(a, axes)


@handles(np.swapaxes)
def swapaxes(g, a, axis1, axis2):
    a = node(g, a)
    perm = list(range(a.ndim))
    i, j = axis1 % a.ndim, axis2 % a.ndim
    perm[i], perm[j] = perm[j], perm[i]
    return g.transpose(a, perm)


@handles(np.moveaxis)
def moveaxis(g, a, source, destination):
    a = node(g, a)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ShapeError("numpy.moveaxis: source and destination must have the same number "
                         "of elements")
    src, dst = [s % a.ndim for s in src], [d % a.ndim for d in dst]
    order = [k for k in range(a.ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return g.transpose(a, order)


@handles(np.squeeze)
def squeeze(g, a, axis=None):
    return g.squeeze(node(g, a), axis)


@handles(np.expand_dims)
def expand_dims(g, a, axis):
    return g.expand_dims(node(g, a), axis)


@handles(np.atleast_1d)
def atleast_1d(g, *arys):
    out = [g.reshape(a, (1,)) if a.ndim == 0 else a for a in (node(g, x) for x in arys)]
    return out[0] if len(out) == 1 else out


@handles(np.atleast_2d)
def atleast_2d(g, *arys):
    out = []
    for a in (node(g, x) for x in arys):
        out.append(g.reshape(a, (1, 1)) if a.ndim == 0 else g.reshape(a, (1,) + a.shape)
                   if a.ndim == 1 else a)
    return out[0] if len(out) == 1 else out


@handles(np.atleast_3d)
def atleast_3d(g, *arys):
    out = []
    for a in (node(g, x) for x in arys):
        if a.ndim == 0:
            a = g.reshape(a, (1, 1, 1))
        elif a.ndim == 1:
            a = g.reshape(a, (1,) + a.shape + (1,))
        elif a.ndim == 2:
            a = g.reshape(a, a.shape + (1,))
        out.append(a)
    return out[0] if len(out) == 1 else out


@handles(np.broadcast_to)
def broadcast_to(g, array, shape, subok=False):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return g.broadcast(node(g, array), shape)


def _seq(g, name, arrays):
    if isinstance(arrays, Node) and arrays.ndim and is_known(arrays.shape[0]):
        # numpy iterates over an array's first axis
        return [g.index(arrays, (i,)) for i in range(int(arrays.shape[0]))]
    if isinstance(arrays, Node) or not isinstance(arrays, (list, tuple)):
        raise Unsupported(f"{name} of an array of a named size (not a list or tuple of arrays)")
    return list(arrays)


@handles(np.concatenate)
def concatenate(g, arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _none("numpy.concatenate", out=out, dtype=dtype)
    xs = [node(g, a) for a in _seq(g, "numpy.concatenate", arrays)]
    if axis is None:
        xs, axis = [ravel(g, x) for x in xs], 0
    return g.concat(xs, axis)


@handles(np.stack)
def stack(g, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _none("numpy.stack", out=out, dtype=dtype)
    xs = [node(g, a) for a in _seq(g, "numpy.stack", arrays)]
    if any(x.shape != xs[0].shape for x in xs):
        raise ShapeError("numpy.stack: all input arrays must have the same shape")
    axis = norm_axes(axis, xs[0].ndim + 1)[0]
    return g.concat([g.expand_dims(x, axis) for x in xs], axis)


@handles(np.vstack, getattr(np, "row_stack", None))
def vstack(g, tup, *, dtype=None, casting="same_kind"):
    xs = [atleast_2d(g, x) for x in _seq(g, "numpy.vstack", tup)]
    return g.concat(xs, 0)


@handles(np.hstack)
def hstack(g, tup, *, dtype=None, casting="same_kind"):
    xs = [node(g, a) for a in _seq(g, "numpy.hstack", tup)]
    xs = [g.reshape(x, (1,)) if x.ndim == 0 else x for x in xs]
    return g.concat(xs, 0 if xs[0].ndim == 1 else 1)


@handles(np.dstack)
def dstack(g, tup):
    xs = atleast_3d(g, *_seq(g, "numpy.dstack", tup))
    return g.concat(xs if isinstance(xs, list) else [xs], 2)


@handles(np.column_stack)
def column_stack(g, tup):
    xs = [node(g, a) for a in _seq(g, "numpy.column_stack", tup)]
    xs = [g.reshape(x, (1, 1)) if x.ndim == 0 else g.reshape(x, (x.shape[0], 1))
          if x.ndim == 1 else x for x in xs]
    return g.concat(xs, 1)


@handles(np.repeat)
def repeat(g, a, repeats, axis=None):
    a = node(g, a)
    if axis is None:
        a, axis = ravel(g, a), 0
    axis = norm_axes(axis, a.ndim)[0]
    n = a.shape[axis]
    if not is_known(n):
        raise Unsupported("numpy.repeat along an axis of a named size")
    idx = np.repeat(np.arange(n), repeats)
    key = tuple(idx if k == axis else slice(None) for k in range(a.ndim))
    return g.index(a, key)


@handles(np.tile)
def tile(g, A, reps):
    a = node(g, A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = max(a.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    a = g.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    # (r0, d0, r1, d1, ...) broadcast, then merged
    inter = []
    for r, d in zip(reps, a.shape):
        inter += [1, d]
    x = g.reshape(a, inter)
    full = []
    for r, d in zip(reps, a.shape):
        full += [r, d]
    x = g.broadcast(x, full)
    return g.reshape(x, [r * d for r, d in zip(reps, a.shape)])


@handles(np.flip)
def flip(g, m, axis=None):
    m = node(g, m)
    axes = norm_axes(axis, m.ndim)
    return g.index(m, tuple(slice(None, None, -1) if k in axes else slice(None)
                            for k in range(m.ndim)))


@handles(np.fliplr)
def fliplr(g, m):
    return flip(g, m, 1)


@handles(np.flipud)
def flipud(g, m):
    return flip(g, m, 0)


@handles(np.rot90)
def rot90(g, m, k=1, axes=(0, 1)):
    m = node(g, m)
    k %= 4
    a0, a1 = axes
    for _ in range(k):
        m = swapaxes(g, flip(g, m, a1), a0, a1)
    return m


@handles(np.roll)
def roll(g, a, shift, axis=None):
    a = node(g, a)
    if isinstance(shift, (tuple, list)) or isinstance(axis, (tuple, list)):
        shifts = list(shift) if isinstance(shift, (tuple, list)) else [shift] * len(axis)
        for s, ax in zip(shifts, axis):
            a = g.linear("roll", a, int(s), norm_axes(ax, a.ndim)[0])
        return a
    if axis is None:                # numpy rolls the flattened array, then restores the shape
        if a.ndim == 0:
            return a
        flat = g.linear("roll", g.reshape(a, (size_of(a.shape),)), int(shift), 0)
        return g.reshape(flat, a.shape)
    return g.linear("roll", a, int(shift), norm_axes(axis, a.ndim)[0])


# -- constants shaped like an array --------------------------------------------------------
def _like(value):
    def h(g, a, dtype=None, order="K", subok=True, shape=None, **kw):
        a = node(g, a)
        return g.broadcast(g.const(value), a.shape if shape is None else shape)
    return h


handles(np.zeros_like)(_like(0.0))
handles(np.ones_like)(_like(1.0))


@handles(np.full_like)
def full_like(g, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    a = node(g, a)
    return g.broadcast(node(g, fill_value), a.shape if shape is None else shape)


# -- linear algebra ---------------------------------------------------------------------------
@handles(np.linalg.inv)
def inv(g, a):
    return g.inv(node(g, a))


@handles(np.linalg.det)
def det(g, a):
    return g.det(node(g, a))


@handles(np.linalg.slogdet)
def slogdet(g, a):
    d = g.det(node(g, a))
    return g.ewise("sign", d), g.ewise("log", g.ewise("abs", d))


@handles(np.linalg.solve)
def solve(g, a, b):
    a, b = node(g, a), node(g, b)
    if a.ndim > 2:              # a stack of systems: numpy 2's rule, b a vector only if 1-d
        return matmul(g, g.inv(a), b, "numpy.linalg.solve")
    return g.solve(a, b)


_SPECTRAL = ("numpy.linalg.norm: ord={ord!r} of a matrix is a function of its singular "
             "values, which symdiff does not differentiate; use ord='fro' (or None), 1, -1, "
             "inf or -inf, or for the largest singular value a few steps of power iteration "
             "written with @")


def _matrix_norm(g, x, ord, axes, keep):
    """numpy's induced 1- and inf-norms of matrices (a max of column or row sums)."""
    if ord in (2, -2, "nuc"):
        raise NotDifferentiable(_SPECTRAL.format(ord=ord))
    r, c = axes
    if ord in (1, -1):
        sums, over = g.sum(g.ewise("abs", x), (r,), keepdims=True), c
    elif ord in (math.inf, -math.inf):
        sums, over = g.sum(g.ewise("abs", x), (c,), keepdims=True), r
    else:
        raise Unsupported(f"numpy.linalg.norm of matrices with ord={ord!r}")
    kind = "max" if ord in (1, math.inf) else "min"
    out = g.reduce(kind, sums, (over,), keepdims=True)
    return out if keep else g.squeeze(out, axes)


@handles(np.linalg.norm)
def norm(g, x, ord=None, axis=None, keepdims=False):
    x = node(g, x)
    if axis is None and ord is not None and x.ndim == 2:
        if ord == "fro":
            ord, axis = None, (0, 1)
        else:
            return _matrix_norm(g, x, ord, (0, 1), bool(keepdims))
    if axis is None:
        axes = tuple(range(x.ndim))
        if ord is not None and x.ndim > 1:
            raise ShapeError("numpy.linalg.norm: improper number of dimensions to norm")
    else:
        axes = norm_axes(axis, x.ndim)
        if len(axes) == 2 and ord not in (None, "fro"):
            return _matrix_norm(g, x, ord, axes, bool(keepdims))
    if ord == "nuc":
        raise NotDifferentiable(_SPECTRAL.format(ord=ord))
    keep = bool(keepdims)
    if ord is None or ord == 2 or ord == "fro":
        return g.ewise("sqrt", g.sum(g.mul(x, x), axes, keep))
    if ord == 1:
        return g.sum(g.ewise("abs", x), axes, keep)
    if ord == math.inf or ord == np.inf:
        return g.reduce("max", g.ewise("abs", x), axes, keep)
    if ord == -math.inf:
        return g.reduce("min", g.ewise("abs", x), axes, keep)
    if isinstance(ord, (int, float)) and ord > 0:
        p = float(ord)
        return g.pow(g.sum(g.pow(g.ewise("abs", x), p), axes, keep), 1.0 / p)
    raise Unsupported(f"numpy.linalg.norm with ord={ord!r}")


@handles(np.linalg.matrix_power)
def matrix_power(g, a, n):
    a = node(g, a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError("numpy.linalg.matrix_power: last 2 dimensions of the array must be square")
    if not isinstance(n, (int, np.integer)):
        raise ShapeError(f"numpy.linalg.matrix_power: exponent must be an integer, got {n!r}")
    n = int(n)
    if n == 0:
        return g.broadcast(g.eye(a.shape[-1]), a.shape)
    if n < 0:
        a, n = g.inv(a), -n
    out, base = None, a
    while n:                    # binary powering: O(log n) products
        if n & 1:
            out = base if out is None else matmul(g, out, base)
        n >>= 1
        if n:
            base = matmul(g, base, base)
    return out


# -- more of numpy (the functions HIPS autograd's tests differentiate) ------------------------
@handles(np.conj, np.conjugate)
def _conj(g, x, /, out=None, **kw):
    _none("numpy.conjugate", out=out, **kw)
    return node(g, x)               # real values: their own conjugate


@handles(np.imag)
def _imag(g, val):
    val = node(g, val)
    return g.broadcast(g.const(0.0), val.shape)     # real values: no imaginary part


@handles(np.angle)
def _angle(g, z, deg=False):
    z = node(g, z)                  # of a real number: pi for negative ones, else 0
    half_turn = 180.0 if deg else math.pi
    return g.ewise("where", g.ewise("signbit", z), half_turn, 0.0)


@handles(np.rollaxis)
def rollaxis(g, a, axis, start=0):
    a = node(g, a)
    n = a.ndim
    axis = norm_axes(axis, n)[0]
    if not -n <= start <= n:
        raise ShapeError(f"numpy.rollaxis: start {start} is out of bounds for an array of "
                         f"dimension {n}")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [k for k in range(n) if k != axis]
    order.insert(start, axis)
    return g.transpose(a, order)


@handles(np.gradient)
def gradient(g, f, *varargs, axis=None, edge_order=1):
    """numpy.gradient with unit spacing (or one scalar spacing): central differences
    inside, one-sided ones at the two ends (edge_order=1); a list for several axes."""
    f = node(g, f)
    if edge_order != 1:
        raise Unsupported(f"numpy.gradient: edge_order={edge_order!r}; only 1")
    if len(varargs) > 1 or any(isinstance(v, Node) or np.ndim(v) for v in varargs):
        raise Unsupported("numpy.gradient with spacings per axis or coordinate arrays; give "
                          "one scalar spacing")
    h = float(varargs[0]) if varargs else 1.0
    axes = tuple(range(f.ndim)) if axis is None else \
        tuple(norm_axes(a, f.ndim)[0] for a in ((axis,) if isinstance(axis, int) else axis))
    out = []
    for ax in axes:
        n = f.shape[ax]
        if is_known(n) and n < 2:
            raise ShapeError("numpy.gradient: shape of the array along each axis must be at "
                             "least edge_order + 1")

        def part(lo, hi):
            return g.index(f, tuple(slice(lo, hi) if k == ax else slice(None)
                                    for k in range(f.ndim)))
        first = g.sub(part(1, 2), part(0, 1))
        last = g.sub(part(-1, None), part(-2, -1))
        pieces = [first]
        if not is_known(n) or n > 2:
            pieces.append(g.div(g.sub(part(2, None), part(None, -2)), 2.0))
        pieces.append(last)
        d = g.concat(pieces, ax)
        out.append(d if h == 1.0 else g.div(d, h))
    return out[0] if len(out) == 1 else tuple(out)


@handles(np.select)
def select(g, condlist, choicelist, default=0):
    conds, choices = list(condlist), list(choicelist)
    if len(conds) != len(choices):
        raise ShapeError("numpy.select: list of cases must be same length as list of conditions")
    out = node(g, default)
    for c, v in reversed(list(zip(conds, choices))):     # the first condition that holds
        out = g.ewise("where", node(g, c), node(g, v), out)
    return out


@handles(np.append)
def append(g, arr, values, axis=None):
    arr, values = node(g, arr), node(g, values)
    if axis is None:
        return g.concat([ravel(g, arr), ravel(g, values)], 0)
    return g.concat([arr, values], axis)


@handles(np.linspace)
def linspace(g, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    _none("numpy.linspace", dtype=dtype)
    start, stop = node(g, start), node(g, stop)
    if start.ndim or stop.ndim or retstep or axis != 0:
        raise Unsupported("numpy.linspace between arrays, or with retstep= or axis=; only "
                          "between two numbers")
    num = int(num)
    if num < 0:
        raise ShapeError(f"numpy.linspace: number of samples, {num}, must be non-negative")
    div = num - 1 if endpoint else num
    if num == 0:
        return g.broadcast(g.const(0.0), (0,))
    steps = g.const(np.arange(num - 1 if endpoint and num > 1 else num) / (div or 1))
    inner = g.add(start, g.mul(g.sub(stop, start), steps))
    if endpoint and num > 1:        # numpy ends exactly at stop
        return g.concat([inner, g.reshape(stop, (1,))], 0)
    return inner


@handles(np.nan_to_num)
def nan_to_num(g, x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = node(g, x)
    big = np.finfo(np.float64).max
    hi = big if posinf is None else posinf
    lo = -big if neginf is None else neginf
    out = g.ewise("where", g.ewise("eq", x, math.inf), hi, x)
    out = g.ewise("where", g.ewise("eq", x, -math.inf), lo, out)
    return g.ewise("where", g.ewise("isnan", x), nan, out)


def index_trick(g, obj, key):
    """``numpy.r_[...]`` and ``numpy.c_[...]`` (``obj`` is ``numpy.r_`` or ``numpy.c_``):
    the items (arrays, numbers, ``start:stop:step`` ranges) concatenated, along the first
    axis (``r_``) or, as columns, along the last (``c_``)."""
    name = "numpy.r_" if obj is np.r_ else "numpy.c_"
    items = key if isinstance(key, tuple) else (key,)
    xs = []
    for it in items:
        if isinstance(it, str):
            raise Unsupported(f"{name} with the directive {it!r}")
        if isinstance(it, slice):
            if isinstance(it.step, complex):
                raise Unsupported(f"{name} with a complex step (numpy.linspace)")
            it = np.arange(it.start or 0, it.stop, it.step or 1, dtype=float)
        xs.append(node(g, it))
    if obj is np.r_:
        xs = [g.reshape(x, (1,)) if x.ndim == 0 else x for x in xs]
        return g.concat(xs, 0)
    xs = [g.reshape(x, (1, 1)) if x.ndim == 0 else g.reshape(x, (x.shape[0], 1))
          if x.ndim == 1 else x for x in xs]
    return g.concat(xs, -1)


# -- what symdiff does not differentiate: refusals that say what to write instead ---------------
_DECOMPOSITION = ("{name}: symdiff does not differentiate matrix decompositions (their "
                  "derivatives need the decomposition at run time, which the array code does "
                  "not have); {advice}")
_ADVICE = {
    "eig": "for a trace or a log-determinant use numpy.trace or numpy.linalg.slogdet; for the "
           "largest eigenvalue, a few steps of power iteration written with @",
    "eigh": "for a sum of eigenvalues use numpy.trace, for their log-sum "
            "numpy.linalg.slogdet; for the largest, power iteration written with @",
    "svd": "for the sum of squared singular values use numpy.sum(A * A) (the squared "
           "Frobenius norm), for the norm numpy.linalg.norm(A)",
    "cholesky": "for solves with a positive definite A use numpy.linalg.solve, for its "
                "log-determinant numpy.linalg.slogdet",
    "qr": "for least squares write numpy.linalg.solve(A.T @ A, A.T @ b)",
    "pinv": "for a matrix of full column rank, pinv(A) is numpy.linalg.solve(A.T @ A, A.T)",
    "lstsq": "for a matrix of full column rank write numpy.linalg.solve(A.T @ A, A.T @ b)",
}
_REFUSED_LINALG = {"eig": "eig", "eigvals": "eig", "eigvalsh": "eigh",
                   "svd": "svd", "svdvals": "svd", "qr": "qr",
                   "pinv": "pinv", "lstsq": "lstsq"}


def _unsupported(message):
    def h(g, *args, **kwargs):      # the element-wise reading may still take it
        raise Unsupported(message)
    return h


def _refuser(message):
    def h(g, *args, **kwargs):
        raise NotDifferentiable(message)
    return h


for _fname, _kind in _REFUSED_LINALG.items():
    _f = np.linalg.__dict__.get(_fname)
    if _f is not None:
        handles(_f, name=f"numpy.linalg.{_fname}")(_refuser(_DECOMPOSITION.format(
            name=f"numpy.linalg.{_fname}", advice=_ADVICE[_kind])))


@handles(np.linalg.cholesky)
def cholesky(g, a, upper=False):
    a = node(g, a)
    if upper:           # the upper factor of the matrix read from the upper triangle
        return _swap_last(g, g.cholesky(_swap_last(g, a)))
    return g.cholesky(a)


@handles(np.linalg.eigh)
def eigh(g, a, UPLO="L"):
    a = node(g, a)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return g.eigh(a, UPLO)     # (numpy's eigenvectors from 'U' may differ in sign from 'L')


def _swap_last(g, a):
    if a.ndim < 2:
        raise ShapeError(f"{a.ndim}-dimensional array given. Array must be at least "
                         "two-dimensional")
    perm = list(range(a.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return g.transpose(a, perm)


def _cumprod(g, a, axis, name):
    """The running product along ``axis`` (the IR's cumprod runs along the last axis; its
    derivative is exact where an entry is 0: rules.cumprod_parts)."""
    a = node(g, a)
    if axis is None:
        a, axis = ravel(g, a), 0
    axis = norm_axes(axis, a.ndim)[0]
    if a.ndim == 0:
        raise ShapeError(f"{name}: axis 0 is out of bounds for array of dimension 0")
    perm = [k for k in range(a.ndim) if k != axis] + [axis]
    moved = g.transpose(a, perm)
    out = g.make("cumprod", (moved,), (), moved.shape)
    back = [0] * a.ndim
    for k, p in enumerate(perm):
        back[p] = k
    return g.transpose(out, back)


@handles(np.cumprod)
def cumprod(g, a, axis=None, dtype=None, out=None):
    _none("numpy.cumprod", dtype=dtype, out=out)
    return _cumprod(g, a, axis, "numpy.cumprod")


@handles(np.nancumprod)
def nancumprod(g, a, axis=None, dtype=None, out=None):
    _none("numpy.nancumprod", dtype=dtype, out=out)
    return _cumprod(g, _filled(g, node(g, a), 1.0), axis, "numpy.nancumprod")
for _f, _fname in ((np.argsort, "argsort"), (np.argmax, "argmax"), (np.argmin, "argmin"),
                   (np.searchsorted, "searchsorted"), (np.unique, "unique"),
                   (np.nonzero, "nonzero"), (np.argwhere, "argwhere")):
    handles(_f, name=f"numpy.{_fname}")(_unsupported(
        f"numpy.{_fname} of an array that depends on the parameters gives integer positions "
        "that depend on the data, which the array code does not follow; numpy.sort, "
        "numpy.max/min and numpy.where on the values are read"))


for _f in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
           np.uint64):
    handles(_f, name=f"numpy.{_f.__name__}")(_refuser(
        f"numpy.{_f.__name__} of values that depend on the parameters: integers made from the "
        "data (used as indices, say) are not followed by symdiff; compute the indices from "
        "data that is not a parameter, or pass them in as a static argument"))
handles(np.partition, name="numpy.partition")(_refuser(
    "numpy.partition: the order it leaves the entries in is numpy's internal choice, which "
    "the array code does not follow; numpy.sort (a full sort is a partition) is read"))


# -- ndarray methods ----------------------------------------------------------------------------
def _method(fn):
    return lambda g, self, *a, **k: fn(g, self, *a, **k)


def _reshape_method(g, self, *shape, order="C"):
    if len(shape) == 1:
        shape = shape[0]
    return reshape(g, self, shape, order)


def _transpose_method(g, self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return transpose(g, self, axes or None)


def _astype(g, self, dtype, *a, **k):
    if dtype not in (float, np.float64, "float64", "float", "f8", "d"):
        raise Unsupported(f"ndarray.astype({dtype!r}): symdiff computes in float64")
    return self


def _flatten(g, self, order="C"):
    return ravel(g, self, order)


def _copy(g, self, order="C"):
    return self


METHODS = {
    "sum": FUNCTIONS[id(np.sum)][1], "prod": FUNCTIONS[id(np.prod)][1],
    "max": FUNCTIONS[id(np.max)][1], "min": FUNCTIONS[id(np.min)][1],
    "mean": mean, "var": var, "std": std, "cumsum": cumsum, "cumprod": cumprod, "trace": trace,
    "diagonal": diagonal, "dot": dot, "clip": clip, "repeat": repeat,
    "reshape": _reshape_method, "transpose": _transpose_method, "ravel": ravel,
    "flatten": _flatten, "squeeze": squeeze, "swapaxes": swapaxes, "copy": _copy,
    "astype": _astype,
}
