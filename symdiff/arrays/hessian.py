"""Second and higher derivatives of array functions: Hessians, Jacobians, ``F.diff`` of
array-valued results and Hessian-vector products, each one tensor expression.

Each builder takes an ``ArrayFunction`` and returns a new one over the same graph:
forward mode with tangent axes (``forward``) over the reverse-mode gradient
(``reverse``), so the Hessian of ``x @ A @ x`` is the graph ``A.T + A`` and the logistic
Hessian ``(X.T * c) @ X``. Shapes (as JAX and ``sd.hessian(F, wrt="x")``, API 5.1):

- ``hessian(F, "x")``: ``shape(x) + shape(x)``; with a tuple of names (or None, all
  parameters), the ``(n, n)`` matrix over all their entries, row-major, as ``F.hessian``.
- ``jacobian(F, "x")``: ``shape(F) + shape(x)``; with a tuple, ``(m, n)``.
- ``diff1(F, "x")``: the derivative of an array-valued F, ``shape(F) + shape(x)``, so
  ``F.diff("x", order=k)`` is the k-th derivative tensor.
- ``hvp(F, wrt)``: a function ``H(*args, v)`` = the Hessian applied to ``v`` (a tuple of
  arrays for several names), one forward sweep along ``v``: the Hessian is never formed.

What these do not cover (element names such as ``"x[0]"``) the caller hands to the
element-wise reading.
"""

from __future__ import annotations

import dataclasses

from .forward import derivative_axes_last, directional, jacobian_block, reshape
from .ir import ArrayError, size_of
from . import reverse


class NotArrayLevel(ArrayError):
    """A request the array level does not build (the caller falls back)."""


def _param_nodes(F, names):
    nodes = F.program.nodes
    for n in names:
        if n not in nodes:
            raise NotArrayLevel(f"{n!r} is not a parameter of {F.name}")
    return [nodes[n] for n in names]


def _zeros(g, shape):
    return g.broadcast(g.const(0.0), tuple(shape))


def _block(g, outputs, x):
    """d outputs / dx, derivative axes first, zeros where an output does not depend on x."""
    return [b if b is not None else _zeros(g, tuple(x.shape) + tuple(o.shape))
            for b, o in zip(jacobian_block(g, outputs, x), outputs)]


def _flat_matrix(g, rows):
    """Blocks ``rows[i][j]`` of shape (m_i, n_j) joined into one (sum m, sum n) matrix."""
    joined = [g.concat(r, 1) if len(r) > 1 else r[0] for r in rows]
    return g.concat(joined, 0) if len(joined) > 1 else joined[0]


def _single(F):
    if not F.scalar_output():
        raise NotArrayLevel("needs a scalar result")
    return F.outputs[0]


def hessian_nodes(F, wrt):
    """The Hessian of F's scalar result as one node (see the module docstring)."""
    g = F.program.graph
    y = _single(F)
    names = F.wrt_names(wrt)
    xs = _param_nodes(F, names)
    grads = reverse.gradient(g, y, xs)
    if isinstance(wrt, str):
        (x,), (gx,) = xs, grads
        return _block(g, [gx], x)[0]
    rows = []
    for gp, p in zip(grads, xs):           # block (p, q) = d/dq of grad_p: (q, p) axes
        row = []
        for q in xs:
            (b,) = _block(g, [gp], q)
            m = reshape(g, b, (size_of(q.shape), size_of(p.shape)))
            row.append(g.transpose(m))
        rows.append(row)
    return _flat_matrix(g, rows)


def _value_nodes(F):
    """F's result as one array node: a tuple of scalars stacked into a vector."""
    g = F.program.graph
    outs = F.outputs
    if len(outs) == 1:
        return outs[0]
    if any(o.shape != () for o in outs):
        raise NotArrayLevel("a tuple of arrays")
    return g.concat([reshape(g, o, (1,)) for o in outs], 0)


def jacobian_nodes(F, wrt):
    g = F.program.graph
    y = _value_nodes(F)
    names = F.wrt_names(wrt)
    xs = _param_nodes(F, names)
    if isinstance(wrt, str):
        (x,) = xs
        (b,) = _block(g, [y], x)
        return derivative_axes_last(g, b, x.ndim)
    m = size_of(y.shape)
    cols = []
    for x in xs:
        (b,) = _block(g, [y], x)                          # x.shape + y.shape
        cols.append(g.transpose(reshape(g, b, (size_of(x.shape), m))))
    return _flat_matrix(g, [cols])


def diff_node(F, var):
    """d F / d var for an array-valued F: ``shape(F) + shape(var)``."""
    g = F.program.graph
    y = _value_nodes(F)
    (x,) = _param_nodes(F, [var])
    (b,) = _block(g, [y], x)
    return derivative_axes_last(g, b, x.ndim)


# -- Hessian-vector products -------------------------------------------------------------

def direction_names(F, names):
    """Names for the direction's parameters: ``v`` for one, ``v_<name>`` for several
    (with underscores added until no parameter has the name)."""
    taken = set(F.params)

    def fresh(base):
        while base in taken:
            base = "_" + base
        taken.add(base)
        return base
    if len(names) == 1:
        return [fresh("v")]
    return [fresh(f"v_{n}") for n in names]


def hvp_program(F, wrt):
    """(program, outputs, names, direction names): the Hessian applied to directions that
    are new parameters of the program."""
    g = F.program.graph
    y = _single(F)
    names = F.wrt_names(wrt)
    xs = _param_nodes(F, names)
    vnames = direction_names(F, names)
    vs = [g.param(v, x.shape) for v, x in zip(vnames, xs)]
    grads = reverse.gradient(g, y, xs)
    outs = directional(g, grads, dict(zip(xs, vs)))
    outs = [o if o is not None else _zeros(g, x.shape) for o, x in zip(outs, xs)]
    p = F.program
    program = dataclasses.replace(
        p, params=tuple(p.params) + tuple(vnames),
        nodes={**p.nodes, **dict(zip(vnames, vs))},
        shapes={**p.shapes, **{v: p.shapes.get(n, x.shape) for v, n, x in zip(vnames, names, xs)}})
    return program, outs, names, vnames


# -- as functions (what ArrayFunction's methods return) ---------------------------------------

def _key(F, wrt):
    return wrt if isinstance(wrt, str) else F.wrt_names(wrt)


def _derived(F, node, name, recipe):
    """A new function of F's parameters computing ``node`` (``F.array_derived``: this module
    sits below ``function``, which calls it, so it builds through F)."""
    return F.array_derived(node, name, recipe)


def hessian_function(F, wrt=None):
    """``F.hessian_of(wrt)`` at the array level; the element-wise twin where it does not
    apply (element names such as ``"x[0]"``)."""
    def build():
        try:
            node = hessian_nodes(F, wrt)
        except NotArrayLevel:
            return F.elementwise().hessian_of(wrt)
        return _derived(F, node, f"hessian {F.name}", (F, "hessian_of", (wrt,)))
    return F.memo(("hessian", _key(F, wrt)), build)


def jacobian_function(F, wrt=None):
    def build():
        try:
            node = jacobian_nodes(F, wrt)
        except NotArrayLevel:
            return F.elementwise().jacobian_of(wrt)
        return _derived(F, node, f"jacobian {F.name}", (F, "jacobian_of", (wrt,)))
    return F.memo(("jacobian", _key(F, wrt)), build)


def diff_function(F, var):
    """``F.diff_once(var)`` for an array-valued F: the derivative with ``var``'s axes last."""
    from .. import naming
    try:
        node = diff_node(F, var)
    except NotArrayLevel:
        return F.elementwise().diff_once(var)
    wrt = F.wrt + (var,)
    return _derived(F, node, naming.display_derivative(F.program.name, wrt),
                    (F, "diff_once", (var,)))
