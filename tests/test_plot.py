"""F.plot draws the function and its derivatives (matplotlib, Agg backend)."""

import numpy as np
import pytest

import symdiff as sd

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_one_argument_function_and_two_derivatives():
    F = sd.symbolic("sin(x)")
    ax = F.plot(x=(-3, 3))
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(lines) == 3
    xs = lines[0].get_xdata()
    assert xs[0] == -3 and xs[-1] == 3
    np.testing.assert_allclose(lines[0].get_ydata(), np.sin(xs), atol=1e-15)
    np.testing.assert_allclose(lines[1].get_ydata(), np.cos(xs), atol=1e-15)
    np.testing.assert_allclose(lines[2].get_ydata(), -np.sin(xs), atol=1e-15)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "/dx = cos(x)" in labels[1] and "/dx2 = -sin(x)" in labels[2]
    assert ax.get_xlabel() == "x"


def test_free_parameter_with_others_fixed_and_given_axes():
    @sd.symbolic
    def f(t, k):
        return k * t**2

    fig, ax = plt.subplots()
    out = f.plot(t=(0, 2), k=3.0, ax=ax, orders=(1,))
    assert out is ax
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    np.testing.assert_allclose(line.get_ydata(), 6.0 * line.get_xdata())
    assert "k=3" in ax.get_title()


def test_constant_derivative_is_drawn_over_the_whole_range():
    ax = sd.symbolic("x**2").plot(orders=(2,))
    (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert np.all(line.get_ydata() == 2.0)


def test_x_range_goes_to_the_only_parameter():
    ax = sd.symbolic("exp(t)").plot(x=(0, 1), orders=(0,))
    assert ax.get_xlabel() == "t"


@pytest.mark.parametrize("kwargs, message", [
    ({"x": (-1, 1)}, "give a value for y"),
    ({"x": (-1, 1), "y": (0, 1)}, "exactly one parameter"),
    ({"x": (-1, 1), "z": 2.0}, "unknown variable 'z'"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sd.symbolic("x*y").plot(**kwargs)


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        sd.symbolic("x**2").plot()
