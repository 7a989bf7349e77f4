"""The Tensor class: a numpy array plus what autograd needs.

Sits at the centre of ``symdiff.tape``: applying a primitive (a ``Node``
subclass from ``rules``) to tensors computes the numpy result and, when grad
mode is on and an input requires grad, records a node whose
``next_functions`` point at the inputs' nodes (``AccumulateGrad`` for
leaves).  ``backward`` hands the graph to ``graph.run_backward``.  Tensors
implement ``__array_ufunc__``/``__array_function__`` so ``np.sin(t)`` and a
user's numpy-written function run on the tape.

The hot path (``_unary``/``_binary``) is kept small on purpose: ``__slots__``,
no ``np.asarray`` on results, one grad-mode lookup per operation.
"""

import operator
import warnings
import weakref

import numpy as np

from . import graph
from . import rules as R
from .grad_mode import _state
from .graph import AccumulateGrad, next_seq as _next_seq
from .printing import tensor_repr

_NO_EDGE = (None, 0)
_new = object.__new__
_ndarray = np.ndarray
_float64 = np.float64

LEAF_INPLACE_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
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
    return t


def _edge(t):
    fn = t.grad_fn
    return (fn if fn is not None else t._accumulator(), 0)


def _unary(cls, x, *params):
    """Apply a one-input primitive; ``params`` are non-differentiable constants."""
    xv = x._value
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
    return t


def _unary_op(cls):
    """The function applying one-input primitive ``cls`` (sin, exp, neg, ...).

    Made once per primitive, so the hot path is a single Python call with the
    class in a closure cell; a non-tensor argument is converted first."""
    fwd = cls.fwd
    sfwd = cls.sfwd
    fused = cls.fused
    fused_min = cls.fused_min

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
                out = fwd(xv)
        elif (record and fused is not None and type(xv) is _ndarray
              and xv.dtype == _float64 and xv.size >= fused_min):
            out, aux = fused(xv)
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
        return t
    op.__name__ = cls.__name__
    return op


def _binary_op(cls):
    """The function applying two-input primitive ``cls`` (add, mul, ...); either
    input may be a constant.  Made once per primitive (see ``_unary_op``)."""
    fwd = cls.fwd

    def op(x, y):
        if isinstance(x, Tensor):
            xv = x._value
            xr = x._requires_grad
            xvc = x._vc
            if type(xv) is _ndarray and not xv.shape:
                xv = xv[()]  # numpy is ~5x faster on scalars than on 0-d arrays
        else:
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
            yv = y
            yr = False
            yvc = None
        out = fwd(xv, yv)
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
        else:
            t.grad_fn = None
            t._requires_grad = False
        return t
    op.__name__ = cls.__name__
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
    if np.shape(rv) != v.shape:
        raise RuntimeError(f"output with shape {list(v.shape)} doesn't match the broadcast "
                           f"shape {list(np.shape(rv))}")
    rdt = np.result_type(rv)
    if not np.can_cast(rdt, v.dtype, "same_kind"):
        raise RuntimeError(f"result type {rdt.name} can't be cast to the desired output "
                           f"type {v.dtype.name}")


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
        return index._value
    if isinstance(index, tuple):
        return tuple(_index_value(i) for i in index)
    if isinstance(index, list):
        return [_index_value(i) for i in index]
    return index


def _index_node(index):
    """torch's node name for an indexing expression."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (list, np.ndarray)) for p in parts):
        return R.IndexBackward0
    if any(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts):
        return R.SelectBackward0
    return R.SliceBackward0


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Tensor:
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
        value = _to_array(data, dtype=np.float64)
        self._value = value
        self._requires_grad = False
        self.grad_fn = None
        self._grad = None
        self._acc = None
        self._hooks = None
        self._vc = None
        if requires_grad:
            self._requires_grad = True

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
            _check_float(np.result_type(self._value))
        self._requires_grad = bool(flag)

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
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing this one's memory (and version counter), cut off from the graph."""
        t = _make(self._materialize())
        t._vc = _counter(self)
        return t

    def detach_(self):
        if self.grad_fn is not None:
            self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        return _make(self._materialize())

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
        if self.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

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

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, **kwargs):
        """``x.to(dtype)``, ``x.to("cpu")``, ``x.to(device, dtype)``, ``x.to(other)``:
        self when nothing changes (torch), a converted copy otherwise."""
        from .device import check_device
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
        from .device import CPU
        return CPU

    @property
    def is_cuda(self):
        return False

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        from .device import check_device
        check_device("cuda" if device is None else device)

    def type(self, dtype):
        if np.result_type(self._value) == np.dtype(dtype):
            return self
        return _unary(R.ToCopyBackward0, self, np.dtype(dtype))

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
        return _unary(R.RsubBackward1, self, _value_of(other))

    __mul__ = __rmul__ = _binary_op(R.MulBackward0)
    __truediv__ = _binary_op(R.DivBackward0)

    def __rtruediv__(self, other):
        # torch computes c / x as reciprocal(x) * c.
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
        from .functions import matmul
        return matmul(self, other)

    def __rmatmul__(self, other):
        from .functions import matmul
        return matmul(other, self)

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
        # torch's remainder: x - floor(x / y) * y, gradient 1 w.r.t. x and
        # -floor(x / y) w.r.t. y (the quotient is a constant).
        q = _make(np.floor_divide(self._value, _value_of(other)))
        return self - q * other

    def __rmod__(self, other):
        q = _make(np.floor_divide(_value_of(other), self._value))
        return other - q * self

    # comparisons never record: they return bool tensors usable in ``if``.
    def __lt__(self, other):
        return _make(self._value < _value_of(other))

    def __le__(self, other):
        return _make(self._value <= _value_of(other))

    def __gt__(self, other):
        return _make(self._value > _value_of(other))

    def __ge__(self, other):
        return _make(self._value >= _value_of(other))

    def __eq__(self, other):
        return _make(np.equal(self._value, _value_of(other)))

    def __ne__(self, other):
        return _make(np.not_equal(self._value, _value_of(other)))

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
        """``self op= other`` in place.  When a gradient is recorded (self is a
        non-leaf, or ``other`` requires grad) the operation is recorded out of
        place on a snapshot of ``self`` and on ``other``, the result is written
        into ``self``'s memory, and ``self`` becomes that result (torch: same
        object, new grad_fn, version counter bumped)."""
        if _state.enabled and (self._requires_grad
                               or (isinstance(other, Tensor) and other._requires_grad)):
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(LEAF_INPLACE_MESSAGE)
            v = self._materialize()
            if v.base is not None:
                raise RuntimeError(VIEW_INPLACE_MESSAGE)
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
        other = _value_of(other)
        v = self._materialize()
        res = op(v, other)
        _bump(self)
        if np.shape(res) == v.shape and v.flags.writeable:
            v[...] = res
        else:
            self._value = np.asarray(res)
        return self

    def _augmented(self, op, other):
        """``self op= other``: in place, or out of place under
        ``grad_mode.value_semantics`` (code written for floats, run by sd.check)."""
        if _state.by_value:
            return op(self, other)
        return self._inplace(op, other)

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
        self._write(_index_value(index), value, R.CopySlices,
                    "a view of a leaf Variable that requires grad is being used in an "
                    "in-place operation.")

    def _write(self, index, value, cls, leaf_message):
        """``self[index] = value`` in place; recorded as ``cls`` (CopySlices...)
        when self is in the graph or value requires grad: the gradient of the
        written part goes to ``value``, the rest to self's previous history."""
        vr = isinstance(value, Tensor) and value._requires_grad
        v = self._materialize()
        if _state.enabled and (self._requires_grad or vr):
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(leaf_message)
            if v.base is not None:
                raise RuntimeError(VIEW_INPLACE_MESSAGE)
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
        index = _index_value(index)
        return _unary(_index_node(index), self, index)

    def reshape(self, *shape):
        return _unary(R.ViewBackward0, self, _normalize_shape(shape))

    def view(self, *shape):
        return _unary(R.ViewBackward0, self, _normalize_shape(shape))

    def flatten(self):
        return _unary(R.ViewBackward0, self, (-1,))

    def unsqueeze(self, dim):
        return _unary(R.UnsqueezeBackward0, self, dim)

    def squeeze(self, dim=None):
        return _unary(R.SqueezeBackward0, self, dim)

    def expand(self, *sizes):
        sizes = _normalize_shape(sizes)
        shape = self.shape
        lead = len(sizes) - len(shape)
        full = tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return _unary(R.ExpandBackward0, self, full)

    def expand_as(self, other):
        return self.expand(other.shape)

    def t(self):
        return _unary(R.TBackward0, self)

    @property
    def T(self):
        if self.ndim < 2:
            return self
        return _unary(R.PermuteBackward0, self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def transpose(self, dim0, dim1):
        return _unary(R.TransposeBackward0, self, dim0, dim1)

    def permute(self, *dims):
        return _unary(R.PermuteBackward0, self, _normalize_shape(dims))

    # ------------------------------------------------------------ reductions and math
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        from .functions import sum as _sum
        return _sum(self, dim if axis is None else axis, keepdim if keepdims is None else keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        from .functions import mean as _mean
        return _mean(self, dim if axis is None else axis, keepdim if keepdims is None else keepdims)

    def __getattr__(self, name):
        # Elementwise methods (x.exp(), x.sin(), x.clamp(0, 1), ...) come from
        # the public functions of the same name.
        if name.startswith("_"):
            raise AttributeError(name)
        from . import functions
        fn = functions.METHODS.get(name)
        if fn is None:
            raise AttributeError(f"'Tensor' object has no attribute '{name}'")
        return lambda *args, **kwargs: fn(self, *args, **kwargs)

    # ------------------------------------------------------------ numpy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .functions import UFUNCS, sum as _sum
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
            return _sum(inputs[0], kwargs.get("axis", 0), kwargs.get("keepdims", False))
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        from .functions import FUNCTIONS
        fn = FUNCTIONS.get(func)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)


graph._Tensor = Tensor


def tensor(data, requires_grad=False, dtype=None, device=None, pin_memory=False):
    """Make a leaf tensor (a copy of ``data``); Python floats become float64.

    >>> from symdiff import tape
    >>> tape.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> tape.tensor(3)
    tensor(3)
    """
    if device is not None:
        from .device import check_device
        check_device(device)
    value = _to_array(data, dtype=None if dtype is None else np.dtype(dtype))
    if requires_grad:
        _check_float(value.dtype)
    t = _make(value)
    t._requires_grad = bool(requires_grad)
    return t
