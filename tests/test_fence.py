"""The fence: every construct outside the subset is rejected at its own place.

Each case is a small module written to a temporary file (so that ``inspect`` finds
the source, as for a user's file); ``MARK`` is the text where the error must point,
and the expected line and column are computed from where it occurs in the file.
"""

import ast
import importlib.util
import sys
import textwrap

import pytest

import symdiff as sd
from symdiff import fence
from symdiff.read import read

# construct, source of f, text at the offending node (first occurrence), hint fragment
CASES = [
    ("while loop", """
        def f(x):
            while x > 1:
                x = x / 2
            return x
        """, "while x > 1", "for i in range(n)"),
    ("break statement", """
        def f(x):
            for i in range(3):
                break
            return x
        """, "break", "restructure with if"),
    ("continue statement", """
        def f(x):
            for i in range(3):
                continue
            return x
        """, "continue", "restructure with if"),
    ("try statement", """
        def f(x):
            try:
                y = 1 / x
            except ZeroDivisionError:
                y = 0.0
            return y
        """, "try:", "remove the try"),
    ("attribute assignment", """
        def f(x):
            x.value = 3
            return x
        """, "x.value", "local variable"),
    ("list comprehension", None, None, None),   # supported: see test_list_comprehension_supported
    ("f-string", """
        def f(x):
            s = f"{x}"
            return x
        """, 'f"{x}"', "string formatting"),
    ("global statement", """
        def f(x):
            global G
            return x
        """, "global G", "parameter"),
    ("nonlocal statement", """
        def f(x):
            def g():
                nonlocal x
                return x
            return g()
        """, "nonlocal x", "return the value"),
    ("yield", """
        def f(x):
            yield x
        """, "yield x", "return a tuple"),
    ("class definition", """
        def f(x):
            class C:
                pass
            return x
        """, "class C", "module level"),
    ("import inside a function", """
        def f(x):
            import math
            return math.sin(x)
        """, "import math", "import at module level"),
    ("import inside a function", """
        def f(x):
            from math import sin
            return sin(x)
        """, "from math", "import at module level"),
    ("del statement", """
        def f(x):
            y = x
            del y
            return x
        """, "del y", "re-assign"),
    ("starred argument", """
        def f(x):
            args = (x, x)
            return max(*args)
        """, "*args)", "explicitly"),
    ("**kwargs parameter", """
        def f(x, **kw):
            return x
        """, "kw)", "list the parameters"),
    ("*args parameter", """
        def f(x, *rest):
            return x
        """, "rest)", "list the parameters"),
    ("with statement", """
        def f(x):
            with open("a") as fh:
                pass
            return x
        """, "with open", "outside"),
    ("raise statement", """
        def f(x):
            if x > 0:
                raise ValueError("no")
            return x
        """, "raise ValueError", "validate inputs"),
    ("assert statement", """
        def f(x):
            assert x > 0
            return x
        """, "assert x", "check inputs"),
    ("dict display", """
        def f(x):
            d = {"a": x}
            return d["a"]
        """, '{"a": x}', "tuple"),
    ("set comprehension", """
        def f(x):
            s = {i for i in range(3)}
            return x
        """, "{i for", "tuple"),
    ("dict comprehension", """
        def f(x):
            s = {i: i for i in range(3)}
            return x
        """, "{i: i", "tuple"),
    ("assignment expression (:=)", """
        def f(x):
            if (y := x * 2) > 1:
                return y
            return x
        """, "y := x", "separate statement"),
    ("starred assignment", """
        def f(x):
            a, *b = (x, x, x)
            return a
        """, "*b", "explicitly"),
    ("expression statement", """
        def f(x):
            print(x)
            return x
        """, "print(x)", "side effects"),
    ("return without a value", """
        def f(x):
            return
        """, "return", "numeric result"),
    ("operator ^", """
        def f(x):
            return x ^ 2
        """, "^ 2", "use ** for powers"),
    ("`is` comparison", """
        def f(x):
            if x is None:
                return 0.0
            return x
        """, "x is None", "=="),
    ("for-else clause", """
        def f(x):
            for i in range(2):
                x = x + 1
            else:
                x = x * 2
            return x
        """, "x = x * 2", "flag"),
    ("generator expression outside a call", """
        def f(x):
            g = (x * i for i in range(3))
            return x
        """, "(x * i", "sum()"),
    ("decorator on a nested function", """
        def f(x):
            @staticmethod
            def g(y):
                return y
            return g(x)
        """, "staticmethod", "without decorators"),
    ("match statement", """
        def f(x):
            match x:
                case 1:
                    return x
            return x
        """, "match x", "if/elif/else"),
    ("async function", """
        def f(x):
            async def g():
                return 1
            return x
        """, "async def", "plain def"),
]
CASES = [c for c in CASES if c[1] is not None]

_count = [0]


def load(tmp_path, source, prefix="    "):
    """Write ``source`` (indented inside a class, to exercise the column mapping) and import it."""
    _count[0] += 1
    name = f"fence_case_{_count[0]}"
    body = textwrap.indent(textwrap.dedent(source).strip("\n"), prefix)
    text = f"import math\n\nclass Holder:\n{body}\n\nf = Holder.f\n"
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod, str(path), text.splitlines(True)


def position(lines, mark):
    start = next((i for i, line in enumerate(lines) if line.startswith("class Holder")), 0)
    for i, line in enumerate(lines[start + 1:], start + 2):
        col = line.find(mark)
        if col >= 0:
            return i, col
    raise AssertionError(f"marker {mark!r} not in source")


@pytest.mark.parametrize("construct,source,mark,hint", CASES, ids=[c[0] + f"-{i}" for i, c in enumerate(CASES)])
def test_rejected_with_place(tmp_path, construct, source, mark, hint):
    mod, path, lines = load(tmp_path, source)
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        read(mod.f)
    err = info.value
    assert isinstance(err, SyntaxError)
    line, col = position(lines, mark)
    assert err.construct == construct
    assert err.filename == path
    assert (err.lineno, err.offset) == (line, col + 1), str(err)
    assert err.text == lines[line - 1]
    assert str(err).startswith(f"{path}:{line}:{col + 1}: unsupported ")
    if hint:
        assert hint in err.hint and hint in str(err)


def test_kwargs_argument_in_call(tmp_path):
    mod, path, lines = load(tmp_path, """
        def f(x):
            return g(x, **OPTS)
        """)
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        read(mod.f)
    assert info.value.construct == "**kwargs argument"
    assert info.value.lineno == position(lines, "**OPTS")[0]


def test_fence_runs_before_tracing(tmp_path):
    # the bad construct sits in a branch that tracing would never reach
    mod, path, lines = load(tmp_path, """
        def f(x):
            if 1 > 2:
                while True:
                    pass
            return x
        """)
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        read(mod.f)
    assert info.value.construct == "while loop"


def test_fence_checks_inlined_helpers(tmp_path):
    src = "import fence_helper_mod as h\n\ndef f(x):\n    return h.helper(x) + 1\n"
    (tmp_path / "fence_helper_mod.py").write_text(textwrap.dedent("""
        def helper(x):
            y = x
            while y > 1:
                y = y / 2
            return y
        """))
    (tmp_path / "fence_caller_mod.py").write_text(src)
    sys.path.insert(0, str(tmp_path))
    try:
        import fence_caller_mod
        with pytest.raises(sd.SymdiffSyntaxError) as info:
            read(fence_caller_mod.f)
    finally:
        sys.path.remove(str(tmp_path))
    err = info.value
    assert err.filename.endswith("fence_helper_mod.py")
    assert (err.lineno, err.offset) == (4, 5)
    assert err.construct == "while loop"


def test_decorated_function_is_read_and_decorator_stripped(tmp_path):
    mod, path, lines = load(tmp_path, """
        @staticmethod
        def f(x):
            while x:
                pass
            return x
        """)
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        read(mod.f)
    line, col = position(lines, "while x")
    assert (info.value.lineno, info.value.offset) == (line, col + 1)


def test_list_comprehension_supported(tmp_path):
    mod, path, lines = load(tmp_path, """
        def f(x):
            return sum([x ** k for k in range(4)])
        """)
    t = read(mod.f)
    x = t.symbols["x"]
    assert t.graph.flatten(t.outputs[()]) == 1 + x + x ** 2 + x ** 3


def test_fence_check_directly():
    tree = ast.parse("def f(x):\n    while x:\n        pass\n    return x\n")
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        fence.check(tree.body[0], "mem.py", lambda n: "    while x:\n")
    assert (info.value.filename, info.value.lineno, info.value.offset) == ("mem.py", 2, 5)
    fence.check(ast.parse("def g(x):\n    return x + 1\n").body[0], "ok.py")
