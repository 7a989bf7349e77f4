r"""Array functions and their derivatives as SymPy matrix expressions (``F.expr``,
``str(F)``, ``F.latex()``, the notebook's ``_repr_latex_``).

Display only: the engine is the array IR. A parameter of shape ``(n, d)`` is a
``MatrixSymbol`` ``n x d``, a vector of length ``d`` a column ``d x 1``, a scalar a
``Symbol``; contractions that are matrix products become products (with ``.T``), an
outer product ``u v^T``, a sum over one axis ``M^T 1``, sums and scalar multiples stay
so, elementwise products are Hadamard products, elementwise functions print as
``exp(...)`` and ``exp(u) / (1 + exp(u))`` as ``sigma(u)``. So the Hessian of
``x @ A @ x`` reads ``A + A.T`` ($A + A^{T}$), the logistic gradient
``-X.T*(sigma(...) o y)``, and a gradient in several parameters is a tuple of them.

``tidy`` writes a result as one would by hand (common factors out, transposed products
reversed); ``shared`` names the pieces used in more than one place, and the printers
show them after "where": ``TextPrinter`` in numpy terms for ``str(F)``
(``X.T @ S, sum(S, axis=0), ...  where H = tanh(X @ W1 + b1), ...``), ``LatexPrinter``
with ``\odot`` and ``\mathbf{1}`` for ``F.latex()`` (aligned rows, one partial
derivative a row). All of it costs the size of the graph, not of the expanded tree.

``to_matrix_expr(node, params)`` raises ``NotMatrixExpression`` for what has no matrix
form (indexing, sort, cumsum, ...); with ``placeholders=True`` those are shown by name
(``sort(x)``, ``x[1:3]``, ``cumsum[axis=0](x)``: ``ArrayOp``, not evaluated), and only
arrays of rank 3 or more still raise.
"""

from __future__ import annotations

import math

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter as _SympyLatexPrinter
from sympy.matrices.exceptions import ShapeError as MatrixShapeError
from sympy.printing.str import StrPrinter
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
        arg = _explicit(self.args[1].doit(**hints) if hints.get("deep", True) else self.args[1])
        if isinstance(arg, sympy.MatrixBase):       # numbers substituted: apply it
            return arg.applyfunc(scalar_function(str(self.args[0])))
        return Entrywise(self.args[0], arg)

    def _sympystr(self, printer):
        return f"{self.args[0]}({printer._print(self.args[1])})"

    def _latex(self, printer):
        return f"{_latex_head(str(self.args[0]))}\\left({printer._print(self.args[1])}\\right)"


def _explicit(m):
    """``m`` as an explicit matrix when it is one in all but name (numbers substituted
    into a Hadamard power, say, which SymPy's ``doit`` leaves as it is)."""
    if isinstance(m, MatrixExpr) and not isinstance(m, sympy.MatrixBase) \
            and all(sympy.sympify(d).is_Integer for d in m.shape) and not m.atoms(MatrixSymbol) \
            and not m.atoms(ArrayOp):
        return m.as_explicit()
    return m


class EntrySum(sympy.Expr):
    """The sum of all entries of a matrix expression (``numpy.sum``)."""

    is_commutative = True                       # a scalar (MatMul takes it as a coefficient)

    def __new__(cls, arg):
        return sympy.Expr.__new__(cls, arg)

    def doit(self, **hints):
        arg = _explicit(self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0])
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


_SCALAR_FUNCTIONS = {
    "sigma": _sigma, "sqrt": sympy.sqrt, "cbrt": sympy.cbrt, "square": lambda x: x ** 2,
    "reciprocal": lambda x: 1 / x, "exp2": lambda x: 2 ** x, "expm1": lambda x: sympy.exp(x) - 1,
    "log1p": lambda x: sympy.log(1 + x), "log2": lambda x: sympy.log(x, 2),
    "log10": lambda x: sympy.log(x, 10), "fabs": sympy.Abs,
    "deg2rad": lambda x: x * sympy.pi / 180, "rad2deg": lambda x: x * 180 / sympy.pi,
}


def scalar_function(name: str):
    """The scalar function that ``Entrywise(name, .)`` applies to each entry: SymPy's
    (``exp``, ``tanh``, ...), ``sigma`` the logistic function, else an undefined one."""
    if name in _SCALAR_FUNCTIONS:
        return _SCALAR_FUNCTIONS[name]
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


def _mul(*factors):
    """A product, canonical at the top only: SymPy's ``*`` on matrix expressions re-does
    the whole tree below (``doit``), which costs the tree's size, not the graph's."""
    if not any(_is_matrix(f) for f in factors):
        return sympy.Mul(*factors)
    return sympy.MatMul(*factors).doit(deep=False)


def _add(*terms):
    if not any(_is_matrix(t) for t in terms):
        return sympy.Add(*terms)
    return sympy.MatAdd(*terms).doit(deep=False)


def _neg(e):
    return _mul(sympy.S.NegativeOne, e)


def _T(m):
    """``m^T``: a symbol's ``.T``, a transpose's argument, else one unevaluated transpose
    (SymPy's ``.T`` pushes it inside a sum, redoing the tree)."""
    if not _is_matrix(m):
        return m
    if isinstance(m, (MatrixSymbol, sympy.MatrixBase)):
        return m.T
    if isinstance(m, sympy.Transpose):
        return m.arg
    if isinstance(m, OneMatrix):
        return OneMatrix(m.shape[1], m.shape[0])
    return sympy.Transpose(m)


def _broadcast_to(e, shape):
    """A scalar as a matrix of ``shape`` (``1`` + vector), or a vector as a matrix row."""
    if not shape or (_is_matrix(e) and e.shape == _matrix_shape(shape)):
        return e
    rows, cols = _matrix_shape(shape)
    if not _is_matrix(e):
        return _mul(e, OneMatrix(rows, cols)) if e != 1 else OneMatrix(rows, cols)
    if e.shape == (cols, 1) and len(shape) == 2:       # a vector along the last axis
        return _mul(OneMatrix(rows, 1), _T(e))
    if e.shape == (1, cols) and len(shape) == 2:       # a row, repeated down the rows
        return _mul(OneMatrix(rows, 1), e)
    if e.shape == (rows, 1) and len(shape) == 2:       # a column, repeated across
        return _mul(e, OneMatrix(1, cols))
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
        return _add(_broadcast_to(a, shape), _broadcast_to(b, shape)) if shape else _add(a, b)
    if fname == "sub":
        a, b = args
        return _add(_broadcast_to(a, shape), _neg(_broadcast_to(b, shape))) if shape \
            else _add(a, _neg(b))
    if fname == "neg":
        return _neg(args[0])
    if fname == "mul":
        a, b = args
        if not _is_matrix(a) or not _is_matrix(b):
            return _mul(a, b)
        scaled = _diagonal_scaling(node, a, b)
        if scaled is not None:
            return scaled
        return HadamardProduct(_broadcast_to(a, shape), _broadcast_to(b, shape)).doit(deep=False)
    if fname == "div":
        u = _logistic_argument(node)
        if u is not None:
            arg = done[id(u)]
            return Entrywise("sigma", arg) if _is_matrix(arg) else _sigma(arg)
        a, b = args
        if not _is_matrix(b):
            return a / b
        inverse = HadamardPower(_broadcast_to(b, shape), -1)
        return HadamardProduct(_broadcast_to(a, shape), inverse).doit(deep=False) \
            if _is_matrix(a) else _mul(a, inverse)
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
            col = v if v.shape == (_dim(cols), 1) else _T(v)
            return _mul(m, DiagMatrix(col))
        if tuple(vn.shape) == (rows, 1) and rows != 1:
            return _mul(DiagMatrix(v), m)
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
            return _mul(coef, e)
        if len(s) == 2 and s[::-1] == output:
            return _mul(coef, _T(e))
        if output == "":
            return _mul(coef, EntrySum(e))
        if len(s) == 2 and len(output) == 1:       # a sum over one axis of a matrix
            return _mul(coef, _axis_sum(e, s.index(output) == 1))
        raise NotMatrixExpression("a reduction inside a contraction")
    if len(ops) == 2 and all(len(s) == 1 for _, s in ops) and len(output) == 2 \
            and ops[0][1] != ops[1][1]:             # an outer product u v^T
        (u, su), (v, sv) = ops
        if output == su + sv:
            return _mul(coef, u, _T(v))
        if output == sv + su:
            return _mul(coef, v, _T(u))
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
        prod = _mul(prod, m)
    free = [c for c in (left_free) if c is not None]
    if "".join(free) == output or len(output) <= 1:
        if len(output) == 1 and prod.shape[0] == 1:
            prod = _T(prod)
        return _mul(coef, prod)
    if "".join(reversed(free)) == output:
        return _mul(coef, _T(prod))
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
        e, left, right = _T(e), None, r         # a vector starts a chain as a row
    elif counts[r] == 1:
        left, right = r, c
    else:
        e, left, right = _T(e), c, r
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
            factors.append(_T(e2))
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
        return _T(total) if keepdims and axes[0] == 0 else total
    raise NotMatrixExpression(f"a sum over axes {axes} keeping them")


def _axis_sum(m, along_rows: bool):
    """The sums of a matrix's rows (``along_rows``: ``M 1``) or columns (``M^T 1``), as a
    column vector: ``numpy.sum(M, axis=1)`` or ``axis=0``."""
    rows, cols = m.shape
    return sympy.MatMul(m if along_rows else _T(m), OneMatrix(cols if along_rows else rows, 1),
                        evaluate=False)


def _transpose(node, args, done):
    (a,) = args
    return _T(a) if _is_matrix(a) else a


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
            return _T(a)                        # a vector as a row
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
    return _mul(sympy.Inverse(a), b)


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

    is_commutative = True

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
        return _number(v)
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
    if not math.isfinite(x):
        return sympy.nan if x != x else sympy.oo if x > 0 else -sympy.oo
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
            try:
                done[id(n)] = rule(n, args, done)
            except (MatrixShapeError, NotImplementedError, TypeError, ValueError) as exc:
                raise NotMatrixExpression(f"{n.op} ({exc})") from None
        except NotMatrixExpression:
            if not placeholders:
                raise
            done[id(n)] = _placeholder(n, args)
    return done[id(node)]


def function_expr(F, placeholders: bool = False):
    """``F.expr`` of an array function: its result as a matrix expression (a tuple of
    them for a gradient or a tuple of results)."""
    params = {p: F.program.nodes[p] for p in F.params}
    outs = [tidy(to_matrix_expr(o, params, placeholders)) for o in F.outputs]
    if len(outs) == 1 and F.result_kind != "grad":
        return outs[0]
    return tuple(outs)


# -- readable forms: tidy, shared pieces named, printed as numpy text or LaTeX -----------------

def tidy(e, memo=None):
    """``e`` written as one would by hand, the same value: a common numeric factor of a sum
    taken out (``2*A - 2*B`` -> ``2*(A - B)``), the scalar factors of a product gathered in
    front (SymPy distributes them), a transposed product reversed (``(r^T X)^T = X^T r``),
    ``exp(u) o (1 + exp(u))^-1`` as ``sigma(u)``; the result stays unevaluated. Each
    distinct subexpression is tidied once (the cost is the graph's size, not the tree's)."""
    memo = {} if memo is None else memo
    if not isinstance(e, sympy.Basic) or not e.args or isinstance(e, MatrixSymbol):
        return e
    hit = memo.get(e)
    if hit is None:
        hit = memo[e] = _tidy(e, [tidy(a, memo) for a in e.args])
    return hit


def _tidy(e, args):
    if isinstance(e, sympy.Transpose):
        return _pushed_transpose(args[0])
    if isinstance(e, sympy.HadamardProduct):
        flat = []
        for a in args:                          # (a o b) o c = a o b o c
            flat.extend(a.args if isinstance(a, sympy.HadamardProduct) else [a])
        args = _logistic_factors(flat)
        if len(args) == 1:
            return args[0]
        return sympy.HadamardProduct(*args, evaluate=False)
    if isinstance(e, sympy.MatAdd):
        factored = _common_hadamard_factors(args)
        if factored is not None:
            return factored
        k = _common_factor(args)
        if k is not None:
            inner = sympy.MatAdd(*[_gather(1 / k, [a]) for a in args], evaluate=False)
            return sympy.MatMul(k, inner, evaluate=False)
        return sympy.MatAdd(*args, evaluate=False) if args != list(e.args) else e
    if isinstance(e, sympy.MatMul):
        return _gather(sympy.Integer(1), args)
    if args == list(e.args):
        return e
    try:
        return e.func(*args, evaluate=False)
    except TypeError:
        return e.func(*args)


def _hadamard_parts(t):
    """A term of a sum as (its scalar coefficient, its Hadamard factors)."""
    coef, rest = sympy.Integer(1), t
    if isinstance(t, sympy.MatMul) and not _is_matrix(t.args[0]):
        coef = t.args[0]
        inner = [a for a in t.args[1:]]
        rest = inner[0] if len(inner) == 1 else sympy.MatMul(*inner, evaluate=False)
    return coef, list(rest.args) if isinstance(rest, sympy.HadamardProduct) else [rest]


def _common_hadamard_factors(terms):
    """``a o b - a o c`` as ``a o (b - c)`` (the logistic Hessian's ``s o (1 - s)``), or None
    when the terms share no Hadamard factor."""
    parts = [_hadamard_parts(t) for t in terms]
    common = list(parts[0][1])
    for _, fs in parts[1:]:
        remaining = list(fs)
        kept = []
        for f in common:
            if f in remaining:
                remaining.remove(f)
                kept.append(f)
        common = kept
    if not common or any(isinstance(f, OneMatrix) for f in common):
        return None
    shape = terms[0].shape
    rests = []
    for coef, fs in parts:
        fs = list(fs)
        for f in common:
            fs.remove(f)
        rest = OneMatrix(*shape) if not fs else fs[0] if len(fs) == 1 else \
            sympy.HadamardProduct(*fs, evaluate=False)
        rests.append(rest if coef == 1 else sympy.MatMul(coef, rest, evaluate=False))
    return sympy.HadamardProduct(*common, tidy(sympy.MatAdd(*rests, evaluate=False)),
                                 evaluate=False)


def _negated(m):
    """``-m`` when the sign can go into a sum inside ``m`` for free (``-(a o (b - 1))`` is
    ``a o (1 - b)``), else None."""
    if isinstance(m, sympy.MatAdd) and any(t.could_extract_minus_sign() for t in m.args):
        return sympy.MatAdd(*[_gather(sympy.S.NegativeOne, [t]) for t in m.args], evaluate=False)
    if isinstance(m, sympy.HadamardProduct):
        for i, a in enumerate(m.args):
            n = _negated(a)
            if n is not None:
                return sympy.HadamardProduct(*m.args[:i], n, *m.args[i + 1:], evaluate=False)
    if isinstance(m, DiagMatrix):
        n = _negated(m.args[0])
        return None if n is None else DiagMatrix(n)
    return None


def _gather(scalar, args):
    """A product with its scalar factors (also those of inner products) in front."""
    factors = []
    for a in args:
        if not _is_matrix(a):
            scalar *= a
        elif isinstance(a, sympy.MatMul):
            for b in a.args:
                if _is_matrix(b):
                    factors.append(b)
                else:
                    scalar *= b
        else:
            factors.append(a)
    if scalar.could_extract_minus_sign() and len(factors) > 1:
        for i, f in enumerate(factors):     # -X^T diag(a o (b - 1)) X = X^T diag(a o (1 - b)) X
            n = _negated(f)
            if n is not None:
                factors[i], scalar = n, -scalar
                break
    if len(factors) == 1 and scalar == 1:
        return factors[0]
    return sympy.MatMul(*([] if scalar == 1 else [scalar]), *factors, evaluate=False)


def _pushed_transpose(m):
    """``m^T`` with a product's transpose written as the reversed product of transposes."""
    if isinstance(m, sympy.MatMul):
        scalars = [a for a in m.args if not _is_matrix(a)]
        factors = [_pushed_transpose(a) for a in reversed(m.args) if _is_matrix(a)]
        return _gather(sympy.Mul(*scalars), factors)
    if isinstance(m, sympy.HadamardProduct) and all(isinstance(a, sympy.Transpose) for a in m.args):
        return sympy.HadamardProduct(*[a.arg for a in m.args])     # (a^T o b^T)^T = a o b
    if isinstance(m, Entrywise) and isinstance(m.args[1], sympy.Transpose):
        return Entrywise(m.args[0], m.args[1].arg)
    if isinstance(m, HadamardPower) and isinstance(m.args[0], sympy.Transpose):
        return HadamardPower(m.args[0].arg, m.args[1])
    if isinstance(m, OneMatrix):
        return OneMatrix(m.shape[1], m.shape[0])
    if isinstance(m, (DiagMatrix, sympy.Identity)):
        return m
    return _T(m)


def _logistic_factors(factors):
    """``exp(u) o (1 + exp(u))^-1`` among Hadamard factors as ``sigma(u)``."""
    factors = list(factors)
    for f in factors:
        if isinstance(f, HadamardPower) and f.args[1] == -1 and isinstance(f.args[0], sympy.MatAdd):
            terms = f.args[0].args
            if len(terms) == 2 and any(isinstance(t, OneMatrix) for t in terms):
                (e,) = [t for t in terms if not isinstance(t, OneMatrix)]
                if isinstance(e, Entrywise) and str(e.args[0]) == "exp" and e in factors:
                    factors.remove(f)
                    factors.remove(e)
                    factors.append(Entrywise("sigma", e.args[1]))
                    return _logistic_factors(factors)
    return factors


def _common_factor(terms):
    """The numeric factor common to every term of a sum (negative when all are), or None."""
    coeffs = []
    for t in terms:
        c = t.args[0] if isinstance(t, sympy.MatMul) and not _is_matrix(t.args[0]) else 1
        num = sympy.sympify(c).as_coeff_Mul()[0]
        if not isinstance(num, sympy.Rational):
            return None
        coeffs.append(num)
    k = coeffs[0]
    for c in coeffs[1:]:
        k = sympy.gcd(k, c)
    k = abs(k)
    if all(c < 0 for c in coeffs):
        k = -k
    return None if k == 1 or k == 0 else k


def _sizes(exprs) -> dict:
    """Each distinct subexpression's size as a tree (computed once per distinct one)."""
    size: dict = {}
    stack = [(e, False) for e in exprs]
    while stack:
        e, ready = stack.pop()
        if e in size:
            continue
        if ready or not e.args:
            size[e] = 1 + sum(size[a] for a in e.args)
            continue
        stack.append((e, True))
        stack.extend((a, False) for a in e.args if a not in size)
    return size


def _nameable(e, size) -> bool:
    if not _is_matrix(e) or isinstance(e, (MatrixSymbol, OneMatrix, ZeroMatrix, sympy.Identity,
                                           sympy.MatrixBase, sympy.Transpose)):
        return False                            # a transpose: its argument is named instead
    if isinstance(e, sympy.MatMul) and all(
            isinstance(a, (MatrixSymbol, sympy.Transpose)) or not _is_matrix(a) for a in e.args):
        return False                            # X.T*w: as short as a name
    return size[e] >= 6


_NAMES = ("H", "R", "S", "U", "V", "Z", "P", "Q", "K", "G")


def shared(exprs: list, taken=()):
    """Name the pieces used in more than one place: (definitions, exprs with the names),
    innermost first. Counted on the expressions' graph (each distinct subexpression once),
    so a deep expression whose tree is exponentially large is named, not expanded."""
    size = _sizes(exprs)
    uses: dict = {}
    order: list = []                            # distinct subexpressions, children first
    seen: set = set()
    for root in exprs:
        uses[root] = uses.get(root, 0) + 1
        stack = [(root, False)]
        while stack:
            e, ready = stack.pop()
            if ready:
                order.append(e)
                continue
            if e in seen:
                continue
            seen.add(e)
            stack.append((e, True))
            for a in e.args:
                uses[a] = uses.get(a, 0) + 1
                stack.append((a, False))
    named = [e for e in order if uses.get(e, 0) > 1 and _nameable(e, size)]
    if not named:
        return [], list(exprs)
    free = [n for n in _NAMES if n not in set(taken)] + [f"T{i}" for i in range(len(named))]
    names = {e: MatrixSymbol(free[i], *e.shape) for i, e in enumerate(named)}
    memo: dict = {}
    defs = [(names[e], _replaced(e, names, memo, top=True)) for e in named]
    return defs, [_replaced(e, names, memo) for e in exprs]


def _replaced(e, names, memo, top=False):
    """``e`` with its named subexpressions as their names (``top``: not ``e`` itself)."""
    if not top and e in names:
        return names[e]
    if not e.args or isinstance(e, MatrixSymbol):
        return e
    key = (e, top)
    hit = memo.get(key)
    if hit is None:
        args = [_replaced(a, names, memo) for a in e.args]
        if args == list(e.args):
            hit = e
        else:
            try:
                hit = e.func(*args, evaluate=False)
            except TypeError:
                hit = e.func(*args)
        memo[key] = hit
    return hit


def _flat(expr):
    return list(expr) if isinstance(expr, tuple) else [expr]


def _taken(F):
    names = set(F.params)
    for n in F.program.nodes.values():
        for d in n.shape:
            names |= {str(x) for x in getattr(d, "free_symbols", ())}
    return names


def function_text(F, expr) -> str:
    """``F.expr`` as numpy-like text (``X.T @ (y * sigma(-y * (X @ w)))``); a tuple in
    parentheses; pieces shared by several places named after ``where``."""
    defs, exprs = shared(_flat(expr), _taken(F))
    pr = TextPrinter()
    texts = [pr.doprint(tidy(e)) for e in exprs]
    body = texts[0] if not isinstance(expr, tuple) else \
        "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")"
    if defs:
        body += "  where " + ", ".join(f"{n} = {pr.doprint(tidy(d))}" for n, d in defs)
    return body


def function_latex(F, expr) -> str:
    r"""LaTeX of ``F.expr`` = ``expr``: one expression, or a tuple (a gradient in several
    parameters) as aligned rows, one partial derivative a row; Hadamard products as
    ``\odot``, pieces shared by several places named after "where"."""
    defs, exprs = shared(_flat(expr), _taken(F))
    pr = LatexPrinter()
    texts = [pr.doprint(tidy(e)) for e in exprs]
    where = [f"{pr.doprint(n)} &= {pr.doprint(tidy(d))}" for n, d in defs]
    if not isinstance(expr, tuple):
        if not where:
            return texts[0]
        rows = [f"&{texts[0]}"] + ["\\text{where}\\quad " + where[0]] + where[1:]
    else:
        rows = [f"{label} &= {t}" for label, t in zip(_row_labels(F, len(texts)), texts)]
        rows += ["\\text{where}\\quad " + where[0]] + where[1:] if where else []
    return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"


def _row_labels(F, k):
    f = sympy.latex(sympy.Symbol(F.program.name))
    wrt = [n.attrs[0] for n in getattr(F, "_wrt_nodes", ())]
    if F.result_kind == "grad" and len(wrt) == k:
        return [f"\\frac{{\\partial {f}}}{{\\partial {sympy.latex(sympy.Symbol(w))}}}"
                for w in wrt]
    names = getattr(F, "_names", ())
    if F.name.startswith("hvp ") and len(names) == k:     # sd.hvp in several parameters
        return [f"\\left(\\mathbf{{H}}_{{{f}}} v\\right)_{{{sympy.latex(sympy.Symbol(w))}}}"
                for w in names]
    return [f"{f}_{{{i}}}" for i in range(k)]


def _ordered_terms(e):
    """A sum's terms with the positive ones first (``1 - H`` rather than ``-H + 1``)."""
    terms = sorted(e.args, key=lambda t: not isinstance(t, OneMatrix))
    return [t for t in terms if not t.could_extract_minus_sign()] + \
        [t for t in terms if t.could_extract_minus_sign()]


def _compound(e) -> bool:
    return isinstance(e, (sympy.MatAdd, sympy.Add)) or (
        isinstance(e, (sympy.MatMul, sympy.Mul)) and e.could_extract_minus_sign())


def _one_term(text: str) -> bool:
    """No operator outside parentheses: ``sum(R, axis=0)``, ``(A + B)``, ``X.T``."""
    depth = 0
    for ch in text:
        depth += ch in "([" and 1 or ch in ")]" and -1 or 0
        if depth == 0 and ch in " *@/-+":
            return False
    return True


class TextPrinter(StrPrinter):
    """Matrix expressions as numpy reads them: ``@``, ``*`` for Hadamard products, ``.T``,
    a row ``1 b.T`` as the broadcast vector ``b``, ``M.T 1`` as ``sum(M, axis=0)``."""

    def _paren(self, e):
        t = self._print(e)
        return f"({t})" if _compound(e) or isinstance(e, (sympy.HadamardProduct, sympy.MatMul)) \
            else t

    def _print_MatAdd(self, e):
        out = ""
        for i, t in enumerate(_ordered_terms(e)):
            if t.could_extract_minus_sign():
                text = self._print(_neg(t))
                out += (" - " if i else "-") + (f"({text})" if _compound(_neg(t)) else text)
            else:
                out += (" + " if i else "") + ("1" if isinstance(t, OneMatrix) else self._print(t))
        return out

    def _print_MatMul(self, e):
        args = list(e.args)
        coef = sympy.Mul(*[a for a in args if not _is_matrix(a)])
        factors = [a for a in args if _is_matrix(a)]
        if len(factors) == 2 and isinstance(factors[0], OneMatrix) and factors[1].shape[0] == 1:
            body = self._print(_T(factors[1]))          # a row broadcast along the rows
        elif len(factors) >= 2 and isinstance(factors[-1], OneMatrix) and factors[-1].shape[1] == 1:
            rest = factors[:-1]
            if len(rest) == 1 and isinstance(rest[0], sympy.Transpose):
                body = f"sum({self._print(rest[0].arg)}, axis=0)"
            else:
                inner = rest[0] if len(rest) == 1 else sympy.MatMul(*rest, evaluate=False)
                body = f"sum({self._print(inner)}, axis=1)"
        elif len(factors) == 2 and factors[0].shape[1] == 1 and factors[1].shape[0] == 1:
            v = _T(factors[1])
            v = f"ones({self._print(v.shape[0])})" if isinstance(v, OneMatrix) else self._print(v)
            body = f"outer({self._print(factors[0])}, {v})"
        elif coef == -1 and len(factors) == 1 and isinstance(factors[0], sympy.HadamardProduct):
            return f"-{self._print(factors[0])}"      # -(a o b) = (-a) o b: no parentheses
        else:
            body = " @ ".join(self._paren(f) for f in factors)
        if coef == 1:
            return body
        if coef == -1:
            return f"-({body})" if body.startswith("-") else f"-{body}"
        c = self._print(coef)
        c = f"({c})" if isinstance(coef, sympy.Add) else c
        return f"{c}*{body}" if _one_term(body) else f"{c}*({body})"

    def _print_HadamardProduct(self, e):
        return " * ".join(self._paren(a) if not isinstance(a, sympy.HadamardProduct)
                          else self._print(a) for a in e.args)

    def _print_HadamardPower(self, e):
        base, exp = e.args
        b = self._print(base)
        if not isinstance(base, (MatrixSymbol, Entrywise, ArrayOp)):
            b = f"({b})"
        if exp == -1:
            return f"1/{b}"
        return f"{b}**{self._print(exp)}"

    def _print_Transpose(self, e):
        a = e.arg
        t = self._print(a)
        return f"{t}.T" if isinstance(a, (MatrixSymbol, Entrywise, ArrayOp)) else f"({t}).T"

    def _print_OneMatrix(self, e):
        return "1"

    def _print_Abs(self, e):
        return f"abs({self._print(e.args[0])})"

    def _print_ImmutableDenseMatrix(self, e):
        """A constant: written out when small (a 1-column one as a 1-d array)."""
        if e.rows * e.cols > 6:
            return f"<constant {e.rows}x{e.cols}>"
        rows = e.tolist()
        if e.cols == 1:
            return f"array([{', '.join(self._print(r[0]) for r in rows)}])"
        return "array([" + ", ".join("[" + ", ".join(self._print(x) for x in r) + "]"
                                     for r in rows) + "])"

    def _print_DiagMatrix(self, e):
        return f"diag({self._print(e.args[0])})"

    def _print_Inverse(self, e):
        return f"inv({self._print(e.arg)})"

    def _print_Determinant(self, e):
        return f"det({self._print(e.arg)})"

    def _print_Identity(self, e):
        return f"eye({self._print(e.shape[0])})"


class LatexPrinter(_SympyLatexPrinter):
    r"""SymPy's LaTeX with ``\odot`` for Hadamard products, ``\mathbf{1}`` for a vector of
    ones and the positive terms of a sum first."""

    def _print_HadamardProduct(self, e):
        return " \\odot ".join(
            f"\\left({self._print(a)}\\right)" if _compound(a) or (
                isinstance(a, sympy.MatMul) and len(a.args) > 1) else self._print(a)
            for a in e.args)

    def _print_OneMatrix(self, e):
        return "\\mathbf{1}"

    def _print_MatMul(self, e):
        args = list(e.args)
        sign = ""
        if args and not _is_matrix(args[0]) and args[0].could_extract_minus_sign():
            sign, args[0] = "- ", -args[0]
            if args[0] == 1:
                args = args[1:]
        out = []
        for a in args:
            text = self._print(a)
            alone = len(args) == 1 and sign and isinstance(a, sympy.HadamardProduct)
            if not alone and (isinstance(a, (sympy.MatAdd, sympy.HadamardProduct, sympy.Add))
                              or (isinstance(a, sympy.MatMul) and _is_matrix(a))):
                text = f"\\left({text}\\right)"
            out.append(text)
        return sign + " ".join(out)

    def _print_MatAdd(self, e):
        out = ""
        for i, t in enumerate(_ordered_terms(e)):
            if t.could_extract_minus_sign():
                out += " - " if i else "- "
                t = _neg(t)
            elif i:
                out += " + "
            text = "1" if isinstance(t, OneMatrix) else self._print(t)
            out += f"\\left({text}\\right)" if isinstance(t, sympy.MatAdd) else text
        return out

    def _print_DiagMatrix(self, e):
        return f"\\operatorname{{diag}}\\left({self._print(e.args[0])}\\right)"
