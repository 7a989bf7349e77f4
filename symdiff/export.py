"""Export compiled functions as a standalone Python module that needs only numpy.

Where this sits: after ``codegen``. ``F.export(path)`` / ``sd.export([F, G], path)``
write the numpy backend's source of each function, preceded by the runtime
helpers it calls (``symdiff.runtime``) and, when a special function (erf, gamma,
...) appears, the code of ``symdiff.special``. The written module gives the same
results as the functions it came from, without symdiff or sympy installed.
"""

from __future__ import annotations

import inspect
import pathlib
import types

import numpy as np

from . import runtime

def export(functions, path) -> pathlib.Path:
    """Write ``functions`` (SymbolicFunctions) to the module file ``path``; return the path.

    Each function is written under its compiled name (``F.grad`` of ``f`` as
    ``grad_f``); a repeated name gets a suffix ``_2``, ``_3``, ...

    >>> import symdiff as sd, tempfile, pathlib, runpy
    >>> F = sd.symbolic("x**2*y")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = sd.export([F, F.grad], pathlib.Path(d) / "f_mod.py")
    ...     mod = runpy.run_path(str(p))
    >>> grad_name = mod["__all__"][1]               # the names, in the order given
    >>> float(mod[grad_name](3.0, 2.0)[0])
    12.0
    """
    from .function import SymbolicFunction
    if isinstance(functions, SymbolicFunction):
        functions = [functions]
    functions = list(functions)
    if not functions:
        raise ValueError("export() needs at least one SymbolicFunction")
    sources, names, namespaces = [], [], []
    for F in functions:
        if not isinstance(F, SymbolicFunction):
            raise TypeError(f"export() takes SymbolicFunctions, not {type(F).__name__}: "
                            "wrap a plain function with sd.symbolic first")
        source, name, namespace = _numpy_function(F)
        namespaces.append(namespace)
        unique, k = name, 1
        while unique in names:
            k += 1
            unique = f"{name}_{k}"
        if unique != name:
            source = source.replace(f"def {name}(", f"def {unique}(", 1)
        sources.append(source)
        names.append(unique)
    text = _module_text(sources, names, namespaces)
    path = pathlib.Path(path)
    path.write_text(text)
    return path


def _numpy_function(F):
    """The numpy backend's compiled function of ``F`` (source and globals)."""
    if hasattr(F, "named_sizes"):       # an array function: its element-wise reading
        F = F._twin()
    if F.backend != "numpy":
        from .function import SymbolicFunction
        F = SymbolicFunction(F._traced, F._outputs, F._layout, F.name, wrt=F.wrt, fn=F.fn,
                             backend="numpy", calculus=F._calculus)
    compiled = F._compile()
    return compiled.source, compiled.fn.__name__, compiled.fn.__globals__


def _aliases(namespaces) -> list[str]:
    """``_in = as_input`` lines: the names generated code uses for runtime objects.

    Read from the namespaces the functions were compiled in, so a helper added to
    codegen later is exported without a change here.
    """
    by_id = {id(v): k for k, v in vars(runtime).items()
             if not k.startswith("__") and k != "_special_module"}
    lines = {}
    for ns in namespaces:
        for name, value in ns.items():
            if not name.startswith("_") or name.startswith("__") or name == "_special":
                continue
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


def _module_text(sources, names, namespaces) -> str:
    from . import __version__
    uses_special = any("_special." in s for s in sources)
    runtime_src = inspect.getsource(runtime).replace("from __future__ import annotations\n", "")
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
        from . import special as special_module   # numpy only, whatever runs here
        special_src = inspect.getsource(special_module)
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
            "    _special = _types.SimpleNamespace(\n"
            "        erf=_sp.erf, erfc=_sp.erfc, gamma=_sp.gamma, lgamma=_sp.gammaln,\n"
            "        digamma=_sp.psi, polygamma=_special.polygamma)",
        ]
    parts.append("# -- exported functions " + "-" * 56)
    parts += [s.rstrip() for s in sources]
    return "\n\n\n".join(parts) + "\n"
