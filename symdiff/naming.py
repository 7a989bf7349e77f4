"""Every generated name in one place: SSA versions, derivatives, adjoints, temporaries.

Generated code is meant to be read (``F.source``), so names say where they come
from: ``z_1`` is the second value of the user's ``z``, ``dz_dx`` its derivative,
``d2z_dxdy`` a mixed partial, ``z_bar`` its adjoint in a reverse sweep. Names that
start with an underscore belong to the generated code's runtime and are never
given to user values.
"""

from __future__ import annotations

import builtins
import keyword
import re

# Generated code calls builtins (abs, min, max on Python floats) and modules by
# these names: no intermediate may shadow them.
RESERVED = frozenset({"numpy", "math", "np"} | set(dir(builtins)))
_NOT_IDENT = re.compile(r"\W")


def sanitize(hint: str) -> str:
    """A valid, non-reserved Python identifier made from ``hint``."""
    name = _NOT_IDENT.sub("_", hint).strip("_") or "v"
    if name[0].isdigit():
        name = "v" + name
    if keyword.iskeyword(name) or name in RESERVED:
        name = name + "_"
    return name


class Namer:
    """Hands out unique identifiers: ``z``, then ``z_1``, ``z_2``, ..."""

    def __init__(self, taken=()):
        self._taken: set[str] = set(taken)
        self._next: dict[str, int] = {}

    def reserve(self, name: str) -> None:
        self._taken.add(name)

    def __contains__(self, name: str) -> bool:
        """Is ``name`` handed out or reserved?"""
        return name in self._taken

    def fresh(self, hint: str) -> str:
        base = sanitize(hint)
        if base not in self._taken:
            self._taken.add(base)
            return base
        k = self._next.get(base, 1)
        while f"{base}_{k}" in self._taken:
            k += 1
        self._next[base] = k + 1
        name = f"{base}_{k}"
        self._taken.add(name)
        return name


def element(param: str, index: tuple[int, ...]) -> str:
    """Symbol name of one element of a shaped parameter: ``x[1, 2]`` -> ``x_1_2``."""
    return param + "".join(f"_{i}" for i in index)


def derivative(base: str, wrt: tuple[str, ...]) -> str:
    """``dz_dx``, ``d2z_dx2``, ``d2z_dxdy``, ``d3z_dx2dy`` for the multi-index ``wrt``."""
    counts: dict[str, int] = {}
    for v in wrt:
        counts[v] = counts.get(v, 0) + 1
    order = len(wrt)
    top = f"d{order if order > 1 else ''}{base}"
    bottom = "".join(f"d{v}{n if n > 1 else ''}" for v, n in counts.items())
    return f"{top}_{bottom}"


def adjoint(base: str) -> str:
    return f"{base}_bar"


def display_derivative(fname: str, wrt: tuple[str, ...]) -> str:
    """Display name of a derivative function: ``df/dx``, ``d2f/dxdy``, ``d3f/dx3``."""
    counts: dict[str, int] = {}
    for v in wrt:
        counts[v] = counts.get(v, 0) + 1
    order = len(wrt)
    bottom = "".join(f"d{v}{n if n > 1 else ''}" for v, n in counts.items())
    return f"d{order if order > 1 else ''}{fname}/{bottom}"


TEMP_PREFIX = "_c"          # common subexpressions in generated code
GENERATED_FILE = "<symdiff-{name}-{n}>"   # linecache filename of generated code
