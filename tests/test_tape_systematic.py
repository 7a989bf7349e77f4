"""The tape against torch 2.13, case by case from tables (issue 14).

Every public tape function and Tensor method in the tables below runs on the
same inputs on the tape and on torch (``torch.set_default_dtype(torch.float64)``,
the tape's default float), over dtypes (float64/float32/int64/bool), shapes (0-d,
1-d, 2-d, broadcasting, empty), argument forms (dim, keepdim, negative and
out-of-range dims) and values (zeros, ties, inf, nan).  For each case the two
must agree on: the error (type and message) or the result's values, dtype,
shape, ``grad_fn`` name and ``requires_grad``; the warnings; the gradients of a
weighted sum of the outputs; and the second derivatives (``create_graph``).

Cases are generated from tables and grouped into one pytest item per table
row, which reports every disagreeing case at once.  Skipped where torch is absent.
"""

import itertools
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from symdiff import tape  # noqa: E402
from tape_vs_torch import float64_default  # noqa: E402,F401

INF, NAN = math.inf, math.nan


# ---------------------------------------------------------------- running one case
class Lib:
    """One side of the comparison: ``tape`` or ``torch``, with what differs in spelling."""

    def __init__(self, mod):
        self.mod = mod
        self.is_torch = mod is torch

    def tensor(self, value, requires_grad=False):
        if isinstance(value, np.ndarray):
            t = self.mod.tensor(value.copy())
            return t.requires_grad_() if requires_grad else t
        return value  # a Python number stays one

    def grad(self, out, inputs, create_graph):
        return self.mod.autograd.grad(out, inputs, create_graph=create_graph,
                                      allow_unused=True, retain_graph=True)


TAPE, TORCH = Lib(tape), Lib(torch)


def _message(exc):
    msg = str(exc).split(" (Triggered internally")[0]
    return type(exc).__name__, msg


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def _describe(obj):
    """What the comparison looks at in one output."""
    if isinstance(obj, (tape.Tensor, torch.Tensor)):
        value = obj.detach().numpy() if isinstance(obj, torch.Tensor) else np.asarray(obj.detach()._value)
        fn = obj.grad_fn
        return ("tensor", _dtype(obj) if isinstance(obj, torch.Tensor) else np.dtype(obj.dtype).name,
                tuple(obj.shape), None if fn is None else type(fn).__name__,
                bool(obj.requires_grad), np.array(value))
    if isinstance(obj, (tuple, list)):
        return (type(obj).__name__ if type(obj) in (tuple, list) else "namedtuple",
                [_describe(o) for o in obj])
    return ("python", type(obj).__name__, obj)


# Relative tolerance of values and derivatives: float64 round-off, or float32's
# when a float32 operand takes part.  torch's polygamma functions (the derivative
# of digamma, the second derivative of lgamma) are accurate to about 1e-9 only:
# checked against mpmath, the tape's are right to 1e-15 (tests/test_tape_rules.py).
RTOL = {"float64": 1e-11, "float32": 2e-6, "polygamma": 1e-8}
HUGE = 1e30


def _close(a, b, tol):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        a, b = a.astype(np.float64), b.astype(np.float64)
        # At a pole torch's polygamma returns a huge finite number (1/x**2 of a
        # rounded x) where the tape returns inf: the same answer.
        b = np.where(np.isinf(a) & (np.abs(b) > HUGE) & (np.sign(a) == np.sign(b)), a, b)
        rtol = RTOL[tol]
        return bool(np.allclose(a, b, rtol=rtol, atol=rtol * 0.1, equal_nan=True))
    return bool(np.array_equal(a, b))


def _diff(da, db, tol, where="out"):
    """The first difference between two ``_describe`` results, or None."""
    if da[0] != db[0]:
        return f"{where}: {da[0]} vs {db[0]}"
    if da[0] == "tensor":
        names = ("dtype", "shape", "grad_fn", "requires_grad")
        for name, a, b in zip(names, da[1:5], db[1:5]):
            if a != b:
                return f"{where}.{name}: tape {a} vs torch {b}"
        if not _close(da[5], db[5], tol):
            return f"{where}.values: tape {da[5].tolist()} vs torch {db[5].tolist()}"
        return None
    if da[0] in ("tuple", "list", "namedtuple"):
        if len(da[1]) != len(db[1]):
            return f"{where}: {len(da[1])} outputs vs {len(db[1])}"
        for i, (a, b) in enumerate(zip(da[1], db[1])):
            d = _diff(a, b, tol, f"{where}[{i}]")
            if d:
                return d
        return None
    if da[1] != db[1] or not _close(da[2], db[2], tol):
        return f"{where}: tape {da[1]} {da[2]!r} vs torch {db[1]} {db[2]!r}"
    return None


def _tensors(obj):
    if isinstance(obj, (tape.Tensor, torch.Tensor)):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    return []


def _numpy(g, lib):
    if g is None:
        return None
    if lib.is_torch:
        # torch hands out "ZeroTensor"s for some structurally zero gradients
        return np.zeros(tuple(g.shape)) if g._is_zerotensor() else np.array(g.detach().numpy())
    return np.array(g.detach()._value)


def _weights(shape, seed, lib, dtype):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 1.5, size=shape)
    t = lib.mod.tensor(w)
    return t.to(getattr(lib.mod, dtype)) if lib.is_torch else t.to(np.dtype(dtype))


def _run(lib, fn, args):
    """fn on lib's tensors: (result description, gradients, second derivatives,
    warnings), or the error."""
    inputs = [lib.tensor(a, isinstance(a, np.ndarray) and a.dtype.kind == "f") for a in args]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(lib.mod, *inputs)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return {"error": _message(exc)}
    result = {"out": _describe(out),
              "warnings": sorted({str(w.message).split(" (Triggered internally")[0]
                                  for w in caught})}
    leaves = [t for t in inputs if isinstance(t, (tape.Tensor, torch.Tensor)) and t.requires_grad]
    outs = [t for t in _tensors(out) if t.requires_grad and "float" in str(t.dtype)]
    if not leaves or not outs:
        return result
    total = sum((o * _weights(tuple(o.shape), i, lib, _dtype(o) if lib.is_torch
                              else np.dtype(o.dtype).name)).sum() for i, o in enumerate(outs))
    try:
        grads = lib.grad(total, leaves, True)
    except Exception as exc:  # noqa: BLE001
        result["grad_error"] = _message(exc)
        return result
    result["grads"] = [_numpy(g, lib) for g in grads]
    second = [(g * _weights(tuple(g.shape), 10 + i, lib, _dtype(g) if lib.is_torch
                            else np.dtype(g.dtype).name)).sum()
              for i, g in enumerate(grads) if g is not None and g.requires_grad]
    if second:
        try:
            g2 = lib.grad(sum(second), leaves, False)
        except Exception as exc:  # noqa: BLE001
            result["grad2_error"] = _message(exc)
            return result
        result["grads2"] = [_numpy(g, lib) for g in g2]
    else:
        result["grads2"] = [None] * len(leaves)
    return result


def _same_grads(a, b, args, key, tol):
    """Gradients agree (a missing gradient counts as zeros)."""
    floats = [x for x in args if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    for ga, gb, x in zip(a.get(key, [None] * len(floats)), b.get(key, [None] * len(floats)),
                         floats):
        ga = np.zeros(x.shape) if ga is None else ga
        gb = np.zeros(x.shape) if gb is None else gb
        if not _close(ga, gb, tol):
            return f"{key}: tape {np.asarray(ga).tolist()} vs torch {np.asarray(gb).tolist()}"
    return None


def compare(fn, args, tol=None):
    """The first disagreement between tape and torch on ``fn(lib, *args)``, or None."""
    if any(isinstance(x, np.ndarray) and x.dtype == np.float32 for x in args):
        tol = "float32"
    elif tol is None:
        tol = "float64"
    a = _run(TAPE, fn, args)
    b = _run(TORCH, fn, args)
    if "error" in a or "error" in b:
        ea, eb = a.get("error"), b.get("error")
        if ea and eb and ea[0] == eb[0] == "TypeError":
            return None  # torch's argument-parser messages list its overloads: type only
        if ea != eb:
            return f"error: tape {ea} vs torch {eb}"
        return None
    d = _diff(a["out"], b["out"], tol)
    if d:
        return d
    if a["warnings"] != b["warnings"]:
        return f"warnings: tape {a['warnings']} vs torch {b['warnings']}"
    for key in ("grad_error", "grad2_error"):
        if a.get(key) != b.get(key):
            return f"{key}: tape {a.get(key)} vs torch {b.get(key)}"
    return _same_grads(a, b, args, "grads", tol) or _same_grads(a, b, args, "grads2", tol)


# Differences that remain, each with its reason: case labels (regular expressions)
# and the kind of disagreement allowed.  Everything else must agree.
KNOWN = [
    (r"^(sub|x-y|y-x) .*(bool|True)", "error",
     "a bool tensor minus a number (or the reverse): torch raises; the tape computes it as "
     "Python does, because sd.check runs Python code on the tape, where `x - (x < y)` is "
     "arithmetic on a number (two bool tensors still raise torch's error)"),
    (r"^\(x\*1\)\.sub_\(x, alpha=2\) bool", "error",
     "the same rule for sub_ with a bool operand"),
    (r"^T float64/regular/(empty|1d|0d)$", "warnings",
     "torch warns about x.T once per process (TORCH_WARN_ONCE); the tape every time"),
    (r"^(meshgrid\(\)|cross\(x, x\.flip\(1\)\)) ", "warnings",
     "torch warns about meshgrid without indexing and cross without dim once per process "
     "(TORCH_WARN_ONCE); the tape every time"),
    (r"^meshgrid\(2d\) ", "error",
     "torch's message prints the offending tensor in its C++ format; the tape's repr"),
    (r"^einsum\('ij,jk->ik'\) \w+/\w+/\w+$", "error",
     "more operands than the equation has: torch with opt_einsum installed raises its "
     "ValueError first; the tape raises torch's own RuntimeError (as torch does without it)"),
]


def _known(label, diff):
    import re
    return any(re.search(pattern, label) and diff.startswith(kind) for pattern, kind, _ in KNOWN)


def check_all(cases, tol=None):
    """Run every ``(label, fn, args)`` case; fail listing all disagreements that
    are not in ``KNOWN``."""
    bad = []
    for label, fn, args in cases:
        d = compare(fn, args, tol)
        if d and not _known(label, d):
            bad.append(f"{label}: {d}")
    assert not bad, f"{len(bad)} of {len(cases)} cases differ from torch:\n" + "\n".join(bad[:40])


# ---------------------------------------------------------------- inputs
_RNG = np.random.default_rng(14)
_REGULAR = np.array([[-1.5, -0.5, 0.25], [0.75, 1.25, 2.0]])
VALUES = {
    "regular": _REGULAR,
    "zeros": np.array([[0.0, -0.0, 0.0], [1.0, 0.0, -2.0]]),
    "ties": np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]),
    "inf": np.array([[INF, -INF, 1.0], [0.5, INF, -2.0]]),
    "nan": np.array([[NAN, 1.0, 2.0], [0.5, -1.0, NAN]]),
}
SHAPES = {"0d": (), "1d": (3,), "2d": (2, 3), "empty": (0,), "empty2d": (2, 0)}


def array(values, shape, dtype, shift=0):
    """``values`` (rolled by ``shift``, for a second operand) filled into ``shape``
    and cast to ``dtype`` (ints and bools from the finite values)."""
    v = np.roll(VALUES[values].ravel(), shift)
    a = np.array(v[4]) if shape == () else np.resize(v, shape)
    if dtype == "int64":
        a = np.nan_to_num(np.round(a * 2), posinf=7, neginf=-7)
    if dtype == "bool":
        a = np.nan_to_num(a, nan=1.0) > 0.5
    return np.asarray(a).astype(dtype)


def inputs(dtypes=("float64",), values=("regular",), shapes=tuple(SHAPES),
           other_shapes=("1d", "2d")):
    """(label, array): float64 over all ``shapes``, the other dtypes over
    ``other_shapes`` (dtype rules do not depend on the shape), special values in
    float64 on the non-empty shapes.  Few enough cases to keep the file fast."""
    for dtype, vals, shape in itertools.product(dtypes, values, shapes):
        if vals != "regular" and (dtype != "float64" or 0 in SHAPES[shape]):
            continue
        if dtype != "float64" and shape not in other_shapes:
            continue
        yield f"{dtype}/{vals}/{shape}", array(vals, SHAPES[shape], dtype)


ALL_DTYPES = ("float64", "float32", "int64", "bool")
ALL_VALUES = tuple(VALUES)


# ---------------------------------------------------------------- elementwise, one input
UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin",
         "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sqrt", "rsqrt",
         "square", "reciprocal", "sigmoid", "relu", "abs", "sign", "floor", "ceil", "round",
         "trunc", "erf", "erfc", "lgamma", "digamma", "neg", "arcsin", "arccos", "arctan"]


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    cases = []
    for label, x in inputs(ALL_DTYPES, ALL_VALUES):
        cases.append((f"{name}({label})", lambda L, x: getattr(L, name)(x), [x]))
    for label, x in inputs(("float64", "int64"), shapes=("2d",), other_shapes=("1d",)):
        cases.append((f"x.{name}() {label}", lambda L, x: getattr(x, name)(), [x]))
    check_all(cases, "polygamma" if name in ("digamma", "lgamma") else None)


# ---------------------------------------------------------------- elementwise, two inputs
BINARY = {
    "add": lambda L, x, y: L.add(x, y), "sub": lambda L, x, y: L.sub(x, y),
    "mul": lambda L, x, y: L.mul(x, y), "div": lambda L, x, y: L.div(x, y),
    "pow": lambda L, x, y: L.pow(x, y), "maximum": lambda L, x, y: L.maximum(x, y),
    "minimum": lambda L, x, y: L.minimum(x, y), "atan2": lambda L, x, y: L.atan2(x, y),
    "hypot": lambda L, x, y: L.hypot(x, y), "fmax": lambda L, x, y: L.fmax(x, y),
    "fmin": lambda L, x, y: L.fmin(x, y),
    "x+y": lambda L, x, y: x + y, "x-y": lambda L, x, y: x - y, "x*y": lambda L, x, y: x * y,
    "x/y": lambda L, x, y: x / y, "x**y": lambda L, x, y: x ** y,
    "y+x": lambda L, x, y: y + x, "y-x": lambda L, x, y: y - x, "y*x": lambda L, x, y: y * x,
    "y/x": lambda L, x, y: y / x, "y**x": lambda L, x, y: y ** x,
    "x<y": lambda L, x, y: x < y, "x<=y": lambda L, x, y: x <= y, "x>y": lambda L, x, y: x > y,
    "x>=y": lambda L, x, y: x >= y, "x==y": lambda L, x, y: x == y,
    "x!=y": lambda L, x, y: x != y, "eq": lambda L, x, y: L.eq(x, y),
    "lt": lambda L, x, y: L.lt(x, y), "x.add(y)": lambda L, x, y: x.add(y),
    "x.mul(y)": lambda L, x, y: x.mul(y), "x.pow(y)": lambda L, x, y: x.pow(y),
}
SHAPE_PAIRS = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), ()),
               ((), ()), ((3,), (2,)), ((0,), (1,)), ((2, 3), (3, 2))]
DTYPE_PAIRS = [("float64", "float64"), ("float32", "float64"), ("float32", "int64"),
               ("int64", "float32"), ("int64", "int64"), ("bool", "bool"), ("bool", "int64"),
               ("float32", "float32"), ("int64", "bool")]
SCALARS = [2.5, 2, -1, True, 0.0]


FULL_BINARY = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "hypot",
               "fmax", "fmin", "x<y", "x==y"}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name):
    """Shapes in float64; dtype pairs on a broadcast and a 0-d/dimensioned pair
    (all of them for the functions, a few for the operators, which share them)."""
    fn = BINARY[name]
    scalar_ok = name[0] in "xy" or name in ("add", "sub", "mul", "div", "pow")
    dtype_pairs = DTYPE_PAIRS if name in FULL_BINARY else DTYPE_PAIRS[1:4]
    cases = []
    for sa, sb in SHAPE_PAIRS:
        x, y = array("regular", sa, "float64"), array("regular", sb, "float64", shift=2)
        cases.append((f"{name} float64{sa} float64{sb}", fn, [x, y]))
    for (sa, sb), (da, db) in itertools.product([((2, 3), (3,)), ((), (2, 3)), ((2, 3), ())],
                                                dtype_pairs):
        x, y = array("regular", sa, da), array("regular", sb, db, shift=2)
        cases.append((f"{name} {da}{sa} {db}{sb}", fn, [x, y]))
    for vals in ("zeros", "ties", "inf", "nan"):
        x, y = array(vals, (2, 3), "float64"), array(vals, (2, 3), "float64", shift=1)
        cases.append((f"{name} {vals}", fn, [x, y]))
    if scalar_ok:
        for dtype, c in itertools.product(ALL_DTYPES, SCALARS):
            if c is True and "*" in name and dtype in ("float32", "float64"):
                continue  # torch 2.13: 'INTERNAL ASSERT FAILED ... unknown ivalue tag 4' in backward
            shape = (2, 3) if c != 2 else ()
            cases.append((f"{name} {dtype}{shape} {c!r}", fn, [array("regular", shape, dtype), c]))
    check_all(cases)


# ---------------------------------------------------------------- reductions
NODIM = object()
DIMS = [NODIM, 0, -1, (0, 1), [1, 0], 2, (0, 0)]


def _reduction(method, needs_dim=False, keepdim=True, dims=DIMS):
    def make(dim, k):
        def fn(L, x):
            if dim is NODIM:
                return getattr(x, method)()
            if not keepdim:
                return getattr(x, method)(dim)
            if method == "norm":   # norm's first positional argument is p
                return x.norm(dim=dim, keepdim=k)
            return getattr(x, method)(dim, keepdim=k)
        return fn
    return [(dim, k, make(dim, k)) for dim in dims for k in ((False, True) if keepdim else (False,))
            if not (needs_dim and dim is NODIM) and not (dim is NODIM and k)
            and not (k and dim not in (0, -1, (0, 1)))]


REDUCTIONS = {
    "sum": _reduction("sum"), "mean": _reduction("mean"), "prod": _reduction("prod"),
    "amax": _reduction("amax"), "amin": _reduction("amin"), "max": _reduction("max"),
    "min": _reduction("min"), "argmax": _reduction("argmax"), "argmin": _reduction("argmin"),
    "all": _reduction("all"), "any": _reduction("any"),
    "logsumexp": _reduction("logsumexp", needs_dim=True), "var": _reduction("var"),
    "std": _reduction("std"), "norm": _reduction("norm"),
    "softmax": _reduction("softmax", needs_dim=True, keepdim=False, dims=DIMS[1:]),
    "log_softmax": _reduction("log_softmax", needs_dim=True, keepdim=False, dims=DIMS[1:]),
    "cumsum": _reduction("cumsum", needs_dim=True, keepdim=False, dims=DIMS[1:]),
    "cumprod": _reduction("cumprod", needs_dim=True, keepdim=False, dims=DIMS[1:]),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction(name):
    cases = []
    for dim, k, fn in REDUCTIONS[name]:
        main = dim in (NODIM, -1) and not k      # every dtype and value here, float64 elsewhere
        for label, x in inputs(ALL_DTYPES if main else ("float64",),
                               ALL_VALUES if main else ("regular",), other_shapes=("2d",)):
            cases.append((f"{name}(dim={'-' if dim is NODIM else dim}, keepdim={k}) {label}", fn, [x]))
    check_all(cases)


NORMS = [2, 1, INF, -INF, 0, 3, 0.5, 1.5, "fro"]


def test_norm_orders():
    cases = []
    for p, dim in itertools.product(NORMS, (NODIM, 1)):
        def fn(L, x, p=p, dim=dim):
            return x.norm(p) if dim is NODIM else x.norm(p, dim)
        for label, x in inputs(("float64", "float32"), ALL_VALUES, ("1d", "2d", "0d"),
                               other_shapes=("2d",)):
            cases.append((f"norm(p={p}, dim={'-' if dim is NODIM else dim}) {label}", fn, [x]))
    for p in NORMS[:-1]:
        cases.append((f"tape.norm(zeros, p={p})", lambda L, x, p=p: L.norm(x, p), [np.zeros(3)]))
    check_all(cases)


def test_prod_with_zeros():
    cases = []
    for vals in ([2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0, 2.0, 0.0], [1.5, -2.0, 4.0], [0.0]):
        x = np.array(vals)
        cases.append((f"prod({vals})", lambda L, x: x.prod(), [x]))
        cases.append((f"prod({vals}, 0)", lambda L, x: x.prod(0), [x]))
        m = np.array([vals, vals[::-1]])
        cases.append((f"prod(2d {vals}, 1)", lambda L, x: x.prod(1, keepdim=True), [m]))
        cases.append((f"prod(2d {vals})", lambda L, x: x.prod(), [m]))
    check_all(cases)


# ---------------------------------------------------------------- shapes, views, indexing
def _idx(L, rows):
    return L.tensor(rows)


SHAPE_OPS = {
    "reshape(-1)": lambda L, x: x.reshape(-1), "reshape(3, 2)": lambda L, x: x.reshape(3, 2),
    "reshape(4)": lambda L, x: x.reshape(4), "view(-1)": lambda L, x: x.view(-1),
    "view(3, -1)": lambda L, x: x.view(3, -1), "t().view(-1)": lambda L, x: x.t().view(-1),
    "t().reshape(-1)": lambda L, x: x.t().reshape(-1), "flatten()": lambda L, x: x.flatten(),
    "flatten(1)": lambda L, x: x.flatten(1), "flatten(0, 1)": lambda L, x: L.flatten(x, 0, 1),
    "flatten(1, 0)": lambda L, x: x.flatten(1, 0), "squeeze()": lambda L, x: x.squeeze(),
    "squeeze(0)": lambda L, x: x.squeeze(0), "squeeze(1)": lambda L, x: x.squeeze(1),
    "squeeze(-1)": lambda L, x: x.squeeze(-1), "unsqueeze(0)": lambda L, x: x.unsqueeze(0),
    "unsqueeze(-1)": lambda L, x: x.unsqueeze(-1), "unsqueeze(3)": lambda L, x: x.unsqueeze(3),
    "transpose(0, 1)": lambda L, x: x.transpose(0, 1), "transpose(0, 2)": lambda L, x: x.transpose(0, 2),
    "permute(1, 0)": lambda L, x: x.permute(1, 0), "permute(0, 0)": lambda L, x: x.permute(0, 0),
    "t()": lambda L, x: x.t(), "T": lambda L, x: x.T, "expand(2, 2, 3)": lambda L, x: x.expand(2, 2, 3),
    "expand(-1, 3)": lambda L, x: x.expand(-1, 3), "expand_as": lambda L, x: x.expand_as(L.ones(4, 2, 3)),
    "repeat(2, 1)": lambda L, x: x.repeat(2, 1), "repeat(2)": lambda L, x: x.repeat(2),
    "repeat(1, 2, 2)": lambda L, x: x.repeat(1, 2, 2), "chunk(2)": lambda L, x: x.chunk(2),
    "chunk(2, 1)": lambda L, x: x.chunk(2, 1), "chunk(3, -1)": lambda L, x: x.chunk(3, -1),
    "split(2)": lambda L, x: x.split(2), "split([1, 2], 1)": lambda L, x: x.split([1, 2], 1),
    "split([1, 1], 0)": lambda L, x: L.split(x, [1, 1], 0), "narrow(0, 0, 1)": lambda L, x: x.narrow(0, 0, 1),
    "narrow(-1, 1, 2)": lambda L, x: x.narrow(-1, 1, 2), "narrow(0, 1, 5)": lambda L, x: x.narrow(0, 1, 5),
    "unbind(0)": lambda L, x: x.unbind(0), "unbind(1)": lambda L, x: L.unbind(x, 1),
    "flip(0)": lambda L, x: x.flip(0), "flip((0, 1))": lambda L, x: L.flip(x, (0, 1)),
    "gather(1)": lambda L, x: x.gather(1, _idx(L, [[0, 0], [2, 1]])),
    "gather(0)": lambda L, x: L.gather(x, 0, _idx(L, [[1, 0, 1]])),
    "gather(-1)": lambda L, x: x.gather(-1, _idx(L, [2, 0, 2])),
    "contiguous()": lambda L, x: x.contiguous(), "t().contiguous()": lambda L, x: x.t().contiguous(),
    "clone()": lambda L, x: x.clone(), "detach()": lambda L, x: x.detach(),
    "movedim(0, -1)": lambda L, x: x.movedim(0, -1),
    "x[0]": lambda L, x: x[0], "x[0, 1]": lambda L, x: x[0, 1], "x[:, 1]": lambda L, x: x[:, 1],
    "x[None]": lambda L, x: x[None], "x[..., None]": lambda L, x: x[..., None],
    "x[0, 1:]": lambda L, x: x[0, 1:], "x[:, :]": lambda L, x: x[:, :], "x[:]": lambda L, x: x[:],
    "x[...]": lambda L, x: x[...], "x[::2]": lambda L, x: x[::2], "x[::-1]": lambda L, x: x[::-1],
    "x[[0, 1]]": lambda L, x: x[[0, 1]], "x[x > 0]": lambda L, x: x[x > 0],
    "x[5]": lambda L, x: x[5], "x[-1]": lambda L, x: x[-1], "x[:, [0, 2]]": lambda L, x: x[:, [0, 2]],
    "x[..., 0]": lambda L, x: x[..., 0], "x[1:, None, 0]": lambda L, x: x[1:, None, 0],
    "x[t(1)]": lambda L, x: x[L.tensor(1)], "x[[0, 0]] (repeat)": lambda L, x: x[[0, 0]],
    "x[0][1]": lambda L, x: x[0][1], "x[..., 5]": lambda L, x: x[..., 5],
    "x[0, ..., 5]": lambda L, x: x[0, ..., 5], "x[..., 5, :]": lambda L, x: x[..., 5, :],
    "x[0, 5]": lambda L, x: x[0, 5], "x[5, ...]": lambda L, x: x[5, ...],
    "cat(0)": lambda L, x: L.cat([x, x], 0), "cat(-1)": lambda L, x: L.cat([x, 2 * x], -1),
    "cat(2)": lambda L, x: L.cat([x, x], 2), "cat(mismatch)": lambda L, x: L.cat([x, x[:1, :2]], 0),
    "cat(float32)": lambda L, x: L.cat([x, x.float()], 0), "stack(0)": lambda L, x: L.stack([x, x], 0),
    "stack(-1)": lambda L, x: L.stack([x, x], -1), "stack(mismatch)": lambda L, x: L.stack([x, x[:1]]),
    "stack(3)": lambda L, x: L.stack([x, x], 3),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name):
    fn = SHAPE_OPS[name]
    cases = [(f"{name} {label}", fn, [x])
             for label, x in inputs(ALL_DTYPES, other_shapes=("2d",))]
    check_all(cases, "float32" if "float32" in name else None)


# ---------------------------------------------------------------- matrix products
MATMUL_SHAPES = [((3,), (3,)), ((3,), (2,)), ((2, 3), (3,)), ((2, 3), (2,)), ((3,), (3, 2)),
                 ((3,), (2, 3)), ((2, 3), (3, 2)), ((2, 3), (2, 3)), ((2, 2, 3), (2, 3, 2)),
                 ((2, 2, 3), (3, 2)), ((2, 2, 3), (2, 2, 3)), ((2, 2, 3), (3, 2, 2)),
                 ((4, 2, 3), (3,)), ((3,), (2, 3, 2)), ((), (3,)), ((1, 2, 3), (2, 3, 4)),
                 ((2, 1, 2, 3), (3, 3, 2)), ((0, 3), (3, 2)), ((2, 3), (2, 3, 4)),
                 ((1, 2, 3), (2, 3, 1)), ((1, 1, 3), (2, 3, 4)), ((1, 1, 2, 3), (2, 3, 4)),
                 ((1, 2, 3), (3, 2, 3, 4)), ((2, 3), (1, 3, 4))]
PRODUCTS = {
    "matmul": lambda L, a, b: L.matmul(a, b), "@": lambda L, a, b: a @ b,
    "mm": lambda L, a, b: L.mm(a, b), "mv": lambda L, a, b: L.mv(a, b),
    "bmm": lambda L, a, b: L.bmm(a, b), "dot": lambda L, a, b: L.dot(a, b),
    "outer": lambda L, a, b: L.outer(a, b), "x.mm": lambda L, a, b: a.mm(b),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products(name):
    cases = []
    for sa, sb in MATMUL_SHAPES:
        a, b = array("regular", sa, "float64"), array("regular", sb, "float64", shift=1)
        cases.append((f"{name} float64{sa} float64{sb}", PRODUCTS[name], [a, b]))
    for (sa, sb), (da, db) in itertools.product(
            [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 2)), ((2, 2, 3), (2, 3, 2))],
            [("float32", "float32"), ("int64", "int64"), ("float64", "float32")]):
        a, b = array("regular", sa, da), array("regular", sb, db, shift=1)
        cases.append((f"{name} {da}{sa} {db}{sb}", PRODUCTS[name], [a, b]))
    check_all(cases)


# ---------------------------------------------------------------- in place
def _fresh(L, x):
    return x.detach().clone()


INPLACE = {
    "leaf.add_(1)": lambda L, x: x.add_(1),
    "leaf[0].add_(1)": lambda L, x: x[0].add_(1),
    "leaf.relu_()": lambda L, x: x.relu_(),
    "(x*1).add_(1)": lambda L, x: (x * 1).add_(1),
    "(x*1).mul_(x)": lambda L, x: (x * 1).mul_(x),
    "(x*1).relu_()": lambda L, x: (x * 1).relu_(),
    "(x*1).clamp_(0, 1)": lambda L, x: (x * 1).clamp_(0, 1),
    "(x*1).clamp_(min=0)": lambda L, x: (x * 1).clamp_(min=0),
    "(x*1).exp_()": lambda L, x: (x * 1).exp_(),
    "(x*1).sqrt_()": lambda L, x: (x * 1).sqrt_(),
    "(x*1).neg_()": lambda L, x: (x * 1).neg_(),
    "(x*1).sub_(x, alpha=2)": lambda L, x: (x * 1).sub_(x, alpha=2),
    "d += 1.5": lambda L, x: _iadd(_fresh(L, x), 1.5),
    "d += 1": lambda L, x: _iadd(_fresh(L, x), 1),
    "d *= 2": lambda L, x: _imul(_fresh(L, x), 2),
    "d /= 2": lambda L, x: _idiv(_fresh(L, x), 2),
    "d += ones(2, 3)": lambda L, x: _iadd(_fresh(L, x), L.ones(2, 3)),
    "d += ones(3)": lambda L, x: _iadd(_fresh(L, x), L.ones(3)),
    "d += x (grad)": lambda L, x: _iadd(_fresh(L, x), x),
    "d[1].fill_(5.) writes through": lambda L, x: _then(_fresh(L, x), lambda d: d[1].fill_(5.0)),
    "d[0] = 7": lambda L, x: _then(_fresh(L, x), lambda d: d.__setitem__(0, 7)),
    "d.zero_()": lambda L, x: _fresh(L, x).zero_(),
    "detach()[0] = 5 writes into x": lambda L, x: _then(x, lambda t: t.detach().__setitem__(0, 5)),
    "d[0].detach_()": lambda L, x: _fresh(L, x)[0].detach_(),
    "d.detach_()": lambda L, x: _fresh(L, x).detach_(),
    "d.t().view(-1)": lambda L, x: _fresh(L, x).t().view(-1),
    "(x*1)[0] = x[1]": lambda L, x: _then(x * 1, lambda t: t.__setitem__(0, x[1])),
}


def _iadd(d, o):
    d += o
    return d


def _imul(d, o):
    d *= o
    return d


def _idiv(d, o):
    d /= o
    return d


def _then(t, action):
    action(t)
    return t


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace(name):
    cases = [(f"{name} {label}", INPLACE[name], [x])
             for label, x in inputs(ALL_DTYPES, ("regular",), ("0d", "1d", "2d", "empty"),
                                    other_shapes=("1d",))]
    check_all(cases)


# ---------------------------------------------------------------- making tensors
CREATION = {
    "tensor(float list)": lambda L: L.tensor([1.0, 2.0]),
    "tensor(int list)": lambda L: L.tensor([1, 2]),
    "tensor(bool list)": lambda L: L.tensor([True, False]),
    "tensor(mixed list)": lambda L: L.tensor([1, 2.5]),
    "tensor(3)": lambda L: L.tensor(3), "tensor(3.)": lambda L: L.tensor(3.0),
    "tensor([])": lambda L: L.tensor([]),
    "tensor(float32)": lambda L: L.tensor([1, 2], dtype=L.float32),
    "tensor(int, requires_grad)": lambda L: L.tensor([1, 2], requires_grad=True),
    "tensor(tensor)": lambda L: L.tensor(L.tensor([1.0, 2.0])),
    "zeros(2, 3)": lambda L: L.zeros(2, 3), "ones((2,))": lambda L: L.ones((2,)),
    "ones(2, dtype=int64)": lambda L: L.ones(2, dtype=L.int64),
    "full((2,), 1.5)": lambda L: L.full((2,), 1.5), "full((2,), 7)": lambda L: L.full((2,), 7),
    "arange(5)": lambda L: L.arange(5), "arange(0, 1, 0.25)": lambda L: L.arange(0, 1, 0.25),
    "linspace(0, 1, 5)": lambda L: L.linspace(0, 1, 5), "eye(3)": lambda L: L.eye(3),
    "zeros_like(int)": lambda L: L.zeros_like(L.tensor([1, 2])),
    "ones_like": lambda L: L.ones_like(L.tensor([1.0, 2.0])),
    "as_tensor shares": lambda L: _shares(L),
    "from_numpy shares": lambda L: _shares(L, "from_numpy"),
    "argmax": lambda L: L.tensor([[1, 5, 5], [7, 0, 7]]).argmax(dim=1),
    "all/any": lambda L: (L.tensor([1.0, 0.0]).all(), L.tensor([1.0, 0.0]).any()),
    "allclose": lambda L: L.allclose(L.tensor([1.0]), L.tensor([1.0 + 1e-9])),
    "equal": lambda L: (L.equal(L.tensor([1, 2]), L.tensor([1, 2])),
                        L.equal(L.tensor([1, 2]), L.tensor([1]))),
    "result_type": lambda L: str(L.result_type(L.tensor([1], dtype=L.float32), L.tensor(1.0))).replace("torch.", "").replace("<class 'numpy.", "").replace("'>", ""),
    "f-string of a 0-d tensor": lambda L: f"{L.tensor(0.25)} {L.tensor(3):d}",
    "max(dim) named tuple": lambda L: _named(L.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1)),
    "min(x, 1) named tuple": lambda L: _named(L.min(L.tensor([[1.0, 5.0], [3.0, 2.0]]), 1)),
    "promote f32 + i64": lambda L: str((L.tensor([1.0], dtype=L.float32) + L.tensor([1])).dtype).replace("torch.", ""),
}


def _named(r):
    values, indices = r
    return (r.values, r.indices, values, indices, len(r), type(r).__name__)


def _shares(L, how="as_tensor"):
    a = np.ones(3)
    t = getattr(L, how)(a)
    t[0] = 5.0
    return float(a[0])


@pytest.mark.parametrize("name", list(CREATION))
def test_creation(name):
    check_all([(name, lambda L, fn=CREATION[name]: fn(L), [])])


# ---------------------------------------------------------------- selections, triangles, remainders
MORE = {
    "sort()": lambda L, x: x.sort(), "sort(0, descending)": lambda L, x: x.sort(0, descending=True),
    "argsort(-1)": lambda L, x: x.argsort(-1), "topk(2)": lambda L, x: x.topk(2),
    "topk(1, 0, largest=False)": lambda L, x: x.topk(1, 0, largest=False),
    "median()": lambda L, x: x.median(), "median(1)": lambda L, x: x.median(1),
    "median(0, keepdim)": lambda L, x: x.median(0, keepdim=True),
    "masked_fill(x > 0, 0.5)": lambda L, x: x.masked_fill(x > 0, 0.5),
    "masked_fill_(x > 0, -1)": lambda L, x: (x * 1).masked_fill_(x > 0, -1),
    "index_select(-1, [0, 2])": lambda L, x: x.index_select(-1, L.tensor([0, 2])),
    "select(0, 1)": lambda L, x: x.select(0, 1), "nonzero()": lambda L, x: x.nonzero(),
    "tril()": lambda L, x: x.tril(), "triu(1)": lambda L, x: L.triu(x, 1),
    "trace()": lambda L, x: x.trace(), "x % 0.75": lambda L, x: x % 0.75,
    "x % -0.75": lambda L, x: x % -0.75, "remainder(x, x.flip(-1))": lambda L, x: L.remainder(x, x.flip(-1)),
    "fmod(x, 0.75)": lambda L, x: L.fmod(x, 0.75), "frac()": lambda L, x: x.frac(),
    "roll(1, -1)": lambda L, x: x.roll(1, -1), "roll(2)": lambda L, x: L.roll(x, 2),
    "isnan()": lambda L, x: x.isnan(), "isfinite()": lambda L, x: L.isfinite(x),
    "logical_not()": lambda L, x: x.logical_not(), "where(x > 0, 0)": lambda L, x: x.where(x > 0, L.zeros(1)),
    "tape.where promotes": lambda L, x: L.where(x > 0, x, L.tensor(2, dtype=L.int64)),
    "clamp_min(0)": lambda L, x: x.clamp_min(0), "clamp_max(0.5)": lambda L, x: x.clamp_max(0.5),
    "new_ones(2)": lambda L, x: x.new_ones(2), "new_zeros((1, 2))": lambda L, x: x.new_zeros((1, 2)),
    "new_tensor([1, 2])": lambda L, x: x.new_tensor([1, 2]), "type_as(int)": lambda L, x: x.type_as(L.tensor([1])),
    "full_like(x, 7)": lambda L, x: L.full_like(x, 7), "clone(x)": lambda L, x: L.clone(x),
    "unique()": lambda L, x: L.unique(x), "nelement()": lambda L, x: x.nelement(),
}


@pytest.mark.parametrize("name", list(MORE))
def test_more_functions(name):
    cases = [(f"{name} {label}", MORE[name], [x])
             for label, x in inputs(ALL_DTYPES, ("regular", "ties", "nan"), other_shapes=("2d",))]
    check_all(cases)


# ---------------------------------------------------------------- einsum, diagonals, scatter, lerp...
EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]),
           ("i,j->ij", [(3,), (2,)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]),
           ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("...ij,jk->...ik", [(2, 2, 3), (3, 4)]), ("i,i,i->", [(3,), (3,), (3,)]),
           ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,j->i", [(2, 3), (3,)]), ("ij,k->ik", [(2, 3), (4,)]),
           ("iij->j", [(2, 2, 3)]), ("ii,i->i", [(3, 3), (3,)]), ("ij,kj->ik", [(2, 3), (4, 3)]),
           ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("...,...->...", [(2, 3), (3,)]),
           ("ij,ij->", [(1, 3), (2, 3)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
           ("ij,jk->ik", [(2, 3), (4, 4)]), ("ij->k", [(2, 3)]), ("ij,jk->ik", [(2, 3)]),
           ("ijk,jk->ik", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (4,)])]


def test_einsum():
    cases = []
    for eq, shapes in EINSUMS:
        for dtypes in (("float64",) * len(shapes), ("float32",) * len(shapes),
                       ("int64",) * len(shapes), ("float64", "float32") + ("float64",) * 3):
            args = [array("regular", s, dt, shift=k) for k, (s, dt) in enumerate(zip(shapes, dtypes))]
            cases.append((f"einsum({eq!r}) {'/'.join(dtypes[:len(shapes)])}",
                          lambda L, *ops, eq=eq: L.einsum(eq, *ops), args))
    a, b = array("regular", (2, 3), "float64"), array("regular", (3, 4), "float64", 1)
    cases.append(("einsum(list)", lambda L, a, b: L.einsum("ij,jk->ik", [a, b]), [a, b]))
    check_all(cases)


def _index(L, rows):
    return L.tensor(rows)


SELECTIONS = {
    "diagonal()": lambda L, x: L.diagonal(x), "diagonal(1)": lambda L, x: x.diagonal(1),
    "diagonal(-1, 1, 0)": lambda L, x: x.diagonal(-1, 1, 0), "diagonal(5)": lambda L, x: x.diagonal(5),
    "diagonal(0, 0, 0)": lambda L, x: x.diagonal(0, 0, 0), "diagonal(0, -1, 0)": lambda L, x: x.diagonal(0, -1, 0),
    "diag()": lambda L, x: L.diag(x), "diag(1)": lambda L, x: x.diag(1), "diag(-1)": lambda L, x: L.diag(x, -1),
    "diag(flat)": lambda L, x: L.diag(x.reshape(-1)), "diag(flat, 2)": lambda L, x: L.diag(x.reshape(-1), 2),
    "kthvalue(1)": lambda L, x: x.kthvalue(1), "kthvalue(2, 0)": lambda L, x: L.kthvalue(x, 2, 0),
    "kthvalue(2, -1, keepdim)": lambda L, x: x.kthvalue(2, -1, keepdim=True),
    "kthvalue(3)": lambda L, x: x.kthvalue(3), "kthvalue(0)": lambda L, x: x.kthvalue(0),
    "mode()": lambda L, x: x.mode(), "mode(0)": lambda L, x: L.mode(x, 0),
    "mode(-1, keepdim)": lambda L, x: x.mode(-1, keepdim=True),
    "scatter(0, idx, x)": lambda L, x: L.zeros(3, 3, dtype=x.dtype).scatter(0, _index(L, [[0, 1, 2], [2, 0, 1]]), x),
    "x.scatter(1, idx, 2.5)": lambda L, x: x.scatter(1, _index(L, [[2], [0]]), 2.5),
    "x.scatter(-1, idx, src)": lambda L, x: x.scatter(-1, _index(L, [[1, 0]]), x.flip(0) * 2),
    "x.scatter_add(0, idx, x)": lambda L, x: x.scatter_add(0, _index(L, [[1, 1, 0], [1, 0, 0]]), x),
    "scatter_add(x, 1, idx, src)": lambda L, x: L.scatter_add(x, 1, _index(L, [[0, 0], [2, 2]]), x * 3),
    "scatter(float idx)": lambda L, x: x.scatter(0, _index(L, [[0.0, 1.0]]), x),
    "scatter(idx oob)": lambda L, x: x.scatter(0, _index(L, [[5, 0, 0]]), x),
    "scatter(idx too big)": lambda L, x: x.scatter(0, _index(L, [[0, 1, 0, 1]]), x),
    "scatter(dtype)": lambda L, x: x.scatter(0, _index(L, [[0, 1, 0]]), x.float()),
    "scatter(ndim)": lambda L, x: x.scatter(0, _index(L, [0, 1, 0]), x),
    "(x*1).scatter_(0, idx, x.flip(0))": lambda L, x: (x * 1).scatter_(0, _index(L, [[1, 0, 1]]), x.flip(0)),
    "(x*1).scatter_(1, idx, -1.)": lambda L, x: (x * 1).scatter_(1, _index(L, [[1], [2]]), -1.0),
    "(x*1).scatter_add_(0, idx, x)": lambda L, x: (x * 1).scatter_add_(0, _index(L, [[1, 0, 1]]), x),
    "lerp(x, 2x, 0.3)": lambda L, x: L.lerp(x, x * 2, 0.3), "x.lerp(x.flip(0), 0.75)": lambda L, x: x.lerp(x.flip(0), 0.75),
    "lerp(x, x.exp(), x)": lambda L, x: L.lerp(x, x.exp(), x), "lerp(x, 1, 2)": lambda L, x: L.lerp(x, L.ones(3, dtype=x.dtype), 2),
    "lerp(x, x.float(), .5)": lambda L, x: L.lerp(x, x.float(), 0.5),
    "addcmul(x, x, x.flip(0))": lambda L, x: L.addcmul(x, x, x.flip(0)),
    "x.addcmul(x, 2x, value=-2)": lambda L, x: x.addcmul(x, x * 2, value=-2),
    "addcmul(1d, x, x)": lambda L, x: L.addcmul(L.ones(3), x, x), "addcmul(x, x.float(), x)": lambda L, x: L.addcmul(x, x.float(), x),
    "addcdiv(x, x, x.flip(0))": lambda L, x: L.addcdiv(x, x, x.flip(0)),
    "x.addcdiv(x, 2x, value=0.5)": lambda L, x: x.addcdiv(x, x * 2 + 1, value=0.5),
    "(x*1).addcmul_(x, x)": lambda L, x: (x * 1).addcmul_(x, x), "(x*1).lerp_(x*0, 0.25)": lambda L, x: (x * 1).lerp_(x * 0, 0.25),
    "addmm(x, x, x.t())": lambda L, x: L.addmm(x[:, :2], x, x.t()),
    "addmm(x[0, :2], x, x.t(), beta, alpha)": lambda L, x: L.addmm(x[0, :2], x, x.t(), beta=0.5, alpha=2),
    "x.t().addmm(x.t(), x)": lambda L, x: x.t().addmm(x.t(), x), "addmm(beta=0)": lambda L, x: L.addmm(x[:, :2] * L.nan, x, x.t(), beta=0),
    "addmm(x, x, x)": lambda L, x: L.addmm(x, x, x), "addmm(1d)": lambda L, x: L.addmm(x, x[0], x),
    "addmm(bad input)": lambda L, x: L.addmm(x[0], x, x.t()), "addmm(f32)": lambda L, x: L.addmm(x[:, :2], x, x.t().float()),
    "broadcast_tensors(x, x[0], 1)": lambda L, x: L.broadcast_tensors(x, x[0], L.tensor(1.0)),
    "broadcast_tensors(x[:, :1], x[:1])": lambda L, x: L.broadcast_tensors(x[:, :1], x[:1]),
    "broadcast_tensors(x, x[:, :2])": lambda L, x: L.broadcast_tensors(x, x[:, :2]),
    "meshgrid(ij)": lambda L, x: L.meshgrid(x[0], x[1, :2], indexing="ij"),
    "meshgrid(xy)": lambda L, x: L.meshgrid(x[0], x[1, :2], indexing="xy"),
    "meshgrid(list, xy, 3)": lambda L, x: L.meshgrid([x[0], x[1, :2], x[0, 1]], indexing="xy"),
    "meshgrid()": lambda L, x: L.meshgrid(x[0], x[1]), "meshgrid(one, xy)": lambda L, x: L.meshgrid(x[0], indexing="xy"),
    "meshgrid(bad)": lambda L, x: L.meshgrid(x[0], indexing="ab"), "meshgrid(2d)": lambda L, x: L.meshgrid(x, indexing="ij"),
    "cross(x, x.flip(1), 1)": lambda L, x: L.cross(x, x.flip(1) + 1, dim=1),
    "x.cross(x.flip(0), -1)": lambda L, x: x.cross(x.flip(0), dim=-1),
    "cross(x, x.flip(1))": lambda L, x: L.cross(x, x.flip(1) * 2),
    "cross(x, x[0], 1)": lambda L, x: L.cross(x, x[0], 1), "cross(x, x, 0)": lambda L, x: L.cross(x, x, dim=0),
    "cross(x, x.float(), 1)": lambda L, x: L.cross(x, x.float(), dim=1),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_selections_and_products(name):
    cases = [(f"{name} {label}", SELECTIONS[name], [x])
             for label, x in inputs(ALL_DTYPES, ALL_VALUES, ("2d", "1d", "0d", "empty2d"),
                                    other_shapes=("2d",))]
    check_all(cases)


# ---------------------------------------------------------------- the default dtype
def _dtype_name(d):
    return str(d).replace("torch.", "").replace("<class 'numpy.", "").replace("'>", "")


def _under_default(L, dtype, fn):
    """``fn(L)`` with ``L.set_default_dtype(dtype)``, the default restored after."""
    old = L.get_default_dtype()
    L.set_default_dtype(getattr(L, dtype))
    try:
        return fn(L)
    finally:
        L.set_default_dtype(old)


DEFAULT_DTYPE = {
    "tensor([1.5])": lambda L: L.tensor([1.5, 2.0]), "tensor(2.5)": lambda L: L.tensor(2.5),
    "tensor([1, 2])": lambda L: L.tensor([1, 2]), "tensor([True])": lambda L: L.tensor([True]),
    "tensor(ndarray)": lambda L: L.tensor(np.array([1.5])),
    "tensor([np.float64])": lambda L: L.tensor([np.float64(1.5)]),
    "tensor(requires_grad)": lambda L: L.tensor([1.5], requires_grad=True) * 2,
    "ones(2)": lambda L: L.ones(2), "zeros(2, 3)": lambda L: L.zeros(2, 3),
    "ones(2, dtype=float64)": lambda L: L.ones(2, dtype=L.float64),
    "full((2,), 1.5)": lambda L: L.full((2,), 1.5), "full((2,), 7)": lambda L: L.full((2,), 7),
    "arange(0, 1, 0.25)": lambda L: L.arange(0, 1, 0.25), "arange(3)": lambda L: L.arange(3),
    "linspace(0, 1, 3)": lambda L: L.linspace(0, 1, 3), "eye(2)": lambda L: L.eye(2),
    "rand(2).dtype": lambda L: _dtype_name(L.rand(2).dtype),
    "randn(2).dtype": lambda L: _dtype_name(L.randn(2).dtype),
    "int / int": lambda L: L.tensor([1, 2]) / L.tensor([2, 2]), "int / 2": lambda L: L.tensor([1, 3]) / 2,
    "bool / bool": lambda L: L.tensor([True]) / L.tensor([True]),
    "sqrt(int)": lambda L: L.sqrt(L.tensor([2, 4])), "int * 2.5": lambda L: L.tensor([1, 2]) * 2.5,
    "int + float64 tensor": lambda L: L.tensor([1, 2]) + L.tensor([0.5], dtype=L.float64),
    "float64 tensor * 2.5": lambda L: L.tensor([1.0], dtype=L.float64) * 2.5,
    "Tensor([1, 2])": lambda L: L.Tensor([1, 2]),
    "get_default_dtype()": lambda L: _dtype_name(L.get_default_dtype()),
    "set_default_dtype(int64)": lambda L: L.set_default_dtype(L.int64),
}


@pytest.mark.parametrize("name", list(DEFAULT_DTYPE))
def test_default_dtype(name):
    fn = DEFAULT_DTYPE[name]
    check_all([(f"{name} under {dt}", lambda L, dt=dt: _under_default(L, dt, fn), [])
               for dt in ("float32", "float64")])


# ---------------------------------------------------------------- inference tensors
def _inference(L, x, use):
    """``use(L, x, i)`` with ``i`` made from ``x`` under ``inference_mode()``."""
    with L.inference_mode():
        i = x * 2
    return use(L, x, i)


INFERENCE = {
    "is_inference inside/outside": lambda L, x: _inference(L, x, lambda L, x, i: (
        i.is_inference(), x.is_inference(), (i + 1).is_inference(), i[0].is_inference(),
        i.detach().is_inference(), i.clone().is_inference(), i.requires_grad)),
    "made under inference_mode(False)": lambda L, x: _nested_inference(L),
    "x * i": lambda L, x: _inference(L, x, lambda L, x, i: x * i),
    "x + i": lambda L, x: _inference(L, x, lambda L, x, i: x + i),
    "i - x": lambda L, x: _inference(L, x, lambda L, x, i: i - x),
    "x / i": lambda L, x: _inference(L, x, lambda L, x, i: x / i),
    "i / x": lambda L, x: _inference(L, x, lambda L, x, i: i / x),
    "x.exp() * i": lambda L, x: _inference(L, x, lambda L, x, i: x.exp() * i),
    "maximum(x, i)": lambda L, x: _inference(L, x, lambda L, x, i: L.maximum(x, i)),
    "x ** i": lambda L, x: _inference(L, x, lambda L, x, i: x ** i),
    "cat([x, i])": lambda L, x: _inference(L, x, lambda L, x, i: L.cat([x.reshape(-1), i.reshape(-1)])),
    "where(c, x, i)": lambda L, x: _inference(L, x, lambda L, x, i: L.where(x > 0, x, i)),
    "i.sin() * 2": lambda L, x: _inference(L, x, lambda L, x, i: i.sin() * 2),
    "i.clone() * x": lambda L, x: _inference(L, x, lambda L, x, i: i.clone() * x),
    "i.add_(1)": lambda L, x: _inference(L, x, lambda L, x, i: i.add_(1)),
    "i[0] = 1": lambda L, x: _inference(L, x, lambda L, x, i: i.__setitem__(0, 1.0)),
    "i.requires_grad_()": lambda L, x: _inference(L, x, lambda L, x, i: i.requires_grad_()),
    "(x*1)[0] = i[0]": lambda L, x: _inference(L, x, lambda L, x, i: _then(x * 1, lambda t: t.__setitem__(0, i[0]))),
    "add_ inside inference_mode": lambda L, x: _add_inside(L, x),
    "no_grad tensors are normal": lambda L, x: _no_grad_normal(L, x),
    "i.data.is_inference()": lambda L, x: _inference(L, x, lambda L, x, i: i.data.is_inference()),
    "Function saving i": lambda L, x: _inference(L, x, lambda L, x, i: _saving_mul(L).apply(x, i)),
    "Function saving i, no grad": lambda L, x: _inference(L, x, lambda L, x, i: _saving_mul(L).apply(i, i)),
}


def _saving_mul(L):
    """A custom Function that saves both inputs for backward."""
    class Mul(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a
    return Mul


def _nested_inference(L):
    with L.inference_mode():
        with L.inference_mode(False):
            t = L.ones(2)
    return t.is_inference(), L.ones(2).is_inference()


def _add_inside(L, x):
    with L.inference_mode():
        i = L.ones(2)
        i.add_(1)
        return i.is_inference(), i


def _no_grad_normal(L, x):
    with L.no_grad():
        t = x * 2
    return t.is_inference(), x * t


@pytest.mark.parametrize("name", list(INFERENCE))
def test_inference_tensors(name):
    cases = [(f"{name} {label}", INFERENCE[name], [x])
             for label, x in inputs(("float64", "int64"), shapes=("1d", "2d"), other_shapes=("1d",))]
    check_all(cases)
