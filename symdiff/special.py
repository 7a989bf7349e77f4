"""Vectorised special functions for the numpy code that symdiff generates.

Where this sits
---------------
``symdiff.codegen`` turns sympy expressions (and their derivatives) into plain
numpy functions.  sympy's ``erf``, ``erfc``, ``gamma``, ``loggamma``,
``digamma`` and ``polygamma`` have no numpy ufunc, and differentiating
``gamma``/``loggamma`` produces ``polygamma(n, x)`` of arbitrarily high order.
This module is the small runtime library that the generated code calls for
them.

Why not scipy
-------------
symdiff's runtime dependencies are numpy and sympy only; scipy is a large
compiled dependency that we do not want to require just for six functions.
Everything here is written with numpy array operations only (``np.where``,
arithmetic, ``np.exp``, ...), never with element loops or ``np.vectorize``.
That also means the functions work lazily on duck arrays that implement
``__array_ufunc__``/``__array_function__`` (e.g. dask): inputs are never
converted with ``np.asarray`` unless they are numpy objects or Python numbers,
and they are never mutated.

Conventions
-----------
* Input: Python number, numpy scalar, ndarray of any shape, or a duck array.
  Output: ``np.float64`` for scalar input, an array of the same shape otherwise.
* Accuracy target: ~1e-14 relative error against mpmath (see
  ``tests/test_special.py``).  Known exceptions: relative accuracy is lost in
  the immediate neighbourhood of the zeros of ``lgamma``, ``digamma`` and even
  order ``polygamma`` on the *negative* axis (the reflection formula cancels
  there; the absolute error stays ~1e-16 times the size of the terms), and in
  the subnormal range of ``erfc`` (x > 26.5).
* Poles (x = 0, -1, -2, ...):

  ============== =============================================================
  ``gamma``      ``+inf``/``-inf`` at ``+0.0``/``-0.0`` (sign of 1/x, as C's
                 ``tgamma``); ``nan`` at negative integers (the two one-sided
                 limits differ in sign).  Overflow (x > 171.62) gives ``inf``.
  ``lgamma``     ``+inf`` at every pole (log|gamma| -> +inf from both sides).
  ``digamma``    ``nan`` (one-sided limits are -inf and +inf).
  ``polygamma``  ``+inf`` for odd n (both one-sided limits are +inf), ``nan``
                 for even n.
  ============== =============================================================
"""

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["erf", "erfc", "gamma", "lgamma", "digamma", "polygamma"]


# ---------------------------------------------------------------------------
# input / output plumbing
# ---------------------------------------------------------------------------

def _prep(x):
    """Return (array_like, is_scalar).  numpy inputs become float64 ndarrays
    (no copy when already float64); duck arrays are passed through untouched
    so that their own ufunc/array-function dispatch keeps them lazy."""
    if isinstance(x, np.ndarray):
        if x.dtype != np.float64:
            x = x.astype(np.float64)
        return x, False
    if isinstance(x, (float, int, np.generic)):
        return np.asarray(x, dtype=np.float64), True
    if isinstance(x, (list, tuple)):
        return np.asarray(x, dtype=np.float64), False
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype != np.float64:
        x = x.astype(np.float64)
    return x, False


def _out(r, scalar):
    if scalar:
        return np.float64(r[()])
    return r


def _may(cond):
    """True unless ``cond`` is a concrete numpy array that is all False.
    Lets eager numpy skip work that no element needs, while lazy duck arrays
    are never forced to compute."""
    if isinstance(cond, np.ndarray):
        return bool(cond.any())
    return True


def _horner(coeffs, t):
    """sum(coeffs[k] * t**k) (lowest order first), by Horner's rule.
    The accumulator is our own temporary, so for numpy it is updated in place
    (1.6x faster than allocating a new array per step)."""
    r = coeffs[-1] * t
    if isinstance(r, np.ndarray):
        for c in coeffs[-2:0:-1]:
            r += c
            r *= t
        r += coeffs[0]
        return r
    for c in coeffs[-2:0:-1]:
        r = (r + c) * t
    return r + coeffs[0]


def _cody(first, cn, cd, t):
    """Cody's loop: num = first*t, den = t, then (num + cn[i])*t,
    (den + cd[i])*t for each i, in place for numpy temporaries."""
    num = first * t
    den = t + cd[0]
    if isinstance(num, np.ndarray):
        num += cn[0]
        num *= t
        den *= t
        for a, b in zip(cn[1:], cd[1:]):
            num += a
            num *= t
            den += b
            den *= t
        return num, den
    num = (num + cn[0]) * t
    den = den * t
    for a, b in zip(cn[1:], cd[1:]):
        num = (num + a) * t
        den = (den + b) * t
    return num, den


# numpy inputs are processed in blocks of this many elements: the ~50
# temporaries of a kernel then stay in cache and come from malloc's free
# lists instead of fresh (page-faulting) 8 MB allocations; this is 2-3x
# faster than whole-array evaluation for 1e6 points.
_CHUNK = 16384


def _apply(kernel, x):
    """Evaluate an elementwise kernel, blockwise for large numpy arrays."""
    if isinstance(x, np.ndarray) and x.size > _CHUNK:
        flat = x.ravel()
        out = np.empty(flat.shape, np.float64)
        for i in range(0, flat.size, _CHUNK):
            out[i:i + _CHUNK] = kernel(flat[i:i + _CHUNK])
        return out.reshape(x.shape)
    return kernel(x)


def _sinpi(x):
    """sin(pi*x), accurate near the zeros (integers) of sin(pi*x).
    Reduction x - 2*rint(x/2) is exact in binary floating point, and the
    folding around +-1/2 keeps the argument of sin in [-1/2, 1/2]."""
    r = x - 2.0 * np.rint(0.5 * x)                  # exact, in [-1, 1]
    r = np.where(r > 0.5, 1.0 - r, np.where(r < -0.5, -1.0 - r, r))
    return np.sin(np.pi * r)


def _cotpi(x):
    """cot(pi*x), with exact reduction r = x - rint(x) in [-1/2, 1/2].
    For |r| > 1/4 use cot(pi r) = sign(r) tan(pi (1/2 - |r|)) (1/2 - |r| is
    exact): 1/tan(pi r) would lose relative accuracy near the zero r = 1/2."""
    r = x - np.rint(x)
    ar = np.abs(r)
    return np.where(ar > 0.25, np.copysign(np.tan(np.pi * (0.5 - ar)), r),
                    1.0 / np.tan(np.pi * r))


# ---------------------------------------------------------------------------
# erf, erfc: W. J. Cody, "Rational Chebyshev approximations for the error
# function", Math. Comp. 23 (1969) 631-637; coefficients from his CALERF
# routine (netlib specfun).  Three regions, each good to ~1e-17 relative:
#   |x| <= 0.46875 : erf(x)  = x * P(x^2)/Q(x^2)
#   0.46875 < |x| <= 4 : erfc(x) = exp(-x^2) * P(x)/Q(x)
#   |x| > 4  : erfc(x) = exp(-x^2)/x * (1/sqrt(pi) + 1/x^2 * P(1/x^2)/Q(1/x^2))
# exp(-x^2) is evaluated as exp(-s^2)*exp(-(x-s)(x+s)) with s = trunc(16x)/16,
# so that s^2 is exact and the rounding error of x^2 (x^2*eps, i.e. 1e-13 at
# x = 26) does not enter erfc's far tail.
# ---------------------------------------------------------------------------

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02,
          3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02,
          1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00,
          6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02,
          5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1,
          1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00,
          5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1       # 1/sqrt(pi)
_THRESH = 0.46875


def _erf_small(y):
    """Cody region 1: erf(y) for |y| <= 0.46875 (odd in y)."""
    ysq = y * y
    num, den = _cody(_ERF_A[4], _ERF_A[:3], _ERF_B[:3], ysq)
    return y * (num + _ERF_A[3]) / (den + _ERF_B[3])


def _erfcx_mid(y):
    """Cody region 2: exp(y^2) * erfc(y) for 0.46875 < y <= 4.
    (Extrapolated to y <= 6.5 its relative error is still < 3e-12, which
    erf = 1 - erfc can use: erfc(4) = 1.5e-8.)"""
    num, den = _cody(_ERF_C[8], _ERF_C[:7], _ERF_D[:7], y)
    return (num + _ERF_C[7]) / (den + _ERF_D[7])


def _erfcx_big(y):
    """Cody region 3: exp(y^2) * erfc(y) for y > 4."""
    w = 1.0 / (y * y)
    num, den = _cody(_ERF_P[5], _ERF_P[:4], _ERF_Q[:4], w)
    return (_SQRPI - w * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / y


def _exp_msq(y):
    """exp(-y*y) without the y^2*eps error of forming y*y (Cody's split)."""
    s = np.trunc(y * 16.0) * 0.0625
    return np.exp(-s * s) * np.exp(-(y - s) * (y + s))


def _erfc_upper(y):
    """erfc(y) for y > 0.46875 (y may be inf/nan)."""
    y = np.minimum(y, 40.0)             # erfc(40) underflows to 0 anyway
    mid = y <= 4.0
    if not _may(mid):
        r = _erfcx_big(y)
    elif not _may(~mid):
        r = _erfcx_mid(y)
    else:
        r = np.where(mid, _erfcx_mid(y), _erfcx_big(np.maximum(y, 4.0)))
    return _exp_msq(y) * r


def erf(x):
    """Error function erf(x) = 2/sqrt(pi) * int_0^x exp(-t^2) dt.

    Cody's rational Chebyshev approximations; ~1e-16 relative error.

    >>> float(erf(0.5))
    0.5204998778130465
    >>> erf(np.array([-1.0, 0.0, 3.0])).round(12).tolist()
    [-0.84270079295, 0.0, 0.999977909503]
    """
    if type(x) is float or type(x) is int:
        return np.float64(math.erf(x))
    x, scalar = _prep(x)
    with np.errstate(all="ignore"):
        r = _apply(_erf_kernel, x)
    return _out(r, scalar)


def _erf_kernel(x):
    y = np.abs(x)
    # erf(y) = 1 - erfc(y) for y > 0.46875 where erf >= 0.49, so erfc's
    # absolute error is all that matters there: exp(-y*y) directly (its
    # relative error y^2*eps is harmless), region 2's rational for all of
    # (0.46875, 6] (see _erfcx_mid) and y clipped to 6, beyond which
    # erf == 1 in double precision.
    yb = np.minimum(y, 6.0)
    big = _erfcx_mid(yb)
    e = yb * yb
    if isinstance(e, np.ndarray):
        np.negative(e, out=e)
        np.exp(e, out=e)
        e *= big
        np.subtract(1.0, e, out=e)
    else:
        e = 1.0 - np.exp(-e) * big
    small = y <= _THRESH
    if _may(small):
        e = np.where(small, _erf_small(y), e)
    return np.copysign(e, x)


def erfc(x):
    """Complementary error function erfc(x) = 1 - erf(x), accurate in the tail.

    Full relative precision down to the subnormal range (x ~ 26.5).

    >>> float(erfc(10.0))
    2.088487583762545e-45
    >>> erfc(np.array([-1.0, 0.0, 1.0])).round(12).tolist()
    [1.84270079295, 1.0, 0.15729920705]
    """
    if type(x) is float or type(x) is int:
        return np.float64(math.erfc(x))
    x, scalar = _prep(x)
    with np.errstate(all="ignore"):
        r = _apply(_erfc_kernel, x)
    return _out(r, scalar)


def _erfc_kernel(x):
    y = np.abs(x)
    small = y <= _THRESH
    up = _erfc_upper(y)
    # x < -0.46875: erfc(x) = 2 - erfc(|x|)
    up = np.where(x < 0, 2.0 - up, up)
    if _may(small):
        up = np.where(small, 1.0 - _erf_small(x), up)
    return up


# ---------------------------------------------------------------------------
# gamma, lgamma: Lanczos approximation with the (g, N) = (6.0247, 13) rational
# coefficients of Boost's lanczos13m53 (Godfrey/Pugh), exactly as CPython's
# Modules/mathmodule.c does (m_tgamma, m_lgamma), including its correction
# term z for the rounding error of y = |x| + g - 1/2 and the reflection
# formula for x < 0.  lgamma additionally uses the Taylor series of
# lgamma(2+z) around z = 0 on [0.5, 2.5] so that it keeps full *relative*
# accuracy near its zeros x = 1 and x = 2 (CPython's formula only gives
# ~1e-16 absolute error there).
# ---------------------------------------------------------------------------

_LANCZOS_G = 6.024680040776729583740234375
_LANCZOS_GMH = 5.524680040776729583740234375       # g - 1/2
_LANCZOS_NUM = (
    23531376880.410759688572007674451636754734846804940,
    42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843,
    17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708,
    1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801,
    31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768,
    186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024,
    210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408,
)
_LANCZOS_DEN = (0.0, 39916800.0, 120543840.0, 150917976.0, 105258076.0,
                45995730.0, 13339535.0, 2637558.0, 357423.0, 32670.0, 1925.0,
                66.0, 1.0)
_LOGPI = 1.144729885849400174143427351353058711647


def _lanczos_sum(ax):
    """Lanczos rational sum for ax >= 0: Horner in ax below 5, in 1/ax above
    (avoids overflow of ax**12 and is more accurate there), as in CPython."""
    lo = np.minimum(ax, 5.0)
    s_lo = _horner(_LANCZOS_NUM, lo) / _horner(_LANCZOS_DEN, lo)
    hi = 1.0 / np.maximum(ax, 5.0)
    # sum c_k ax^k / sum d_k ax^k == sum c_k t^(12-k) / sum d_k t^(12-k)
    s_hi = _horner(_LANCZOS_NUM[::-1], hi) / _horner(_LANCZOS_DEN[::-1], hi)
    return np.where(ax < 5.0, s_lo, s_hi)


def gamma(x):
    """Gamma function for real x (negative non-integers via reflection).

    Returns ``nan`` at negative integers and ``+-inf`` at ``+-0.0``; ``inf``
    on overflow (x > 171.62).  ~1e-15 relative error (up to ~2e-14 for
    |x| > 100, where the result is a huge power).

    >>> float(gamma(5.0))
    24.0
    >>> gamma(np.array([0.5, -1.5])).round(12).tolist()
    [1.772453850906, 2.363271801207]
    """
    if type(x) is float or type(x) is int:
        try:
            return np.float64(math.gamma(x))
        except (ValueError, OverflowError):
            pass
    x, scalar = _prep(x)
    with np.errstate(all="ignore"):
        r = _apply(_gamma_kernel, x)
    return _out(r, scalar)


def _gamma_kernel(x):
    ax = np.abs(x)
    # keep every intermediate finite; out-of-range results are patched
    # in by the np.where chain below
    axc = np.minimum(ax, 200.0)
    y = axc + _LANCZOS_GMH
    # z: rounding error of y, scaled, used as a first-order correction
    z = np.where(axc > _LANCZOS_GMH, (y - axc) - _LANCZOS_GMH,
                 (y - _LANCZOS_GMH) - axc) * _LANCZOS_G / y
    ls = _lanczos_sum(axc)
    sp = y ** (axc * 0.5 - 0.25)          # y**(ax-1/2) = sp*sp (no overflow)
    pos = ls / np.exp(y)
    pos = (pos + z * pos) * sp * sp
    r = pos
    neg = x < 0
    if _may(neg):
        s = _sinpi(axc)
        refl = -np.pi / s / axc * np.exp(y) / ls
        refl = (refl - z * refl) / sp / sp
        # |x| >= 200: |gamma(x)| underflows; sign is that of -sin(pi x)
        refl = np.where(ax >= 200.0, np.copysign(0.0, -s), refl)
        pole = s == 0.0
        refl = np.where(pole, np.nan, refl)
        r = np.where(neg, refl, r)
    r = np.where(x >= 200.0, np.inf, r)
    r = np.where(ax < 1e-20, 1.0 / x, r)     # includes +-0 -> +-inf
    r = np.where(x == -np.inf, np.nan, r)
    return r


# Taylor coefficients of lgamma(2+z): (1-euler_gamma), then
# (-1)^k (zeta(k)-1)/k for k = 2..30 (computed with mpmath).  Radius of
# convergence 2; on |z| <= 1/2 the truncation error is < 1e-19.
_LG2C = (
    0.42278433509846713, 0.3224670334241132, -0.0673523010531981,
    0.020580808427784546, -0.007385551028673986, 0.0028905103307415234,
    -0.001192753911703261, 0.0005096695247430425, -0.00022315475845357939,
    9.945751278180853e-05, -4.492623673813314e-05, 2.050721277567069e-05,
    -9.439488275268397e-06, 4.374866789907488e-06, -2.039215753801366e-06,
    9.55141213040742e-07, -4.492469198764566e-07, 2.1207184805554665e-07,
    -1.0043224823968099e-07, 4.7698101693639804e-08, -2.2711094608943164e-08,
    1.0838659214896955e-08, -5.183475041970047e-09, 2.4836745438024785e-09,
    -1.1921401405860912e-09, 5.731367241678862e-10, -2.7595228851242334e-10,
    1.330476437424449e-10, -6.4229645638381e-11, 3.1044247747322276e-11,
)


def lgamma(x):
    """log|gamma(x)| for real x, like ``math.lgamma`` (``+inf`` at poles).

    Full relative accuracy near the zeros x = 1 and x = 2.

    >>> round(float(lgamma(10.0)), 12)     # log(9!)
    12.801827480081
    >>> lgamma(np.array([1.0, 2.0, -0.5])).round(10).tolist()
    [0.0, 0.0, 1.2655121235]
    """
    if type(x) is float or type(x) is int:
        if not 0.5 <= x <= 2.5:
            try:
                return np.float64(math.lgamma(x))
            except (ValueError, OverflowError):
                pass
    x, scalar = _prep(x)
    with np.errstate(all="ignore"):
        r = _apply(_lgamma_kernel, x)
    return _out(r, scalar)


def _lgamma_kernel(x):
    ax = np.abs(x)
    ls = _lanczos_sum(ax)
    r = np.log(ls) - _LANCZOS_G
    r = r + (ax - 0.5) * (np.log(ax + _LANCZOS_GMH) - 1.0)
    neg = x < 0
    if _may(neg):
        s = np.abs(_sinpi(ax))
        refl = _LOGPI - np.log(s) - np.log(ax) - r
        refl = np.where(s == 0.0, np.inf, refl)
        r = np.where(neg, refl, r)
    near = (x >= 0.5) & (x <= 2.5)
    if _may(near):
        # x in [0.5, 1.5): lgamma(x) = lgamma(2+z) - log1p(z), z = x-1
        # x in [1.5, 2.5]: lgamma(x) = lgamma(2+z),             z = x-2
        lower = x < 1.5
        z = np.where(lower, x - 1.0, x - 2.0)           # exact
        t = z * _horner(_LG2C, z)
        t = np.where(lower, t - np.log1p(z), t)
        r = np.where(near, t, r)
    r = np.where(ax < 1e-20, -np.log(ax), r)   # includes 0 -> +inf
    r = np.where(ax == np.inf, np.inf, r)
    return r


# ---------------------------------------------------------------------------
# digamma, polygamma
#   x > 0 : upward recurrence  psi^(n)(x) = psi^(n)(x+m) - (-1)^n n! sum_{k<m}
#           (x+k)^-(n+1)  until z = x+m >= Z(n), then the asymptotic series
#           psi(z)      ~ ln z - 1/(2z) - sum_k B_2k / (2k z^2k)
#           psi^(n)(z)  ~ (-1)^(n+1) [ (n-1)!/z^n + n!/(2 z^(n+1))
#                              + sum_k B_2k (2k+n-1)! / ((2k)! z^(2k+n)) ]
#           (Abramowitz & Stegun 6.3.18, 6.4.11).  For n >= 1 every term has
#           the same sign, so nothing cancels.
#   x < 0 : reflection, differentiated n times:
#           psi^(n)(x) = (-1)^n psi^(n)(1-x) - pi^(n+1) cot^(n)(pi x),
#           cot^(n)(u) = P_n(cot u), P_0(c) = c, P_{n+1} = -(1+c^2) P_n'(c).
#   digamma near its positive zero x0 = 1.4616...: Taylor series around x0,
#           since psi(z) - sum 1/(x+k) cancels there.
# ---------------------------------------------------------------------------

_ASYM_TERMS = 14
_X0_HI = 1.4616321449683622
_X0_LO = 9.549995429965697e-17
# psi^(k)(x0)/k!, k = 1..22 (mpmath); terms shrink like (h/x0)^k
_ROOTC = (
    0.9676722454476212, -0.4427631689835921, 0.258499760955651,
    -0.16394270544240652, 0.10782405069126237, -0.07219956125645471,
    0.04880428816414311, -0.03316112647484736, 0.022597648232218104,
    -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928,
    -0.0015769367714301972, 0.0010788252019162967, -0.0007380709389960052,
    0.000504953265834602, -0.0003454680251063077, 0.00023635601564027053,
    -0.00016170622091974803,
)
_ROOT_WINDOW = 0.25


# Caches keyed by a polygamma order: bounded, because a program may ask for
# orders without end (each entry of _cot_deriv_poly(n) holds n + 2 big ints).
# lru_cache is thread-safe; two threads missing at once compute the same
# tuple twice and one wins, which only wastes work.
_ORDER_CACHE = 64


@lru_cache(maxsize=4)           # one argument is ever used: 2 * _ASYM_TERMS
def _bernoulli(m):
    """Bernoulli numbers B_0..B_m as Fractions (Akiyama-Tanigawa)."""
    a = [Fraction(0)] * (m + 1)
    out = []
    for i in range(m + 1):
        a[i] = Fraction(1, i + 1)
        for j in range(i, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])                # B_1 = +1/2 here; we never use it
    return tuple(out)


def _shift_target(n):
    # the asymptotic series for psi^(n) needs z >~ (n + 2K)/(2 pi) * (few);
    # 14 terms at z >= 12 + 1.5 n give < 1e-17 relative for n <= 30
    return float(12 + int(1.5 * n))


@lru_cache(maxsize=_ORDER_CACHE)
def _asym_coeffs(n):
    """Coefficients (lowest order first) of the series in w2 = 1/z^2 that
    multiplies (n-1)!/z^n in the asymptotic expansion (n >= 1), or that is
    subtracted from ln z - 1/(2z) (n = 0)."""
    B = _bernoulli(2 * _ASYM_TERMS)
    if n == 0:
        return (0.0,) + tuple(float(B[2 * k] / (2 * k))
                              for k in range(1, _ASYM_TERMS + 1))
    f = math.factorial(n - 1)
    return (0.0,) + tuple(
        float(B[2 * k] * Fraction(math.factorial(2 * k + n - 1),
                                  math.factorial(2 * k) * f))
        for k in range(1, _ASYM_TERMS + 1))


@lru_cache(maxsize=_ORDER_CACHE)
def _cot_deriv_poly(n):
    """Coefficients of P_n with cot^(n)(u) = P_n(cot u), lowest first."""
    p = [0, 1]                          # P_0(c) = c
    for _ in range(n):
        dp = [k * p[k] for k in range(1, len(p))] or [0]
        # -(1 + c^2) * dp
        q = [0] * (len(dp) + 2)
        for k, c in enumerate(dp):
            q[k] -= c
            q[k + 2] -= c
        while len(q) > 1 and q[-1] == 0:
            q.pop()
        p = q
    return tuple(float(c) for c in p)


def _polygamma_pos(n, x):
    """psi^(n)(x) for x > 0 (other x give garbage, masked by the caller)."""
    Z = _shift_target(n)
    acc = 0.0
    e = -(n + 1)
    for k in range(int(Z)):
        t = x + k
        term = 1.0 / t if n == 0 else t ** e
        acc = acc + np.where(t < Z, term, 0.0)
    z = np.where(x < Z, x + np.ceil(Z - x), x)
    w = 1.0 / z
    s = _horner(_asym_coeffs(n), w * w)
    if n == 0:
        return np.log(z) - 0.5 * w - s - acc
    a = math.factorial(n - 1) * w ** n * (1.0 + 0.5 * n * w + s)
    r = a + math.factorial(n) * acc
    return r if n % 2 == 1 else -r


def polygamma(n, x):
    """n-th derivative of the digamma function, psi^(n)(x), integer n >= 0.

    ``n`` must be a (scalar) non-negative integer, ``x`` real; negative
    non-integer x via the reflection formula.  At the poles x = 0, -1, ...
    the result is ``+inf`` for odd n and ``nan`` for even n.

    >>> float(polygamma(1, 1.0))      # pi**2/6
    1.6449340668482264
    >>> polygamma(3, np.array([0.5, 2.0])).round(10).tolist()
    [97.409091034, 0.4939394023]
    """
    if isinstance(n, (float, np.floating)) and float(n).is_integer():
        n = int(n)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError("polygamma: n must be a non-negative integer, got %r"
                         % (n,))
    n = int(n)
    x, scalar = _prep(x)
    with np.errstate(all="ignore"):
        r = _apply(lambda v: _polygamma_kernel(n, v), x)
    return _out(r, scalar)


def _polygamma_kernel(n, x):
    neg = x < 0
    anyneg = _may(neg)
    xp = np.where(neg, 1.0 - x, x) if anyneg else x
    r = _polygamma_pos(n, xp)
    if n == 0:
        h = (x - _X0_HI) - _X0_LO
        nearroot = np.abs(h) <= _ROOT_WINDOW
        if _may(nearroot):
            r = np.where(nearroot, h * _horner(_ROOTC, h), r)
    if anyneg:
        c = _cotpi(x)
        cd = _horner(_cot_deriv_poly(n), c) * np.pi ** (n + 1)
        refl = r - cd if n % 2 == 0 else -r - cd
        r = np.where(neg, refl, r)
    pole = (x <= 0) & (x == np.floor(x))
    r = np.where(pole, np.inf if n % 2 == 1 else np.nan, r)
    if n == 0:
        r = np.where(x == np.inf, np.inf, r)
    else:
        r = np.where(x == np.inf, 0.0, r)
    return r


def digamma(x):
    """Digamma function psi(x) = d/dx log(gamma(x)) for real x.

    ``nan`` at the poles x = 0, -1, -2, ...

    >>> round(float(digamma(1.0)), 14)     # -euler_gamma
    -0.57721566490153
    >>> digamma(np.array([0.5, -0.5])).round(10).tolist()
    [-1.963510026, 0.036489974]
    """
    return polygamma(0, x)
