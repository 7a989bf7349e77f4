"""Derivative rules of the array IR: a VJP and a JVP per operation.

``VJP[op](g, node, bar)`` gives the adjoint contribution to each argument of
``node`` from the adjoint ``bar`` of its result (``None``: no gradient);
``JVP[op](g, node, dots)`` gives the tangent of the result from the tangents of
the arguments (``None``: a zero tangent). Both build nodes of the same IR, so a
derivative can be differentiated again. In Einstein notation (Laue, Mitterreiter,
Giesen 2020): the adjoint of a contraction is a contraction, of a broadcast a
sum, of a sum a broadcast, of an elementwise function an elementwise product.
"""

from __future__ import annotations

import string

from . import elementwise
from .ir import Node
from .shapes import broadcast_shapes


def unbroadcast(g, bar: Node, shape) -> Node:
    """Sum ``bar`` down to ``shape`` (the adjoint of numpy's broadcasting)."""
    if bar.shape == tuple(shape):
        return bar
    lead = bar.ndim - len(shape)
    out = g.sum(bar, tuple(range(lead))) if lead else bar
    ones = tuple(k for k, d in enumerate(shape) if d == 1 and out.shape[k] != 1)
    out = g.sum(out, ones, keepdims=True) if ones else out
    return g.reshape(out, shape)


def _scaled(g, bar, partial):
    if partial is None:
        return None
    if isinstance(partial, float):
        if partial == 1.0:
            return bar
        if partial == -1.0:
            return g.neg(bar)
    return g.mul(bar, partial)


def _keep(g, node, x, value):
    """A reduced value with the reduced axes put back as size 1 (keepdims)."""
    kind, axes, keepdims = node.attrs
    if keepdims or value.ndim == 0:         # a scalar broadcasts as it is
        return value
    return g.reshape(value, [1 if k in axes else d for k, d in enumerate(x.shape)])


def _zeros(g, shape):
    return g.broadcast(g.const(0.0), shape)


def _swap(g, x):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    perm = list(range(x.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return g.transpose(x, perm)


def _matmul(g, a, b):
    """``a @ b`` for a stack of matrices and a matrix or vector."""
    lead = string.ascii_lowercase[:max(a.ndim, b.ndim) - 2]
    sa = lead[len(lead) - (a.ndim - 2):] + "yz"
    if b.ndim == 1:
        return g.einsum((sa, "z"), sa[:-1], a, b)
    sb = lead[len(lead) - (b.ndim - 2):] + "zw"
    out = lead + "yw"
    return g.einsum((sa, sb), out, a, b)


def _einsum_vjp(g, node, bar):
    inputs, output = node.attrs
    out = []
    for k, (spec, x) in enumerate(zip(inputs, node.args)):
        specs = [output] + [s for j, s in enumerate(inputs) if j != k]
        ops = [bar] + [a for j, a in enumerate(node.args) if j != k]
        free = iter(c for c in string.ascii_letters if c not in "".join(inputs) + output)
        target, seen = [], set()
        for c in spec:
            if c in seen:                       # a repeated index (diagonal): times eye
                d = next(free)
                specs.append(c + d)
                ops.append(g.eye(x.shape[spec.index(c)]))
                target.append(d)
            else:
                seen.add(c)
                target.append(c)
        present = "".join(c for c in target if any(c in s for s in specs))
        r = g.einsum(specs, present, *ops)
        if len(present) < len(target):          # an index only this operand has: broadcast
            r = g.reshape(r, [d if c in present else 1 for c, d in zip(target, x.shape)])
            r = g.broadcast(r, x.shape)
        out.append(r)
    return out


def _einsum_jvp(g, node, dots):
    inputs, output = node.attrs
    total = None
    for k, t in enumerate(dots):
        if t is None:
            continue
        args = list(node.args)
        args[k] = t
        term = g.einsum(inputs, output, *args)
        total = term if total is None else g.add(total, term)
    return total


def _ewise_vjp(g, node, bar):
    spec = elementwise.FUNCTIONS[node.attrs[0]]
    partials = spec.partials(g, node, *node.args)
    return [None if p is None else unbroadcast(g, _scaled(g, bar, p), a.shape)
            for p, a in zip(partials, node.args)]


def _ewise_jvp(g, node, dots):
    spec = elementwise.FUNCTIONS[node.attrs[0]]
    if not any(t is not None for t in dots):
        return None
    partials = spec.partials(g, node, *node.args)
    total = None
    for p, t in zip(partials, dots):
        if p is None or t is None:
            continue
        term = _scaled(g, t, p)
        total = term if total is None else g.add(total, term)
    if total is not None and total.shape != node.shape:
        total = g.broadcast(total, node.shape)
    return total


def prod_others(g, node):
    """For ``out = prod(x, axes)``: the product of the *other* entries along ``axes``
    at each entry of ``x`` (d out / d x). ``out / x`` is 0/0 at a zero entry, where the
    true value is the product of the rest; a formula that picks a branch by counting
    zeros has the right value but the wrong derivative (the Hessian). This one is a
    polynomial in ``x``: the running products before and after each entry, so every
    order of derivative is exact (cumprod's rules divide by nothing)."""
    (x,) = node.args
    return _others(g, x, node.attrs[1])


def _others(g, x, axes):
    if len(axes) > 1:       # the rest of the entry's row, times the other rows' products
        a = axes[-1]
        return g.mul(_others(g, x, (a,)), _others(g, g.reduce("prod", x, (a,), True), axes[:-1]))
    (a,) = axes
    perm = [k for k in range(x.ndim) if k != a] + [a]
    y = g.transpose(x, perm)
    last = y.ndim - 1
    lead = tuple(slice(None) for _ in y.shape[:-1])
    one = g.broadcast(g.const(1.0), y.shape[:-1] + (1,))
    if y.shape[-1] == 1:
        return g.broadcast(g.const(1.0), x.shape)

    def before(v):              # [1, v0, v0 v1, ...]: the product of the entries before
        run = g.make("cumprod", (v,), (), v.shape)
        return g.concat([one, g.index(run, lead + (slice(None, -1),))], last)
    rev = lead + (slice(None, None, -1),)
    out = g.mul(before(y), g.index(before(g.index(y, rev)), rev))
    back = [0] * x.ndim
    for k, p in enumerate(perm):
        back[p] = k
    return g.transpose(out, back)


def _reduce_vjp(g, node, bar):
    (x,) = node.args
    kind, axes, keepdims = node.attrs
    b = _keep(g, node, x, bar)
    if kind == "sum":
        return [g.broadcast(b, x.shape)]
    if kind == "prod":
        return [g.mul(b, prod_others(g, node))]
    out = _keep(g, node, x, node)
    mask = g.ewise("eq", x, out)                # max/min: split evenly among ties
    count = g.sum(mask, axes, keepdims=True)
    return [g.mul(mask, g.div(b, count))]


def _reduce_jvp(g, node, dots):
    (x,), (t,) = node.args, dots
    kind, axes, keepdims = node.attrs
    if kind == "sum":
        return g.sum(t, axes, keepdims)
    if kind == "prod":
        return g.sum(g.mul(prod_others(g, node), t), axes, keepdims)
    out = _keep(g, node, x, node)
    mask = g.ewise("eq", x, out)
    return g.div(g.sum(g.mul(mask, t), axes, keepdims), g.sum(mask, axes, keepdims))


def _concat_vjp(g, node, bar):
    (axis,) = node.attrs
    out, start = [], 0
    for x in node.args:
        stop = start + x.shape[axis]
        key = tuple(slice(None) if k != axis else slice(start, stop) for k in range(x.ndim))
        out.append(g.index(bar, key))
        start = stop
    return out


def _concat_jvp(g, node, dots):
    return g.concat([t if t is not None else _zeros(g, x.shape)
                     for t, x in zip(dots, node.args)], node.attrs[0])


def _flip(g, x, axis):
    return g.index(x, tuple(slice(None, None, -1) if k == axis else slice(None)
                            for k in range(x.ndim)))


def _det_vjp(g, node, bar):
    (a,) = node.args
    scale = g.reshape(g.mul(bar, node), node.shape + (1, 1))
    return [g.mul(scale, _swap(g, g.inv(a)))]


def _det_jvp(g, node, dots):
    (a,), (t,) = node.args, dots
    lead = string.ascii_lowercase[:a.ndim - 2]
    return g.mul(node, g.einsum((lead + "yz", lead + "zy"), lead, g.inv(a), t))


def _solve_vjp(g, node, bar):
    a, b = node.args
    gb = g.solve(g.transpose(a), bar)
    if b.ndim == 1:
        ga = g.neg(g.einsum(("i", "j"), "ij", gb, node))
    else:
        ga = g.neg(g.einsum(("ik", "jk"), "ij", gb, node))
    return [ga, gb]


def _solve_jvp(g, node, dots):
    a, b = node.args
    ta, tb = dots
    rhs = tb
    if ta is not None:
        ax = _matmul(g, ta, node)
        rhs = g.neg(ax) if rhs is None else g.sub(rhs, ax)
    return g.solve(a, rhs)


# -- decompositions: numpy.linalg.cholesky and eigh read only the lower triangle of A, so
# their derivatives are those of A -> f(M), M = tril(A) + tril(A, -1)^T (the symmetric matrix
# numpy decomposes): a tangent dA acts as dM = _lower_sym(dA), and an adjoint Mbar of M
# (symmetric) reaches A as _phi(Mbar + Mbar^T), the lower triangle with the diagonal once.

def _phi(g, x):
    """The lower triangle of (a stack of) matrices with the diagonal halved."""
    half = g.mul(g.eye(x.shape[-1]), 0.5)
    return g.sub(g.linear("tril", x, 0), g.mul(x, half))


def _lower_sym(g, t):
    """tril(t) + tril(t, -1)^T: the symmetric matrix numpy reads from ``t``."""
    low = g.linear("tril", t, -1)
    return g.add(g.add(low, _swap(g, low)), g.mul(t, g.eye(t.shape[-1])))


def _to_lower(g, s):
    """The adjoint of A from ``s`` with d f = <s, dM> (M the symmetric matrix read)."""
    return _phi(g, g.add(s, _swap(g, s)))


def _eigh_F(g, w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it."""
    n = w.shape[-1]
    eye = g.eye(n)
    col = g.reshape(w, w.shape + (1,))
    row = g.reshape(w, w.shape[:-1] + (1, n))
    return g.div(g.sub(1.0, eye), g.add(g.sub(row, col), eye))


def _eigh_parts(g, node):
    (a,) = node.args
    w, v = g.eigh(a, node.attrs[0])
    return w, v, _eigh_F(g, w)


def _eigh_read(g, node, t):
    """The symmetric matrix eigh reads from the tangent ``t`` (its lower or upper triangle)."""
    return _lower_sym(g, t) if node.attrs[0] == "L" else _lower_sym(g, _swap(g, t))


def _eigh_adjoint(g, node, s):
    return [_to_lower(g, s) if node.attrs[0] == "L" else _swap(g, _to_lower(g, s))]


def _cholesky_vjp(g, node, bar):
    # Murray 2016: S = L^-T Phi(L^T Lbar) L^-1 (autograd's grad_cholesky is sym(S))
    linv = g.inv(node)
    s = _matmul(g, _matmul(g, _swap(g, linv), _phi(g, _matmul(g, _swap(g, node), bar))), linv)
    return [_to_lower(g, s)]


def cholesky_jvp_of(g, node, t):
    """dL = L Phi(L^-1 dM L^-T) for a tangent ``t`` of A (any leading axes)."""
    linv = g.inv(node)
    inner = _matmul(g, _matmul(g, linv, _lower_sym(g, t)), _swap(g, linv))
    return _matmul(g, node, _phi(g, inner))


def _eigh_w_vjp(g, node, bar):
    w, v, _ = _eigh_parts(g, node)
    s = _matmul(g, g.mul(v, g.reshape(bar, bar.shape[:-1] + (1, bar.shape[-1]))), _swap(g, v))
    return _eigh_adjoint(g, node, s)


def _eigh_v_vjp(g, node, bar):
    w, v, F = _eigh_parts(g, node)
    s = _matmul(g, _matmul(g, v, g.mul(F, _matmul(g, _swap(g, v), bar))), _swap(g, v))
    return _eigh_adjoint(g, node, s)


def eigh_jvp_of(g, node, t):
    """dw = diag(V^T dM V), dV = V (F * V^T dM V) for a tangent ``t`` of A."""
    w, v, F = _eigh_parts(g, node)
    c = _matmul(g, _matmul(g, _swap(g, v), _eigh_read(g, node, t)), v)
    if node.op == "eigh_w":
        return g.sum(g.mul(c, g.eye(w.shape[-1])), (c.ndim - 1,))
    return _matmul(g, v, g.mul(F, c))


def cumprod_parts(g, node):
    """For ``out = cumprod(x)`` along the last axis (length n): ``E`` with
    ``E[..., i] = prod_{k<i} x_k`` and ``M`` with ``M[..., i, j] = prod_{i<k<=j} x_k`` for
    ``j >= i`` (else 0), so that ``d out_j / d x_i = E_i M_ij`` exactly, without dividing
    by the entries (which fails where one is 0)."""
    (x,) = node.args
    n = x.shape[-1]
    ones = g.broadcast(g.const(1.0), (n, n))
    above = g.ewise("gt", g.linear("triu", ones, 1), 0.5)          # k > i
    on_or_above = g.linear("triu", ones, 0)                         # j >= i
    rows = g.reshape(x, x.shape[:-1] + (1, n))
    B = g.make("cumprod", (g.ewise("where", above, rows, 1.0),), (),
               x.shape[:-1] + (n, n))
    M = g.mul(B, on_or_above)
    lead = tuple(slice(None) for _ in x.shape[:-1])
    first = g.broadcast(g.const(1.0), x.shape[:-1] + (1,))
    E = g.concat([first, g.index(node, lead + (slice(None, -1),))], x.ndim - 1) \
        if n != 1 else first
    return E, M


def _cumprod_vjp(g, node, bar):
    E, M = cumprod_parts(g, node)
    lead = string.ascii_lowercase[:node.ndim - 1]
    return [g.mul(E, g.einsum((lead + "yz", lead + "z"), lead + "y", M, bar))]


def _cumprod_jvp(g, node, dots):
    (t,) = dots
    if t is None:
        return None
    E, M = cumprod_parts(g, node)
    lead = string.ascii_lowercase[:node.ndim - 1]
    return g.einsum((lead + "y", lead + "yz"), lead + "z", g.mul(E, t), M)


def _linear(op):
    """VJP/JVP of a linear operation that is its own kind of adjoint."""
    return (lambda g, node, bar: [g.linear(op, bar, *node.attrs)],
            lambda g, node, dots: g.linear(op, dots[0], *node.attrs))


VJP = {
    "ewise": _ewise_vjp,
    "einsum": _einsum_vjp,
    "reduce": _reduce_vjp,
    "broadcast": lambda g, node, bar: [unbroadcast(g, bar, node.args[0].shape)],
    "reshape": lambda g, node, bar: [g.reshape(bar, node.args[0].shape)],
    "transpose": lambda g, node, bar: [g.transpose(bar, _inverse(node.attrs[0]))],
    "index": lambda g, node, bar: [g.scatter(bar, node.attrs[0], node.args[0].shape)],
    "scatter": lambda g, node, bar: [g.index(bar, node.attrs[0])],
    "concat": _concat_vjp,
    "cumsum": lambda g, node, bar: [_flip(g, g.linear("cumsum", _flip(g, bar, node.attrs[0]),
                                                      node.attrs[0]), node.attrs[0])],
    "roll": lambda g, node, bar: [g.linear("roll", bar, _neg_shift(node.attrs[0]), node.attrs[1])],
    "tril": _linear("tril")[0],
    "triu": _linear("triu")[0],
    "inv": lambda g, node, bar: [g.neg(_matmul(g, _matmul(g, _swap(g, node), bar), _swap(g, node)))],
    "det": _det_vjp,
    "solve": _solve_vjp,
    "cholesky": _cholesky_vjp,
    "eigh_w": _eigh_w_vjp,
    "eigh_v": _eigh_v_vjp,
    "cumprod": _cumprod_vjp,
    "permute": lambda g, node, bar: [g.permute(bar, node.args[1], *node.attrs[:1], inverse=True,
                                               lead=node.attrs[1]), None],
    "unpermute": lambda g, node, bar: [g.permute(bar, node.args[1], node.attrs[0],
                                                 lead=node.attrs[1]), None],
}

JVP = {
    "ewise": _ewise_jvp,
    "einsum": _einsum_jvp,
    "reduce": _reduce_jvp,
    "broadcast": lambda g, node, dots: g.broadcast(dots[0], node.shape),
    "reshape": lambda g, node, dots: g.reshape(dots[0], node.shape),
    "transpose": lambda g, node, dots: g.transpose(dots[0], node.attrs[0]),
    "index": lambda g, node, dots: g.index(dots[0], node.attrs[0]),
    "scatter": lambda g, node, dots: g.scatter(dots[0], *node.attrs),
    "concat": _concat_jvp,
    "cumsum": _linear("cumsum")[1],
    "roll": _linear("roll")[1],
    "tril": _linear("tril")[1],
    "triu": _linear("triu")[1],
    "inv": lambda g, node, dots: g.neg(_matmul(g, _matmul(g, node, dots[0]), node)),
    "det": _det_jvp,
    "solve": _solve_jvp,
    "cholesky": lambda g, node, dots: cholesky_jvp_of(g, node, dots[0]),
    "eigh_w": lambda g, node, dots: eigh_jvp_of(g, node, dots[0]),
    "eigh_v": lambda g, node, dots: eigh_jvp_of(g, node, dots[0]),
    "cumprod": _cumprod_jvp,
    "permute": lambda g, node, dots: None if dots[0] is None else g.permute(
        dots[0], node.args[1], node.attrs[0], lead=node.attrs[1]),
    "unpermute": lambda g, node, dots: None if dots[0] is None else g.permute(
        dots[0], node.args[1], node.attrs[0], inverse=True, lead=node.attrs[1]),
}


def _inverse(perm):
    inv = [0] * len(perm)
    for k, p in enumerate(perm):
        inv[p] = k
    return tuple(inv)


def _neg_shift(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


__all__ = ["VJP", "JVP", "unbroadcast", "broadcast_shapes"]
