"""Export compiled functions as a standalone Python module that needs only numpy.

Where this sits: after ``codegen``, below ``function`` (it uses only a function's
public ``with_backend`` and ``compiled``). ``F.export(path)`` / ``sd.export([F, G], path)``
write the numpy backend's source of each function, preceded by the runtime
helpers it calls (``symdiff.runtime``) and, when a special function (erf, gamma,
...) appears, the code of ``symdiff.special``. The written module gives the same
results as the functions it came from, without symdiff or sympy installed.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re
import types

import numpy as np

from . import runtime, special
from .ops import catalog
from .version import __version__


def write(functions, path) -> pathlib.Path:
    """Write ``functions`` (SymbolicFunctions, checked by ``sd.export``) to the module
    file ``path``; return the path. A repeated name gets a suffix ``_2``, ``_3``, ...

    Each function is written as its kernel (``F.source``, renamed ``_kernel_<name>``),
    ``_arrays_<name> = arrays(_kernel_<name>, Plan(...))`` (the runtime's wrapper for
    arrays) and the entry ``<name>`` that is called (the Python-float path, then that)."""
    sources, names, namespaces = [], [], []
    for F in functions:
        compiled = F.with_backend("numpy").compiled()
        name = compiled.fn.__name__
        ns = compiled.fn.__globals__
        namespaces.append(ns)
        unique, k = name, 1
        while unique in names:
            k += 1
            unique = f"{name}_{k}"
        kernel = compiled.source.replace(f"def {name}(", f"def _kernel_{unique}(", 1)
        entry = compiled.entry_source.replace(f"def {name}(", f"def {unique}(", 1)
        entry = re.sub(rf"\b_arrays_{re.escape(name)}\b", f"_arrays_{unique}", entry)
        plan = ns[f"_arrays_{name}"].plan
        sources.append(f"{kernel.rstrip()}\n\n\n_arrays_{unique} = arrays(_kernel_{unique}, "
                       f"{plan!r})\n\n\n{entry}")
        names.append(unique)
    text = _module_text(sources, names, namespaces)
    path = pathlib.Path(path)
    path.write_text(text)
    return path


def _aliases(namespaces) -> list[str]:
    """``_in = as_input`` lines: the names generated code uses for runtime objects.

    Read from the namespaces the functions were compiled in, so a helper added to
    codegen later is exported without a change here.
    """
    by_id = {id(v): k for k, v in vars(runtime).items() if not k.startswith("__")}
    lines = {}
    for ns in namespaces:
        for name, value in ns.items():
            if not name.startswith("_") or name.startswith("__") or name == "_special":
                continue
            if name.startswith(("_kernel_", "_arrays_")):
                continue                      # written with each function
            if isinstance(value, types.FunctionType) and value.__module__ is None:
                continue                      # another generated function
            if id(value) in by_id:
                lines[name] = f"{name} = {by_id[id(value)]}"
            elif value is np.float64:
                lines[name] = f"{name} = numpy.float64"
            else:
                raise TypeError(f"export: generated code uses {name} = {value!r}, which "
                                "symdiff.export does not know how to write out")
    return sorted(lines.values())


def numpy_only(source: str) -> str:
    """``source`` (a module of symdiff's) without what needs the rest of symdiff:
    its relative imports and every top-level statement that uses a name they bind
    (``runtime.special_functions`` serves symdiff's compiler, not generated code),
    and without ``from __future__`` imports. The text kept is the module's own,
    comments included.

    >>> print(numpy_only("from . import special\\nimport math\\n"
    ...                  "def f():\\n    return special.erf\\ndef g():\\n    return math.pi\\n"))
    import math
    def g():
        return math.pi
    <BLANKLINE>
    """
    tree = ast.parse(source)
    dropped, names = [], set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.level or node.module == "__future__"):
            dropped.append(node)
            names |= {a.asname or a.name for a in node.names}
    for node in tree.body:
        if node not in dropped and any(isinstance(n, ast.Name) and n.id in names
                                       for n in ast.walk(node)):
            dropped.append(node)
    lines = source.splitlines(True)
    for node in sorted(dropped, key=lambda n: n.lineno, reverse=True):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        del lines[first - 1:node.end_lineno]
    return "".join(lines)


def _module_text(sources, names, namespaces) -> str:
    uses_special = any("_special." in s for s in sources)
    runtime_src = numpy_only(inspect.getsource(runtime))
    parts = [
        f'"""Standalone numeric functions exported by symdiff {__version__}: '
        f'{", ".join(names)}.\n\nNeeds only numpy. Generated code: edit the original '
        'function and export again rather than editing this file.\n"""',
        "from __future__ import annotations\n\nimport math\nimport types as _types\n\nimport numpy",
        f"__all__ = {names!r}",
        "# -- runtime helpers (the code of symdiff.runtime) " + "-" * 29,
        runtime_src.strip(),
        "# -- the names generated code calls them by " + "-" * 35,
        "\n".join(_aliases(namespaces)),
    ]
    if uses_special:
        special_src = inspect.getsource(special)   # numpy only, whatever runs here
        parts += [
            "# -- special functions (the code of symdiff.special, as a module) " + "-" * 12,
            f"_SPECIAL_SOURCE = {special_src!r}\n"
            "_special = _types.ModuleType('_special')\n"
            "exec(compile(_SPECIAL_SOURCE, '<symdiff.special>', 'exec'), _special.__dict__)\n"
            "try:    # as symdiff's runtime: scipy's compiled ufuncs when installed\n"
            "    import scipy.special as _sp\n"
            "except ImportError:\n"
            "    pass\n"
            "else:\n"
            f"    _special = _types.SimpleNamespace({catalog.scipy_text('_sp', '_special')})",
        ]
    parts.append("# -- exported functions " + "-" * 56)
    parts += [s.rstrip() for s in sources]
    return "\n\n\n".join(parts) + "\n"
