"""Clear errors for every wrong use (issue 6): one table.

Each row: an id, a callable that makes the mistake, the exception type, and a
regular expression its message must match. Rows for unsupported source also name
the token the reported ``file:line:col`` must point at (checked against this file).
After the table: nan/inf inputs, which are not errors and must not warn.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings

import numpy as np
import pytest

import symdiff as sd
from symdiff.cli import main as cli_main

F = sd.symbolic("x**2*y")


def g_vec(x):
    return x[0] * x[1]


G = sd.symbolic(g_vec, shapes={"x": (2,)})


class CliFailed(Exception):
    """The CLI exited with a non-zero code; the message is its stderr."""


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(argv))
    if code != 0:
        raise CliFailed(f"exit {code}: {err.getvalue()}")
    return out.getvalue()


# -- unsupported source: one function per construct --------------------------------------

def u_while(x):
    while x > 1:
        x = x / 2
    return x


def u_try(x):
    try:
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def u_with(x):
    with open("/dev/null") as fh:
        y = x
    return y


def u_class(x):
    class Box:
        v = 1.0
    return x


def u_global(x):
    global F
    return x


def u_nonlocal(x):
    y = x

    def inner():
        nonlocal y
        return y
    return inner()


def u_yield(x):
    yield x


def u_async(x):
    async def inner():
        return 1.0
    return x


def u_import(x):
    import cmath
    return x


def u_from_import(x):
    from math import tau
    return x * tau


def u_set_literal(x):
    s = {x, 2.0}
    return x


def u_dict_literal(x):
    d = {"a": x}
    return x


def u_dict_comp(x):
    d = {k: x for k in range(3)}
    return x


def u_set_comp(x):
    s = {k * x for k in range(3)}
    return x


def u_star_call(x):
    args = (x,)
    return math.sin(*args)


def u_kwargs_call(x):
    kw = dict(x=x)
    return max(**kw)


def u_star_params(*xs):
    return xs[0]


def u_kwargs_param(x, **kw):
    return x


def u_del(x):
    y = x
    del y
    return x


def u_assert(x):
    assert x > 0
    return x


def u_raise(x):
    raise ValueError("no")


def u_break(x):
    for k in range(3):
        break
    return x


def u_continue(x):
    for k in range(3):
        continue
    return x


def u_match(x):
    match x:
        case _:
            return x


def u_fstring(x):
    s = f"{x}"
    return x


def u_walrus(x):
    return (y := x) + y


def u_for_else(x):
    for k in range(2):
        x = x + k
    else:
        x = x * 2
    return x


def u_attribute_store(x):
    u_attribute_store.cache = x
    return x


def u_is(x):
    return x if x is not None else 0.0


def u_xor(x):
    return x ^ 2


def u_genexp(x):
    gen = (k * x for k in range(3))
    return x


def u_bare_return(x):
    return


def u_print(x):
    print(x)
    return x


def u_complex(x):
    return x * 2j


def u_dunder(x):
    return x.__class__


def u_eval(x):
    return eval("x")


def u_loop_bound(x):
    s = 0.0
    for k in range(x):
        s = s + k
    return s


def u_data_index(x):
    t = (1.0, 2.0)
    return t[x]


def u_decorated_inner(x):
    @staticmethod
    def inner(v):
        return v
    return x


# -- recursion and functions without source ---------------------------------------------

def u_recursive(n):
    return 1.0 if n <= 1 else n * u_recursive(n - 1)


_ns: dict = {}
exec("def no_source(x):\n    if x > 0:\n        return x\n    return -x\n", _ns)


def big_loop(x):
    y = x
    for _ in range(67):
        y = y * x + math.sin(y)
    return y


def long_unroll(x):
    s = 0.0
    for k in range(10**12):
        s = s + k * x
    return s


def huge_constant(x):
    return x * 9 ** 9 ** 9


def huge_factorial(x):
    return x * math.factorial(10**7)


# -- the table --------------------------------------------------------------------------

S = sd.SymdiffSyntaxError
E = sd.SymdiffError
SRC = r"test_error_table\.py:\d+:\d+: "

#: (id, make the mistake, exception, message regex, token at file:line:col or None)
TABLE = [
    # unknown variables: the message lists the parameters
    ("diff-unknown", lambda: F.diff("z"), ValueError, r"unknown variable 'z'.*\(x, y\)", None),
    ("grad-unknown", lambda: F.gradient("z"), ValueError, r"unknown variable 'z'.*\(x, y\)", None),
    ("hessian-unknown", lambda: F.hessian_of(("x", "q")), ValueError, r"'q'.*\(x, y\)", None),
    ("derivative-unknown", lambda: sd.derivative(F, "q"), ValueError, r"'q'.*\(x, y\)", None),
    ("diff-not-a-name", lambda: F.diff(0), TypeError, r"variable names.*\(x, y\)", None),
    ("cli-wrt-unknown", lambda: cli("diff", "x**2*y", "--wrt", "z"), CliFailed,
     r"exit 2: .*unknown variable 'z' in --wrt: f has parameters \(x, y\)", None),
    ("cli-at-unknown", lambda: cli("grad", "x**2*y", "--at", "x=1,y=2,z=3"), CliFailed,
     r"unknown variable 'z' in --at.*\(x, y\)", None),
    # orders: negative, zero, non-integer, bool, absurd
    ("order-negative", lambda: F.diff("x", order=-1), ValueError, r"positive integer, not -1", None),
    ("order-zero", lambda: F.diff("x", order=0), ValueError, r"positive integer, not 0", None),
    ("order-float", lambda: F.diff("x", order=1.5), TypeError, r"integer, not 1\.5", None),
    ("order-float-integral", lambda: F.diff("x", order=2.0), TypeError, r"integer, not 2\.0", None),
    ("order-bool", lambda: F.diff("x", order=True), TypeError, r"integer, not True \(bool\)", None),
    ("order-str", lambda: F.diff("x", order="2"), TypeError, r"integer, not '2'", None),
    ("order-huge", lambda: F.diff("x", order=10**6), ValueError,
     r"order 1000000 is too high.*total order 100", None),
    ("order-101", lambda: F.diff("x", order=101), ValueError, r"total order 100", None),
    ("order-total", lambda: F.diff("x", "y", order=60), ValueError, r"would be 120", None),
    ("order-of-derivative", lambda: F.diff("x", order=99).diff("x", order=2), ValueError,
     r"would be 101", None),
    ("derivative-order-huge", lambda: sd.derivative("x**3", "x", order=10**9), ValueError,
     r"too high", None),
    ("check-order-huge", lambda: sd.check(F, 1.0, 2.0, order=10**6), ValueError, r"too high", None),
    ("check-order-negative", lambda: sd.check(F, 1.0, 2.0, order=-1), ValueError,
     r"non-negative integer", None),
    ("cli-order-huge", lambda: cli("diff", "x**3", "--wrt", "x", "--order", "1000000"),
     CliFailed, r"--order 1000000 is too high", None),
    ("cli-order-zero", lambda: cli("diff", "x**3", "--wrt", "x", "--order", "0"), CliFailed,
     r"--order must be a positive integer", None),
    # call-time arguments: count and names
    ("call-unexpected-keyword", lambda: F(1.0, z=2.0), TypeError,
     r"unexpected keyword argument 'z'; its parameters are x, y", None),
    ("call-missing", lambda: F(1.0), TypeError, r"f\(x, y\) missing required argument 'y'", None),
    ("call-missing-two", lambda: F(), TypeError, r"missing required arguments 'x', 'y'", None),
    ("call-too-many", lambda: F(1.0, 2.0, 3.0), TypeError,
     r"f\(x, y\) takes 2 arguments but 3 were given", None),
    ("call-twice", lambda: F(1.0, x=2.0), TypeError, r"multiple values for argument 'x'", None),
    ("grad-call-missing", lambda: F.grad(1.0), TypeError, r"grad_f\(x, y\) missing.*'y'", None),
    # call-time arguments: not real numbers
    ("arg-none", lambda: F(None, 2.0), TypeError,
     r"argument 'x' must be a real number or array of real numbers, got NoneType", None),
    ("arg-str", lambda: F("a", 2.0), TypeError, r"argument 'x' .* got str", None),
    ("arg-numeric-str", lambda: F(1.0, "2.5"), TypeError, r"argument 'y' .* got str", None),
    ("arg-bytes", lambda: F(b"1", 2.0), TypeError, r"argument 'x' .* got bytes", None),
    ("arg-complex", lambda: F(1j, 2.0), TypeError, r"argument 'x' .* got complex", None),
    ("arg-complex-array", lambda: F(np.array([1j, 2.0]), 2.0), TypeError,
     r"argument 'x' .* got an array of complex128", None),
    ("arg-list-with-none", lambda: F([1.0, None], 2.0), TypeError,
     r"argument 'x' .* got a list containing NoneType", None),
    ("arg-str-array", lambda: F(np.array(["1"]), 2.0), TypeError, r"argument 'x' .* array of <U1",
     None),
    ("arg-object", lambda: F(object(), 2.0), TypeError, r"argument 'x' .* got object", None),
    ("arg-dict", lambda: F({"a": 1}, 2.0), TypeError, r"argument 'x' .* got dict", None),
    ("grad-arg-none", lambda: F.grad(None, 2.0), TypeError, r"grad_f\(\): argument 'x'", None),
    ("hessian-arg-str", lambda: F.hessian(1.0, "b"), TypeError, r"hessian_f\(\): argument 'y'",
     None),
    ("diff-arg-complex", lambda: F.diff("x")(1.0, 1j), TypeError, r"argument 'y' .* complex", None),
    ("shaped-arg-none", lambda: G(None), TypeError, r"argument 'x' .* NoneType", None),
    ("broadcast", lambda: F(np.ones(3), np.ones(4)), ValueError,
     r"cannot be broadcast together \(x has shape \(3,\), y has shape \(4,\)\)", None),
    # declared shapes
    ("shape-too-long", lambda: G(np.ones(3)), ValueError,
     r"argument 'x' has shape \(3,\), but g_vec was declared with shapes=\{'x': \(2,\)\}", None),
    ("shape-scalar", lambda: G(2.0), ValueError, r"argument 'x' has shape \(\), but g_vec", None),
    ("shape-leading-axis", lambda: G(np.ones((3, 2))), ValueError, r"has shape \(3, 2\)", None),
    ("shape-grad", lambda: G.grad(np.ones(5)), ValueError, r"has shape \(5,\).*\(2,\)", None),
    ("shape-list", lambda: G([1.0, 2.0, 3.0]), ValueError, r"has shape \(3,\)", None),
    ("shapes-unknown-param", lambda: sd.symbolic(g_vec, shapes={"y": (2,)}), ValueError,
     r"unknown parameters \['y'\]", None),
    # unsupported constructs: file:line:col, the construct, what to do instead
    ("while", lambda: sd.symbolic(u_while), S, SRC + r"unsupported while loop: use `for", "while"),
    ("try", lambda: sd.symbolic(u_try), S, SRC + r"unsupported try statement: remove", "try"),
    ("with", lambda: sd.symbolic(u_with), S, SRC + r"unsupported with statement: move", "with"),
    ("class", lambda: sd.symbolic(u_class), S, SRC + r"unsupported class definition: define",
     "class"),
    ("global", lambda: sd.symbolic(u_global), S, SRC + r"unsupported global statement: pass",
     "global"),
    ("nonlocal", lambda: sd.symbolic(u_nonlocal), S, SRC + r"unsupported nonlocal statement",
     "nonlocal"),
    ("yield", lambda: sd.symbolic(u_yield), S, SRC + r"unsupported yield: return a tuple", None),
    ("async", lambda: sd.symbolic(u_async), S, SRC + r"unsupported async function: use a plain def",
     "async"),
    ("import", lambda: sd.symbolic(u_import), S, SRC + r"unsupported import inside a function: "
     r"import at module level", "import"),
    ("from-import", lambda: sd.symbolic(u_from_import), S, SRC + r"unsupported import inside",
     "from"),
    ("set-literal", lambda: sd.symbolic(u_set_literal), S, SRC + r"unsupported set display: use a "
     r"tuple", "{x"),
    ("dict-literal", lambda: sd.symbolic(u_dict_literal), S, SRC + r"unsupported dict display",
     "{\"a\""),
    ("dict-comprehension", lambda: sd.symbolic(u_dict_comp), S,
     SRC + r"unsupported dict comprehension", "{k:"),
    ("set-comprehension", lambda: sd.symbolic(u_set_comp), S,
     SRC + r"unsupported set comprehension", "{k *"),
    ("star-call", lambda: sd.symbolic(u_star_call), S, SRC + r"unsupported starred argument: pass",
     "*args"),
    ("kwargs-call", lambda: sd.symbolic(u_kwargs_call), S, SRC + r"unsupported \*\*kwargs argument",
     None),
    ("star-params", lambda: sd.symbolic(u_star_params), S, SRC + r"unsupported \*args parameter: "
     r"list the parameters", "xs"),
    ("kwargs-param", lambda: sd.symbolic(u_kwargs_param), S, SRC + r"unsupported \*\*kwargs "
     r"parameter", "kw"),
    ("del", lambda: sd.symbolic(u_del), S, SRC + r"unsupported del statement", "del"),
    ("assert", lambda: sd.symbolic(u_assert), S, SRC + r"unsupported assert statement", "assert"),
    ("raise", lambda: sd.symbolic(u_raise), S, SRC + r"unsupported raise statement", "raise"),
    ("break", lambda: sd.symbolic(u_break), S, SRC + r"unsupported break statement", "break"),
    ("continue", lambda: sd.symbolic(u_continue), S, SRC + r"unsupported continue statement",
     "continue"),
    ("match", lambda: sd.symbolic(u_match), S, SRC + r"unsupported match statement: use if/elif",
     "match"),
    ("f-string", lambda: sd.symbolic(u_fstring), S, SRC + r"unsupported f-string", "f\""),
    ("walrus", lambda: sd.symbolic(u_walrus), S, SRC + r"unsupported assignment expression",
     "y :="),
    ("for-else", lambda: sd.symbolic(u_for_else), S, SRC + r"unsupported for-else clause",
     "x = x * 2"),
    ("attribute-store", lambda: sd.symbolic(u_attribute_store), S,
     SRC + r"unsupported attribute assignment", "u_attribute_store.cache"),
    ("is", lambda: sd.symbolic(u_is), S, SRC + r"unsupported `is not` comparison: compare", "x is"),
    ("xor", lambda: sd.symbolic(u_xor), S, SRC + r"unsupported operator \^: use \*\* for powers",
     "^ 2"),          # the caret under the operator
    ("generator", lambda: sd.symbolic(u_genexp), S, SRC + r"unsupported generator expression "
     r"outside a call", "(k"),
    ("bare-return", lambda: sd.symbolic(u_bare_return), S, SRC + r"unsupported return without a "
     r"value", "return"),
    ("print", lambda: sd.symbolic(u_print), S, SRC + r"unsupported expression statement: remove "
     r"calls", "print"),
    ("complex-literal", lambda: sd.symbolic(u_complex), S, SRC + r"unsupported complex number",
     "2j"),
    ("dunder-attribute", lambda: sd.symbolic(u_dunder), S, SRC + r"unsupported attribute "
     r"\.__class__", "__class__"),
    ("eval", lambda: sd.symbolic(u_eval), S, SRC + r"unsupported call to eval\(\)", "eval"),
    ("loop-bound-on-data", lambda: sd.symbolic(u_loop_bound), S,
     SRC + r"unsupported loop bound that depends on the input", "range"),
    ("index-on-data", lambda: sd.symbolic(u_data_index), S, SRC + r"unsupported index that "
     r"depends on the input", "x]"),
    ("decorated-inner", lambda: sd.symbolic(u_decorated_inner), S,
     SRC + r"unsupported decorator on a nested function", "staticmethod"),
    ("lambda-arg", lambda: sd.symbolic(lambda *a: a[0]), S, SRC + r"unsupported \*args", "a:"),
    ("string-syntax", lambda: sd.symbolic("x +* y"), S, r"<expression>:1:\d+: invalid expression",
     None),
    ("string-statement", lambda: sd.symbolic("y = x"), S, r"<expression>:1:\d+: invalid expression",
     None),
    ("string-unknown-function", lambda: sd.symbolic("foo(x)"), S,
     r"<expression>:1:1: unsupported call to foo\(\): an expression string may call only", None),
    # recursion; while loops on data; no source with data-dependent branches
    ("recursion", lambda: sd.symbolic(u_recursive), E,
     r"test_error_table\.py:\d+:\d+: calls nested deeper than 40 levels while inlining "
     r"'u_recursive'", None),
    ("while-on-data", lambda: sd.symbolic(u_while), S, r"while loop.*known when the function is "
     r"defined", "while"),
    ("no-source-branch", lambda: sd.symbolic(_ns["no_source"]), E,
     r"no_source: cannot branch on data without source; define the function in a file", None),
    # expressions too large for sympy / Python: never a bare RecursionError
    ("too-deep-to-parse", lambda: sd.symbolic("-" * 50000 + "x"), E,
     r"parsing the expression string: it nests too deeply for Python's parser; write it in "
     r"steps", None),
    ("too-deep-power-tower", lambda: sd.symbolic("x" + "**x" * 3000), E,
     r"nests too deeply.*write it in steps", None),
    ("too-deep-for-sympy", lambda: sd.symbolic("+".join(["x"] * 30000)), E,
     r"reading the expression: the expression nests too deeply for sympy \(Python's recursion "
     r"limit of 12000 was reached\)", None),
    ("too-large-to-print", lambda: sd.symbolic(big_loop).latex(), E,
     r"the LaTeX of big_loop: written out, the expression has about 10\*\*\d+ nodes.*F\.source",
     None),
    ("too-large-diff-to-print", lambda: sd.symbolic(big_loop).diff("x").latex(), E,
     r"written out.*nodes", None),
    # constant computations that would run for minutes
    ("unroll-too-long", lambda: sd.symbolic(long_unroll), E,
     r"more than 1000000 steps: too long to unroll", None),
    ("huge-int-power", lambda: sd.symbolic(huge_constant), E, r"too large to compute", None),
    ("huge-factorial", lambda: sd.symbolic(huge_factorial), E, r"factorial.*above 100000", None),
    ("string-huge-power", lambda: sd.symbolic("x * 10**10**10"), E, r"too large to compute", None),
]


@pytest.mark.parametrize("make,exc,pattern,token", [row[1:] for row in TABLE],
                         ids=[row[0] for row in TABLE])
def test_error_table(make, exc, pattern, token):
    with pytest.raises(exc) as info:
        make()
    err = info.value
    assert not isinstance(err, RecursionError)
    assert re.search(pattern, str(err), re.S), f"message was: {err}"
    if isinstance(err, sd.SymdiffSyntaxError):
        assert err.construct and err.hint and err.hint in str(err)
    if token is not None:
        # file:line:col points at the construct in this file
        m = re.search(r"test_error_table\.py:(\d+):(\d+)", str(err))
        assert m, str(err)
        line = open(__file__).read().splitlines()[int(m.group(1)) - 1]
        assert line[int(m.group(2)) - 1:].startswith(token), (line, m.group(2), token)


def test_table_covers_each_construct_once():
    ids = [row[0] for row in TABLE]
    assert len(ids) == len(set(ids))
    syntax = [row for row in TABLE if row[2] is sd.SymdiffSyntaxError and row[1] is not None]
    assert len(syntax) >= 40


def test_shaped_batches_still_work():
    """Extra trailing axes after the declared shape are batch axes (README), not errors."""
    assert G(np.ones((2, 5))).shape == (5,)
    assert G.grad(np.arange(6.0).reshape(2, 3))[0].shape == (2, 3)
    assert G([1.0, 2.0]) == 2.0


def test_arrays_of_other_libraries_and_numbers_are_accepted():
    from fractions import Fraction
    assert F(Fraction(1, 2), 4) == 1.0
    assert F(True, 2.0) == 2.0
    assert F(np.float32(2.0), np.int64(3)) == 12.0
    assert F([1, 2], (3.0, 4.0)).tolist() == [3.0, 16.0]


# -- nan and inf: propagated as numpy computes them, no exception, no warning ---------------

H = sd.symbolic("log(x)*sqrt(y)")
SPECIAL = np.array([np.nan, -1.0, 0.0, np.inf])


def _branchy(x, y):
    if x > 0:
        return math.log(x) * y
    return math.sqrt(y) / x


B = sd.symbolic(_branchy)


@pytest.mark.parametrize("call", [
    lambda: H(SPECIAL, SPECIAL), lambda: H.grad(SPECIAL, SPECIAL),
    lambda: H.hessian(SPECIAL, SPECIAL), lambda: H.diff("x", order=3)(SPECIAL, 2.0),
    lambda: H(-1.0, -1.0), lambda: H.grad(0.0, 0.0), lambda: H.grad(np.nan, np.inf),
    lambda: H.grad(np.linspace(-1, 1, 300_001), 2.0),            # the blocked path
    lambda: B(SPECIAL, SPECIAL), lambda: B.grad(0.0, -1.0), lambda: B.grad(SPECIAL, -1.0),
    lambda: sd.symbolic("exp(exp(x))").grad(np.array([1e3, -1e3])),
], ids=["value", "grad", "hessian", "third", "float-domain", "float-zero", "float-nan-inf",
        "blocked", "branch-value", "branch-float", "branch-grad", "overflow"])
def test_nan_and_inf_propagate_without_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = call()
    with np.errstate(all="ignore"):
        arrays = [np.asarray(o, dtype=float) for o in (out if isinstance(out, tuple) else (out,))]
    assert all(a.dtype == np.float64 for a in arrays)


def test_nan_values_are_numpys():
    gx, gy = H.grad(SPECIAL, SPECIAL)
    assert np.isnan(gx[0]) and np.isnan(gy[0])            # nan in, nan out
    assert np.isnan(gx[1]) and np.isnan(gy[1])            # log/sqrt of -1: nan, as numpy
    assert math.isnan(H(-1.0, 4.0)) and H(0.0, 4.0) == -np.inf and H(np.inf, 4.0) == np.inf
    assert H.diff("x")(0.0, 4.0) == np.inf                 # 2/0: inf, no ZeroDivisionError
