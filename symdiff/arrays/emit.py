"""Code generation for the array IR: readable numpy source, one line per named value.

Contractions that are matrix products print as ``@`` (with ``.T`` for transposed
operands), other contractions as ``numpy.einsum(..., optimize=True)``; elementwise
values used once are written inline into the expression that uses them, so the
source reads like hand-written numpy and its length does not depend on the data
size. Constant arrays are named ``_k0, _k1, ...`` in the function's globals (shown
in a comment). Named sizes are read from the arguments' shapes at the top.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from . import elementwise
from .indexing import is_basic
from .ir import ArrayError, Node, is_known
from .reverse import topological

_ATOM = 9


class NoSpelling(ArrayError):
    """An operation the chosen backend's library has no spelling for (raised to the user
    as ``backends.BackendError``)."""


class Printer:
    def __init__(self, params: dict, backend: str = "numpy"):
        self.params = params            # name -> param node
        self.names: dict = {}           # id(node) -> variable name
        self.consts: dict = {}          # constant arrays: name -> value
        self.dims: set = set()          # named sizes used
        self.backend = backend

    # -- sizes and keys ------------------------------------------------------------
    def dim(self, d) -> str:
        if is_known(d):
            return str(d)
        self.dims |= d.free_symbols
        return str(d)

    def shape(self, shape) -> str:
        parts = [self.dim(d) for d in shape]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"

    def constant(self, value: np.ndarray) -> str:
        for name, v in self.consts.items():
            if v is value:
                return name
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def _bound(self, v) -> str:
        """A slice bound: a number, or an expression in named sizes."""
        return str(int(v)) if isinstance(v, (int, np.integer)) else self.dim(v)

    def key(self, key) -> str:
        parts = []
        for k in key:
            if k is None:
                parts.append("None")
            elif isinstance(k, int):
                parts.append(str(k))
            elif isinstance(k, slice):
                text = ":".join("" if v is None else self._bound(v) for v in (k.start, k.stop))
                if k.step is not None and k.step != 1:
                    text += f":{self._bound(k.step)}"
                parts.append(text)
            else:
                parts.append(self.constant(k))
        while len(parts) > 1 and parts[-1] == ":":
            parts.pop()
        return ", ".join(parts) if parts else "()"

    # -- expressions ----------------------------------------------------------------
    def text(self, node: Node, inline: dict) -> tuple[str, int]:
        """(text, precedence) of ``node``; named nodes print as their name."""
        name = self.names.get(id(node))
        if name is not None:
            return name, _ATOM
        if id(node) in inline:
            return inline[id(node)]
        return self.expr(node, inline)

    def arg(self, node, inline, prec: int, strict: bool = False) -> str:
        text, p = self.text(node, inline)
        return f"({text})" if p < prec or (strict and p == prec) else text

    def expr(self, node: Node, inline: dict) -> tuple[str, int]:
        op = node.op
        if op == "param":
            return node.attrs[0], _ATOM
        if op == "const":
            v = node.attrs[0]
            if isinstance(v, float):
                return _float(v)
            return self.constant(v), _ATOM
        return getattr(self, "_" + op)(node, inline)

    def _ewise(self, node, inline):
        fname = node.attrs[0]
        spec = elementwise.FUNCTIONS[fname]
        args = node.args
        if self.backend == "torch" and spec.dtype == "f" and fname not in ("where", "clip") \
                and any(a.dtype == "b" for a in args):
            return self._torch_mixed(node, inline, spec)
        arg = self.arg
        if spec.dtype == "f" and not any(a.op != "const" and a.dtype == "f" for a in args):
            arg = self.float_arg        # no float array among the operands
        if spec.prec < _ATOM:
            if len(args) == 1:
                return f"{spec.text}{arg(args[0], inline, spec.prec)}", spec.prec
            if fname == "pow":          # right-associative
                left = arg(args[0], inline, spec.prec, strict=True)
                right = arg(args[1], inline, spec.prec)
            else:
                left = arg(args[0], inline, spec.prec)
                right = arg(args[1], inline, spec.prec, strict=True)
            return f"{left} {spec.text} {right}", spec.prec
        inner = ", ".join(arg(a, inline, 0) for a in args)
        return spec.text.format(inner), _ATOM

    def float_arg(self, node, inline, prec: int, strict: bool = False) -> str:
        """``arg``, with a scalar float constant written as a float (``1.0``, not ``1``):
        for operations whose only float operands are constants, numpy would otherwise
        compute in integers (``where(c, 1, 0)``, ``1 * mask``, ``broadcast_to(1, s)``
        are int arrays, and a gradient must be float64)."""
        if node.op == "const" and isinstance(node.attrs[0], float) \
                and id(node) not in self.names and id(node) not in inline:
            text, p = _float(node.attrs[0], exact=True)
            return f"({text})" if p < prec or (strict and p == prec) else text
        return self.arg(node, inline, prec, strict)

    def _torch_mixed(self, node, inline, spec):
        """Arithmetic on a mask in torch: the mask as float64 first (torch would give
        float32 for bool / int, numpy gives float64)."""
        texts = [self.arg(a, inline, _ATOM) + ".double()" if a.dtype == "b"
                 else self.arg(a, inline, spec.prec if spec.prec < _ATOM else 0) for a in node.args]
        if spec.prec < _ATOM:
            if len(texts) == 1:
                return f"{spec.text}{texts[0]}", spec.prec
            return f"{texts[0]} {spec.text} ({texts[1]})", spec.prec
        return spec.text.format(", ".join(texts)), _ATOM

    def _einsum(self, node, inline):
        inputs, output = node.attrs
        mm = _as_matmul(inputs, output, [a.ndim for a in node.args])
        if mm is not None:
            (ia, ta), (ib, tb), swap = mm
            a = self._maybe_t(node.args[ia], inline, ta)
            b = self._maybe_t(node.args[ib], inline, tb)
            if swap:
                return f"({a} @ {b}).T", _ATOM
            return f"{a} @ {b}", 2
        product = self._broadcast_product(node, inline)
        if product is not None:
            return product
        ops = ", ".join(self.arg(a, inline, 0) for a in node.args)
        spec = ",".join(inputs) + "->" + output
        if self.backend == "torch":
            return f"torch.einsum('{spec}', {ops})", _ATOM
        opt = ", optimize=True" if len(inputs) > 1 else ""
        return f"numpy.einsum('{spec}', {ops}{opt})", _ATOM

    def _broadcast_product(self, node, inline):
        """A contraction that sums nothing (an outer product, a scaling by a vector) as a
        broadcast product ``b[:, None] * a``, when every operand's indices come in the
        output's order."""
        inputs, output = node.attrs
        if len(inputs) != 2 or any(c not in output for s in inputs for c in s):
            return None
        parts = []
        for spec, a in zip(inputs, node.args):
            pos = [output.index(c) for c in spec]
            if len(set(spec)) != len(spec) or pos != sorted(pos):
                return None
            key = [":" if c in spec else "None" for c in output]
            while key and key[0] == "None":
                key.pop(0)                  # leading axes broadcast by themselves
            text = self.arg(a, inline, 2, strict=bool(parts))
            if "None" in key:
                while key[-1] == ":":
                    key.pop()
                text = f"{self.arg(a, inline, _ATOM)}[{', '.join(key)}]"
            parts.append(text)
        return f"{parts[0]} * {parts[1]}", 2

    def _maybe_t(self, node, inline, transposed):
        if transposed:
            return self.arg(node, inline, _ATOM) + ".T"
        return self.arg(node, inline, 3)

    def _reduce(self, node, inline):
        kind, axes, keepdims = node.attrs
        (x,) = node.args
        if self.backend == "torch":
            return self._torch_reduce(node, inline)
        fn = {"sum": "sum", "max": "max", "min": "min", "prod": "prod"}[kind]
        extra = ""
        if axes != tuple(range(x.ndim)) or keepdims:
            extra = f", axis={axes[0] if len(axes) == 1 else axes}"
        if keepdims:
            extra += ", keepdims=True"
        return f"numpy.{fn}({self.arg(x, inline, 0)}{extra})", _ATOM

    def _torch_reduce(self, node, inline):
        kind, axes, keepdims = node.attrs
        (x,) = node.args
        text = self.arg(x, inline, 0)
        whole = axes == tuple(range(x.ndim)) and not keepdims
        if kind == "prod":                  # torch.prod takes one dim at a time
            if whole:
                return f"torch.prod({text})", _ATOM
            for a in sorted(axes, reverse=True):
                text = f"torch.prod({text}, dim={a}, keepdim={keepdims})"
            return text, _ATOM
        fn = {"sum": "sum", "max": "amax", "min": "amin"}[kind]
        # a count of a mask: float64 (torch sums bools to int64, and a Python float
        # divided by an int64 tensor is float32, torch's default)
        dtype = ", dtype=torch.float64" if kind == "sum" and x.dtype == "b" else ""
        if whole:
            return f"torch.{fn}({text}{dtype})", _ATOM
        return f"torch.{fn}({text}, dim={axes}, keepdim={keepdims}{dtype})", _ATOM

    def _broadcast(self, node, inline):
        if self.backend == "torch":
            (x,) = node.args
            if x.op == "const" and isinstance(x.attrs[0], float):
                return (f"torch.full({self.shape(node.shape)}, {_float(x.attrs[0])[0]}, "
                        "dtype=torch.float64)"), _ATOM
            return f"torch.broadcast_to({self.arg(x, inline, 0)}, {self.shape(node.shape)})", _ATOM
        return f"numpy.broadcast_to({self.float_arg(node.args[0], inline, 0)}, {self.shape(node.shape)})", _ATOM

    def _reshape(self, node, inline):
        return f"{self.arg(node.args[0], inline, _ATOM)}.reshape({self.shape(node.shape)})", _ATOM

    def _transpose(self, node, inline):
        (perm,) = node.attrs
        x = self.arg(node.args[0], inline, _ATOM)
        if perm == tuple(reversed(range(len(perm)))) and (len(perm) == 2 or self.backend != "torch"):
            return f"{x}.T", _ATOM
        if self.backend == "torch":
            return f"{x}.permute({perm})", _ATOM
        return f"{x}.transpose({perm})", _ATOM

    def _index(self, node, inline):
        key = node.attrs[0]
        if self.backend == "torch" and any(isinstance(k, slice) and k.step is not None and k.step < 0
                                           for k in key):
            return self._torch_flipped(node, inline)
        return f"{self.arg(node.args[0], inline, _ATOM)}[{self.key(key)}]", _ATOM

    def _torch_flipped(self, node, inline):
        """torch has no negative slice steps: a reversal is torch.flip."""
        key = node.attrs[0]
        if any(k is None or isinstance(k, np.ndarray) for k in key) or any(
                isinstance(k, slice) and k.step is not None and k.step < 0
                and (k.step != -1 or k.start is not None or k.stop is not None) for k in key):
            raise NoSpelling(f"the torch backend: the index [{self.key(key)}] (a negative "
                               "step other than a whole reversal) has no torch spelling")
        dims, out_axis, plain = [], 0, []
        for k in key:
            if isinstance(k, slice) and k.step == -1:
                dims.append(out_axis)
                plain.append(slice(None))
            else:
                plain.append(k)
            if not isinstance(k, int):
                out_axis += 1
        base = self.arg(node.args[0], inline, _ATOM)
        if any(not (isinstance(k, slice) and k == slice(None)) for k in plain):
            base = f"{base}[{self.key(tuple(plain))}]"
        return f"torch.flip({base}, dims={tuple(dims)})", _ATOM

    def _torch_unflipped(self, key, value):
        """A scatter's basic key without negative steps (torch has none): the whole
        reversals ``::-1`` become flips of the value written."""
        if not any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in key):
            return key, value
        if any(k is None for k in key) or any(
                isinstance(k, slice) and k.step is not None and k.step < 0
                and k != slice(None, None, -1) for k in key):
            raise NoSpelling(f"the torch backend: the gradient of the index [{self.key(key)}] "
                             "(a negative step other than a whole reversal) has no torch "
                             "spelling here; use the numpy or jax backend")
        dims, axis, plain = [], 0, []
        for k in key:
            if isinstance(k, slice) and k.step == -1:
                dims.append(axis)
                plain.append(slice(None))
            else:
                plain.append(k)
            if not isinstance(k, (int, np.integer)):
                axis += 1
        return tuple(plain), f"torch.flip({value}, dims={tuple(dims)})"

    def _concat(self, node, inline):
        items = ", ".join(self.arg(a, inline, 0) for a in node.args)
        if self.backend == "torch":
            return f"torch.cat(({items}), dim={node.attrs[0]})", _ATOM
        return f"numpy.concatenate(({items}), axis={node.attrs[0]})", _ATOM

    def _cumsum(self, node, inline):
        if self.backend == "torch":
            return f"torch.cumsum({self.arg(node.args[0], inline, 0)}, dim={node.attrs[0]})", _ATOM
        return f"numpy.cumsum({self.arg(node.args[0], inline, 0)}, axis={node.attrs[0]})", _ATOM

    def _cumprod(self, node, inline):            # along the last axis
        x = self.arg(node.args[0], inline, 0)
        if self.backend == "torch":
            return f"torch.cumprod({x}, dim=-1)", _ATOM
        return f"numpy.cumprod({x}, axis=-1)", _ATOM

    def _roll(self, node, inline):
        shift, axis = node.attrs
        if self.backend == "torch":
            dims = "" if axis is None else f", dims={axis}"
            return f"torch.roll({self.arg(node.args[0], inline, 0)}, {shift}{dims})", _ATOM
        return f"numpy.roll({self.arg(node.args[0], inline, 0)}, {shift}, axis={axis})", _ATOM

    def _tril(self, node, inline):
        lib = "torch" if self.backend == "torch" else "numpy"
        return f"{lib}.tril({self.arg(node.args[0], inline, 0)}, {node.attrs[0]})", _ATOM

    def _triu(self, node, inline):
        lib = "torch" if self.backend == "torch" else "numpy"
        return f"{lib}.triu({self.arg(node.args[0], inline, 0)}, {node.attrs[0]})", _ATOM

    def _permute(self, node, inline):
        t, x = node.args
        axis, lead = node.attrs
        xs = self.arg(x, inline, 0)
        torch = self.backend == "torch"
        if t is x and node.op == "permute":
            if torch:
                return f"torch.sort({xs}, dim={axis}).values", _ATOM
            return f"numpy.sort({xs}, axis={axis})", _ATOM
        stable = {"torch": "stable=True", "jax": "stable=True"}.get(self.backend, "kind='stable'")
        ax = "dim" if torch else "axis"
        lib = "torch" if torch else "numpy"
        order = f"{lib}.argsort({xs}, {ax}={axis}, {stable})"
        if node.op == "unpermute":          # the inverse order: the ranks
            order = f"{lib}.argsort({order}, {ax}={axis}, {stable})"
        if lead:
            order += "[" + "None, " * lead + "...]"
        take = "torch.take_along_dim" if torch else "numpy.take_along_axis"
        return f"{take}({self.arg(t, inline, 0)}, {order}, {ax}={axis + lead})", _ATOM

    _unpermute = _permute

    def _inv(self, node, inline):
        return f"numpy.linalg.inv({self.arg(node.args[0], inline, 0)})", _ATOM

    def _cholesky(self, node, inline):
        return f"numpy.linalg.cholesky({self.arg(node.args[0], inline, 0)})", _ATOM

    def _eigh_w(self, node, inline):
        return f"numpy.linalg.eigh({self.arg(node.args[0], inline, 0)}, {node.attrs[0]!r})[0]", _ATOM

    def _eigh_v(self, node, inline):
        return f"numpy.linalg.eigh({self.arg(node.args[0], inline, 0)}, {node.attrs[0]!r})[1]", _ATOM

    def _det(self, node, inline):
        return f"numpy.linalg.det({self.arg(node.args[0], inline, 0)})", _ATOM

    def _solve(self, node, inline):
        a, b = (self.arg(x, inline, 0) for x in node.args)
        return f"numpy.linalg.solve({a}, {b})", _ATOM

    def _dim(self, node, inline):
        return f"float({self.dim(node.attrs[0])})", _ATOM

    def _scatter(self, node, inline):         # as a value in the docstring's expression
        key, shape = node.attrs
        return f"scatter({self.arg(node.args[0], inline, 0)}, [{self.key(key)}], {self.shape(shape)})", _ATOM

    def _eye(self, node, inline):
        if self.backend == "torch":
            return f"torch.eye({self.dim(node.attrs[0])}, dtype=torch.float64)", _ATOM
        return f"numpy.eye({self.dim(node.attrs[0])})", _ATOM

    def statements(self, node, name, inline) -> list[str]:
        """Lines that compute ``node`` into ``name`` (a scatter takes two)."""
        if node.op == "scatter":
            key, shape = node.attrs
            g = self.arg(node.args[0], inline, 0)
            if self.backend == "jax":           # immutable arrays: .at[...]
                how = "set" if is_basic(key) else "add"
                return [f"{name} = numpy.zeros({self.shape(shape)}).at[{self.key(key)}].{how}({g})"]
            if self.backend == "torch":
                zeros = f"{name} = torch.zeros({self.shape(shape)}, dtype=torch.float64)"
                if is_basic(key):
                    key, g = self._torch_unflipped(key, g)
                    return [zeros, f"{name}[{self.key(key)}] = {g}"]
                arrays = [k for k, v in enumerate(key) if isinstance(v, np.ndarray)]
                if len(arrays) == 1 and key[arrays[0]].ndim == 1 and all(
                        isinstance(v, slice) and v == slice(None)
                        for k, v in enumerate(key) if k != arrays[0]):
                    d = arrays[0]               # one index array: a scatter-add along it
                    return [zeros, f"{name}.index_add_({d}, {self.constant(key[d])}, {g})"]
                raise NoSpelling(f"the torch backend: the gradient of the index "
                                   f"[{self.key(key)}] (a scatter-add over several index "
                                   "arrays) has no torch spelling here; use the numpy or jax "
                                   "backend")
            if self.backend == "cupy" and not is_basic(key):
                return [f"{name} = numpy.zeros({self.shape(shape)})",
                        f"_scatter_add({name}, ({self.key(key)},), {g})"]
            if is_basic(key):
                return [f"{name} = numpy.zeros({self.shape(shape)})",
                        f"{name}[{self.key(key)}] = {g}"]
            return [f"{name} = numpy.zeros({self.shape(shape)})",
                    f"numpy.add.at({name}, numpy.s_[{self.key(key)}], {g})"]
        text, _ = self.expr(node, inline)
        return [f"{name} = {text}"]


def _float(v: float, exact: bool = False) -> tuple[str, int]:
    if math.isnan(v):
        return "math.nan", _ATOM
    if math.isinf(v):
        return ("math.inf", _ATOM) if v > 0 else ("-math.inf", 3)
    if v == int(v) and abs(v) < 1e15 and not exact:
        text = str(int(v))
    else:
        text = repr(v)
    return (text, _ATOM - 1) if v >= 0 else (text, 3)     # 1.T would not parse: (1).T


def _as_matmul(inputs, output, ndims):
    """((operand, transposed), (operand, transposed), transpose result) when the
    contraction is one matrix or matrix-vector product, else None."""
    if len(inputs) != 2:
        return None
    sa, sb = inputs
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or not sa or not sb:
        return None
    shared = set(sa) & set(sb)
    contracted = [c for c in shared if c not in output]
    if len(contracted) != 1 or len(sa) > 2 or len(sb) > 2 or shared - set(contracted):
        return None
    (c,) = contracted
    fa = [x for x in sa if x != c]
    fb = [x for x in sb if x != c]
    if sorted(fa + fb) != sorted(output) or len(output) != len(fa) + len(fb):
        return None
    # a: (fa, c) or its transpose; b: (c, fb) or its transpose
    ta = len(sa) == 2 and sa[0] == c
    tb = len(sb) == 2 and sb[1] == c
    if "".join(fa + fb) == output:
        return (0, ta), (1, tb), False
    if "".join(fb + fa) == output:         # b @ a: swap the roles
        ta2 = len(sb) == 2 and sb[0] == c
        tb2 = len(sa) == 2 and sa[1] == c
        return (1, ta2), (0, tb2), False
    return None


def _uses(order) -> dict:
    count: dict = {}
    for n in order:
        for a in n.args:
            count[id(a)] = count.get(id(a), 0) + 1
    return count


_INLINE_OPS = {"ewise", "transpose", "reshape", "broadcast", "einsum", "reduce", "index"}
RELEASE = True                  # delete named values after their last use (see body)
_INLINE_MAX = 72                # characters: a longer value used once is named anyway


def body(outputs, params: dict, out_text, backend: str = "numpy"):
    """Lines of the function body computing ``outputs``; ``out_text(texts)`` writes
    the return expression from the outputs' texts. Returns (lines, printer).

    A value used once is written into the expression that uses it (as one writes
    ``numpy.tanh(X @ W1 + b1)`` by hand: numpy then computes the sum in the product's
    buffer); a named value is deleted after its last use (``del _t0``), so that the
    memory of large intermediate arrays is reused within the call instead of being
    held to the end (fresh memory costs page faults, as much as the arithmetic)."""
    pr = Printer(params, backend)
    order = topological(outputs)
    uses = _uses(order)
    for o in outputs:
        uses[id(o)] = uses.get(id(o), 0) + 2
    for name, p in params.items():
        pr.names[id(p)] = name
    inline: dict = {}
    stmts: list = []                # (node, name, ids of the named values it reads)
    reads: dict = {}                # id(inlined node) -> ids of named values it reads
    k = 0
    for node in order:
        if node.op in ("param",) or (node.op == "const" and isinstance(node.attrs[0], float)):
            continue
        if node.op == "const":
            pr.names[id(node)] = pr.constant(node.attrs[0])
            continue
        deps: set = set()
        for a in node.args:
            if id(a) in reads:
                deps |= reads[id(a)]
            elif id(a) in pr.names and a.op not in ("param", "const"):
                deps.add(id(a))
        if uses.get(id(node), 0) == 1 and node.op in _INLINE_OPS:
            text = pr.expr(node, inline)
            if node.op == "ewise" or len(text[0]) <= _INLINE_MAX:
                inline[id(node)] = text
                reads[id(node)] = deps
                continue
        name = f"_t{k}"
        k += 1
        stmts.append((node, name, deps))
        pr.names[id(node)] = name
    keep = set()
    for o in outputs:
        keep |= reads.get(id(o), {id(o)})
    last: dict = {}
    for i, (_, _, deps) in enumerate(stmts):
        for d in deps:
            last[d] = i
    lines: list[str] = []
    for i, (node, name, _) in enumerate(stmts):
        lines.extend(pr.statements(node, name, inline))
        dead = [pr.names[d] for d, j in last.items() if j == i and d not in keep]
        if dead and RELEASE and i < len(stmts) - 1:
            lines.append("del " + ", ".join(sorted(dead, key=lambda t: int(t[2:]))))
    texts = []
    for o in outputs:
        t, _ = pr.text(o, inline)
        if o.op == "broadcast":         # a writable array, not a broadcast view
            t = f"{t}.clone()" if backend == "torch" else f"numpy.array({t})"
        texts.append(t)
    lines.append(f"return {out_text(texts)}")
    prologue = _size_lines(pr.dims, params)
    if backend in ("torch", "cupy"):    # the arguments on that library's arrays
        prologue = [f"{p} = _in({p})" for p in params] + prologue
    return prologue + lines, pr


def _size_lines(dims: set, params: dict) -> list[str]:
    lines, done = [], set()
    for name, p in params.items():
        for axis, d in enumerate(p.shape):
            if isinstance(d, sympy.Symbol) and d in dims and d not in done:
                done.add(d)
                lines.append(f"{d} = {name}.shape[{axis}]")
    missing = dims - done
    if missing:
        raise ValueError(f"named sizes {sorted(map(str, missing))} belong to no parameter")
    return lines
