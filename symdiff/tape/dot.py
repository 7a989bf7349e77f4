"""Graphviz DOT text of a backward graph (``tape.to_dot(y)``).

Sits on top of ``graph``: walks ``grad_fn.next_functions`` iteratively and
names nodes like torch (``MulBackward0``, ``AccumulateGrad``); leaves show
their shape, as torchviz does.  Render with ``dot -Tsvg``.
"""

from .graph import AccumulateGrad


def to_dot(*outputs, name="backward"):
    """Return the DOT source of the backward graph of ``outputs``.

    >>> from symdiff import tape
    >>> x = tape.tensor(2.0, requires_grad=True)
    >>> print(tape.to_dot(x * x).splitlines()[0])
    digraph backward {
    """
    lines = [f"digraph {name} {{", '  node [shape=box, fontname="monospace"];']
    ids = {}

    def node_id(n):
        if n not in ids:
            ids[n] = f"n{len(ids)}"
        return ids[n]

    stack = []
    for i, out in enumerate(outputs):
        root = out.grad_fn if out.grad_fn is not None else (
            out._accumulator() if out.requires_grad else None)
        oid = f"out{i}"
        lines.append(f'  {oid} [label="output{i}\\n{tuple(out.shape)}", style=filled, '
                     'fillcolor="#caff70"];')
        if root is not None:
            lines.append(f"  {node_id(root)} -> {oid};")
            stack.append(root)
    seen = set(stack)
    edges = []
    while stack:
        n = stack.pop()
        if type(n) is AccumulateGrad:
            label = f"AccumulateGrad\\n{tuple(n.variable.shape)}"
            lines.append(f'  {node_id(n)} [label="{label}", style=filled, fillcolor="lightblue"];')
        else:
            lines.append(f'  {node_id(n)} [label="{n.name()}"];')
        for child, _ in n.next_functions:
            if child is None:
                continue
            edges.append(f"  {node_id(child)} -> {node_id(n)};")
            if child not in seen:
                seen.add(child)
                stack.append(child)
    lines.extend(edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
