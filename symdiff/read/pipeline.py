"""The reading pipeline on one screen: a Python function -> a ``Reading``.

The passes, in order, as ``read`` runs them (numbers as in the README's layout map):

* ``interface.static_binding``  a ``functools.partial``'s bound arguments become static
* ``interface.parameters``      the signature, checked against ``shapes=`` and ``static=``
* ``parse.function``            1. source (``source.function_source``: the AST at the
                                user's file positions); 2. fence (``fence.check``); is
                                the text the code Python runs?
* ``interface.make_symbols``    each parameter a sympy Symbol (or an array of them)
* ``Reader.run_function``       3. the body, statement by statement, into the SSA graph;
                                a helper it calls goes through 1-2 when first met
                                (``Context.parsed``) and is inlined. Without source,
                                ``calls.call_without_source`` runs the function on symbols
* ``interface.outputs_of``      the value returned -> the outputs (numbers only)

Then ``function.from_reading`` names the outputs and picks their layout, and the rest
of the pipeline (4. ``calculus``, 5. ``codegen``) works on the graph, on demand.
Nothing is executed: the source is interpreted on symbols.

>>> def f(x, y):
...     z = x * y
...     return z + 1
>>> r = read(f)
>>> r.params, r.graph.flatten(r.outputs[()])
(('x', 'y'), x*y + 1)
"""

from __future__ import annotations

import inspect

from .. import limits, primitives
from ..errors import SymdiffError
from ..graph import Graph, Reading
from ..source import FunctionSource, NoSource
from . import interface, parse
from .base import Context
from .calls import call_without_source, closure_of
from .reader import Reader
from .values import Scope, from_outside

#: long source expressions (``a + b + ...`` with hundreds of terms) nest deeply: read
#: under ``limits.deep`` (a higher recursion limit, a clear error past it)
_deep = limits.deep(lambda src, *a, **k: f"reading {getattr(src, '__name__', 'the expression')}")


@_deep
def read(fn, shapes: dict | None = None, vectorize: bool = True,
         static: dict | None = None) -> Reading:
    """Read ``fn``'s source into an SSA ``Graph``.

    ``static`` maps parameter names to values bound as constants before reading
    (API 5.2): they are not parameters of the result. ``vectorize=False`` unrolls
    every loop (a vectorised loop's sums are one symbol for all its steps).
    """
    shapes = {k: tuple(v) for k, v in (shapes or {}).items()}
    fn, static = interface.static_binding(fn, static)                      # partial -> static
    p = interface.parameters(fn, shapes, static)                           # signature
    name, filename = p.function.__name__, p.function.__code__.co_filename
    ctx = Context(Graph(), parse.function, vectorize)
    try:
        src = ctx.parsed(p.function)                                       # 1-2
    except NoSource:
        symbols, value, complain = _without_source(ctx.graph, p, shapes, filename)
    else:
        symbols = interface.make_symbols(ctx.graph, p.names, shapes)       # symbols
        scope = Scope({**symbols, **{k: from_outside(v) for k, v in static.items()}}, None,
                      closure_of(p.function), p.function.__globals__)
        reader = Reader(ctx, src, scope, name)
        try:
            value = reader.run_function(src.node)                          # 3
        except RecursionError:
            raise limits.too_deep(f"{filename}: reading {name}") from None

        def complain(msg):
            reader.fail(src.node, f"{name} {msg}")
    outputs, vector = interface.outputs_of(value, complain)                # outputs
    return Reading(ctx.graph, name=name, params=tuple(p.names), symbols=symbols,
                   outputs=outputs, vector=vector, shapes=shapes, defaults=p.defaults,
                   filename=filename)


@_deep
def read_expression(text: str) -> Reading:
    """Read an expression string; its parameters are its free names, alphabetically.

    >>> r = read_expression("x**2*y + sin(y)")
    >>> r.params
    ('x', 'y')
    """
    tree, names = parse.expression(text)                                   # 1-2
    g = Graph()
    symbols = interface.make_symbols(g, names, {})                         # symbols
    src = FunctionSource(tree, "<expression>", [text], untrusted=True)
    scope = Scope(dict(symbols), None, {}, dict(primitives.EXPRESSION_NAMESPACE))
    reader = Reader(Context(g, parse.function), src, scope, "<expression>")
    value = reader.visit(tree.body)                                        # 3

    def complain(msg):
        reader.fail(tree.body, f"the expression {msg}")
    outputs, vector = interface.outputs_of(value, complain)                # outputs
    return Reading(g, name="f", params=tuple(names), symbols=symbols,
                   outputs=outputs, vector=vector, filename="<expression>")


def _without_source(g: Graph, p: interface.Parameters, shapes: dict, filename: str):
    """Symbols and reading for a function without source: it is run on symbols."""
    fn = p.function
    kinds = {q.kind for q in p.signature.parameters.values()}
    if inspect.Parameter.VAR_POSITIONAL in kinds or inspect.Parameter.VAR_KEYWORD in kinds:
        raise SymdiffError(f"{fn.__name__}: *args/**kwargs parameters are not supported")
    symbols = interface.make_symbols(g, p.names, shapes)
    value = call_without_source(fn, [p.static[q] if q in p.static else symbols[q]
                                     for q in p.signature.parameters], {}, define=g.define)

    def complain(msg):
        raise SymdiffError(f"{filename}: {fn.__name__} {msg}")
    return symbols, value, complain
