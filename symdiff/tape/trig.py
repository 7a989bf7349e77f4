"""Sine and cosine of a large float64 array together, for the tape's sin and cos.

Sits under ``rules``: ``SinBackward0`` needs ``cos(x)`` in backward and
``CosBackward0`` needs ``sin(x)``.  numpy evaluates float64 sin and cos one
element at a time through libm (its SIMD versions are float32 only), about 9 ns
an element each, so a recorded ``sin`` cost a sine forward and a cosine backward.
``sincos`` computes both in one pass, about 14 ns an element, and the node keeps
the second one for backward: the pair costs about two thirds of what it did.

The method is fdlibm's (FreeBSD ``k_sin.c``/``k_cos.c``/``e_rem_pio2.c``), written
as numpy operations on cache-sized blocks with preallocated scratch arrays:

* ``n = rint(x * 2/pi)``, and ``x - n*pi/2`` as a double-double ``r + y`` with
  pi/2 split in three parts (the first two have 33 bits, so ``n*P1`` and ``n*P2``
  are exact for ``|n| < 2**20``, and ``x - n*P1`` is exact by Sterbenz's lemma);
* fdlibm's minimax polynomials for sin and cos on ``[-pi/4, pi/4]``, with the
  tail ``y`` folded in;
* the quadrant ``n mod 4`` picks and signs the results, by exact multiplications
  (one of each pair of products is 0.0).

Elements with ``|x| > 2**19``, zeros (for the sign of ``sin(-0.0)``), inf and nan
take numpy's own ``sin``/``cos``.
Against glibc's libm (numpy's) the results differ by at most 1 ulp, in about 3%
of elements; ``tests/test_tape_trig.py`` checks them against mpmath.
"""

from __future__ import annotations

import numpy as np

#: arrays with fewer elements go through np.sin/np.cos (per-call overhead wins)
MIN_SIZE = 4096
_BLOCK = 8192              # 9 scratch arrays of 64 KiB: they stay in L2
_LIMIT = 2.0 ** 19         # |n| < 2**20: n*P1 and n*P2 are exact

_INV_PIO2 = 6.36619772367581382433e-01
_P1 = 1.57079632673412561417e+00     # first 33 bits of pi/2
_P2 = 6.07710050630396597660e-11     # next 33 bits
_P2T = 2.02226624879595063154e-21    # pi/2 - P1 - P2
_S = (-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
      2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10)
_C = (4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
      -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11)

_mul, _add, _sub = np.multiply, np.add, np.subtract


def sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(np.sin(x), np.cos(x))`` within 1 ulp, for a float64 array, in one pass.

    >>> s, c = sincos(np.linspace(-10.0, 10.0, 5000))
    >>> bool(np.allclose(s, np.sin(np.linspace(-10.0, 10.0, 5000)), rtol=1e-15, atol=0))
    True
    """
    x = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(x).reshape(-1)
    size = flat.size
    s = np.empty(size)
    c = np.empty(size)
    width = min(_BLOCK, size)
    scratch = [np.empty(width) for _ in range(9)]
    with np.errstate(all="ignore"):
        for i in range(0, size, _BLOCK):
            j = min(i + _BLOCK, size)
            tmp = scratch if j - i == width else [a[:j - i] for a in scratch]
            _block(flat[i:j], s[i:j], c[i:j], *tmp)
        far = ~(np.abs(flat) <= _LIMIT)          # large, inf and nan
        far |= flat == 0.0                       # sin(-0.0) is -0.0
    if far.any():                                # numpy's results, and its warnings
        s[far] = np.sin(flat[far])
        c[far] = np.cos(flat[far])
    return s.reshape(x.shape), c.reshape(x.shape)


def _numpy_pair(x):
    return np.sin(x), np.cos(x)


_chosen = []


def sin_and_cos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sin(x), cos(x))`` for a large float64 array, the faster way on this machine:
    ``sincos``'s one pass of about 60 numpy operations per block, or numpy's two
    libm calls.  Which wins depends on the CPU and its load (measured on a busy
    2-core machine: the pass 48 ms a million elements, the two calls 24-32 ms), so
    it is chosen once, by timing both on a 64K-element array (a few ms)."""
    if not _chosen:
        _chosen.append(_faster())
    return _chosen[0](x)


def _faster():
    import time
    x = np.linspace(-20.0, 20.0, 1 << 16)
    best = {}
    for fn in (sincos, _numpy_pair):
        fn(x)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn(x)
            times.append(time.perf_counter() - t0)
        best[fn] = min(times)
    return min(best, key=best.get)


def _block(x, s, c, n, t, w, r1, a, b, r, y, z):
    """sin and cos of one block ``x`` into ``s`` and ``c``; the rest is scratch."""
    # -- reduction: x = n*pi/2 + (r + y) ------------------------------------------
    _mul(x, _INV_PIO2, out=n)
    np.rint(n, out=n)
    _mul(n, _P1, out=t)
    _sub(x, t, out=t)                     # t = x - n*P1, exact
    _mul(n, _P2, out=w)                   # exact
    _sub(t, w, out=r1)                    # r1 = fl(t - w) ...
    _sub(r1, t, out=a)                    # ... and its rounding error (TwoSum)
    _sub(r1, a, out=b)
    _sub(t, b, out=b)
    _add(w, a, out=a)
    _sub(b, a, out=a)
    _mul(n, _P2T, out=b)
    _sub(a, b, out=a)                     # tail = error - n*P2t
    _add(r1, a, out=r)                    # r = r1 + tail, y = what r lost of it
    _sub(r, r1, out=b)
    _sub(a, b, out=y)
    _mul(r, r, out=z)
    # -- sin(r + y) = r - ((z*(y/2 - v*p) - y) - v*S1), v = r**3 -------------------
    v = w
    _mul(z, r, out=v)
    p = t
    _mul(z, _S[5], out=p)
    _add(p, _S[4], out=p)
    for k in (3, 2, 1):
        _mul(p, z, out=p)
        _add(p, _S[k], out=p)
    _mul(p, v, out=p)
    _mul(y, 0.5, out=a)
    _sub(a, p, out=a)
    _mul(a, z, out=a)
    _sub(a, y, out=a)
    _mul(v, _S[0], out=b)
    _sub(a, b, out=a)
    _sub(r, a, out=s)
    # -- cos(r + y) = h + (((1 - h) - z/2) + (z*q - r*y)), h = 1 - z/2 --------------
    q = t
    _mul(z, _C[5], out=q)
    _add(q, _C[4], out=q)
    for k in (3, 2, 1, 0):
        _mul(q, z, out=q)
        _add(q, _C[k], out=q)
    _mul(q, z, out=q)
    _mul(q, z, out=q)
    _mul(r, y, out=a)
    _sub(q, a, out=q)
    _mul(z, 0.5, out=a)
    _sub(1.0, a, out=b)
    _sub(1.0, b, out=v)
    _sub(v, a, out=v)
    _add(v, q, out=v)
    _add(b, v, out=c)
    # -- quadrant: (sin, cos)(x) = (s, c), (c, -s), (-s, -c), (-c, s) for n mod 4 --
    _mul(n, 0.25, out=a)
    np.floor(a, out=a)
    _mul(a, 4.0, out=a)
    _sub(n, a, out=a)                     # n mod 4
    _mul(a, 0.5, out=b)
    np.floor(b, out=b)                    # h = (n mod 4) // 2
    _add(b, b, out=r)
    _sub(a, r, out=a)                     # odd = n mod 2
    _sub(1.0, r, out=r)                   # sign of sin: 1 - 2h
    _sub(1.0, a, out=b)                   # even
    _mul(c, a, out=v)
    _mul(s, b, out=z)
    _add(v, z, out=v)                     # odd ? c : s
    _mul(s, a, out=s)
    _mul(c, b, out=c)
    _add(s, c, out=z)                     # odd ? s : c
    _mul(v, r, out=s)
    _add(a, a, out=a)
    _sub(1.0, a, out=a)
    _mul(a, r, out=a)                     # sign of cos: (1 - 2h)(1 - 2 odd)
    _mul(z, a, out=c)
