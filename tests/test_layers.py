"""Imports flow one way: every module of symdiff imports only from layers below it.

The import graph is read from the source with ``ast`` (module-level imports and
imports inside functions alike: a function-level import is still a dependency,
only a later one), so a cycle cannot hide behind a lazy import. ``LAYERS`` is the
order, bottom first; a new module has to be placed in it.

The tape (``symdiff/tape``) is one node of ``LAYERS``: it stays independent, it
never imports sympy nor any other part of symdiff than the numpy-only modules
listed in ``TAPE_MAY_IMPORT``. Inside, its modules have layers of their own
(``TAPE_LAYERS``), checked the same way.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symdiff"

#: bottom first; a module may import modules of earlier layers only
LAYERS = [
    # data and helpers that need nothing else of symdiff
    ["symdiff.version", "symdiff.errors", "symdiff.naming", "symdiff.layout", "symdiff.tracebacks",
     "symdiff.special", "symdiff.source", "symdiff.plotting", "symdiff.ops"],
    # the catalog of functions, read by both engines
    ["symdiff.ops.catalog"],
    ["symdiff.limits", "symdiff.fence", "symdiff.runtime"],
    # the array IR (symdiff/arrays): shapes, scalar functions, graph, rules, printing
    ["symdiff.arrays.shapes", "symdiff.arrays.elementwise"],
    ["symdiff.arrays.simplify", "symdiff.arrays.indexing"],
    ["symdiff.arrays.ir"],
    ["symdiff.arrays.rules", "symdiff.arrays.numpy_api"],
    ["symdiff.arrays.reverse", "symdiff.arrays.reader"],
    ["symdiff.arrays.emit", "symdiff.arrays.forward", "symdiff.arrays.display",
     "symdiff.arrays.fastcall", "symdiff.arrays.optimize", "symdiff.arrays.switches"],
    ["symdiff.arrays.hessian"],
    # the independent engine (one node: see the module docstring)
    ["symdiff.tape"],
    # reading a function: python callables -> sympy, the SSA graph, the interpreter
    ["symdiff.primitives", "symdiff.graph"],
    # the reader (symdiff/read): values and the parse pass (source, fence); the state
    # one activation shares; the interpreter's concerns, which reach each other
    # through ``self`` and never import each other; the Reader joining them; the
    # driver listing the passes in order; the package's public names
    ["symdiff.read.values", "symdiff.read.parse"],
    ["symdiff.read.base"],
    ["symdiff.read.parity"],
    ["symdiff.read.loops"],
    ["symdiff.read.statements", "symdiff.read.expressions", "symdiff.read.branches",
     "symdiff.read.calls"],
    ["symdiff.read.interface", "symdiff.read.reader"],
    ["symdiff.read.pipeline"],
    ["symdiff.read", "symdiff.calculus"],
    # printing: code generation, then the backends that register into it
    ["symdiff.codegen"],
    ["symdiff.backends", "symdiff.export"],
    # the user-facing objects and functions
    ["symdiff.function", "symdiff.static"],
    ["symdiff.arrays.function"],
    ["symdiff.arrays.hvp"],
    ["symdiff.arrays"],
    ["symdiff.api"],
    # the checker, a package: its parts, then check() that runs them
    ["symdiff.check.report", "symdiff.check.finite_diff"],
    ["symdiff.check.switching", "symdiff.check.judge", "symdiff.check.on_tape",
     "symdiff.check.domain"],
    ["symdiff.check"],
    ["symdiff"],
    ["symdiff.testing", "symdiff.cli"],
    ["symdiff.pytest_plugin", "symdiff.__main__"],
]

#: the tape's own modules, bottom first (each imports only from earlier layers)
TAPE_LAYERS = [
    # modes, dtypes, printing, the CPU device, sin and cos: nothing else of the tape
    ["symdiff.tape.grad_mode", "symdiff.tape.dtypes", "symdiff.tape.printing",
     "symdiff.tape.device", "symdiff.tape.trig"],
    # nodes and the backward engine (tensors are ``graph.Variable``s to it)
    ["symdiff.tape.graph", "symdiff.tape.autograd.inference"],
    # the derivative rules (they run on tensors through graph.apply), the Graphviz view
    ["symdiff.tape.rules", "symdiff.tape.dot"],
    ["symdiff.tape.tensor"],
    # the public functions, which fill the Tensor's tables of methods
    ["symdiff.tape.functions", "symdiff.tape.random", "symdiff.tape.nn.rules"],
    ["symdiff.tape.namespaces", "symdiff.tape.autograd.function",
     "symdiff.tape.autograd.functional", "symdiff.tape.optim.optimizer",
     "symdiff.tape.nn.module", "symdiff.tape.nn.init", "symdiff.tape.nn.functional",
     "symdiff.tape.nn.utils"],
    ["symdiff.tape.autograd", "symdiff.tape.optim.sgd", "symdiff.tape.optim.adam",
     "symdiff.tape.optim.rmsprop", "symdiff.tape.optim.lr_scheduler", "symdiff.tape.nn.layers",
     "symdiff.tape.nn.loss"],
    ["symdiff.tape.optim", "symdiff.tape.nn"],
    ["symdiff.tape"],
]

#: the only modules outside symdiff/tape that the tape may import (numpy only)
TAPE_MAY_IMPORT = {"symdiff.special", "symdiff.ops", "symdiff.ops.catalog"}


def _modules(package: pathlib.Path = PACKAGE) -> dict[str, pathlib.Path]:
    """Dotted module name -> file, for every module of ``package``."""
    out = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: pathlib.Path, known) -> set[tuple[str, int]]:
    """``(imported name, line)`` for every import in the file, resolved to a module
    of ``known`` where it names one (``from . import codegen`` is symdiff.codegen),
    else the module it names (``sympy``, ``numpy.linalg``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(a.name, node.lineno) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for a in node.names:
                full = f"{module}.{a.name}"
                found.add((full if full in known else module, node.lineno))
    return found


def _collapse(name: str) -> str:
    return "symdiff.tape" if name.startswith("symdiff.tape.") else name


def _graph(package: pathlib.Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> symdiff modules it imports, with the tape's modules as one node."""
    mods = _modules(package)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        node = _collapse(name)
        deps = graph.setdefault(node, set())
        for imported, _ in _imports(name, path, mods):
            if imported in mods and _collapse(imported) != node:
                deps.add(_collapse(imported))
    return graph


def test_every_module_has_a_layer():
    placed = [m for layer in LAYERS for m in layer]
    assert len(placed) == len(set(placed)), "a module is listed twice in LAYERS"
    missing = sorted(set(_graph()) - set(placed))
    assert not missing, f"place these modules in LAYERS (tests/test_layers.py): {missing}"
    stale = sorted(set(placed) - set(_graph()))
    assert not stale, f"LAYERS lists modules that do not exist: {stale}"


def test_imports_point_down_the_layers():
    level = {m: i for i, layer in enumerate(LAYERS) for m in layer}
    upward = sorted(f"{m} imports {d}" for m, deps in _graph().items() for d in deps
                    if m in level and d in level and level[d] >= level[m])
    assert not upward, "imports that do not point to a lower layer:\n" + "\n".join(upward)


def _cycle(graph) -> list[str] | None:
    """One import cycle of ``graph`` as a path, or None."""
    state: dict[str, int] = {}        # 1: on the current path, 2: done

    def visit(m, path):
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return path[path.index(d):] + [d]
            if d not in state:
                found = visit(d, path + [d])
                if found:
                    return found
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


def test_the_import_graph_is_acyclic():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_whole_import_graph_is_acyclic():
    """The tape's own modules too (``_graph`` collapses the tape to one node)."""
    mods = _modules()
    graph = {name: {i for i, _ in _imports(name, path, mods) if i in mods and i != name}
             for name, path in mods.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


#: packages restructured on their own (issue 11 items 4 and 5 and the array work):
#: their function-level imports are not checked here yet (their private names are, but
#: the tape's: ``test_no_module_uses_another_modules_private_names``)
CHECKED_LATER = ("symdiff.tape", "symdiff.arrays", "symdiff.codegen", "symdiff.backends",
                 "symdiff.runtime")

#: the only function-level imports of symdiff modules, and why each waits: loading on
#: first use keeps ``import symdiff`` and a scalar function's reading from paying for
#: what they do not use. A function-level import is never the way around a cycle.
LAZY = {
    ("symdiff.api", "symdiff.arrays"): "the array reader loads on the first shaped function",
    ("symdiff.api", "symdiff.arrays.hvp"): "the array reader loads on the first sd.hvp",
}


def _checked(name: str) -> bool:
    return not any(name == p or name.startswith(p + ".") for p in CHECKED_LATER)


def test_function_level_imports_only_defer_loading():
    mods = _modules()
    found = set()
    for name, path in mods.items():
        if not _checked(name):
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                for imported in _resolve(package, node, mods):
                    if imported.split(".")[0] == "symdiff":
                        found.add((name, imported, node.lineno))
    unlisted = sorted(f"{m}:{line} imports {i} inside a function" for m, i, line in found
                      if (m, i) not in LAZY)
    assert not unlisted, ("import at module level (or list it in LAZY with why it waits):\n"
                          + "\n".join(unlisted))


def _resolve(package: str, node, known) -> set[str]:
    """The modules one import statement names (as ``_imports`` resolves them)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    module = _from_module(package, node)
    return {f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names}


def _from_module(package: str, node: ast.ImportFrom) -> str:
    """The module ``from <module> import ...`` names, relative imports resolved."""
    if not node.level:
        return node.module
    base = package.split(".")
    return ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))


#: private names used across modules for now, and why each waits
PRIVATE_LATER = {
    ("symdiff.arrays.reader", "symdiff.arrays.numpy_api._none"):
        "numpy_api is being extended on other branches; its helper is renamed when they land",
}


def test_no_module_uses_another_modules_private_names():
    """``from .x import _y`` and ``x._y`` across modules: a part that needs another's
    data asks through a public name (``F.derived``, ``F.with_backend``, ``Namer``'s
    ``in``), so a module's private names can change without breaking its neighbours."""
    mods = _modules()
    bad = []
    for name, path in mods.items():
        if name.startswith("symdiff.tape"):
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _from_module(package, node)
                for a in node.names:
                    full = f"{module}.{a.name}"
                    if full in mods:
                        aliases[a.asname or a.name] = full
                    elif module in mods and module != name and _private(a.name):
                        bad.append(f"{name}:{node.lineno} imports {module}.{a.name}")
            elif isinstance(node, ast.Import):
                aliases.update({a.asname: a.name for a in node.names if a.asname and a.name in mods})
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and aliases.get(node.value.id, name) != name and _private(node.attr) \
                    and (name, f"{aliases[node.value.id]}.{node.attr}") not in PRIVATE_LATER:
                bad.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not bad, "private names used from another module:\n" + "\n".join(sorted(bad))


def _private(attr: str) -> bool:
    return attr.startswith("_") and not attr.startswith("__")


def test_the_tape_never_imports_sympy_or_the_symbolic_engine():
    mods = _modules()
    bad = []
    for name, path in mods.items():
        if not name.startswith("symdiff.tape"):
            continue
        for imported, line in _imports(name, path, mods):
            top = imported.split(".")[0]
            outside = top == "symdiff" and not imported.startswith("symdiff.tape") \
                and imported not in TAPE_MAY_IMPORT
            if top == "sympy" or outside:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not bad, "the tape must stay independent of the symbolic engine:\n" + "\n".join(bad)


def _tape_graph() -> dict[str, set[str]]:
    """Tape module -> tape modules it imports (function-level imports included)."""
    mods = _modules()
    return {name: {i for i, _ in _imports(name, path, mods)
                   if i in mods and i.startswith("symdiff.tape") and i != name}
            for name, path in mods.items() if name.startswith("symdiff.tape")}


def test_every_tape_module_has_a_layer():
    placed = [m for layer in TAPE_LAYERS for m in layer]
    assert len(placed) == len(set(placed)), "a module is listed twice in TAPE_LAYERS"
    missing = sorted(set(_tape_graph()) - set(placed))
    assert not missing, f"place these modules in TAPE_LAYERS (tests/test_layers.py): {missing}"
    stale = sorted(set(placed) - set(_tape_graph()))
    assert not stale, f"TAPE_LAYERS lists modules that do not exist: {stale}"


def test_the_tapes_imports_point_down_its_layers():
    """No cycle inside the tape either: tensor does not import the functions or the
    autograd package, the rules do not import tensor, the engine does not import
    tensor (it knows tensors as ``graph.Variable``), even inside a function."""
    level = {m: i for i, layer in enumerate(TAPE_LAYERS) for m in layer}
    upward = sorted(f"{m} imports {d}" for m, deps in _tape_graph().items() for d in deps
                    if m in level and d in level and level[d] >= level[m])
    assert not upward, "tape imports that do not point to a lower layer:\n" + "\n".join(upward)
    assert _cycle(_tape_graph()) is None


def test_what_the_tape_may_import_imports_neither_sympy_nor_the_symbolic_engine():
    mods = _modules()
    for name in TAPE_MAY_IMPORT:
        imported = {i for i, _ in _imports(name, mods[name], mods)}
        bad = {i for i in imported if i.split(".")[0] == "sympy"
               or (i.startswith("symdiff") and i not in TAPE_MAY_IMPORT)}
        assert not bad, f"{name} is shared with the tape and must not import {sorted(bad)}"


def test_a_function_level_import_back_is_a_cycle(tmp_path):
    """The checker itself: a lazy import inside a function still closes a cycle."""
    pkg = tmp_path / "symdiff"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .a import g\n    return g\n")
    graph = _graph(pkg)
    assert graph["symdiff.b"] == {"symdiff.a"}
    assert _cycle(graph) == ["symdiff.a", "symdiff.b", "symdiff.a"]


#: the reader's concerns: one activation's statements, expressions, branches, calls,
#: loops and parity checks, joined by ``read.reader.Reader``
READER_CONCERNS = ["symdiff.read.statements", "symdiff.read.expressions", "symdiff.read.branches",
                   "symdiff.read.calls", "symdiff.read.loops", "symdiff.read.parity"]


def test_the_reader_is_a_package_of_its_concerns():
    """Each concern is a module of symdiff/read, and the Reader is joined from them."""
    assert _graph()["symdiff.read.reader"] == set(READER_CONCERNS)


def test_only_the_parse_pass_runs_the_fence_and_finds_source():
    """The interpreter never calls the passes before it: source retrieval and the fence
    are ``read.parse``, which the driver hands to the reader (``Context.parse``)."""
    mods = _modules()
    for name, path in mods.items():
        if not name.startswith("symdiff.read") or name == "symdiff.read.parse":
            continue
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        modules = {i for i, _ in _imports(name, path, mods)}
        assert "symdiff.fence" not in modules, f"{name} imports the fence"
        assert not names & {"function_source", "stale_source"}, f"{name} finds source itself"


def test_no_module_of_the_reader_imports_the_driver():
    """Imports in symdiff/read point away from the driver: only the package's
    ``__init__`` imports ``pipeline``, and no module imports the package itself."""
    mods = _modules()
    for name, path in mods.items():
        if not name.startswith("symdiff.read."):
            continue
        modules = {i for i, _ in _imports(name, path, mods)}
        assert not modules & {"symdiff.read", "symdiff.read.pipeline"} - {name}, name


def test_the_pipeline_order_fits_on_one_screen():
    """``read.pipeline.read`` lists the passes in order; it stays short enough to see whole."""
    tree = ast.parse((PACKAGE / "read" / "pipeline.py").read_text())
    read = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "read")
    assert read.end_lineno - read.lineno + 1 <= 45


#: packages whose classes share private fields among their own modules on purpose: the
#: tape's ``Tensor._value``/``_grad`` and node fields are its internal protocol, as
#: torch's are (issue 11 item 4 restructures it)
CLASS_PRIVATE_LATER = ("symdiff.tape",)


def _class_private_names(tree) -> set[str]:
    """The ``_private`` names a module's classes define: methods, class attributes,
    ``self._x = ...`` fields and ``__slots__`` entries."""
    names = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        names.add(t.id)
                        if t.id == "__slots__" and node.value is not None:
                            names |= {c.value for c in ast.walk(node.value)
                                      if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return {n for n in names if _private(n)}


def _foreign_private_uses(package: pathlib.Path = PACKAGE) -> list[str]:
    """``obj._name`` (``obj`` not ``self``/``cls``) where ``_name`` is a private member
    of a class of another module of symdiff and of no class of this one."""
    mods = _modules(package)
    trees = {name: ast.parse(path.read_text(), str(path)) for name, path in mods.items()}
    defined = {name: _class_private_names(tree) for name, tree in trees.items()}
    bad = []
    for name, tree in trees.items():
        if any(name == p or name.startswith(p + ".") for p in CLASS_PRIVATE_LATER):
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _private(node.attr)):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            if node.attr in defined[name]:
                continue
            owners = sorted(m for m, names in defined.items() if node.attr in names)
            if owners:
                bad.append(f"{name}:{node.lineno} uses {ast.unparse(node)} "
                           f"(private to {', '.join(owners)})")
    return bad


def test_no_module_uses_another_modules_class_private_members():
    """``F._twin()``, ``F._outputs``: a class's private methods and fields are used by
    its own module only. Another module asks through a public method that says why it
    exists (``F.elementwise()``, ``F.outputs``, ``F.memo``), so the class can change
    its insides without breaking its neighbours."""
    bad = _foreign_private_uses()
    assert not bad, "private members of another module's class used:\n" + "\n".join(sorted(bad))


def test_the_class_private_check_sees_a_foreign_private_call(tmp_path):
    """The checker itself: a private method called on another module's object is
    caught, the same call inside the defining module (or on ``self``) is not."""
    pkg = tmp_path / "symdiff"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("class A:\n    def __init__(self):\n        self._x = 1\n"
                              "    def _twin(self):\n        return self._x\n"
                              "def use(a):\n    return a._twin(), a._x\n")
    (pkg / "b.py").write_text("def use(a):\n    return a._twin() + a.public + a._unknown\n")
    assert _foreign_private_uses(pkg) == ["symdiff.b:2 uses a._twin (private to symdiff.a)"]
