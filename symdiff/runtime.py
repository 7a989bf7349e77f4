"""Helpers that generated code calls: input conversion, output broadcasting, and
:func:`arrays`, the one wrapper that runs a generated kernel on arrays.

Generated code is the maths only (``F.source``: a kernel, ``def grad_f(x, y): ...``).
Everything around it is here, written once: :func:`arrays` converts the inputs,
checks shaped parameters, broadcasts, evaluates long inputs block by block, keeps
lazy (dask) arrays lazy, and shapes the outputs as a :class:`Plan` says. The only
other code generated per function is the Python-float fast path (the same lines
with ``math`` functions), which must stay inline to be fast.

Kept tiny and allocation-free on the common path (inputs already float arrays of
the broadcast shape), because they run on every call of a compiled function.
They only use ``numpy.shape``/``numpy.broadcast_to``, so lazy arrays that follow
numpy's protocols (dask) stay lazy.
"""

from __future__ import annotations

import itertools
import linecache
import math
import weakref

import numpy as np

from . import special
from .ops import catalog

_FLOAT = np.float64


class ArgumentTypeError(TypeError):
    """An argument that is not a real number or an array of real numbers."""


class ShapeMismatch(ValueError):
    """A shaped parameter's argument whose leading axes are not the declared shape."""

    def __init__(self, name, got, shape):
        self.name, self.got, self.shape = name, tuple(got), tuple(shape)
        super().__init__(f"argument {name!r} has shape {self.got}, but was declared with shape "
                         f"{self.shape} (extra trailing axes are batch axes)")


def as_input(x):
    """Python numbers and int arrays -> float64; float arrays (numpy, dask, ...) as they are.

    None, text, complex numbers and arrays of anything but real numbers raise
    ``ArgumentTypeError`` (numpy would turn None into nan and "1.5" into 1.5).
    """
    if type(x) is float:
        return _FLOAT(x)
    dtype = getattr(x, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if kind == "f":
        return x
    if kind is not None and kind in "biu":
        if not isinstance(x, (np.ndarray, np.generic)) and hasattr(x, "astype"):
            return x.astype(_FLOAT)     # int dask arrays etc.: convert lazily, not np.asarray
        return np.asarray(x, dtype=_FLOAT)[()]
    bad = non_numeric(x)
    if bad is not None:
        raise ArgumentTypeError(f"argument must be a real number or array of real numbers, got {bad}")
    return np.asarray(x, dtype=_FLOAT)[()]


_REAL = (bool, int, float, np.bool_, np.integer, np.floating)


def non_numeric(x):
    """What ``x`` is when it is not a real number or an array of real numbers
    (``"NoneType"``, ``"complex"``, ``"an array of <U1"``, ...), else None."""
    if isinstance(x, _REAL):
        return None
    if x is None or isinstance(x, (str, bytes, complex, np.complexfloating)):
        return type(x).__name__
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        kind = getattr(dtype, "kind", None)
        if kind is None:                # torch: dtypes without numpy's kind
            return f"a tensor of {dtype}" if getattr(dtype, "is_complex", False) else None
        if kind in "biuf":
            return None
        if kind != "O":
            return f"an array of {dtype}"
        for v in np.asarray(x).ravel():
            bad = non_numeric(v)
            if bad is not None:
                return f"an array containing {bad}"
        return None
    if isinstance(x, (list, tuple)):
        try:
            if np.asarray(x).dtype.kind in "biuf":
                return None
        except ValueError:              # ragged: numpy reports it when converting
            pass
        for v in x:
            bad = non_numeric(v)
            if bad is not None:
                return f"a {type(x).__name__} containing {bad}"
        return None
    try:
        float(x)                        # Fraction, Decimal, numbers with __float__
    except (TypeError, ValueError):
        return type(x).__name__
    return None


def check_shape(x, shape, name):
    """Raise ``ShapeMismatch`` unless ``x``'s leading axes are ``shape``."""
    got = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    if got[:len(shape)] != shape:
        raise ShapeMismatch(name, got, shape)


def broadcast_shapes(*shapes):
    if len(shapes) == 1:
        return tuple(shapes[0])
    return np.broadcast_shapes(*shapes)


def lazy_like(*args):
    """The first input that is not a numpy array or number (a dask array, say), or None.

    Constant outputs are broadcast against it, so they are of the same kind.
    """
    for a in args:
        if not isinstance(a, (np.ndarray, np.generic, float, int)):
            return a
    return None


def as_output(value, shape, like=None):
    """``value`` as float64 of the inputs' broadcast ``shape``: constants included.

    A derivative such as d(3*x)/dx = 3 must still come back with the shape of
    ``x``; a scalar call gives a numpy float64 scalar. With ``like`` (a lazy
    input), a constant becomes a lazy array too instead of a numpy one.
    """
    if not shape:
        return _FLOAT(value) if like is None else value + np.zeros_like(like, dtype=_FLOAT)
    if np.shape(value) == shape and getattr(value, "dtype", None) == _FLOAT:
        return value
    if like is not None:
        return np.broadcast_to(np.zeros_like(like, dtype=_FLOAT), shape) + value
    if isinstance(value, (int, float)):
        return np.full(shape, value, dtype=_FLOAT)
    out = np.broadcast_to(value, shape)
    if isinstance(out, np.ndarray):
        out = out.astype(_FLOAT)        # a writable copy, not a read-only view
    return out


def stack(values, core, shape, like=None):
    """Stack output entries into an array of shape ``core + shape``."""
    parts = [as_output(v, shape, like) for v in values]
    if all(isinstance(p, (np.ndarray, np.generic)) for p in parts):
        out = np.empty((len(parts),) + tuple(shape), dtype=_FLOAT)
        for i, p in enumerate(parts):
            out[i] = p
    else:
        out = np.stack(parts)
    return out.reshape(tuple(core) + tuple(shape))


# Inputs that take the scalar (math) path of generated functions.
PYTHON_NUMBERS = frozenset({float, int, np.float64})


def block_size(lines: int) -> int:
    """Elements per block when evaluating long arrays through a kernel of ``lines`` lines.

    The temporaries of one block should stay in cache (about 1 MiB in all). Measured
    on 1e5-1e6 points: a 3-line gradient is fastest at 65536 (1/3 the time of
    whole-array evaluation), a 25-line one at 32768, a 100-line tenth derivative at
    8192 (2.5x faster than whole arrays).
    """
    block = 65536
    while block > 4096 and block * lines > (1 << 20):
        block //= 2
    return block


def blockable(shape, block, *args) -> bool:
    """Worth evaluating block by block: large, and every input a numpy array or number."""
    if not shape:
        return False
    size = 1
    for n in shape:
        size *= n
    return size > 2 * block and all(
        isinstance(a, (np.ndarray, np.generic, float, int)) for a in args)


def blocked(kernel, shape, block, *args, single=False):
    """Rows of ``kernel(*args)``'s outputs, computed on flat blocks of the broadcast inputs.

    ``kernel`` returns a tuple of outputs (arrays of the block's length, or
    constants), or with ``single`` one output; the result has one row per output,
    of the inputs' total size.
    """
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in args]
    total = flat[0].size
    res = None
    for start in range(0, total, block):
        stop = min(start + block, total)
        outs = kernel(*[f[start:stop] for f in flat])
        if single:
            outs = (outs,)
        if res is None:
            res = np.empty((len(outs), total), dtype=_FLOAT)
        for k, o in enumerate(outs):
            res[k, start:stop] = o
    return res


def scatter(core, shape, slices, points):
    """An array of shape ``core + shape``: slices of vectorised loops and single elements."""
    out = np.zeros(tuple(core) + tuple(shape), dtype=_FLOAT)
    for index, value in slices:
        out[index] += value
    for index, value in points:
        out[index] += value
    return out


def forward_index(spec, shape):
    """An index with negative steps as the forward index over the same elements and
    the axes (of the result) to flip: for arrays that only slice forwards (torch)."""
    fwd, axes, out_axis = [], [], 0
    for k, s in enumerate(spec):
        if isinstance(s, slice):
            if s.step is not None and s.step < 0:
                n = len(range(*s.indices(shape[k])))
                last = s.start + s.step * (n - 1)
                fwd.append(slice(last, s.start + 1, -s.step))
                axes.append(out_axis)
            else:
                fwd.append(s)
            out_axis += 1
        else:
            fwd.append(s)
    return tuple(fwd), tuple(axes)


def reversed_slice(x, spec):
    """``x[spec]`` for an index with a negative step (torch: forward slice, flipped)."""
    if isinstance(x, np.ndarray) or not hasattr(x, "flip"):
        return x[spec]
    fwd, axes = forward_index(spec, tuple(x.shape))
    return x[fwd].flip(axes)


def is_point(x, core) -> bool:
    """An input of exactly the parameter's shape (no batch axes): the float path applies."""
    return isinstance(x, (np.ndarray, list, tuple)) and np.shape(x) == core


def floats(x) -> list:
    """The elements of one shaped input as Python floats, in C order."""
    return np.asarray(x, dtype=_FLOAT).ravel().tolist()


def sign(x):
    return 0.0 if x == 0 else math.copysign(1.0, x)


def heaviside(x, h0):
    return h0 if x == 0 else (1.0 if x > 0 else 0.0)


# -- running a kernel on arrays ------------------------------------------------------------

class ArrayModule:
    """The array library a kernel runs on: how inputs are converted and outputs shaped.

    numpy's (:data:`NUMPY`) also ignores floating-point warnings (nan and inf propagate:
    both sides of a data-dependent branch are evaluated and one is discarded), evaluates
    long inputs in cache-sized blocks and keeps lazy inputs lazy; the other backends
    (jax, torch, cupy) give their own conversions and none of that.
    """

    def __init__(self, name, as_input, as_output, stack, scatter, numpy_like=False):
        self.name, self.as_input, self.as_output = name, as_input, as_output
        self.stack, self.scatter, self.numpy_like = stack, scatter, numpy_like

    def __repr__(self):
        return self.name


NUMPY = ArrayModule("NUMPY", as_input, as_output, stack, scatter, numpy_like=True)


class Plan:
    """How one kernel runs on arrays, written once per function as data.

    ``cores``: each parameter's declared shape (``()`` for a scalar parameter), whose
    leading axes are checked; the other axes broadcast. ``block``: elements per block
    for long inputs of scalar parameters (0: never blocked). ``layout``: how the
    kernel's outputs are returned, as nested tuples: ``("scalar",)`` (the kernel returns
    the value itself), ``("tuple", (layout, ...))``, ``("array", core)`` (one value per
    element, C order), ``("scatter", core, slices, points)`` (values at the ``points``,
    then vectors added into the ``slices``); every kernel but a scalar one returns a
    flat tuple of values in that order. ``module``: the array library (:data:`NUMPY`).
    """

    def __init__(self, params, cores, block, layout, module=NUMPY):
        self.params, self.cores, self.block = tuple(params), tuple(cores), block
        self.layout, self.module = layout, module

    def __repr__(self):
        module = "" if self.module is NUMPY else f", module={self.module!r}"
        return (f"Plan({self.params!r}, {self.cores!r}, {self.block!r}, "
                f"{self.layout!r}{module})")


_wrappers = itertools.count()


def arrays(kernel, plan):
    """``kernel`` on arrays: a function of the parameters that converts the inputs, checks
    the shaped ones, broadcasts, runs long inputs through the kernel block by block, keeps
    lazy (dask) inputs lazy, ignores floating-point warnings (numpy) and returns the
    kernel's outputs shaped as ``plan`` says.

    The function is written from ``plan`` by :func:`wrapper_source` and compiled: a
    call walks no layout and loops over no parameter list, so it costs what the same
    lines written by hand cost (a generic loop costs ~1 µs a call, 20% of a small one).

    >>> def kernel(x, y):
    ...     return x*y, x + y
    >>> grad = arrays(kernel, Plan(("x", "y"), ((), ()), 0, ("tuple", (("scalar",), ("scalar",)))))
    >>> grad([1.0, 2.0], 3.0)
    (array([3., 6.]), array([4., 5.]))
    """
    source = wrapper_source(plan)
    module = plan.module
    namespace = {"kernel": kernel, "errstate": np.errstate, "shape_of": np.shape,
                 "as_input": module.as_input, "as_output": module.as_output,
                 "stack": module.stack, "scatter": module.scatter,
                 "check_shape": check_shape, "broadcast_shapes": broadcast_shapes,
                 "blockable": blockable, "blocked": blocked, "lazy_like": lazy_like}
    filename = f"<symdiff.runtime.arrays-{getattr(kernel, '__name__', 'kernel')}-{next(_wrappers)}>"
    exec(compile(source, filename, "exec"), namespace)
    fn = namespace["run"]
    fn.plan = plan
    register_lines(filename, source, fn)
    return fn


_forgotten: list[str] = []     # linecache entries whose functions were collected


def register_lines(filename: str, source: str, owner) -> None:
    """Show ``source`` under ``filename`` in tracebacks and ``inspect`` while ``owner``
    lives, so making and dropping thousands of functions does not grow the cache.

    The collector only notes the name; the entry is removed at the next
    registration. Removing it in the finalizer itself raced with
    ``linecache.checkcache``, which lists the cache's names and then looks each one
    up: a collection in between made it raise ``KeyError`` (seen in a doctest).
    """
    forget_collected()
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(owner, _forgotten.append, filename).atexit = False


def forget_collected() -> None:
    """Remove the linecache entries of collected functions (see ``register_lines``)."""
    while _forgotten:
        try:
            linecache.cache.pop(_forgotten.pop(), None)
        except IndexError:      # another thread took the last one
            break


def wrapper_source(plan) -> str:
    """The text of :func:`arrays`' function for ``plan``.

    >>> print(wrapper_source(Plan(("x",), ((2,),), 0, ("array", (2,)))))
    def run(x):
        with errstate(all='ignore'):
            x = as_input(x)
            check_shape(x, (2,), 'x')
            shape = broadcast_shapes(shape_of(x)[1:])
            like = lazy_like(x)
            out = kernel(x)
            return stack(out[0:2], (2,), shape, like)
    <BLANKLINE>
    """
    numpy_like = plan.module.numpy_like
    args = ", ".join(plan.params)
    body = [f"{p} = as_input({p})" for p in plan.params]
    body += [f"check_shape({p}, {core!r}, {p!r})" for p, core in zip(plan.params, plan.cores)
             if core]
    shapes = [f"shape_of({p})[{len(core)}:]" if core else f"shape_of({p})"
              for p, core in zip(plan.params, plan.cores)]
    body.append(f"shape = broadcast_shapes({', '.join(shapes)})" if shapes else "shape = ()")
    if numpy_like and plan.block and plan.params and not any(plan.cores):
        # long inputs go through the kernel in cache-sized blocks: a chain of numpy
        # operations on a few thousand elements keeps its temporaries in cache
        single = plan.layout == ("scalar",)
        body.append(f"if blockable(shape, {plan.block}, {args}):")
        body.append(f"    res = blocked(kernel, shape, {plan.block}, {args}"
                    f"{', single=True' if single else ''})")
        body.append("    return " + _rows_text(plan.layout, iter(range(plan_size(plan.layout)))))
    body.append(f"like = lazy_like({args})" if numpy_like and plan.params else "like = None")
    body.append(f"out = kernel({args})")
    if plan.layout == ("scalar",):
        body.append("return as_output(out, shape, like)")
    else:
        body.append("return " + _outputs_text(plan.layout, iter(range(plan_size(plan.layout)))))
    if numpy_like:
        # nan and inf propagate as numpy computes them, without a warning per operation
        # (both sides of a data-dependent branch are evaluated, and one is discarded)
        body = ["with errstate(all='ignore'):"] + ["    " + b for b in body]
    return "\n".join([f"def run({args}):"] + ["    " + b for b in body]) + "\n"


def plan_size(layout) -> int:
    """How many values the kernel returns for ``layout``."""
    kind = layout[0]
    if kind == "scalar":
        return 1
    if kind == "tuple":
        return sum(plan_size(item) for item in layout[1])
    if kind == "array":
        return math.prod(layout[1])
    return len(layout[2]) + len(layout[3])


def _tuple_text(parts) -> str:
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _outputs_text(layout, k) -> str:
    """The return expression over the kernel's flat outputs ``out[k]``."""
    kind = layout[0]
    if kind == "scalar":
        return f"as_output(out[{next(k)}], shape, like)"
    if kind == "tuple":
        return _tuple_text([_outputs_text(item, k) for item in layout[1]])
    if kind == "array":
        core = layout[1]
        first = next(k)
        for _ in range(math.prod(core) - 1):
            next(k)
        return f"stack(out[{first}:{first + math.prod(core)}], {core!r}, shape, like)"
    _, core, slices, points = layout
    at = [f"({p!r}, out[{next(k)}])" for p in points]
    into = [f"({s!r}, out[{next(k)}])" for s in slices]
    return f"scatter({core!r}, shape, {_tuple_text(into)}, {_tuple_text(at)})"


def _rows_text(layout, k) -> str:
    """The return expression over outputs computed block by block, rows of ``res``."""
    kind = layout[0]
    if kind == "scalar":
        return f"res[{next(k)}].reshape(shape)[()]"
    if kind == "tuple":
        return _tuple_text([_rows_text(item, k) for item in layout[1]])
    core = layout[1]
    first = next(k)
    for _ in range(math.prod(core) - 1):
        next(k)
    return f"res[{first}:{first + math.prod(core)}].reshape({core!r} + shape)"


_special_functions = None


def special_functions():
    """``_special`` of generated numpy code: the catalog's special functions (erf,
    gamma, ...) from ``scipy.special`` when scipy is installed (compiled ufuncs: same
    accuracy as ``symdiff.special``, about 1.2x faster on erf), else from
    ``symdiff.special`` (numpy only, accurate to ~1e-15); rows scipy lacks
    (polygamma) always from the latter. Both are ufunc-like, so dask stays lazy.

    Compute-then-publish, no lock: threads that race on the first call each build
    an equivalent namespace and one assignment wins; no thread can see a
    half-built one, since the global is assigned only when complete.
    """
    global _special_functions
    namespace = _special_functions
    if namespace is None:
        try:
            import scipy.special as sp
        except ImportError:
            namespace = special
        else:
            namespace = catalog.special_namespace(sp, "scipy", fallback=special)
            namespace.__name__ = "scipy.special"
        _special_functions = namespace
    return namespace
