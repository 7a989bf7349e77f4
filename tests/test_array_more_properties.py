"""Property test for the index-permuting and running operations read at the array level
(sort, diff, pad, split, cumsum, cumprod, nan-reductions) on random shapes and axes:
the value equals numpy's and the gradient equals central differences."""

from __future__ import annotations

import tempfile
import pathlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiff as sd

from conftest import load_module

_DIR = pathlib.Path(tempfile.mkdtemp(prefix="sd_more_props_"))

OPS = [
    "np.sort(x, axis={axis})",
    "np.diff(x, n={n}, axis={axis})",
    "np.pad(x, {width}, mode='{mode}')",
    "np.cumsum(x, axis={axis})",
    "np.cumprod(x, axis={axis})",
    "np.array_split(x, 2, axis={axis})[0]",
    "np.nansum(x, axis={axis}, keepdims=True)",
    "np.flip(np.sort(x, axis=None))",
]


@st.composite
def programs(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    op = draw(st.sampled_from(OPS))
    axis = draw(st.integers(-ndim, ndim - 1))
    n = draw(st.integers(0, 2))
    if "diff" in op and shape[axis] <= n:
        n = 0
    mode = draw(st.sampled_from(["constant", "edge", "wrap", "reflect", "symmetric"]))
    if mode == "reflect" and min(shape) < 2:
        mode = "symmetric"
    width = draw(st.integers(0, 2))
    text = op.format(axis=axis, n=n, mode=mode, width=width)
    outer = draw(st.sampled_from(["np.sum(({}) ** 2)", "np.sum(np.sin({}) * ({}))",
                                  "np.sum(np.exp(0.3 * ({})))"]))
    body = outer.replace("{}", text)
    seed = draw(st.integers(0, 2 ** 31 - 1))
    return shape, body, seed


_names = iter(range(10 ** 9))


@settings(max_examples=40, deadline=None)
@given(programs())
def test_value_and_gradient_against_numpy(program):
    shape, body, seed = program
    mod = load_module(_DIR, f"import numpy as np\n\ndef f(x):\n    return {body}\n",
                      name=f"_sd_more_props_{next(_names)}")
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, shape)
    F = sd.symbolic(mod.f, shapes={"x": shape})
    assert np.isclose(F(x), mod.f(x), rtol=1e-12, atol=1e-12), body
    g = sd.grad(F, wrt="x")(x)
    h = 1e-6
    num = np.zeros(shape)
    for idx in np.ndindex(*shape):
        e = np.zeros(shape)
        e[idx] = h
        num[idx] = (mod.f(x + e) - mod.f(x - e)) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7, err_msg=body)
