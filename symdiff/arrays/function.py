"""``ArrayFunction``: a ``SymbolicFunction`` read at the array level.

What ``sd.symbolic(fn, shapes=...)`` returns when the body is whole-array numpy
code: its value and gradient are compiled from the array IR (``reader`` ->
``reverse`` -> ``emit``), so their cost does not depend on the data size. What the
array level does not do yet (``F.expr``, Hessians and Jacobians, derivatives of
vector-valued results, batch axes, backends other than numpy) goes through the
element-wise reading of the same function, the *twin*, built on first use (for
known sizes only; with named sizes these raise a clear error).

``read_or_fallback(fn, shapes, backend)`` decides which reading a function gets.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import sympy

from .. import codegen, naming, runtime
from ..errors import SymdiffError, SymdiffSyntaxError
from ..layout import SCALAR, Layout
from ..function import SymbolicFunction, from_reading, latex_lhs
from ..read import read as read_elements
from . import display, emit, fastcall, hessian, optimize, reverse, switches
from .ir import Node, is_known, show_shape
from .reader import NotArrayCode, Program, Refused, read


class ArrayFunction(SymbolicFunction):
    """A function of arrays: value, gradient and derivatives as array code.

    >>> import numpy as np, symdiff as sd
    >>> def loss(X, y, w):
    ...     return np.sum(np.log(1 + np.exp(-y * (X @ w))))
    >>> F = sd.symbolic(loss, shapes={"X": ("n", "d"), "y": ("n",), "w": ("d",)})
    >>> X, y, w = np.eye(3), np.ones(3), np.zeros(3)
    >>> F.grad(X, y, w)[2].round(4).tolist()
    [-0.5, -0.5, -0.5]
    """

    def __init__(self, program: Program, outputs, kind: str, name: str, wrt: tuple = (),
                 fn=None, backend: str = "numpy", recipe=None, wrt_nodes=()):
        self.program = program
        self._outputs = tuple(outputs)
        self._kind = kind               # "value", "grad" (a tuple) or "bare" (one array)
        self.name = name
        self.wrt = wrt
        self.fn = fn
        self.backend = backend
        self._recipe = recipe           # (parent, method, args): how the twin derives it
        self._twin_cache = None
        self._children: dict = {}
        self._compiled = None
        self._fn = None
        self._fast = None               # fastcall.fast_entry, made with the code
        self._expr = None
        self._nparams = len(program.params)
        self._wrt_nodes = tuple(wrt_nodes)
        import threading
        self._lock = threading.RLock()
        sig_params = [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=program.defaults.get(p, inspect.Parameter.empty))
                      for p in program.params]
        self.__signature__ = inspect.Signature(sig_params)
        if fn is not None:
            self.__wrapped__ = fn
            self.__doc__ = fn.__doc__
        self.__name__ = naming.sanitize(name)
        self._checks = _argument_checks(program)

    # -- description --------------------------------------------------------------
    @property
    def params(self):
        return self.program.params

    @property
    def shapes(self) -> dict:
        return dict(self.program.shapes)

    @property
    def symbols(self) -> dict:
        """Parameter name -> its sympy symbol: a Symbol for a scalar; for known sizes an
        array of one symbol per element (``x_0_1``, as in ``F.expr``); for named
        sizes one MatrixSymbol (2-d) or ArraySymbol."""
        out = {}
        for p in self.params:
            shape = self.program.nodes[p].shape
            if not shape:
                out[p] = sympy.Symbol(p, real=True)
            elif all(is_known(d) for d in shape):
                arr = np.empty(shape, dtype=object)
                for idx in np.ndindex(*shape):
                    arr[idx] = sympy.Symbol(naming.element(p, idx), real=True)
                out[p] = arr
            elif len(shape) == 2:
                out[p] = sympy.MatrixSymbol(p, *shape)
            else:
                from sympy.tensor.array.expressions import ArraySymbol
                out[p] = ArraySymbol(p, shape)
        return out

    @property
    def _layout(self):
        """The result's layout, in the element-wise reading's terms."""
        if self._kind == "grad":
            return Layout("tuple", items=tuple(
                Layout("array", shape=n.shape) if n.shape else SCALAR for n in self._wrt_nodes))
        if self._kind == "value" and (len(self._outputs) > 1 or isinstance(self.program.output, tuple)):
            return Layout("tuple", items=(SCALAR,) * len(self._outputs))
        shape = self._outputs[0].shape
        return Layout("array", shape=shape) if shape else SCALAR

    def param_shape(self, name: str) -> tuple:
        """The shape of parameter ``name`` (``()`` for a scalar or an element)."""
        self._param_symbols(name)
        return tuple(self.program.nodes[name].shape) if name in self.params else ()

    @property
    def outputs(self) -> tuple:
        return self._outputs

    @property
    def result_kind(self) -> str:
        """``"value"``, ``"grad"`` (a tuple, one array per parameter) or ``"bare"`` (one
        array): ``arrays.display`` prints a gradient as a tuple by it."""
        return self._kind

    @property
    def graph(self):
        return self.program.graph

    @property
    def named_sizes(self) -> bool:
        return any(not is_known(d) for n in self.program.nodes.values() for d in n.shape)

    # -- the element-wise twin --------------------------------------------------------
    def elementwise(self) -> SymbolicFunction:
        twin = self._twin_cache
        if twin is None:
            with self._lock:
                twin = self._twin_cache
                if twin is None:
                    if self.named_sizes:
                        raise SymdiffError(
                            f"{self.name}: this needs the element-wise reading, which needs "
                            f"known sizes; {self.name} was declared with named sizes "
                            f"{self.shapes}: declare the sizes as numbers for it")
                    if self._recipe is None:
                        twin = from_reading(read_elements(self.fn, shapes=self.shapes or None),
                                            self.fn, self.backend)
                    else:
                        parent, method, args = self._recipe
                        twin = getattr(parent.elementwise(), method)(*args)
                    self._twin_cache = twin
        return twin

    @property
    def expr(self):
        """A SymPy matrix expression (``display``: the Hessian of ``x @ A @ x`` is
        ``A + A.T``; a tuple of them for a gradient in several parameters) for named
        sizes and for derivatives; the function itself with known sizes keeps the
        element-wise expression (a ``Matrix`` of entries), as before. What has no matrix
        form is shown by name (``sort(x)``), or refused with a message saying why."""
        kind, shown = self._shown()
        return shown.expr if kind == "twin" else shown

    def _shown(self):
        """("matrix", F.expr as matrix expressions) or ("twin", the element-wise reading)."""
        if self._matrix_display():
            try:
                return "matrix", self._matrix_expr()
            except display.NotMatrixExpression:
                pass
        why = "the element-wise reading needs sizes given as numbers"
        if not self.named_sizes:
            try:
                return "twin", self.elementwise()
            except (SymdiffError, SymdiffSyntaxError, NotImplementedError):
                why = "the element-wise reader does not read it"
        try:
            return "matrix", display.function_expr(self, placeholders=True)
        except display.NotMatrixExpression as exc:
            raise SymdiffError(f"{self.name}: F.expr has no matrix form ({exc}) and {why}; "
                               "the array code is in .source") from None

    def _matrix_expr(self):
        """The matrix display, strict (raises ``display.NotMatrixExpression``), cached."""
        if self._expr is None:
            self._expr = display.function_expr(self)
        return self._expr

    def _matrix_display(self) -> bool:
        return self.named_sizes or self._recipe is not None

    def _small(self) -> bool:
        return True

    # -- code -----------------------------------------------------------------------------
    def _compile(self):
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                compiled = self._compiled
                if compiled is None:
                    compiled = self._compiled = self._generate()
        return compiled

    def _generate(self):
        params = {p: self.program.nodes[p] for p in self.params}
        if self._kind == "grad" or (isinstance(self.program.output, tuple) and self._kind == "value"):
            def out_text(texts):
                return "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")"
        else:
            def out_text(texts):
                return texts[0]
        outputs = optimize.optimize(self.program.graph, self._outputs)
        backend = self.backend if self.backend in ("jax", "torch", "cupy") else "numpy"
        try:
            lines, printer = emit.body(outputs, params, out_text, backend)
        except emit.NoSpelling as exc:
            from ..backends import BackendError
            raise BackendError(f"{self.name}: {exc}") from None
        fname = naming.sanitize(self.name.replace(" ", "_"))
        doc = f"{self.name} = {self._expression_text()}"
        notes = [f"# {name}: a constant array of shape {show_shape(v.shape)}"
                 for name, v in printer.consts.items()]
        if self.backend == "numba":
            notes.insert(0, "# numba backend: shaped parameters use numpy code (array "
                            "operations are BLAS calls already)")
        source = codegen.function_source(fname, self.params, _abbreviate(doc, 400), notes + lines)
        if backend == "numpy":
            namespace = {"numpy": np, "math": __import__("math")}
            if "_special." in source:   # importing scipy.special takes seconds: only when used
                namespace["_special"] = runtime.special_functions()
            namespace.update(printer.consts)
        else:
            from .. import backends
            namespace = backends.array_namespace(backend)
            namespace.update(_constants_for(backend, printer.consts, namespace))
        compiled = codegen.compile_source(source, fname, namespace)
        if backend == "jax":
            import jax
            compiled.fn = jax.jit(compiled.fn)
        return compiled

    def _expression_text(self) -> str:
        pr = emit.Printer({p: self.program.nodes[p] for p in self.params})
        for p, n in self.program.nodes.items():
            pr.names[id(n)] = p
        texts = []
        for o in self._outputs:
            inline: dict = {}
            for node in reverse.topological([o]):
                if node.op not in ("param",):
                    inline[id(node)] = pr.expr(node, inline)
            texts.append(pr.text(o, inline)[0])
        text = texts[0] if len(texts) == 1 else "(" + ", ".join(texts) + ")"
        return text.replace("numpy.", "")

    @property
    def source(self) -> str:
        return self._compile().source

    # -- calling ------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        fast = self._fast
        if fast is not None and not kwargs and len(args) == self._nparams:
            return fast(*args)          # checks written out for these shapes (fastcall)
        if kwargs or len(args) != self._nparams:
            args = self._bind(args, kwargs)
        return self._checked_call(*args)

    def _checked_call(self, *args):
        """The generic call: convert and check the arguments, then run the code."""
        try:
            args = self._checks(args)
        except NeedsElementwise:
            return self.elementwise()(*args)
        with np.errstate(all="ignore"):
            return self._code()(*args)

    def _code(self):
        """The generated function (compiled on first use, with its fast entry)."""
        fn = self._fn
        if fn is None:
            fn = self._compile().fn
            self._fast = fastcall.fast_entry(
                [(p, self.program.nodes[p]) for p in self.params], fn, self._checked_call,
                self.name)
            self._fn = fn
        return fn

    def _defaults(self) -> dict:
        return self.program.defaults

    # -- derivatives ------------------------------------------------------------------------
    def memo(self, key, build):
        child = self._children.get(key)
        if child is None:
            with self._lock:
                child = self._children.get(key)
                if child is None:
                    child = self._children[key] = build()
        return child

    def scalar_output(self) -> bool:
        """Is the result one scalar node (what a gradient or Hessian needs)? Internal:
        public for ``arrays.hessian``, which builds this class's Hessians."""
        return self._kind == "value" and isinstance(self._outputs[0], Node) \
            and len(self._outputs) == 1 and self._outputs[0].shape == ()

    def gradient(self, wrt=None):
        """Reverse mode on the array graph: one array per parameter, of its shape."""
        names = self.wrt_names(wrt)
        if not self.scalar_output() and self._kind == "value":
            self._scalar_only("grad")
        if any(n not in self.params for n in names) or not self.scalar_output():
            return self.memo(("grad", names), lambda: self.elementwise().gradient(names))

        def build():
            g = self.program.graph
            wrt_nodes = [self.program.nodes[n] for n in names]
            grads = reverse.gradient(g, self._outputs[0], wrt_nodes)
            return ArrayFunction(self.program, grads, "grad", f"grad {self.name}", self.wrt,
                                 self.fn, self.backend, recipe=(self, "gradient", (names,)),
                                 wrt_nodes=wrt_nodes)
        return self.memo(("grad", names), build)

    def wrt_names(self, wrt):
        if wrt is None:
            return self.params
        names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
        for n in names:
            self._param_symbols(n)
        return names

    def _param_symbols(self, name):
        if name in self.params:
            return [name]
        base, idx = _element(name)
        if base in self.params and idx is not None:
            shape = self.program.nodes[base].shape
            if len(idx) == len(shape) and all(is_known(d) and 0 <= i < d for i, d in zip(idx, shape)):
                return [name]
        raise ValueError(f"unknown variable {name!r}: {self.name} has parameters "
                         f"({', '.join(self.params)})")

    def _scalar_only(self, what):
        if not self.scalar_output():
            raise ValueError(f"{what} needs a scalar-valued function; {self.name} returns "
                             "an array: use .jacobian")

    def diff_once(self, var: str):
        def build():
            if not self.scalar_output():
                if var in self.params:          # forward mode on the array graph
                    return hessian.diff_function(self, var)
                return self.elementwise().diff_once(var)
            g = self.program.graph
            base, idx = (var, None) if var in self.params else _element(var)
            (grad,) = reverse.gradient(g, self._outputs[0], [self.program.nodes[base]])
            out = grad if idx is None else g.index(grad, idx)
            wrt = self.wrt + (var,)
            return ArrayFunction(self.program, [out], "value",
                                 naming.display_derivative(self.program.name, wrt), wrt,
                                 self.fn, self.backend, recipe=(self, "diff_once", (var,)))
        return self.memo(("diff", var), build)

    def as_entry(self):
        """A one-parameter gradient returned bare (``sd.grad(F, wrt="x")``)."""
        if self._kind != "grad" or len(self._outputs) != 1:
            return self
        return self.memo(("entry",), lambda: ArrayFunction(
            self.program, self._outputs, "bare", self.name, self.wrt, self.fn, self.backend,
            recipe=(self, "as_entry", ())))

    def switching(self):
        """A function of the parameters giving this function's switching values as one
        vector (``switches``: 0 at a kink, a tie or a step), or None where it has none;
        ``sd.check`` uses it where the element-wise reading cannot read the code."""
        def build():
            g = self.program.graph
            node = switches.flat(g, switches.switch_nodes(g, self._outputs))
            if node is None:
                return None
            return ArrayFunction(self.program, [node], "value", f"switch {self.name}",
                                 self.wrt, self.fn, self.backend)
        return self.memo(("switching",), lambda: (build(),))[0]

    def hessian_of(self, wrt=None):
        """Forward over reverse on the array graph (``hessian``): for ``wrt="x"`` an array
        of shape ``x.shape + x.shape``, else the ``(n, n)`` matrix over all entries."""
        return hessian.hessian_function(self, wrt)

    def jacobian_of(self, wrt=None):
        """``F.shape + x.shape`` for ``wrt="x"``, else ``(m, n)`` over all entries."""
        return hessian.jacobian_function(self, wrt)

    def array_derived(self, node, name, recipe):
        """A function of the same parameters computing ``node`` of this graph (public
        for ``arrays.hessian``, which sits below this module and builds through it)."""
        return ArrayFunction(self.program, [node], "value", name, self.wrt, self.fn,
                             self.backend, recipe=recipe)

    def reshaped(self, core: tuple):
        """This result with shape ``core`` (the Hessian of ``x`` as ``x.shape * 2``):
        unchanged when it has it already, as array Hessians do."""
        out = self._outputs[0]
        if len(self._outputs) != 1 or tuple(out.shape) == tuple(core):
            return self
        return self.memo(("shaped", tuple(core)), lambda: self.array_derived(
            self.program.graph.reshape(out, core), self.name, (self, "reshaped", (core,))))

    # -- printing ---------------------------------------------------------------------------
    def _too_large_to_print(self):
        return None if not self.named_sizes else "an array function with named sizes"

    def latex(self) -> str:
        kind, shown = self._shown()
        return shown.latex() if kind == "twin" else display.function_latex(self, shown)

    def _display_text(self) -> str:
        """The matrix display as text where there is one, else the array code's text."""
        if self._matrix_display():
            try:
                return display.function_text(self, self._matrix_expr())
            except display.NotMatrixExpression:
                pass
        return self._expression_text()

    def __str__(self) -> str:
        return f"{self._signature_text()} = {self._display_text()}"

    def __repr__(self) -> str:
        return f"<symbolic {self._signature_text()} = {_abbreviate(self._display_text(), 120)}>"

    def _repr_latex_(self):
        """The notebook's rendering: the matrix display (a gradient in several parameters
        as aligned rows), else the element-wise reading's; None (the notebook shows
        ``repr``) where neither reads it."""
        try:
            kind, shown = self._shown()
        except SymdiffError:
            return None
        if kind == "twin":
            return shown._repr_latex_()
        body = display.function_latex(self, shown)
        if isinstance(shown, tuple):
            return f"$\\displaystyle {body}$"
        lhs = latex_lhs(self.name, self.program.name, self.wrt)
        args = ", ".join(sympy.latex(sympy.Symbol(p)) for p in self.params)
        return f"$\\displaystyle {lhs}({args}) = {body}$"

    def export(self, path):
        return self.elementwise().export(path)

    def with_backend(self, backend: str):
        """The same array code on ``backend`` (jax, torch, cupy: that library's functions;
        numba: numpy code); ``"numpy"`` gives the element-wise reading, which
        ``sd.export`` writes out (the array code's constants are not written out yet)."""
        from .. import backends
        backends.require(backend)
        if backend == "numpy":
            return self.elementwise().with_backend(backend)
        if backend == self.backend:
            return self
        return self.memo(("backend", backend), lambda: ArrayFunction(
            self.program, self._outputs, self._kind, self.name, self.wrt, self.fn, backend,
            recipe=(self, "with_backend", (backend,)), wrt_nodes=self._wrt_nodes))

    def plot(self, *a, **k):
        return self.elementwise().plot(*a, **k)


def _constants_for(backend, consts: dict, namespace: dict) -> dict:
    """The constant arrays as the backend's arrays (jax takes numpy arrays as they are)."""
    if backend == "torch":
        torch = namespace["torch"]
        return {k: torch.as_tensor(np.array(v), dtype=torch.bool if v.dtype.kind == "b" else
                                   torch.int64 if v.dtype.kind in "iu" else torch.float64)
                for k, v in consts.items()}
    if backend == "cupy":               # pragma: no cover - needs a GPU
        cp = namespace["numpy"]
        return {k: cp.asarray(v) for k, v in consts.items()}
    return dict(consts)


class NeedsElementwise(Exception):
    """Arguments with batch axes: the element-wise reading handles those."""


def _element(name: str):
    """``"x[0,1]"`` or ``"x_0_1"`` -> ("x", (0, 1)); anything else -> (name, None)."""
    text = name.replace(" ", "")
    m = re.fullmatch(r"([A-Za-z_]\w*?)((?:_\d+)+)", text)
    if m and "[" not in text:
        return m.group(1), tuple(int(p) for p in m.group(2).split("_")[1:])
    if not text.endswith("]") or "[" not in text:
        return name, None
    base, _, inner = text[:-1].partition("[")
    try:
        return base, tuple(int(p) for p in inner.split(",") if p != "")
    except ValueError:
        return name, None


def _argument_checks(program: Program):
    """A function that converts the arguments to float arrays and checks their shapes:
    known sizes exactly, named sizes the same wherever the name appears."""
    specs = [(p, program.nodes[p].shape) for p in program.params]
    known = all(is_known(d) for _, s in specs for d in s)
    as_input = runtime.as_input

    declared = {p: tuple(d if is_known(d) else str(d) for d in s) for p, s in specs if s}

    def mismatch(p, got):
        # with known sizes, trailing axes beyond the declared shape are batch axes
        batch = " (extra trailing axes are batch axes)" if known else ""
        return ValueError(f"argument {p!r} has shape {got}, but {program.name} was declared "
                          f"with shapes={declared}{batch}")

    def check(args):
        out = []
        sizes: dict = {}
        for (p, shape), a in zip(specs, args):
            try:
                a = as_input(a)
            except runtime.ArgumentTypeError:
                raise runtime.ArgumentTypeError(
                    f"{program.name}(): argument {p!r} must be a real number or array of real "
                    f"numbers, got {runtime.non_numeric(a)}") from None
            got = np.shape(a)
            if got != shape:
                if known and len(got) >= len(shape) and got[:len(shape)] == shape:
                    raise NeedsElementwise    # trailing batch axes: element-wise semantics
                if known or len(got) != len(shape):
                    raise mismatch(p, got)
                for axis, (d, n) in enumerate(zip(shape, got)):
                    if is_known(d):
                        if d != n:
                            raise mismatch(p, got)
                        continue
                    key = str(d)
                    if key in sizes and sizes[key][0] != n:
                        q, axis_q = sizes[key][1], sizes[key][2]
                        raise ValueError(
                            f"size {key!r} disagrees: argument {q!r} has {key} = {sizes[key][0]} "
                            f"(axis {axis_q}) but argument {p!r} has {key} = {n} (axis {axis})")
                    sizes.setdefault(key, (n, p, axis))
            out.append(a)
        return out

    if known:
        def check_known(args):
            out = []
            try:
                for (p, shape), a in zip(specs, args):
                    a = as_input(a)
                    if np.shape(a) != shape:
                        return check(args)
                    out.append(a)
            except runtime.ArgumentTypeError:
                return check(args)
            return out
        return check_known
    return check


def _abbreviate(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 3] + "..."


def read_or_fallback(fn, shapes: dict, backend: str):
    """``(ArrayFunction, None, None)`` when ``fn`` reads at the array level; ``(None, note,
    error)`` when it must be read element by element (known sizes); raises for named sizes.

    ``error`` is the array reader's own error when it failed on the code itself (numpy's
    ``np.split`` of 5 elements into 2, mismatched shapes): the caller raises it if the
    element-wise reading fails too, since it names the construct as written and numpy's
    reason where the element-wise reader would only say what it does not support."""
    named = any(not isinstance(d, (int, np.integer)) for s in shapes.values() for d in s)
    try:
        program = read(fn, shapes)
    except Refused:
        raise                       # neither reading has it: the message says what to do
    except NotArrayCode as exc:
        if named:
            raise SymdiffError(f"{exc}\n(named sizes need array-level code; this construct "
                               "is read only element by element, for sizes given as numbers)") \
                from None
        return None, f"read element by element: {exc.reason} at {exc.where}", None
    except (SymdiffError, SymdiffSyntaxError) as exc:
        if named:
            raise
        return None, None, exc      # the element-wise reading may still have it
    outputs = program.output if isinstance(program.output, tuple) else (program.output,)
    return ArrayFunction(program, outputs, "value", program.name, fn=fn, backend=backend), None, None
