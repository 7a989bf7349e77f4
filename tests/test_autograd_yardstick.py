"""Issue 12's coverage yardstick: HIPS autograd's own systematic tests, read at the array level.

Every real-valued case that autograd's ``tests/test_systematic.py``, ``tests/test_numpy.py``
and ``tests/test_linalg.py`` differentiate (autograd 1.9, with their shapes, axes and keyword
forms; ``combo_check``'s products expanded) is one row here: the numpy call written as a
user writes it, weighted by a fixed random array ``W`` (a module constant) so the function is
scalar and every entry of the Jacobian counts::

    def f(x):
        out = np.cumsum(x, axis=1)
        return np.sum(out * W)

Each row is read with ``sd.symbolic(f, shapes=...)`` and its gradient compared with
``autograd.grad`` of the very same source (run on ``autograd.numpy``) to 1e-8 relative,
and with central finite differences of the plain numpy function; then, as autograd's
``check_grads`` goes to second order, the Hessian-vector product ``sd.hvp`` with
autograd's gradient of ``<grad f, v>``, to 1e-8 relative. Inputs are drawn from
the domains autograd's tests use (positive for log and sqrt, SPD matrices for cholesky).

Outcomes, counted by ``coverage()`` (``python tests/test_autograd_yardstick.py`` prints
the table):

* ``array``: read, differentiated and compiled at the array level (``ArrayFunction``);
* ``fallback``: read element by element (allowed only for the rows in ``FALLBACK``);
* ``refused``: symdiff raises, naming the function (and the argument): allowed only for
  the rows matched by ``REFUSED``, whose reason says why;
* ``wrong``: a gradient that disagrees: never allowed.

Not transcribed: complex inputs, autograd-only functions (``np.make_diagonal``,
``np.linalg._dot``), tests of autograd's own machinery (boxes, vspaces, dtypes).
"""

from __future__ import annotations

import functools
import itertools
import linecache
import operator
import re
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

import symdiff as sd
from symdiff.arrays import ArrayFunction
from symdiff.errors import SymdiffError, SymdiffSyntaxError

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning"),
    pytest.mark.filterwarnings("ignore:.* is slow for array inputs:UserWarning"),
    pytest.mark.filterwarnings("ignore:`row_stack` alias is deprecated:DeprecationWarning"),
]

RTOL_AUTOGRAD = 1e-8
RTOL_FD = 1e-5


# -- rows ------------------------------------------------------------------------------------
@dataclass
class Row:
    """One differentiated case: ``out = <expr>`` after ``pre``; ``params`` are the
    differentiated arguments (name -> value), ``consts`` the module constants."""

    test: str                   # autograd's test function
    expr: str
    params: dict
    consts: dict = field(default_factory=dict)
    pre: tuple = ()

    @property
    def id(self) -> str:
        shapes = " ".join(f"{k}{_shape_text(v)}" for k, v in self.params.items())
        pre = "; ".join(self.pre)
        return f"{self.test}: {pre + '; ' if pre else ''}{self.expr} | {shapes}"


def _shape_text(v) -> str:
    s = np.shape(v)
    return "()" if not s else "(" + ",".join(map(str, s)) + ")"


ROWS: list[Row] = []
_SEEN: set = set()
_RNG = np.random.default_rng(20261202)


def add(test, expr, params, consts=None, pre=()):
    row = Row(test, expr, {k: _float(v) for k, v in params.items()}, dict(consts or {}),
              tuple(pre))
    if row.id not in _SEEN:
        _SEEN.add(row.id)
        ROWS.append(row)


def _float(v):
    return np.asarray(v, dtype=float) if np.ndim(v) else float(v)


def R(*shape):
    return _RNG.standard_normal(shape) if shape else float(_RNG.standard_normal())


def U(lims, *shape):
    """autograd's ``transform(lims, npr.rand(*shape))``: uniform on ``lims``."""
    lo, hi = lims
    return lo + (hi - lo) * (_RNG.random(shape) if shape else float(_RNG.random()))


def rand_psd(d):
    m = R(d, d)
    return m @ m.T


def _lit(v) -> str:
    return repr(v)


def combos(test, fn, arglists, argnums, **kwlists):
    """autograd's ``combo_check(fn, argnums)(*arglists, **kwlists)``: every combination.
    An argument in ``argnums`` is a parameter (a tuple or list of arrays: one parameter
    per entry); other arrays are module constants; anything else is written literally.
    ``fn`` is a function's name, or a template such as ``"{0} * {1}"``."""
    keys = list(kwlists)
    for args in itertools.product(*arglists):
        for kws in itertools.product(*(kwlists[k] for k in keys)):
            params, consts, texts = {}, {}, []
            for i, a in enumerate(args):
                letter = "xyzuvpqrst"[i]
                if i in argnums and isinstance(a, (tuple, list)) and not isinstance(a[0], int):
                    names = [f"{letter}{j}" for j in range(len(a))]
                    params.update(zip(names, a))
                    inner = ", ".join(names) + ("," if len(a) == 1 and isinstance(a, tuple) else "")
                    texts.append(f"({inner})" if isinstance(a, tuple) else f"[{inner}]")
                elif i in argnums:
                    params[letter] = a
                    texts.append(letter)
                elif isinstance(a, np.ndarray):
                    consts[letter.upper()] = a
                    texts.append(letter.upper())
                else:
                    texts.append(_lit(a))
            texts += [f"{k}={_lit(v)}" for k, v in zip(keys, kws)]
            expr = fn.format(*texts) if "{" in fn else f"{fn}({', '.join(texts)})"
            add(test, expr, params, consts)


# -- tests/test_systematic.py ------------------------------------------------------------------
def stat_check(name):
    """numpy_utils.stat_check, real part."""
    fn = f"np.{name}"
    x, A, B, C, D = 3.5, R(), R(3), R(2, 3), R(1, 3)
    combos(f"test_{name}", fn, [[x, A]], (0,))
    combos(f"test_{name}", fn, [[B, C, D]], (0,), axis=[None, 0], keepdims=[True, False])
    combos(f"test_{name}", fn, [[C, D]], (0,), axis=[None, 0, 1], keepdims=[True, False])


for _name in ("max", "mean", "min", "sum", "prod", "var", "std"):
    stat_check(_name)


def unary_ufunc_check(test, fn, lims=(-2.0, 2.0)):
    combos(test, fn, [[U(lims), U(lims, 2), U(lims, 3, 2), U(lims, 1, 2)]], (0,))


UNARY = {
    "sin": None, "abs": (0.1, 4.0), "absolute": (0.1, 4.0), "arccosh": (1.1, 4.0),
    "arcsinh": (-0.9, 0.9), "arctanh": (-0.9, 0.9), "ceil": (-1.5, 1.5), "cos": None,
    "cosh": None, "deg2rad": None, "exp": None, "exp2": None, "expm1": None,
    "fabs": None, "floor": (-1.5, 1.5), "log": (0.2, 2.0), "log10": (0.2, 2.0),
    "log1p": (0.2, 2.0), "log2": (0.2, 2.0), "radians": None, "sign": None, "sinh": None,
    "sqrt": (1.0, 3.0), "square": None, "tan": (-1.1, 1.1), "tanh": None, "real": None,
    "real_if_close": None, "imag": None, "conj": None, "conjugate": None, "angle": None,
}
for _name, _lims in UNARY.items():
    unary_ufunc_check(f"test_{_name}", f"np.{_name}", _lims or (-2.0, 2.0))
unary_ufunc_check("test_degrees", "np.degrees({0}) / 50.0")
unary_ufunc_check("test_rad2deg", "np.rad2deg({0}) / 50.0")


def binary_ufunc_check(test, fn, lims_A=(-2.0, 2.0), lims_B=(-2.0, 2.0), same=True):
    """numpy_utils.binary_ufunc_check (and ..._no_same_args), real part."""
    A = [U(lims_A), U(lims_A, 2), U(lims_A, 3, 2), U(lims_A, 1, 2)]
    B = [U(lims_B), U(lims_B, 2), U(lims_B, 3, 2), U(lims_B, 1, 2)]
    combos(test, fn, [A, B], (0, 1))


binary_ufunc_check("test_add", "np.add")
binary_ufunc_check("test_logaddexp", "np.logaddexp")
binary_ufunc_check("test_logaddexp2", "np.logaddexp2")
binary_ufunc_check("test_remainder", "np.remainder", (-0.9, 0.9), (0.7, 1.9), same=False)
binary_ufunc_check("test_true_divide", "np.true_divide", lims_B=(0.8, 1.2))
binary_ufunc_check("test_mod", "np.mod", lims_B=(0.8, 2.1), same=False)
binary_ufunc_check("test_true_divide_neg", "np.true_divide", lims_B=(-0.3, -2.0))
binary_ufunc_check("test_mod_neg", "np.mod", lims_B=(-0.3, -2.0), same=False)
binary_ufunc_check("test_op_mul", "{0} * {1}")
binary_ufunc_check("test_op_add", "{0} + {1}")
binary_ufunc_check("test_op_sub", "{0} - {1}")
binary_ufunc_check("test_op_mod", "{0} % {1}", lims_B=(0.3, 2.0), same=False)
binary_ufunc_check("test_op_mod_neg", "{0} % {1}", lims_B=(-0.3, -2.0), same=False)

combos("test_transpose", "np.transpose", [[R(2, 3, 4)]], (0,),
       axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 0, 2], [1, 2, 0]])
combos("test_moveaxis", "np.moveaxis", [[R(2, 3, 4)]], (0,), source=[0, 1, 2],
       destination=[0, 1, 2])
combos("test_repeat", "np.repeat", [[R(2, 3, 4), R(3, 1)]], (0,), repeats=[0, 1, 2],
       axis=[None, 0, 1])
combos("test_diff", "np.diff", [[R(5, 5), R(5, 5, 5)]], (0,), n=[1, 2], axis=[0, 1])
combos("test_diff", "np.diff", [[R(1), R(1, 1)]], (0,), axis=[0])
combos("test_diff", "np.diff", [[R(1, 1), R(3, 1)]], (0,), axis=[1])
combos("test_gradient", "np.gradient", [[R(5, 5), R(5, 5, 5)]], (0,), axis=[None, 0, 1, -1])
combos("test_gradient", "np.gradient", [[R(5, 5, 5)]], (0,), axis=[(0, 1), (0, -1)])
combos("test_tile", "np.tile", [[R(2, 1, 3, 1)]], (0,), reps=[(1, 4, 1, 2)])
combos("test_tile", "np.tile", [[R(1, 2)]], (0,), reps=[(1, 2), (2, 3), (3, 2, 1)])
combos("test_tile", "np.tile", [[R(1)]], (0,), reps=[(2,), 2])
combos("test_kron", "np.kron", [[R(5, 5), R(4, 4), R(5), R(5, 1), R(1, 5), R()],
                                [R(3, 3), R(2, 2), R(3), R(1, 3), R(3, 1), R()]], (0, 1))
combos("test_inner", "np.inner", [[1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)]], (0, 1))
combos("test_dot", "np.dot", [[1.5, R(3), R(2, 3), R(2, 2, 3)], [0.3, R(3), R(3, 4), R(2, 3, 4)]],
       (0, 1))
combos("test_outer", "np.outer", [[R(3)], [R(3)]], (0, 1))
combos("test_matmul", "np.matmul", [[R(3), R(2, 3), R(2, 2, 3)], [R(3), R(3, 4), R(2, 3, 4)]],
       (0, 1))
combos("test_matmul_broadcast", "np.matmul", [[R(1, 2, 2)], [R(3, 2, 1)]], (0, 1))
combos("test_tensordot_1", "np.tensordot", [[R(1, 3), R(2, 3, 2)], [R(3), R(3, 1), R(3, 4, 2)]],
       (0, 1), axes=[((1,), (0,))])
combos("test_tensordot_2", "np.tensordot", [[R(3), R(3, 1), R(3, 4, 2)], [R(1, 3), R(2, 3, 2)]],
       (0, 1), axes=[((0,), (1,))])
combos("test_tensordot_3", "np.tensordot", [[R(2, 3), R(2, 3, 4)], [R(1, 2, 3), R(2, 2, 3, 4)]],
       (0, 1), axes=[((0, 1), (1, 2)), ((1, 0), (2, 1))])
combos("test_tensordot_4", "np.tensordot", [[R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)]], (0, 1),
       axes=[1, 2])
combos("test_tensordot_5", "np.tensordot", [[R(4)], [R()]], (0, 1), axes=[0])
combos("test_tensordot_6", "np.tensordot", [[R(2, 6)], [R(6, 3)]], (0, 1), axes=[[[-1], [0]]])
combos("test_tensordot_7", "np.tensordot", [[R(2, 6)], [R(6, 3)]], (0, 1), axes=[[-1, 0]])
combos("test_tensordot_8", "np.tensordot", [[R(2)], [R(2, 2)]], (0, 1), axes=[[0, 1]])
for _name in ("maximum", "fmax", "minimum", "fmin"):
    combos(f"test_{_name}", f"np.{_name}", [[R(1), R(1, 4), R(3, 4)], [R(1), R(1, 4), R(3, 4)]],
           (0, 1))
combos("test_sort", "np.sort", [[R(1), R(7)]], (0,))
combos("test_partition", "np.partition", [[R(7), R(14)]], (0,), kth=[0, 3, 6])
combos("test_atleast_1d", "np.atleast_1d", [[1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)]], (0,))
combos("test_atleast_2d", "np.atleast_2d", [[1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)]], (0,))
combos("test_atleast_3d", "np.atleast_3d",
       [[1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5), R(2, 4, 3, 5)]], (0,))

combos("test_einsum_transpose", "np.einsum", [["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)]], (1,))
combos("test_einsum_matmult", "np.einsum", [["ij,jk->ik"], [R(2, 3)], [R(3, 4)]], (1, 2))
combos("test_einsum_matmult_broadcast", "np.einsum",
       [["...ij,...jk->...ik"], [R(2, 3), R(2, 2, 3)], [R(3, 4), R(2, 3, 4)]], (1, 2))
combos("test_einsum_matmult_broadcast_leadzero", "np.einsum",
       [["...ij,...jk->...ik"], [R(0, 2, 3)], [R(0, 3, 4)]], (1, 2))
combos("test_einsum_covsum", "np.einsum", [["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)]], (1, 2))
combos("test_einsum_ellipses", "np.einsum", [["...jk,...lj->...lk", "...,...->..."],
                                             [R(4, 4), R(3, 4, 4)], [R(4, 4), R(3, 4, 4)]], (1, 2))
combos("test_einsum_ellipses_tail", "np.einsum",
       [["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)], [R(2, 3), R(2, 3, 4)]], (1, 2))
combos("test_einsum_ellipses_center", "np.einsum",
       [["j...k,lj...->lk..."], [R(2, 2), R(2, 2, 2)], [R(2, 2), R(2, 2, 2)]], (1, 2))
combos("test_einsum_three_args", "np.einsum",
       [["ijk,lji,lli->lki"], [R(3, 4, 4)], [R(4, 4, 3)], [R(4, 4, 3)]], (1, 2))
combos("test_einsum2_transpose", "np.einsum", [[R(1, 1), R(4, 4), R(3, 4)], [(0, 1)], [(1, 0)]],
       (0,))
combos("test_einsum2_matmult", "np.einsum", [[R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)], [(0, 2)]],
       (0, 2))
add("test_einsum2_matmult_broadcast", "np.einsum(x, [..., 0, 1], z, [..., 1, 2], [..., 0, 2])",
    {"x": R(2, 3), "z": R(3, 4)})
add("test_einsum2_matmult_broadcast", "np.einsum(x, [..., 0, 1], z, [..., 1, 2], [..., 0, 2])",
    {"x": R(2, 2, 3), "z": R(3, 4)})
add("test_einsum2_matmult_broadcast", "np.einsum(x, [..., 0, 1], z, [..., 1, 2], [..., 0, 2])",
    {"x": R(2, 3), "z": R(2, 3, 4)})
add("test_einsum2_matmult_broadcast", "np.einsum(x, [..., 0, 1], z, [..., 1, 2], [..., 0, 2])",
    {"x": R(2, 2, 3), "z": R(2, 3, 4)})
combos("test_einsum2_covsum", "np.einsum",
       [[R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [(3, 2, 0)]], (0, 2))
combos("test_einsum2_three_args", "np.einsum",
       [[R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [R(4, 4, 3)], [(3, 3, 0)],
        [(3, 2, 0)]], (0, 2))
combos("test_einsum_naked_sum", "np.einsum", [["k,nk->"], [R(5)], [R(10, 5)]], (1, 2))
combos("test_einsum_naked_sum2", "np.einsum", [["abcd->bd"], [R(3, 2, 3, 2)]], (1,))
combos("test_einsum_naked_sum_ellipsis", "np.einsum", [["...k,...nk->..."], [R(3, 5)],
                                                       [R(3, 10, 5)]], (1, 2))
combos("test_einsum_no_output_indices", "np.einsum", [["ij,k"], [R(3, 4)], [R(3)]], (1, 2))

combos("test_trace", "np.trace", [[R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)]], (0,),
       offset=[-1, 0, 1])
combos("test_diag", "np.diag", [[R(5, 5)]], (0,), k=[-1, 0, 1])
combos("test_diag_flat", "np.diag", [[R(5)]], (0,), k=[-1, 0, 1])
combos("test_tril", "np.tril", [[R(5, 5)]], (0,), k=[-1, 0, 1])
combos("test_triu", "np.triu", [[R(5, 5)]], (0,), k=[-1, 0, 1])
combos("test_tril_3d", "np.tril", [[R(5, 5, 4)]], (0,), k=[-1, 0, 1])
combos("test_triu_3d", "np.triu", [[R(5, 5, 4)]], (0,), k=[-1, 0, 1])
combos("test_swapaxes", "np.swapaxes", [[R(3, 4, 5)]], (0,), axis1=[0, 1, 2], axis2=[0, 1, 2])
combos("test_rollaxis", "np.rollaxis", [[R(2, 3, 4)]], (0,), axis=[0, 1, 2], start=[0, 1, 2])
combos("test_cross", "np.cross", [[R(3, 3)], [R(3, 3)]], (0, 1), axisa=[-1, 0, 1],
       axisb=[-1, 0, 1], axisc=[-1, 0, 1], axis=[None, -1, 0, 1])
combos("test_vsplit_2d", "np.vsplit", [[R(4, 8)], [4, [1, 2]]], (0,))
combos("test_vsplit_3d", "np.vsplit", [[R(4, 4, 4)], [2, [1, 2]]], (0,))
combos("test_hsplit_2d", "np.hsplit", [[R(4, 8)], [4, [1, 2]]], (0,))
combos("test_hsplit_3d", "np.hsplit", [[R(4, 4, 4)], [2, [1, 2]]], (0,))
combos("test_dsplit_3d", "np.dsplit", [[R(4, 4, 4)], [2, [1, 2]]], (0,))
combos("test_split_1d", "np.split", [[R(1), R(7)], [1]], (0,), axis=[0])
combos("test_split_2d", "np.split", [[R(4, 8)], [4, [1, 2]]], (0,), axis=[0, 1])
combos("test_split_3d", "np.split", [[R(4, 4, 4)], [2, [1, 2]]], (0,), axis=[0, 1, 2])
combos("test_array_split_1d", "np.array_split", [[R(1), R(7)], [1, 3]], (0,), axis=[0])
combos("test_array_split_2d", "np.array_split", [[R(7, 7)], [4, [3, 5]]], (0,), axis=[0, 1])
combos("test_array_split_3d", "np.array_split", [[R(7, 7, 7)], [4, [3, 5]]], (0,),
       axis=[0, 1, 2])
combos("test_concatenate_1ist", "np.concatenate", [[(R(1), R(3))]], (0,), axis=[0])
combos("test_concatenate_tuple", "np.concatenate", [[[R(1), R(3)]]], (0,), axis=[0])
combos("test_concatenate_2d", "np.concatenate", [[(R(2, 2), R(2, 2))]], (0,), axis=[0, 1])
combos("test_concatenate_3d", "np.concatenate", [[(R(2, 2, 2), R(2, 2, 2))]], (0,),
       axis=[0, 1, 2])
for _name in ("vstack", "row_stack"):
    if hasattr(np, _name):
        combos(f"test_{_name}_1d", f"np.{_name}", [[R(2), (R(2), R(2))]], (0,))
        combos(f"test_{_name}_2d", f"np.{_name}", [[R(2, 3), (R(2, 4), R(1, 4))]], (0,))
combos("test_vstack_3d", "np.vstack", [[R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))]], (0,))
combos("test_hstack_1d", "np.hstack", [[R(2), (R(2), R(2))]], (0,))
combos("test_hstack_2d", "np.hstack", [[R(3, 2), (R(3, 4), R(3, 5))]], (0,))
combos("test_hstack_3d", "np.hstack", [[R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))]], (0,))
combos("test_stack_1d", "np.stack", [[(R(2),), (R(2), R(2))]], (0,), axis=[0, 1])
combos("test_column_stack_1d", "np.column_stack", [[R(2), (R(2), R(2))]], (0,))
combos("test_column_stack_2d", "np.column_stack", [[R(2, 2), (R(2, 2), R(2, 2))]], (0,))
for _default in (0.0, 1.1):
    add("test_select", f"np.select([C0, C1, C2], [x0, x1, x2], default={_default!r})",
        {"x0": R(3, 4, 5), "x1": R(3, 4, 5), "x2": R(3, 4, 5)},
        {"C0": R(3, 4, 5) > 0, "C1": R(3, 4, 5) > 0, "C2": R(3, 4, 5) > 0})
combos("test_pad", "np.pad", [[R(2, 2)], [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)),
                                         ((0, 0), (0, 0))], ["constant"]], (0,))

# -- tests/test_numpy.py -----------------------------------------------------------------------
for _a, _b in ((R(10, 11), R(11)), (R(10, 11), R(11, 10)), (R(10), R(10, 11)), (R(11), R(11))):
    add("test_dot", "np.dot(x, y)", {"x": _a, "y": _b})
for _a, _b in ((R(10, 11), R()), (R(), R(10, 11)), (R(10), R()), (R(), R(10))):
    add("test_dot_with_floats", "np.dot(x, y)", {"x": _a, "y": _b})
for _e in ("np.outer(x, y)", "np.outer(x.T, y)", "np.outer(x.T, y.T)"):
    add("test_outer", _e, {"x": R(11), "y": R(11)})
for _name in ("max", "min"):
    add(f"test_{_name}", f"np.{_name}(x)", {"x": R(10, 11)})
    add(f"test_{_name}_axis", f"np.{_name}(x, axis=1)", {"x": R(3, 4, 5)})
    add(f"test_{_name}_axis_keepdims", f"np.{_name}(x, axis=1, keepdims=True)", {"x": R(3, 4, 5)})
add("test_sum_1", "np.sum(x)", {"x": R(10, 11)})
add("test_sum_2", "np.sum(x, axis=0)", {"x": R(10, 11)})
add("test_sum_3", "np.sum(x, axis=0, keepdims=True)", {"x": R(10, 11)})
add("test_sum_with_axis_tuple", "np.sum(x, axis=(1, 2))", {"x": R(10, 11, 7)})
for _name in ("sum", "prod", "max", "min"):
    add("test_plain_numpy_reductions_on_box", f"np.{_name}(np.exp(a) * BASE)", {"a": 0.7},
        {"BASE": np.abs(R(5)) + 0.5})
add("test_flipud", "np.flipud(x)", {"x": R(10, 11)})
add("test_fliplr", "np.fliplr(x)", {"x": R(10, 11)})
add("test_rot90", "np.rot90(x)", {"x": R(10, 11)})
add("test_cumsum_axis0", "np.cumsum(x, axis=0)", {"x": R(10, 11)})
add("test_cumsum_axis1", "np.cumsum(x, axis=1)", {"x": R(10, 11)})
add("test_cumsum_1d", "np.cumsum(x)", {"x": R(10)})
add("test_cumsum_no_axis", "np.cumsum(x)", {"x": R(10, 11)})
add("test_non_numpy_sum", "sum([x, y])", {"x": R(10, 11), "y": R(10, 11)})
add("test_mean_1", "np.mean(x)", {"x": R(10, 11)})
add("test_mean_2", "np.mean(x, axis=0)", {"x": R(10, 11)})
add("test_mean_3", "np.mean(x, axis=0, keepdims=True)", {"x": R(10, 11)})
for _name in ("mean", "std", "var"):
    add(f"test_{_name}_list_of_boxes", f"np.{_name}([x, x + 2])", {"x": 0.0})
    add(f"test_{_name}_list_of_boxes", f"np.{_name}((x, x + 2))", {"x": 0.0})
add("test_index_ints", "x[3, 0, 1]", {"x": R(5, 6, 4)})
add("test_index_slice", "x[::-1, 2:4, :]", {"x": R(5, 6, 4)})
add("test_index_lists", "x[[0, 1, 2], :, :]", {"x": R(5, 6, 4)})
add("test_index_mixed", "x[3, 2:, [1, 3]]", {"x": R(5, 6, 4)})
add("test_vector_slice", "x[2:4]", {"x": R(5)})
add("test_index_slice_fanout", "y + z", {"x": R(5, 6, 4)},
    pre=("y = x[::-1, 2:4, :]", "z = x[::-1, 3:5, :]"))
add("test_index_multiple_slices", "z", {"x": R(7)}, pre=("y = x[2:6]", "z = y[1:3]"))
add("test_reshape_method", "x.reshape((5 * 4, 6))", {"x": R(5, 6, 4)})
add("test_reshape_call", "np.reshape(x, (5 * 4, 6))", {"x": R(5, 6, 4)})
add("test_reshape_method_nolist", "x.reshape(5 * 4, 6)", {"x": R(5, 6, 4)})
add("test_ravel_method", "x.ravel()", {"x": R(5, 6, 4)})
add("test_ravel_call", "np.ravel(x)", {"x": R(5, 6, 4)})
add("test_flatten_method", "x.flatten()", {"x": R(5, 6, 4)})
add("test_simple_append_list", "np.append(x, y)", {"x": [1.0, 2.0, 3.0], "y": 4.0})
add("test_simple_append_list_2D", "np.append(x, y, axis=0)",
    {"x": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "y": [[7.0, 8.0, 9.0]]})
add("test_simple_concatenate", "np.concatenate((A, x))", {"x": R(4, 6, 4)}, {"A": R(5, 6, 4)})
add("test_concatenate_axis_0", "np.concatenate((B, x, B))", {"x": R(5, 6, 4)}, {"B": R(5, 6, 4)})
add("test_concatenate_axis_1", "np.concatenate((B, x, B), axis=1)", {"x": R(5, 6, 4)},
    {"B": R(5, 6, 4)})
add("test_concatenate_axis_1_unnamed", "np.concatenate((B, x, B), 1)", {"x": R(5, 6, 4)},
    {"B": R(5, 6, 4)})
# autograd draws the offset with npr.randint; these are offsets from the same ranges
for _off in (-9, -3, 0, 4, 10):
    add("test_trace", f"np.trace(x, offset={_off})", {"x": R(10, 11)})
    add("test_trace2", f"np.trace(x, offset={_off})", {"x": R(11, 10)})
for _off in (-5, -1, 0, 2, 5):
    add("test_trace_extradims", f"np.trace(x, offset={_off})", {"x": R(5, 6, 4, 3)})
add("test_diag", "np.diag(x)", {"x": R(10, 10)})
add("test_transpose", "x.T", {"x": R(8, 8)})
add("test_roll", "np.roll(x, 2, axis=1)", {"x": R(4, 5)})
add("test_roll_no_axis", "np.roll(x, 2)", {"x": R(4, 5)})
add("test_triu", "np.triu(x, k=2)", {"x": R(5, 5)})
add("test_tril", "np.tril(x, k=2)", {"x": R(5, 5)})
add("test_clip", "np.clip(x, a_min=0.1, a_max=1.1)", {"x": R(5, 5)})
add("test_prod_1", "np.prod(x)", {"x": R(2, 3) ** 2 / 10.0 + 0.1})
add("test_prod_2", "np.prod(x, axis=0)", {"x": R(2, 3) ** 2 + 0.1})
add("test_prod_3", "np.prod(x, axis=0, keepdims=True)", {"x": R(2, 3) ** 2 + 0.1})
add("test_prod_4", "np.prod(x)", {"x": R(7) ** 2 + 0.1})
add("test_1d_array", "np.array([x, x * 1.0, x + 2.5])", {"x": 3.0})
add("test_2d_array", "np.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]])", {"x": 3.0})
add("test_1d_array_fanout", "A + A", {"x": 3.0}, pre=("A = np.array([x, x * 1.0, x + 2.5])",))
add("test_2d_array_fanout", "A + A", {"x": 3.0},
    pre=("A = np.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]])",))
add("test_array_from_scalar", "np.array(x)", {"x": 3.0})
add("test_array_from_arrays", "np.array([x, x])", {"x": R(3, 2)})
add("test_array_from_arrays_2", "np.array([[2 * x, x + 1], [x, x]])", {"x": R(3, 2)})
add("test_len", "x * len(x)", {"x": R(3, 2)})
add("test_r_basic", "np.r_[x]", {"x": R(3, 2)})
add("test_r_double", "np.r_[x, x]", {"x": R(3, 2)})
add("test_no_relation", "c", {"x": R(3, 2)}, {"c": R(3, 2)})
add("test_r_no_relation", "np.r_[c]", {"x": R(3, 2)}, {"c": R(3, 2)})
add("test_r_node_and_const", "np.r_[x, c]", {"x": R(3, 2)}, {"c": R(3, 2)})
add("test_r_mixed", "np.r_[x, c, x]", {"x": R(3, 2)}, {"c": R(3, 2)})
add("test_r_slicing", "np.r_[x, c, 1:10]", {"x": R(10)}, {"c": R(10)})
add("test_c_", "np.c_[x, c, x]", {"x": R(3, 2)}, {"c": R(3, 2)})
for _name in ("var", "std"):
    combos(f"test_{_name}_ddof", f"np.{_name}", [[R(3), R(3, 4), R(1, 3)]], (0,), axis=[None],
           keepdims=[True, False], ddof=[0, 1])
    combos(f"test_{_name}_ddof", f"np.{_name}", [[R(3, 4), R(1, 3)]], (0,), axis=[None, 1],
           keepdims=[True, False], ddof=[2])
add("test_where", "np.where(C, x, y)", {"x": R(4, 5), "y": R(4, 5)}, {"C": R(4, 5) > 0})
add("test_squeeze_func", "np.squeeze(x)", {"x": R(5, 1, 4)})
add("test_squeeze_method", "x.squeeze()", {"x": R(5, 1, 4)})
add("test_repeat", "np.repeat(x, 2, axis=1)", {"x": R(5, 3, 4)})
add("test_repeat_axis1_rep1", "np.repeat(x, 1, axis=1)", {"x": R(5, 3, 4)})
add("test_repeat_axis0", "np.repeat(x, 2, axis=0)", {"x": R(5, 3)})
add("test_repeat_1d_axis0", "np.repeat(x, 2, axis=0)", {"x": R(5)})
add("test_repeat_axis0_rep1", "np.repeat(x, 1, axis=0)", {"x": R(5, 1)})
add("test_expand_dims", "np.expand_dims(x, 2)", {"x": R(5, 1, 4)})
add("test_tensordot_kwargs_by_position",
    "np.tensordot(x * np.ones((2, 2)), x * np.ones((2, 2)), 2)", {"x": 1.0})
add("test_multi_index", "np.sum(x[[0, 0]])", {"x": R(3)})
add("test_multi_index2", "np.sum(x[[0, 1, 0]])", {"x": R(3)})
add("test_index_dot_slices", "np.dot(x[:2], x[2:])", {"x": R(4)})
add("test_cast_to_int", "new_W[new_inds].sum()", {"w": R(5, 10)}, {"INDS": np.ones(5)[:, None]},
    pre=("glued_together = np.concatenate((w, INDS), axis=1)", "new_W = w[:, :-1]",
         "new_inds = np.int64(w[:, -1])"))
add("test_diagonal", "np.diagonal(x, axis1=-1, axis2=-2)", {"x": R(4, 4)})
add("test_diagonal", "np.diagonal(x, axis1=-1, axis2=-2)", {"x": R(3, 4, 4)})
add("test_nan_to_num", "np.sum(np.sin(np.nan_to_num(x + Y)))", {"x": R(4)},
    {"Y": np.array([0.0, np.nan, np.inf, -np.inf])})
add("test_max_equal_values", "np.max(np.array([x, x]))", {"x": 1.0})
for _x in (1.0, -1.0):
    add("test_max_equal_values_2d", "np.max(np.array([[x, x], [x, 0.5]]), axis=1)", {"x": _x})
    add("test_min_3_way_equality",
        "np.min(np.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5], [x, x, 0.5]]), axis=0)",
        {"x": _x})
add("test_maximum_equal_values", "np.maximum(x, x)", {"x": 1.0})
for _x in (1.0, -1.0, 2.0):
    add("test_maximum_equal_values_2d",
        "np.maximum(np.array([x, x, 0.5]), np.array([[x, 0.5, x], [x, x, 0.5]]))", {"x": _x})
for _num in (0, 1, 5):
    for _x, _y in ((1.2, 3.4), (1.2, -3.4), (1.2, 1.2)):
        add("test_linspace", f"np.linspace(x, y, {_num})", {"x": _x, "y": _y})
add("test_astype", "np.sum(np.sin(x.astype('float64')))", {"x": np.arange(3.0)})
for _x in (R(10), R(10, 10), R(10, 10, 10)):
    add("test_gradient", "np.gradient(x)", {"x": _x})
for _axis in (None, 0, 1, -1, (0, 1), (0, -1)):
    add("test_gradient", f"np.gradient(x, axis={_axis!r})", {"x": R(10, 10, 10)})

# -- tests/test_linalg.py ----------------------------------------------------------------------
_SYM = ("L = np.tril(x)", "s = (L + np.swapaxes(L, -1, -2)) / 2.0")     # symmetrize
_m = R(8, 8)
add("test_inv", "np.linalg.inv(x)", {"x": _m @ _m + np.eye(8)})
for _n, _mm in itertools.product([5], range(2, 8)):
    add("test_pinv", "np.linalg.pinv(x)", {"x": R(_n, _mm)})
    add("test_pinv", "np.linalg.pinv(x)", {"x": R(2, _n, _mm)})
    add("test_pinv", "np.linalg.pinv(np.swapaxes(x, -1, -2) @ x)", {"x": R(_n, _mm)})
    add("test_pinv", "np.linalg.pinv(np.swapaxes(x, -1, -2) @ x)", {"x": R(2, _n, _mm)})
add("test_inv_3d", "np.linalg.inv(x)", {"x": R(4, 4, 4) + 5 * np.eye(4)})
add("test_inv_3d", "np.linalg.inv(x)", {"x": R(4, 4, 4, 4) + 5 * np.eye(4)})
add("test_solve_arg1", "np.linalg.solve(x, B)", {"x": R(8, 8) + 10.0 * np.eye(8)},
    {"B": R(8, 7)})
add("test_solve_arg1_1d", "np.linalg.solve(x, B)", {"x": R(8, 8) + 10.0 * np.eye(8)},
    {"B": R(8)})
add("test_solve_arg2", "np.linalg.solve(A, y)", {"y": R(6, 5)}, {"A": R(6, 6) + 1.0 * np.eye(6)})
add("test_solve_arg1_3d", "np.linalg.solve(x, B[..., None])[..., 0]",
    {"x": R(5, 4, 4) + 5 * np.eye(4)}, {"B": R(5, 4)})
add("test_solve_arg1_3d_3d", "np.linalg.solve(x, B)", {"x": R(5, 4, 4) + 5 * np.eye(4)},
    {"B": R(5, 4, 6)})
add("test_det", "np.linalg.det(x)", {"x": R(6, 6)})
add("test_det_3d", "np.linalg.det(x)", {"x": R(3, 3, 3)})
_m = R(6, 6)
add("test_slogdet", "logdet", {"x": _m}, pre=("_sign, logdet = np.linalg.slogdet(x)",))
add("test_slogdet", "logdet", {"x": -_m}, pre=("_sign, logdet = np.linalg.slogdet(x)",))
add("test_slogdet_3d", "np.sum(np.linalg.slogdet(x)[1])",
    {"x": np.stack([rand_psd(5) + 5 * np.eye(5) for _ in range(3)])})
add("test_vector_2norm", "np.linalg.norm(x)", {"x": R(6)})
add("test_norm_list_of_boxes", "np.linalg.norm([x, x + 2])", {"x": 0.0})
add("test_norm_list_of_boxes", "np.linalg.norm((x, x + 2))", {"x": 0.0})
add("test_frobenius_norm", "np.linalg.norm(x)", {"x": R(6, 5)})
add("test_frobenius_norm_axis", "np.linalg.norm(x, axis=(0, 1))", {"x": R(6, 5, 4)})
for _ord in (2, 3, 4):
    add("test_vector_norm_ord", f"np.linalg.norm(x, ord={_ord})", {"x": R(6)})
for _axis in (0, 1, 2):
    add("test_norm_axis", f"np.linalg.norm(x, axis={_axis})", {"x": R(6, 5, 4)})
add("test_norm_nuclear", "np.linalg.norm(x, ord='nuc')", {"x": R(6, 5)})
add("test_norm_nuclear_axis", "np.linalg.norm(x, ord='nuc', axis=(0, 1))", {"x": R(6, 5, 4)})
for _uplo in ("", ", 'U'"):
    add("test_eigvalh", f"(w, v)", {"x": R(6, 6)}, pre=(f"w, v = np.linalg.eigh(x{_uplo})",))
    _m = R(2, 3, 6, 6) + 10 * np.eye(6)
    add("test_eigvalh_broadcasting", f"(w, v)", {"x": np.einsum("...ij,...kj->...ik", _m, _m)},
        pre=(f"w, v = np.linalg.eigh(x{_uplo})",))
add("test_eig_real", "(np.abs(w), np.abs(v))", {"x": R(8, 8)}, pre=("w, v = np.linalg.eig(x)",))
add("test_cholesky", "np.linalg.cholesky(s)", {"x": rand_psd(6)}, pre=_SYM)
add("test_cholesky_broadcast", "np.linalg.cholesky(s)",
    {"x": np.stack([rand_psd(6) for _ in range(3)])}, pre=_SYM)
add("test_cholesky_reparameterization_trick", "np.linalg.norm(z)", {"x": rand_psd(6)},
    {"EPS": np.random.RandomState(0).randn(6)},
    pre=_SYM + ("z = np.dot(np.linalg.cholesky(s), EPS)",))
for _shape in ((3, 5), (4, 3, 5), (4, 4), (3, 4, 4), (5, 3), (4, 5, 3)):
    add("test_svd", "(u, s, v)", {"x": R(*_shape)},
        pre=("u, s, v = np.linalg.svd(x, full_matrices=False)",))
for _shape in ((5, 3), (4, 5, 3)):
    add("test_svd_only_s", "np.linalg.svd(x, full_matrices=False, compute_uv=False)",
        {"x": R(*_shape)})


# -- what symdiff does not read, and why --------------------------------------------------------
#: autograd test (or id prefix) -> (reason, texts the refusal must contain)
REFUSED = {
    "test_pinv": ("a matrix decomposition (symdiff does not differentiate those)",
                  ("numpy.linalg.pinv",)),
    "test_eig_real": ("a matrix decomposition", ("numpy.linalg.eig",)),
    "test_svd": ("a matrix decomposition", ("numpy.linalg.svd",)),
    "test_svd_only_s": ("a matrix decomposition", ("numpy.linalg.svd",)),
    "test_norm_nuclear": ("the nuclear norm is a sum of singular values",
                          ("numpy.linalg.norm", "ord='nuc'")),
    "test_norm_nuclear_axis": ("the nuclear norm is a sum of singular values",
                               ("numpy.linalg.norm", "ord='nuc'")),
    "test_partition": ("the order numpy.partition leaves the entries in is numpy's own "
                       "choice", ("numpy.partition",)),
    "test_cast_to_int": ("indices made from a parameter's values (np.int64(w[:, -1]))",
                         ("numpy.int64",)),
}

#: rows read element by element for now (autograd test -> reason)
FALLBACK: dict = {}


def refusal(row):
    return REFUSED.get(row.test)


# -- running a row ---------------------------------------------------------------------------
_counter = itertools.count()


def _define(source: str, namespace: dict):
    """``exec`` the row's source under a filename registered in ``linecache`` (so that
    ``inspect.getsource`` finds it, as for a function in a file)."""
    filename = f"<autograd-yardstick-{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["f"]


def _source(row, n_out):
    body = [f"    {s}" for s in row.pre] + [f"    out = {row.expr}"]
    if n_out is None:
        body.append("    return np.sum(out * W)")
    else:
        body.append("    return " + " + ".join(f"np.sum(out[{k}] * W{k})" for k in range(n_out)))
    return f"def f({', '.join(row.params)}):\n" + "\n".join(body) + "\n"


def _weights(row, out):
    rng = np.random.default_rng(zlib.crc32(row.id.encode()))
    if isinstance(out, (tuple, list)):
        return len(out), {f"W{k}": rng.standard_normal(np.shape(o)) for k, o in enumerate(out)}
    return None, {"W": rng.standard_normal(np.shape(out)) if np.ndim(out) else
                  float(rng.standard_normal())}


def _numeric_grad(f, args, k, h=1e-6):
    x = np.array(args[k], dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        a1, a2 = list(args), list(args)
        a1[k], a2[k] = (xp if x.ndim else float(xp)), (xm if x.ndim else float(xm))
        g[idx] = (f(*a1) - f(*a2)) / (2 * h)
    return g if x.ndim else float(g)


@dataclass
class Outcome:
    kind: str                   # "array", "fallback", "refused", "wrong", "error"
    detail: str = ""
    source: str = ""


@functools.cache
def evaluate(index: int) -> Outcome:
    try:
        return _evaluate(ROWS[index])
    except Exception as exc:        # anything else symdiff raises is a failure of the row
        return Outcome("error", f"{type(exc).__name__}: {exc}")


def _evaluate(row: Row) -> Outcome:
    core_ns = {"np": np, **row.consts}
    plain_core = _define(f"def f({', '.join(row.params)}):\n"
                         + "".join(f"    {s}\n" for s in row.pre) + f"    return {row.expr}\n",
                         core_ns)
    args = list(row.params.values())
    with np.errstate(all="ignore"):
        out = plain_core(*args)
    n_out, weights = _weights(row, out)
    source = _source(row, n_out)
    f = _define(source, {"np": np, **row.consts, **weights})
    names = tuple(row.params)
    shapes = {k: np.shape(v) for k, v in row.params.items()}
    refused = refusal(row)
    try:
        F = sd.symbolic(f, shapes=shapes)
        G = sd.grad(F, wrt=names)
        with np.errstate(all="ignore"):
            got = G(*args)
    except (SymdiffError, SymdiffSyntaxError, NotImplementedError) as exc:
        message = str(exc)
        if refused is None:
            return Outcome("error", f"{type(exc).__name__}: {message}", source)
        missing = [t for t in refused[1] if t not in message]
        if missing:
            return Outcome("error", f"the refusal does not name {missing}: {message}", source)
        return Outcome("refused", message.splitlines()[0], source)
    problems = _values(row, F, f, plain_core, out, n_out, args, shapes)
    if problems:
        return Outcome("wrong", "; ".join(problems), source)
    kind = "array" if isinstance(F, ArrayFunction) and F._twin_cache is None \
        and G._twin_cache is None else "fallback"
    f_autograd = _define(source, {"np": anp, **row.consts, **weights})
    argnums = tuple(range(len(names)))
    ag = autograd.grad(f_autograd, argnums)(*args)
    problems = []
    for k, (name, mine, theirs) in enumerate(zip(names, got, ag)):
        theirs = np.asarray(theirs, dtype=float)
        mine = np.asarray(mine, dtype=float)
        scale = 1.0 + float(np.max(np.abs(theirs), initial=0.0))
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, rtol=RTOL_AUTOGRAD,
                                                          atol=1e-12 * scale):
            problems.append(f"d/d{name}: symdiff {mine.tolist()} != autograd {theirs.tolist()}")
            continue
        with np.errstate(all="ignore"):
            fd = np.asarray(_numeric_grad(f, args, k))
        if not np.allclose(mine, fd, rtol=RTOL_FD, atol=RTOL_FD * scale):
            problems.append(f"d/d{name}: symdiff {mine.tolist()} != finite differences "
                            f"{fd.tolist()}")
    if not problems:            # second order, as autograd's check_grads: H @ v both ways
        problems = _second_order(row, F, names, args, f_autograd, argnums)
    if problems:
        return Outcome("wrong", "; ".join(problems), source)
    return Outcome(kind, "" if kind == "array" else getattr(F, "_note", "") or "", source)


def _values(row, F, f, plain_core, out, n_out, args, shapes):
    """numpy's semantics: the function's value, and the numpy call's own result (its
    shape too: keepdims, 0-d results), read at the array level like the function."""
    problems = []
    with np.errstate(all="ignore"):
        mine, theirs = F(*args), f(*args)
    if not np.allclose(mine, theirs, rtol=1e-12, atol=1e-12, equal_nan=True):
        problems.append(f"value: symdiff {mine} != numpy {theirs}")
    if n_out is None:
        with np.errstate(all="ignore"):
            mine = np.asarray(sd.symbolic(plain_core, shapes=shapes)(*args))
        theirs = np.asarray(out)
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, rtol=1e-12, atol=1e-12,
                                                         equal_nan=True):
            problems.append(f"{row.expr}: symdiff {mine.shape} {mine.tolist()} != numpy "
                            f"{theirs.shape} {theirs.tolist()}")
    return problems


def _second_order(row, F, names, args, f_autograd, argnums):
    """The Hessian-vector product (``sd.hvp``, forward over reverse on the array graph)
    against autograd's gradient of <grad, v>."""
    rng = np.random.default_rng(zlib.crc32(row.id.encode()) + 1)
    vs = tuple(rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
               for a in args)
    with np.errstate(all="ignore"):
        mine = sd.hvp(F, wrt=names)(*args, vs)

    def grad_dot_v(*xs):
        return sum(anp.sum(g * v) for g, v in zip(autograd.grad(f_autograd, argnums)(*xs), vs))
    theirs = autograd.grad(grad_dot_v, argnums)(*args)
    problems = []
    for name, a, b in zip(names, mine, theirs):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        scale = 1.0 + float(np.max(np.abs(b), initial=0.0))
        if a.shape != b.shape or not np.allclose(a, b, rtol=RTOL_AUTOGRAD, atol=1e-12 * scale):
            problems.append(f"(H v) for {name}: symdiff {a.tolist()} != autograd {b.tolist()}")
    return problems


IDS = [r.id for r in ROWS]


@pytest.mark.parametrize("index", range(len(ROWS)), ids=IDS)
def test_row(index):
    row = ROWS[index]
    outcome = evaluate(index)
    where = f"\n{outcome.source}"
    assert outcome.kind not in ("wrong", "error"), f"{outcome.kind}: {outcome.detail}{where}"
    if outcome.kind == "fallback":
        assert row.test in FALLBACK, f"read element by element: {outcome.detail}{where}"


# -- the functions added for the yardstick, with named sizes (one reading, every size) ---------
def _gradient_rows(x, w):
    return np.sum(np.gradient(x, axis=1) * w)


def _cross_columns(x, y, w):
    return np.sum(np.cross(x, y, axisa=0) * w)


def _rolled(x, w):
    return np.sum(np.rollaxis(x, 2) * w)


def _selected(x, w):
    return np.sum(np.select([x > 0.5, x < -0.5], [x ** 2, np.sin(x)], default=0.25) * w)


NAMED = [       # function, named shapes, argument shapes at two sizes (one reading serves both)
    (_gradient_rows, {"x": ("n", "m"), "w": ("n", "m")}, [[(4, 5)] * 2, [(3, 7)] * 2]),
    (_cross_columns, {"x": (3, "n"), "y": ("n", 3), "w": ("n", 3)},
     [[(3, 4), (4, 3), (4, 3)], [(3, 6), (6, 3), (6, 3)]]),
    (_rolled, {"x": ("a", "b", "c"), "w": ("c", "a", "b")},
     [[(2, 3, 4), (4, 2, 3)], [(3, 2, 5), (5, 3, 2)]]),
    (_selected, {"x": ("n",), "w": ("n",)}, [[(9,)] * 2, [(4,)] * 2]),
]


@pytest.mark.parametrize("fn, shapes, sizes", NAMED, ids=[f[0].__name__ for f in NAMED])
def test_named_sizes(fn, shapes, sizes):
    F = sd.symbolic(fn, shapes=shapes)
    assert isinstance(F, ArrayFunction)
    G = sd.grad(F, wrt="x")
    for k, arg_shapes in enumerate(sizes):
        rng = np.random.default_rng(k)
        args = [rng.standard_normal(s) for s in arg_shapes]
        np.testing.assert_allclose(G(*args), _numeric_grad(fn, args, 0), rtol=1e-6, atol=1e-8)


def test_a_size_given_as_an_expression_is_refused_clearly():
    with pytest.raises(SymdiffError, match=r"shapes\['w'\].*must be a name such as 'n', not '2\*n'"):
        sd.symbolic(_gradient_rows, shapes={"x": ("n", "m"), "w": ("2*n", "m")})


# -- forward mode with a block of tangents (F.jacobian, Hessians) on rows that needed care --------
BLOCK = ["test_einsum_naked_sum: np.einsum('k,nk->', y, z) | y(5) z(10,5)",
         "test_std: np.std(x, axis=0, keepdims=True) | x(1,3)",
         "test_roll_no_axis: np.roll(x, 2) | x(4,5)"]


@pytest.mark.parametrize("row_id", BLOCK)
def test_jacobian_is_the_gradient(row_id):
    """``F.jacobian`` runs forward mode with the parameters' shapes as leading tangent axes
    (``arrays.forward``), an engine apart from the reverse-mode gradient."""
    index = IDS.index(row_id)
    row, outcome = ROWS[index], evaluate(index)
    assert outcome.kind == "array", outcome.detail
    args = list(row.params.values())
    F = sd.symbolic(_function_of(row, outcome.source),
                    shapes={k: np.shape(v) for k, v in row.params.items()})
    grads = np.concatenate([np.ravel(g) for g in F.grad(*args)])
    np.testing.assert_allclose(np.ravel(F.jacobian(*args)), grads, rtol=1e-12, atol=1e-14)


# -- the tape (sd.check's second engine) on the rows where it gave wrong numbers -----------------
TAPE_ROWS = [r.id for r in ROWS if r.test in ("test_inner", "test_dot")]


@pytest.mark.parametrize("row_id", TAPE_ROWS)
def test_tape_dot_and_inner(row_id):
    """np.dot of an N-d array (a sum over b's second-to-last axis, not matmul's batches)
    and np.inner with a 0-d operand (a product) on tape tensors, against autograd."""
    from symdiff import tape
    index = IDS.index(row_id)
    row, outcome = ROWS[index], evaluate(index)
    f = _function_of(row, outcome.source)
    args = list(row.params.values())
    ts = [tape.tensor(a, requires_grad=True) for a in args]
    f(*ts).backward()
    theirs = autograd.grad(_define(outcome.source, f.__globals__ | {"np": anp}),
                           tuple(range(len(args))))(*args)
    for t, g in zip(ts, theirs):
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-10, atol=1e-12)


# -- the torch backend on the rows where it failed ------------------------------------------------
TORCH_ROWS = ["test_max: np.max(x) | x(10,11)", "test_min: np.min(x, axis=0, keepdims=False) | x(3)",
              "test_max_equal_values: np.max(np.array([x, x])) | x()",
              "test_index_slice: x[::-1, 2:4, :] | x(5,6,4)",
              "test_index_slice_fanout: y = x[::-1, 2:4, :]; z = x[::-1, 3:5, :]; y + z | x(5,6,4)"]


@pytest.mark.parametrize("row_id", TORCH_ROWS)
def test_torch_backend(row_id):
    """Counts of a mask in float64 (they were int64, and a float divided by them float32);
    a reversal in a gradient's scatter as torch.flip (torch has no negative steps)."""
    pytest.importorskip("torch")
    index = IDS.index(row_id)
    row, outcome = ROWS[index], evaluate(index)
    f = _function_of(row, outcome.source)
    args = list(row.params.values())
    shapes = {k: np.shape(v) for k, v in row.params.items()}
    names = tuple(row.params)
    mine = sd.grad(sd.symbolic(f, shapes=shapes, backend="torch"), wrt=names)(*args)
    numpy_ = sd.grad(sd.symbolic(f, shapes=shapes), wrt=names)(*args)
    for a, b in zip(mine, numpy_):
        np.testing.assert_allclose(np.asarray(a, dtype=float), b, rtol=1e-12, atol=1e-14)


def coverage() -> dict:
    counts: dict = {}
    lines = []
    for i, row in enumerate(ROWS):
        o = evaluate(i)
        counts[o.kind] = counts.get(o.kind, 0) + 1
        if o.kind != "array":
            lines.append(f"  {o.kind:8} {row.id}: {o.detail[:160]}")
    return {"counts": counts, "lines": lines}


def test_coverage_table():
    """Print the counts (shown with ``pytest -s``, or by running this file) and check
    that nothing is wrong."""
    report = coverage()
    print(_report_text(report))
    assert report["counts"].get("wrong", 0) == 0
    assert report["counts"].get("error", 0) == 0


def _report_text(report) -> str:
    c = report["counts"]
    head = (f"autograd yardstick: {len(ROWS)} rows: {c.get('array', 0)} read at the array "
            f"level, {c.get('fallback', 0)} element by element, {c.get('refused', 0)} refused, "
            f"{c.get('wrong', 0)} wrong, {c.get('error', 0)} errors")
    return "\n".join([head] + report["lines"])


def _function_of(row, source):
    """The row's function as ``evaluate`` made it (same weights)."""
    core = _define(f"def f({', '.join(row.params)}):\n"
                   + "".join(f"    {s}\n" for s in row.pre) + f"    return {row.expr}\n",
                   {"np": np, **row.consts})
    with np.errstate(all="ignore"):
        n_out, weights = _weights(row, core(*row.params.values()))
    return _define(source, {"np": np, **row.consts, **weights})


def survey(what: str) -> str:
    """Beyond the yardstick (not asserted): the rows read at the array level through
    ``sd.check`` (symbolic vs tape vs finite differences), ``F.jacobian`` (forward mode
    with a block of tangents) or on another backend (gradients against numpy's), counted
    by outcome and by autograd test."""
    import collections
    import warnings
    warnings.simplefilter("ignore")
    counts, failing = collections.Counter(), collections.Counter()
    for i, row in enumerate(ROWS):
        o = evaluate(i)
        if o.kind != "array":
            continue
        f = _function_of(row, o.source)
        args = list(row.params.values())
        shapes = {k: np.shape(v) for k, v in row.params.items()}
        try:
            if what == "check":
                ok = sd.check(sd.symbolic(f, shapes=shapes), *args).ok
            elif what == "jacobian":
                F = sd.symbolic(f, shapes=shapes)
                ok = np.allclose(np.ravel(F.jacobian(*args)),
                                 np.concatenate([np.ravel(g) for g in F.grad(*args)]),
                                 rtol=1e-10, atol=1e-12)
            else:
                names = tuple(row.params)
                ref = sd.grad(sd.symbolic(f, shapes=shapes), wrt=names)(*args)
                got = sd.grad(sd.symbolic(f, shapes=shapes, backend=what), wrt=names)(*args)
                ok = all(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-8,
                                     atol=1e-10) for a, b in zip(got, ref))
            outcome = "ok" if ok else "disagrees"
        except Exception as exc:
            outcome = type(exc).__name__
        counts[outcome] += 1
        if outcome != "ok":
            failing[(row.test, outcome)] += 1
    lines = [f"{what}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common())]
    lines += [f"  {n:4} {test}: {outcome}" for (test, outcome), n in sorted(failing.items())]
    return "\n".join(lines)


if __name__ == "__main__":
    # python tests/test_autograd_yardstick.py [check | jacobian | torch | jax | ...]
    import sys
    print(_report_text(coverage()))
    for what in sys.argv[1:]:
        print(survey(what))
