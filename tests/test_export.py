"""``F.export(path)`` / ``sd.export([...], path)``: a standalone module that needs
only numpy and gives the same numbers. The written file is imported in a fresh
``python -I`` subprocess whose working directory is a temporary folder, so
the written file is what gets imported; symdiff and sympy are installed here, so
the subprocess blocks their import to prove the module does without them."""

import importlib.util
import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symdiff as sd


def branchy(x, y):
    z = x**2 * y
    if x > 0:
        z += math.sin(y)
    return z + math.exp(-x) + abs(x - y)


def bs_call(S, sigma, T):
    d1 = (math.log(S / 100.0) + (0.05 + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return (S * 0.5 * (1 + math.erf(d1 / math.sqrt(2.0)))
            - 100.0 * math.exp(-0.05 * T) * 0.5 * (1 + math.erf(d2 / math.sqrt(2.0))))


def lg(x):
    return math.lgamma(x) * x


X = [-1.5, -0.25, 0.0, 0.7, 2.0]
Y = [0.3, 1.0, 2.5]


def _run_isolated(tmp_path, module, calls):
    """Import ``module`` from ``tmp_path`` in ``python -I`` (symdiff, sympy, mpmath and
    scipy blocked: they are installed in this environment) and evaluate ``calls``.

    ``calls`` maps a key to ``(function name, args)``; args are nested lists.
    """
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np

        class Blocker:  # symdiff and sympy are installed here: make them unimportable
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("symdiff", "sympy", "mpmath", "scipy"):
                    raise ImportError(f"{{name}} is blocked in this test")

        sys.meta_path.insert(0, Blocker())
        sys.path.insert(0, ".")          # -I leaves the working directory off the path
        import {module} as m
        assert not any(k.split(".")[0] in ("symdiff", "sympy") for k in sys.modules)
        calls = json.loads(sys.argv[1])
        out = {{}}
        for key, (name, args) in calls.items():
            r = getattr(m, name)(*[np.asarray(a) if isinstance(a, list) else a for a in args])
            parts = r if isinstance(r, tuple) else (r,)
            out[key] = [[type(p).__name__, np.asarray(p).tolist()] for p in parts]
        print(json.dumps(out))
    """)
    proc = subprocess.run([sys.executable, "-I", "-c", script, json.dumps(calls)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


def _check(result, expected, rtol=0.0):
    parts = expected if isinstance(expected, tuple) else (expected,)
    assert len(result) == len(parts)
    for (tname, value), want in zip(result, parts):
        assert tname == type(want).__name__
        np.testing.assert_allclose(np.asarray(value, dtype=float), want, rtol=rtol, atol=0)


# With scipy installed, symdiff's runtime uses scipy.special's erf/gamma ufuncs; the
# isolated run blocks scipy and uses symdiff.special. Both are accurate to about an
# ulp, so results with special functions agree to rounding, not bit for bit.
SPECIAL_RTOL = 1e-15 if importlib.util.find_spec("scipy") else 0.0


def test_export_many_functions_runs_without_symdiff(tmp_path):
    F = sd.symbolic(branchy)
    x, y = np.array(X)[:, None], np.array(Y)
    funcs = [F, F.grad, F.hessian, F.diff("x", "y")]
    path = sd.export(funcs, tmp_path / "branchy_mod.py")
    assert path.exists()
    names = [F._compile().fn.__name__ for F in funcs]
    calls = {f"{n}-array": (n, [x.tolist(), y.tolist()]) for n in names}
    calls.update({f"{n}-scalar": (n, [0.7, 2.5]) for n in names})
    result = _run_isolated(tmp_path, "branchy_mod", calls)
    for n, G in zip(names, funcs):
        _check(result[f"{n}-array"], G(x, y))
        _check(result[f"{n}-scalar"], G(0.7, 2.5))


def test_method_export_with_special_functions(tmp_path):
    F = sd.symbolic(bs_call).grad
    F.export(tmp_path / "bs_greeks.py")
    S = np.linspace(60.0, 140.0, 9)
    result = _run_isolated(tmp_path, "bs_greeks", {
        "a": ("grad_bs_call", [S.tolist(), 0.2, 1.5]),
        "s": ("grad_bs_call", [101.0, 0.3, 0.5]),
    })
    _check(result["a"], F(S, 0.2, 1.5), SPECIAL_RTOL)
    _check(result["s"], F(101.0, 0.3, 0.5), SPECIAL_RTOL)


def test_polygamma_and_shaped_parameters(tmp_path):
    G = sd.symbolic(lg).diff("x", order=2)                  # polygamma(1, x)
    V = sd.symbolic(lambda v: v[0] * v[1] ** 2, shapes={"v": (2,)})
    path = tmp_path / "mixed.py"
    sd.export([G, V.grad, V.hessian], path)
    text = path.read_text()
    assert "import sympy" not in text and "symdiff" in text.splitlines()[0]
    v = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    gname, vg, vh = (f._compile().fn.__name__ for f in (G, V.grad, V.hessian))
    result = _run_isolated(tmp_path, "mixed", {
        "g": (gname, [[0.5, 1.5, 7.0]]), "vg": (vg, [v.tolist()]), "vh": (vh, [v.tolist()])})
    _check(result["g"], G(np.array([0.5, 1.5, 7.0])), SPECIAL_RTOL)
    _check(result["vg"], V.grad(v))
    _check(result["vh"], V.hessian(v))


def test_repeated_names_are_made_unique_and_other_backends_export_numpy(tmp_path):
    pytest.importorskip("numba")
    A = sd.symbolic("x*y")
    B = sd.symbolic("x + y", backend="numba")
    path = sd.export([A, B, A], tmp_path / "dup.py")
    text = path.read_text()
    assert "numba" not in text.split('"""', 2)[2]
    name = A._compile().fn.__name__
    assert B.source.split("(")[0] == f"def {name}"          # same name: made unique
    result = _run_isolated(tmp_path, "dup", {
        "a": (name, [2.0, 3.0]), "b": (f"{name}_2", [2.0, 3.0]), "c": (f"{name}_3", [2.0, 3.0])})
    assert [r[0][1] for r in result.values()] == [6.0, 5.0, 6.0]


def test_export_rejects_plain_functions(tmp_path):
    with pytest.raises(TypeError, match="sd.symbolic"):
        sd.export([branchy], tmp_path / "x.py")


def test_long_inputs_above_every_block_threshold(tmp_path):
    """Inputs longer than 2 blocks go through each function's block kernel (blocks are
    4096 to 65536 points, by the kernel's length): issue 10 item 8, where the
    exported module called a ``_kernel`` it never defined. Same-named functions keep
    their own kernels."""
    F = sd.symbolic(branchy)
    A, B = sd.symbolic("x*y"), sd.symbolic("x + y")
    vec = sd.symbolic(lambda x, y: np.array([x * y, np.sin(x) + y]))
    funcs = [F, F.grad, F.hessian, F.diff("x", "x", "y"), A, B, vec, vec.jacobian]
    blocks = {runtime_block(G) for G in funcs}
    n = 7 * 18726                           # above 2 * 65536, the largest block
    assert all(n > 2 * b for b in blocks)
    path = sd.export(funcs, tmp_path / "long_mod.py")
    names = [G._compile().fn.__name__ for G in funcs]
    names[5] = names[4] + "_2"                  # B has A's name: made unique
    script = textwrap.dedent(f"""
        import sys
        import numpy as np

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("symdiff", "sympy", "mpmath", "scipy"):
                    raise ImportError(f"{{name}} is blocked in this test")

        sys.meta_path.insert(0, Blocker())
        sys.path.insert(0, ".")
        import long_mod as m
        x = np.linspace(-2.0, 2.0, {n})
        y = np.linspace(0.5, 3.0, {n}).reshape({n // 7}, 7)
        for k, name in enumerate({names!r}):
            for form, args in (("flat", (x, 1.25)), ("grid", (x.reshape({n // 7}, 7), y))):
                r = getattr(m, name)(*args)
                r = np.stack(r) if isinstance(r, tuple) else r
                np.save(f"out_{{k}}_{{form}}.npy", r)
    """)
    proc = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr + proc.stdout
    x = np.linspace(-2.0, 2.0, n)
    y = np.linspace(0.5, 3.0, n).reshape(n // 7, 7)
    for k, G in enumerate(funcs):
        for form, args in (("flat", (x, 1.25)), ("grid", (x.reshape(n // 7, 7), y))):
            want = G(*args)
            want = np.stack(want) if isinstance(want, tuple) else want
            got = np.load(tmp_path / f"out_{k}_{form}.npy")
            assert got.shape == want.shape, (k, form)
            np.testing.assert_array_equal(got, want, err_msg=f"{names[k]} {form}")


def runtime_block(G) -> int:
    """The block length the compiled G uses (its runtime plan's)."""
    fn = G._compile().fn
    block = fn.__globals__[f"_arrays_{fn.__name__}"].plan.block
    assert block > 0, G.source[:500]
    return block
