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
    signal.setitimer(signal.ITIMER_REAL, seconds)
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
        # two decimals and a fixed offset: no exact zeros, no float-repr surprises
        return round(self._draw(st.integers(round(lo * 100), round(hi * 100))) / 100 + 0.0037, 6)


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
            args = [self.expr(env, depth - 1) for _ in range(nreq)]
            if has_default and d.chance(0.5):
                return f"{name}({', '.join(args)}, b={self.expr(env, depth - 1)})"
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
        body += self.block(env, d.integer(1, 5 if self.big else 4), 2, "    ", allow_return=True)
        if d.chance(0.15):
            self.features.add("tuple return")
            ret = f"{self.ret_value(env)}, {self.ret_value(env)}"
        else:
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
