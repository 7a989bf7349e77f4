"""``F.plot``: draw a function of one variable and its derivatives (matplotlib).

Beside the pipeline, for learners: the compiled function and its compiled
derivatives, evaluated on a grid. matplotlib is the optional ``plot`` extra
(``pip install -e ".[plot]"``) and is imported only when a plot is drawn.

>>> import symdiff as sd
>>> ax = sd.symbolic("sin(x)").plot(x=(-3, 3))          # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("F.plot needs matplotlib: pip install matplotlib "
                          "(or the plot extra: pip install -e \".[plot]\")") from None
    return plt


def plot(F, ax=None, orders=(0, 1, 2), points=400, **ranges):
    """Plot ``F`` and its derivatives of the given ``orders`` against one parameter.

    ``ranges`` names the free parameter with a ``(lo, hi)`` pair and fixes every
    other parameter with a number: ``F.plot(x=(-3, 3), y=1.0)``. With one
    parameter and no range, ``(-3, 3)`` is used. Returns the matplotlib Axes.
    """
    if len(F.params) == 1 and list(ranges) == ["x"] and F.params[0] != "x":
        ranges = {F.params[0]: ranges["x"]}      # F.plot(x=(a, b)) for a function of t, say
    free = [name for name, v in ranges.items() if isinstance(v, (tuple, list))]
    unknown = [name for name in ranges if name not in F.params]
    if unknown:
        raise ValueError(f"unknown variable {unknown[0]!r}: {F.name} has parameters "
                         f"({', '.join(F.params)})")
    if not free and len(F.params) == 1:
        free, ranges = [F.params[0]], {**ranges, F.params[0]: (-3.0, 3.0)}
    if len(free) != 1:
        raise ValueError(f"plot needs exactly one parameter with a range, e.g. "
                         f"{F.params[0]}=(-3, 3); got {len(free)}")
    var = free[0]
    missing = [p for p in F.params if p != var and p not in ranges
               and F.__signature__.parameters[p].default is F.__signature__.empty]
    if missing:
        raise ValueError(f"give a value for {', '.join(missing)} (e.g. {missing[0]}=1.0): "
                         f"plot draws {F.name} against {var} alone")
    lo, hi = ranges[var]
    grid = np.linspace(float(lo), float(hi), int(points))
    fixed = {p: v for p, v in ranges.items() if p != var}

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    fixed_text = ", ".join(f"{p}={v:g}" for p, v in fixed.items())
    for k in orders:
        G = F if k == 0 else F.diff(var, order=int(k))
        values = np.broadcast_to(np.asarray(G(**{var: grid}, **fixed), dtype=float), grid.shape)
        ax.plot(grid, values, label=G.name if k == 0 else f"{G.name} = {_short(G)}")
    ax.axhline(0.0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel(var)
    ax.set_title(f"{F.name}({', '.join(F.params)})" + (f" at {fixed_text}" if fixed_text else ""))
    ax.legend()
    return ax


def _short(G, limit=40) -> str:
    text = str(G.expr)
    return text if len(text) <= limit else text[:limit - 3] + "..."
