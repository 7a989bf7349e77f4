"""Array functions and their derivatives as SymPy matrix expressions (``F.expr``).

Display only: the engine is the array IR. A parameter of shape ``(n, d)`` is a
``MatrixSymbol`` ``n x d``, a vector of length ``d`` a column ``d x 1``, a scalar a
``Symbol``; contractions that are matrix products become products (with ``.T``),
sums and scalar multiples stay so, elementwise products are Hadamard products and
elementwise functions print as ``exp(...)``, so the Hessian of ``x @ A @ x`` reads
``A + A.T`` ($A + A^{T}$) and the logistic gradient ``X.T*(...)``.

``to_matrix_expr(node, params)`` raises ``NotMatrixExpression`` for what has no matrix
form (arrays of rank 3 and more, indexing, concatenation, ...); the caller then shows
something else.
"""

from __future__ import annotations

import numpy as np
import sympy
from sympy import (DiagMatrix, HadamardPower, HadamardProduct, MatrixExpr, MatrixSymbol,
                   OneMatrix, ZeroMatrix)

from .ir import is_known
from .reverse import topological


class NotMatrixExpression(Exception):
    """A node with no SymPy matrix form."""


class Entrywise(MatrixExpr):
    """A scalar function applied to every entry: ``exp(X)`` means ``exp.(X)``."""

    def __new__(cls, fname, arg):
        name = fname if isinstance(fname, sympy.Symbol) else sympy.Symbol(fname)
        return MatrixExpr.__new__(cls, name, arg)

    @property
    def shape(self):
        return self.args[1].shape

    def _entry(self, i, j, **kwargs):
        return scalar_function(str(self.args[0]))(self.args[1][i, j])

    def doit(self, **hints):
        arg = self.args[1].doit(**hints) if hints.get("deep", True) else self.args[1]
        if isinstance(arg, sympy.MatrixBase):       # numbers substituted: apply it
            return arg.applyfunc(scalar_function(str(self.args[0])))
        return Entrywise(self.args[0], arg)

    def _sympystr(self, printer):
        return f"{self.args[0]}({printer._print(self.args[1])})"

    def _latex(self, printer):
        return f"{_latex_head(str(self.args[0]))}\\left({printer._print(self.args[1])}\\right)"


class EntrySum(sympy.Expr):
    """The sum of all entries of a matrix expression (``numpy.sum``)."""

    def __new__(cls, arg):
        return sympy.Expr.__new__(cls, arg)

    def doit(self, **hints):
        arg = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if isinstance(arg, sympy.MatrixBase):
            return sympy.Add(*arg)
        return EntrySum(arg)

    def _sympystr(self, printer):
        return f"sum({printer._print(self.args[0])})"

    def _latex(self, printer):
        return f"\\operatorname{{sum}}\\left({printer._print(self.args[0])}\\right)"


_LATEX_NAMES = {"exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos",
                "arctan", "sigma"}

_SYMPY_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
                "arccosh": "acosh", "arctanh": "atanh", "abs": "Abs"}


def _sigma(x):
    return 1 / (1 + sympy.exp(-x))


def scalar_function(name: str):
    """The scalar function that ``Entrywise(name, .)`` applies to each entry: SymPy's
    (``exp``, ``tanh``, ...), ``sigma`` the logistic function, else an undefined one."""
    if name == "sigma":
        return _sigma
    fn = getattr(sympy, _SYMPY_NAMES.get(name, name), None)
    return fn if isinstance(fn, type) and issubclass(fn, sympy.Function) else sympy.Function(name)


def _latex_head(name: str) -> str:
    return f"\\{name}" if name in _LATEX_NAMES else f"\\operatorname{{{name}}}"


def _dim(d):
    return sympy.Integer(d) if is_known(d) else d


def _matrix_shape(shape):
    if len(shape) == 1:
        return _dim(shape[0]), sympy.Integer(1)
    if len(shape) == 2:
        return _dim(shape[0]), _dim(shape[1])
    raise NotMatrixExpression(f"an array of rank {len(shape)}")


def _symbol(name, shape):
    if not shape:
        return sympy.Symbol(name, real=True)
    return MatrixSymbol(name, *_matrix_shape(shape))


def _is_matrix(e) -> bool:
    return isinstance(e, MatrixExpr)


def _broadcast_to(e, shape):
    """A scalar as a matrix of ``shape`` (``1`` + vector), or a vector as a matrix row."""
    if not shape or (_is_matrix(e) and e.shape == _matrix_shape(shape)):
        return e
    rows, cols = _matrix_shape(shape)
    if not _is_matrix(e):
        return e * OneMatrix(rows, cols) if e != 1 else OneMatrix(rows, cols)
    if e.shape == (cols, 1) and len(shape) == 2:       # a vector along the last axis
        return OneMatrix(rows, 1) * e.T
    raise NotMatrixExpression("a broadcast with no matrix form")


def _logistic_argument(node):
    """``u`` when ``node`` is ``exp(u) / (1 + exp(u))`` (the logistic function ``sigma(u)``)."""
    num, den = node.args
    if not (num.op == "ewise" and num.attrs[0] == "exp"):
        return None
    if den.op == "ewise" and den.attrs[0] == "add":
        one, e = den.args if den.args[1] is num else den.args[::-1]
        if e is num and one.is_const(1.0):
            return num.args[0]
    return None


def _ewise(node, args, done):
    fname = node.attrs[0]
    shape = node.shape
    if fname == "add":
        a, b = args
        return _broadcast_to(a, shape) + _broadcast_to(b, shape) if shape else a + b
    if fname == "sub":
        a, b = args
        return _broadcast_to(a, shape) - _broadcast_to(b, shape) if shape else a - b
    if fname == "neg":
        return -args[0]
    if fname == "mul":
        a, b = args
        if not _is_matrix(a) or not _is_matrix(b):
            return a * b
        scaled = _diagonal_scaling(node, a, b)
        if scaled is not None:
            return scaled
        return HadamardProduct(_broadcast_to(a, shape), _broadcast_to(b, shape)).doit()
    if fname == "div":
        u = _logistic_argument(node)
        if u is not None:
            arg = done[id(u)]
            return Entrywise("sigma", arg) if _is_matrix(arg) else _sigma(arg)
        a, b = args
        if not _is_matrix(b):
            return a / b
        return HadamardProduct(_broadcast_to(a, shape), HadamardPower(b, -1)).doit() \
            if _is_matrix(a) else a * HadamardPower(b, -1)
    if fname == "pow":
        a, b = args
        if _is_matrix(b):
            raise NotMatrixExpression("an array exponent")
        return HadamardPower(a, b) if _is_matrix(a) else a ** b
    if len(args) == 1:
        (a,) = args
        if not _is_matrix(a):
            fn = getattr(sympy, {"arcsin": "asin", "arccos": "acos", "arctan": "atan",
                                 "abs": "Abs"}.get(fname, fname), None)
            if fn is None:
                raise NotMatrixExpression(f"the function {fname}")
            return fn(a)
        return Entrywise(fname, a)
    raise NotMatrixExpression(f"the elementwise function {fname}")


def _diagonal_scaling(node, a, b):
    """``M * c`` with a vector ``c`` broadcast along the rows (or columns) of a matrix ``M``
    is ``M * Diag(c)`` (or ``Diag(c) * M``): the logistic Hessian reads ``X.T*Diag(c)*X``."""
    if len(node.shape) != 2:
        return None
    rows, cols = node.shape
    for (m, mn), (v, vn) in (((a, node.args[0]), (b, node.args[1])),
                             ((b, node.args[1]), (a, node.args[0]))):
        if tuple(mn.shape) != (rows, cols):
            continue
        if tuple(vn.shape) in ((cols,), (1, cols)) and cols != 1:
            col = v if v.shape == (_dim(cols), 1) else v.T
            return m * DiagMatrix(col)
        if tuple(vn.shape) == (rows, 1) and rows != 1:
            return DiagMatrix(v) * m
    return None


def _einsum(node, args, done):
    inputs, output = node.attrs
    ops = [(e, s) for e, s in zip(args, inputs)]
    scalars = [e for e, s in ops if s == ""]
    ops = [(e, s) for e, s in ops if s != ""]
    coef = sympy.Mul(*scalars) if scalars else sympy.Integer(1)
    if len(ops) == 1:
        (e, s), = ops
        if len(set(s)) != len(s):
            raise NotMatrixExpression("a diagonal")
        if s == output:
            return coef * e
        if len(s) == 2 and s[::-1] == output:
            return coef * e.T
        if output == "":
            return coef * EntrySum(e)
        if len(s) == 2 and len(output) == 1:       # a sum over one axis of a matrix
            return coef * _axis_sum(e, s.index(output) == 1)
        raise NotMatrixExpression("a reduction inside a contraction")
    if len(ops) == 2 and all(len(s) == 1 for _, s in ops) and len(output) == 2 \
            and ops[0][1] != ops[1][1]:             # an outer product u v^T
        (u, su), (v, sv) = ops
        if output == su + sv:
            return coef * (u * v.T)
        if output == sv + su:
            return coef * (v * u.T)
    # a chain of matrix products: orient each operand (rows index, cols index)
    oriented = []
    for e, s in ops:
        if len(s) == 1:
            oriented.append([e, s, None])       # a column vector: its rows carry the index
        elif len(s) == 2 and s[0] != s[1]:
            oriented.append([e, s[0], s[1]])
        else:
            raise NotMatrixExpression("a contraction of high-rank arrays")
    counts = {}
    for s in inputs:
        for c in s:
            counts[c] = counts.get(c, 0) + 1
    if any(v > 2 for v in counts.values()) or any(counts.get(c, 0) != 1 for c in output):
        raise NotMatrixExpression("a contraction that is not a matrix product")
    # start from an operand with a free (output) or unmatched index and walk the chain
    chain, left_free = _walk(oriented, counts)
    prod = chain[0]
    for m in chain[1:]:
        prod = prod * m
    free = [c for c in (left_free) if c is not None]
    if "".join(free) == output or len(output) <= 1:
        if len(output) == 1 and prod.shape[0] == 1:
            prod = prod.T
        return coef * prod
    if "".join(reversed(free)) == output:
        return coef * prod.T
    raise NotMatrixExpression("a contraction with a permuted result")


def _walk(oriented, counts):
    """Order the operands of a matrix chain; returns (factors, [row index, col index])."""
    remaining = list(range(len(oriented)))

    def idx(k):
        e, r, c = oriented[k]
        return r, c

    # a start: an operand with an index that appears once (a free end), else any
    start = None
    for k in remaining:
        r, c = idx(k)
        if counts[r] == 1 or (c is not None and counts[c] == 1) or c is None:
            start = k
            break
    start = remaining[0] if start is None else start
    e, r, c = oriented[start]
    # orient the start so that its free index is on the left
    if c is None:
        e, left, right = e.T, None, r           # a vector starts a chain as a row
    elif counts[r] == 1:
        left, right = r, c
    else:
        e, left, right = e.T, c, r
    factors = [e]
    remaining.remove(start)
    while remaining:
        nxt = None
        for k in remaining:
            r2, c2 = idx(k)
            if right in (r2, c2):
                nxt = k
                break
        if nxt is None:
            raise NotMatrixExpression("an outer product")
        e2, r2, c2 = oriented[nxt]
        if c2 is None:                          # a vector ends the chain as a column
            factors.append(e2)
            right = None
        elif r2 == right:
            factors.append(e2)
            right = c2
        else:
            factors.append(e2.T)
            right = r2
        remaining.remove(nxt)
    return factors, [left if left is None or counts[left] == 1 else None,
                     right if right is None or counts[right] == 1 else None]


def _reduce(node, args, done):
    kind, axes, keepdims = node.attrs
    (x,) = node.args
    (a,) = args
    if kind != "sum":
        raise NotMatrixExpression(f"a {kind} reduction")
    if not _is_matrix(a):
        return a
    if len(axes) == x.ndim and not keepdims:
        return EntrySum(a)
    if x.ndim == 2 and len(axes) == 1:
        total = _axis_sum(a, axes[0] == 1)
        return _transposed(total) if keepdims and axes[0] == 0 else total
    raise NotMatrixExpression(f"a sum over axes {axes} keeping them")


def _transposed(m):
    """``m^T``, kept as one transpose of a compound (SymPy's ``.T`` pushes it inside)."""
    return m.T if isinstance(m, (MatrixSymbol, sympy.Transpose)) else sympy.Transpose(m)


def _axis_sum(m, along_rows: bool):
    """The sums of a matrix's rows (``along_rows``: ``M 1``) or columns (``M^T 1``), as a
    column vector: ``numpy.sum(M, axis=1)`` or ``axis=0``."""
    rows, cols = m.shape
    return m * OneMatrix(cols, 1) if along_rows else _transposed(m) * OneMatrix(rows, 1)


def _transpose(node, args, done):
    (a,) = args
    return a.T if _is_matrix(a) else a


def _broadcast(node, args, done):
    return _broadcast_to(args[0], node.shape)


def _reshape(node, args, done):
    (x,) = node.args
    (a,) = args
    shape = tuple(node.shape)
    if _is_matrix(a) and a.shape == _matrix_shape(shape):
        return a
    if tuple(d for d in shape if d != 1) == tuple(d for d in x.shape if d != 1):
        if len(shape) == 2 and shape[0] == 1 and _is_matrix(a):
            return a.T                          # a vector as a row
        return a
    raise NotMatrixExpression("a reshape")


def _inv(node, args, done):
    (a,) = args
    return sympy.Inverse(a) if _is_matrix(a) else 1 / a


def _det(node, args, done):
    (a,) = args
    if node.shape:
        raise NotMatrixExpression("a stack of determinants")
    return sympy.Determinant(a) if _is_matrix(a) else a


def _solve(node, args, done):
    a, b = args
    if not _is_matrix(a):
        return b / a
    if node.args[1].ndim > 2:
        raise NotMatrixExpression("a stack of solves")
    return sympy.Inverse(a) * b


_RULES = {"ewise": _ewise, "einsum": _einsum, "reduce": _reduce, "transpose": _transpose,
          "broadcast": _broadcast, "reshape": _reshape, "inv": _inv, "det": _det,
          "solve": _solve}


# -- placeholders: what has no matrix form, shown by name ------------------------------------

class ArrayOp(MatrixExpr):
    """A placeholder for an array operation with no matrix form (``sort(x)``,
    ``cumsum(x)``, ``x[1:3]``): printed by name, not evaluated."""

    def __new__(cls, label, rows, cols, *operands):
        label = label if isinstance(label, sympy.Symbol) else sympy.Symbol(label)
        return MatrixExpr.__new__(cls, label, sympy.sympify(rows), sympy.sympify(cols), *operands)

    @property
    def shape(self):
        return self.args[1], self.args[2]

    def _entry(self, i, j, **kwargs):
        raise NotMatrixExpression(f"{self.args[0]} is shown by name and has no entries here")

    def _sympystr(self, printer):
        return _placeholder_text(str(self.args[0]), [printer._print(a) for a in self.args[3:]])

    def _latex(self, printer):
        return _placeholder_latex(str(self.args[0]), [printer._print(a) for a in self.args[3:]])


class ScalarOp(sympy.Expr):
    """A scalar placeholder (``max(x)``, ``det`` of a stack, ...), as ``ArrayOp``."""

    def __new__(cls, label, *operands):
        label = label if isinstance(label, sympy.Symbol) else sympy.Symbol(label)
        return sympy.Expr.__new__(cls, label, *operands)

    def _sympystr(self, printer):
        return _placeholder_text(str(self.args[0]), [printer._print(a) for a in self.args[1:]])

    def _latex(self, printer):
        return _placeholder_latex(str(self.args[0]), [printer._print(a) for a in self.args[1:]])


def _placeholder_text(label, operands):
    if label.startswith("[") and len(operands) == 1:      # indexing: x[1:3], (2*x)[1:3]
        x = operands[0]
        return f"{x}{label}" if x.isidentifier() else f"({x}){label}"
    return f"{label}({', '.join(operands)})" if operands else label


def _placeholder_latex(label, operands):
    if label.startswith("[") and len(operands) == 1:
        x = operands[0]
        x = x if x.isidentifier() else f"\\left({x}\\right)"
        return f"{x}\\left[{label[1:-1]}\\right]"
    head = _latex_head(label) if label in _LATEX_NAMES else \
        f"\\operatorname{{{label.replace('_', chr(92) + '_')}}}"
    return f"{head}\\left({', '.join(operands)}\\right)" if operands else head


def _label(node) -> str:
    """The name a placeholder shows: the numpy function, with its static arguments."""
    op, attrs = node.op, node.attrs
    if op == "reduce":
        kind, axes, keepdims = attrs
        if len(axes) == node.args[0].ndim:
            return kind
        return f"{kind}[axis={axes[0] if len(axes) == 1 else axes}]"
    if op == "ewise":
        return attrs[0]
    if op == "index":
        return f"[{_key_text(attrs[0])}]"       # printed after its operand: x[1:3]
    if op == "scatter":
        return f"scatter[{_key_text(attrs[0])}]"
    if op == "permute":
        return "sort" if node.args[0] is node.args[1] else "sorted_by"
    if op == "unpermute":
        return "unsorted_by"
    if op in ("cumsum", "concat"):
        return f"{'concatenate' if op == 'concat' else op}[axis={attrs[0]}]"
    if op == "roll":
        return f"roll[shift={attrs[0]}, axis={attrs[1]}]"
    if op in ("tril", "triu"):
        return f"{op}[k={attrs[0]}]"
    return op


def _key_text(key) -> str:
    def one(k):
        if isinstance(k, slice):
            text = ":".join("" if v is None else str(v) for v in (k.start, k.stop, k.step))
            return text[:-1] if k.step is None else text
        if k is None:
            return "None"
        if k is Ellipsis:
            return "..."
        if isinstance(k, np.ndarray):
            return str(k.tolist()) if k.size <= 6 else f"<{k.size} indices>"
        return str(k)
    return ", ".join(one(k) for k in (key if isinstance(key, tuple) else (key,)))


def _placeholder(node, args):
    operands = [a for a in args if isinstance(a, (sympy.Expr, MatrixExpr))]
    if node.op == "permute" and node.args[0] is node.args[1]:
        operands = operands[:1]                 # sort(x), not sort(x, x)
    if not node.shape:
        return ScalarOp(_label(node), *operands)
    rows, cols = _matrix_shape(node.shape)
    return ArrayOp(_label(node), rows, cols, *operands)


def _const(node, placeholders):
    v = node.attrs[0]
    if isinstance(v, float):
        return sympy.Integer(int(v)) if v == int(v) and abs(v) < 1e15 else sympy.Float(v)
    if v.ndim == 0:
        return _number(v.item())
    if v.ndim <= 2 and v.size <= 16:            # a small array: its entries
        rows, cols = (v.shape[0], 1) if v.ndim == 1 else v.shape
        entries = [[_number(x) for x in row] for row in v.reshape(rows, cols).tolist()]
        return sympy.ImmutableMatrix(entries)
    if not placeholders:
        raise NotMatrixExpression("a constant array")
    return _placeholder(node, [])


def _number(x):
    x = float(x)
    return sympy.Integer(int(x)) if x == int(x) and abs(x) < 1e15 else sympy.Float(x)


def to_matrix_expr(node, params: dict, placeholders: bool = False):
    """``node`` as a SymPy (matrix) expression; ``params``: name -> param node. With
    ``placeholders``, operations with no matrix form are shown by name (``sort(x)``);
    arrays of rank 3 or more still raise ``NotMatrixExpression``."""
    names = {id(p): n for n, p in params.items()}
    done: dict = {}
    for n in topological([node]):
        if n.op == "param":
            name = names.get(id(n), n.attrs[0])
            done[id(n)] = _symbol(name, n.shape)
            continue
        if n.op == "const":
            done[id(n)] = _const(n, placeholders)
            continue
        if n.op == "dim":
            done[id(n)] = _dim(n.attrs[0])
            continue
        if n.op == "eye":
            done[id(n)] = sympy.Identity(_dim(n.attrs[0]))
            continue
        args = [done[id(a)] for a in n.args]
        rule = _RULES.get(n.op)
        try:
            if rule is None:
                raise NotMatrixExpression(f"the operation {n.op}")
            done[id(n)] = rule(n, args, done)
        except NotMatrixExpression:
            if not placeholders:
                raise
            done[id(n)] = _placeholder(n, args)
    return done[id(node)]


def function_expr(F, placeholders: bool = False):
    """``F.expr`` of an array function: its result as a matrix expression (a tuple of
    them for a gradient or a tuple of results)."""
    params = {p: F.program.nodes[p] for p in F.params}
    outs = [to_matrix_expr(o, params, placeholders) for o in F.outputs]
    if len(outs) == 1 and F.result_kind != "grad":
        return outs[0]
    return tuple(outs)


def function_latex(F, expr) -> str:
    """LaTeX of ``F.expr`` = ``expr``: one expression as SymPy writes it; a tuple (a
    gradient in several parameters) as aligned rows, one partial derivative a row."""
    if not isinstance(expr, tuple):
        return sympy.latex(expr)
    labels = _row_labels(F, len(expr))
    rows = [f"{label} &= {sympy.latex(e)}" for label, e in zip(labels, expr)]
    return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"


def _row_labels(F, k):
    f = sympy.latex(sympy.Symbol(F.program.name))
    wrt = [n.attrs[0] for n in getattr(F, "_wrt_nodes", ())]
    if F.result_kind == "grad" and len(wrt) == k:
        return [f"\\frac{{\\partial {f}}}{{\\partial {sympy.latex(sympy.Symbol(w))}}}"
                for w in wrt]
    return [f"{f}_{{{i}}}" for i in range(k)]
