"""``tape.autograd.Function``: custom operations with a hand-written backward.

Sits on top of ``graph`` (the engine) and ``tensor``.  ``MyFn.apply(*args)``
runs ``MyFn.forward(ctx, *args)`` without recording, then records one node of
class ``MyFnBackward`` (torch's name) whose vector-Jacobian product calls
``MyFn.backward(ctx, *grads)``: under a plain ``backward()`` it runs on
tensors without recording, under ``create_graph=True`` it is recorded like
any other computation, so gradients of gradients work when ``backward`` is
written with differentiable tensor operations.

The node is also the ``ctx`` (as in torch): ``save_for_backward``,
``saved_tensors`` (an error once a backward without ``retain_graph`` freed
them), ``needs_input_grad``, ``mark_non_differentiable``,
``set_materialize_grads``, and any attribute a forward stores.  A function
with several outputs gets one node per differentiable output (torch has one
node with several outputs); each calls ``backward`` with zeros for the other
outputs' gradients, and the results add up, as the vector-Jacobian product
is linear.
"""

import functools
import warnings

import numpy as np

from .. import grad_mode as _gm
from .. import graph
from ..grad_mode import _state, no_grad
from ..graph import Node, next_seq
from ..tensor import Tensor, _capture, _edge, _make

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` gets as ``ctx`` (see the module docstring)."""

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for ``backward``; read them as ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        ctx = self._ctx
        ctx._saved = tensors
        ctx._saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``; torch's errors once a backward
        freed them or when one was modified in place since."""
        ctx = self._ctx
        if ctx._freed and ctx._saved:
            raise RuntimeError(graph.FREED_MESSAGE)
        for t, v in zip(ctx._saved, ctx._saved_versions):
            if t is not None and t._version != v:
                graph._modified(t._value, t.grad_fn, t._version, v)
        return tuple(ctx._saved)

    def mark_non_differentiable(self, *args):
        """These outputs get no gradient (``backward`` receives zeros for them)."""
        self._ctx._non_diff.update(id(t) for t in args)

    def mark_dirty(self, *args):
        """Accepted for torch compatibility: the tape records the outputs afresh."""
        self._ctx._dirty = args

    def set_materialize_grads(self, value):
        """With False, outputs that receive no gradient pass None to ``backward``."""
        self._ctx._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The recorded node of a custom Function (``<Name>Backward``); it is the ctx."""

    # No __slots__: forward may store any attribute on ctx.
    saves = False        # the engine's freed-buffer check is on saved_tensors instead
    uses_ans = False
    replays = False      # create_graph calls backward on tensors; no forward to replay
    _function = None

    def __init__(self):
        # Filled in by ``Function.apply`` once forward has run.
        self._ctx = self
        self._saved = ()
        self._saved_versions = ()
        self._freed = False
        self._non_diff = set()
        self._materialize = True
        self._dirty = ()
        self._cache = None

    def name(self):
        return type(self).__name__

    def _grads_for(self, out_index, g):
        """All inputs' gradients for gradient ``g`` of output ``out_index`` (one call
        of the user's backward per incoming gradient, shared by the inputs)."""
        cache = self._cache
        if cache is not None and cache[0] is g:
            return cache[1]
        ctx = self._ctx
        recording = isinstance(g, Tensor)
        gt = g if recording else _make(np.asarray(g))
        grads = []
        for i, shape in enumerate(ctx._out_shapes):
            if i == out_index:
                grads.append(gt)
            elif ctx._materialize:
                grads.append(_make(np.zeros(shape, dtype=ctx._out_dtypes[i])))
            else:
                grads.append(None)
        fn = ctx._function
        result = fn.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        nargs = len(ctx._arg_is_tensor)
        if len(result) < nargs or any(r is not None for r in result[nargs:]):
            raise RuntimeError(f"function {type(ctx).__name__} returned an incorrect number of "
                               f"gradients (expected {nargs}, got {len(result)})")
        out = []
        for k, pos in enumerate(ctx._tensor_positions):
            r = result[pos]
            shape = ctx._in_shapes[k]
            if r is None:
                out.append(np.zeros(shape, dtype=ctx._in_dtypes[k]) if not recording
                           else _make(np.zeros(shape, dtype=ctx._in_dtypes[k])))
                continue
            if not isinstance(r, Tensor):
                raise TypeError(f"{type(ctx).__name__}.backward returned a "
                                f"{type(r).__name__} at index {pos}: return tensors or None")
            if not _expandable(shape, r.shape):
                raise RuntimeError(f"Function {type(ctx).__name__} returned an invalid "
                                   f"gradient at index {pos} - got {list(r.shape)} but "
                                   f"expected shape compatible with {list(shape)}")
            # a private copy: the engine adds later gradients into its buffers in place
            out.append(r if recording else np.array(r._value, copy=True))
        self._cache = (g, out)
        return out


def _expandable(shape, target):
    """Whether ``shape`` broadcasts to ``target`` (torch's is_expandable_to)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


class _NodeVjps:
    """``node.vjps``: entry ``k`` gives input ``k``'s gradient from the node's output
    gradient (the user's backward runs once and is shared)."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def __getitem__(self, k):
        node = self.node
        return lambda g, ans, *args: node._grads_for(node._out_index, g)[k]


class _FunctionMeta(type):
    """Gives every Function subclass its backward node class ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,),
                            {"_function": cls, "__module__": cls.__module__})
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations, as ``torch.autograd.Function``.

    >>> from symdiff import tape
    >>> class Cube(tape.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         x, = ctx.saved_tensors
    ...         return grad_output * 3 * x ** 2
    >>> x = tape.tensor(2.0, requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y.grad_fn.name()
    'CubeBackward'
    >>> y.backward(); x.grad
    tensor(12.)
    """

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and record ``<Name>Backward`` for the outputs."""
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes no keyword arguments: pass every "
                            "input positionally, as torch requires")
        ctx = cls._backward_cls()
        ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args)
            else:
                output = cls.forward(*args)
                cls.setup_context(ctx, args, output)
        return _record(cls, ctx, args, output)


def _record(cls, ctx, args, output):
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    # Outputs that are inputs come back as new tensors sharing memory (torch: views).
    outs = tuple(_make(o._value) if isinstance(o, Tensor) and id(o) in inputs else o
                 for o in outputs)
    record = _state.enabled and any(ctx.needs_input_grad)
    tensor_args = [a for a in args if isinstance(a, Tensor)]
    if record and _gm.inference_seen[0] and any(
            t is not None and _gm.is_inference(t) for t in getattr(ctx, "_saved", ())):
        raise RuntimeError(_gm.INFERENCE_SAVED_MESSAGE)
    if record:
        ctx._tensor_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        ctx._in_shapes = tuple(a.shape for a in tensor_args)
        ctx._in_dtypes = tuple(a.dtype for a in tensor_args)
        ctx._out_shapes = tuple(np.shape(o._value) if isinstance(o, Tensor) else ()
                                for o in outs)
        ctx._out_dtypes = tuple(o.dtype if isinstance(o, Tensor) else np.float64 for o in outs)
        edges = tuple(_edge(a) if a._requires_grad else (None, 0) for a in tensor_args)
        first = True
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor) or id(outputs[k]) in ctx._non_diff:
                continue
            if o.dtype.kind not in "fc":
                continue  # integer outputs are never differentiable
            node = ctx if first else cls._backward_cls()
            first = False
            node._ctx = ctx
            node._out_index = k
            node.args = tuple(tensor_args)
            node.datas = tuple(a._value for a in tensor_args)
            node.ans = None
            node.aux = None
            node.next_functions = edges
            node._freed = False
            node._hooks = node._retained = node._sv = node._out_vc = None
            node._seq = next_seq()
            node.vjps = _NodeVjps(node)
            _capture(node, node.args)
            o.grad_fn = node
            o._requires_grad = True
    return outs[0] if single else outs


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs without
    recording, so ``create_graph`` through it gives gradients without history."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
