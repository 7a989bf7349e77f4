"""The Tensor class: a numpy array plus what autograd needs.

Sits at the centre of ``symdiff.tape``: applying a primitive (a ``Node``
subclass from ``rules``) to tensors computes the numpy result and, when grad
mode is on and an input requires grad, records a node whose
``next_functions`` point at the inputs' nodes (``AccumulateGrad`` for
leaves).  ``backward`` hands the graph to ``graph.backward``.  Tensors
implement ``__array_ufunc__``/``__array_function__`` so ``np.sin(t)`` and a
user's numpy-written function run on the tape.

Layers: this module imports ``graph``, ``rules``, ``dtypes``, ``grad_mode``,
``device`` and ``printing`` (all below it).  The public functions live above it
(``functions``), which fills the tables here that methods (``x.exp()``) and the
numpy protocols (``np.sin(t)``) look up: ``METHODS``, ``INPLACE_METHODS``,
``UFUNCS``, ``FUNCTIONS``.

The hot path (``_unary``/``_binary``) is kept small on purpose: ``__slots__``,
no ``np.asarray`` on results, one grad-mode lookup per operation.
"""

import operator
import re
from builtins import any as builtins_any, sum as builtins_sum
import warnings
import weakref

import numpy as np

from . import graph
from . import rules as R
from .dtypes import (_DEFAULT, cast as _cast, default_complex, result_type as _result_type,
                     torch_name)
from . import grad_mode as _gm
from .grad_mode import _state, is_inference as _is_inference, mark_inference as _mark_inference
from .graph import AccumulateGrad, next_seq as _next_seq
from .device import CPU, check_device
from .printing import tensor_repr

# Filled by ``functions`` (which sits above this module): the function behind each
# method name (``x.exp()`` is ``functions.exp(x)``; also "sum", "mean", "matmul"),
# the method names with an in-place form ``x.exp_()``, and the numpy ufuncs and
# functions that run on tensors.
METHODS = {}
INPLACE_METHODS = set()
UFUNCS = {}
FUNCTIONS = {}

_NO_EDGE = (None, 0)
_inference_on = _gm.inference_on
_inference_seen = _gm.inference_seen
# torch never warns about inf/nan results: numpy's floating-point warnings are
# silenced around the tape's forward computations.
_quiet = lambda: np.errstate(all="ignore")  # noqa: E731
_new = object.__new__
_ndarray = np.ndarray
_float64 = np.float64
_F64_DTYPE = np.dtype(np.float64)

LEAF_INPLACE_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
LEAF_VIEW_INPLACE_MESSAGE = ("a view of a leaf Variable that requires grad is being used in an "
                             "in-place operation.")
DETACH_VIEW_MESSAGE = (
    "Can't detach views in-place. Use detach() instead. If you are using "
    "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
    "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
    "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution.")
T_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor.")
T_0D_WARNING = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
TENSOR_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
    "or sourceTensor.detach().clone().requires_grad_(True), rather than "
    "torch.tensor(sourceTensor).")
NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
    ".grad attribute won't be populated during autograd.backward(). If you indeed want "
    "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
    "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
    "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
    "information.")


def _make(value):
    """A new tensor without history around ``value`` (no copy)."""
    t = _new(Tensor)
    t._value = value
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._acc = None
    t._hooks = None
    t._vc = None
    if _inference_on[0] and _state.inference:
        _mark_inference(t)
    return t


_READS = {}


def _check_saved(cls, args):
    """torch's error when a recorded operation would save an inference tensor:
    one that the derivative rule of an input requiring grad reads."""
    if not cls.saves:
        return
    for j, a in enumerate(args):
        if isinstance(a, Tensor) and _is_inference(a):
            for k, b in enumerate(args):
                if k != j and isinstance(b, Tensor) and b._requires_grad and _reads(cls, k, j):
                    raise RuntimeError(_gm.INFERENCE_SAVED_MESSAGE)


def _reads(cls, k, j):
    """Whether ``cls``'s vjp for input ``k`` reads input ``j`` (True when unsure)."""
    key = (cls, k, j)
    r = _READS.get(key)
    if r is None:
        vjps = cls.vjps
        if isinstance(vjps, (tuple, list)):
            r = k >= len(vjps) or graph._reads_arg(vjps[k], 2 + j)
        else:
            r = True
        _READS[key] = r
    return r


def _edge(t):
    fn = t.grad_fn
    return (fn if fn is not None else t._accumulator(), 0)


def _unary(cls, x, *params):
    """Apply a one-input primitive; ``params`` are non-differentiable constants."""
    xv = x._value
    with _quiet():
        if cls.int_rule is not None and np.result_type(xv).kind in "biu":
            out = cls.int_rule(cls.fwd, xv, *params)
        else:
            out = cls.fwd(xv, *params)
    t = _make(out)
    if x._requires_grad and _state.enabled:
        t.grad_fn = node = cls((x,) + params, (xv,) + params, out, (_edge(x),))
        t._requires_grad = True
        if x._vc is not None:
            node._sv = (x._vc[0],) + (None,) * len(params)
    if type(out) is np.ndarray and out.base is not None and type(xv) is np.ndarray:
        # A view of x's memory (slicing, reshape, transpose...): one version counter.
        t._vc = _counter(x)
        if _inference_seen[0] and _is_inference(x):
            _mark_inference(t)
    return t


def _unary_op(cls):
    """The function applying one-input primitive ``cls`` (sin, exp, neg, ...).

    Made once per primitive, so the hot path is a single Python call with the
    class in a closure cell; a non-tensor argument is converted first."""
    fwd = cls.fwd
    sfwd = cls.sfwd
    fused = cls.fused
    fused_min = cls.fused_min
    int_rule = cls.int_rule

    def op(x):
        if type(x) is not Tensor and not isinstance(x, Tensor):
            x = _as_tensor(x)
        xv = x._value
        record = x._requires_grad and _state.enabled
        aux = None
        if type(xv) is _ndarray and not xv.shape:
            xv = xv[()]  # numpy is ~5x faster on scalars than on 0-d arrays
        if sfwd is not None and type(xv) is _float64:
            try:
                out = _float64(sfwd(xv))
            except (ValueError, OverflowError):
                with _quiet():
                    out = fwd(xv)
        elif (record and fused is not None and type(xv) is _ndarray
              and xv.dtype == _float64 and xv.size >= fused_min):
            out, aux = fused(xv)
        else:
            with _quiet():
                if int_rule is not None and xv.dtype.kind in "biu":
                    out = int_rule(fwd, xv)   # torch's rule for bool/int inputs
                else:
                    out = fwd(xv)
        t = _new(Tensor)
        t._value = out
        t._grad = t._acc = t._hooks = t._vc = None
        if record:
            fn = x.grad_fn
            if fn is None:
                fn = x._accumulator()
            node = _new(cls)
            node.args = (x,)
            node.datas = (xv,)
            node.ans = out
            node.aux = aux
            node.next_functions = ((fn, 0),)
            node._freed = False
            node._hooks = node._retained = node._sv = node._out_vc = None
            node._seq = _next_seq()
            t.grad_fn = node
            t._requires_grad = True
            if x._vc is not None:
                node._sv = (x._vc[0],)
        else:
            t.grad_fn = None
            t._requires_grad = False
            if _inference_on[0] and _state.inference:
                _mark_inference(t)
        return t
    op.__name__ = cls.__name__
    return op


def _object_operand(a):
    """An object array of tensors and numbers as one tensor. Code written for floats,
    run on the tape by ``sd.check``, fills ``out = np.zeros(3)`` (an object array
    there: ``namespaces.numpy_as_floats``) with tensors, then meets a shaped tensor
    (``out * x``); torch has no object arrays, so they are stacked."""
    flat = a.ravel().tolist()
    if not builtins_any(isinstance(v, Tensor) for v in flat):
        return a.astype(np.float64)
    return FUNCTIONS[np.stack]([_as_tensor(v) for v in flat]).reshape(a.shape)


def _binary_op(cls):
    """The function applying two-input primitive ``cls`` (add, mul, ...); either
    input may be a constant.  Made once per primitive (see ``_unary_op``)."""
    fwd = cls.fwd
    pyfwd = cls.pyfwd

    def op(x, y):
        if isinstance(x, Tensor):
            xv = x._value
            xr = x._requires_grad
            xvc = x._vc
            if type(xv) is _ndarray and not xv.shape:
                xv = xv[()]  # numpy is ~5x faster on scalars than on 0-d arrays
        else:
            if type(x) is _ndarray and x.dtype == object:
                return op(_object_operand(x), y)
            xv = x
            xr = False
            xvc = None
        if isinstance(y, Tensor):
            yv = y._value
            yr = y._requires_grad
            yvc = y._vc
            if type(yv) is _ndarray and not yv.shape:
                yv = yv[()]
        else:
            if type(y) is _ndarray and y.dtype == object:
                return op(x, _object_operand(y))
            yv = y
            yr = False
            yvc = None
        tx = type(xv)
        out = None
        if tx is _float64 and pyfwd is not None:
            ty = type(yv)
            if ty is _float64 or ty is float or ty is int:
                # Python's float arithmetic on the scalars (np.float64 is a float):
                # no numpy warnings to silence, and faster.
                try:
                    out = _float64(pyfwd(xv, yv))
                except ZeroDivisionError:
                    pass
        if out is None:
            ty = type(yv)
            if not ((tx is _float64 and (ty is _float64 or ty is float or ty is int))
                    or (ty is _float64 and (tx is float or tx is int))):
                xv, yv = _promote(cls, x, y, xv, yv)
            try:
                with _quiet():
                    out = fwd(xv, yv)
            except (ValueError, TypeError) as exc:
                raise _binary_error(exc, xv, yv) from None
        t = _new(Tensor)
        t._value = out
        t._grad = t._acc = t._hooks = t._vc = None
        if (xr or yr) and _state.enabled:
            if xr:
                fn = x.grad_fn
                ex = (fn if fn is not None else x._accumulator(), 0)
            else:
                ex = _NO_EDGE
            if yr:
                fn = y.grad_fn
                ey = (fn if fn is not None else y._accumulator(), 0)
            else:
                ey = _NO_EDGE
            node = _new(cls)
            node.args = (x, y)
            node.datas = (xv, yv)
            node.ans = out
            node.aux = None
            node.next_functions = (ex, ey)
            node._freed = False
            node._hooks = node._retained = node._sv = node._out_vc = None
            node._seq = _next_seq()
            t.grad_fn = node
            t._requires_grad = True
            if xvc is not None or yvc is not None:
                _capture(node, (x, y))
            if _inference_seen[0]:
                _check_saved(cls, (x, y))
        else:
            t.grad_fn = None
            t._requires_grad = False
            if _inference_on[0] and _state.inference:
                _mark_inference(t)
        return t
    op.__name__ = cls.__name__
    return op


def _promote(cls, x, y, xv, yv):
    """Cast the operands' values to torch's result dtype (``dtypes``); Python
    numbers stay Python numbers (numpy treats them as weakly typed, as torch does)."""
    xt = isinstance(x, Tensor)
    yt = isinstance(y, Tensor)
    if not xt and isinstance(xv, np.generic):
        xv = xv.item()
    if not yt and isinstance(yv, np.generic):
        yv = yv.item()
    dt = _result_type((xv, xt), (yv, yt))
    if cls is R.SubBackward0:
        _check_bool_sub(xv, yv, xt, yt)
    if hasattr(xv, "dtype"):
        xv = _cast(xv, dt)
    if hasattr(yv, "dtype"):
        yv = _cast(yv, dt)
    if cls is not None and cls.int_rule is not None and dt.kind in "biu":
        msg = broadcast_message(np.shape(xv), np.shape(yv))
        if msg is not None:
            raise RuntimeError(msg)
        xv, yv = cls.int_rule(dt, xv, yv)
    return xv, yv


def _check_bool_sub(xv, yv, xt, yt):
    xb = np.result_type(xv).kind == "b" if xt or hasattr(xv, "dtype") else isinstance(xv, bool)
    yb = np.result_type(yv).kind == "b" if yt or hasattr(yv, "dtype") else isinstance(yv, bool)
    if xb and yb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    # One bool operand: torch raises ("with a bool tensor is not supported"), but
    # sd.check runs Python code on the tape, where `x - (x < y)` is arithmetic on
    # a number: the tape computes it (tests/test_tape_systematic.py KNOWN).


def broadcast_message(a, b):
    """torch's error for shapes ``a`` and ``b`` that do not broadcast, or None."""
    n = max(len(a), len(b))
    for i in range(n - 1, -1, -1):
        off = n - 1 - i
        sa = a[len(a) - 1 - off] if len(a) - 1 - off >= 0 else 1
        sb = b[len(b) - 1 - off] if len(b) - 1 - off >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            return (f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                    f"at non-singleton dimension {i}")
    return None


def _binary_error(exc, xv, yv):
    """numpy's ValueError/TypeError of an elementwise operation as torch's RuntimeError."""
    msg = broadcast_message(np.shape(xv), np.shape(yv))
    return RuntimeError(msg if msg is not None else str(exc))


def wrap_dim(dim, ndim):
    """``dim`` as a non-negative axis of a tensor with ``ndim`` dimensions, with
    torch's IndexError out of range (a 0-d tensor accepts 0 and -1)."""
    n = ndim if ndim > 0 else 1
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return int(dim) % n


def wrap_dims(dim, ndim):
    """A reduction's ``dim`` (None, an int, or a list/tuple of ints) as numpy's
    ``axis``: None for all dimensions (and for a 0-d tensor), else normalised,
    with torch's errors for out-of-range and repeated dims."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        axes = tuple(wrap_dim(d, ndim) for d in dim)
        for a in axes:
            if axes.count(a) > 1:
                raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
        if ndim == 0 or not axes:
            return None
        return axes
    axis = wrap_dim(dim, ndim)
    return None if ndim == 0 else axis


def _compare_op(ufunc):
    """A comparison (``x < y``...): no gradient, a bool tensor; the operands are
    compared in torch's promoted dtype (a float32 tensor against a 0-d float64
    tensor compares in float32)."""
    def op(x, y):
        xv = x._value if isinstance(x, Tensor) else x
        yv = y._value if isinstance(y, Tensor) else y
        if type(xv) is not type(yv) or getattr(xv, "dtype", None) != getattr(yv, "dtype", None):
            xv, yv = _promote(None, x, y, xv, yv)
        try:
            with _quiet():
                return _make(ufunc(xv, yv))
        except ValueError as exc:
            raise _binary_error(exc, xv, yv) from None
    op.__name__ = ufunc.__name__
    return op


_UNARY_OPS = {}
_BINARY_OPS = {}


def _unary0(cls, x):
    """Apply one-input primitive ``cls`` to ``x`` (see ``_unary_op``)."""
    op = _UNARY_OPS.get(cls)
    if op is None:
        op = _UNARY_OPS[cls] = _unary_op(cls)
    return op(x)


def _binary(cls, x, y):
    """Apply two-input primitive ``cls`` to ``x`` and ``y`` (see ``_binary_op``)."""
    op = _BINARY_OPS.get(cls)
    if op is None:
        op = _BINARY_OPS[cls] = _binary_op(cls)
    return op(x, y)


def _apply(cls, args, nin):
    """Apply any primitive: the first ``nin`` args are differentiable inputs."""
    datas = tuple(a._value if isinstance(a, Tensor) else a for a in args)
    with _quiet():
        out = cls.fwd(*datas)
    t = _make(out)
    if _state.enabled:
        edges = []
        req = False
        for a in args[:nin]:
            if isinstance(a, Tensor) and a._requires_grad:
                edges.append(_edge(a))
                req = True
            else:
                edges.append(_NO_EDGE)
        if req:
            if _inference_seen[0]:
                _check_saved(cls, args)
            t.grad_fn = node = cls(args, datas, out, tuple(edges))
            t._requires_grad = True
            _capture(node, args)
    return t


def _capture(node, args):
    """Remember the versions of the inputs that have a version counter."""
    sv = tuple(a._vc[0] if isinstance(a, Tensor) and a._vc is not None else None for a in args)
    if any(v is not None for v in sv):
        node._sv = sv


def _counter(t):
    """``t``'s version counter (a one-element list shared by views), made on demand.

    A tensor without a counter is at version 0.  ``t.grad_fn`` produced ``t``
    (its ``ans`` is t's value): the node remembers the counter, so that backward
    raises torch's error if a rule that reads ``ans`` finds it modified.
    """
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    fn = t.grad_fn
    if fn is not None and fn._out_vc is None:
        fn._out_vc = (vc, vc[0])
    return vc


def _bump(t):
    """Record an in-place modification of ``t``'s memory (torch's version counter)."""
    vc = _counter(t)
    vc[0] += 1
    graph._mutated[0] = True


VIEW_INPLACE_MESSAGE = (
    "tape: an in-place operation that records a gradient on a view of another tensor's "
    "memory (a slice, reshape or transpose) is not supported, because the base tensor's "
    "graph would not be updated; call .clone() on the view first")


def _snapshot(t):
    """A new tensor object standing for ``t`` before an in-place change."""
    old = _make(t._value)
    old.grad_fn = t.grad_fn
    old._requires_grad = t._requires_grad
    return old


def _rebase(t, node):
    """Make ``node`` the grad_fn of ``t`` after an in-place operation (``t`` keeps its
    identity); retain_grad moves to the new version, as in torch."""
    fn = t.grad_fn
    if fn is not None and fn._retained is not None and fn._retained() is t:
        node._retained = fn._retained
        fn._retained = None
    t.grad_fn = node
    t._requires_grad = True


def _check_inplace_result(v, rv):
    """torch's errors for an in-place result that does not fit its tensor."""
    if np.shape(rv) != v.shape:
        raise RuntimeError(f"output with shape {list(v.shape)} doesn't match the broadcast "
                           f"shape {list(np.shape(rv))}")
    rdt = np.result_type(rv)
    if not np.can_cast(rdt, v.dtype, "same_kind"):
        raise RuntimeError(f"result type {torch_name(rdt)} can't be cast to the desired "
                           f"output type {torch_name(v.dtype)}")


def _value_of(x):
    return x._value if isinstance(x, Tensor) else x


def _as_tensor(x):
    return x if isinstance(x, Tensor) else _make(_to_array(x))


def _to_array(data, dtype=None):
    if isinstance(data, Tensor):
        return np.array(data._value, dtype=dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flatten(data)):
        data = _nested_values(data)
    return np.array(data, dtype=dtype)


def _python_floats_as_default(data, value):
    """Float data given as Python numbers takes the default dtype (numpy arrays,
    numpy scalars and tensors keep theirs), as torch.tensor does."""
    items = _flatten(data) if isinstance(data, (list, tuple)) else (data,)
    if builtins_any(isinstance(d, (np.generic, np.ndarray, Tensor)) for d in items):
        return value
    return value.astype(default_complex() if value.dtype.kind == "c" else _DEFAULT[0])


def _flatten(seq):
    for d in seq:
        if isinstance(d, (list, tuple)):
            yield from _flatten(d)
        else:
            yield d


def _nested_values(seq):
    return [(_nested_values(d) if isinstance(d, (list, tuple)) else _value_of(d)) for d in seq]


def _check_float(dtype):
    if np.dtype(dtype).kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _normalize_shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _index_value(index):
    if isinstance(index, Tensor):
        v = index._value
        if np.ndim(v) == 0 and np.result_type(v).kind in "iu":
            return int(v)  # a 0-d integer tensor selects, as an int does
        return v
    if isinstance(index, tuple):
        return tuple(_index_value(i) for i in index)
    if isinstance(index, list):
        return [_index_value(i) for i in index]
    return index


def _index_plan(index, shape=()):
    """torch's node for an indexing expression, and the numpy index to use.

    torch applies the parts of an index in turn (an int selects, a slice slices,
    None unsqueezes; ``:`` inside a tuple and ``...`` do nothing) and names the
    node after the last one; any list, array or bool makes it advanced indexing
    (a copy, ``IndexBackward0``).  Basic indexing gets a trailing ``...`` so that
    numpy returns a view even for a single element (``b[1].fill_(5.)`` writes
    into ``b``, as in torch).  In a tuple, a slice from 0 that reaches the end of
    its dimension of ``shape`` (``x[:, :3]`` of 3 columns) is skipped, as torch skips it."""
    is_tuple = isinstance(index, tuple)
    parts = index if is_tuple else (index,)
    last = None
    dim = 0
    for k, p in enumerate(parts):
        if p is None:
            last = R.IndexUnsqueezeBackward0
        elif p is Ellipsis:
            rest = builtins_sum(1 for q in parts[k + 1:] if q is not None and q is not Ellipsis)
            dim = len(shape) - rest
            continue
        elif isinstance(p, slice):
            # torch refuses a negative step; numpy code run by value (sd.check) reads
            # it as numpy does, a reversed view whose gradient scatters back the same way
            if p.step is not None and p.step <= 0 and not (p.step < 0 and _state.by_value):
                raise ValueError("step must be greater than zero")
            whole = (p.start in (None, 0) and p.step in (None, 1)
                     and (p.stop is None or (dim < len(shape) and isinstance(p.stop, int)
                                             and p.stop >= shape[dim])))
            if not is_tuple or not whole:
                last = R.SliceBackward0
            dim += 1
        elif isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)):
            return R.IndexBackward0, index
        else:
            last = R.SelectBackward0
            dim += 1
    if not any(p is Ellipsis for p in parts):
        parts = parts + (Ellipsis,)
    return (R.AliasBackward0 if last is None else last), parts


_FULL_SLICE = slice(None)


def _index_error(exc, index, shape):
    """torch's message for an index that does not fit ``shape``."""
    if not shape and not isinstance(index, tuple):
        if isinstance(index, slice):
            return "slice() cannot be applied to a 0-dim tensor."
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if index == 0:
                return ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                        "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
            return f"index {index} is out of bounds for dimension 0 with size 0"
    parts = index if isinstance(index, tuple) else (index,)
    used = [p for p in parts if p is not None and p is not Ellipsis]
    if len(used) > len(shape) and (not shape or all(
            isinstance(p, (int, np.integer, slice, list))
            or (isinstance(p, np.ndarray) and p.dtype.kind in "iu") for p in used)):
        return f"too many indices for tensor of dimension {len(shape)}"
    msg = str(exc)
    m = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        value, axis, size = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if size == 0 and any(isinstance(p, (list, np.ndarray)) for p in parts):
            return "index is out of bounds for dimension with size 0"
        # torch names the failing index by its position in the index (None and
        # ``...`` count one each), numpy by the axis it indexes
        consuming = builtins_sum(1 for p in parts if p is not None and p is not Ellipsis)
        seen = 0
        position = axis
        for k, p in enumerate(parts):
            if p is Ellipsis:
                seen += len(shape) - consuming
            elif p is not None:
                if seen == axis and not isinstance(p, slice):
                    position = k
                    break
                seen += 1
        return f"index {value} is out of bounds for dimension {position} with size {size}"
    return msg.replace(" axis ", " dimension ")


def _check_shape(shape, numel):
    """``shape`` with torch's error if it cannot hold ``numel`` elements."""
    shape = tuple(int(s) for s in shape)
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if (numel != known if -1 not in shape else (known == 0 or numel % known)):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(v, shape):
    """Whether ``v`` can take ``shape`` without a copy."""
    try:
        np.reshape(v, shape, copy=False)
        return True
    except ValueError:
        return False


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Tensor(graph.Variable):
    """A numpy-backed tensor with PyTorch's autograd semantics.

    >>> from symdiff import tape
    >>> x = tape.tensor(1.0, requires_grad=True)
    >>> y = x**2 + 2*x + 3
    >>> y.backward()
    >>> x.grad
    tensor(4.)
    """

    __slots__ = ("_value", "_requires_grad", "grad_fn", "_grad", "_acc", "_hooks", "_vc",
                 "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data=(), requires_grad=False):
        # Like torch.Tensor(...): data becomes the default float type.
        value = _to_array(data, dtype=_DEFAULT[0])
        self._value = value
        self._requires_grad = False
        self.grad_fn = None
        self._grad = None
        self._acc = None
        self._hooks = None
        self._vc = None
        if requires_grad:
            self._requires_grad = True
        if _inference_on[0] and _state.inference:
            _mark_inference(self)

    # ------------------------------------------------------------ internals
    _from_value = staticmethod(_make)

    @staticmethod
    def _apply_node(cls, args, nin):
        return _apply(cls, args, nin)

    def _accumulator(self):
        # Cached weakly, as torch does: the graph keeps it alive.
        ref = self._acc
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc = weakref.ref(acc)
        return acc

    def _materialize(self):
        """The value as a writeable ndarray (so views can share its memory)."""
        v = self._value
        if type(v) is not np.ndarray:
            v = self._value = np.array(v)
        return v

    # ------------------------------------------------------------ autograd attributes
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None:
            if flag:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach().")
        if flag:
            if _inference_seen[0] and _is_inference(self):
                # torch checks inference tensors on another path, with other words
                if np.result_type(self._value).kind != "f":
                    raise RuntimeError("only Tensors of floating point dtype can require gradients")
                if not _state.inference:
                    raise RuntimeError(_gm.INFERENCE_REQUIRES_GRAD_MESSAGE)
            _check_float(np.result_type(self._value))
        self._requires_grad = bool(flag)

    def is_inference(self):
        """Whether this tensor was made in ``inference_mode()`` (or is a view of one).

        >>> from symdiff import tape
        >>> with tape.inference_mode():
        ...     t = tape.ones(2)
        >>> t.is_inference(), tape.ones(2).is_inference()
        (True, False)
        """
        return _is_inference(self)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only) and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def _version(self):
        """How many times this tensor's memory was modified in place (torch's ``_version``)."""
        vc = self._vc
        return 0 if vc is None else vc[0]

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self.retains_grad:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = None if value is None else _as_tensor(value)

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and fn._retained is not None and fn._retained() is self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a
        returned tensor replaces the gradient.  Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = []
            hooks = node._hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        >>> from symdiff import tape
        >>> x = tape.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        """
        graph.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing this one's memory (and version counter), cut off from the graph."""
        t = _make(self._materialize())
        t._vc = _counter(self)
        if _inference_seen[0] and _is_inference(self):
            _mark_inference(t)
        return t

    def detach_(self):
        """Cut this tensor off the graph in place (torch refuses it on a view)."""
        v = self._value
        if type(v) is np.ndarray and v.base is not None and self._vc is not None:
            raise RuntimeError(DETACH_VIEW_MESSAGE)
        if self.grad_fn is not None:
            self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        t = _make(self._materialize())
        if _inference_seen[0] and _is_inference(self):
            _mark_inference(t)
        return t

    @data.setter
    def data(self, value):
        self._value = value._value if isinstance(value, Tensor) else np.asarray(value)

    # ------------------------------------------------------------ conversion
    def numpy(self):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._materialize()

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        v = self._value
        size = np.size(v)
        if size != 1:
            raise RuntimeError(f"a Tensor with {size} elements cannot be converted to Scalar")
        return v.item() if hasattr(v, "item") else v

    def tolist(self):
        return np.asarray(self._value).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if np.result_type(self._value).kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if np.size(self._value) != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __format__(self, spec):
        # torch: a 0-d tensor formats as its number (f"{loss}" is "0.25"), others
        # as object.__format__ does (str(self), and a TypeError for a spec).
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self):
        return tensor_repr(self)

    __str__ = __repr__
    __hash__ = object.__hash__

    def __len__(self):
        shape = np.shape(self._value)
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    # ------------------------------------------------------------ shape and type
    @property
    def shape(self):
        return np.shape(self._value)

    def size(self, dim=None):
        shape = np.shape(self._value)
        return shape if dim is None else shape[dim]

    @property
    def dtype(self):
        return np.result_type(self._value)

    @property
    def ndim(self):
        return np.ndim(self._value)

    def dim(self):
        return self.ndim

    def numel(self):
        return int(np.size(self._value))

    nelement = numel

    def element_size(self):
        return np.dtype(self.dtype).itemsize

    # ``x.new_*``: a new tensor with x's dtype (torch's factory methods).
    def new_tensor(self, data, dtype=None, requires_grad=False, **kwargs):
        return tensor(data, dtype=self.dtype if dtype is None else dtype,
                      requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False, **kwargs):
        value = np.full(_normalize_shape((size,)), fill_value,
                        dtype=self.dtype if dtype is None else dtype)
        return tensor(value, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False, **kwargs):
        return self.new_full(_normalize_shape(size), 0, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False, **kwargs):
        return self.new_full(_normalize_shape(size), 1, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False, **kwargs):
        return self.new_full(_normalize_shape(size), 0, dtype, requires_grad)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, **kwargs):
        """``x.to(dtype)``, ``x.to("cpu")``, ``x.to(device, dtype)``, ``x.to(other)``:
        self when nothing changes (torch), a converted copy otherwise."""
        check_device(device)
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or type(a).__name__ == "device" or (
                    isinstance(a, int) and not isinstance(a, bool)):
                check_device(a)
            else:
                dtype = a
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    @property
    def device(self):
        """Always the CPU: the tape computes with numpy."""
        return CPU

    @property
    def is_cuda(self):
        return False

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        check_device("cuda" if device is None else device)

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{torch_name(self.dtype)}Tensor"
        dtype = np.dtype(dtype)
        if np.result_type(self._value) == dtype:
            return self
        if dtype.kind not in "fc":   # an integer or bool copy has no gradient (torch)
            with _quiet():
                return _make(np.asarray(self._value, dtype=dtype))
        return _unary(R.ToCopyBackward0, self, dtype)

    def float(self):
        return self.type(np.float32)

    def double(self):
        return self.type(np.float64)

    def long(self):
        return self.type(np.int64)

    def int(self):
        return self.type(np.int32)

    def bool(self):
        return self.type(np.bool_)

    def clone(self):
        return _unary(R.CloneBackward0, self)

    # ------------------------------------------------------------ arithmetic
    __add__ = __radd__ = _binary_op(R.AddBackward0)
    __sub__ = _binary_op(R.SubBackward0)

    def __rsub__(self, other):
        if isinstance(other, Tensor):
            return _binary(R.SubBackward0, other, self)
        if isinstance(other, bool) or self.dtype.kind == "b":
            _check_bool_sub(other, self._value, False, True)
        return _unary(R.RsubBackward1, self, _value_of(other))

    __mul__ = __rmul__ = _binary_op(R.MulBackward0)
    __truediv__ = _binary_op(R.DivBackward0)

    def __rtruediv__(self, other):
        # torch computes c / x as reciprocal(x) * c (true division: floats for ints).
        if self.dtype.kind in "biu":
            return _binary(R.DivBackward0, other, self)
        return _binary(R.MulBackward0, _unary(R.ReciprocalBackward0, self), other)

    def __pow__(self, other):
        if isinstance(other, Tensor):
            return _binary(R.PowBackward1, self, other)
        return _unary(R.PowBackward0, self, other)

    def __rpow__(self, other):
        if isinstance(other, Tensor):
            return _binary(R.PowBackward1, other, self)
        return _unary(R.PowBackward2, self, other)

    def __matmul__(self, other):
        return METHODS["matmul"](self, other)

    def __rmatmul__(self, other):
        return METHODS["matmul"](other, self)

    __neg__ = _unary_op(R.NegBackward0)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(R.AbsBackward0, self)

    def __floordiv__(self, other):
        return _make(np.floor_divide(self._value, _value_of(other)))

    def __rfloordiv__(self, other):
        return _make(np.floor_divide(_value_of(other), self._value))

    def __mod__(self, other):
        # torch's remainder (Python's sign rule): gradient 1 w.r.t. x and
        # -floor(x / y) w.r.t. y (RemainderBackward0).
        return _binary(R.RemainderBackward0, self, other)

    def __rmod__(self, other):
        return _binary(R.RemainderBackward0, other, self)

    # comparisons never record: they return bool tensors usable in ``if``.
    __lt__ = _compare_op(np.less)
    __le__ = _compare_op(np.less_equal)
    __gt__ = _compare_op(np.greater)
    __ge__ = _compare_op(np.greater_equal)
    __eq__ = _compare_op(np.equal)
    __ne__ = _compare_op(np.not_equal)

    def __invert__(self):
        return _make(~self._value)

    def __and__(self, other):
        return _make(self._value & _value_of(other))

    def __or__(self, other):
        return _make(self._value | _value_of(other))

    def __rand__(self, other):
        return _make(_value_of(other) & self._value)

    def __ror__(self, other):
        return _make(_value_of(other) | self._value)

    # ------------------------------------------------------------ in-place
    def _inplace(self, op, other):
        """``self op= other`` in place.  The result is computed as ``op(self, other)``
        would be (torch's promotion), must keep self's shape and be castable to its
        dtype (torch's errors), and is written into self's memory.  When a gradient
        is recorded (self is a non-leaf, or ``other`` requires grad) the operation is
        recorded out of place on a snapshot of ``self`` and on ``other``, and
        ``self`` becomes that result (torch: same object, new grad_fn, version
        counter bumped)."""
        v = self._materialize()
        if _inference_seen[0] and not _state.inference and _is_inference(self):
            raise RuntimeError(_gm.INFERENCE_INPLACE_MESSAGE)
        if _state.enabled and (self._requires_grad
                               or (isinstance(other, Tensor) and other._requires_grad)):
            self._check_recordable_inplace(v, LEAF_INPLACE_MESSAGE)
            old = _snapshot(self)
            res = op(old, other)
            rv = res._value
            _check_inplace_result(v, rv)
            node = res.grad_fn
            if node.saves:
                # The node keeps self's old value (create_graph reads it through
                # ``old``): give it a private copy.
                keep = v.copy()
                old._value = keep
                node.datas = tuple(keep if d is v else d for d in node.datas)
            _bump(self)
            v[...] = rv
            _rebase(self, node)
            return self
        prev = _state.enabled
        _state.enabled = False
        try:
            rv = op(_make(v), other)._value
        finally:
            _state.enabled = prev
        _check_inplace_result(v, rv)
        _bump(self)
        if v.flags.writeable:
            v[...] = rv
        else:
            self._value = np.array(rv, dtype=v.dtype)
        return self

    def _augmented(self, op, other):
        """``self op= other``: in place, or out of place under
        ``grad_mode.value_semantics`` (code written for floats, run by sd.check)."""
        if _state.by_value:
            return op(self, other)
        return self._inplace(op, other)

    def _check_recordable_inplace(self, v, leaf_message):
        """torch's errors for an in-place change that autograd would have to record:
        on a leaf that requires grad, or on a view of one; a view of a non-leaf is
        beyond the tape (the base tensor's graph would not be updated)."""
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(leaf_message)
        if type(v) is np.ndarray and v.base is not None:
            fn = self.grad_fn
            while fn is not None and fn.is_view:
                fn = fn.next_functions[0][0]
            if type(fn) is AccumulateGrad:
                raise RuntimeError(LEAF_VIEW_INPLACE_MESSAGE)
            raise RuntimeError(VIEW_INPLACE_MESSAGE)

    def _inplace_fn(self, fn, *args, **kwargs):
        """``self = fn(self, ...)`` in place (``relu_``, ``clamp_``, ``exp_``...)."""
        return self._inplace(lambda a, _: fn(a, *args, **kwargs), None)

    def __iadd__(self, other):
        return self._augmented(operator.add, other)

    def __isub__(self, other):
        return self._augmented(operator.sub, other)

    def __imul__(self, other):
        return self._augmented(operator.mul, other)

    def __itruediv__(self, other):
        return self._augmented(operator.truediv, other)

    def __ipow__(self, other):
        return self._augmented(operator.pow, other)

    def add_(self, other, alpha=1):
        return self._inplace(operator.add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        if self.dtype.kind == "b" or (isinstance(other, Tensor) and other.dtype.kind == "b"):
            _check_bool_sub(self._value, _value_of(other), True, isinstance(other, Tensor))
        return self._inplace(operator.sub, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self._inplace(operator.mul, other)

    def div_(self, other):
        return self._inplace(operator.truediv, other)

    def pow_(self, exponent):
        return self._inplace(operator.pow, exponent)

    def zero_(self):
        return self._write(Ellipsis, 0.0, R.ZeroBackward0, LEAF_INPLACE_MESSAGE)

    def fill_(self, value):
        return self._write(Ellipsis, value, R.FillBackward3 if isinstance(value, Tensor)
                           else R.FillBackward2, LEAF_INPLACE_MESSAGE)

    def copy_(self, src):
        return self._write(Ellipsis, src, R.CopyBackwards, LEAF_INPLACE_MESSAGE)

    def __setitem__(self, index, value):
        # torch indexes first (a view), then writes into the view.
        index = _index_value(index)
        try:
            self._write(index, value, R.CopySlices,
                        "a view of a leaf Variable that requires grad is being used in an "
                        "in-place operation.")
        except IndexError as exc:
            raise IndexError(_index_error(exc, index, self.shape)) from None

    def _write(self, index, value, cls, leaf_message):
        """``self[index] = value`` in place; recorded as ``cls`` (CopySlices...)
        when self is in the graph or value requires grad: the gradient of the
        written part goes to ``value``, the rest to self's previous history."""
        vr = isinstance(value, Tensor) and value._requires_grad
        v = self._materialize()
        if _inference_seen[0] and not _state.inference and _is_inference(self):
            raise RuntimeError(_gm.INFERENCE_INPLACE_MESSAGE)
        if _state.enabled and (self._requires_grad or vr):
            self._check_recordable_inplace(v, leaf_message)
            old = _snapshot(self)
            vv = _value_of(value)
            edges = (_edge(old) if old._requires_grad else _NO_EDGE,
                     _edge(value) if vr else _NO_EDGE)
            if cls is R.FillBackward3 and np.ndim(vv) != 0:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got "
                                   f"tensor with {np.ndim(vv)} dimensions.")
            _bump(self)
            v[index] = vv
            node = cls((old, value, index), (v, vv, index), v, edges)
            _capture(node, (old, value, index))
            _rebase(self, node)
            return self
        _bump(self)
        v[index] = _value_of(value)
        return self

    # ------------------------------------------------------------ indexing and shape ops
    def __getitem__(self, index):
        if not self.shape and isinstance(index, Tensor) and index.ndim == 0 \
                and np.result_type(index._value).kind in "iu":
            raise IndexError("too many indices for tensor of dimension 0")
        raw = _index_value(index)
        cls, index = _index_plan(raw, self.shape)
        try:
            return _unary(cls, self, index)
        except IndexError as exc:
            raise IndexError(_index_error(exc, raw, self.shape)) from None

    def reshape(self, *shape):
        """A view when the memory allows (``ViewBackward0``), else a copy
        (``UnsafeViewBackward0``), as torch's reshape."""
        shape = _check_shape(_normalize_shape(shape), self.numel())
        v = self._value
        if type(v) is np.ndarray and not _viewable(v, shape):
            return _unary(R.UnsafeViewBackward0, self, shape)
        return _unary(R.ViewBackward0, self, shape)

    def view(self, *shape):
        """Same memory, new shape; torch's RuntimeError when that needs a copy."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
            return self.type(shape[0])
        return _unary(R.ViewBackward0, self, _check_shape(_normalize_shape(shape), self.numel()))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim..end_dim`` (all by default) into one."""
        shape = self.shape
        start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
        if not shape:
            return self.reshape(1)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self
        merged = int(np.prod(shape[start:end + 1]))
        return self.reshape(shape[:start] + (merged,) + shape[end + 1:])

    def unflatten(self, dim, sizes):
        shape = self.shape
        d = wrap_dim(dim, len(shape))
        return self.reshape(shape[:d] + tuple(sizes) + shape[d + 1:])

    def unsqueeze(self, dim):
        return _unary(R.UnsqueezeBackward0, self, wrap_dim(dim, self.ndim + 1))

    def squeeze(self, dim=None):
        """Drop dimensions of size 1 (only those among ``dim``): as torch, a named
        dimension whose size is not 1 is left alone."""
        if dim is None:
            return _unary(R.SqueezeBackward0, self, None)
        if isinstance(dim, (tuple, list)):
            axes = tuple(wrap_dim(d, self.ndim) for d in dim)
            return _unary(R.SqueezeBackward2, self, axes if self.ndim else ())
        axis = wrap_dim(dim, self.ndim)
        return _unary(R.SqueezeBackward1, self, axis if self.ndim else ())

    def expand(self, *sizes):
        sizes = _normalize_shape(sizes)
        shape = self.shape
        lead = len(sizes) - len(shape)
        if lead < 0:
            raise RuntimeError(
                f"expand(torch.DoubleTensor{{{list(shape)}}}, size={list(sizes)}): the number of "
                "sizes provided (%d) must be greater or equal to the number of dimensions in the "
                "tensor (%d)" % (len(sizes), len(shape)))
        if not shape and any(s < 0 for s in sizes):
            # torch multiplies the sizes before it checks them (of a 0-d tensor)
            raise RuntimeError("numel: integer multiplication overflow")
        full = tuple(shape[i - lead] if s == -1 and i >= lead else s
                     for i, s in enumerate(sizes))
        for i, (s, f) in enumerate(zip(shape, full[lead:])):
            if s != f and s != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({f}) must match the existing size ({s}) "
                    f"at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(shape)}")
        for i in range(lead):
            if sizes[i] == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        return _unary(R.ExpandBackward0, self, full)

    def expand_as(self, other):
        return self.expand(other.shape)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D")
        return _unary(R.TBackward0, self)

    @property
    def T(self):
        n = self.ndim
        if n != 2:
            warnings.warn(T_0D_WARNING if n == 0 else T_WARNING, UserWarning, stacklevel=2)
        return _unary(R.PermuteBackward0, self, tuple(reversed(range(n))))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def transpose(self, dim0, dim1):
        n = self.ndim
        d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
        if n == 0:
            return _unary(R.TransposeBackward0, self.reshape(1), 0, 0).reshape(())
        return _unary(R.TransposeBackward0, self, d0, d1)

    swapaxes = swapdims = transpose

    def permute(self, *dims):
        dims = _normalize_shape(dims)
        n = self.ndim
        if len(dims) != n:
            raise RuntimeError(
                "permute(sparse_coo): number of dimensions in the tensor input does not match "
                "the length of the desired ordering of dimensions i.e. input.dim() = "
                f"{n} is not equal to len(dims) = {len(dims)}")
        axes = tuple(wrap_dim(d, n) for d in dims)
        if len(set(axes)) != len(axes):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return _unary(R.PermuteBackward0, self, axes)

    def contiguous(self, memory_format=None):
        """Self if its memory is in row-major order, else a row-major copy (``CloneBackward0``)."""
        v = self._value
        if type(v) is not np.ndarray or v.flags.c_contiguous:
            return self
        return _unary(R.CloneBackward0Contiguous, self)

    def is_contiguous(self, memory_format=None):
        v = self._value
        return type(v) is not np.ndarray or bool(v.flags.c_contiguous)

    # ------------------------------------------------------------ reductions and math
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        return METHODS["sum"](self, dim if axis is None else axis, keepdim if keepdims is None else keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        return METHODS["mean"](self, dim if axis is None else axis, keepdim if keepdims is None else keepdims)

    def __getattr__(self, name):
        # Methods such as x.exp(), x.clamp(0, 1), x.argmax(dim=1) come from the
        # public functions of the same name; x.exp_() & co. are their in-place forms.
        if name.startswith("_"):
            raise AttributeError(name)
        fn = METHODS.get(name)
        if fn is not None:
            return lambda *args, **kwargs: fn(self, *args, **kwargs)
        if name.endswith("_") and name[:-1] in INPLACE_METHODS:
            fn = METHODS[name[:-1]]
            return lambda *args, **kwargs: self._inplace_fn(fn, *args, **kwargs)
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")

    def __dir__(self):
        # Tab completion lists the methods served by __getattr__ too.
        names = set(object.__dir__(self)) | set(METHODS)
        names |= {n + "_" for n in INPLACE_METHODS}
        return sorted(names)

    # ------------------------------------------------------------ numpy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:
            # ``a += t`` with a numpy array ``a`` is np.add(a, t, out=(a,)); under
            # value semantics its value is simply what ``a`` is bound to next
            if not (_state.by_value and method == "__call__"
                    and not any(isinstance(o, Tensor) for o in out)):
                return NotImplemented
            kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        if method == "__call__":
            fn = UFUNCS.get(ufunc)
            if fn is None:
                return NotImplemented
            return fn(*inputs, **kwargs)
        if method == "reduce" and ufunc is np.add:
            return METHODS["sum"](inputs[0], kwargs.get("axis", 0), kwargs.get("keepdims", False))
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        fn = FUNCTIONS.get(func)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)


def tensor(data, requires_grad=False, dtype=None, device=None, pin_memory=False):
    """Make a leaf tensor (a copy of ``data``); Python floats become float64.

    >>> from symdiff import tape
    >>> tape.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> tape.tensor(3)
    tensor(3)
    """
    if isinstance(data, Tensor):
        warnings.warn(TENSOR_COPY_WARNING, UserWarning, stacklevel=2)
    if device is not None:
        check_device(device)
    value = _to_array(data, dtype=None if dtype is None else np.dtype(dtype))
    if dtype is None and value.dtype.kind in "fc" and _DEFAULT[0] != _F64_DTYPE:
        value = _python_floats_as_default(data, value)
    if requires_grad:
        _check_float(value.dtype)
    t = _make(value)
    t._requires_grad = bool(requires_grad)
    return t
