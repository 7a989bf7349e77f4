"""Reverse and forward mode on the array IR.

``gradient(g, y, wrt)``: adjoints of the scalar node ``y`` with respect to the nodes
``wrt`` (each of its node's shape), propagated through ``rules.VJP`` in reverse
topological order. ``vjp(g, ys, bars, wrt)`` starts from given adjoints.
``jvp(g, ys, tangents)``: forward mode through ``rules.JVP``, from a dict
node -> tangent node. Both return graphs of the same IR: forward over reverse
(``jvp`` of a ``gradient``) gives Hessian-vector products, and so on.
"""

from __future__ import annotations

from .ir import ArrayError, Node
from .rules import JVP, VJP
from .simplify import is_zero


def topological(outputs) -> list[Node]:
    """The nodes ``outputs`` depend on, each after its arguments."""
    order, seen = [], set()
    for root in outputs:
        if id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for a in reversed(node.args):
                if id(a) not in seen:
                    stack.append((a, False))
    return order


def vjp(g, ys, bars, wrt) -> list:
    """Adjoints of ``wrt`` given adjoints ``bars`` of ``ys`` (None for an unreached node)."""
    wanted = {id(w) for w in wrt}
    # only nodes on a path to some wrt node carry adjoints
    order = topological(ys)
    live: set = set()
    for n in order:
        if id(n) in wanted or any(id(a) in live for a in n.args):
            live.add(id(n))
    adj: dict = {}
    for y, b in zip(ys, bars):
        _accumulate(g, adj, y, b)
    for node in reversed(order):
        bar = adj.get(id(node))
        if bar is None or not node.args or node.dtype == "b" or is_zero(bar):
            continue
        if not any(id(a) in live for a in node.args):
            continue
        rule = VJP.get(node.op)
        if rule is None:
            raise ArrayError(f"no derivative rule for the array operation {node.op!r}")
        for a, contribution in zip(node.args, rule(g, node, bar)):
            if contribution is not None and id(a) in live and a.dtype != "b":
                _accumulate(g, adj, a, contribution)
    return [adj.get(id(w)) for w in wrt]


def _accumulate(g, adj, node, value):
    if is_zero(value):          # a zero adjoint adds nothing and propagates nothing
        return
    old = adj.get(id(node))
    adj[id(node)] = value if old is None else g.add(old, value)


def gradient(g, y: Node, wrt) -> list:
    """Gradient of a scalar (0-d) node; a zero gradient is a zero array of the shape."""
    if y.shape != ():
        raise ArrayError(f"the gradient needs a scalar result; this one has shape {y.shape}")
    bars = vjp(g, [y], [g.const(1.0)], wrt)
    return [b if b is not None else g.broadcast(g.const(0.0), w.shape) for b, w in zip(bars, wrt)]


def jvp(g, ys, tangents: dict) -> list:
    """Tangents of ``ys`` given ``tangents`` (node -> tangent node) of some inputs."""
    dots: dict = {id(k): v for k, v in tangents.items()}
    for node in topological(ys):
        if id(node) in dots or not node.args or node.dtype == "b":
            continue
        ins = [dots.get(id(a)) for a in node.args]
        if all(t is None for t in ins):
            continue
        rule = JVP.get(node.op)
        if rule is None:
            raise ArrayError(f"no derivative rule for the array operation {node.op!r}")
        dots[id(node)] = rule(g, node, ins)
    return [dots.get(id(y)) for y in ys]
