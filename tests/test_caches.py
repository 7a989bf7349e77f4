"""Caches and registries stay bounded: making and dropping functions leaves nothing behind.

Counts, not timings or bytes: after N functions are created, differentiated,
called and dropped, symdiff's own registries (linecache entries of generated
code, live SymbolicFunctions and graphs) are back where they started, whatever
N is. ``benchmarks/memory.py`` measures the bytes.
"""

import gc
import linecache
import traceback

import symdiff as sd
from symdiff import graph, naming, runtime, special
from symdiff.function import SymbolicFunction

PREFIX = naming.GENERATED_FILE.split("{")[0]


def _generated() -> int:
    return sum(1 for k in list(linecache.cache) if k.startswith(PREFIX))


def _alive(cls) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is cls)     # type(): no __class__ lookups


def _collect():
    gc.collect()
    runtime.forget_collected()     # entries are dropped outside the collector


def _counts():
    _collect()
    return _generated(), _alive(SymbolicFunction), _alive(graph.Graph)


def _make_and_drop(start, n):
    for k in range(start, start + n):
        F = sd.symbolic(f"x**{k % 4 + 2}*sin({k + 1}*y) + exp(-x*y/{k + 2})")
        F(0.5, 0.25)
        F.grad(0.5, 0.25)
        F.diff("x", "y").source
        F.hessian(0.5, [0.25, 0.5])


def test_registries_do_not_grow_with_the_number_of_functions():
    _make_and_drop(0, 5)                # warm-up: imports, sympy's caches, runtime
    before = _counts()
    _make_and_drop(100, 10)
    after_10 = _counts()
    _make_and_drop(200, 40)
    after_50 = _counts()
    assert after_10 == before
    assert after_50 == before


def test_generated_lines_live_as_long_as_the_function():
    F = sd.symbolic("x*sin(y) + log(x)")
    G = F.grad
    G(1.0, 2.0)
    filename = G._compile().filename
    assert "".join(linecache.getlines(filename)) == G.source
    del F, G
    _collect()
    assert filename not in linecache.cache


def test_a_kept_traceback_still_shows_generated_lines():
    F = sd.symbolic("x*sin(y) + log(x)")
    source, filename = F.source, F._compile().filename
    fn = F._compile().fn
    try:
        # the kernel F.source shows, called on an object its arithmetic rejects
        fn.__globals__[f"_kernel_{fn.__name__}"](object(), 1.0)
    except Exception as e:      # noqa: BLE001
        error = e
    del F, fn
    gc.collect()
    # the traceback holds the frame, its globals and so the function: lines stay
    text = "".join(traceback.format_exception(error))
    shown = [ln.strip() for ln in source.splitlines() if ln.strip() and ln.strip() in text]
    assert any("x" in ln for ln in shown), text
    del error
    _collect()
    assert filename not in linecache.cache


def test_collecting_a_function_while_linecache_checks_its_cache(tmp_path, monkeypatch):
    # linecache.checkcache lists the cache's names, then looks each up: a function
    # collected in between (here: during its os.stat of a real file) once removed its
    # entry from a finalizer, and checkcache raised KeyError (a flaky doctest)
    path = tmp_path / "mod.py"
    path.write_text("x = 1\n")
    linecache.cache[str(path)] = (6, path.stat().st_mtime, ["x = 1\n"], str(path))
    held = [sd.symbolic("x*sin(y)").grad]
    held[0](1.0, 2.0)
    filename = held[0]._compile().filename
    real_stat = linecache.os.stat

    def stat_dropping_the_function(p, *a, **k):
        held.clear()
        gc.collect()
        return real_stat(p, *a, **k)

    monkeypatch.setattr(linecache.os, "stat", stat_dropping_the_function)
    linecache.checkcache()
    monkeypatch.undo()
    linecache.cache.pop(str(path), None)
    _collect()
    assert filename not in linecache.cache


def test_special_function_caches_are_bounded():
    for fn in (special._bernoulli, special._asym_coeffs, special._cot_deriv_poly):
        assert fn.cache_info().maxsize is not None, fn.__name__
    for n in range(special._ORDER_CACHE + 10):
        special._cot_deriv_poly(n)
    assert special._cot_deriv_poly.cache_info().currsize <= special._ORDER_CACHE
