"""The derivative corpora at the points that matter (issue 10, item 13).

Every function of the formula corpus (``tests/functions.py``) and the real-world
corpus (``tests/corpus_real.py``) with scalar parameters is evaluated where the
regular corpus tests do not look: 0, 1 and -1 in every coordinate of its first
point, all-zeros, all-ones and all-minus-ones, and the documented minimiser of each optimisation
test function. The outside oracle is torch (float64) running the same source
(``torch_oracle``): where torch's gradient or Hessian entry is finite, symdiff's
must be finite too (nan or inf there is a failure) and equal to it, except at kinks
and ties, where the two follow different conventions (listed below with the reason).
"""

import math

import numpy as np
import pytest

import symdiff as sd

torch_oracle = pytest.importorskip("torch_oracle")

from corpus_real import REAL  # noqa: E402
from functions import FUNCTIONS  # noqa: E402

# documented global minimisers of the optimisation test functions
MINIMISERS = {
    "rosenbrock": (1.0, 1.0), "himmelblau": (3.0, 2.0), "beale": (3.0, 0.5),
    "booth": (1.0, 3.0), "rastrigin": (0.0, 0.0), "ackley": (0.0, 0.0),
    "matyas": (0.0, 0.0), "three_hump_camel": (0.0, 0.0), "goldstein_price": (0.0, -1.0),
    "styblinski_tang": (-2.903534, -2.903534), "mccormick": (-0.54719, -1.54719),
    "easom": (math.pi, math.pi),
}

# Where torch and symdiff legitimately differ at a kink or a tie (both finite):
# Python's max()/min() on torch tensors returns one argument, so torch sends the
# whole gradient to it; symdiff splits ties evenly (as torch.amax does).
# Python's abs() and a branch on x > 0 agree with symdiff at 0; the ties do not.
KINK_CONVENTIONS = {"builtins_min_max_sum", "bce_with_logits"}


def _scalar_functions():
    for fn in FUNCTIONS + REAL:
        if not fn.shapes:
            yield fn


def _special_points(fn):
    n = len(fn.points[0])
    pts = {tuple([0.0] * n), tuple([1.0] * n), tuple([-1.0] * n)}
    if fn.__name__ in MINIMISERS:
        pts.add(MINIMISERS[fn.__name__])
    p = fn.points[0]
    for i in range(n):
        for v in (0.0, 1.0, -1.0):
            pts.add(tuple(v if j == i else float(p[j]) for j in range(n)))
    return sorted(pts)


def _defined(fn, point) -> bool:
    try:
        with np.errstate(all="ignore"):
            v = fn(*point)
    except (ArithmeticError, ValueError):
        return False
    return bool(np.all(np.isfinite(np.asarray(v, dtype=float))))


FNS = list(_scalar_functions())


@pytest.mark.parametrize("fn", FNS, ids=lambda f: f.__name__)
def test_gradient_and_hessian_at_special_points(fn):
    F = sd.symbolic(fn)
    if F.jacobian is not None and np.ndim(F(*fn.points[0])) != 0:
        pytest.skip("vector-valued: the torch twin compares scalar functions")
    checked = 0
    for point in _special_points(fn):
        if not _defined(fn, point):
            continue
        n = len(point)                  # parameters with defaults are not varied
        try:
            want_g = [torch_oracle.partial(fn, point, (i,)) for i in range(n)]
            want_h = [[torch_oracle.partial(fn, point, (i, j)) for j in range(n)]
                      for i in range(n)]
        except (torch_oracle.NoCounterpart, RuntimeError, TypeError) as exc:
            # torch cannot run this code (floor division has no derivative there,
            # a helper of another module calls numpy on the tensor, ...)
            pytest.skip(f"no torch twin: {exc}")
        with np.errstate(all="ignore"):
            grad = F.grad(*point)
            hess = np.asarray(F.hessian(*point))
        # rounding: an entry that cancels to 0 is exact only up to the size of the
        # terms it sums, measured by the largest entry of the same order
        scale_g = max([abs(w) for w in want_g if math.isfinite(w)] + [1.0])
        scale_h = max([abs(w) for row in want_h for w in row if math.isfinite(w)] + [1.0])
        for i in range(n):
            cases = [((i,), want_g[i], grad[i], scale_g)] + \
                [((i, j), want_h[i][j], hess[i, j], scale_h) for j in range(n)]
            for index, want, got, scale in cases:
                if not math.isfinite(want):
                    continue
                checked += 1
                where = f"{fn.__name__} d{index} at {point}: torch {want}, symdiff {got}"
                assert math.isfinite(got), where
                if fn.__name__ not in KINK_CONVENTIONS:
                    assert got == pytest.approx(want, rel=1e-7, abs=1e-9 * scale), where
    assert checked > 0
