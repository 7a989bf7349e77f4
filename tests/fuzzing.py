"""Fuzzing symdiff: random valid numeric programs, and broken sources.

A plain module (no tests here) imported by ``tests/test_fuzz.py`` (a bounded,
deterministic run in the normal suite) and by ``benchmarks/fuzz.py`` (a long run).

Valid programs
    ``programs()`` is a hypothesis strategy for the *source text* of a module: module
    constants, helper functions calling each other (with default arguments), and an
    entry point ``f(x, y)`` (sometimes ``f(x, y, v)`` with ``v`` a shaped array) built
    from locals, re-assignment, augmented assignment, tuple unpacking, nested
    math/numpy calls on safe domains, ``min``/``max``/``abs``, ``if``/``elif``/
    ``else`` and ternaries on data, early returns, short unrolled loops and loops of
    16+ steps (sums over ``v[i]`` take the vectorised path), list literals with
    ``sum``/``max``, lambdas. ``check_program`` loads it as a real module (so
    ``inspect.getsource`` works) and compares ``sd.check(..., order=2)`` (symbolic,
    tape and finite differences) and the compiled value with the plain function at
    points drawn away from every switching point (Abs/Max/Min/Piecewise condition).

Invalid input
    ``mutated_sources()`` (AST mutations of a valid program: unsupported
    statements and expressions, deleted returns, swapped operators, unknown calls,
    star-args, dunder attributes, ...), ``truncated_sources()`` (a valid program's
    text cut short, read by symdiff as a stale file in ``linecache`` while the loaded
    function is the original), ``garbage_text()`` (random bytes and unicode) and
    ``expression_strings()`` (random ``sd.symbolic("...")`` strings). The outcome must
    be an accepted error (``ACCEPTED_ERRORS``, with a message) or a success whose
    values and derivatives agree with the plain Python function.

Every example runs under ``time_limit`` (a SIGALRM timer on the main thread): a hang
is a failure, reported with the source.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import itertools
import linecache
import math
import random
import signal
import sys
import tempfile
import textwrap
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

import symdiff as sd
from symdiff.errors import SymdiffError, SymdiffSyntaxError

_check = importlib.import_module("symdiff.check")   # sd.check is the function

# What a broken input may raise. ``SymdiffError`` derives from ``Exception`` only
# (not ValueError/TypeError); the front end raises it for semantic problems (a name
# assigned in one branch only, no return on a path, an unknown name), so it is
# accepted here as symdiff's own documented error and counted separately.
ACCEPTED_ERRORS = (SymdiffSyntaxError, ValueError, TypeError, SymdiffError)

#: points are drawn from [-LIMIT, LIMIT] (and array elements too)
LIMIT = 2.0
#: a switching function (branch condition, |.|, max/min) must keep its side when
#: any coordinate moves by this much: the finite differences never straddle a kink
MARGIN = 0.02


# =================================================================== infrastructure
class FuzzTimeout(BaseException):
    """An example ran longer than its time limit (BaseException: no `except Exception`
    inside symdiff can swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise ``FuzzTimeout`` in the block after ``seconds`` (main thread only;
    elsewhere, or with ``seconds`` None, no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise FuzzTimeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    # repeating: an exception raised inside a gc callback or a __del__ is printed and
    # dropped ("Exception ignored in ..."), and the hang would go on
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


_DIR: Path | None = None
_counter = itertools.count()


def _workdir() -> Path:
    global _DIR
    if _DIR is None:
        _DIR = Path(tempfile.mkdtemp(prefix="symdiff_fuzz_"))
    return _DIR


def load_module(source: str, prefix: str = "symdiff_fuzz") -> types.ModuleType:
    """Write ``source`` to a fresh file and import it as a real module."""
    name = f"{prefix}_{next(_counter)}"
    path = _workdir() / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def unload(mod: types.ModuleType) -> None:
    """Forget a generated module (long runs make thousands)."""
    sys.modules.pop(mod.__name__, None)
    path = getattr(mod, "__file__", None)
    if path:
        linecache.cache.pop(path, None)
        try:
            Path(path).unlink()
        except OSError:
            pass


class Failure(AssertionError):
    """A fuzz case found a bug; the message holds the source and what went wrong."""


def fail(kind: str, source: str, detail: str):
    raise Failure(f"[{kind}]\n--- source ---\n{source.rstrip()}\n--- problem ---\n{detail}")


# =================================================================== drawing
class Draw:
    """Choices for the generators, from hypothesis' ``draw`` (so examples shrink).

    Options are listed simplest first: hypothesis shrinks towards the first one,
    and ``chance`` towards False.
    """

    def __init__(self, draw):
        self._draw = draw

    def choice(self, seq):
        return self._draw(st.sampled_from(seq))

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def chance(self, p: float) -> bool:
        return self._draw(st.integers(0, 999)) >= round(1000 * (1 - p))

    def real(self, lo: float, hi: float) -> float:
        """Two decimals and a fixed offset (no exact zeros), never within 0.05 of 0:
        there ``sd.check`` takes steps relative to |x| (for quantities on a tiny
        scale), and a random program that cancels (``x - sin(x)``) loses more digits
        than its finite-difference error model allows for."""
        v = self._draw(st.integers(round(lo * 100), round(hi * 100))) / 100 + 0.0037
        if abs(v) < 0.05:
            v += math.copysign(0.05, v)
        return round(v, 6)


# =================================================================== valid programs
# One-argument wrappers, each defined (and smooth) for every real argument, with
# bounded or moderate output, listed roughly simplest first.
UNARY = [
    "math.sin({})", "math.cos({})", "math.tanh({})", "math.atan({})", "math.erf({})",
    "np.sin({})", "np.cos({})", "np.tanh({})", "np.arctan({})",
    "math.exp(math.sin({}))", "np.exp(-({}) ** 2)", "math.exp(0.5 * math.tanh({}))",
    "math.log(1 + ({}) ** 2)", "np.log1p(({}) ** 2)", "math.sqrt(({}) ** 2 + 1)",
    "np.sqrt(1.0 + ({}) ** 2)", "np.arcsinh({})", "math.hypot({}, 0.5)",
    "1.0 / (1.0 + ({}) ** 2)", "math.sinh(0.5 * math.sin({}))", "math.cosh(math.tanh({}))",
    "math.log(2 + math.cos({}), 2)", "math.log10(1.5 + math.sin({}))",
    "math.expm1(math.sin({}))", "math.erfc({})", "float({})", "pow({}, 2)",
    "math.pow(({}) ** 2 + 1, 0.5)", "np.square({})", "np.cbrt(2.5 + math.sin({}))",
    "math.atan2({}, 2.0)", "math.asinh({})", "np.exp2(math.cos({}))",
]
#: non-smooth wrappers (kinks are avoided by the point selection)
NONSMOOTH_UNARY = ["abs({})", "np.abs({})", "math.fabs({})"]
BINARY = [
    "({} + {})", "({} - {})", "({} * {})", "({}) / (1.5 + math.cos({}))",
    "math.atan2({}, 2.0 + math.sin({}))", "min({}, {})", "max({}, {})",
    "np.maximum({}, {})", "np.minimum({}, {})", "math.hypot({}, {}, 0.5)",
    "0.5 * ({} + {})", "np.where({} > 0.1, {}, 0.5)",
]
CONSTANTS = ["0.5", "1.5", "2.0", "-0.75", "3", "0.25", "math.pi", "np.e"]
MODULE_CONSTANTS = ["0.75", "math.sqrt(2.0)", "math.pi / 4", "np.log(3.0)", "2", "1.0 / 3.0",
                    "math.exp(-1.0)"]


@dataclass
class Env:
    """What an expression may read at the point it is generated."""
    scalars: list                       # names holding numbers
    consts: list                        # module constants (names/expressions)
    helpers: list                       # (name, n required args, has default b)
    array: tuple | None = None          # ("v", n) when f has a shaped parameter
    loop: tuple | None = None           # ("i", kind, k, offsets): kind short/count/lane
    lambdas: list = field(default_factory=list)

    def copy(self, **kw):
        e = Env(list(self.scalars), list(self.consts), list(self.helpers), self.array,
                self.loop, list(self.lambdas))
        for k, v in kw.items():
            setattr(e, k, v)
        return e


@dataclass
class Program:
    """A generated module: its text, the entry point and how to call it."""
    source: str
    params: tuple
    shapes: dict
    features: frozenset

    @property
    def nvars(self) -> int:
        return sum(self.shapes.get(p, (1,))[0] for p in self.params)


class Builder:
    """Writes one random module; ``self.features`` records which constructs it used."""

    def __init__(self, d: Draw, big: bool = False):
        self.d = d
        self.big = big                  # long run: larger programs, longer arrays
        self.names = itertools.count()
        self.features: set = set()
        self.ret_tuple = False

    # -- expressions ------------------------------------------------------------
    def leaf(self, env: Env) -> str:
        d = self.d
        kinds = ["name", "const"]
        if env.consts:
            kinds.append("module")
        if env.array:
            kinds.append("elem")
        if env.loop:
            kinds.append("loop")
        kind = d.choice(kinds)
        if kind == "name" and env.scalars:
            return d.choice(env.scalars)
        if kind == "module":
            self.features.add("module constant")
            return d.choice(env.consts)
        if kind == "elem":
            name, n = env.array
            self.features.add("array element")
            return self.element(env)
        if kind == "loop":
            return self.loop_leaf(env)
        return d.choice(CONSTANTS)

    def element(self, env: Env) -> str:
        name, n = env.array
        d = self.d
        form = d.choice(["index", "sum", "neg", "npsum", "dot", "len", "method"])
        if form == "sum":
            self.features.add("sum(array)")
            return f"(sum({name}) / {n})"
        if form == "npsum":
            return f"(np.sum({name} * {name}) / {n})"
        if form == "dot":
            return f"(np.dot({name}, {name}) / len({name}))"
        if form == "len":
            return f"(len({name}) * 0.1)"
        if form == "method":
            return f"({name}.mean())"
        j = d.integer(0, n - 1)
        return f"{name}[{-n + j if form == 'neg' else j}]"

    def loop_leaf(self, env: Env) -> str:
        var, kind, k, lo, hi = env.loop
        d = self.d
        if kind == "lane" or (env.array and d.chance(0.4) and kind != "count"):
            name, n = env.array
            off = d.integer(lo, hi)
            self.features.add("loop index")
            return f"{name}[{var} + {off}]" if off else f"{name}[{var}]"
        return f"({d.choice(['0.25', '0.1', '-0.2'])} * {var})"

    def expr(self, env: Env, depth: int) -> str:
        d = self.d
        if depth <= 0 or d.chance(0.25):
            return self.leaf(env)
        kind = d.choice(["unary", "binary", "binary", "pow", "ternary", "call", "nonsmooth",
                         "neg", "list", "lambda"])
        if kind == "unary":
            return d.choice(UNARY).format(self.expr(env, depth - 1))
        if kind == "nonsmooth":
            self.features.add("abs")
            return d.choice(NONSMOOTH_UNARY).format(self.expr(env, depth - 1))
        if kind == "neg":
            return f"-({self.expr(env, depth - 1)})"
        if kind == "pow":
            self.features.add("power")
            return self._power(self.expr(env, min(depth - 1, 1)))
        if kind == "ternary":
            self.features.add("ternary")
            c = self.condition(env, depth - 1)
            return f"({self.expr(env, depth - 1)} if {c} else {self.expr(env, depth - 1)})"
        if kind == "call" and env.helpers:
            name, nreq, has_default = d.choice(env.helpers)
            self.features.add("helper call")
            # +(...): a 0-d array (np.where of constants) is passed as a copy, as
            # helpers may change their parameters in place (`b += ...`): with the
            # caller's name still bound to it, symdiff refuses that on purpose
            args = [f"+({self.expr(env, depth - 1)})" for _ in range(nreq)]
            if has_default and d.chance(0.5):
                return f"{name}({', '.join(args)}, b=+({self.expr(env, depth - 1)}))"
            return f"{name}({', '.join(args)})"
        if kind == "list":
            self.features.add("list reduction")
            items = [self.expr(env, depth - 1) for _ in range(d.integer(2, 3))]
            red = d.choice(["sum", "max", "min"])
            return f"{red}([{', '.join(items)}])"
        if kind == "lambda" and env.lambdas:
            self.features.add("lambda")
            return f"{d.choice(env.lambdas)}({self.expr(env, depth - 1)})"
        template = d.choice(BINARY)
        if template.startswith(("min", "max", "np.max", "np.min", "np.where")):
            self.features.add("min/max")
        args = [self.expr(env, depth - 1) for _ in range(template.count("{}"))]
        return template.format(*args)

    def _power(self, base: str) -> str:
        e = self.d.choice(["2", "3", "-2", "0.5", "1.5"])
        if e in ("-2", "0.5", "1.5"):           # keep the base positive and away from 0
            return f"(1.25 + math.sin({base})) ** {e}"
        return f"({base}) ** {e}"

    def condition(self, env: Env, depth: int) -> str:
        d = self.d
        a = self.expr(env, max(depth, 0))
        form = d.choice(["gt", "lt", "gt", "and", "or", "not", "chain"])
        if form == "gt":
            return f"{a} > {self.expr(env, max(depth - 1, 0))}"
        if form == "lt":
            return f"{a} < {d.choice(['0.3', '-0.2', '1.0'])}"
        if form == "chain":
            return f"-0.5 < {a} < 0.8"
        if form == "not":
            return f"not {a} > 0.4"
        b = self.expr(env, max(depth - 1, 0))
        return f"({a} > 0.1 {form} {b} < 0.5)"

    # -- statements -------------------------------------------------------------
    def fresh(self) -> str:
        return f"t{next(self.names)}"

    def block(self, env: Env, n: int, depth: int, ind: str, allow_return=False) -> list:
        lines = []
        for _ in range(n):
            lines += self.statement(env, depth, ind, allow_return)
        return lines

    def statement(self, env: Env, depth: int, ind: str, allow_return=False) -> list:
        d = self.d
        kinds = ["assign", "assign", "aug", "if", "unpack", "reassign"]
        if depth > 0 and env.loop is None:
            kinds += ["loop", "loop"]
        if allow_return:
            kinds.append("return")
        kind = d.choice(kinds)
        ed = 2 if self.big else d.integer(1, 2)
        if kind == "assign" or (kind in ("aug", "reassign") and not env.scalars):
            name = self.fresh()
            line = f"{ind}{name} = {self.expr(env, ed)}"
            env.scalars.append(name)
            return [line]
        if kind == "reassign":
            name = d.choice(env.scalars)
            return [f"{ind}{name} = {self.expr(env, ed)}"]
        if kind == "aug":
            self.features.add("augmented assignment")
            name = d.choice(env.scalars)
            op = d.choice(["+=", "-=", "*=", "/="])
            rhs = self.expr(env, ed)
            if op == "*=":
                rhs = f"(0.5 + 0.25 * math.sin({rhs}))"
            elif op == "/=":
                rhs = f"(2.0 + math.cos({rhs}))"
            return [f"{ind}{name} {op} {rhs}"]
        if kind == "unpack":
            self.features.add("tuple unpacking")
            if len(env.scalars) >= 2 and d.chance(0.5):
                a, b = d.choice(env.scalars), d.choice(env.scalars)
                if a != b:
                    return [f"{ind}{a}, {b} = {b}, {a}"]
            a, b = self.fresh(), self.fresh()
            line = f"{ind}{a}, {b} = {self.expr(env, ed)}, {self.expr(env, ed)}"
            env.scalars += [a, b]
            return [line]
        if kind == "return":
            self.features.add("early return")
            return [f"{ind}if {self.condition(env, 1)}:",
                    f"{ind}    return {self.ret_value(env)}"]
        if kind == "loop":
            return self.loop(env, depth, ind)
        return self.if_statement(env, depth, ind)

    def if_statement(self, env: Env, depth: int, ind: str) -> list:
        d = self.d
        self.features.add("if")
        targets = []
        for _ in range(d.integer(1, 2)):
            if env.scalars and d.chance(0.5):
                targets.append(d.choice(env.scalars))
            else:
                targets.append(self.fresh())
        targets = list(dict.fromkeys(targets))
        new = [t for t in targets if t not in env.scalars]
        nelif = d.integer(0, 2) if d.chance(0.4) else 0
        has_else = bool(new) or d.chance(0.6)
        lines = []
        heads = [f"if {self.condition(env, 1)}:"] + \
                [f"elif {self.condition(env, 1)}:" for _ in range(nelif)]
        if nelif:
            self.features.add("elif")
        if has_else:
            heads.append("else:")
        for head in heads:
            lines.append(ind + head)
            inner = env.copy()
            body = []
            if depth > 1 and d.chance(0.3):
                body += self.statement(inner, depth - 1, ind + "    ")
            for t in targets:
                body.append(f"{ind}    {t} = {self.expr(inner, 2)}")
            lines += body
        env.scalars += new
        return lines

    def loop(self, env: Env, depth: int, ind: str) -> list:
        d = self.d
        forms = ["short", "recurrence", "count"]
        if env.array and env.array[1] >= 18:
            forms += ["lane", "lane"]
        form = d.choice(forms)
        acc = self.fresh()
        lines = [f"{ind}{acc} = {self.expr(env, 1) if d.chance(0.5) else '0.0'}"]
        n = env.array[1] if env.array else 0
        if form == "lane":
            k = d.integer(16, n - 2)
            inner = env.copy(loop=("i", "lane", k, 0, n - k))
            self.features.add("vectorised loop")
        elif form == "count":
            k = d.integer(16, 20)
            inner = env.copy(loop=("i", "count", k, 0, 0))
            self.features.add("long loop")
        else:
            k = d.integer(1, 4)
            hi = min(n - k, 2) if env.array else 0
            inner = env.copy(loop=("i", "short", k, 0, hi) if hi >= 0 else ("i", "count", k, 0, 0))
            self.features.add("short loop")
        lines.append(f"{ind}for i in range({k}):")
        body_ind = ind + "    "
        if d.chance(0.4):
            tmp = self.fresh()
            lines.append(f"{body_ind}{tmp} = {self.expr(inner, 2)}")
            inner.scalars.append(tmp)
        if form == "recurrence":
            self.features.add("recurrence")
            inner.scalars.append(acc)
            lines.append(f"{body_ind}{acc} = 0.5 * {acc} + {self.expr(inner, 2)}")
        elif d.chance(0.3) and form != "lane":
            inner.scalars.append(acc)
            lines += self.if_in_loop(inner, acc, body_ind)
        else:
            term = self.expr(inner, 2)
            if d.chance(0.3):
                lines.append(f"{body_ind}{acc} = {acc} + {term}")
            else:
                lines.append(f"{body_ind}{acc} += {term}")
        env.scalars.append(acc)
        return lines

    def if_in_loop(self, inner: Env, acc: str, ind: str) -> list:
        self.features.add("if in loop")
        return [f"{ind}if {self.condition(inner, 1)}:",
                f"{ind}    {acc} += {self.expr(inner, 1)}",
                f"{ind}else:",
                f"{ind}    {acc} -= {self.expr(inner, 1)}"]

    def ret_value(self, env: Env) -> str:
        """What ``f`` returns: every return has the same structure (one value or two)."""
        if self.ret_tuple:
            return f"{self.expr(env, 2)}, {self.expr(env, 2)}"
        return self.expr(env, 2)

    # -- the module ---------------------------------------------------------------
    def module(self) -> Program:
        d = self.d
        lines = ["import math", "import numpy as np", ""]
        consts = []
        for k in range(d.integer(0, 2)):
            lines.append(f"C{k} = {d.choice(MODULE_CONSTANTS)}")
            consts.append(f"C{k}")
        if d.chance(0.3):
            lines.append("W = (0.5, -1.25, 2.0)")
            consts.append(f"W[{d.integer(0, 2)}]")
        helpers = []
        for h in range(d.integer(0, 2)):
            has_default = d.chance(0.5)
            params = ["a", "b=0.5"] if has_default else ["a", "b"]
            nreq = 1 if has_default else 2
            env = Env(["a", "b"], consts, list(helpers))
            body = self.block(env, d.integer(0, 2), 1, "    ")
            lines += ["", "", f"def h{h}({', '.join(params)}):"] + body + \
                     [f"    return {self.expr(env, 2)}"]
            helpers.append((f"h{h}", nreq, has_default))
            self.features.add("helper")
        params = ["x", "y"]
        shapes = {}
        array = None
        if d.chance(0.3):
            n = d.choice([3, 4]) if not (self.big and d.chance(0.5)) else d.integer(18, 20)
            params.append("v")
            shapes = {"v": (n,)}
            array = ("v", n)
            self.features.add("shaped parameter")
        env = Env(list(params[:2]), consts, helpers, array)
        body = []
        if d.chance(0.2):
            lam = "sq"
            body.append(f"    {lam} = lambda t: {self.d.choice(['t * t', 'math.sin(t) + t', '1.0 / (1.0 + t * t)'])}")
            env.lambdas.append(lam)
        self.ret_tuple = d.chance(0.15)
        if self.ret_tuple:
            self.features.add("tuple return")
        body += self.block(env, d.integer(1, 5 if self.big else 4), 2, "    ", allow_return=True)
        ret = self.ret_value(env)
        lines += ["", "", f"def f({', '.join(params)}):"] + body + [f"    return {ret}", ""]
        return Program("\n".join(lines), tuple(params), shapes, frozenset(self.features))


@st.composite
def programs(draw, big: bool = False) -> Program:
    """Strategy: a random valid module defining ``f`` (see the module docstring)."""
    return Builder(Draw(draw), big=big).module()


@st.composite
def points(draw, program: Program, count: int = 3):
    """``count`` candidate points for ``program`` (tuples of arguments)."""
    d = Draw(draw)
    out = []
    for _ in range(count):
        args = []
        for p in program.params:
            if p in program.shapes:
                n = program.shapes[p][0]
                args.append(np.array([d.real(-LIMIT, LIMIT) for _ in range(n)]))
            else:
                args.append(d.real(-LIMIT, LIMIT))
        out.append(tuple(args))
    return out


# =================================================================== checking valid programs
@dataclass
class Outcome:
    """What one valid-program case did."""
    checked: int = 0          # points compared
    skipped: int = 0          # points too close to a switching point
    rows: int = 0             # derivative rows compared by sd.check


def _flat(args) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in args])


def _as_args(vec, params, shapes):
    out, k = [], 0
    for p in params:
        if p in shapes:
            n = int(np.prod(shapes[p]))
            out.append(np.array(vec[k:k + n]).reshape(shapes[p]))
            k += n
        else:
            out.append(float(vec[k]))
            k += 1
    return out


def far_from_kinks(F, args, params, shapes, margin: float = MARGIN) -> bool:
    """No switching function of ``F`` changes side within ``margin`` of the point
    (along every coordinate and along both diagonals), and none is near zero."""
    switch = _check._switching(F, lambda vec: _as_args(vec, params, shapes))
    x = _flat(args)
    if switch.fn is None:
        return True
    with np.errstate(all="ignore"):
        base = switch.side(x)
        vals = switch.values(x)
        if not np.all(np.isfinite(vals)) or switch.at_kink(x):
            return False
        dirs = [np.eye(len(x))[j] for j in range(len(x))] + [np.ones(len(x)),
                                                           np.resize([1.0, -1.0], len(x))]
        for u in dirs:
            for s in (margin, -margin):
                if not np.array_equal(switch.side(x + s * u), base):
                    return False
    return True


def _values_agree(a, b, rtol=1e-9, atol=1e-12) -> bool:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        return False
    same_nonfinite = (np.isnan(a) & np.isnan(b)) | (np.isinf(a) & (a == b))
    fin = np.isfinite(a) & np.isfinite(b)
    ok = same_nonfinite | (fin & (np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))
    return bool(np.all(ok))


def _rounding_decides(fn, args, want) -> bool:
    """Is the plain function discontinuous at ``args`` on the scale of rounding?
    ``a += 0.5 - a; if 0.5 > a:`` is a tie in exact arithmetic (what symdiff reads:
    sympy cancels a + (0.5 - a) to 0.5) and decided by the last bit in floats;
    nudging the inputs by a few ulps then moves the plain value by far more than
    a continuous function would."""
    for k in range(1, 9):
        nudged = [np.asarray(a, dtype=float) * (1.0 + k * (-1.0) ** k * 4e-16) + 0.0
                  for a in args]
        nudged = [float(a) if a.ndim == 0 else a for a in nudged]
        try:
            with np.errstate(all="ignore"):
                v = fn(*nudged)
        except Exception:
            return True
        if not _values_agree(v, want, rtol=1e-6, atol=1e-9):
            return True
    return False


def check_program(program: Program, pts, order: int = 2, timeout: float | None = 60.0,
                  max_points: int = 1) -> Outcome:
    """Load ``program``, read it with symdiff and compare at up to ``max_points`` of
    ``pts`` that are away from kinks. Raises ``Failure`` on any disagreement."""
    src = program.source
    out = Outcome()
    mod = load_module(src)
    try:
        with time_limit(timeout):
            try:
                F = sd.symbolic(mod.f, shapes=program.shapes or None)
            except Exception as exc:
                fail("valid program rejected", src, f"{type(exc).__name__}: {exc}")
            for args in pts:
                if out.checked >= max_points:
                    break
                try:
                    with np.errstate(all="ignore"):
                        want = mod.f(*args)
                except (ValueError, ZeroDivisionError, OverflowError):
                    out.skipped += 1
                    continue
                if not np.all(np.isfinite(np.asarray(want, dtype=float))):
                    out.skipped += 1
                    continue
                if not far_from_kinks(F, args, program.params, program.shapes):
                    out.skipped += 1
                    continue
                with np.errstate(all="ignore"):
                    got = F(*args)
                where = ", ".join(f"{p}={np.array2string(np.asarray(a), precision=17, separator=', ')}"
                                  for p, a in zip(program.params, args))
                if not _values_agree(got, want):
                    if _rounding_decides(mod.f, args, want):
                        out.skipped += 1          # a branch rounding alone decides here
                        continue
                    fail("value", src, f"at {where}: compiled {got!r}, Python {want!r}")
                report = sd.check(F, *args, order=order)
                out.rows += len(report.rows)
                if not report.ok:
                    fail("derivatives", src, f"at {where}:\n{report}")
                out.checked += 1
    except FuzzTimeout as exc:
        fail("hang", src, str(exc))
    finally:
        unload(mod)
    return out


# =================================================================== invalid input
#: statements outside the subset (or valid but odd), inserted into a valid program;
#: ``{x}`` is a parameter, ``{z}`` a fresh name
BAD_STATEMENTS = [
    "while {x} > 0:\n    {x} -= 1",
    "try:\n    {z} = {x}\nexcept Exception:\n    {z} = 0.0",
    "with np.errstate(all='ignore'):\n    {z} = {x}",
    "class K:\n    pass",
    "import os",
    "from math import sin",
    "global G",
    "del {x}",
    "raise ValueError('no')",
    "assert {x} > 0",
    "yield {x}",
    "{z} = yield",
    "{z} = lambda *a: a[0]",
    "{z} = lambda **k: 1.0",
    "{z} = [t for t in range(3) if {x} > t]",
    "{z} = sum(t * {x} for t in range(3))",
    "{z} = {{t: t for t in range(3)}}",
    "{z} = {{{x}, 1.0}}",
    "{z} = {{'a': {x}}}",
    "{z} = (t for t in range(3))",
    "{z} = f'{{{x}}}'",
    "{z} = ({x} + 1 if ({z} := {x}) else 0)",
    "{z} = {x}.__class__",
    "{z} = {x}.real",
    "{z} = {x}.__add__(1.0)",
    "{z} = math.__dict__",
    "{z} = np.__name__",
    "{z} = getattr({x}, 'real')",
    "{z} = np.linalg.norm([{x}, 1.0])",
    "{z} = unknown_function({x})",
    "{z} = sorted([{x}, 1.0])[0]",
    "{z} = divmod({x}, 2.0)[0]",
    "{z} = round({x})",
    "{z} = int({x})",
    "{z} = complex({x}, 1.0)",
    "{z} = 1j * {x}",
    "{z} = {x}[0]",
    "{z} = 'abc'",
    "{z} = None",
    "{z} = b'x'",
    "{z} = {x} @ 2.0",
    "{z} = {x} ^ 2",
    "{z} = {x} & 1",
    "{z} = ~{x}",
    "{z} = {x} << 2",
    "{z} = {x} is None",
    "{z} = {x} if {x} is not None else 0.0",
    "for t in range(int({x})):\n    pass",
    "for t in {x}:\n    pass",
    "for t in range(3):\n    pass\nelse:\n    {z} = 1.0",
    "for t in range(5):\n    if t > 2:\n        break",
    "for t in range(5):\n    if t > 2:\n        continue",
    "async def g():\n    pass",
    "match {x}:\n    case 1:\n        pass",
    "{z}: float = {x}",
    "{z}: float",
    "{x}.attr = 1.0",
    "{x}[0] = 1.0",
    "({z}, *rest) = ({x}, 1.0, 2.0)",
    "math.sin({x})",
    "...",
    "pass",
    "return",
    "return 'str'",
    "return None",
    "return {x} > 0.5",
    "return ({x}, 'a')",
    "return []",
    "return ()",
    "return np.zeros(0)",
    "return {x} > 0.5 and {x} < 1.0",
    "def g(*args):\n    return args[0]",
    "@staticmethod\ndef g(a):\n    return a",
    "{z} = np.random.rand()",
    "{z} = globals()",
    "{z} = locals()",
    "{z} = type({x})",
    "{z} = isinstance({x}, float)",
    "{z} = math.isnan({x})",
    "{z} = math.frexp({x})[0]",
    "{z} = math.fmod({x}, 1.0)",
    "{z} = math.floor({x})",
    "{z} = {x} // 1.0",
    "{z} = {x} % 1.0",
    "{z} = range(3)[{x}]",
    "{z} = np.arange({x})",
    "{z} = np.zeros(3)[1] + {x}",
    "{z} = [{x}, 1.0][1]",
    "{z} = ({x}, 1.0)[int(2.0 > 1.0)]",
    "{z} = max([])",
    "{z} = math.sqrt(-1.0)",
    "{z} = 1 / 0",
    "{z} = 10.0 ** 400",
    "{z} = math.factorial({x})",
    "{z} = {x} if {x} > 0 else {z}",
    "if {x} > 0:\n    {z} = 1.0",
    "{z} = f({x}, {x})",
    "{z} = h0(*[{x}, {x}])",
    "{z} = h0(**{{'a': {x}}})",
    "{z} = h0({x}, {x}, {x}, {x})",
    "{z} = h0()",
    "{z} = h0(q={x})",
    "{z} = (lambda a: a * 2.0)({x})",
    "{z} = (lambda a, b: a * b)({x})",
    "{z} = sum([{x}, 1.0], 2.0)",
    "{z} = max({x})",
    "{z} = max({x}, key=abs)",
    "{z} = min(())",
    "{z} = len({x})",
    "{z} = abs()",
    "{z} = math.sin()",
    "{z} = math.sin({x}, {x})",
    "{z} = math.log({x}, 2.0, 3.0)",
    "{z} = np.sum({x}, axis=5)",
    "{z} = float('nan')",
    "{z} = float('x')",
    "{z} = math.inf - math.inf",
    "{z} = 2 ** 0.5 ** 2",
    "{z} = (1.0, 2.0) + {x}",
    "{z} = [1.0] * 3",
    "{z} = [1.0] * {x}",
    "{z} = 'a' * 3",
    "{z} = {x} < 1.0 < 'a'",
    "{z} = not {x}",
    "{z} = {x} in (1.0, 2.0)",
    "{z} = {x} in {x}",
    "{z} = np.array([{x}, 1.0])[{x}]",
    "{z} = np.array([[{x}, 1.0]]) @ np.array([1.0, 2.0, 3.0])",
    "{z} = np.where(np.array([True, False]), {x}, 1.0)",
    "{z} = v",
    "{z} = __builtins__",
    "{z} = __name__",
    "{z} = print",
    "{z} = math",
    "{z} = h0",
    "{z} = {x}; {x} = {z}",
]

#: replacements for a name read in an expression
BAD_NAMES = ["undefined_name", "__builtins__", "np", "math", "print", "h0", "f", "None",
             "True", "__name__", "__file__", "int", "range", "W", "C0", "len", "sum"]
#: replacements for a constant
BAD_CONSTANTS = ["'s'", "None", "b'x'", "1j", "True", "False", "0", "0.0", "-1", "10 ** 6",
                 "1e308", "float('inf')", "float('nan')", "...", "()", "[]", "12345678901234567890"]
#: replacements for a callee
BAD_CALLEES = ["math.isnan", "np.linalg.norm", "np.random.rand", "math.floor", "np.sort", "len",
               "sum", "int", "round", "str", "float", "abs", "id", "hash", "type", "sorted",
               "reversed", "list", "tuple", "range", "zip", "enumerate", "any", "all",
               "math.gcd", "math.factorial", "np.zeros", "np.array", "h0", "f", "max", "min",
               "np.where", "math.atan2", "math.hypot", "pow", "math.log", "np.clip", "divmod",
               "np.sum", "math.comb", "np.arange", "np.heaviside", "np.sign", "math.gamma",
               "math.lgamma", "np.cbrt", "math.acosh", "math.asin"]
ALL_BINOPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
              ast.BitXor, ast.BitAnd, ast.BitOr, ast.LShift, ast.RShift]
ALL_CMPOPS = [ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In,
              ast.NotIn]


def _functions(tree) -> list:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def _stmt_lists(fn) -> list:
    """Every statement list inside ``fn`` (its body, branch bodies, loop bodies)."""
    out = []
    for n in ast.walk(fn):
        for attr in ("body", "orelse"):
            seq = getattr(n, attr, None)
            if isinstance(seq, list) and seq and isinstance(seq[0], ast.stmt):
                out.append(seq)
    return out


def _nodes(fn, cls) -> list:
    return [n for n in ast.walk(fn) if isinstance(n, cls)]


class _Replace(ast.NodeTransformer):
    def __init__(self, target, new):
        self.target, self.new = target, new

    def generic_visit(self, node):
        if node is self.target:
            return self.new
        return super().generic_visit(node)


def _replace(tree, target, new):
    return _Replace(target, new).visit(tree)


def mutate(tree: ast.Module, d: Draw) -> str:
    """Apply one random mutation to ``tree`` in place; return what was done."""
    fns = _functions(tree)
    fn = d.choice(fns[::-1])                      # f first (simplest for the shrinker)
    x = fn.args.args[0].arg if fn.args.args else "x"
    kind = d.choice(["insert", "insert", "delete return", "binop", "compare", "name", "constant",
                     "callee", "arity", "move", "swap", "unary", "boolop", "params",
                     "deep nesting", "duplicate"])
    if kind == "insert":
        snippet = d.choice(BAD_STATEMENTS).format(x=x, z="zz")
        stmts = ast.parse(snippet).body
        seq = d.choice(_stmt_lists(fn))
        pos = d.integer(0, len(seq))
        seq[pos:pos] = stmts
        return f"insert {snippet.splitlines()[0]!r}"
    if kind == "delete return":
        rets = _nodes(fn, ast.Return)
        if rets:
            r = d.choice(rets)
            for seq in _stmt_lists(fn):
                if r in seq:
                    seq.remove(r)
                    if not seq:
                        seq.append(ast.Pass())
            return "delete a return"
    if kind == "binop":
        ops = _nodes(fn, ast.BinOp)
        if ops:
            n = d.choice(ops)
            n.op = d.choice(ALL_BINOPS)()
            return f"operator -> {type(n.op).__name__}"
    if kind == "compare":
        ops = _nodes(fn, ast.Compare)
        if ops:
            n = d.choice(ops)
            n.ops[0] = d.choice(ALL_CMPOPS)()
            return f"comparison -> {type(n.ops[0]).__name__}"
    if kind == "unary":
        ops = _nodes(fn, ast.UnaryOp)
        if ops:
            n = d.choice(ops)
            n.op = d.choice([ast.Invert, ast.Not, ast.UAdd, ast.USub])()
            return f"unary -> {type(n.op).__name__}"
    if kind == "boolop":
        ops = _nodes(fn, ast.BoolOp)
        if ops:
            n = d.choice(ops)
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return "and <-> or"
    if kind == "name":
        names = [n for n in _nodes(fn, ast.Name) if isinstance(n.ctx, ast.Load)]
        if names:
            n = d.choice(names)
            old = n.id
            n.id = d.choice(BAD_NAMES + [a.arg for a in fn.args.args])
            return f"name {old} -> {n.id}"
    if kind == "constant":
        consts = [n for n in _nodes(fn, ast.Constant) if isinstance(n.value, (int, float))]
        if consts:
            n = d.choice(consts)
            new = ast.parse(d.choice(BAD_CONSTANTS), mode="eval").body
            _replace(fn, n, new)
            return f"constant {n.value!r} -> {ast.unparse(new)}"
    if kind == "callee":
        calls = _nodes(fn, ast.Call)
        if calls:
            n = d.choice(calls)
            n.func = ast.parse(d.choice(BAD_CALLEES), mode="eval").body
            return f"callee -> {ast.unparse(n.func)}"
    if kind == "arity":
        calls = _nodes(fn, ast.Call)
        if calls:
            n = d.choice(calls)
            if n.args and d.chance(0.5):
                n.args.pop(d.integer(0, len(n.args) - 1))
                return "drop an argument"
            n.args.append(ast.Name(id=x, ctx=ast.Load()))
            return "add an argument"
    if kind == "move":                            # a statement before what it reads
        seq = d.choice(_stmt_lists(fn))
        if len(seq) >= 2:
            i = d.integer(1, len(seq) - 1)
            j = d.integer(0, i - 1)
            seq.insert(j, seq.pop(i))
            return f"move statement {i} to {j}"
    if kind == "swap":
        exprs = [n for n in ast.walk(fn) if isinstance(n, ast.expr)
                 and not isinstance(n, (ast.Name, ast.Constant)) or isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Load)]
        if len(exprs) >= 2:
            a, b = d.choice(exprs), d.choice(exprs)
            import copy
            _replace(fn, a, copy.deepcopy(b))
            return "copy one expression over another"
    if kind == "params":
        a = fn.args
        form = d.choice(["vararg", "kwarg", "kwonly", "posonly", "default", "drop", "extra"])
        if form == "vararg":
            a.vararg = ast.arg(arg="args")
        elif form == "kwarg":
            a.kwarg = ast.arg(arg="kw")
        elif form == "kwonly" and len(a.args) > 1:
            a.kwonlyargs.append(a.args.pop())
            a.kw_defaults.append(None)
        elif form == "posonly" and a.args:
            a.posonlyargs.append(a.args.pop(0))
        elif form == "default":
            a.defaults = [ast.Constant(value=d.choice([0.5, "s", None]))]
        elif form == "drop" and a.args:
            a.args.pop()
        else:
            a.args.append(ast.arg(arg="extra"))
            a.defaults = []
        return f"parameters: {form}"
    if kind == "deep nesting":
        rets = _nodes(fn, ast.Return)
        if rets and rets[-1].value is not None:
            depth = d.choice([20, 60, 150])
            r = rets[-1]
            for _ in range(depth):
                r.value = ast.UnaryOp(op=ast.USub(), operand=r.value)
            return f"nest the return value {depth} levels deep"
    if kind == "duplicate":
        seq = d.choice(_stmt_lists(fn))
        i = d.integer(0, len(seq) - 1)
        import copy
        seq.insert(i, copy.deepcopy(seq[i]))
        return "duplicate a statement"
    return "no change"


@dataclass
class Broken:
    """An invalid (or possibly still valid) input and how it was made."""
    kind: str            # "mutated", "truncated", "stale", "garbage", "expression"
    text: str
    how: str
    shapes: dict = field(default_factory=dict)
    original: str = ""   # for stale sources: the text that was really compiled


@st.composite
def mutated_sources(draw) -> Broken:
    program = draw(programs())
    d = Draw(draw)
    tree = ast.parse(program.source)
    hows = [mutate(tree, d) for _ in range(d.integer(1, 3))]
    ast.fix_missing_locations(tree)
    try:
        text = ast.unparse(tree) + "\n"
    except Exception:                     # an AST ast.unparse cannot print
        text = program.source
        hows.append("(unparse failed: unchanged)")
    return Broken("mutated", text, "; ".join(hows), program.shapes)


@st.composite
def truncated_sources(draw) -> Broken:
    """A program cut short: as a module of its own (``truncated``) or as stale text
    in ``linecache`` for the function compiled from the whole program (``stale``)."""
    program = draw(programs())
    d = Draw(draw)
    src = program.source
    start = src.index("def f(") if d.chance(0.7) else 0
    cut = d.integer(start, len(src))
    kind = d.choice(["stale", "truncated"])
    return Broken(kind, src[:cut], f"cut at {cut} of {len(src)}", program.shapes, original=src)


_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))


@st.composite
def garbage_text(draw) -> Broken:
    """Random bytes (decoded as latin-1), random unicode, or a valid program with
    random text spliced in."""
    d = Draw(draw)
    form = d.choice(["unicode", "bytes", "splice", "stale"])
    if form == "bytes":
        text = draw(st.binary(max_size=80)).decode("latin-1")
    elif form == "unicode":
        text = draw(st.text(_ALPHABET, max_size=60))
    else:
        program = draw(programs())
        src = program.source
        noise = draw(st.text(_ALPHABET, min_size=1, max_size=12))
        at = d.integer(src.index("def f("), len(src))
        text = src[:at] + noise + src[at:]
        if form == "stale":
            return Broken("stale", text, f"{noise!r} spliced in at {at}", program.shapes,
                          original=src)
        return Broken("truncated", text, f"{noise!r} spliced in at {at}", program.shapes)
    return Broken("expression", text, form)


EXPR_NAMES = ["x", "y", "z", "theta", "x1", "ｘ", "µ", "nan", "lambda_", "_"]
EXPR_FUNCS = ["sin", "cos", "tan", "exp", "log", "sqrt", "atan2", "hypot", "erf", "gamma",
              "floor", "ceil", "Abs", "Max", "min", "sign", "Heaviside", "cbrt", "ln", "pow",
              "asin", "acosh", "atanh", "log1p", "expm1", "lgamma", "tanh", "foo", "print",
              "__import__", "int", "len", "sum", "range", "abs"]
EXPR_NUMBERS = ["0", "1", "2", "2.5", "0.5", "1e-300", "1e308", "1e400", "0x1F", "1_000", "10**20",
                "0.0", "3", "pi", "e", "E", "inf", "tau", "1j", "True", "None", "'s'"]
EXPR_BINOPS = ["+", "-", "*", "/", "**", "//", "%", "@", "^", "&", "|", "<<", ">>", "<", ">",
               "==", "and", "or", "if"]


@st.composite
def _expr_text(draw, depth=3):
    d = Draw(draw)
    if depth == 0 or d.chance(0.3):
        return d.choice(EXPR_NAMES[:4] + EXPR_NUMBERS[:6] + EXPR_NAMES + EXPR_NUMBERS)
    form = d.choice(["call", "binop", "unary", "paren", "tuple", "lambda", "subscript", "attr",
                     "call2"])
    sub = _expr_text(depth - 1)
    if form == "call":
        return f"{d.choice(EXPR_FUNCS)}({draw(sub)})"
    if form == "call2":
        return f"{d.choice(EXPR_FUNCS)}({draw(sub)}, {draw(sub)})"
    if form == "binop":
        op = d.choice(EXPR_BINOPS)
        if op == "if":
            return f"{draw(sub)} if {draw(sub)} else {draw(sub)}"
        if op == "**":                      # no towers: Python itself would take forever
            return f"({draw(sub)}) ** {d.choice(['2', '3', '0.5', '-1', 'x', 'y'])}"
        return f"{draw(sub)} {op} {draw(sub)}"
    if form == "unary":
        return f"{d.choice(['-', '+', 'not ', '~'])}{draw(sub)}"
    if form == "tuple":
        return f"({draw(sub)}, {draw(sub)})"
    if form == "lambda":
        return f"(lambda q: q * {draw(sub)})({draw(sub)})"
    if form == "subscript":
        return f"{draw(sub)}[{d.choice(['0', '1', 'x'])}]"
    if form == "attr":
        return f"{draw(sub)}.{d.choice(['real', '__class__', 'imag', 'T', 'shape'])}"
    return f"({draw(sub)})"


@st.composite
def expression_strings(draw) -> Broken:
    """Random ``sd.symbolic("...")`` strings, sometimes with one character edited."""
    d = Draw(draw)
    text = draw(_expr_text())
    how = "grammar"
    if d.chance(0.3) and text:
        i = d.integer(0, len(text) - 1)
        edit = d.choice(["delete", "insert", "truncate"])
        if edit == "delete":
            text = text[:i] + text[i + 1:]
        elif edit == "insert":
            text = text[:i] + d.choice(list("()[],.:;+-*/=<>!@#$%^&|~`'\"\\ \n\t0x_")) + text[i:]
        else:
            text = text[:i]
        how = f"grammar, {edit} at {i}"
    return Broken("expression", text, how)


def broken_inputs():
    """Every kind of invalid input, for one strategy."""
    return st.one_of(mutated_sources(), truncated_sources(), garbage_text(), expression_strings())


# =================================================================== checking invalid input
@dataclass
class Tally:
    """Counts over many invalid inputs."""
    tried: int = 0
    python_rejected: int = 0      # Python itself refused to compile/import it: not fed to symdiff
    rejected: dict = field(default_factory=dict)    # error type -> count
    accepted: int = 0             # symdiff read it; values (and derivatives) compared
    compared: int = 0

    def add(self, other: "Tally"):
        self.tried += other.tried
        self.python_rejected += other.python_rejected
        self.accepted += other.accepted
        self.compared += other.compared
        for k, v in other.rejected.items():
            self.rejected[k] = self.rejected.get(k, 0) + v


_stale_counter = itertools.count()


def _stale_function(original: str, shown: str):
    """``f`` compiled from ``original`` while ``linecache`` (what inspect reads) holds
    ``shown``: a file edited after import, or a notebook cell re-run with changes."""
    filename = f"<symdiff-fuzz-stale-{next(_stale_counter)}>"
    name = f"symdiff_fuzz_stale_{next(_stale_counter)}"
    mod = types.ModuleType(name)
    mod.__file__ = filename
    sys.modules[name] = mod
    exec(compile(original, filename, "exec"), mod.__dict__)
    lines = shown.splitlines(True)
    linecache.cache[filename] = (len(shown), None, lines, filename)
    return mod


def _forget_stale(mod):
    sys.modules.pop(mod.__name__, None)
    linecache.cache.pop(mod.__file__, None)


def _plain_error_is_numeric(exc) -> bool:
    """A domain error at this point: math raising ValueError/ArithmeticError, or
    Python's pow of a negative base to a fractional power giving a complex number
    that math.* then refuses (symdiff, like numpy, gives nan there)."""
    if isinstance(exc, TypeError) and "complex" in str(exc):
        return True
    return isinstance(exc, (ArithmeticError, ValueError)) and not isinstance(exc, UnicodeError)


def _accepted_error(exc) -> bool:
    return isinstance(exc, ACCEPTED_ERRORS) and bool(str(exc).strip())


def call_plain(fn, params, args):
    """Call the user's function with keyword-only parameters by keyword."""
    import inspect
    kinds = {n: p.kind for n, p in inspect.signature(fn).parameters.items()}
    pos = [a for p, a in zip(params, args) if kinds.get(p) != inspect.Parameter.KEYWORD_ONLY]
    kw = {p: a for p, a in zip(params, args) if kinds.get(p) == inspect.Parameter.KEYWORD_ONLY}
    return fn(*pos, **kw)


def _compare_success(F, plain, args, text, order, how, shapes, tally):
    """symdiff read it: its values (and derivatives, away from kinks) must be the plain
    function's. The plain function raising a non-numeric error means symdiff
    accepted code Python cannot run."""
    params = F.params
    try:
        with np.errstate(all="ignore"):
            want = call_plain(plain, params, args)
    except Exception as exc:
        if _plain_error_is_numeric(exc):
            return                           # a domain error at this point
        fail("accepted what Python rejects", text,
             f"{how}\nsymdiff read it, but the plain function raises {type(exc).__name__}: {exc}")
    try:
        with np.errstate(all="ignore"):
            got = F(*args)
    except Exception as exc:
        fail("compiled function raised", text, f"{how}\n{type(exc).__name__}: {exc}")
    if np.iscomplexobj(want) or isinstance(want, complex):
        return                               # pow(negative, fraction): a domain error
    try:
        w = np.asarray(want, dtype=float)
    except (TypeError, ValueError) as exc:
        fail("accepted a non-numeric result", text, f"{how}\nplain returns {want!r}; symdiff {got!r}")
    if not _values_agree(got, w):
        fail("value", text, f"{how}\nat {args}: compiled {got!r}, Python {want!r}")
    tally.compared += 1
    if order and np.all(np.isfinite(w)) and far_from_kinks(F, args, params, shapes):
        report = sd.check(F, *args, order=order)
        if any(r.status == "FAIL" for r in report.rows):     # "unresolved" is honest
            fail("derivatives", text, f"{how}\nat {args}:\n{report}")


def _away_from_zero(v):
    v = np.round(v, 2) + 0.0037
    return np.where(np.abs(v) < 0.05, v + np.copysign(0.05, v), v)


def _draw_args(params, shapes, rng):
    """A random point (see ``Draw.real``)."""
    return tuple(_away_from_zero(rng.uniform(-LIMIT, LIMIT, size=shapes[p]))
                 if p in shapes else float(_away_from_zero(rng.uniform(-LIMIT, LIMIT)))
                 for p in params)


def check_broken(b: Broken, order: int = 1, timeout: float | None = 20.0, seed: int = 0) -> Tally:
    """Feed one broken input to symdiff; raise ``Failure`` unless the outcome is an
    accepted error with a message or a correct success."""
    tally = Tally(tried=1)
    rng = np.random.default_rng(seed)
    mod = None
    text = b.text
    shown = f"[{b.kind}: {b.how}]\n{text}" if b.kind != "stale" else \
        f"[stale: {b.how}]\n--- compiled ---\n{b.original}\n--- linecache ---\n{text}"
    try:
        with time_limit(timeout):
            # -- what symdiff is given
            if b.kind == "expression":
                target, plain = text, None
            else:
                try:
                    if b.kind == "stale":
                        mod = _stale_function(b.original, text)
                    else:
                        with np.errstate(all="ignore"):
                            mod = load_module(text, "symdiff_fuzz_bad")
                    target = mod.f
                except FuzzTimeout:
                    raise
                except BaseException:       # Python refused it: nothing for symdiff
                    tally.python_rejected += 1
                    return tally
                if not callable(target):
                    tally.python_rejected += 1
                    return tally
                plain = target
            # -- symdiff
            try:
                F = sd.symbolic(target, shapes=b.shapes or None) if plain is not None \
                    else sd.symbolic(target)
            except FuzzTimeout:
                raise
            except Exception as exc:
                if not _accepted_error(exc):
                    fail("unexpected exception", shown,
                         f"{type(exc).__name__}: {exc!r}" if str(exc).strip() else
                         f"{type(exc).__name__} without a message")
                name = type(exc).__name__
                tally.rejected[name] = tally.rejected.get(name, 0) + 1
                return tally
            tally.accepted += 1
            if plain is None:
                plain = _expression_function(text, F.params)
                if plain is None:
                    return tally
            shapes = F.shapes
            args = _draw_args(F.params, shapes, rng)
            try:
                _compare_success(F, plain, args, shown, order, b.how, shapes, tally)
            except Failure:
                raise
            except FuzzTimeout:
                raise
            except Exception as exc:
                if _accepted_error(exc):    # e.g. a derivative symdiff refuses to take
                    return tally
                fail("unexpected exception after reading", shown,
                     f"{type(exc).__name__}: {exc!r}")
    except FuzzTimeout as exc:
        fail("hang", shown, str(exc))
    finally:
        if mod is not None:
            if b.kind == "stale":
                _forget_stale(mod)
            else:
                unload(mod)
    return tally


def _expression_function(text, params):
    """The plain Python function of an expression string symdiff accepted, run with
    the names ``sd.symbolic`` gives it (no builtins beyond those)."""
    from symdiff import primitives
    ns = dict(primitives.EXPRESSION_NAMESPACE)
    ns["__builtins__"] = {}
    try:
        return eval(compile(f"lambda {', '.join(params)}: ({text}\n)", "<fuzz>", "eval"), ns)
    except SyntaxError:
        return None
