"""The elementwise scalar functions of the array IR: how each prints and differentiates.

One line per function: the number of arguments, the numpy function (for constant
folding and as the printed name), how it prints, and its partial derivatives, one
per argument, written with graph operations on the arguments ``a`` (and ``b``,
``c``) and the result ``out``. ``None`` is a partial that is zero everywhere
(comparisons, ``floor``, a condition). Both reverse mode (``g * partial``) and
forward mode (``sum(partial * tangent)``) use the same partials.

Why partials and not VJPs: a partial of an elementwise function is again
elementwise, so the derivative graph stays made of the same operations and can
be differentiated again (Hessians).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np



@dataclass(frozen=True)
class Elementwise:
    nargs: int
    fn: Callable                        # numpy implementation (constant folding)
    text: str                           # format of the printed call, or an infix operator
    prec: int = 9                       # printing precedence (9: a call, an atom)
    partials: Callable | None = None    # (g, out, *args) -> tuple of nodes or None
    dtype: str = "f"


def _call(name):
    return "numpy." + name + "({})"


FUNCTIONS: dict[str, Elementwise] = {}


def _def(name, nargs, fn, text, partials=None, prec=9, dtype="f"):
    FUNCTIONS[name] = Elementwise(nargs, fn, text, prec, partials, dtype)


def _unary(name, partial, fn=None, text=None):
    fn = fn or getattr(np, name)
    _def(name, 1, fn, text or _call(name), (lambda g, out, a: (partial(g, out, a),))
         if partial is not None else (lambda g, out, a: (None,)))


# -- arithmetic (infix: precedence 1 +/-, 2 */, 3 unary -, 4 **) ---------------------
_def("add", 2, np.add, "+", lambda g, out, a, b: (1.0, 1.0), prec=1)
_def("sub", 2, np.subtract, "-", lambda g, out, a, b: (1.0, -1.0), prec=1)
_def("mul", 2, np.multiply, "*", lambda g, out, a, b: (b, a), prec=2)
_def("div", 2, np.true_divide, "/",
     lambda g, out, a, b: (g.div(1.0, b), g.neg(g.div(out, b))), prec=2)
_def("neg", 1, np.negative, "-", lambda g, out, a: (-1.0,), prec=3)
_def("pow", 2, np.power, "**", lambda g, out, a, b: (_dpow(g, a, b), _dpow_exponent(g, out, a, b)),
     prec=4)


def _dpow(g, a, b):
    if b.is_const(2.0):
        return g.mul(2.0, a)
    if b.is_const(1.0):
        return 1.0
    if b.op == "const" and isinstance(b.attrs[0], float):
        return g.mul(b, g.pow(a, b.attrs[0] - 1.0))
    return g.mul(b, g.pow(a, g.sub(b, 1.0)))


def _dpow_exponent(g, out, a, b):
    if b.op == "const":
        return None
    return g.mul(out, g.ewise("log", a))


# -- comparisons and conditions: no derivative -----------------------------------------
for _name, _fn, _op in (("gt", np.greater, ">"), ("ge", np.greater_equal, ">="),
                        ("lt", np.less, "<"), ("le", np.less_equal, "<="),
                        ("eq", np.equal, "=="), ("ne", np.not_equal, "!=")):
    _def(_name, 2, _fn, _op, lambda g, out, a, b: (None, None), prec=0, dtype="b")
for _name in ("logical_and", "logical_or", "logical_xor"):
    _def(_name, 2, getattr(np, _name), _call(_name), lambda g, out, a, b: (None, None), dtype="b")
_def("logical_not", 1, np.logical_not, _call("logical_not"), lambda g, out, a: (None,), dtype="b")
for _name in ("isfinite", "isnan", "isinf", "signbit"):
    _def(_name, 1, getattr(np, _name), _call(_name), lambda g, out, a: (None,), dtype="b")

# -- selection ------------------------------------------------------------------------
_def("where", 3, np.where, _call("where"),
     lambda g, out, c, a, b: (None, g.ewise("where", c, 1.0, 0.0), g.ewise("where", c, 0.0, 1.0)))
# numpy.maximum/minimum: the gradient splits evenly at ties (as autograd and JAX do)
_def("maximum", 2, np.maximum, _call("maximum"),
     lambda g, out, a, b: (_tie(g, "gt", a, b), _tie(g, "gt", b, a)))
_def("minimum", 2, np.minimum, _call("minimum"),
     lambda g, out, a, b: (_tie(g, "lt", a, b), _tie(g, "lt", b, a)))
# numpy.clip is minimum(maximum(x, lo), hi): hi wherever lo > hi, whatever x is
_def("clip", 3, np.clip, _call("clip"),
     lambda g, out, x, lo, hi: (g.ewise("logical_and", g.ewise("ge", x, lo), g.ewise("le", x, hi)),
                                g.ewise("logical_and", g.ewise("lt", x, lo), g.ewise("le", lo, hi)),
                                g.ewise("logical_or", g.ewise("gt", x, hi), g.ewise("gt", lo, hi))))


def _tie(g, cmp, a, b):
    return g.add(g.ewise(cmp, a, b), g.mul(0.5, g.ewise("eq", a, b)))


# -- unary functions: d/da -----------------------------------------------------------------
def _u(name, partial, fn=None, text=None):
    _unary(name, partial, fn, text)


_u("exp", lambda g, out, a: out)
_u("exp2", lambda g, out, a: g.mul(math.log(2.0), out))
_u("expm1", lambda g, out, a: g.add(out, 1.0))
_u("log", lambda g, out, a: g.div(1.0, a))
_u("log2", lambda g, out, a: g.div(1.0 / math.log(2.0), a))
_u("log10", lambda g, out, a: g.div(1.0 / math.log(10.0), a))
_u("log1p", lambda g, out, a: g.div(1.0, g.add(a, 1.0)))
_u("sqrt", lambda g, out, a: g.div(0.5, out))
_u("cbrt", lambda g, out, a: g.div(1.0 / 3.0, g.mul(out, out)))
_u("square", lambda g, out, a: g.mul(2.0, a))
_u("reciprocal", lambda g, out, a: g.neg(g.mul(out, out)))
_u("sin", lambda g, out, a: g.ewise("cos", a))
_u("cos", lambda g, out, a: g.neg(g.ewise("sin", a)))
_u("tan", lambda g, out, a: g.add(1.0, g.mul(out, out)))
_u("arcsin", lambda g, out, a: g.div(1.0, g.ewise("sqrt", g.sub(1.0, g.mul(a, a)))))
_u("arccos", lambda g, out, a: g.div(-1.0, g.ewise("sqrt", g.sub(1.0, g.mul(a, a)))))
_u("arctan", lambda g, out, a: g.div(1.0, g.add(1.0, g.mul(a, a))))
_u("sinh", lambda g, out, a: g.ewise("cosh", a))
_u("cosh", lambda g, out, a: g.ewise("sinh", a))
_u("tanh", lambda g, out, a: g.sub(1.0, g.mul(out, out)))
_u("arcsinh", lambda g, out, a: g.div(1.0, g.ewise("sqrt", g.add(g.mul(a, a), 1.0))))
_u("arccosh", lambda g, out, a: g.div(1.0, g.ewise("sqrt", g.sub(g.mul(a, a), 1.0))))
_u("arctanh", lambda g, out, a: g.div(1.0, g.sub(1.0, g.mul(a, a))))
_u("abs", lambda g, out, a: g.ewise("sign", a), fn=np.abs, text=_call("abs"))
_u("deg2rad", lambda g, out, a: math.pi / 180.0)
_u("rad2deg", lambda g, out, a: 180.0 / math.pi)
_u("sinc", lambda g, out, a: g.ewise("where", g.ewise("eq", a, 0.0), 0.0, g.div(
    g.sub(g.ewise("cos", g.mul(math.pi, a)), out), a)))
for _name in ("sign", "floor", "ceil", "trunc", "rint"):
    _u(_name, None)
_def("fabs", 1, np.fabs, _call("fabs"), lambda g, out, a: (g.ewise("sign", a),))

# -- binary functions --------------------------------------------------------------------
_def("arctan2", 2, np.arctan2, _call("arctan2"),
     lambda g, out, a, b: (g.div(b, _sq2(g, a, b)), g.neg(g.div(a, _sq2(g, a, b)))))
_def("hypot", 2, np.hypot, _call("hypot"), lambda g, out, a, b: (g.div(a, out), g.div(b, out)))
_def("logaddexp", 2, np.logaddexp, _call("logaddexp"),
     lambda g, out, a, b: (g.ewise("exp", g.sub(a, out)), g.ewise("exp", g.sub(b, out))))
_def("logaddexp2", 2, np.logaddexp2, _call("logaddexp2"),
     lambda g, out, a, b: (g.ewise("exp2", g.sub(a, out)), g.ewise("exp2", g.sub(b, out))))
_def("mod", 2, np.mod, "%", lambda g, out, a, b: (1.0, g.neg(g.ewise("floor", g.div(a, b)))),
     prec=2)
_def("floor_divide", 2, np.floor_divide, "//", lambda g, out, a, b: (None, None), prec=2)
_def("copysign", 2, np.copysign, _call("copysign"),
     lambda g, out, a, b: (g.mul(g.ewise("sign", a), g.ewise("sign", b)), None))


def _sq2(g, a, b):
    return g.add(g.mul(a, a), g.mul(b, b))


def _special(name):
    """scipy.special's function when scipy is installed, else symdiff.special's (imported
    when first used: importing scipy.special takes seconds)."""
    def fn(x):
        from .. import runtime
        return getattr(runtime.special_functions(), name)(x)
    return fn


_u("erf", lambda g, out, a: g.mul(2.0 / math.sqrt(math.pi), g.ewise("exp", g.neg(g.mul(a, a)))),
   fn=_special("erf"), text="_special.erf({})")
_u("erfc", lambda g, out, a: g.mul(-2.0 / math.sqrt(math.pi), g.ewise("exp", g.neg(g.mul(a, a)))),
   fn=_special("erfc"), text="_special.erfc({})")
