"""symdiff on array code against hand-written numpy, JAX and torch: issues 12 and 13.

    python benchmarks/bench_arrays.py                  # every row, full sizes (minutes)
    python benchmarks/bench_arrays.py --quick          # fewer repeats, short timeouts
    python benchmarks/bench_arrays.py --only hessians  # one table (repeatable option)
    python benchmarks/bench_arrays.py --markdown       # tables for benchmarks/RESULTS.md
    python benchmarks/bench_arrays.py --smoke          # tiny sizes, no peers (for the tests)

Tables: ``gradients`` and ``scipy`` (issue 12: gradients of losses over matrices of data
and weights, SciPy-style whole-array functions), ``hessians`` and ``hvp`` (issue 13:
Hessians as tensor expressions, Hessian-vector products). Each row is one engine on one
problem: its one-off time and its median time per call, with the ratio to the
hand-written closed form in numpy (the baseline of every table), all timed in this
process round-robin (see ``run.bench_many``), so a change of machine load falls on all
engines alike.

symdiff rows use the public API only (``sd.symbolic(fn, shapes=...)``, ``sd.grad``,
``sd.hessian``, ``sd.hvp``). Their set-up (read the source, differentiate, compile, first
call) is measured in a fresh Python process with a timeout and a memory limit, after the
imports and SymPy's cache emptied, so what is timed is the work for this function (the
note's "reading" is the same without the first call: read, differentiate, compile; the
targets "reading at the largest size within 1.2x of the smallest" compare it, since the
first call's arithmetic grows with the data by nature); a missing feature, an error or a timeout is a row that says so, not a crash. Every
engine's result is compared with the hand-written closed form (normwise relative error
1e-8, issue 12's accuracy target) and a disagreement is flagged in the row's note.

JAX runs jit-compiled in float64 (its one-off is the first call: trace + compile); torch
runs ``torch.func`` transforms eagerly in float64. Every engine computes on one thread
(numpy's BLAS, XLA and torch alike; set ``OPENBLAS_NUM_THREADS`` etc. to change it): on a
small shared machine several engines' thread pools spinning side by side distort every
row, and one thread each compares the generated code, not the thread pools. The
workloads and closed forms are in ``benchmarks/array_workloads.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")        # before numpy is imported (see the docstring)
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _path in (ROOT, HERE):              # this checkout's symdiff, then the workloads
    if _path not in sys.path:
        sys.path.insert(0, _path)

import array_workloads as AW  # noqa: E402
import peers  # noqa: E402
from peers import Unavailable  # noqa: E402
from run import Table, Target, bench_many, fmt_time, join, machine  # noqa: E402

GROUPS = ("gradients", "scipy", "hessians", "hvp")
MLP_IO = {"i": 32, "o": 10}          # input and output widths of the MLP (issue 12 names
                                     # only the batch and hidden sizes)


# -- the problems ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    group: str
    label: str
    fn: str                 # name in array_workloads
    sizes: tuple            # ((name, int), ...)
    op: str                 # grad | hessian | hvp
    wrt: tuple              # parameter names

    @property
    def size_dict(self):
        return dict(self.sizes)

    @property
    def key(self):
        return f"{self.fn}:{self.op}:" + ",".join(f"{k}={v}" for k, v in self.sizes)


def _mlp(n, h):
    return (("n", n), ("i", MLP_IO["i"]), ("h", h), ("o", MLP_IO["o"]))


MLP_WRT = ("W1", "b1", "W2", "b2")


def cases(mode):
    """Every row of issue 12's and issue 13's tables (tiny sizes in smoke mode)."""
    if mode == "smoke":
        return [
            Case("gradients", "logistic grad w, 20x3", "logistic", (("n", 20), ("d", 3)),
                 "grad", ("w",)),
            Case("gradients", "MLP grad, batch 8 hidden 4", "mlp",
                 (("n", 8), ("i", 3), ("h", 4), ("o", 2)), "grad", MLP_WRT),
            Case("scipy", "rastrigin grad, n=5", "rastrigin", (("n", 5),), "grad", ("x",)),
            Case("hessians", "x@A@x Hessian in x, d=4", "quadratic", (("d", 4),),
                 "hessian", ("x",)),
            Case("hessians", "logistic Hessian in w, 10x3", "logistic", (("n", 10), ("d", 3)),
                 "hessian", ("w",)),
            Case("hvp", "MLP Hessian-vector product, batch 8 hidden 4", "mlp",
                 (("n", 8), ("i", 3), ("h", 4), ("o", 2)), "hvp", MLP_WRT),
        ]
    out = []
    for n, d in ((1000, 20), (10000, 50)):
        out.append(Case("gradients", f"logistic grad w, {n}x{d}", "logistic",
                        (("n", n), ("d", d)), "grad", ("w",)))
    for n, h in ((256, 16), (256, 64), (1024, 64)):
        out.append(Case("gradients", f"MLP grad W1,b1,W2,b2, batch {n} hidden {h}", "mlp",
                        _mlp(n, h), "grad", MLP_WRT))
    for m, n, r in ((100, 100, 10), (1000, 500, 20)):
        out.append(Case("gradients", f"factorisation grad U,V, {m}x{n} rank {r}",
                        "factorisation", (("m", m), ("n", n), ("r", r)), "grad", ("U", "V")))
    out.append(Case("gradients", "softmax CE grad W, 512x100x10", "softmax_ce",
                    (("n", 512), ("d", 100), ("k", 10)), "grad", ("W",)))
    out.append(Case("scipy", "sum(x**2 - 10 cos(2 pi x)) grad, n=100", "rastrigin",
                    (("n", 100),), "grad", ("x",)))
    out.append(Case("scipy", "prod(cos(x / sqrt(arange(1, n+1)))) grad, n=100",
                    "griewank_prod", (("n", 100),), "grad", ("x",)))
    for d in (100, 1000):
        out.append(Case("hessians", f"x@A@x Hessian in x, d={d}", "quadratic", (("d", d),),
                        "hessian", ("x",)))
    for n, d in ((100, 10), (10000, 50)):
        out.append(Case("hessians", f"logistic Hessian in w, {n}x{d}", "logistic",
                        (("n", n), ("d", d)), "hessian", ("w",)))
    out.append(Case("hvp", "MLP Hessian-vector product, batch 1024 hidden 64", "mlp",
                    _mlp(1024, 64), "hvp", MLP_WRT))
    return out


def hand(case):
    """The hand-written closed form of ``case`` as a function of the arguments (and v)."""
    table = {("logistic", "grad"): AW.grad_logistic, ("logistic", "hessian"): AW.hess_logistic,
             ("mlp", "grad"): AW.grad_mlp, ("mlp", "hvp"): AW.hvp_mlp,
             ("factorisation", "grad"): AW.grad_factorisation,
             ("softmax_ce", "grad"): AW.grad_softmax_ce, ("rastrigin", "grad"): AW.grad_rastrigin,
             ("griewank_prod", "grad"): AW.grad_griewank_prod,
             ("quadratic", "hessian"): AW.hess_quadratic}
    return table[case.fn, case.op]


def arguments(case):
    """(args, extra): the call's arguments, and ``(v,)`` for a Hessian-vector product."""
    args = AW.inputs(case.fn, case.size_dict)
    extra = (AW.direction(case.fn, case.size_dict, case.wrt),) if case.op == "hvp" else ()
    return args, extra


# -- settings -----------------------------------------------------------------------------

@dataclass
class Settings:
    mode: str = "full"
    repeat: int = 7
    min_sample: float = 0.02
    compile_runs: int = 5          # fresh processes per set-up time (median; reading: least)
    timeout: float = 120.0         # per fresh-process set-up
    inprocess_limit: float = 10.0  # rebuild in this process for round-robin timing if the
                                   # set-up took less; else the fresh process's timing is shown
    memory_gb: float = 6.0         # address-space limit of a fresh process
    peers: bool = True

    @classmethod
    def make(cls, mode):
        if mode == "quick":
            return cls(mode=mode, repeat=3, min_sample=0.005, compile_runs=1, timeout=20.0,
                       inprocess_limit=5.0)
        if mode == "smoke":
            return cls(mode=mode, repeat=1, min_sample=0.0, compile_runs=1, timeout=120.0,
                       peers=False)
        return cls(mode=mode)


# -- checking results -------------------------------------------------------------------------

def as_numpy(value):
    """Tuples/lists of arrays (or tensors) as a tuple of float ndarrays."""
    if isinstance(value, (tuple, list)):
        return tuple(np.asarray(getattr(v, "detach", lambda: v)(), dtype=float) for v in value)
    return (np.asarray(getattr(value, "detach", lambda: value)(), dtype=float),)


def compare(value, reference, rtol=1e-8) -> str:
    """'' when every output of ``value`` equals the reference's to ``rtol`` relative to
    the reference's largest entry (normwise), else a note saying what differs."""
    try:
        vals, refs = as_numpy(value), as_numpy(reference)
        if len(vals) == 1 and len(refs) > 1 and vals[0].dtype == object:
            vals = tuple(vals[0])
        if len(vals) != len(refs):
            return f"MISMATCH: {len(vals)} outputs, expected {len(refs)}"
        worst = 0.0
        for v, r in zip(vals, refs):
            if v.shape != r.shape:
                return f"MISMATCH: shape {v.shape}, expected {r.shape}"
            scale = max(float(np.max(np.abs(r))) if r.size else 0.0, 1e-300)
            worst = max(worst, float(np.max(np.abs(v - r))) / scale if r.size else 0.0)
        return "" if worst <= rtol else f"MISMATCH: relative error {worst:.1e} vs closed form"
    except Exception as exc:            # noqa: BLE001 - a note, not a crash
        return f"MISMATCH: {type(exc).__name__}: {exc}"[:160]


# -- symdiff through the public API ---------------------------------------------------------

def symdiff_derivative(case, shapes=None):
    """``sd.grad`` / ``sd.hessian`` / ``sd.hvp`` of the workload, as a user writes it."""
    import symdiff as sd
    fn = AW.NUMPY[case.fn]
    F = sd.symbolic(fn, shapes=shapes or AW.shapes(case.fn, case.size_dict))
    if case.op == "grad":
        return sd.grad(F, wrt=case.wrt[0] if len(case.wrt) == 1 else case.wrt)
    if case.op == "hessian":
        return sd.hessian(F, wrt=case.wrt[0])
    if case.op == "hvp":
        if not hasattr(sd, "hvp"):
            raise NotImplementedError("sd.hvp does not exist yet")
        return sd.hvp(F, wrt=case.wrt[0] if len(case.wrt) == 1 else case.wrt)
    raise KeyError(case.op)


def symdiff_call(G, case, args, extra):
    out = G(*args, *extra)
    if case.op == "grad" and len(case.wrt) == 1 and isinstance(out, tuple) and len(out) == 1:
        out = out[0]                 # before API 5.1, a single name still gave a 1-tuple
    return out


def worker(job):
    """What a fresh process measures: set-up of one symdiff derivative; one JSON line."""
    case = Case(job["group"], job["label"], job["fn"], tuple(map(tuple, job["sizes"])),
                job["op"], tuple(job["wrt"]))
    _limit_memory(job["memory_gb"])
    args, extra = arguments(case)
    import sympy
    import symdiff as sd
    sd.grad(sd.symbolic(AW.rastrigin, shapes={"x": (3,)}))(np.ones(3))   # imports, first use
    shapes = AW.shapes(case.fn, case.size_dict)     # (makes the data: not timed)
    sympy.core.cache.clear_cache()
    gc.collect()                        # the imports' garbage is not this function's work
    t0 = time.perf_counter()
    G = symdiff_derivative(case, shapes)
    try:
        G.source                        # compiles: read + derivative + code, no data
    except Exception:                   # noqa: BLE001 - compiled by the call below
        pass
    t1 = time.perf_counter()
    out = symdiff_call(G, case, args, extra)
    t2 = time.perf_counter()
    result = {"setup": t2 - t0, "build": t1 - t0,
              "note": compare(out, hand(case)(*args, *extra))}
    try:
        result["lines"] = len(G.source.splitlines())
    except Exception:                   # noqa: BLE001 - no source: nothing to count
        pass
    if job.get("eval"):
        s = Settings.make(job["mode"])
        result["eval"], result["hand"] = bench_many(
            [lambda: symdiff_call(G, case, args, extra), lambda: hand(case)(*args, *extra)], s)
    return result


def _limit_memory(gb):
    """Cap this (fresh) process's address space: an element-wise reading of a large array
    fails with MemoryError instead of filling a shared machine's memory."""
    try:
        import resource
        limit = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def fresh(job, s: Settings) -> dict:
    """``worker(job)`` in a new Python process; {'error': ...} on failure or timeout."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(job)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=s.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {s.timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
        err = tail[-1]
        if "MemoryError" in proc.stderr:
            err = f"out of memory (limit {s.memory_gb:.0f} GB): {err}"
        return {"error": err[:200]}
    return json.loads(lines[-1])


def symdiff_row(table, case, s, args, extra):
    """Set-up in fresh processes, then per-call timing (round-robin here if affordable)."""
    job = {"group": case.group, "label": case.label, "fn": case.fn, "sizes": case.sizes,
           "op": case.op, "wrt": case.wrt, "mode": s.mode, "memory_gb": s.memory_gb}
    runs, builds = [], []
    res = fresh(job, s)
    if "error" not in res:
        runs.append(res["setup"])
        builds.append(res.get("build"))
        while len(runs) < s.compile_runs and res["setup"] < 2.0:
            again = fresh(job, s)
            if "error" in again:
                break
            runs.append(again["setup"])
            builds.append(again.get("build"))
    if "error" in res:
        err = res["error"]
        kind = ("not supported yet" if any(k in err for k in ("NotImplementedError",
                                                               "SymdiffSyntaxError",
                                                               "AttributeError"))
                else "FAILED")
        return table.add(case.label, "symdiff", note=f"{kind}: {err}"[:220]), None
    setup = statistics.median(runs)
    # the least of the runs: on a shared machine a run that lost a time slice (4 ms) to
    # another process says nothing about the reading's own cost
    build = min(builds) if builds and None not in builds else None
    lines = res.get("lines")
    note = join(f"{lines} lines generated" if lines is not None else "",
                f"reading {fmt_time(build)}" if build is not None else "", res["note"])
    if setup <= s.inprocess_limit:
        try:
            G = symdiff_derivative(case)
            row = table.add(case.label, "symdiff", oneoff=setup, note=note,
                            fn=lambda: symdiff_call(G, case, args, extra))
            row.build = build
            return row, lines
        except Exception as exc:        # noqa: BLE001 - report, go on
            note = join(note, f"in-process rebuild failed: {type(exc).__name__}: {exc}"[:120])
    res2 = fresh(dict(job, eval=True), s)
    if "error" in res2:
        return table.add(case.label, "symdiff", oneoff=setup,
                         note=join(note, f"per-call run failed: {res2['error']}")), lines
    # the fresh process timed symdiff and the closed form side by side: scale to this
    # process's closed-form time so that the ratio is the one measured there
    row = table.add(case.label, "symdiff", oneoff=setup, median=res2["eval"],
                    note=join(note, f"per call timed in the fresh process "
                                    f"({res2['eval'] / res2['hand']:.2f}x the closed form there)"))
    row.fresh_ratio = res2["eval"] / res2["hand"]
    row.build = build
    return row, lines


# -- peers ----------------------------------------------------------------------------------

def jax_row(table, case, args, extra, ref):
    name = {"grad": "JAX jit(grad)", "hessian": "JAX jit(hessian)",
            "hvp": "JAX jit(jvp(grad))"}[case.op]
    try:
        J = peers.load_jax()
    except Unavailable as exc:
        return table.add(case.label, name, note=str(exc))
    jax, jnp = J.jax, J.jnp
    f = AW.jax_functions(jnp)[case.fn]
    params = AW.PARAMS[case.fn]
    idx = tuple(params.index(p) for p in case.wrt)
    if case.op == "grad":
        g = jax.jit(jax.grad(f, argnums=idx[0] if len(idx) == 1 else idx))
    elif case.op == "hessian":
        g = jax.jit(jax.hessian(f, argnums=idx[0]))
    else:
        def hvp(*a):
            *point, v = a

            def grad_at(*w):
                full = list(point)
                for i, wi in zip(idx, w):
                    full[i] = wi
                return jax.grad(f, argnums=idx)(*full)
            return jax.jvp(grad_at, tuple(point[i] for i in idx), tuple(v))[1]
        g = jax.jit(hvp)
    jargs = [jnp.asarray(a) for a in args] + [tuple(jnp.asarray(t) for t in e) for e in extra]

    def call():
        return jax.block_until_ready(g(*jargs))
    try:
        t0 = time.perf_counter()
        value = call()
        first = time.perf_counter() - t0
    except Exception as exc:            # noqa: BLE001
        return table.add(case.label, name, note=f"FAILED: {type(exc).__name__}: {exc}"[:160])
    return table.add(case.label, name, oneoff=first, fn=call, note=compare(value, ref))


def torch_row(table, case, args, extra, ref):
    name = {"grad": "torch.func.grad", "hessian": "torch.func.hessian",
            "hvp": "torch.func jvp(grad)"}[case.op]
    try:
        T = peers.load_torch(threads=1)
    except Unavailable as exc:
        return table.add(case.label, name, note=str(exc))
    torch = T.torch
    import torch.func as tf
    f = AW.torch_functions(torch)[case.fn]
    params = AW.PARAMS[case.fn]
    idx = tuple(params.index(p) for p in case.wrt)
    targs = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]
    if case.op == "grad":
        g = tf.grad(f, argnums=idx[0] if len(idx) == 1 else idx)

        def call():
            return g(*targs)
    elif case.op == "hessian":
        g = tf.hessian(f, argnums=idx[0])

        def call():
            return g(*targs)
    else:
        v = tuple(torch.from_numpy(t) for t in extra[0])

        def grad_at(*w):
            full = list(targs)
            for i, wi in zip(idx, w):
                full[i] = wi
            return tf.grad(f, argnums=idx)(*full)

        def call():
            return tf.jvp(grad_at, tuple(targs[i] for i in idx), v)[1]
    try:
        value = call()
    except Exception as exc:            # noqa: BLE001
        return table.add(case.label, name, note=f"FAILED: {type(exc).__name__}: {exc}"[:160])
    return table.add(case.label, name, fn=call, note=compare(value, ref))


# -- one table -------------------------------------------------------------------------------

TITLES = {"gradients": "issue 12, gradients of losses over matrices (set-up = read + "
                       "derivative + first call, fresh process)",
          "scipy": "issue 12, SciPy-style whole-array functions, gradient",
          "hessians": "issue 13, Hessians as tensor expressions",
          "hvp": "issue 13, Hessian-vector product (never forming the Hessian)"}


def run_group(group, s, results):
    table = Table(group, TITLES[group], "hand numpy")
    for case in (c for c in cases(s.mode) if c.group == group):
        args, extra = arguments(case)
        h = hand(case)
        ref = h(*args, *extra)
        table.add(case.label, "hand numpy", fn=lambda h=h, args=args, extra=extra: h(*args, *extra))
        row, lines = symdiff_row(table, case, s, args, extra)
        results[case.key] = {"case": case, "symdiff": row, "lines": lines}
        if s.peers:
            results[case.key]["jax"] = jax_row(table, case, args, extra, ref)
            results[case.key]["torch"] = torch_row(table, case, args, extra, ref)
        table.measure(s)
        print(f"  ... {case.label}: done", file=sys.stderr, flush=True)
    if group == "gradients":
        table.notes.append(f"MLP: input width {MLP_IO['i']}, output width {MLP_IO['o']}; "
                           "softmax CE: one-hot labels, hand form X.T @ (softmax - Y) / n.")
    if group == "hessians":
        table.notes.append("logistic labels are +-1, so the closed form (X.T * s*(1-s)) @ X "
                           "is exact (y**2 = 1).")
    if group == "hvp":
        table.notes.append("hand numpy: Pearlmutter's R-operator written out "
                           "(array_workloads.hvp_mlp); v is a random direction in (W1, b1, W2, b2).")
    table.notes.append(f"symdiff set-up: fresh process (imports paid and SymPy's cache emptied "
                       f"first), timeout {s.timeout:.0f} s, memory limit {s.memory_gb:.0f} GB; "
                       f"median of up to {s.compile_runs} runs (reading: the least of them).")
    return table


# -- targets -----------------------------------------------------------------------------------

def _ratio(results, table_of, key, engine="symdiff", base="hand"):
    r = results.get(key)
    if not r:
        return None
    row = r.get(engine)
    if row is None or row.median is None:
        return None
    if base == "hand":
        fr = getattr(row, "fresh_ratio", None)
        return fr if fr is not None else table_of[r["case"].group].ratio(row)
    other = r.get(base)
    if other is None or other.median is None:
        return None
    return row.median / other.median


def _setup(results, key):
    r = results.get(key)
    return None if not r or r["symdiff"] is None else r["symdiff"].oneoff


def _build(results, key):
    """Read + derivative + compile, without the first call's arithmetic on the data."""
    r = results.get(key)
    return None if not r or r["symdiff"] is None else getattr(r["symdiff"], "build", None)


def targets(results, table_of):
    """(issue-12 targets, issue-13 targets) as ``Target`` rows."""
    def key_of(label):
        for k, r in results.items():
            if r["case"].label == label:
                return k
        return None

    def ratio_target(number, label, limit, what, base="hand"):
        k = key_of(label)
        if k is None:
            return None
        r = _ratio(results, table_of, k, base=base)
        return Target(number, f"{label}: per call <= {limit}x {what}",
                      "—" if r is None else f"{r:.2f}x", None if r is None else r <= limit)

    def setup_target(number, label, limit):
        k = key_of(label)
        if k is None:
            return None
        t = _setup(results, k)
        return Target(number, f"{label}: set-up < {limit} s", fmt_time(t),
                      None if t is None else t < limit)

    def flat_target(number, small, big):
        ks, kb = key_of(small), key_of(big)
        if ks is None or kb is None:
            return None
        # reading cost (read + derivative + compile) is what must not grow with the data;
        # the set-up also holds the first call, whose arithmetic does (shown beside it)
        a, b = _build(results, ks), _build(results, kb)
        sa, sb = _setup(results, ks), _setup(results, kb)
        full = "" if sa is None or sb is None else f" (with the first call: {sb / sa:.2f}x)"
        return Target(number, f"reading at {big.split(', ')[-1]} within 1.2x of "
                      f"{small.split(', ')[-1]} ({small.split(' grad')[0]})",
                      "—" if a is None or b is None else f"{b / a:.2f}x{full}",
                      None if a is None or b is None else b <= 1.2 * a)

    t12 = [
        setup_target("12", "logistic grad w, 10000x50", 0.5),
        setup_target("12", "MLP grad W1,b1,W2,b2, batch 1024 hidden 64", 1.0),
        setup_target("12", "factorisation grad U,V, 1000x500 rank 20", 0.5),
        setup_target("12", "softmax CE grad W, 512x100x10", 0.5),
        flat_target("12", "logistic grad w, 1000x20", "logistic grad w, 10000x50"),
        flat_target("12", "MLP grad W1,b1,W2,b2, batch 256 hidden 16",
                    "MLP grad W1,b1,W2,b2, batch 1024 hidden 64"),
        flat_target("12", "factorisation grad U,V, 100x100 rank 10",
                    "factorisation grad U,V, 1000x500 rank 20"),
        ratio_target("12", "logistic grad w, 10000x50", 1.5, "hand numpy"),
        ratio_target("12", "MLP grad W1,b1,W2,b2, batch 1024 hidden 64", 1.3, "hand numpy"),
        ratio_target("12", "factorisation grad U,V, 1000x500 rank 20", 1.3, "hand numpy"),
        ratio_target("12", "softmax CE grad W, 512x100x10", 1.5, "hand numpy"),
        ratio_target("12", "sum(x**2 - 10 cos(2 pi x)) grad, n=100", 1.0,
                     "jax.jit(jax.grad)", base="jax"),
        ratio_target("12", "prod(cos(x / sqrt(arange(1, n+1)))) grad, n=100", 1.0,
                     "jax.jit(jax.grad)", base="jax"),
    ]
    grad_rows = [r["symdiff"] for r in results.values()
                 if r["case"].group in ("gradients", "scipy")]
    if grad_rows:
        bad = [r.case for r in grad_rows if r.oneoff is None or "MISMATCH" in r.note]
        t12.append(Target("12", "every result equal to the closed form to 1e-8 relative",
                          f"{len(grad_rows) - len(bad)}/{len(grad_rows)} rows",
                          not bad))
    t13 = [
        setup_target("13", "x@A@x Hessian in x, d=1000", 0.5),
        ratio_target("13", "x@A@x Hessian in x, d=1000", 2.0, "A + A.T by hand"),
        setup_target("13", "logistic Hessian in w, 10000x50", 0.5),
        ratio_target("13", "logistic Hessian in w, 10000x50", 1.3, "(X.T * s*(1-s)) @ X"),
        ratio_target("13", "MLP Hessian-vector product, batch 1024 hidden 64", 1.0,
                     "JAX jvp(grad)", base="jax"),
    ]
    hess = [r for r in results.values() if r["case"].op == "hessian"]
    if hess:
        counts = [r["lines"] for r in hess]
        known = [c for c in counts if c is not None]
        t13.append(Target("13", "generated Hessian code < 50 lines at every size",
                          ", ".join("—" if c is None else str(c) for c in counts) + " lines",
                          None if len(known) < len(counts) else max(known) < 50))
    return [t for t in t12 if t], [t for t in t13 if t]


def target_lines(title, rows, markdown):
    mark = {True: "met", False: "NOT met", None: "not measured (feature missing or failed)"}
    if not rows:
        return []
    if markdown:
        out = [f"### {title}", "", "| target | measured | status |", "|---|---|---|"]
        out += [f"| {t.text} | {t.measured} | {mark[t.met]} |" for t in rows]
    else:
        out = [f"== {title} =="]
        out += [f"  {t.text:<78} {t.measured:>16}  {mark[t.met]}" for t in rows]
    return out + [""]


# -- main ----------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, short timeouts")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, 1 repeat, no peers: checks that the harness runs")
    ap.add_argument("--only", action="append", choices=GROUPS, metavar="NAME",
                    help=f"run only this table ({', '.join(GROUPS)}); repeatable")
    ap.add_argument("--timeout", type=float, help="seconds per fresh-process set-up")
    ap.add_argument("--markdown", action="store_true", help="print markdown tables")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    s = Settings.make("smoke" if args.smoke else "quick" if args.quick else "full")
    if args.timeout:
        s.timeout = args.timeout
    out = ["## symdiff on array code (issues 12 and 13)", ""] if args.markdown else []
    header = machine() + [f"mode: {s.mode} (median of {s.repeat} samples after a warm-up)"]
    out += [f"- {h}" for h in header] if args.markdown else header
    print("\n".join(out + [""]), flush=True)
    results, table_of = {}, {}
    t_start = time.perf_counter()
    for group in args.only or GROUPS:
        try:
            table = run_group(group, s, results)
        except Exception as exc:        # noqa: BLE001 - report, go on with the next table
            import traceback
            traceback.print_exc()
            table = Table(group, "crashed", "—")
            table.add("—", "harness", note=f"FAILED: {type(exc).__name__}: {exc}"[:200])
        table_of[group] = table
        print("\n".join(table.lines(args.markdown)), flush=True)
    if s.mode != "smoke":
        t12, t13 = targets(results, table_of)
        if s.mode == "quick":
            print("(--quick: fewer repeats and short timeouts: the target checks are indicative)")
        print("\n".join(target_lines("issue-12 targets", t12, args.markdown)
                        + target_lines("issue-13 targets", t13, args.markdown)))
    print(f"total benchmark time: {time.perf_counter() - t_start:.1f} s; load average at end: "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
