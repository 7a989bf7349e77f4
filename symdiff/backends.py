"""Backends other than numpy: ``numba`` (fused loops), ``jax``, ``torch``, ``cupy``.

Where this sits: the last stage of the pipeline, above ``codegen``. ``codegen``
turns the graph into CSE'd ``(target, expr)`` lines and output expressions and,
for ``backend != "numpy"``, hands them to the generator registered for that
backend in ``codegen.BACKENDS``: :func:`generate` here, registered on import.

* ``numba``: for functions of scalar parameters (elementwise functions) the lines
  are printed once as scalar ``math`` code inside one loop over the points, which
  ``numba.njit`` compiles on the first call: every output is written in a single
  pass, with no temporary arrays (what JAX's jit gets from XLA fusion). Inputs are
  broadcast first; the results have exactly the numpy backend's layout. Functions
  with shaped parameters get the numpy code.
* ``jax`` / ``torch`` / ``cupy``: the numpy backend's array code, with ``numpy``
  bound to ``jax.numpy`` (and ``jax.jit`` applied), a small torch shim, or
  ``cupy`` (lambdify's "modules" idea). Results are that library's arrays.

The package behind a backend is imported only when a function is compiled; a
missing one is reported by :func:`require` when ``sd.symbolic(backend=...)`` runs.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math

import numpy as np

from . import codegen, runtime
from .ops import catalog
from .errors import SymdiffError

BACKENDS = ("numpy", "numba", "jax", "torch", "cupy")

# backend -> (module to import, install hint)
_PACKAGES = {
    "numba": ("numba", 'pip install -e ".[numba]" (in the symdiff checkout) or pip install numba'),
    "jax": ("jax", 'pip install -e ".[jax]" (in the symdiff checkout) or pip install jax'),
    "torch": ("torch", 'pip install -e ".[compare]" (in the symdiff checkout; torch==2.13.0)'),
    "cupy": ("cupy", "pip install cupy-cuda12x (needs an NVIDIA GPU)"),
}


class BackendError(SymdiffError):
    """A function that a backend cannot compile (e.g. polygamma under numba)."""


def require(backend: str) -> None:
    """Raise ``ValueError`` for an unknown backend, ``ImportError`` if its package is missing.

    >>> require("numpy")
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
    if backend in _PACKAGES:
        module, hint = _PACKAGES[backend]
        if importlib.util.find_spec(module) is None:
            raise ImportError(f"backend {backend!r} needs {module}: {hint}")


def generate(backend: str, spec: codegen.Spec) -> codegen.Compiled:
    """Compile ``spec`` (``codegen.Spec``: the CSE'd lines) for ``backend`` (see module doc)."""
    require(backend)
    if backend == "numba":
        if not spec.params or any(spec.shapes.get(p) for p in spec.params) or spec.lanes:
            return codegen.compile_kernel(spec, codegen.numpy_namespace(), runtime.NUMPY,
                                          fast_path=True, note="numba backend: shaped (or no) "
                                          "parameters use numpy code")
        return _numba(spec)
    namespace = {"jax": _jax_namespace, "torch": _torch_namespace,
                 "cupy": _cupy_namespace}[backend]()
    module = runtime.ArrayModule(backend, namespace["_in"], namespace["_out"],
                                 namespace["_stack"], namespace["_scatter"])
    compiled = codegen.compile_kernel(spec, namespace, module)
    if backend == "jax":
        import jax
        compiled.fn = jax.jit(compiled.fn)
    return compiled


for _name in BACKENDS[1:]:
    codegen.register_backend(_name, functools.partial(generate, _name))


def array_namespace(backend: str) -> dict:
    """Globals for the array code of ``symdiff.arrays`` on ``backend`` (jax, torch, cupy):
    ``numpy`` bound to that library (torch: the shim, and ``torch`` itself), ``_in`` for
    the arguments, ``_special``; cupy adds ``_scatter_add``."""
    require(backend)
    namespace = {"jax": _jax_namespace, "torch": _torch_namespace,
                 "cupy": _cupy_namespace}[backend]()
    if backend == "torch":
        namespace["torch"] = importlib.import_module("torch")
    if backend == "cupy":       # pragma: no cover - needs a GPU
        namespace["_scatter_add"] = importlib.import_module("cupyx").scatter_add
    return namespace


def _docstring(spec) -> str:
    return f'    """{spec.doc or spec.name}"""'


def _compile(source: str, spec, namespace: dict, entry=None) -> codegen.Compiled:
    return codegen.compile_source(source, spec.name, namespace, entry)


# ---------------------------------------------------------------------------
# Array code (the numpy kernel with another module bound to ``numpy``)
# ---------------------------------------------------------------------------

def _inplace_scatter(as_output):
    """``runtime.scatter`` for array modules with numpy-style in-place item addition."""
    def scatter(core, shape, slices, points):
        out = as_output(0.0, tuple(core) + tuple(shape))
        out = out.clone() if hasattr(out, "clone") else out.copy()
        for index, value in tuple(slices) + tuple(points):
            fwd, axes = runtime.forward_index(index, tuple(out.shape))
            if axes and hasattr(value, "flip"):
                out[fwd] += value.flip(axes)
            else:
                out[index] += value
        return out
    return scatter


# -- jax ------------------------------------------------------------------------------

def _jax_namespace() -> dict:
    import jax.numpy as jnp
    import jax.scipy.special as jsp

    def float_dtype():
        # float64 when the user enabled jax_enable_x64, else jax's default float32
        return jnp.result_type(float)

    def as_input(x):
        return jnp.asarray(x, dtype=float_dtype())

    def as_output(value, shape, like=None):
        return jnp.broadcast_to(jnp.asarray(value, dtype=float_dtype()), shape)

    def stack(values, core, shape, like=None):
        return jnp.stack([as_output(v, shape) for v in values]).reshape(tuple(core) + tuple(shape))

    special = catalog.special_namespace(jsp, "jax")

    def scatter(core, shape, slices, points):
        out = jnp.zeros(tuple(core) + tuple(shape), dtype=float_dtype())
        for index, value in tuple(slices) + tuple(points):
            out = out.at[index].add(value)
        return out

    return {"numpy": jnp, "math": math, "_special": special, "_in": as_input,
            "_out": as_output, "_stack": stack, "_scatter": scatter,
            "_reversed_slice": runtime.reversed_slice,
            "_broadcast_shapes": runtime.broadcast_shapes, "_check_shape": runtime.check_shape}


# -- torch ----------------------------------------------------------------------------

class _TorchNumpy:
    """``numpy.<name>`` for torch: the same name (or its torch spelling), with Python
    numbers turned into float64 tensors, since torch functions want tensors."""

    # torch.equal is one bool for whole tensors; numpy.equal is elementwise (torch.eq)
    _RENAMED = {"power": "pow", "mod": "remainder", "conjugate": "conj", "amax": "amax",
                "arctan2": "atan2", "equal": "eq"}

    def __init__(self, torch):
        self._torch = torch
        self.euler_gamma = 0.5772156649015329
        self.logical_and = _Reducing(self._call(torch.logical_and))
        self.logical_or = _Reducing(self._call(torch.logical_or))

    def tensor(self, x):
        t = self._torch
        if isinstance(x, t.Tensor):
            return x
        if isinstance(x, (bool, np.bool_)):
            return t.as_tensor(bool(x))
        return t.as_tensor(x, dtype=t.float64)

    def _call(self, fn):
        def call(*args, **kwargs):
            if "axis" in kwargs:                 # numpy's axis is torch's dim
                kwargs["dim"] = kwargs.pop("axis")
            return fn(*[self.tensor(a) for a in args], **kwargs)
        call.__name__ = getattr(fn, "__name__", "torch_function")
        return call

    def __getattr__(self, name):
        obj = getattr(self._torch, self._RENAMED.get(name, name))
        return self._call(obj) if callable(obj) else obj

    def shape(self, x):
        return tuple(x.shape) if isinstance(x, self._torch.Tensor) else np.shape(x)

    def cbrt(self, x):
        x = self.tensor(x)
        return self._torch.sign(x) * self._torch.abs(x) ** (1.0 / 3.0)


class _Reducing:
    """``numpy.logical_and.reduce((a, b, c))``, as sympy prints ``And``."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, *args):
        return self._fn(*args)

    def reduce(self, args):
        out = args[0]
        for a in args[1:]:
            out = self._fn(out, a)
        return out


def _torch_namespace() -> dict:
    import torch
    tnp = _TorchNumpy(torch)

    def as_input(x):
        return torch.as_tensor(x, dtype=torch.float64)

    def as_output(value, shape, like=None):
        t = tnp.tensor(value).to(torch.float64)
        if tuple(t.shape) == tuple(shape):
            return t
        return torch.broadcast_to(t, shape).clone()

    def stack(values, core, shape, like=None):
        return torch.stack([as_output(v, shape) for v in values]).reshape(tuple(core) + tuple(shape))

    sp = torch.special

    def gamma(x):
        x = tnp.tensor(x)
        # |gamma| from lgamma; gamma < 0 on (-1, 0), (-3, -2), ...: floor(x) odd
        sign = torch.where((x > 0) | (torch.remainder(torch.floor(x), 2) == 0), 1.0, -1.0)
        return sign * torch.exp(torch.lgamma(x))

    special = catalog.special_namespace(
        sp, "torch", wrap=tnp._call, gamma=gamma,
        polygamma=lambda n, x: sp.polygamma(int(n), tnp.tensor(x)))
    return {"numpy": tnp, "math": math, "_special": special, "_in": as_input,
            "_out": as_output, "_stack": stack, "_broadcast_shapes": runtime.broadcast_shapes,
            "_scatter": _inplace_scatter(as_output), "_reversed_slice": runtime.reversed_slice,
            "_check_shape": runtime.check_shape}


# -- cupy -----------------------------------------------------------------------------

def _cupy_namespace() -> dict:     # pragma: no cover - needs a GPU
    cp = importlib.import_module("cupy")
    csp = importlib.import_module("cupyx.scipy.special")

    def as_input(x):
        return cp.asarray(x, dtype=cp.float64)

    def as_output(value, shape, like=None):
        out = cp.broadcast_to(cp.asarray(value, dtype=cp.float64), shape)
        return out if out.flags.c_contiguous else out.copy()

    def stack(values, core, shape, like=None):
        return cp.stack([as_output(v, shape) for v in values]).reshape(tuple(core) + tuple(shape))

    special = catalog.special_namespace(csp, "cupy")
    return {"numpy": cp, "math": math, "_special": special, "_in": as_input,
            "_out": as_output, "_stack": stack, "_broadcast_shapes": runtime.broadcast_shapes,
            "_scatter": _inplace_scatter(as_output), "_reversed_slice": runtime.reversed_slice,
            "_check_shape": runtime.check_shape}


# ---------------------------------------------------------------------------
# numba: one fused loop over the points
# ---------------------------------------------------------------------------

class _NumbaPrinter(codegen.MathCodePrinter):
    """Scalar ``math`` code that numba compiles: special functions from ``math``
    (the catalog's ``math`` names), refused where ``math`` has none."""


def _numba_special(row):
    if row.math:
        return codegen.call_printer(row.math)

    def refuse(self, expr):
        raise BackendError(f"backend 'numba' has no {row.name} (Python's math module lacks it; "
                           "polygamma and digamma are derivatives of gamma and lgamma): "
                           "use backend='numpy' for this function")
    return refuse


codegen.install_printers(_NumbaPrinter, "math", special=_numba_special)


# Arrays with at least this many points use the multi-threaded loop.
PARALLEL_MIN = 100_000


def _numba(spec) -> codegen.Compiled:
    """``F.source`` is the kernel for one point (the lines once, ``math`` functions);
    numba compiles it and inlines it into one loop over the points (not printed)."""
    mp = _NumbaPrinter()
    body = codegen.print_lines(mp, spec.lines, spec.inline, "", spec.where, spec.function)
    texts = [mp._print(e) for e in spec.out_exprs]
    scalar = spec.layout.kind == "scalar"
    body.append("return " + (texts[0] if scalar else ", ".join(texts) + ("," if len(texts) == 1 else "")))
    kernel_text = codegen.def_source(spec, body)
    args = [f"_a{i}" for i in range(len(spec.params))]
    loop, kernel = f"_{spec.name}_loop", f"_kernel_{spec.name}"
    nout = len(spec.out_exprs)
    wrapper = [
        f"def {spec.name}({', '.join(spec.params)}):",
        _docstring(spec),
        f"    ({', '.join(args)},), _shape = _flatten({', '.join(spec.params)})",
        f"    _res = numpy.empty(({nout}, {args[0]}.shape[0]))",
        f"    (_parallel if _res.shape[1] >= _PARALLEL_MIN else _serial)({', '.join(args + ['_res'])})",
        "    return " + codegen.result_layout(spec.layout, iter(range(nout))),
    ]
    point = ", ".join(f"{a}[_i]" for a in args)
    looped = [
        f"def {loop}({', '.join(args + ['_res'])}):",
        "    # compiled by numba.njit on the first call, the kernel inlined: one pass over",
        "    # the points writes every output, no temporary arrays",
        "    for _i in prange(_res.shape[1]):",
    ]
    if scalar:
        looped.append(f"        _res[0, _i] = {kernel}({point})")
    else:
        looped.append(f"        _o = {kernel}({point})")
        looped += [f"        _res[{k}, _i] = _o[{k}]" for k in range(nout)]
    entry_text = "\n".join(wrapper) + "\n\n\n" + "\n".join(looped) + "\n"
    nb = _numba_helpers()
    numba = nb["numba"]
    namespace = {"numpy": np, "math": math, "prange": nb["prange"], "_flatten": _flatten,
                 "_PARALLEL_MIN": PARALLEL_MIN, "_sign": nb["sign"],
                 "_heaviside": nb["heaviside"]}
    compiled = _compile(kernel_text, spec, namespace)
    # lazily compiled on first call (per argument layout); error_model="numpy": x/0 -> inf
    namespace[kernel] = numba.njit(error_model="numpy", inline="always")(namespace.pop(spec.name))
    entry = _compile(entry_text, spec, namespace)
    py_loop = namespace[loop]
    namespace["_serial"] = numba.njit(error_model="numpy")(py_loop)
    namespace["_parallel"] = numba.njit(error_model="numpy", parallel=True)(py_loop)
    compiled.fn, compiled.entry_source = entry.fn, entry_text
    return compiled


def _flatten(*args):
    """Broadcast the inputs to one shape and give them as 1-D float64 arrays.

    Inputs of the full shape are raveled (a view when contiguous); single values
    become stride-0 views (no copy); only partial broadcasts are copied.
    """
    arrs = []
    for a in args:
        a = np.asarray(a)
        if a.dtype.kind == "c":
            raise TypeError("arguments must be real numbers or arrays of real numbers, "
                            "got complex")
        arrs.append(a if a.dtype == np.float64 else a.astype(np.float64))
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    n = math.prod(shape)
    flat = []
    for a in arrs:
        if a.shape == shape:
            flat.append(a.reshape(-1))
        elif a.size == 1:
            flat.append(np.lib.stride_tricks.as_strided(a.reshape(1), (n,), (0,)))
        else:
            flat.append(np.broadcast_to(a, shape).reshape(-1))
    return tuple(flat), shape


_NUMBA = None


def _numba_helpers() -> dict:
    """numba and the jitted scalar helpers the kernels call (built once).

    Compute-then-publish: threads racing on the first call may each build the
    dict (wasted work only); the global is assigned only when it is complete.
    """
    global _NUMBA
    helpers = _NUMBA
    if helpers is None:
        import numba

        jit = numba.njit(error_model="numpy", inline="always")
        helpers = _NUMBA = {
            "numba": numba, "prange": numba.prange,
            "sign": jit(lambda x: 0.0 if x == 0 else math.copysign(1.0, x)),
            "heaviside": jit(lambda x, h0: h0 if x == 0 else (1.0 if x > 0 else 0.0)),
        }
    return helpers
