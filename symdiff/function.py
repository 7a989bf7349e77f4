"""``SymbolicFunction``: what ``@sd.symbolic`` returns, and its derivatives.

A SymbolicFunction is a view on a shared SSA graph: a tuple of output
expressions and a layout that says how to return them. Its derivatives are
SymbolicFunctions on the same graph, created on first use and cached, so
``F.diff("x", order=5)`` reuses the fourth derivative and asking twice compiles
once.

Threads: everything lazy here (derivatives, the unrolled twin, ``expr``, the
compiled function) is built under the graph's re-entrant lock with a
double-checked test, and published only when complete. The lock is needed, not
just tidy: derivatives add named intermediates to the graph that the function
and all its derivatives share, and two unsynchronised builds would hand out the
same name twice or iterate a dict while another thread grows it. Reads of a
published value take no lock (one attribute or dict load under the GIL), so
calling a compiled function never waits.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from . import codegen, limits, naming, runtime
from .export import write as write_module
from .calculus import Calculus
from .layout import SCALAR, Layout
from .plotting import plot as _plot
from .graph import Reading
from .read import read
from .tracebacks import api_boundary, debugging, trim

_SHOWN_NODES = 5000     # written-out size up to which repr/docstrings show F.expr
_REPR_LIMIT = 120
_DOC_LIMIT = 240         # characters of the expression in generated code's docstring
_LATEX_LIMIT = 1200      # LaTeX characters rendered in a notebook (a few lines on screen)


class _Help:
    """``__doc__``: the class's docstring on the class; on a function, a text about
    *that* function (what ``help(F)`` and IPython's ``F?`` show): its signature,
    where it was read from, the user's own docstring and what to call."""

    def __init__(self, class_doc: str):
        self.class_doc = class_doc

    def __get__(self, obj, cls=None):
        return self.class_doc if obj is None else obj._help()


class SymbolicFunction:
    """A Python function read into sympy: call it, differentiate it, print it.

    >>> import symdiff as sd
    >>> F = sd.symbolic("x**2*y + sin(y)")
    >>> float(F.diff("x")(3.0, 2.0))
    12.0
    """

    __doc__ = _Help(__doc__)

    def _help(self) -> str:
        fn = self.fn.func if hasattr(self.fn, "func") else self.fn      # a partial's function
        lines = [f"{self.name}({', '.join(self.params)}): a symdiff SymbolicFunction"]
        code = getattr(fn, "__code__", None)
        if code is not None:
            lines.append(f"read from {getattr(fn, '__qualname__', fn.__name__)} "
                         f"({code.co_filename}:{code.co_firstlineno})")
        if self.wrt:
            lines.append(f"a derivative with respect to {', '.join(self.wrt)}")
        if self.shapes:
            lines.append(f"shapes: {self.shapes}")
        user = getattr(fn, "__doc__", None) if fn is not None else None
        if user and not self.wrt and not self.name.startswith(("grad ", "hessian ", "jacobian ")):
            lines += ["", inspect.cleandoc(user)]
        lines += ["", "F(...) evaluates it (numbers or numpy arrays); F.diff('x'), F.grad, "
                      "F.hessian, F.jacobian differentiate it; F.expr, F.latex(), F.source "
                      "show it. See help(symdiff.SymbolicFunction)."]
        return "\n".join(lines)

    def __init__(self, reading: Reading, outputs, layout: Layout, name: str,
                 wrt: tuple = (), fn=None, backend: str = "numpy", calculus=None, recipe=None):
        self._reading = reading
        self._outputs = tuple(outputs)
        self._layout = layout
        self.name = name
        self.wrt = wrt
        self.fn = fn
        self.backend = backend
        self._calculus = calculus or Calculus(reading.graph)
        self._children: dict = {}
        self._recipe = recipe           # (parent, method, args) this was derived by
        self._twin_cache = None
        self._compiled = None
        self._fn = None
        self._nparams = len(reading.params)
        self._expr = None
        sig_params = [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=reading.defaults.get(p, inspect.Parameter.empty))
                      for p in reading.params]
        self.__signature__ = inspect.Signature(sig_params)
        if fn is not None:
            self.__wrapped__ = fn
        self.__name__ = naming.sanitize(name)

    # what the reader inlines when another function calls this one
    @property
    def __symdiff_source__(self):
        return self.fn

    # -- description -------------------------------------------------------------
    @property
    def params(self) -> tuple[str, ...]:
        return self._reading.params

    @property
    def symbols(self) -> dict[str, Any]:
        return dict(self._reading.symbols)

    @property
    def graph(self):
        return self._reading.graph

    @property
    def expr(self):
        """The flattened sympy expression (a Matrix for vector results)."""
        expr = self._expr
        if expr is None:
            with self.graph.lock:
                expr = self._expr
                if expr is None:
                    expr = self._expr = self._flat_expr()
        return expr

    @limits.deep(lambda self: f"{self.name}.expr")
    def _flat_expr(self):
        if self._vectorised():
            return self.elementwise().expr                # one term per element, as written
        flat = [self.graph.flatten(e) for e in self._outputs]
        lay = self._layout
        if lay.kind == "scalar":
            return flat[0]
        if lay.kind == "array" and len(lay.shape) == 2:
            return sympy.Matrix(lay.shape[0], lay.shape[1], flat)
        return sympy.Matrix(flat)

    @property
    def outputs(self) -> tuple:
        """Output expressions in SSA form (over the graph's intermediates)."""
        return self._outputs

    @property
    def shapes(self) -> dict:
        return dict(self._reading.shapes)

    @property
    def reading(self) -> Reading:
        """The reader's result this function computes from (graph, symbols, shapes):
        for the parts that build a function of the same reading, such as
        ``arrays.hvp``'s Hessian-vector product, without reaching into private fields."""
        return self._reading

    @property
    def layout(self) -> Layout:
        """How the flat ``outputs`` are returned (scalar, array of a shape, tuple):
        with ``outputs`` and ``reading``, what a derived function is built from."""
        return self._layout

    # -- numbers ----------------------------------------------------------------
    def _compile(self) -> codegen.Compiled:
        compiled = self._compiled
        if compiled is None:
            # under the lock: code generation reads the graph, which another
            # thread's derivative may be adding to
            with self.graph.lock:
                compiled = self._compiled
                if compiled is None:
                    t = self._reading
                    # written from the graph, never by building F.expr: sympy's
                    # evaluation of the flat tree can take minutes (nested tanh of a Max)
                    signature = f"{self.name}({', '.join(t.params)})"
                    doc = (f"{signature} = {_abbreviate(self._doc_text(), _DOC_LIMIT)}"
                           if self._small() else f"{signature}: see the lines below")
                    compiled = self._compiled = limits.run_deep(
                        f"compiling {self.name}", codegen.generate,
                        t.graph, list(self._outputs), self._layout, self._code_name(),
                        t.params, t.shapes, t.symbols, doc=doc,
                        backend=self.backend)
        return compiled

    def _small(self) -> bool:
        """Is the flat expression short enough to show in repr() and the docstring?
        A few intermediates can still stand for an astronomically long expression
        (each used many times: the 20th derivative of exp(sin x) has 24 lines and
        ~10**8 nodes written out), so the written-out size is measured on the DAG."""
        return (not self._vectorised() and len(self.graph.needed(self._outputs)) <= 40
                and limits.expression_size(self._outputs, self.graph.defs)[0] <= _SHOWN_NODES)

    def _flat_text(self, build: bool = True) -> str:
        """F.expr as text, written from the graph without building F.expr: sympy
        simplifies a Piecewise whose conditions test earlier Piecewise values (if t < 0.5
        after t = a if c else b) in exponential time; the docstring and repr() must not
        wait for that. F.expr (and str(F)) build it when asked. With ``build=False``
        (the docstring of compiled code) F.expr is used only if it is already built."""
        if self._expr is not None or (build and not self._nested_conditions()):
            return str(self.expr)
        printer = _InliningPrinter(self.graph.defs)
        texts = [printer.doprint(e) for e in self._outputs]
        return texts[0] if self._layout.kind == "scalar" else f"[{', '.join(texts)}]"

    def _doc_text(self) -> str:
        """The result written out for the docstring of generated code: a tuple as a
        tuple, an array as nested lists (written from the graph; F.expr is not built)."""
        printer = _InliningPrinter(self.graph.defs)
        texts = [printer.doprint(e) for e in self._outputs]
        lay = self._layout
        if lay.kind == "scalar":
            return texts[0]
        if lay.kind == "array":
            return str(np.array(texts, dtype=object).reshape(lay.shape).tolist()).replace("'", "")
        return f"({', '.join(texts)}{',' if len(texts) == 1 else ''})"

    def _nested_conditions(self) -> bool:
        """Does a branch condition test a value that is itself piecewise (the case
        sympy folds slowly when F.expr is built)?"""
        defs, piecewise = self.graph.defs, {}
        for s in self.graph.needed(self._outputs):            # topological order
            d = defs[s]
            piecewise[s] = d.has(sympy.Piecewise) or any(piecewise.get(u, False)
                                                          for u in d.free_symbols)
            for p in d.atoms(sympy.Piecewise):
                if any(piecewise.get(u, False) for _, c in p.args for u in c.free_symbols):
                    return True
        return False

    def _too_large_to_print(self) -> str | None:
        """Why F.expr is too large to print, measured on the graph (F.expr is not
        built: building it is what can take long)."""
        if self._vectorised():
            return limits.too_large_to_print(self.expr)
        return limits.too_large_to_print(self._outputs, self.graph.defs)

    def compiled(self) -> codegen.Compiled:
        """The generated function with its source and file name (compiled on first use)."""
        return self._compile()

    def _code_name(self) -> str:
        return naming.sanitize(self.name.replace(" ", "_"))

    _note = None        # why the array reading did not apply (shown in F.source)

    @property
    def source(self) -> str:
        """The generated code's maths: the kernel, each line once, named after the
        function's variables, each block under the line of the user's source it comes
        from. What runs around it (Python floats through the same lines with ``math``
        functions; arrays through ``symdiff.runtime.arrays``: broadcasting, blocks of
        long inputs, lazy dask arrays) is not printed.

        >>> import symdiff as sd
        >>> G = sd.symbolic("x**2*y + sin(x*y)").grad
        >>> for line in G.source.splitlines()[2:]:     # after the def line and docstring
        ...     print(line)
            sin_arg_bar = numpy.cos(x*y)
            return sin_arg_bar*y + 2*x*y, x*x + sin_arg_bar*x
        """
        src = self._compile().source
        return src if self._note is None else f"# {self._note}\n{src}"

    def __call__(self, *args, **kwargs):
        """Evaluate: the compiled numeric function at these arguments.

        Arguments are given as to the Python function (by position or name; defaults
        fill the rest). Scalar parameters take numbers or numpy arrays, which broadcast
        together: an array argument evaluates at every element. A parameter declared
        with ``shapes={"x": (3,)}`` takes an array of that shape, with any extra trailing
        axes as batch axes. Returns a float for a scalar function, a tuple for a tuple
        result (``F.grad``), and an ndarray of core shape plus the broadcast shape for an
        array result (``F.hessian``). Errors name the argument at fault.

        >>> import symdiff as sd
        >>> F = sd.symbolic("x**2*y")
        >>> float(F(3.0, 2.0)), F([1.0, 2.0], 2.0).tolist()
        (18.0, [2.0, 8.0])
        """
        fn = self._fn
        bound = False
        try:
            if fn is None:
                fn = self._fn = self._compile().fn
            if kwargs or len(args) != self._nparams:
                args = self._bind(args, kwargs)
            bound = True
            return fn(*args)
        except Exception as exc:        # costs nothing unless raised
            if debugging():
                raise
            err = self._argument_error(exc, args) if bound else None
            if err is None:
                raise trim(exc)
            # one error, traceback still through the generated code (F.source's lines)
            raise trim(err.with_traceback(exc.__traceback__)) from None

    def _defaults(self) -> dict:
        """Parameter name -> default value, as the user's signature gives them."""
        return self._reading.defaults

    def _bind(self, args, kwargs) -> tuple:
        """The arguments in parameter order, defaults filled in; a ``TypeError`` that
        lists the parameters for too many, unknown, repeated or missing arguments."""
        params, defaults = self.params, self._defaults()
        here = f"{self.__name__}({', '.join(params)})"
        if len(args) > len(params):
            raise TypeError(f"{here} takes {len(params)} argument{'s' * (len(params) != 1)} "
                            f"but {len(args)} were given")
        values = dict(zip(params, args))
        for k, v in kwargs.items():
            if k not in params:
                raise TypeError(f"{here} got an unexpected keyword argument {k!r}; "
                                f"its parameters are {', '.join(params)}")
            if k in values:
                raise TypeError(f"{here} got multiple values for argument {k!r}")
            values[k] = v
        missing = [p for p in params if p not in values and p not in defaults]
        if missing:
            raise TypeError(f"{here} missing required argument{'s' * (len(missing) > 1)} "
                            f"{', '.join(map(repr, missing))}" + self._names_hint(args))
        return tuple(values[p] if p in values else defaults[p] for p in params)

    def _names_hint(self, args) -> str:
        """For ``F.grad("x")`` (the JAX/torch habit of naming what to differentiate by):
        say that calls take values and how to pick the variable."""
        names = [a for a in args if isinstance(a, str) and a in self.params]
        if not names:
            return ""
        n = names[0]
        return (f"; {self.__name__} takes values, not names: to differentiate by {n} use "
                f"sd.grad(F, wrt={n!r}) or F.diff({n!r}), then call it with numbers")

    def _argument_error(self, exc, args):
        """The error to raise instead of ``exc`` when an argument is to blame (named,
        with what was expected), or None. Runs only after a call failed."""
        shapes = self._reading.shapes
        if isinstance(exc, runtime.ShapeMismatch):
            declared = {p: tuple(s) for p, s in shapes.items()}
            return ValueError(f"argument {exc.name!r} has shape {exc.got}, but "
                              f"{self._reading.name} was declared with shapes={declared} "
                              "(extra trailing axes are batch axes)")
        for p, a in zip(self.params, args):
            bad = runtime.non_numeric(a)
            if bad is not None:
                return TypeError(f"{self.__name__}(): argument {p!r} must be a real number or "
                                 f"array of real numbers, got {bad}" + self._names_hint(args))
        if isinstance(exc, ValueError):
            batch = {p: np.shape(a)[len(shapes.get(p) or ()):] for p, a in zip(self.params, args)}
            try:
                np.broadcast_shapes(*batch.values())
            except ValueError:
                listed = ", ".join(f"{p} has shape {s}" for p, s in batch.items())
                return ValueError(f"{self.__name__}(): the arguments cannot be broadcast "
                                  f"together ({listed})")
        return None

    # -- derivatives --------------------------------------------------------------
    def _param_symbols(self, name: str) -> list:
        t = self._reading
        if name in t.symbols:
            s = t.symbols[name]
            return list(np.asarray(s, dtype=object).ravel()) if isinstance(s, np.ndarray) else [s]
        for p, s in t.symbols.items():
            if isinstance(s, np.ndarray):
                for elem in s.ravel():
                    if elem.name == name or name.replace(" ", "") == _indexed(p, elem.name, s):
                        return [elem]
        raise ValueError(f"unknown variable {name!r}: {self.name} has parameters "
                         f"({', '.join(t.params)})")

    def memo(self, key, build):
        """The derivative ``key``, built once (double-checked under the graph's lock).

        Internal, not user API: public so that modules building derivatives for this
        function (``arrays.hessian``, ``arrays.hvp``) cache them with its own."""
        child = self._children.get(key)
        if child is None:
            with self.graph.lock:
                child = self._children.get(key)
                if child is None:
                    child = self._children[key] = limits.run_deep(
                        lambda: f"the derivative {key} of {self.name}", build)
        return child

    def derived(self, outputs, layout: Layout, name: str, wrt: tuple = (),
                recipe=None) -> "SymbolicFunction":
        """A function of the same parameters computing ``outputs`` (expressions over
        this graph's intermediates), returned as ``layout``: how derivatives, and
        ``sd.check``'s switching functions, are made. It shares this function's
        graph, derivative cache and backend.

        >>> import symdiff as sd
        >>> from symdiff.layout import SCALAR
        >>> F = sd.symbolic("x**2*y")
        >>> F.derived([F.outputs[0] + 1], SCALAR, "f_plus_1")(3.0, 2.0)
        np.float64(19.0)
        """
        return SymbolicFunction(self._reading, outputs, layout, name, wrt=wrt, fn=self.fn,
                                backend=self.backend, calculus=self._calculus, recipe=recipe)

    def with_backend(self, backend: str) -> "SymbolicFunction":
        """This function compiled for ``backend`` (``"numpy"``, ``"numba"``, ...): the
        same graph and derivatives, another code generator. ``sd.export`` writes the
        numpy one of any function.

        >>> import symdiff as sd
        >>> F = sd.symbolic("x**2*y")
        >>> F.with_backend("numpy") is F
        True
        """
        if backend == self.backend:
            return self
        return SymbolicFunction(self._reading, self._outputs, self._layout, self.name,
                                wrt=self.wrt, fn=self.fn, backend=backend,
                                calculus=self._calculus)

    # -- vectorised loops -----------------------------------------------------------
    def _vectorised(self) -> bool:
        """Were loops of this function read as lanes (vectorised) rather than unrolled?"""
        return bool(self.graph.lanes)

    def elementwise(self) -> "SymbolicFunction":
        """This function with every loop unrolled: what lanes cannot do goes through it.
        (For an array-level function, its element-wise reading.) Internal: public for
        the parts that need one symbol per element, such as ``sd.check``'s switching
        points and the array Hessians' fallbacks.

        Values and gradients of vectorised loops are computed on slices; partial
        derivatives by element, Hessians, Jacobians and ``expr`` need one symbol per
        element, so they are built on the unrolled trace, once, on first use.
        """
        twin = self._twin_cache
        if twin is None:
            # Locks are always taken in the order this graph, then the twin's
            # (the twin is never vectorised, so it never asks for a twin itself).
            with self.graph.lock:
                twin = self._twin_cache
                if twin is None:
                    if self._recipe is None:
                        reading = read(self.fn, shapes=self._reading.shapes or None,
                                       vectorize=False)
                        twin = from_reading(reading, self.fn, self.backend)
                    else:
                        parent, method, args = self._recipe
                        twin = getattr(parent.elementwise(), method)(*args)
                    self._twin_cache = twin
        return twin

    def diff_once(self, var: str) -> "SymbolicFunction":
        """The first derivative with respect to ``var``, cached: ``diff`` applies it
        once per name and order. Internal: public for ``arrays.hessian``, which falls
        back to the element-wise reading's."""
        def build():
            if self._vectorised():
                return self.elementwise().diff_once(var)
            syms = self._param_symbols(var)
            wrt = self.wrt + (var,)
            name = naming.display_derivative(self._reading.name, wrt)
            if len(syms) == 1 and var in self._reading.symbols and not self._reading.shapes.get(var):
                outs = self._calculus.forward(list(self._outputs), syms[0])
                return self.derived(outs, self._layout, name, wrt)
            # derivative with respect to a shaped parameter: one entry per element
            cols = [self._calculus.forward(list(self._outputs), s) for s in syms]
            shape = self._reading.shapes.get(var, ()) if var in self._reading.symbols else ()
            outs = [cols[j][i] for i in range(len(self._outputs)) for j in range(len(syms))]
            core = _core_shape(self._layout) + tuple(shape)
            return self.derived(outs, Layout("array", shape=core) if core else SCALAR, name, wrt)
        return self.memo(("diff", var), build)

    @api_boundary
    def diff(self, *wrt: str, order: int = 1) -> "SymbolicFunction":
        """Partial derivative: ``F.diff("x")``, ``F.diff("x", order=3)``, ``F.diff("x", "y")``.

        >>> import symdiff as sd
        >>> float(sd.symbolic("x**3*y").diff("x", "x", "y")(2.0, 5.0))
        12.0
        """
        if not wrt:
            raise TypeError("diff() needs at least one variable name, e.g. F.diff('x')")
        for v in wrt:
            if not isinstance(v, str):
                raise TypeError(f"diff() takes variable names (str), not {v!r}; "
                                f"{self.name} has parameters ({', '.join(self.params)})")
            self._param_symbols(v)          # unknown names: ValueError listing the parameters
        order = limits.check_order(order, times=len(wrt), already=len(self.wrt))
        f = self
        for _ in range(order):
            for v in wrt:
                f = f.diff_once(v)
        return f

    def _scalar_only(self, what: str) -> None:
        if self._layout.kind != "scalar":
            raise ValueError(f"{what} needs a scalar-valued function; {self.name} returns "
                             f"{self._layout.size} values: use .jacobian")

    def wrt_names(self, wrt) -> tuple[str, ...]:
        """``wrt`` (None, a name or names) as a tuple of names, each checked (an unknown
        name is a ValueError listing the parameters). Internal: public for the modules
        that key and build derivatives (``arrays.hessian``, ``arrays.hvp``)."""
        if wrt is None:
            return self.params
        names = (wrt,) if isinstance(wrt, str) else tuple(wrt)
        for n in names:
            self._param_symbols(n)          # raises on unknown names
        return names

    @api_boundary
    def gradient(self, wrt=None) -> "SymbolicFunction":
        """Gradient as a function returning one entry per parameter (reverse mode)."""
        self._scalar_only("grad")
        names = self.wrt_names(wrt)

        def build():
            t = self._reading
            if self._vectorised() and any(n not in t.symbols for n in names):
                return self.elementwise().gradient(names)       # by element of a shaped param
            syms = [s for n in names for s in self._param_symbols(n)]
            flat, lanes = self._calculus.reverse_with_lanes(self._outputs[0], syms)
            outs, items, k = [], [], 0
            for n in names:
                shape = t.shapes.get(n) if n in t.symbols else None
                size = int(np.prod(shape, dtype=int)) if shape else 1
                part, k = list(flat[k:k + size]), k + size
                mine = [(self.graph.lanes[lane][1], bar) for lane, bar in lanes.items()
                        if self.graph.lanes[lane][0] == n]
                if mine:        # a vectorised loop's share arrives as whole slices
                    items.append(Layout("scatter", shape=shape,
                                        items=tuple(spec for spec, _ in mine)))
                    outs += part + [bar for _, bar in mine]
                else:
                    items.append(Layout("array", shape=shape) if shape else SCALAR)
                    outs += part
            return self.derived(outs, Layout("tuple", items=tuple(items)),
                                 f"grad {self.name}", self.wrt,
                                 recipe=(self, "gradient", (names,)))
        return self.memo(("grad", names), build)

    @api_boundary
    def hessian_of(self, wrt=None) -> "SymbolicFunction":
        """Hessian: forward mode over the reverse-mode gradient."""
        self._scalar_only("hessian")
        names = self.wrt_names(wrt)

        def build():
            if self._vectorised():
                return self.elementwise().hessian_of(names)
            syms = [s for n in names for s in self._param_symbols(n)]
            grad = list(self.gradient(names)._outputs)
            rows = [self._calculus.forward(grad, s) for s in syms]   # rows[j][i] = d g_i / d x_j
            n = len(syms)
            flat = [rows[j][i] for i in range(n) for j in range(n)]
            return self.derived(flat, Layout("array", shape=(n, n)),
                                 f"hessian {self.name}", self.wrt)
        return self.memo(("hessian", names), build)

    @api_boundary
    def jacobian_of(self, wrt=None) -> "SymbolicFunction":
        """Jacobian ``(m, n)``: reverse per output when m < n, else forward per input."""
        names = self.wrt_names(wrt)

        def build():
            if self._vectorised():
                return self.elementwise().jacobian_of(names)
            syms = [s for n in names for s in self._param_symbols(n)]
            outs = list(self._outputs)
            m, n = len(outs), len(syms)
            if m < n:
                rows = [self._calculus.reverse(o, syms) for o in outs]
            else:
                cols = [self._calculus.forward(outs, s) for s in syms]
                rows = [[cols[j][i] for j in range(n)] for i in range(m)]
            flat = [rows[i][j] for i in range(m) for j in range(n)]
            return self.derived(flat, Layout("array", shape=(m, n)),
                                 f"jacobian {self.name}", self.wrt)
        return self.memo(("jacobian", names), build)

    # -- bare results (API 5.1: one name in, no tuple out, as JAX's argnums=int) ------
    def as_entry(self) -> "SymbolicFunction":
        """This one-entry tuple result returned as its entry: ``sd.grad(F, wrt="x")``.
        Internal (not user API): public because ``api.grad`` asks for it.

        Same outputs, same graph, only the layout differs, so the derivative is built
        once whether asked for bare or as a 1-tuple. A result that is not a one-entry
        tuple (an array-level gradient that is already bare) is returned unchanged.
        """
        lay = self._layout
        if lay.kind != "tuple" or len(lay.items) != 1:
            return self
        return self.memo(("entry",), lambda: self.derived(
            self._outputs, lay.items[0], self.name, self.wrt, recipe=(self, "as_entry", ())))

    def reshaped(self, core: tuple) -> "SymbolicFunction":
        """This array result with core shape ``core`` (same elements, row-major):
        the ``(n, n)`` Hessian of a parameter of shape ``s`` as ``s + s``, and as a plain
        number for a scalar parameter. Unchanged when it has that shape already or is
        not a flat array of that size. Internal: public because ``api.hessian`` asks."""
        lay = self._layout
        size = int(np.prod(core, dtype=int))
        if lay.kind != "array" or tuple(lay.shape) == tuple(core) or lay.size != size:
            return self
        layout = Layout("array", shape=tuple(core)) if core else SCALAR
        return self.memo(("shaped", tuple(core)), lambda: self.derived(
            self._outputs, layout, self.name, self.wrt, recipe=(self, "reshaped", (core,))))

    def param_shape(self, name: str) -> tuple:
        """The core shape of parameter (or element) ``name``: ``()`` for a scalar
        (``api.hessian`` shapes a one-name Hessian with it)."""
        self._param_symbols(name)            # unknown names: ValueError listing the parameters
        shape = self._reading.shapes.get(name) if name in self._reading.symbols else None
        return tuple(shape) if shape else ()

    grad = property(lambda self: self.gradient(), doc="``F.grad(*args)``: tuple of partials.")
    hessian = property(lambda self: self.hessian_of(), doc="``F.hessian(*args)``: (n, n) array.")
    jacobian = property(lambda self: self.jacobian_of(), doc="``F.jacobian(*args)``: (m, n) array.")

    # -- printing -------------------------------------------------------------------
    @api_boundary
    @limits.deep(lambda self: f"the LaTeX of {self.name}")
    def latex(self) -> str:
        limits.printable(self._too_large_to_print(), f"the LaTeX of {self.name}")
        return sympy.latex(self.expr)

    def _signature_text(self) -> str:
        return f"{self.name}({', '.join(self.params)})"

    @limits.deep(lambda self: f"printing {self.name}")
    def __str__(self) -> str:
        why = self._too_large_to_print()
        if why is not None:         # str() must not raise: a summary instead
            return f"{self._signature_text()} = <{why}; see .source>"
        return f"{self._signature_text()} = {self.expr}"

    @limits.deep(lambda self: f"printing {self.name}")
    def __repr__(self) -> str:
        if not self._small():
            return f"<symbolic {self._signature_text()}: {len(self.graph.needed(self._outputs))} intermediates>"
        return f"<symbolic {self._signature_text()} = {_abbreviate(self._flat_text())}>"

    def _repr_latex_(self) -> str | None:
        """The notebook's rendering: LaTeX for an expression that fits on a few lines;
        None for a longer one, so the notebook shows ``repr()``, abbreviated to one line
        (``F.latex()`` still gives all of it)."""
        if not self._small() or self._too_large_to_print() is not None:
            return None             # the notebook shows repr() instead
        lhs = latex_lhs(self.name, self._reading.name, self.wrt)
        args = ", ".join(sympy.latex(sympy.Symbol(p)) for p in self.params)
        try:
            body = self.latex()
        except limits.ExpressionTooLargeError:
            return None
        if len(body) > _LATEX_LIMIT:
            return None
        return f"$\\displaystyle {lhs}({args}) = {body}$"

    # -- plotting ---------------------------------------------------------------------
    def plot(self, x=None, ax=None, orders=(0, 1, 2), **ranges):
        """Draw a one-argument function (or one parameter, the others fixed) and its
        derivatives; returns the matplotlib Axes (``symdiff.plotting``).

        >>> import symdiff as sd
        >>> ax = sd.symbolic("sin(x)").plot(x=(-3, 3))        # doctest: +SKIP
        """
        if x is not None:
            ranges["x"] = x
        return _plot(self, ax=ax, orders=orders, **ranges)

    # -- export ------------------------------------------------------------------
    def export(self, path):
        """Write this function as a standalone module needing only numpy (``symdiff.export``).

        >>> import symdiff as sd, tempfile, pathlib, runpy
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = sd.symbolic("x**2*y").grad.export(pathlib.Path(d) / "grad_f.py")
        ...     mod = runpy.run_path(str(p))
        >>> float(mod[mod["__all__"][0]](3.0, 2.0)[1])
        9.0
        """
        return write_module([self], path)


@limits.deep(lambda reading, *rest: f"building the graph of {reading.name}")
def from_reading(reading: Reading, fn, backend: str, note: str | None = None) -> SymbolicFunction:
    """The SymbolicFunction of what the reader read: its outputs named in the
    graph and returned as a scalar, a tuple or an array. ``note``: why the array
    reading did not apply (shown in ``F.source``)."""
    out = reading.outputs
    if not reading.vector:
        layout = SCALAR
    elif reading.vector == "array" or out.ndim != 1:
        layout = Layout("array", shape=out.shape)
    else:
        layout = Layout("tuple", items=(SCALAR,) * out.size)
    # The returned expressions become named intermediates too, so that they are
    # split into primitives like every assignment (a long return expression
    # would otherwise be differentiated as one growing tree).
    g = reading.graph
    outputs = [g.define(reading.name, e, where=g.last) for e in out.ravel()]
    F = SymbolicFunction(reading, outputs, layout, reading.name, fn=fn, backend=backend)
    F._note = note
    return F


def _core_shape(layout: Layout) -> tuple:
    if layout.kind == "scalar":
        return ()
    if layout.kind == "array":
        return layout.shape
    return (layout.size,)


def _indexed(param: str, elem_name: str, arr) -> str:
    for idx in np.ndindex(*arr.shape):
        if arr[idx].name == elem_name:
            return f"{param}[{','.join(map(str, idx))}]"
    return ""


class _InliningPrinter(StrPrinter):
    """str() of an expression over a graph's intermediates, each written out in place
    (the text of the flat expression, without sympy building it)."""

    def __init__(self, defs: dict):
        super().__init__()
        self.defs = defs

    def _print_Symbol(self, sym):
        d = self.defs.get(sym)
        return super()._print_Symbol(sym) if d is None else self._print(d)

    def parenthesize(self, item, level, strict=False):
        # an intermediate is parenthesised as the expression it stands for
        d = self.defs.get(item) if isinstance(item, sympy.Symbol) else None
        return super().parenthesize(item if d is None else d, level, strict)


def _abbreviate(text: str, limit: int = _REPR_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def latex_lhs(name: str, base: str, wrt: tuple) -> str:
    """LaTeX of a display name: ``f``, ``\\frac{\\partial^{2} f}{\\partial x \\partial y}``,
    ``\\nabla f``, ``\\mathbf{H}_{f}``, ``\\mathbf{J}_{f}``. Public for
    ``arrays.function``, whose matrix-expression display names its functions alike."""
    f = sympy.latex(sympy.Symbol(base))
    kind, _, rest = name.partition(" ")
    prefix = {"grad": "\\nabla ", "hessian": "\\mathbf{H}_", "jacobian": "\\mathbf{J}_"}.get(kind)
    if prefix and rest:
        return f"{prefix}{{{latex_lhs(rest, base, wrt)}}}"
    if not wrt or name != naming.display_derivative(base, wrt):
        return sympy.latex(sympy.Symbol(name))
    counts: dict[str, int] = {}
    for v in wrt:
        counts[v] = counts.get(v, 0) + 1
    order = len(wrt)
    top = f"\\partial^{{{order}}} {f}" if order > 1 else f"\\partial {f}"
    bottom = " ".join(f"\\partial {sympy.latex(sympy.Symbol(v))}" + (f"^{{{n}}}" if n > 1 else "")
                      for v, n in counts.items())
    return f"\\frac{{{top}}}{{{bottom}}}"
