"""Notebook polish (issue 15, point 5): sd.check's report as a table, long LaTeX left
to the abbreviated repr, F.plot against one element of a shaped parameter."""

import math

import numpy as np
import pytest

import symdiff as sd


def loop8(x):
    y = x
    for _ in range(8):
        y = y * x + math.sin(y)
    return y


def quad(w, a):
    return a * w[0] ** 2 * w[1] + math.sin(w[2])


def test_check_report_renders_as_a_table():
    report = sd.check(lambda x, y: x**2 * math.sin(y), 0.5, 1.0)
    md = report._repr_markdown_()
    lines = md.splitlines()
    assert lines[0].startswith("**sd.check(f) at x=0.5, y=1**") and lines[1].endswith("OK")
    assert "| derivative | symbolic | tape | finite diff |" in md
    rows = [line for line in lines if line.startswith("| df/")]
    assert [r.split(" | ")[0] for r in rows] == ["| df/dx", "| df/dy"]
    assert rows[0].split(" | ")[1] == f"{math.sin(1.0):.10g}"
    html = report._repr_html_()
    assert html.count("<tr") == 1 + len(report.rows) and "<th>finite diff</th>" in html
    assert "color:#b00020" not in html                  # nothing failed


def test_failing_rows_are_marked_in_html():
    from dataclasses import replace
    report = sd.check(lambda x: x**3, 2.0)
    bad = replace(report.rows[1], status="FAIL", message="a | b disagree")
    report.rows[1] = bad
    html, md = report._repr_html_(), report._repr_markdown_()
    assert html.count("color:#b00020") == 1 and "FAILED" in html
    assert "a \\| b disagree" in md                 # a | inside a cell is escaped


def test_long_latex_is_left_to_the_abbreviated_repr():
    F = sd.symbolic(loop8)
    assert len(F.latex()) > 1200                     # all of it on request
    assert F._repr_latex_() is None                  # the notebook shows repr() instead
    assert len(repr(F)) < 200
    short = sd.symbolic(quad, shapes={"w": 3})
    assert short._repr_latex_() == ("$\\displaystyle quad(w, a) = a w_{0}^{2} w_{1} + "
                                     "\\sin{\\left(w_{2} \\right)}$")


def test_plot_against_one_element_of_a_shaped_parameter():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    G = sd.symbolic(quad, shapes={"w": 3})
    ax = G.plot(w=[(-2, 2), 0.5, 1.0], a=2.0)
    assert ax.get_title() == "quad(w, a) against w[0] at w[1]=0.5, w[2]=1"
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines[:3]] == ["quad", "dquad/dw[0]", "d2quad/dw[0]2"]
    x = lines[0].get_xdata()
    np.testing.assert_allclose(lines[0].get_ydata(), 2 * x**2 * 0.5 + math.sin(1.0), rtol=1e-14)
    np.testing.assert_allclose(lines[1].get_ydata(), 2 * 2 * x * 0.5, rtol=1e-14)
    np.testing.assert_allclose(lines[2].get_ydata(), 2.0, rtol=1e-14)
    with pytest.raises(ValueError, match="exactly one element of w"):
        G.plot(w=[(-2, 2), (0, 1), 1.0], a=2.0)
    with pytest.raises(ValueError, match="give its 3 elements"):
        G.plot(w=[(-2, 2), 1.0], a=2.0)
