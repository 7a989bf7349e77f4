"""Threads: one SymbolicFunction hammered from several threads, and the tape's grad mode.

Every thread waits at a barrier, then asks for the same not-yet-built things
(``.grad``, ``.hessian``, a third derivative, ``.source``, calls on floats and
arrays) in its own order, so first-time differentiation and compilation race
for real. Python's switch interval is lowered while the threads run, so they
interleave every few bytecodes.

Within a round every thread must see the very same derivative objects and
sources (one build, published whole) and bitwise equal numbers; across rounds
the numbers must match a single-threaded reference. Derivatives' sources are
not compared with the reference: derivatives share one graph, so the numbering
of generated names depends on the order in which they were first asked for.

Tape: grad mode is thread-local and starts enabled in a new thread (as in
torch); backward passes in several threads give their own gradients, and add
all of them up in a leaf they share.
"""

import math
import random
import sys
import threading

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff import tape

THREADS = 8
ROUNDS = 5
SWITCH = 1e-5          # seconds between forced thread switches while hammering


def branchy(x, y, w):
    z = x * y + math.sin(x)
    if x > 0:
        z = z + math.exp(-y * y)
    else:
        z = z - math.log(1 + y * y)
    for i in range(3):
        z = z + w[i] * math.cos(z * 0.1 + i)
    return z * y


def lanes(x, a):
    total = 0.0
    for i in range(19):
        total += (x[i + 1] - x[i] ** 2) ** 2 + a * math.sin(x[i])
    return total * a


W = np.array([0.3, -0.7, 1.1])
XS = np.linspace(-1.5, 1.5, 7)
YS = np.linspace(0.2, 1.4, 7)
XL = np.linspace(0.1, 0.9, 20)


def _tasks(F):
    """name -> thunk; each is a first access on a fresh F."""
    return {
        "call float": lambda: F(0.7, 1.3, W),
        "call array": lambda: F(XS, YS, W),
        "grad float": lambda: F.grad(0.7, 1.3, W),
        "grad array": lambda: F.grad(XS, YS, W),
        "hessian": lambda: F.hessian(0.7, 1.3, W),
        "hessian array": lambda: F.hessian(XS, 1.3, W),
        "d3x": lambda: F.diff("x", order=3)(XS, YS, W),
        "dxdy": lambda: F.diff("x", "y")(-0.4, 0.9, W),
        "source": lambda: F.source,
        "grad source": lambda: F.grad.source,
        "hessian source": lambda: F.hessian.source,
        "d3x source": lambda: F.diff("x", order=3).source,
        "expr": lambda: F.grad.expr,
        "objects": lambda: (F.grad, F.hessian, F.diff("x", order=3), F.diff("y").diff("x")),
    }


def _lane_tasks(L):
    return {
        "call": lambda: L(XL, 0.8),
        "grad": lambda: L.grad(XL, 0.8),
        "grad source": lambda: L.grad.source,
        "hessian": lambda: L.hessian(XL, 0.8),       # through the unrolled twin
        "dxda": lambda: L.diff("x_3", "a")(XL, 0.8),
        "expr": lambda: L.expr,
        "source": lambda: L.source,
        "objects": lambda: (L.grad, L.hessian, L.diff("x_3", "a")),
    }


def _same(a, b):
    """Identical: equal strings, the same objects, bitwise equal numbers."""
    if isinstance(a, str):
        return a == b
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, (sd.SymbolicFunction, sympy.Basic, sympy.MatrixBase)):
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def _close(a, b):
    """The same numbers up to rounding (a different build order may reassociate)."""
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_close(u, v) for u, v in zip(a, b))
    return np.allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-14, equal_nan=True)


def _hammer(make, tasks_of, rounds=ROUNDS):
    ref_tasks = tasks_of(make())
    reference = {k: f() for k, f in ref_tasks.items()}
    old = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH)
    try:
        for r in range(rounds):
            F = make()              # fresh: nothing built or compiled yet
            tasks = tasks_of(F)
            barrier = threading.Barrier(THREADS)
            results = [None] * THREADS
            errors = []

            def worker(k):
                order = list(tasks)
                random.Random(1000 * r + k).shuffle(order)
                got = {}
                try:
                    barrier.wait()
                    for name in order:
                        got[name] = tasks[name]()
                except BaseException as e:      # noqa: BLE001 - reported below
                    errors.append((k, e))
                results[k] = got

            threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if errors:
                raise errors[0][1]
            first = results[0]
            assert set(first) == set(tasks)
            for k, got in enumerate(results):
                for name, value in got.items():
                    assert _same(value, first[name]), (r, k, name)
            for name, value in first.items():
                if name == "expr":
                    assert value == reference[name], (r, name)
                elif name != "objects" and not isinstance(value, str):
                    assert _close(value, reference[name]), (r, name)
            # F's own lines were named when it was read: its source is order-free
            assert first["source"] == reference["source"]
    finally:
        sys.setswitchinterval(old)


def test_one_function_from_eight_threads():
    _hammer(lambda: sd.symbolic(branchy, shapes={"w": (3,)}), _tasks)


def test_vectorised_loop_and_its_twin_from_eight_threads():
    _hammer(lambda: sd.symbolic(lanes, shapes={"x": (20,)}), _lane_tasks, rounds=3)


def test_expression_strings_from_eight_threads():
    # different functions built at once (tracing, sympy's caches, codegen's counter)
    exprs = [f"x**{k}*sin(y*{k}) + exp(-x*y/{k + 1})" for k in range(THREADS)]
    ref = [sd.symbolic(e).grad.source for e in exprs]
    barrier = threading.Barrier(THREADS)
    got = [None] * THREADS

    def worker(k):
        barrier.wait()
        got[k] = sd.symbolic(exprs[k]).grad.source

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ref


# -- tape -------------------------------------------------------------------------------------

def _in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_grad_mode_is_thread_local():
    # like torch: each thread has its own mode, and a new thread starts with grad enabled
    with tape.no_grad():
        assert not tape.is_grad_enabled()
        assert _in_thread(tape.is_grad_enabled) is True
    tape.set_grad_enabled(False)
    try:
        assert _in_thread(tape.is_grad_enabled) is True
    finally:
        tape.set_grad_enabled(True)

    # a no_grad() held open in one thread does not stop another from recording
    inside, recorded = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with tape.no_grad():
            inside.set()
            recorded.wait(5)
            x = tape.tensor(2.0, requires_grad=True)
            seen["quiet"] = (x * x).requires_grad

    def loud():
        inside.wait(5)
        x = tape.tensor(3.0, requires_grad=True)
        y = x * x
        seen["loud"] = y.requires_grad
        y.backward()
        seen["grad"] = float(x.grad)
        recorded.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=loud)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"quiet": False, "loud": True, "grad": 6.0}
    assert tape.is_grad_enabled()


def test_concurrent_backward_passes():
    def run(seed):
        rng = np.random.default_rng(seed)
        a, b = rng.uniform(0.5, 1.5, 50), rng.uniform(0.5, 1.5, 50)
        x = tape.tensor(a, requires_grad=True)
        w = tape.tensor(b, requires_grad=True)
        for _ in range(20):     # a few hundred nodes, so threads switch mid-backward
            y = tape.sin(x * w) + tape.exp(-x) * w
            loss = (y * y).sum() + (x * w).sum()
            loss.backward()
        s, c = np.sin(a * b), np.cos(a * b)
        e = np.exp(-a)
        y = s + e * b
        gx = 20 * (2 * y * (c * b - e * b) + b)
        gw = 20 * (2 * y * (c * a + e) + a)
        return np.allclose(x.grad.numpy(), gx, rtol=1e-12) and \
            np.allclose(w.grad.numpy(), gw, rtol=1e-12)

    old = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH)
    try:
        barrier = threading.Barrier(THREADS)
        ok = [None] * THREADS

        def worker(k):
            barrier.wait()
            if k % 2:
                # these threads compute without recording while the others record:
                # their no_grad must not leak into the other threads, nor theirs in
                with tape.no_grad():
                    x = tape.tensor(np.linspace(0.5, 1.5, 50), requires_grad=True)
                    quiet = True
                    for _ in range(50):
                        quiet = quiet and not (tape.sin(x * x) + x).sum().requires_grad
                ok[k] = quiet and run(k)
            else:
                ok[k] = run(k)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert ok == [True] * THREADS


def test_backward_passes_sharing_a_leaf_accumulate_every_gradient():
    # as torch: concurrent backward passes into one leaf all add to its .grad
    w = np.linspace(0.0, 1.0, 200_000)
    x = tape.tensor(np.ones_like(w), requires_grad=True)
    wt = tape.tensor(w)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        barrier = threading.Barrier(THREADS)

        def worker():
            barrier.wait()
            for _ in range(20):
                (x * wt).sum().backward()

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    np.testing.assert_allclose(x.grad.numpy(), THREADS * 20 * w, rtol=1e-12)


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_in_a_thread_leaves_the_caller_alone(mode):
    def flip():
        tape.set_grad_enabled(not mode)
        return tape.is_grad_enabled()

    with tape.set_grad_enabled(mode):
        assert _in_thread(flip) is (not mode)
        assert tape.is_grad_enabled() is mode
