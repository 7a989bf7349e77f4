"""Arrays stay arrays: array-valued reading, derivatives and code generation.

A shaped parameter (``sd.symbolic(f, shapes={"X": ("n", "d"), "w": ("d",)})``) is
one array-valued node, not an array of scalar symbols, so ``X @ w`` is one
contraction whatever the sizes, and reading, differentiating and compiling cost
the same at 10x10 and 10000x50. Sizes may be named; one reading then serves every
size.

Pipeline (one module per step)::

    reader     the function's AST -> ir.Graph     (numpy_api: numpy's functions)
    ir         nodes, shapes, hash-consing         (simplify: rewrites on construction)
    rules      a VJP and a JVP per operation       (elementwise: scalar functions)
    reverse    gradient / vjp / jvp over the graph
    emit       numpy source: @ for matrix products, einsum for other contractions
    function   ArrayFunction, the SymbolicFunction of array code

The IR's internal API, for code that builds on it (Hessians, Jacobians, display)::

    from symdiff.arrays import ir, reverse, emit
    g = ir.Graph()
    x = g.param("x", ("n",)); A = g.param("A", ("n", "n"))
    y = g.einsum(("i", "ij", "j"), "", x, A, x)          # x @ A @ x
    (gx,) = reverse.gradient(g, y, [x])                  # A @ x + A.T @ x
    (hv,) = reverse.jvp(g, [gx], {x: g.param("v", ("n",))})   # forward over reverse

- ``Node``: ``op``, ``args`` (nodes), ``attrs`` (static), ``shape`` (ints or sympy
  names), ``dtype`` ("f" float, "b" bool). The ops and their attrs are listed in
  ``ir``'s docstring.
- ``Graph`` builders: ``param, const, ewise(fname, *args)`` (``add/sub/mul/div/
  neg/pow`` shortcuts), ``einsum(inputs, output, *args)``, ``reduce(kind, x, axes,
  keepdims)``/``sum``, ``broadcast, reshape, transpose, expand_dims, squeeze, index,
  scatter, concat, linear(op, x, *attrs)`` (cumsum, roll, tril, triu), ``inv, det,
  solve, eye``. Each simplifies (``simplify``) and hash-conses: the same operation
  on the same nodes is the same node.
- ``rules.VJP[op](g, node, bar) -> [adjoint per argument or None]`` and
  ``rules.JVP[op](g, node, tangents) -> tangent``; ``elementwise.FUNCTIONS[f].partials``
  are the elementwise partial derivatives both use.
- ``reverse.gradient(g, y, wrt)``, ``reverse.vjp(g, ys, bars, wrt)``,
  ``reverse.jvp(g, ys, {node: tangent})``, ``reverse.topological(outputs)``.
- ``emit.body(outputs, params, out_text) -> (lines, printer)``: the function body.
- ``reader.read(fn, shapes) -> Program`` (graph, params' nodes, output);
  ``reader.NotArrayCode`` when the source is not array code.
- ``function.ArrayFunction(program, outputs, kind, name, ...)``; ``read_or_fallback``.
"""

from .function import ArrayFunction, read_or_fallback
from .reader import NotArrayCode, Program, read

__all__ = ["ArrayFunction", "read_or_fallback", "read", "Program", "NotArrayCode"]
