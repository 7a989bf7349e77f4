"""Forward mode with a block of tangents: Hessians, Jacobians and Hessian-vector products
as single tensor expressions.

``reverse.jvp`` pushes one tangent (of each node's shape) through the graph. A Hessian
needs a tangent per entry of the parameter: here a tangent carries *leading tangent
axes* ``lead`` (the parameter's shape), so the tangent of a node of shape ``s`` has
shape ``lead + s``, and the seed of the parameter ``x`` is the identity
``delta[a..., i...]``. Forward mode over the reverse-mode gradient then gives the
whole Hessian, of shape ``shape(x) + shape(x)``, as one expression, never a loop over
entries. With ``lead = ()`` and the seed ``v`` it is a Hessian-vector product.

Two representations keep the result a closed form instead of a large einsum:

- A tangent is a sum of terms ``coef * base``: ``coef`` has no tangent axes (it is
  an elementwise factor of the node's own shape or smaller), ``base`` carries them.
  Elementwise operations only multiply the small coefficient, so a chain of scalar
  functions over data ``n`` costs O(n) extra, and the big ``lead x n`` array is made
  once, where a contraction needs it: the logistic Hessian comes out as
  ``(X.T * c) @ X`` with ``c`` an n-vector, exactly what one writes by hand.
- The seed is the marker ``SEED`` (the identity, never built as an array): a
  contraction with it renames indices instead (a Kronecker delta contracted away), so
  the Hessian of ``x @ A @ x`` is ``A.T + A``, not ``einsum(A, eye(d))``.

``jacobian_block(g, outputs, x, lead_letters)`` is the entry point; ``Tangent`` and the
rules table ``RULES`` (op -> rule) are the parts, one rule per IR operation.
"""

from __future__ import annotations

import string

import numpy as np

from .ir import ArrayError, Node, size_of
from .reverse import topological
from .rules import prod_others
from . import elementwise


class _Seed:
    """The identity tangent of the differentiation variable (see the module docstring)."""

    def __repr__(self):
        return "SEED"


SEED = _Seed()


class Tangent:
    """The tangent of one node: a sum of ``coef * base`` terms.

    ``terms`` is a list of ``[coef, base]``: ``coef`` a Node without tangent axes
    (broadcastable to the node's shape) or None for 1; ``base`` ``SEED`` or a Node of
    shape ``lead + shape`` where ``shape`` has the node's rank and broadcasts to its
    shape (a size-1 axis stands for a broadcast not yet made).
    """

    __slots__ = ("terms",)

    def __init__(self, terms):
        self.terms = terms

    @staticmethod
    def of(base, coef=None):
        return Tangent([[coef, base]])


class Forward:
    """One forward sweep with tangent axes ``lead`` (see ``jacobian_block``)."""

    def __init__(self, g, x: Node | None, lead: tuple, seeds=None):
        self.g, self.x, self.lead = g, x, tuple(lead)
        self.L = len(self.lead)
        # param node -> its tangent: the identity for x, or given tangents (directions)
        self.seeds = {x: SEED} if seeds is None else dict(seeds)

    # -- tangents -------------------------------------------------------------------
    def identity(self) -> Node:
        """The seed as an array: ``delta`` of shape ``shape(x) + shape(x)``."""
        g, s = self.g, self.x.shape
        if not s:
            return g.const(1.0)
        if len(s) == 1:
            return g.eye(s[0])
        return g.reshape(g.eye(size_of(s)), s + s)

    def base_node(self, base) -> Node:
        return self.identity() if base is SEED else base

    def materialize(self, node: Node, t: Tangent | None) -> Node | None:
        """The tangent as one array of shape ``lead + node.shape``."""
        if t is None:
            return None
        g = self.g
        total = None
        for coef, base in t.terms:
            b = self.base_node(base)
            if coef is None:
                term = b
            elif base is SEED and coef.op != "const" and b.ndim:
                # the diagonal of coef, zeros elsewhere: coef * identity would be
                # 0 * inf = nan off the diagonal where coef is infinite (the Hessian of
                # sum(log(x)) at a tiny x), where the second partials are exactly 0
                term = g.ewise("where", g.ewise("ne", b, 0.0), coef, 0.0)
            else:
                term = g.mul(coef, b)
            total = term if total is None else g.add(total, term)
        full = self.lead + tuple(node.shape)
        if total.shape != full:
            total = g.broadcast(total, full)
        return total

    def merged(self, terms) -> Tangent | None:
        """Terms with the same base merged into one (their coefficients added). Without
        tangent axes a coefficient is as large as its term: one term, made now, so that
        later contractions see one operand (one ``@``, not one per direction)."""
        if not self.L and terms:
            total = None
            for coef, base in terms:
                b = self.base_node(base)
                term = b if coef is None else self.g.mul(coef, b)
                total = term if total is None else self.g.add(total, term)
            return Tangent.of(total)
        out: list = []
        index: dict = {}
        for coef, base in terms:
            k = id(base)
            if k in index:
                slot = out[index[k]]
                slot[0] = _add_coef(self.g, slot[0], coef)
            else:
                index[k] = len(out)
                out.append([coef, base])
        return Tangent(out) if out else None

    def padded(self, base, rank_from: int, rank_to: int):
        """``base`` for a value of rank ``rank_from`` seen as rank ``rank_to`` (numpy's
        broadcasting adds axes on the left of the value, after the tangent axes)."""
        if rank_from == rank_to:
            return base
        b = self.base_node(base)
        if b.ndim == 0:                 # a scalar broadcasts as it is
            return b
        tail = b.shape[self.L:]
        return reshape(self.g, b, self.lead + (1,) * (rank_to - rank_from) + tuple(tail))

    # -- the sweep ---------------------------------------------------------------------
    def run(self, outputs) -> list:
        dots: dict = {id(p): Tangent.of(t) for p, t in self.seeds.items()}
        for node in topological(outputs):
            if id(node) in dots or not node.args or node.dtype == "b":
                continue
            ins = [dots.get(id(a)) for a in node.args]
            if all(t is None for t in ins):
                continue
            rule = RULES.get(node.op)
            if rule is None:
                raise ArrayError(f"no forward rule for the array operation {node.op!r}")
            t = rule(self, node, ins)
            if t is not None:
                dots[id(node)] = t
        return [dots.get(id(o)) for o in outputs]

    def letters(self, used: str, k: int) -> str:
        free = [c for c in string.ascii_letters if c not in used]
        if len(free) < k:
            raise ArrayError("too many indices for one contraction")
        return "".join(free[:k])


def reshape(g, x: Node, shape) -> Node:
    """``x`` with ``shape``; a scalar constant is broadcast (it has no reshape method)."""
    if x.op == "const" and x.ndim == 0:
        return g.broadcast(x, tuple(shape))
    return g.reshape(x, tuple(shape))


def _add_coef(g, a, b):
    if a is None and b is None:
        return g.const(2.0)
    if a is None:
        return g.add(1.0, b)
    if b is None:
        return g.add(a, 1.0)
    return g.add(a, b)


def _times(g, partial, coef):
    """``partial * coef`` where either may stand for 1 (None) and ``partial`` may be a float."""
    if isinstance(partial, (int, float)):
        if coef is None:
            return None if partial == 1.0 else g.const(float(partial))
        return coef if partial == 1.0 else g.mul(float(partial), coef)
    if coef is None:
        return partial
    return g.mul(partial, coef)


# -- rules: (forward, node, tangents of the arguments) -> Tangent or None ------------------

def _ewise(fw: Forward, node: Node, dots) -> Tangent | None:
    spec = elementwise.FUNCTIONS[node.attrs[0]]
    partials = spec.partials(fw.g, node, *node.args)
    terms = []
    for p, t, a in zip(partials, dots, node.args):
        if p is None or t is None:
            continue
        for coef, base in t.terms:
            terms.append([_times(fw.g, p, coef), fw.padded(base, a.ndim, node.ndim)])
    return fw.merged(terms)


def _broadcast(fw: Forward, node: Node, dots) -> Tangent:
    (a,), (t,) = node.args, dots
    if not fw.L:
        return Tangent.of(fw.g.broadcast(fw.materialize(a, t), node.shape))
    return Tangent([[c, fw.padded(b, a.ndim, node.ndim)] for c, b in t.terms])


def _einsum(fw: Forward, node: Node, dots) -> Tangent | None:
    g = fw.g
    inputs, output = node.attrs
    used = "".join(inputs) + output
    lead = fw.letters(used, fw.L)
    total = None
    for k, t in enumerate(dots):
        if t is None:
            continue
        rest = []
        for coef, base in t.terms:
            term = _contract_seed(fw, node, k, coef, lead) if base is SEED else None
            if term is None:
                rest.append([coef, base])
            else:
                total = term if total is None else g.add(total, term)
        if rest:                        # one contraction of the summed tangent
            specs = list(inputs)
            specs[k] = lead + inputs[k]
            args = list(node.args)
            arg, scale = _peel(g, fw.materialize(node.args[k], Tangent(rest)))
            args[k] = arg
            term = g.einsum(specs, lead + output, *args)
            term = term if scale is None else g.mul(scale, term)
            total = term if total is None else g.add(total, term)
    return None if total is None else Tangent.of(total)


def _peel(g, t: Node):
    """``t`` without its outer negation or constant factor, and that factor (or None):
    the factor then scales the contraction's (smaller) result, not the tangent."""
    scale = 1.0
    while t.op == "ewise":
        if t.attrs[0] == "neg":
            scale, t = -scale, t.args[0]
        elif t.attrs[0] == "mul" and t.args[0].op == "const" and t.args[0].shape == ():
            scale, t = scale * t.args[0].attrs[0], t.args[1]
        else:
            break
    return t, (None if scale == 1.0 else g.const(scale))


def _contract_seed(fw: Forward, node: Node, k: int, coef, lead: str):
    """The operand ``k`` replaced by the identity: its indices renamed to the tangent
    indices (a Kronecker delta contracted away). None where that is not an einsum (an
    index repeated in the operand or kept in the output: a diagonal)."""
    inputs, output = node.attrs
    spec = inputs[k]
    if len(set(spec)) != len(spec) or any(c in output for c in spec) or len(spec) != fw.L:
        return None
    rename = dict(zip(spec, lead))
    specs, args = [], []
    for j, (s, a) in enumerate(zip(inputs, node.args)):
        if j == k:
            continue
        specs.append("".join(rename.get(c, c) for c in s))
        args.append(a)
    if coef is not None:
        cs = spec[len(spec) - coef.ndim:] if coef.ndim else ""
        if coef.ndim and tuple(coef.shape) != tuple(node.args[k].shape[len(spec) - coef.ndim:]):
            return None                 # a broadcast coefficient: not an einsum operand
        specs.append("".join(rename[c] for c in cs))
        args.append(coef)
    if not args:                        # the identity itself, in the output's order
        return None
    if any(c not in "".join(specs) for c in lead):
        return None                     # an index of the seed only (summed away): a broadcast
    return fw.g.einsum(specs, lead + output, *args)


def _reduce(fw: Forward, node: Node, dots) -> Tangent:
    g = fw.g
    (x,), (t,) = node.args, dots
    kind, axes, keepdims = node.attrs
    shifted = tuple(a + fw.L for a in axes)
    if kind == "sum":
        seeded = _sum_of_seed(fw, node, x, t)
        if seeded is not None:
            return seeded
        return Tangent.of(g.sum(fw.materialize(x, t), shifted, keepdims))
    T = fw.materialize(x, t)
    out = _kept(g, node, x)
    if kind == "prod":          # exact where entries are 0 (rules.prod_others)
        return Tangent.of(g.sum(g.mul(prod_others(g, node), T), shifted, keepdims))
    mask = g.ewise("eq", x, out)
    return Tangent.of(g.div(g.sum(g.mul(mask, T), shifted, keepdims),
                            g.sum(mask, axes, keepdims)))


def _sum_of_seed(fw: Forward, node: Node, x: Node, t: Tangent):
    """A sum over every axis of ``coef * SEED`` terms (the tangent of an elementwise
    chain of the variable, then summed: ``sum(f(x))``) is ``coef`` itself, laid out
    along the tangent axes: sum_i delta[a, i] * c[i] = c[a]. Built as the product with
    the identity, the off-diagonal zeros meet an infinite ``c`` (the derivative of
    ``x ** 0.5`` at 0) and the whole row becomes nan. None where a term is not of
    that form."""
    _, axes, keepdims = node.attrs
    if fw.x is None or len(axes) != x.ndim or not x.ndim \
            or tuple(x.shape) != tuple(fw.x.shape):
        return None
    g = fw.g
    total = None
    for coef, base in t.terms:
        if base is not SEED or coef is None or tuple(coef.shape) != tuple(x.shape):
            return None
        total = coef if total is None else g.add(total, coef)
    out = tuple(node.shape)
    return Tangent.of(reshape(g, total, fw.lead + out) if out else total)


def _kept(g, node, x):
    kind, axes, keepdims = node.attrs
    if keepdims or node.ndim == 0:
        return node
    return g.reshape(node, [1 if k in axes else d for k, d in enumerate(x.shape)])


def _shifted(fn):
    """A rule for an operation that acts on the value's own axes: the same operation on
    the materialised tangent, with the tangent axes in front."""
    def rule(fw: Forward, node: Node, dots):
        (x,), (t,) = node.args[:1], dots[:1]
        if t is None:
            return None
        return Tangent.of(fn(fw, node, fw.materialize(x, t)))
    return rule


def _reshape(fw, node, T):
    return reshape(fw.g, T, fw.lead + tuple(node.shape))


def _transpose(fw, node, T):
    (perm,) = node.attrs
    return fw.g.transpose(T, tuple(range(fw.L)) + tuple(p + fw.L for p in perm))


def _advanced_apart(key) -> bool:
    """numpy moves the dimensions of advanced indices to the front when they are not
    next to each other (ints count as advanced then)."""
    if not any(isinstance(k, np.ndarray) for k in key):
        return False
    at = [i for i, k in enumerate(key) if isinstance(k, (np.ndarray, int))]
    return at != list(range(at[0], at[0] + len(at)))


def _index(fw, node, T):
    (key,) = node.attrs
    if _advanced_apart(key):
        raise ArrayError("forward mode through indexing with separated advanced indices")
    return fw.g.index(T, (slice(None),) * fw.L + tuple(key))


def _scatter(fw, node, T):
    key, shape = node.attrs
    if _advanced_apart(key):
        raise ArrayError("forward mode through indexing with separated advanced indices")
    return fw.g.scatter(T, (slice(None),) * fw.L + tuple(key), fw.lead + tuple(shape))


def _axis_op(op):
    def fn(fw, node, T):
        attrs = list(node.attrs)
        if op == "cumsum":
            attrs[0] = attrs[0] + fw.L
        elif op == "roll":
            shift, axis = attrs
            if axis is None:
                raise ArrayError("forward mode through numpy.roll without an axis")
            attrs[1] = tuple(a + fw.L for a in axis) if isinstance(axis, tuple) else axis + fw.L
        elif node.args[0].ndim < 2:
            raise ArrayError(f"forward mode through numpy.{op} of a 1-d array")
        return fw.g.linear(op, T, *attrs)
    return fn


def _concat(fw: Forward, node: Node, dots):
    g = fw.g
    parts = []
    for x, t in zip(node.args, dots):
        T = fw.materialize(x, t)
        parts.append(T if T is not None else g.broadcast(g.const(0.0), fw.lead + tuple(x.shape)))
    return Tangent.of(g.concat(parts, node.attrs[0] + fw.L))


def _matrix_letters(fw, nd: int, lead: str):
    used = lead
    batch = fw.letters(used, nd - 2)
    used += batch
    y, z, w = fw.letters(used, 3)
    return batch, y, z, w


def _inv(fw: Forward, node: Node, dots):
    g = fw.g
    (a,), (t,) = node.args, dots
    T = fw.materialize(a, t)
    lead = fw.letters("", fw.L)
    batch, y, z, w = _matrix_letters(fw, a.ndim, lead)
    v = fw.letters(lead + batch + y + z + w, 1)
    # d inv(A) = -inv(A) dA inv(A)
    return Tangent.of(g.neg(g.einsum((batch + y + z, lead + batch + z + w, batch + w + v),
                                     lead + batch + y + v, node, T, node)))


def _det(fw: Forward, node: Node, dots):
    g = fw.g
    (a,), (t,) = node.args, dots
    T = fw.materialize(a, t)
    lead = fw.letters("", fw.L)
    batch, y, z, _ = _matrix_letters(fw, a.ndim, lead)
    # d det(A) = det(A) tr(inv(A) dA)
    return Tangent.of(g.mul(node, g.einsum((batch + y + z, lead + batch + z + y),
                                           lead + batch, g.inv(a), T)))


def _solve(fw: Forward, node: Node, dots):
    g = fw.g
    a, b = node.args
    ta, tb = dots
    lead = fw.letters("", fw.L)
    rest = fw.letters(lead + "yz", b.ndim - 1)
    rhs = fw.materialize(b, tb)
    if ta is not None:
        TA = fw.materialize(a, ta)
        ax = g.einsum((lead + "yz", "z" + rest), lead + "y" + rest, TA, node)
        rhs = g.neg(ax) if rhs is None else g.sub(rhs, ax)
    # d solve(A, b) = inv(A) (db - dA x)
    return Tangent.of(g.einsum(("yz", lead + "z" + rest), lead + "y" + rest, g.inv(a), rhs))


def _permute(fw: Forward, node: Node, dots):
    t = dots[0]
    if t is None:
        return None
    axis, lead = node.attrs
    T = fw.materialize(node.args[0], t)
    return Tangent.of(fw.g.permute(T, node.args[1], axis, inverse=node.op == "unpermute",
                                   lead=lead + fw.L))


def _cumprod(fw: Forward, node: Node, dots):
    from .rules import cumprod_parts
    (t,) = dots
    if t is None:
        return None
    g = fw.g
    T = fw.materialize(node.args[0], t)
    E, M = cumprod_parts(g, node)
    lead = fw.letters("yz", fw.L)
    rest = fw.letters("yz" + lead, node.ndim - 1)
    return Tangent.of(g.einsum((lead + rest + "y", rest + "yz"), lead + rest + "z",
                               g.mul(E, T), M))


def _decomposition(fw: Forward, node: Node, dots):
    from .rules import cholesky_jvp_of, eigh_jvp_of
    T = fw.materialize(node.args[0], dots[0])
    of = cholesky_jvp_of if node.op == "cholesky" else eigh_jvp_of
    return Tangent.of(of(fw.g, node, T))


RULES = {
    "cholesky": _decomposition,
    "eigh_w": _decomposition,
    "eigh_v": _decomposition,
    "cumprod": _cumprod,
    "permute": _permute,
    "unpermute": _permute,
    "ewise": _ewise,
    "einsum": _einsum,
    "reduce": _reduce,
    "broadcast": _broadcast,
    "reshape": _shifted(_reshape),
    "transpose": _shifted(_transpose),
    "index": _shifted(_index),
    "scatter": _shifted(_scatter),
    "concat": _concat,
    "cumsum": _shifted(_axis_op("cumsum")),
    "roll": _shifted(_axis_op("roll")),
    "tril": _shifted(_axis_op("tril")),
    "triu": _shifted(_axis_op("triu")),
    "inv": _inv,
    "det": _det,
    "solve": _solve,
}


# -- entry points -----------------------------------------------------------------------

def jacobian_block(g, outputs, x: Node) -> list:
    """d outputs / d x with the derivative axes in front: for each output of shape ``s``,
    a node of shape ``shape(x) + s`` (or None where the output does not depend on x)."""
    fw = Forward(g, x, tuple(x.shape))
    return [fw.materialize(o, t) for o, t in zip(outputs, fw.run(outputs))]


def directional(g, outputs, tangents: dict) -> list:
    """Tangents of ``outputs`` along ``tangents`` (param node -> tangent node of its
    shape), each of its output's shape (None where it does not depend on them)."""
    fw = Forward(g, None, (), seeds=tangents)
    return [fw.materialize(o, t) for o, t in zip(outputs, fw.run(outputs))]


def derivative_axes_last(g, node: Node, nlead: int) -> Node:
    """Move the ``nlead`` leading derivative axes behind the value's axes (the layout of
    ``F.jacobian`` and ``F.diff``: value axes first)."""
    nd = node.ndim
    if nlead == 0 or nlead == nd:
        return node
    perm = tuple(range(nlead, nd)) + tuple(range(nlead))
    return g.transpose(node, perm)
