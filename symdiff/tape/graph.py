"""The backward graph and the engine that walks it.

Sits under ``rules`` (which makes one ``Node`` subclass per primitive, named
like torch's: ``MulBackward0``...) and ``tensor`` (which creates nodes when a
primitive is applied to tensors that require grad); it imports neither: tensors
are ``Variable``s here.  ``backward`` and ``grad`` are torch.autograd's entry
points; ``run_backward`` is the engine behind them: an iterative DFS counts
dependencies, Kahn's algorithm orders the nodes (no recursion, so graphs of
100k nodes are fine), and each node's vector-Jacobian products are looked up in
its class's rule table.  With ``create_graph=True`` the rules run on tensors
(numpy functions dispatch back to the tape), so gradients are differentiable.
"""

import heapq
import itertools
import threading

import numpy as np

from . import grad_mode

# Every node gets the next number when it is recorded.  A node is recorded after
# the nodes of its inputs, so decreasing numbers are a topological order of any
# backward graph: the engine needs no dependency-counting pass.
next_seq = itertools.count(1).__next__

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")

class Variable:
    """What the engine knows of a tensor: ``tensor.Tensor`` is its subclass.

    The engine sits below the Tensor class, so it never imports it: it tells
    tensors apart with ``isinstance(x, Variable)`` and makes new ones (gradients,
    the replayed forward of ``create_graph``) through the subclass, which
    registers itself by subclassing (``__init_subclass__``), as ``wrap`` and
    ``apply`` do.  A subclass provides ``_from_value(array)`` (a tensor without
    history) and ``_apply_node(cls, args, nin)`` (apply a primitive, recording it).
    """

    __slots__ = ()
    _concrete = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Variable in cls.__bases__:
            Variable._concrete = cls


def wrap(value):
    """A tensor without history around the array ``value``."""
    return Variable._concrete._from_value(value)


def apply(cls, args, nin):
    """Apply primitive ``cls`` to ``args`` on the tape, recording it when an input
    requires grad (the first ``nin`` args are its differentiable inputs): how the
    rules run on tensors under ``create_graph``."""
    return Variable._concrete._apply_node(cls, args, nin)


def tensor_in(*values):
    """Whether any of ``values`` is a tensor (the rules then run on the tape)."""
    for v in values:
        if isinstance(v, Variable):
            return True
    return False


class Node:
    """A recorded operation: torch's ``grad_fn`` objects.

    ``args`` are the operation's inputs as given (tensors and constants),
    ``datas`` the same with tensors replaced by their arrays at forward time,
    ``ans`` the forward result array.  Subclasses (one per primitive) carry
    ``fwd``, ``vjps`` (one function ``vjp(g, ans, *datas)`` per differentiable
    input) and ``saves`` (whether backward needs saved values, which decides if
    a second backward without ``retain_graph`` raises, as in torch).
    """

    __slots__ = ("args", "datas", "ans", "aux", "next_functions", "_freed", "_hooks",
                 "_retained", "_sv", "_out_vc", "_seq", "__weakref__")
    fwd = None
    sfwd = None  # optional math-module forward for float64 scalars (same libm result)
    vjps = ()
    # Optional fused forward for large float64 arrays, ``fused(x) -> (ans, aux)``:
    # ``aux`` is what backward needs (cos x for sin), computed in the same pass and
    # kept on the node; ``aux_vjps[i](g, ans, aux)`` then replace ``vjps`` (not
    # under create_graph, where the rules must run on tensors).
    fused = None
    fused_min = 0       # smallest array size worth the fused forward
    aux_vjps = ()
    saves = True
    uses_ans = True
    is_view = False     # the output is a view of the first input's memory
    # torch's rule for bool/integer inputs where numpy's differs: for one input
    # ``int_rule(fwd, x, *params) -> out`` (sqrt computes in float64, floor of an
    # int is the int, relu of a bool raises); for two inputs
    # ``int_rule(dtype, x, y) -> (x, y)`` on the promoted values (hypot raises).
    int_rule = None
    # Optional forward on Python floats for float64 scalars (``float.__mul__``...):
    # exact IEEE arithmetic like numpy's, without numpy's per-call warning checks.
    pyfwd = None
    # Whether ``create_graph`` re-applies the forward on tensors to get a
    # differentiable ``ans`` for the vjps (custom Functions have no forward to replay).
    replays = True

    def __init__(self, args, datas, ans, next_functions):
        self.args = args
        self.datas = datas
        self.ans = ans
        self.aux = None
        self.next_functions = next_functions
        self._freed = False
        self._hooks = None
        self._retained = None
        # Version counters (torch's ``_version``): ``_sv`` holds the versions of
        # the inputs that had a counter when this node was recorded, ``_out_vc``
        # the counter and version of the output buffer ``ans`` once someone can
        # write into it.  Both stay None unless in-place operations are used.
        self._sv = None
        self._out_vc = None
        self._seq = next_seq()

    def name(self):
        """torch's name of this backward node, e.g. ``"MulBackward0"``."""
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _rules(self):
        """The vjps and what they read: the saved inputs, or the fused forward's
        ``aux`` (``_run_fast`` inlines this choice: it runs once per node)."""
        if self.aux is None:
            return self.vjps, self.datas
        return self.aux_vjps, (self.aux,)

    def __call__(self, *grads):
        # torch nodes are callable on gradients; handy for teaching.
        g = grads[0]
        g = g._value if isinstance(g, Variable) else g
        vjps, args = self._rules()
        outs = []
        for i, (child, _) in enumerate(self.next_functions):
            outs.append(None if child is None else _wrap(_unbroadcast(
                vjps[i](g, self.ans, *args), np.shape(self.datas[i]))))
        return tuple(outs)


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self, (), (), None, ())
        self.variable = variable


def _reads_arg(fn, pos):
    """Whether function ``fn`` reads its positional parameter ``pos`` (True when unsure)."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_argcount <= pos or code.co_flags & 0x0C:
        return True
    name = code.co_varnames[pos]
    if name in code.co_cellvars:
        return True
    import dis
    for ins in dis.get_instructions(code):
        if ins.opname.startswith("LOAD_FAST"):
            val = ins.argval
            if val == name or (isinstance(val, tuple) and name in val):
                return True
    return False


def primitive(name, fwd, *vjps, saves=True):
    """Make the Node subclass for one primitive (its class name is torch's name).

    ``uses_ans`` records whether some vjp reads the forward result: only then
    does an in-place change of that result invalidate the node (torch's
    version-counter error)."""
    uses_ans = saves and any(_reads_arg(v, 1) for v in vjps)
    return type(name, (Node,), {"__slots__": (), "fwd": staticmethod(fwd),
                                "vjps": vjps, "saves": saves, "uses_ans": uses_ans})


# Set to True the first time any tensor is modified in place; until then
# backward skips the version checks entirely.
_mutated = [False]

MODIFIED_MESSAGE = (
    "one of the variables needed for gradient computation has been modified by an "
    "inplace operation: {what} is at version {now}; expected version {saved} instead. "
    "Hint: enable anomaly detection to find the operation that failed to compute its "
    "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")

from .dtypes import TORCH_NAMES as _TORCH_TYPES  # noqa: E402


def _modified(value, fn, now, saved):
    """torch's error for a saved value that was modified in place."""
    dtype = np.result_type(value).name
    what = (f"[torch.{_TORCH_TYPES.get(dtype, dtype)}Tensor "
            f"[{', '.join(map(str, np.shape(value)))}]]")
    if fn is not None:
        op = type(fn).__name__
        op = op[:-len("Backward0")] if op.endswith("Backward0") else op
        what += f", which is output 0 of {op},"
    raise RuntimeError(MODIFIED_MESSAGE.format(what=what, now=now, saved=saved))


def _check_versions(node):
    """Raise torch's error if a value this node saved was modified in place since."""
    sv = node._sv
    for i, a in enumerate(node.args):
        if isinstance(a, Variable) and a._vc is not None:
            saved = 0 if sv is None or sv[i] is None else sv[i]
            if a._vc[0] != saved:
                _modified(a._value, a.grad_fn, a._vc[0], saved)
    out = node._out_vc
    if out is not None and node.uses_ans and out[0][0] != out[1]:
        _modified(node.ans, node, out[0][0], out[1])


class Indexed:
    """vjps of a variadic primitive (cat, stack): ``vjps[i]`` passes ``i`` along."""

    def __init__(self, fn):
        self.fn = fn

    def __getitem__(self, i):
        fn = self.fn
        return lambda g, ans, *args: fn(i, g, ans, *args)


def _unbroadcast(g, shape):
    """Sum a broadcast gradient back down to an input's ``shape``."""
    gshape = np.shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
        gshape = gshape[extra:]
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and gshape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if np.shape(g) != shape:  # e.g. a scalar gradient for an array input
        g = np.broadcast_to(g, shape)
    return g


_wrap = wrap


def _edge(t):
    """The node a gradient for tensor ``t`` flows into, or None."""
    if t.grad_fn is not None:
        return t.grad_fn
    if t._requires_grad:
        return t._accumulator()
    return None


def _call_hooks(hooks, g, create_graph):
    for hook in hooks:
        tg = g if create_graph else _wrap(g)
        r = hook(tg)
        if r is not None:
            g = r if create_graph else (r._value if isinstance(r, Variable) else r)
    return g


# Held while a gradient is added into a leaf's .grad. As in torch (AccumulateGrad
# takes the leaf's mutex), backward passes running in several threads may share
# leaves: without it, two read-add-store sequences interleave and one thread's
# contribution is lost (numpy's in-place add also releases the GIL on large
# arrays). One lock for all leaves: it is held for one addition, uncontended
# costs ~0.1 us.
_ACCUMULATE = threading.Lock()


def _accumulate_leaf(var, g, create_graph, steal=False):
    """Add ``g`` into ``var.grad``; ``steal``: ``g`` is the engine's own buffer,
    so a first gradient takes it without a copy. Thread-safe (``_ACCUMULATE``)."""
    with _ACCUMULATE:
        _accumulate_locked(var, g, create_graph, steal)


def _accumulate_locked(var, g, create_graph, steal):
    old = var._grad
    if create_graph:
        if not isinstance(g, Variable):
            g = _wrap(g)
        var._grad = g if old is None else old + g
        return
    if isinstance(g, Variable):
        g = g._value
    dtype = var._value.dtype
    if old is None:
        if steal and type(g) is _ndarray and g.dtype == dtype:
            var._grad = _wrap(g)
        else:
            # A private copy: rules may hand the same array to several inputs.
            var._grad = _wrap(np.array(g, dtype=dtype))
    elif (not old._requires_grad and type(old._value) is np.ndarray
          and old._value.flags.writeable and np.shape(g) == old._value.shape):
        old._value += g  # torch accumulates in place: ``g = x.grad`` stays valid
    else:
        var._grad = _wrap(np.asarray(old._value + g, dtype=dtype))


_ndarray = np.ndarray


def _run_fast(root_nodes, grads, retain_graph, check):
    """The engine loop of ``Tensor.backward`` without ``create_graph``.

    Nodes run in decreasing recording order (a heap on ``_seq``), so a node runs
    after every node that sends it a gradient.  Gradient buffers that the
    engine made itself (fresh results of a rule, or sums) are "owned": further
    contributions are added into them in place, and a leaf takes an owned
    buffer as its ``.grad`` without copying."""
    owned = set()
    heap = [(-n._seq, n) for n in root_nodes]
    heapq.heapify(heap)
    pop = heapq.heappop
    push = heapq.heappush
    prev_mode = grad_mode._state.enabled
    grad_mode._state.enabled = False
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            while heap:
                node = pop(heap)[1]
                g = grads.pop(node)
                if type(node) is AccumulateGrad:
                    var = node.variable
                    if var._hooks:
                        g = _call_hooks(var._hooks, g, False)
                        _accumulate_leaf(var, g, False)
                    else:
                        _accumulate_leaf(var, g, False, node in owned)
                    continue
                if node._hooks:
                    g = _call_hooks(node._hooks, g, False)
                if node._retained is not None:
                    t = node._retained()
                    if t is not None:
                        _accumulate_leaf(t, g, False)
                if node.saves:
                    if node._freed:
                        raise RuntimeError(FREED_MESSAGE)
                    if check:
                        _check_versions(node)
                args = node.datas
                ans = node.ans
                vjps = node.vjps
                if node.aux is not None:
                    vjps = node.aux_vjps
                    args = (node.aux,)
                i = -1
                for child, _ in node.next_functions:
                    i += 1
                    if child is None:
                        continue
                    gi = vjps[i](g, ans, *args)
                    fresh = False
                    if type(gi) is _ndarray:
                        shape = args[i].shape
                        if gi.shape != shape:
                            gi = _unbroadcast(gi, shape)
                        elif (gi.base is None and gi is not g and gi is not ans
                              and not any(gi is d for d in args)):
                            fresh = True  # a new array made by the rule: ours
                    prev = grads.get(child)
                    if prev is None:
                        grads[child] = gi
                        push(heap, (-child._seq, child))
                        if fresh:
                            owned.add(child)
                    elif child in owned and np.result_type(prev, gi) == prev.dtype:
                        np.add(prev, gi, out=prev)
                    else:
                        total = prev + gi
                        grads[child] = total
                        if type(total) is _ndarray:
                            owned.add(child)
                        else:
                            owned.discard(child)
                if not retain_graph:
                    node._freed = True
    finally:
        grad_mode._state.enabled = prev_mode


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None):
    """Back-propagate ``root_grads`` from ``roots``.

    Without ``inputs`` the gradients are accumulated into the leaves' ``.grad``
    (``Tensor.backward``); with ``inputs`` nothing is accumulated and the
    gradients reaching those tensors are returned (``tape.grad``), None where
    an input was not reached.
    """
    grads = {}
    root_nodes = []
    for i, (t, g) in enumerate(zip(roots, root_grads)):
        node = _edge(t)
        if node is None:
            raise RuntimeError(f"element {i} of tensors does not require grad "
                               "and does not have a grad_fn")
        if create_graph:
            if not isinstance(g, Variable):
                g = _wrap(g)
        elif isinstance(g, Variable):
            g = g._value
        if node in grads:
            grads[node] = grads[node] + g
        else:
            grads[node] = g
            root_nodes.append(node)

    check = _mutated[0]
    if inputs is None and not create_graph:
        _run_fast(root_nodes, grads, retain_graph, check)
        return None

    # Dependency counts by an iterative DFS over next_functions.
    deps = dict.fromkeys(root_nodes, 0)
    stack = list(root_nodes)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                    stack.append(child)

    # Kahn's algorithm: a node runs once every consumer has sent its gradient.
    order = []
    ready = [n for n in root_nodes if deps[n] == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)

    targets = None
    needed = None
    if inputs is not None:
        targets = {}
        for t in inputs:
            targets[_edge(t)] = None
        # Only nodes from which some input is reachable need to run.
        needed = set()
        for node in reversed(order):
            if node in targets or any(c in needed for c, _ in node.next_functions
                                      if c is not None):
                needed.add(node)

    prev_mode = grad_mode._state.enabled
    grad_mode._state.enabled = bool(create_graph)
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for node in order:
                if needed is not None and node not in needed:
                    continue
                g = grads.pop(node, None)
                if g is None:
                    continue
                if type(node) is AccumulateGrad:
                    var = node.variable
                    if var._hooks:
                        g = _call_hooks(var._hooks, g, create_graph)
                    if targets is not None:
                        if node in targets:
                            targets[node] = g
                    else:
                        _accumulate_leaf(var, g, create_graph)
                    continue
                if node._hooks:
                    g = _call_hooks(node._hooks, g, create_graph)
                if node._retained is not None:
                    t = node._retained()
                    if t is not None:
                        _accumulate_leaf(t, g, create_graph)
                if targets is not None and node in targets:
                    targets[node] = g
                if node._freed and node.saves:
                    raise RuntimeError(FREED_MESSAGE)
                if check and node.saves:
                    _check_versions(node)
                if create_graph:
                    args = node.args
                    ans = (apply(type(node), args, len(node.next_functions))
                           if node.replays else None)
                    vjps = node.vjps
                else:
                    vjps, args = node._rules()
                    ans = node.ans
                for i, (child, _) in enumerate(node.next_functions):
                    if child is None or (needed is not None and child not in needed):
                        continue
                    gi = vjps[i](g, ans, *args)
                    shape = args[i].shape
                    if gi.shape != shape:
                        gi = _unbroadcast(gi, shape)
                    if child in grads:
                        grads[child] = grads[child] + gi
                    else:
                        grads[child] = gi
                if not retain_graph:
                    node._freed = True
    finally:
        grad_mode._state.enabled = prev_mode
    if targets is not None:
        return [targets[_edge(t)] for t in inputs]
    return None


# ---------------------------------------------------------------- entry points
def _seq(x):
    if isinstance(x, Variable):
        return [x]
    return list(x)


def _make_grads(outputs, grad_outputs):
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and np.size(out._value) != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones_like(np.asarray(out._value))
            if not g.shape:
                g = g[()]  # a numpy scalar: much faster than a 0-d array in the rules
        else:
            gshape = np.shape(g._value if isinstance(g, Variable) else g)
            if gshape != out.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {_size(gshape)} "
                    f"and output[{i}] has a shape of {_size(out.shape)}.")
        grads.append(g)
    return grads


def _size(shape):
    return f"torch.Size({list(shape)})"


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward)."""
    outputs = _seq(tensors)
    if isinstance(tensors, Variable):
        grad_tensors = [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(outputs)
    else:
        grad_tensors = _seq(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_tensors)
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs)
        for t, g in zip(inputs, res):
            if g is not None:
                _accumulate_leaf(t, g, create_graph)
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, as a tuple (torch.autograd.grad).

    >>> from symdiff import tape
    >>> x = tape.tensor(3.0, requires_grad=True)
    >>> (dx,) = tape.grad(x**2 - 2*x + 1, x, create_graph=True)
    >>> dx
    tensor(4., grad_fn=<AddBackward0>)
    >>> tape.grad(dx, x)
    (tensor(2.),)
    """
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _seq(grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs)
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs)
    out = []
    for i, (t, g) in enumerate(zip(inputs, res)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
        elif isinstance(g, Variable):
            out.append(g)
        else:
            out.append(wrap(np.array(g, dtype=t.dtype)))
    return tuple(out)
