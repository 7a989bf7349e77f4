"""Static parameters (API 5.2): ``static=``, ``int``/``bool`` annotations, integer
defaults, ``functools.partial``; one reading per distinct value, in a bounded cache;
never differentiated. Oracle: torch (float64) running the same plain functions."""

import functools
import inspect

import numpy as np
import pytest

import symdiff as sd
from symdiff import static as static_mod

try:
    from tests import _tangent_static as tangent
except ImportError:
    import _tangent_static as tangent

torch = pytest.importorskip("torch")


def torch_grad(fn, args, static):
    """Gradient of fn by torch autograd with respect to every non-static argument."""
    names = list(inspect.signature(fn).parameters)
    ts = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True)
          for n, v in zip(names, args) if n not in static}
    out = fn(*[ts.get(n, v) for n, v in zip(names, args)])
    grads = torch.autograd.grad(out, list(ts.values()), allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


@pytest.mark.parametrize("fn,name,values", tangent.STATIC, ids=lambda v: getattr(v, "__name__", ""))
def test_tangent_functions_with_static_argument(fn, name, values):
    F = sd.symbolic(fn, static=(name,))
    assert name not in F.params and F.static == (name,)
    for v in values:
        for a in (0.5, -1.25, 1.0):
            args = [a, 2.0, -3.0, v] if fn is tangent.passthru_pack else [a, v]
            ref_value, ref_grad = torch_grad(fn, args, {name})
            assert F(*args) == pytest.approx(ref_value, rel=1e-14, abs=1e-300)
            np.testing.assert_allclose(F.grad(*args), ref_grad, rtol=1e-13, atol=1e-300)
            # the functional form with one name gives the bare partial
            assert sd.grad(F, wrt=F.params[0])(*args) == pytest.approx(ref_grad[0], rel=1e-13)


@pytest.mark.parametrize("fn,name,values", tangent.STATIC, ids=lambda v: getattr(v, "__name__", ""))
def test_tangent_functions_through_partial(fn, name, values):
    v = values[-1]
    F = sd.symbolic(functools.partial(fn, **{name: v}))
    assert isinstance(F, sd.SymbolicFunction) and name not in F.params
    args = [0.75, 2.0, -3.0] if fn is tangent.passthru_pack else [0.75]
    ref_value, ref_grad = torch_grad(functools.partial(fn, **{name: v}), args, set())
    assert F(*args) == pytest.approx(ref_value, rel=1e-14)
    np.testing.assert_allclose(F.grad(*args), ref_grad, rtol=1e-13)


def test_int_and_bool_annotations_are_static():
    def f(x, n: int, flip: bool):
        for _ in range(n):
            x = x * x
        return -x if flip else x
    F = sd.symbolic(f)
    assert F.params == ("x",) and F.static == ("n", "flip")
    assert F(1.5, 2, True) == -1.5**4 and F(1.5, 2, False) == 1.5**4
    assert F.diff("x")(1.5, n=2, flip=True) == pytest.approx(-4 * 1.5**3)


def test_integer_default_is_static_only_when_needed():
    def loop(x, n=3, a=1):
        for _ in range(n):
            x = x * a
        return x
    F = sd.symbolic(loop)
    assert F.params == ("x", "a") and F.static == ("n",)   # a stays a variable
    assert F(2.0) == 2.0 and F(2.0, 2, 5.0) == 50.0
    assert F.grad(2.0, 2, 5.0) == pytest.approx((25.0, 20.0))
    # an integer default the function can be read with stays a parameter
    G = sd.symbolic(lambda x, a=1: x * a)
    assert isinstance(G, sd.SymbolicFunction) and G.params == ("x", "a")


def test_decorator_form_and_specialize():
    @sd.symbolic(static="n")
    def power(a, n):
        for _ in range(n):
            a = a * a
        return a
    assert power.params == ("a",)
    P3 = power.specialize(n=3)
    assert isinstance(P3, sd.SymbolicFunction) and str(P3) == "power(a) = a**8"
    assert power.specialize(n=3) is P3                           # cached
    assert P3.diff("a")(1.5) == power.diff("a")(1.5, 3) == pytest.approx(8 * 1.5**7)
    assert power.hessian(1.5, 1)[0, 0] == pytest.approx(2.0)
    assert sd.hessian(power, wrt="a")(1.5, 1) == pytest.approx(2.0)


def test_one_reading_per_distinct_value_bounded(monkeypatch):
    reads = []
    F = sd.symbolic(tangent.iterpower, static=("n",))
    original = F._read
    monkeypatch.setattr(F, "_read", lambda values: reads.append(dict(values)) or original(values))
    for _ in range(3):
        for n in (1, 2, 1, 2):
            F(1.1, n)
            F.grad(1.1, n)
    assert reads == [{"n": 1}, {"n": 2}]
    # 1, 1.0 and True are different static values, as they read differently
    F(1.1, True)
    assert len(reads) == 3
    F(1.1, 1)                              # most recently used now: 2, True, 1
    monkeypatch.setattr(static_mod, "CACHE_SIZE", 2)
    F(1.1, 5)                              # evicts the least recently used (2, True)
    F(1.1, 1)
    assert len(reads) == 4 and len(F._cache) == 2
    F(1.1, 2)
    assert len(reads) == 5 and len(F._cache) == 2


def test_static_errors_say_what_to_do():
    F = sd.symbolic(tangent.iterpower, static=("n",))
    with pytest.raises(ValueError, match=r"'n' is a static parameter of iterpower.*\(a\)"):
        F.diff("n")
    with pytest.raises(ValueError, match="static parameter"):
        sd.grad(F, wrt=("a", "n"))
    with pytest.raises(AttributeError, match=r"specialize\(n=\.\.\.\)\.expr"):
        F.expr
    with pytest.raises(TypeError, match="must be hashable"):
        F(1.0, [1, 2])
    with pytest.raises(TypeError, match=r"iterpower\(a, n\).*'n'"):
        F(1.0)
    with pytest.raises(ValueError, match="names no parameter"):
        sd.symbolic(tangent.iterpower, static=("m",))
    with pytest.raises(TypeError, match="static= takes parameter names"):
        sd.symbolic(tangent.iterpower, static=(1,))


def test_unreadable_bound_hint_names_the_parameter_and_the_forms():
    def window(x, k):
        return (x, 2 * x, 3 * x)[k]
    with pytest.raises(sd.SymdiffSyntaxError) as info:
        sd.symbolic(window)
    msg = str(info.value)
    for form in ("static=('k',)", "`k: int`", "`k=3`", "functools.partial(fn, k=3)"):
        assert form in msg


def test_static_with_shapes_and_calls_from_other_functions():
    def head_sum(x, k):
        total = 0.0
        for i in range(k):
            total += x[i] ** 2
        return total
    F = sd.symbolic(head_sum, shapes={"x": 4}, static="k")
    x = np.array([1.0, -2.0, 3.0, 0.5])
    np.testing.assert_array_equal(sd.grad(F, wrt="x")(x, 2), [2.0, -4.0, 0.0, 0.0])

    def outer(y):
        return F(np.array([y, y, y, y]), 3) + tangent.iterpower(y, 2)
    G = sd.symbolic(outer)
    assert G(1.5) == pytest.approx(3 * 1.5**2 + 1.5**4)
    assert G.diff("y")(1.5) == pytest.approx(6 * 1.5 + 4 * 1.5**3)
    # a partial called inside a function: its bound arguments come first, as in Python
    sq = functools.partial(tangent.iterpower, n=1)
    H = sd.symbolic(lambda y: sq(y) + 1.0)
    assert H.diff("y")(2.0) == pytest.approx(4.0)


def test_check_of_a_function_with_static_parameters():
    F = sd.symbolic(tangent.iterpower, static=("n",))
    report = sd.check(F, 1.5, 2, order=2)
    assert report.ok and [r.name for r in report.rows] == ["iterpower", "diterpower/da",
                                                           "d2iterpower/da2"]
    assert report["diterpower/da"].symbolic == pytest.approx(4 * 1.5**3)

    def power(a, n: int):                # a plain function: its int parameter is static
        for _ in range(n):
            a = a * a
        return a
    assert sd.check(power, 0.7, 3).ok
