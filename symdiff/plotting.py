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
    element = _element_range(F, ranges)
    if element is not None:
        return _plot_element(F, ax, orders, points, ranges, *element)
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


def _element_range(F, ranges):
    """``(param, index, (lo, hi))`` when a shaped parameter is given as its elements
    with exactly one range among them, ``w=[(-2, 2), 0.5, 1.0]``: the plot is against
    that element, the others fixed; else None."""
    for name, value in ranges.items():
        shape = F.shapes.get(name) if name in F.params else None
        if not shape or not isinstance(value, (list, tuple, np.ndarray)):
            continue
        cells = np.empty(len(value), dtype=object)
        cells[:] = list(value)
        if cells.size != int(np.prod(shape)):
            raise ValueError(f"{name} has shape {tuple(shape)}: give its {int(np.prod(shape))} "
                             f"elements, one of them a range, e.g. {name}=[(-2, 2), 0.5, 1.0]")
        free = [i for i, c in enumerate(cells) if isinstance(c, tuple)]
        if len(free) != 1:
            raise ValueError(f"give exactly one element of {name} as a range (lo, hi), the "
                             f"others as numbers, e.g. {name}=[(-2, 2), 0.5, 1.0]")
        index = tuple(int(i) for i in np.unravel_index(free[0], shape))
        return name, index, cells[free[0]]
    return None


def _plot_element(F, ax, orders, points, ranges, name, index, bounds):
    """F and its derivatives against one element of a shaped parameter."""
    shape = tuple(F.shapes[name])
    lo, hi = bounds
    grid = np.linspace(float(lo), float(hi), int(points))
    cells = list(ranges[name])
    flat_index = int(np.ravel_multi_index(index, shape))
    arg = np.empty((len(cells), grid.size))
    for i, c in enumerate(cells):
        arg[i] = grid if i == flat_index else float(c)
    arg = arg.reshape(shape + grid.shape)          # trailing axis: the batch of points
    others = {p: v for p, v in ranges.items() if p != name}
    var = f"{name}[{','.join(map(str, index))}]"
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    for k in orders:
        G = F if k == 0 else F.diff(var, order=int(k))
        values = np.broadcast_to(np.asarray(G(**{name: arg}, **others), dtype=float), grid.shape)
        ax.plot(grid, values, label=G.name)
    ax.axhline(0.0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel(var)
    fixed = ", ".join(f"{name}[{','.join(map(str, np.unravel_index(i, shape)))}]={float(c):g}"
                      for i, c in enumerate(cells) if i != flat_index)
    ax.set_title(f"{F.name}({', '.join(F.params)}) against {var}" + (f" at {fixed}" if fixed else ""))
    ax.legend()
    return ax


def _short(G, limit=40) -> str:
    text = str(G.expr)
    return text if len(text) <= limit else text[:limit - 3] + "..."
