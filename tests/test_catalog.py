"""Every row of the catalog (``symdiff/ops/catalog.py``) through both engines.

One case per row, as autograd's ``test_systematic.py`` has one line per
primitive: each Python callable of the row is called in a small function
(``CALLS``), which runs

* at an ordinary point of the row's domain through ``sd.check`` (symbolic, tape
  and finite differences of the plain function must agree, to second order for
  smooth elementwise functions), and
* at its special points (0, +-1, integer-valued floats, the kinks and steps of
  non-smooth rows, ties of max/min), where the symbolic and tape gradients must
  agree with each other and with an outside oracle: finite differences where the
  function is smooth, torch (float64) running the same code where it is not.

A row that one engine lacks fails here: the symbolic engine refuses the call,
or the tape raises or is not routed to.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import math

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff import codegen, primitives, special
from symdiff.read import values
from symdiff import tape
from symdiff.ops import catalog
from symdiff.tape import functions as tape_functions

torch = pytest.importorskip("torch")

#: how a row's callable ``{f}`` is called; default ``{f}(x)`` or ``{f}(x, y)``
CALLS = {
    "math.log": "{f}(x, y + 2.0)",
    "math.hypot": "{f}(x, y, 0.5)",
    "heaviside": "{f}(x, 0.5) * y",
    "sign": "{f}(x) * y",
    "floor": "{f}(x) * y",
    "ceil": "{f}(x) * y",
    "clip": "{f}(x, -0.5, 0.5)",
    "where": "{f}(x > 0, x * y, y - x)",
    "max": "{f}(x, y)", "min": "{f}(x, y)",
    "transpose": "np.sum({f}(x) * np.array([[1.0, 2.0], [3.0, 4.0]]))",
    "dot": "{f}(x, x * x)", "inner": "{f}(x, x * x)", "matmul": "{f}(x, x * x)",
    "any": "x * y if {f}((x > 0, y > 1)) else x - y",
    "all": "x * y if {f}((x > 0, y > 1)) else x - y",
    "float": "{f}(x) * y",
    "int": "{f}(2.7) * x",
    "len": "{f}((x, y)) * x",
    "tuple": "{f}((x, y))[0] * y",
    "list": "{f}((x, y))[1] * x",
    "array": "{f}([x, y])[0] * {f}([x, y])[1]",
    # rows made by derivatives: reached through the functions they differentiate
    "digamma": "math.lgamma(x)",
    "polygamma": "math.gamma(x)",
}
#: rows whose callables take one vector (or matrix) ``x``
SHAPED = {"amax": (3,), "amin": (3,), "builtins.sum": (3,), "sum": (3,), "mean": (3,),
          "prod": (3,), "dot": (3,), "inner": (3,), "matmul": (3,), "transpose": (2, 2)}
#: derivative order checked at ordinary points (default: 2 for smooth, else 1)
ORDER = {"digamma": 2, "polygamma": 3}
#: special points beyond those the row's kind and domain give
SPECIAL = {"clip": [(0.5,), (-0.5,)], "where": [(0.0, 0.83)],
           "cbrt": [(1.0,), (-1.0,), (8.0,), (-8.0,)]}
#: what torch calls in place of the row's callable (default: ``torch.<row name>``);
#: a Python builtin runs as itself on torch tensors
TORCH = {"clip": "torch.clamp", "fmax": "torch.fmax", "fmin": "torch.fmin",
         "abs": "torch.abs", "amax": "torch.amax", "amin": "torch.amin",
         "max": "max", "min": "min", "heaviside": None}
#: symdiff's documented convention where it differs from torch running the same code:
#: max(x, y), min(x, y), np.fmax and np.fmin split ties evenly as torch.maximum does
#: (README), while Python's max on torch tensors and torch.fmax (and so the
#: torch-faithful tape) give the whole gradient to the first argument
CONVENTION = {"max": "torch.maximum", "min": "torch.minimum",
              "fmax": "torch.maximum", "fmin": "torch.minimum"}
#: rows no Python function calls: checked by their own test below
NOT_CALLED = {"frac"}
#: how a structural row's callable (computed as it is, on constants) is called, and
#: the shape of ``x`` (None: a number)
STRUCTURAL = {
    "range": ("x * len({f}(3))", None),
    "enumerate": ("sum(x * i for i, _ in {f}((1.0, 2.0, 3.0)))", None),
    "zip": ("sum(a * x + b for a, b in {f}((1.0, 2.0), (3.0, 4.0)))", None),
    "reversed": ("sum(a * x ** a for a in {f}((1.0, 2.0)))", None),
    "round": ("x * {f}(2.7)", None),
    "math.gcd": ("x * {f}(12, 18)", None),
    "math.isqrt": ("x * {f}(17)", None),
    "math.factorial": ("x * {f}(4)", None),
    "math.comb": ("x * {f}(5, 2)", None),
    "math.perm": ("x * {f}(5, 2)", None),
    "arange": ("np.sum(x * {f}(3))", None),
    "linspace": ("np.sum(x * {f}(0.0, 1.0, 3))", None),
    "eye": ("np.sum(x * {f}(2))", None),
    "zeros": ("np.sum(x + {f}(3))", (3,)),
    "ones": ("np.sum(x * {f}(3))", (3,)),
    "shape": ("x[0] * {f}(x)[0]", (3,)),
    "ndim": ("x[0] * {f}(x)", (3,)),
    "size": ("x[0] * {f}(x)", (3,)),
    "zeros_like": ("np.sum(x + {f}(x))", (3,)),
    "ones_like": ("np.sum(x * {f}(x))", (3,)),
}

Y0 = 0.83


def _spelled(f) -> str:
    if getattr(f, "__module__", None) == "math":
        assert getattr(math, f.__name__) is f
        return f"math.{f.__name__}"
    if f in vars(builtins).values() and getattr(builtins, f.__name__, None) is f:
        return f.__name__
    name = next(n for n, v in vars(np).items() if v is f)
    return f"np.{name}"


def _params(row) -> tuple[str, ...]:
    if row.name in SHAPED:
        return ("x",)
    text = CALLS.get(row.name, "")
    if "y" in text.replace("{f}", "") or (not text and row.arity == 2):
        return ("x", "y")
    return ("x",)


def _source(row, f) -> str:
    template = CALLS.get(row.name) or ("{f}(x, y)" if row.arity == 2 else "{f}(x)")
    return template.format(f=_spelled(f) if f is not None else "")


_counter = itertools.count()


def _function(text: str, params, namespace: dict):
    """``def f(params): return text`` with its source where inspect finds it."""
    filename = f"<catalog case {next(_counter)}>"
    source = f"def f({', '.join(params)}):\n    return {text}\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["f"]


def _ordinary(row):
    lo, hi = row.domain
    if math.isfinite(lo) and math.isfinite(hi):
        x0 = lo + 0.37 * (hi - lo)
    elif math.isfinite(lo):
        x0 = lo + 0.61
    else:
        x0 = 0.61
    shape = SHAPED.get(row.name)
    if shape:
        return (np.array([0.3, -0.7, 1.1, 0.5][:math.prod(shape)]).reshape(shape),)
    return (x0, Y0)[:len(_params(row))]


def _special_points(row) -> list[tuple]:
    n = len(_params(row))
    if row.group == "conversion":      # structure, not a function of its argument
        return []
    shape = SHAPED.get(row.name)
    if shape:
        if row.at == "ties":            # two equal largest (smallest) entries
            v = np.array([0.5, 0.5, -1.0]) if row.name == "amax" else np.array([-0.5, -0.5, 1.0])
            return [(v,)]
        return [(np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape),)]   # integer-valued
    if row.name in SPECIAL:
        return SPECIAL[row.name]
    lo, hi = row.domain
    if row.kind == "smooth":
        xs = [v for v in (0.0, 1.0, -1.0, 2.0) if lo < v < hi]
    elif row.at == "integers":
        xs = [1.0, -2.0, 0.0]
    elif row.at == "ties":
        return [(Y0, Y0)[:n], (0.0, 0.0)[:n]]
    else:
        xs = [0.0]
    return [(x, Y0)[:n] for x in xs]


def _tape_gradient(fn_on_tape, point):
    xs = [tape.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in point]
    out = fn_on_tape(*xs)
    if not isinstance(out, tape.Tensor) or not out.requires_grad:
        return [np.zeros(np.shape(v)) for v in point]
    out.backward()
    return [np.zeros(np.shape(v)) if x.grad is None else np.asarray(x.grad.numpy(), float)
            for v, x in zip(point, xs)]


def _torch_gradient(text, params, point):
    ns = {"torch": torch, "np": np, "math": math}
    fn = _function(text, params, ns)
    xs = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in point]
    out = fn(*xs)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return [np.zeros(np.shape(v)) for v in point]
    out.backward()
    return [np.zeros(np.shape(v)) if x.grad is None else x.grad.numpy()
            for v, x in zip(point, xs)]


def _symbolic_gradient(F, point):
    g = F.grad(*point)
    return [np.asarray(v, dtype=float) for v in (g if isinstance(g, tuple) else (g,))]


def _close(a, b, what):
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)


def _called_rows():
    return [r for r in catalog.symbolic_rows() if r.name not in NOT_CALLED]


def test_every_row_has_a_case():
    structural = {r.name for r in catalog.rows(group="structural")}
    assert structural == set(STRUCTURAL)
    assert {r.name for r in catalog.ROWS} == {r.name for r in _called_rows()} | NOT_CALLED \
        | structural
    assert len({r.name for r in catalog.ROWS}) == len(catalog.ROWS), "row names are unique"


@pytest.mark.parametrize("row", catalog.ROWS, ids=lambda r: r.name)
def test_row_is_in_both_engines(row):
    """Each callable is read by the symbolic engine and routed on the tape."""
    for f in row.python:
        if row.group == "structural":     # computed as it is, in both engines
            assert primitives.lookup(f) is None and primitives.structural(f) is f
        else:
            assert primitives.lookup(f) is not None, f"symbolic engine lacks {f}"
        assert catalog.for_callable(f) is row
        assert primitives.takes_conditions(f) == row.conditions
    if row.tape is not None:
        fn = tape_functions.catalog_function(row)
        for f in row.numpy_callables:
            routed = tape_functions.UFUNCS.get(f) if isinstance(f, np.ufunc) \
                else tape_functions.FUNCTIONS.get(f)
            assert routed is fn, f"the tape does not route {f} to tape.{row.tape}"
            assert getattr(tape.numpy, f.__name__) is not getattr(np, f.__name__)
        for f in row.math_callables:
            assert getattr(tape.math, f.__name__) is not f, f"tape.math lacks {f.__name__}"
    if row.method is not None:        # x.sum(): an array method of both engines
        assert row.method in values.ARRAY_METHODS
        assert callable(getattr(tape.tensor([1.0, 2.0]), row.method))
    if row.printed is not None:       # rows printing one class agree on how
        same = [r for r in catalog.ROWS if r.printed == row.printed]
        for column in ("numpy", "math", "special"):
            names = {getattr(r, column) for r in same} - {None}
            assert len(names) <= 1, (row.printed, column, names)
    if row.special:                    # every namespace generated code may run in
        for ns in (codegen.special_functions(), special):
            assert callable(getattr(ns, row.special))


@pytest.mark.parametrize("row", _called_rows(), ids=lambda r: r.name)
def test_row_derivatives_agree(row):
    params = _params(row)
    shapes = {"x": SHAPED[row.name]} if row.name in SHAPED else None
    smooth = row.kind == "smooth" and row.group == "elementwise"
    order = ORDER.get(row.name, 2 if smooth and not shapes else 1)
    callables = row.python or (None,)
    for f in callables:
        text = _source(row, f)
        plain = _function(text, params, {"math": math, "np": np})
        on_tape = _function(text, params, {"math": tape.math, "np": tape.numpy})
        report = sd.check(plain, *_ordinary(row), order=order, shapes=shapes)
        assert report.ok and not report.nondifferentiable, f"{text}\n{report}"
        F = sd.symbolic(plain, shapes=shapes)
        for point in _special_points(row):
            where = f"{text} at {point}"
            s = _symbolic_gradient(F, point)
            t = _tape_gradient(on_tape, point)
            if row.kind == "smooth":
                _close(s, t, f"symbolic vs tape: {where}")
                checked = sd.check(plain, *point, shapes=shapes)
                assert checked.ok and not checked.nondifferentiable, f"{where}\n{checked}"
                continue
            torch_name = TORCH.get(row.name, f"torch.{row.name}")
            if torch_name is None:        # torch has no derivative for it: engines agree
                _close(s, t, f"symbolic vs tape: {where}")
                continue
            same = _torch_gradient(text.replace(_spelled(f), torch_name), params, point)
            _close(t, same, f"tape vs torch running the same code: {where}")
            convention = CONVENTION.get(row.name, torch_name)
            expected = _torch_gradient(text.replace(_spelled(f), convention), params, point)
            _close(s, expected, f"symbolic vs torch ({convention}): {where}")


def test_frac_is_a_step_both_printers_print():
    """``frac`` comes from sympy, not from a call: a step (zero derivative), printed
    for numpy and for floats, switching at integers for sd.check."""
    x = sympy.Symbol("x", real=True)
    row = next(r for r in catalog.ROWS if r.name == "frac")
    assert row.kind == "step" and row.at == "integers"
    from symdiff import calculus
    assert calculus.local_partial(sympy.frac(x), x) == 0
    for printer in (codegen.NumpyCodePrinter(), codegen.MathCodePrinter()):
        text = printer.doprint(sympy.frac(x))
        for v in (2.25, -2.25, 3.0):
            got = eval(text, {"numpy": np, "math": math, "x": v})
            assert got == v - math.floor(v), (text, v)


@pytest.mark.parametrize("row", catalog.rows(group="structural"), ids=lambda r: r.name)
def test_structural_row_is_computed_on_constants(row):
    """A structural callable runs as it is on arguments known when the function is
    read, in the symbolic engine and on the tape alike; on a value that depends on
    the input the reader refuses it."""
    text, shape = STRUCTURAL[row.name]
    f = row.python[0]
    plain = _function(text.format(f=_spelled(f)), ("x",), {"math": math, "np": np})
    x0 = np.array([0.3, -0.7, 1.1]) if shape else 0.61
    report = sd.check(plain, x0, shapes={"x": shape} if shape else None)
    assert report.ok and not report.nondifferentiable, f"{text}\n{report}"


def test_structural_rows_refuse_values_of_the_input():
    for row in (r for r in catalog.rows(group="structural") if r.name in ("range", "math.factorial")):
        plain = _function(f"{_spelled(row.python[0])}(x)", ("x",), {"math": math, "np": np})
        with pytest.raises((sd.SymdiffError, sd.SymdiffSyntaxError), match="depends on the input"):
            sd.symbolic(plain)


def test_special_module_has_the_catalogs_special_functions():
    """``symdiff.special`` stays numpy-only (its source is exported), so it names its
    functions itself: exactly the catalog's special functions."""
    assert sorted(special.__all__) == sorted(r.special for r in catalog.special_functions())


def test_the_error_messages_list_comes_from_the_catalog():
    """``primitives.supported_names()`` (the "unsupported call" hint) names catalog rows
    only: its examples are rows, and every builtin and numpy reduction or linear-algebra
    function of the catalog is listed, so adding a row updates the message."""
    text = primitives.supported_names()
    names = {r.name for r in catalog.symbolic_rows()}
    assert set(primitives.MESSAGE_EXAMPLES) <= names
    builtin_rows = [r for r in catalog.symbolic_rows()
                    if any(getattr(builtins, getattr(f, "__name__", ""), None) is f for f in r.python)]
    assert {"abs", "min", "max", "pow", "sum", "float", "len", "any"} <= \
        {f.__name__ for r in builtin_rows for f in r.python}
    listed = text.split("builtins ")[1].split(",")[0].split("/")
    assert set(listed) == {f.__name__ for r in builtin_rows for f in r.python
                           if getattr(builtins, f.__name__, None) is f}
    for r in catalog.symbolic_rows():
        if r.group in ("reduction", "linalg") and r.numpy_callables:
            assert r.numpy_callables[0].__name__ in text.split("numpy ")[1].split(",")[0].split("/")


def test_a_function_without_source_calls_the_catalogs_builtins_on_symbols():
    """``call_without_source`` rebinds every builtin the catalog has a row for (but
    any/all, which take conditions): the same as the hand-written list it replaced
    (abs, min, max, pow, sum, float) and more (len, tuple, list, int)."""
    assert set(primitives.BUILTINS) >= {"abs", "min", "max", "pow", "sum", "float",
                                          "len", "tuple", "list", "int"}
    assert not {"any", "all"} & set(primitives.BUILTINS)
    ns = {}
    exec("def f(x, y):\n    return abs(x) + pow(y, 3) + sum([x, y]) + float(y) * min(x, y)"
         " + max(x, y) * len(list(tuple([x, y])))\n", ns)
    F = sd.symbolic(ns["f"])
    for x, y in [(-1.5, 2.0), (0.5, -0.25)]:
        assert F(x, y) == pytest.approx(ns["f"](x, y), rel=1e-14)
        # central differences of the user's own function, not symdiff's
        h = 1e-6
        fd = ((ns["f"](x + h, y) - ns["f"](x - h, y)) / (2 * h),
              (ns["f"](x, y + h) - ns["f"](x, y - h)) / (2 * h))
        assert F.grad(x, y) == pytest.approx(fd, rel=1e-6, abs=1e-8)
    exec("def g(x):\n    return x * int(x)\n", ns)
    with pytest.raises(sd.SymdiffError, match=r"int\(\) of a value that depends on the input"):
        sd.symbolic(ns["g"])
    exec("def h(x, y):\n    return x * any([x > 0, y > 0])\n", ns)
    with pytest.raises(sd.SymdiffError, match="cannot branch on data without source"):
        sd.symbolic(ns["h"])
