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
        return sympy.Function(str(self.args[0]))(self.args[1][i, j])

    def _sympystr(self, printer):
        return f"{self.args[0]}({printer._print(self.args[1])})"

    def _latex(self, printer):
        name = str(self.args[0])
        head = f"\\{name}" if name in _LATEX_NAMES else f"\\operatorname{{{name}}}"
        return f"{head}\\left({printer._print(self.args[1])}\\right)"


class EntrySum(sympy.Expr):
    """The sum of all entries of a matrix expression (``numpy.sum``)."""

    def __new__(cls, arg):
        return sympy.Expr.__new__(cls, arg)

    def _sympystr(self, printer):
        return f"sum({printer._print(self.args[0])})"

    def _latex(self, printer):
        return f"\\operatorname{{sum}}\\left({printer._print(self.args[0])}\\right)"


_LATEX_NAMES = {"exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos",
                "arctan"}


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


def _ewise(node, args):
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


def _einsum(node, args):
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
        raise NotMatrixExpression("a reduction inside a contraction")
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


def _reduce(node, args):
    kind, axes, keepdims = node.attrs
    (x,) = node.args
    if kind != "sum" or keepdims or len(axes) != x.ndim:
        raise NotMatrixExpression(f"a {kind} over some axes")
    (a,) = args
    return EntrySum(a) if _is_matrix(a) else a


def _transpose(node, args):
    (a,) = args
    return a.T if _is_matrix(a) else a


def _broadcast(node, args):
    return _broadcast_to(args[0], node.shape)


def _reshape(node, args):
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


_RULES = {"ewise": _ewise, "einsum": _einsum, "reduce": _reduce, "transpose": _transpose,
          "broadcast": _broadcast, "reshape": _reshape}


def to_matrix_expr(node, params: dict):
    """``node`` as a SymPy (matrix) expression; ``params``: name -> param node."""
    names = {id(p): n for n, p in params.items()}
    done: dict = {}
    for n in topological([node]):
        if n.op == "param":
            name = names.get(id(n), n.attrs[0])
            done[id(n)] = _symbol(name, n.shape)
            continue
        if n.op == "const":
            v = n.attrs[0]
            if not isinstance(v, float):
                raise NotMatrixExpression("a constant array")
            done[id(n)] = sympy.Integer(int(v)) if v == int(v) and abs(v) < 1e15 else sympy.Float(v)
            continue
        if n.op == "dim":
            done[id(n)] = _dim(n.attrs[0])
            continue
        if n.op == "eye":
            done[id(n)] = sympy.Identity(_dim(n.attrs[0]))
            continue
        rule = _RULES.get(n.op)
        if rule is None:
            raise NotMatrixExpression(f"the operation {n.op}")
        done[id(n)] = rule(n, [done[id(a)] for a in n.args])
    out = done[id(node)]
    if _is_matrix(out) and node.shape == () and out.shape == (1, 1):
        return out
    if isinstance(out, ZeroMatrix):
        return out
    return out


def function_expr(F):
    """``F.expr`` of an array function: its result as a matrix expression (a ``Matrix`` of
    them for a tuple of results, as ``F.expr`` of a tuple-valued function)."""
    params = {p: F.program.nodes[p] for p in F.params}
    outs = [to_matrix_expr(o, params) for o in F.outputs]
    if len(outs) == 1 and F.result_kind != "grad":
        return outs[0]
    return tuple(outs)
