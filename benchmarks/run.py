"""symdiff against the autodiff engines: the workloads and targets of issue 5.

    python benchmarks/run.py                 # everything, full sizes (several minutes)
    python benchmarks/run.py --quick         # fewer repeats, smaller sizes (< 60 s)
    python benchmarks/run.py --only loop     # one workload (repeatable option)
    python benchmarks/run.py --markdown      # tables ready for the README
    python benchmarks/run.py --smoke         # tiny sizes, 1 repeat, no peers (for the tests)

Prints one table per workload: each engine's median time per call (median of
repeats after a warm-up, ``time.perf_counter``), the one-off time for rows that
compile (source -> compiled function -> first call), and the ratio to the table's
named baseline, all measured in this process, side by side. Compile times of symdiff
and naive SymPy are measured in a fresh Python process each (after the imports), so
neither SymPy's global cache nor symdiff's per-function caches can hide a cost; those
runs have a timeout and a failure or timeout is a row, not a crash. Every engine's
result is checked against the baseline's numbers and a disagreement is flagged in
the row's note.

Peers (JAX, PyTorch, HIPS autograd, SymPy) are imported lazily; a missing one is a
"not installed" row. JAX runs in float64; torch runs on one thread.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _path in (ROOT, HERE):              # this checkout's symdiff, then the workloads
    if _path not in sys.path:
        sys.path.insert(0, _path)

import peers  # noqa: E402
import workloads as W  # noqa: E402
from peers import Unavailable  # noqa: E402

COLD = ("a fresh process (imports and first-use costs paid on another function, "
        "SymPy's cache emptied)")
WORKLOADS = ("elementwise", "high_order", "loop", "rosenbrock_nd", "tape")


# -- settings --------------------------------------------------------------------------

@dataclass
class Settings:
    mode: str = "full"                  # full | quick | smoke
    repeat: int = 7                     # samples per median
    min_sample: float = 0.02            # seconds per sample (calls are looped to reach it)
    compile_runs: int = 3               # fresh processes per compile time (median)
    timeout: float = 120.0              # per fresh-process run
    peers: bool = True
    n_elem: int = 10**6
    n_high: int = 10**5
    rosen_n: int = 1000
    rosen_big: tuple = (3000, 100_000)
    sympy_rosen_n: int = 1000
    sympy_loop_depths: tuple = (14, 20)
    sympy_loop_timeout: float = 60.0
    high_order: int = 10
    high_max_order: int = 20
    jax_nested_order: int = 4
    torch_order: int = 6
    n_tape_array: int = 10**6

    @classmethod
    def make(cls, mode):
        if mode == "quick":
            return cls(mode=mode, repeat=5, min_sample=0.005, compile_runs=1, timeout=30.0,
                       n_elem=10**5, n_high=10**4, rosen_n=100, rosen_big=(),
                       sympy_rosen_n=100, sympy_loop_depths=(10,), sympy_loop_timeout=15.0,
                       high_order=10, high_max_order=0, jax_nested_order=2, torch_order=4,
                       n_tape_array=10**5)
        if mode == "smoke":
            return cls(mode=mode, repeat=1, min_sample=0.0, compile_runs=1, timeout=60.0,
                       peers=False, n_elem=1000, n_high=100, rosen_n=10, rosen_big=(),
                       sympy_rosen_n=0, sympy_loop_depths=(), high_order=2, high_max_order=0,
                       jax_nested_order=0, torch_order=0, n_tape_array=1000)
        return cls(mode=mode)


# -- tables ------------------------------------------------------------------------------

@dataclass
class Row:
    case: str
    engine: str
    median: float | None = None         # seconds per call
    oneoff: float | None = None         # seconds, compile/first call
    note: str = ""
    fn: object = None                   # callable still to be timed (see Table.measure)


@dataclass
class Table:
    name: str
    title: str
    baseline: str                        # engine name of the ratio baseline, per case
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def measure(self, s: "Settings") -> None:
        """Time every row added with ``fn=`` and not yet timed, round-robin: each
        repeat takes one sample of every row in turn, so a change of machine load
        during the run falls on all of them alike and the ratios stay fair."""
        pending = [r for r in self.rows if r.fn is not None and r.median is None]
        for r, t in zip(pending, bench_many([r.fn for r in pending], s)):
            r.median = t
            r.fn = None

    def find(self, case, engine):
        for r in self.rows:
            if r.case == case and r.engine == engine:
                return r
        return None

    def base_time(self, case):
        for r in self.rows:
            if r.case == case and r.engine == self.baseline and r.median is not None:
                return r.median
        return None

    def ratio(self, row):
        if row is None:
            return None
        base = self.base_time(row.case)
        if base is None or row.median is None:
            return None
        return row.median / base

    def lines(self, markdown: bool) -> list[str]:
        head = ["case", "engine", "one-off", "median / call", f"× {self.baseline}", "note"]
        body = []
        for r in self.rows:
            ratio = self.ratio(r)
            body.append([r.case, r.engine, fmt_time(r.oneoff), fmt_time(r.median),
                         "—" if ratio is None else f"{ratio:.2f}", r.note])
        out = []
        if markdown:
            out.append(f"### {self.name}: {self.title}")
            out.append("")
            out.append(f"Ratio column: median / median of **{self.baseline}** for the same case.")
            out.append("")
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join(["---", "---", "---:", "---:", "---:", "---"]) + "|")
            for b in body:
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in b) + " |")
            for n in self.notes:
                out.append("")
                out.append(f"- {n}")
        else:
            widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
                      for i, h in enumerate(head)]
            widths[-1] = 0
            title = f"== {self.name}: {self.title} (ratio: median / {self.baseline}) =="
            out.append(title)

            def line(cells):
                left = {0, 1, 5}
                return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
            out.append(line(head))
            out.append("  ".join("-" * w for w in widths[:-1]) + "  ----")
            for b in body:
                out.append(line(b))
            for n in self.notes:
                out.append(f"  * {n}")
        out.append("")
        return out


@dataclass
class Target:
    number: str
    text: str
    measured: str
    met: bool | None                    # None: could not be measured in this run


def fmt_time(t):
    if t is None:
        return "—"
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


# -- timing ------------------------------------------------------------------------------

def bench(fn, s: Settings) -> float:
    """Median seconds per call of ``fn`` (see ``bench_many``)."""
    return bench_many([fn], s)[0]


def bench_many(fns, s: Settings) -> list[float]:
    """Median seconds per call of each of ``fns``: one warm-up call each, then
    ``s.repeat`` rounds taking one sample of every function in turn; a sample loops
    the call enough times to last ``s.min_sample`` (for µs-scale calls)."""
    numbers = []
    for fn in fns:
        fn()                                            # warm-up
        t0 = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t0, 1e-7)
        numbers.append(max(1, int(s.min_sample / one)) if one < s.min_sample else 1)
    samples = [[] for _ in fns]
    for _ in range(max(1, s.repeat)):
        for fn, number, out in zip(fns, numbers, samples):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            out.append((time.perf_counter() - t0) / number)
    return [statistics.median(x) for x in samples]


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def agree(values, reference, rtol=1e-7, atol=1e-9) -> str:
    """'' when ``values`` match ``reference`` (tuples of arrays), else a note."""
    try:
        vals = values if isinstance(values, (tuple, list)) else (values,)
        refs = reference if isinstance(reference, (tuple, list)) else (reference,)
        if len(vals) != len(refs):
            return f"MISMATCH: {len(vals)} outputs, expected {len(refs)}"
        worst = 0.0
        for v, r in zip(vals, refs):
            v = np.asarray(v, dtype=float)
            r = np.asarray(r, dtype=float)
            err = np.abs(v - r) / (atol + rtol * np.maximum(np.abs(r), np.abs(v)))
            worst = max(worst, float(np.nanmax(err)) if err.size else 0.0)
            if not np.array_equal(np.isnan(v), np.isnan(r)):
                return "MISMATCH: NaN pattern differs from baseline"
        return "" if worst <= 1.0 else f"MISMATCH: error {worst:.1f}x tolerance vs baseline"
    except Exception as exc:            # noqa: BLE001 - a note, not a crash
        return f"MISMATCH: {type(exc).__name__}: {exc}"


def join(*notes):
    return "; ".join(n for n in notes if n)


# -- fresh-process runs --------------------------------------------------------------------

def fresh(job: dict, timeout: float) -> dict:
    """Run ``job`` in a new Python process (see ``worker``); a dict with 'error' on
    failure or timeout."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(job)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {timeout:.0f} s", "timeout": True}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["exit code %d" % proc.returncode])[-1]
        return {"error": err[:160]}
    return json.loads(lines[-1])


def fresh_median(job: dict, s: Settings, runs=None) -> dict:
    """``fresh`` repeated ``s.compile_runs`` times; the median of each numeric field."""
    results = []
    for _ in range(runs or s.compile_runs):
        r = fresh(job, s.timeout)
        if "error" in r:
            return r
        results.append(r)
    out = dict(results[0])
    for k, v in out.items():
        if isinstance(v, float):
            out[k] = statistics.median(r[k] for r in results)
    return out


def _sd_function(job):
    import symdiff as sd
    fn = getattr(W, job["fn"])
    shapes = {k: tuple(v) for k, v in job["shapes"].items()} if job.get("shapes") else None
    F = sd.symbolic(fn, shapes=shapes)
    if job["op"] == "grad":
        return F.grad
    return F.diff(job["wrt"], order=job["order"])


def _job_input(job):
    kind = job["input"]
    if kind == "elementwise":
        return W.elementwise_inputs(job["fn"], job.get("n", 10))
    if kind == "high":
        return (W.high_inputs(job.get("n", 10)),)
    if kind == "loop":
        return (W.LOOP_POINT,)
    if kind == "rosen":
        return (W.rosen_nd_point(job["n"]),)
    raise KeyError(kind)


def worker(job: dict) -> dict:
    """What a fresh process measures; prints one JSON line."""
    kind = job["job"]
    if kind == "symdiff":
        # source -> SymbolicFunction -> derivative -> generated code -> first call
        args = _job_input(job)
        # pay symdiff's and SymPy's lazy imports on another function first, then empty
        # SymPy's cache: what is timed is the work for this function only
        import sympy
        import symdiff as sd
        t0 = time.perf_counter()
        sd.symbolic(W.warmup).grad(0.5, 0.25)
        t_warm = time.perf_counter() - t0
        sympy.core.cache.clear_cache()
        t0 = time.perf_counter()
        G = _sd_function(job)
        G(*args)
        out = {"compile": time.perf_counter() - t0, "warmup": t_warm}
        if job.get("eval_n"):
            s = Settings.make(job.get("mode", "full"))
            big = _job_input(dict(job, n=job["eval_n"]))
            out["eval"] = bench(lambda: G(*big), s)
        return out
    if kind == "sympy_loop":
        sp = peers.load_sympy().sympy
        t0 = time.perf_counter()
        x, y = W.loop_sympy(job["depth"])
        d = sp.diff(y, x)
        t_diff = time.perf_counter() - t0
        t0 = time.perf_counter()
        f = sp.lambdify(x, d, peers.lambdify_modules(), cse=True)
        t_lamb = time.perf_counter() - t0
        value = float(f(W.LOOP_POINT))
        s = Settings.make(job.get("mode", "full"))
        return {"diff": t_diff, "lambdify": t_lamb, "eval": bench(lambda: f(W.LOOP_POINT), s),
                "value": value}
    if kind == "sympy_rosen":
        sp = peers.load_sympy().sympy
        n = job["n"]
        t0 = time.perf_counter()
        xs, expr = W.rosen_nd_sympy(n)
        # term-wise: each term differentiated only by the symbols it contains
        index = {v: i for i, v in enumerate(xs)}
        acc = [[] for _ in xs]
        for term in expr.args:
            for v in term.free_symbols:
                acc[index[v]].append(sp.diff(term, v))
        grads = [sp.Add(*parts) for parts in acc]
        t_diff = time.perf_counter() - t0
        t0 = time.perf_counter()
        f = sp.lambdify(xs, grads, peers.lambdify_modules(), cse=True)
        t_lamb = time.perf_counter() - t0
        p = W.rosen_nd_point(n)
        s = Settings.make(job.get("mode", "full"))
        t_eval = bench(lambda: f(*p), s)
        err = agree(np.array(f(*p)), W.grad_rosen_nd(p))
        return {"diff": t_diff, "lambdify": t_lamb, "eval": t_eval, "note": err}
    if kind == "sympy_high":
        P = peers.load_sympy()
        sp = P.sympy
        x = sp.Symbol("x")
        t0 = time.perf_counter()
        d = sp.diff(W.build("high", P.ns)(x), x, job["order"])
        t_diff = time.perf_counter() - t0
        t0 = time.perf_counter()
        f = sp.lambdify(x, d, peers.lambdify_modules(), cse=True)
        t_lamb = time.perf_counter() - t0
        xs = W.high_inputs(job["n"])
        s = Settings.make(job.get("mode", "full"))
        t_eval = bench(lambda: f(xs), s)
        return {"diff": t_diff, "lambdify": t_lamb, "eval": t_eval,
                "sample": [float(v) for v in np.asarray(f(xs[:5]))]}
    raise KeyError(kind)


def sd_job(fn, op, s, **kw):
    job = {"job": "symdiff", "fn": fn, "op": op, "mode": s.mode}
    job.update(kw)
    return job


def cold_row(table, case, engine, res, fn=None, note=""):
    """A row from a fresh-process compile result (or its error); ``fn`` times the
    evaluation in this process, else the fresh process's evaluation time is shown."""
    if "error" in res:
        return table.add(case, engine, note=join(f"FAILED: {res['error']}", note))
    return table.add(case, engine, median=None if fn else res.get("eval"),
                     oneoff=res["compile"], fn=fn, note=note)


# -- 1. elementwise ----------------------------------------------------------------------------

def run_elementwise(s: Settings, targets: list) -> Table:
    import symdiff as sd
    table = Table("elementwise", f"full gradient on {s.n_elem:.0e} points, float64",
                  "hand numpy")
    erf_name = W._scipy_or_symdiff_erf()[1]
    table.notes.append(f"hand numpy uses {erf_name} for Black–Scholes; the row "
                       "'hand numpy (symdiff erf)' uses symdiff.special.erf, the numpy-only "
                       "erf symdiff's generated code uses when scipy is not installed (with "
                       "scipy, it uses scipy.special.erf like the hand-written baseline).")
    table.notes.append(f"one-off: symdiff = {COLD}, source → grad → first call; symdiff numba = "
                       "first call in this process (includes numba's JIT); naive sympy = diff + "
                       "lambdify(cse=True); JAX = first call of a new jit (trace + compile).")
    numba_note = None
    try:
        sd.symbolic(W.elem_a, backend="numba")
    except Exception as exc:            # noqa: BLE001
        numba_note = f"{type(exc).__name__}: {exc}"
    for name, (fn, argnames, _, hand) in W.ELEMENTWISE.items():
        case = W.ELEMENTWISE_LABELS[name]
        args = W.elementwise_inputs(name, s.n_elem)
        ref = hand(*args)
        table.add(case, "hand numpy", fn=lambda: hand(*args))
        if name == "bs_call":
            from symdiff.special import erf as sd_erf
            hand2 = W.make_grad_bs_call(sd_erf)
            table.add(case, "hand numpy (symdiff erf)", fn=lambda: hand2(*args),
                      note=agree(hand2(*args), ref))
        # symdiff, numpy backend
        res = fresh_median(sd_job(name, "grad", s, input="elementwise"), s)
        G = sd.symbolic(fn).grad
        cold_row(table, case, "symdiff numpy", res, fn=lambda: G(*args),
                 note=agree(G(*args), ref))
        if numba_note is None:
            try:
                Gn = sd.symbolic(fn, backend="numba").grad
                _, t_first = timed(lambda: Gn(*args))
                table.add(case, "symdiff numba", fn=lambda: Gn(*args),
                          oneoff=t_first, note=agree(Gn(*args), ref))
                if s.peers and name == "elem_a":
                    table.notes.append("symdiff numba: sd.symbolic(fn, backend='numba').grad")
            except Exception as exc:    # noqa: BLE001
                table.add(case, "symdiff numba", note=f"FAILED: {type(exc).__name__}: {exc}"[:160])
        else:
            table.add(case, "symdiff numba", note=f"no fused backend ({numba_note})"[:120])
        if s.peers:
            _elementwise_peers(table, s, name, case, args, ref)
        table.measure(s)
        ratio = table.ratio(table.find(case, "symdiff numpy"))
        targets.append(Target("1", f"{case}: numpy backend ≤ 1.2x hand numpy",
                              "—" if ratio is None else f"{ratio:.2f}x",
                              None if ratio is None else ratio <= 1.2))
        fused = getattr(table.find(case, "symdiff numba"), "median", None)
        jax_time = getattr(table.find(case, "JAX jit(vmap(grad))"), "median", None)
        targets.append(Target("1", f"{case}: fused backend ≤ JAX jit",
                              "—" if fused is None or jax_time is None
                              else f"{fused / jax_time:.2f}x JAX",
                              None if fused is None or jax_time is None else fused <= jax_time))
    return table


def _elementwise_peers(table, s, name, case, args, ref):
    # naive sympy
    try:
        P = peers.load_sympy()
        sp = P.sympy
        syms = sp.symbols(" ".join(W.ELEMENTWISE[name][1]))
        expr = W.build(name, P.ns)(*syms)

        def make():
            return sp.lambdify(syms, [sp.diff(expr, v) for v in syms],
                               peers.lambdify_modules(), cse=True)
        sp.core.cache.clear_cache()
        f, t_make = timed(make)
        table.add(case, "naive sympy", fn=lambda: f(*args), oneoff=t_make,
                  note=agree(f(*args), ref))
    except Unavailable as exc:
        table.add(case, "naive sympy", note=str(exc))
    # JAX
    try:
        J = peers.load_jax()
        jax, jnp = J.jax, J.jnp
        fj = W.build(name, J.ns)
        k = len(args)
        g = jax.jit(jax.vmap(jax.grad(fj, argnums=tuple(range(k)))))
        jargs = [jnp.asarray(a) for a in args]
        _, t_first = timed(lambda: jax.block_until_ready(g(*jargs)))
        table.add(case, "JAX jit(vmap(grad))", fn=lambda: jax.block_until_ready(g(*jargs)),
                  oneoff=t_first,
                  note=agree(tuple(np.asarray(v) for v in g(*jargs)), ref))
    except Unavailable as exc:
        table.add(case, "JAX jit(vmap(grad))", note=str(exc))
    # torch eager
    try:
        T = peers.load_torch(threads=1)
        torch = T.torch
        ft = W.build(name, T.ns)
        targs = [torch.from_numpy(a) for a in args]

        def torch_grad():
            leaves = [a.detach().requires_grad_() for a in targs]
            ft(*leaves).sum().backward()
            return tuple(v.grad for v in leaves)
        table.add(case, "torch eager (1 thread)", fn=torch_grad,
                  note=agree(tuple(v.numpy() for v in torch_grad()), ref))
    except Unavailable as exc:
        table.add(case, "torch eager (1 thread)", note=str(exc))
    # HIPS autograd
    try:
        A = peers.load_autograd()
        fa = W.build(name, A.ns)
        ga = A.autograd.elementwise_grad(fa, tuple(range(len(args))))
        table.add(case, "HIPS autograd elementwise_grad", fn=lambda: ga(*args),
                  note=agree(ga(*args), ref))
    except Unavailable as exc:
        table.add(case, "HIPS autograd elementwise_grad", note=str(exc))


# -- 2. high order -------------------------------------------------------------------------------

def run_high_order(s: Settings, targets: list) -> Table:
    import symdiff as sd
    k = s.high_order
    table = Table("high_order", f"order-{k} derivative of exp(sin x)·log(1+x²)/(1+x) on "
                  f"{s.n_high:.0e} points", "JAX jet")
    table.notes.append(f"one-off: symdiff = {COLD}, source → derivative → first call; "
                       "naive sympy = diff + lambdify(cse=True) in a fresh process; JAX = "
                       "first call of a new jit (trace + compile).")
    xs = W.high_inputs(s.n_high)
    case = f"order {k}"
    res = fresh_median(sd_job("high", "diff", s, wrt="x", order=k, input="high"), s)
    ref = None
    if "error" in res:
        cold_row(table, case, "symdiff numpy", res)
    else:
        try:
            D = sd.symbolic(W.high).diff("x", order=k)
            ref = D(xs)
            cold_row(table, case, "symdiff numpy", res, fn=lambda: D(xs))
        except Exception as exc:        # noqa: BLE001 - a row, not a crash
            table.add(case, "symdiff numpy", oneoff=res["compile"],
                      note=f"FAILED in this process: {type(exc).__name__}: {exc}"[:160])
    sd_row = table.rows[-1]
    if s.peers:
        _high_peers(table, s, k, xs, ref, case)
    table.measure(s)
    targets.append(Target("2", f"order {k}: source → compiled ≤ 0.5 s",
                          fmt_time(sd_row.oneoff), None if sd_row.oneoff is None
                          else sd_row.oneoff <= 0.5))
    ratio = table.ratio(sd_row)
    targets.append(Target("2", f"order {k}: evaluation ≤ 2x JAX jet",
                          "—" if ratio is None else f"{ratio:.2f}x",
                          None if ratio is None else ratio <= 2.0))
    if s.high_max_order:
        m = s.high_max_order
        res = fresh(sd_job("high", "diff", s, wrt="x", order=m, input="high", eval_n=s.n_high),
                    s.timeout)
        cold_row(table, f"order {m}", "symdiff numpy", res,
                 note="compile and eval in a fresh process")
        targets.append(Target("2", f"order {m} works", "error" in res and res["error"]
                              or fmt_time(res["compile"]), "error" not in res))
    return table


def _high_peers(table, s, k, xs, ref, case):
    res = fresh({"job": "sympy_high", "order": k, "n": s.n_high, "mode": s.mode},
                s.timeout)
    if "error" in res:
        table.add(case, "naive sympy", note=f"FAILED: {res['error']}")
    else:
        note = f"diff {fmt_time(res['diff'])} + lambdify {fmt_time(res['lambdify'])}"
        if ref is not None:
            note = join(note, agree(np.array(res["sample"]), ref[:5]))
        table.add(case, "naive sympy", median=res["eval"], oneoff=res["diff"] + res["lambdify"],
                  note=note)
    try:
        J, jet = peers.load_jet()
        jax, jnp = J.jax, J.jnp
        f = W.build("high", J.ns)
        x = jnp.asarray(xs)

        def jet_k(x):
            series = (jnp.ones_like(x),) + tuple(jnp.zeros_like(x) for _ in range(k - 1))
            return jet.jet(f, (x,), (series,))[1][k - 1]
        g = jax.jit(jet_k)
        _, t_first = timed(lambda: g(x).block_until_ready())
        table.add(case, "JAX jet", fn=lambda: g(x).block_until_ready(),
                  oneoff=t_first, note="" if ref is None else agree(np.asarray(g(x)), ref))
        n = s.jax_nested_order
        if n:
            h = f
            for _ in range(n):
                h = jax.grad(h)
            gh = jax.jit(jax.vmap(h))
            _, t_first = timed(lambda: gh(x).block_until_ready())
            table.add(f"order {n}", "JAX nested grad (jit, vmap)",
                      fn=lambda: gh(x).block_until_ready(), oneoff=t_first,
                      note=f"order {n} only: nesting compiles slowly (issue: 30 s at order 8)")
    except Unavailable as exc:
        table.add(case, "JAX jet", note=str(exc))
    if s.torch_order:
        try:
            T = peers.load_torch(threads=1)
            torch = T.torch
            f = W.build("high", T.ns)
            xt = torch.from_numpy(xs)
            n = s.torch_order

            def torch_k():
                x = xt.detach().requires_grad_()
                y = f(x)
                for i in range(n):
                    (y,) = torch.autograd.grad(y.sum(), x, create_graph=i < n - 1)
                return y
            s1 = Settings.make(s.mode)
            s1.repeat = min(s.repeat, 3)
            table.add(f"order {n}", "torch create_graph (1 thread)", median=bench(torch_k, s1),
                      note="per call (no compile)")
        except Unavailable as exc:
            table.add(case, "torch create_graph", note=str(exc))


# -- 3. loop ---------------------------------------------------------------------------------------

def run_loop(s: Settings, targets: list) -> Table:
    import symdiff as sd
    table = Table("loop", "d/dx of `y = x; for _ in range(67): y = y*x + sin(y)` at a "
                  "Python float", "plain Python forward")
    x0 = W.LOOP_POINT
    table.add("201 ops", "plain Python forward", fn=lambda: W.loop67(x0))
    res = fresh_median(sd_job("loop67", "diff", s, wrt="x", order=1, input="loop"), s)
    D = sd.symbolic(W.loop67).diff("x")
    ref = D(x0)
    cold_row(table, "201 ops", "symdiff numpy", res, fn=lambda: D(x0),
             note=f"returns {type(ref).__name__}")
    sd_row = table.rows[-1]
    # does anything survive between two sd.symbolic calls in one process?
    _, t_again = timed(lambda: sd.symbolic(W.loop67).diff("x")(x0))
    table.notes.append(f"symdiff in-process repeat of source → derivative → first call: "
                       f"{fmt_time(t_again)} (fresh process: {fmt_time(sd_row.oneoff)}); "
                       "a large gap means a cache (SymPy's or symdiff's) survives between "
                       "sd.symbolic calls.")
    if s.peers:
        tape_ref = _loop_tape_value(x0)
        sd_row.note = join(sd_row.note, agree(ref, tape_ref))
        try:
            J = peers.load_jax()
            g = J.jax.jit(J.jax.grad(W.build("loop67", J.ns)))
            _, t_first = timed(lambda: g(x0).block_until_ready())
            table.add("201 ops", "JAX jit(grad)", fn=lambda: g(x0).block_until_ready(),
                      oneoff=t_first, note=agree(float(g(x0)), tape_ref))
        except Unavailable as exc:
            table.add("201 ops", "JAX jit(grad)", note=str(exc))
        for depth in s.sympy_loop_depths:
            r = fresh({"job": "sympy_loop", "depth": depth, "mode": s.mode},
                      s.sympy_loop_timeout)
            case = f"depth {depth} ({3 * depth} ops)"
            if "error" in r:
                table.add(case, "naive sympy", note=f"FAILED: {r['error']}")
            else:
                table.add(case, "naive sympy", median=r["eval"], oneoff=r["diff"] + r["lambdify"],
                          note=f"diff {fmt_time(r['diff'])} + lambdify {fmt_time(r['lambdify'])}")
    table.notes.append(f"symdiff one-off: {COLD}, source → derivative → first call "
                       f"(the warm-up itself took {fmt_time(res.get('warmup'))}). "
                       "naive sympy: the loop flattened into one expression, diff + "
                       "lambdify(cse=True), in a fresh process with a timeout.")
    table.measure(s)
    targets.append(Target("3", "67-step loop compiles < 0.1 s", fmt_time(sd_row.oneoff),
                          None if sd_row.oneoff is None else sd_row.oneoff < 0.1))
    ratio = table.ratio(sd_row)
    targets.append(Target("3", "derivative call on a float ≤ 3x plain Python",
                          "—" if ratio is None else f"{ratio:.2f}x",
                          None if ratio is None else ratio <= 3.0))
    return table


def _loop_tape_value(x0):
    v = peers.MiniValue(x0)
    y = v
    for _ in range(67):
        y = y * v + y.sin()
    y.backward()
    return v.grad


# -- 4. n-D Rosenbrock ------------------------------------------------------------------------------

def run_rosenbrock_nd(s: Settings, targets: list) -> Table:
    import symdiff as sd
    n = s.rosen_n
    table = Table("rosenbrock_nd", "gradient of n-D Rosenbrock written as a loop over x[i], "
                  "one point", "hand numpy")
    case = f"n = {n}"
    p = W.rosen_nd_point(n)
    ref = W.grad_rosen_nd(p)
    table.add(case, "hand numpy", fn=lambda: W.grad_rosen_nd(p),
              note="vectorised slices")
    res = fresh_median(sd_job("rosen_nd", "grad", s, shapes={"x": [n]}, input="rosen", n=n), s)
    if "error" in res:
        cold_row(table, case, "symdiff numpy", res)
    else:
        G = sd.symbolic(W.rosen_nd, shapes={"x": (n,)}).grad
        cold_row(table, case, "symdiff numpy", res, fn=lambda: G(p),
                 note=agree(G(p)[0], ref))
    sd_row = table.rows[-1]
    if s.peers:
        try:
            J = peers.load_jax()
            jnp = J.jnp

            def f(x):
                return jnp.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)
            g = J.jax.jit(J.jax.grad(f))
            jp = jnp.asarray(p)
            _, t_first = timed(lambda: g(jp).block_until_ready())
            table.add(case, "JAX jit(grad)", fn=lambda: g(jp).block_until_ready(),
                      oneoff=t_first, note=join("vectorised source", agree(np.asarray(g(jp)), ref)))
        except Unavailable as exc:
            table.add(case, "JAX jit(grad)", note=str(exc))
        if s.sympy_rosen_n:
            m = s.sympy_rosen_n
            r = fresh({"job": "sympy_rosen", "n": m, "mode": s.mode}, s.timeout)
            c = f"n = {m}"
            if "error" in r:
                table.add(c, "naive sympy", note=f"FAILED: {r['error']}")
            else:
                table.add(c, "naive sympy", median=r["eval"], oneoff=r["diff"] + r["lambdify"],
                          note=join(f"term-wise diff {fmt_time(r['diff'])} + lambdify "
                                    f"{fmt_time(r['lambdify'])}", r["note"]))
    table.measure(s)
    for big in s.rosen_big:
        res = fresh(sd_job("rosen_nd", "grad", s, shapes={"x": [big]}, input="rosen", n=big,
                           eval_n=big), s.timeout)
        cold_row(table, f"n = {big}", "symdiff numpy", res,
                 note="compile and eval in a fresh process")
        if big == 100_000:
            targets.append(Target("4", "n = 100,000 works",
                                  res.get("error") or fmt_time(res["compile"]), "error" not in res))
    table.notes.append(f"symdiff one-off: {COLD}, source → grad → first call "
                       f"(timeout {s.timeout:.0f} s); naive sympy in a fresh process.")
    if n == 1000:
        targets.append(Target("4", "n = 1000 compiles < 2 s", fmt_time(sd_row.oneoff),
                              None if sd_row.oneoff is None else sd_row.oneoff < 2.0))
        ratio = table.ratio(sd_row)
        targets.append(Target("4", "n = 1000 evaluates ≤ 5x hand numpy",
                              "—" if ratio is None else f"{ratio:.2f}x",
                              None if ratio is None else ratio <= 5.0))
    return table


# -- 5. tape -------------------------------------------------------------------------------------------

def run_tape(s: Settings, targets: list) -> Table:
    import bench_tape
    table = Table("tape", "forward + backward", "torch eager (1 thread)")
    case = "scalar graph, 201 ops"
    engines = [("symdiff.tape", bench_tape.run_tape)]
    if s.peers:
        engines += [("torch eager (1 thread)", bench_tape.run_torch),
                    ("HIPS autograd", bench_tape.run_autograd)]
    ref = None
    for name, make in engines:
        try:
            fn = make(67)
        except ImportError:
            table.add(case, name, note="not installed")
            continue
        value = fn()
        ref = value if ref is None else ref
        table.add(case, name, fn=fn, note=agree(value, ref))
    if s.peers:
        def mini():
            v = peers.MiniValue(0.5)
            y = v
            for _ in range(67):
                y = y * v + y.sin()
            y.backward()
            return v.grad
        table.add(case, "minimal Python tape (reference)", fn=mini,
                  note=join("micrograd-style, benchmarks/peers.py", agree(mini(), ref)))
    scalar_row = table.rows[0]
    n = s.n_tape_array
    case = f"array graph, {n:.0e} elements, 19 ops + sum"
    from symdiff import tape
    xs = np.random.default_rng(0).uniform(-2.0, 2.0, n)

    def tape_array():
        x = tape.tensor(xs, requires_grad=True)
        W.array_graph(tape, x).backward()
        return x.grad.numpy()
    ref = tape_array()
    table.add(case, "symdiff.tape", fn=tape_array)
    array_row = table.rows[-1]
    if s.peers:
        try:
            T = peers.load_torch(threads=1)
            torch = T.torch
            xt = torch.from_numpy(xs)

            def torch_array():
                x = xt.detach().requires_grad_()
                W.array_graph(torch, x).backward()
                return x.grad
            table.add(case, "torch eager (1 thread)", fn=torch_array,
                      note=agree(torch_array().numpy(), ref))
        except Unavailable as exc:
            table.add(case, "torch eager (1 thread)", note=str(exc))
        try:
            A = peers.load_autograd()
            ga = A.autograd.grad(lambda x: W.array_graph(A.anp, x))
            table.add(case, "HIPS autograd", fn=lambda: ga(xs),
                      note=agree(ga(xs), ref))
        except Unavailable as exc:
            table.add(case, "HIPS autograd", note=str(exc))
    table.measure(s)
    r1, r2 = table.ratio(scalar_row), table.ratio(array_row)
    targets.append(Target("5", "scalar 201-op graph: tape ≥ 2x faster than torch eager",
                          "—" if r1 is None else f"{r1:.2f}x torch",
                          None if r1 is None else r1 <= 0.5))
    targets.append(Target("5", "1e6-element array graph: tape ≤ 1.5x torch eager (1 thread)",
                          "—" if r2 is None else f"{r2:.2f}x torch",
                          None if r2 is None or n < 10**6 else r2 <= 1.5))
    return table


RUNNERS = {"elementwise": run_elementwise, "high_order": run_high_order, "loop": run_loop,
           "rosenbrock_nd": run_rosenbrock_nd, "tape": run_tape}


# -- report --------------------------------------------------------------------------------------------

def machine() -> list[str]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    vers = peers.versions()
    return [f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs (nproc), {cpu}",
            f"load average at start (1/5/15 min): "
            + " / ".join(f"{v:.2f}" for v in os.getloadavg())
            + " (other processes share these CPUs; ratios are measured round-robin)",
            f"python {platform.python_version()}; "
            + ", ".join(f"{k} {v}" for k, v in vers.items())]


def target_lines(targets, markdown):
    out = []
    mark = {True: "met", False: "NOT met", None: "not measured"}
    if markdown:
        out += ["### issue-5 targets", "", "| # | target | measured | status |",
                "|---|---|---|---|"]
        out += [f"| {t.number} | {t.text} | {t.measured} | {mark[t.met]} |" for t in targets]
    else:
        out.append("== issue-5 targets ==")
        out += [f"  [{t.number}] {t.text:<62} {t.measured:>14}  {mark[t.met]}" for t in targets]
    out.append("")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes (< 60 s)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, 1 repeat, no peers: checks that the harness runs")
    ap.add_argument("--only", action="append", choices=WORKLOADS, metavar="NAME",
                    help=f"run only this workload ({', '.join(WORKLOADS)}); repeatable")
    ap.add_argument("--markdown", action="store_true", help="print markdown tables")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    s = Settings.make("smoke" if args.smoke else "quick" if args.quick else "full")
    names = args.only or list(WORKLOADS)
    out = [] if not args.markdown else ["## symdiff benchmarks", ""]
    header = machine() + [f"mode: {s.mode} (median of {s.repeat} samples after a warm-up; "
                          f"fresh-process compile times: median of {s.compile_runs})"]
    out += [f"- {h}" for h in header] if args.markdown else header
    print("\n".join(out + [""]), flush=True)
    targets: list = []
    t_start = time.perf_counter()
    for name in names:
        try:
            table = RUNNERS[name](s, targets)
        except Exception as exc:        # noqa: BLE001 - report, go on with the next workload
            import traceback
            traceback.print_exc()
            table = Table(name, "crashed", "—")
            table.add("—", "harness", note=f"FAILED: {type(exc).__name__}: {exc}"[:200])
        print("\n".join(table.lines(args.markdown)), flush=True)
    if targets and s.mode != "smoke":
        if s.mode == "quick":
            print("(--quick: smaller sizes, so the target checks below are only indicative)")
        print("\n".join(target_lines(targets, args.markdown)))
    print(f"total benchmark time: {time.perf_counter() - t_start:.1f} s; load average at end: "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
