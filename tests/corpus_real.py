"""Real-world functions for ``sd.check``: optimisation test functions, ML losses and
activations, Black-Scholes and its Greeks, physics formulas, and code with branches,
loops and helper calls.

Plain Python, written the way people write them (``math``, ``numpy as np``, helpers,
module constants). Each is registered with ``@real(points)``, which sets
``fn.points`` (points where it is smooth) and ``fn.shapes`` and appends it to
``REAL``; the function is returned unchanged.
"""

import math
from math import erf, exp, sqrt

import numpy as np

REAL = []


def real(points, shapes=None):
    def register(fn):
        fn.points = [tuple(p) for p in points]
        fn.shapes = dict(shapes or {})
        REAL.append(fn)
        return fn
    return register


# ---------------------------------------------------------------- helpers and constants
SQRT2 = math.sqrt(2.0)
G_CONST = 6.674e-11
C_LIGHT = 299792458.0
H_PLANCK = 6.62607015e-34
K_BOLTZMANN = 1.380649e-23
WEIGHTS = (0.2, 0.5, 0.3)


def norm_cdf(z):
    return 0.5 * (1.0 + erf(z / SQRT2))


def norm_pdf(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _d1(S, K, T, r, sigma):
    return (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# ---------------------------------------------------------------- optimisation test functions
@real([(0.5, 1.5), (-1.2, 1.0), (1.0, 1.0)])
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


@real([(1.0, 1.0), (3.0, 2.0), (-2.5, 0.3)])
def himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


@real([(1.0, 0.5), (3.0, 0.5), (-1.0, 1.2)])
def beale(x, y):
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
            + (2.625 - x + x * y ** 3) ** 2)


@real([(1.0, 3.0), (-2.0, 0.5)])
def booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


@real([(0.3, -0.7), (1.2, 2.1)])
def rastrigin(x, y):
    total = 20.0
    for v in (x, y):
        total += v ** 2 - 10 * math.cos(2 * math.pi * v)
    return total


@real([(0.5, -0.3), (1.5, 2.0)])
def ackley(x, y):
    a = -20 * math.exp(-0.2 * math.sqrt(0.5 * (x ** 2 + y ** 2)))
    b = -math.exp(0.5 * (math.cos(2 * math.pi * x) + math.cos(2 * math.pi * y)))
    return a + b + math.e + 20


@real([(0.4, -1.1), (2.0, 1.0)])
def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


@real([(0.3, 0.2), (-1.0, 1.5)])
def three_hump_camel(x, y):
    return 2 * x ** 2 - 1.05 * x ** 4 + x ** 6 / 6 + x * y + y ** 2


@real([(0.1, -0.9), (-0.5, 0.5)])
def goldstein_price(x, y):
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)
    return a * b


@real([(0.2, -0.4), (2.0, 1.0)])
def styblinski_tang(x, y):
    return sum(v ** 4 - 16 * v ** 2 + 5 * v for v in (x, y)) / 2


@real([(-0.5, 1.0), (1.5, 2.5)])
def mccormick(x, y):
    return math.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


@real([(3.0, 3.2), (2.5, 3.5)])
def easom(x, y):
    return -math.cos(x) * math.cos(y) * math.exp(-((x - math.pi) ** 2 + (y - math.pi) ** 2))


@real([((0.5, -1.0, 2.0),), ((0.1, 0.2, 0.3),)], shapes={"x": (3,)})
def sphere_weighted(x):
    return sum(w * x[i] ** 2 for i, w in enumerate(WEIGHTS)) + np.sum(x) ** 2


# ---------------------------------------------------------------- ML activations and losses
@real([(-3.0,), (0.5,), (25.0,)])
def softplus_stable(x):
    if x > 20:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@real([(-2.0,), (0.0,), (3.0,)])
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@real([(-1.5,), (0.3,)])
def tanh_act(x):
    return np.tanh(x)


@real([(-1.0,), (0.0,), (2.0,)])
def gelu(x):
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


@real([(-1.0,), (0.7,)])
def gelu_tanh(x):
    return 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


@real([(-2.0,), (1.5,)])
def swish(x):
    return x * _sigmoid(x)


@real([(-1.3,), (0.8,)])
def elu(x, alpha=1.0):
    return x if x > 0 else alpha * (math.exp(x) - 1)


@real([(-0.4,), (1.1,)])
def leaky_relu_sq(x):
    y = x if x >= 0 else 0.01 * x
    return y * y


@real([(0.1, 0.7, -0.3), (5.0, 1.0, 2.0)])
def logsumexp3(a, b, c):
    m = max(a, b, c)
    return m + math.log(math.exp(a - m) + math.exp(b - m) + math.exp(c - m))


@real([(0.1, 0.7, -0.3), (2.0, -1.0, 0.5)])
def cross_entropy_class0(z0, z1, z2):
    logits = (z0, z1, z2)
    total = 0.0
    for z in logits:
        total += math.exp(z)
    return -z0 + math.log(total)


@real([(0.3, 1.0), (-1.2, 0.0)])
def bce_with_logits(z, y):
    return max(z, 0) - z * y + math.log1p(math.exp(-abs(z)))


@real([(0.3, 1.0), (2.5, 0.5), (-3.0, 0.4)])
def huber(r, delta):
    if abs(r) <= delta:
        return 0.5 * r ** 2
    return delta * (abs(r) - 0.5 * delta)


@real([(0.4,), (-2.0,)])
def log_cosh(r):
    return np.log(np.cosh(r))


@real([(0.5, 1.5, -0.2), (2.0, 0.1, 0.3)])
def mse3(a, b, c):
    target = (1.0, 0.0, -1.0)
    preds = [a, b, c]
    return sum((p - t) ** 2 for p, t in zip(preds, target)) / len(preds)


@real([(0.2, 1.0, -0.5)])
def softmax_first(a, b, c):
    e = np.exp(np.array([a, b, c]) - max(a, b, c))
    return e[0] / np.sum(e)


# ---------------------------------------------------------------- Black-Scholes
@real([(100.0, 95.0, 0.5, 0.03, 0.2), (80.0, 100.0, 1.0, 0.01, 0.35)])
def bs_call(S, K, T, r, sigma):
    d1 = _d1(S, K, T, r, sigma)
    d2 = d1 - sigma * math.sqrt(T)
    return S * norm_cdf(d1) - K * math.exp(-r * T) * norm_cdf(d2)


@real([(100.0, 95.0, 0.5, 0.03, 0.2)])
def bs_put(S, K, T, r, sigma):
    d1 = _d1(S, K, T, r, sigma)
    d2 = d1 - sigma * sqrt(T)
    return K * exp(-r * T) * norm_cdf(-d2) - S * norm_cdf(-d1)


@real([(100.0, 95.0, 0.5, 0.03, 0.2), (120.0, 100.0, 2.0, 0.05, 0.3)])
def bs_delta(S, K, T, r, sigma):
    return norm_cdf(_d1(S, K, T, r, sigma))


@real([(100.0, 95.0, 0.5, 0.03, 0.2)])
def bs_gamma(S, K, T, r, sigma):
    return norm_pdf(_d1(S, K, T, r, sigma)) / (S * sigma * math.sqrt(T))


@real([(100.0, 95.0, 0.5, 0.03, 0.2)])
def bs_vega(S, K, T, r, sigma):
    return S * norm_pdf(_d1(S, K, T, r, sigma)) * math.sqrt(T)


# ---------------------------------------------------------------- physics
@real([(0.3, 1.2), (2.0, -0.5)])
def pendulum_energy(theta, omega, m=1.5, length=0.8, g=9.81):
    return 0.5 * m * length ** 2 * omega ** 2 + m * g * length * (1 - math.cos(theta))


@real([(1.0, 2.0, 0.5), (-3.0, 0.2, 1.0)])
def gravitational_potential(x, y, z):
    r = math.sqrt(x * x + y * y + z * z)
    return -G_CONST * 5.97e24 * 70.0 / r


@real([(1.0, 1.0e8), (2.0, 2.5e8)])
def relativistic_energy(m, v):
    gamma = 1 / math.sqrt(1 - (v / C_LIGHT) ** 2)
    return gamma * m * C_LIGHT ** 2


@real([(5.0e-7, 5800.0), (1.0e-5, 300.0)])
def planck(wavelength, T):
    a = 2 * H_PLANCK * C_LIGHT ** 2 / wavelength ** 5
    return a / math.expm1(H_PLANCK * C_LIGHT / (wavelength * K_BOLTZMANN * T))


@real([(1.1,), (1.5,), (2.5,)])
def lennard_jones(r, eps=1.0, sigma=1.0):
    sr6 = (sigma / r) ** 6
    return 4 * eps * (sr6 * sr6 - sr6)


@real([(0.5, 0.3), (2.0, 1.2)])
def damped_oscillator(t, zeta):
    omega = 2.0
    wd = omega * math.sqrt(1 - min(zeta, 0.99) ** 2)
    return math.exp(-zeta * omega * t) * math.cos(wd * t)


@real([(20.0, 0.6), (35.0, 1.1)])
def projectile_range(v, angle):
    return v ** 2 * math.sin(2 * angle) / 9.81


@real([(1.0e-3, 2.0e-3, 0.05), (-2.0e-6, 5.0e-6, 0.3)])
def coulomb_energy(q1, q2, r):
    return 8.9875517923e9 * q1 * q2 / r


# ---------------------------------------------------------------- branches, loops, helpers
@real([(0.7,), (-1.3,)])
def horner(x):
    coeffs = (2.0, -3.0, 0.5, 1.0, -0.25)
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


@real([(2.0,), (10.0,)])
def newton_sqrt(a):
    x = a
    for _ in range(8):
        x = 0.5 * (x + a / x)
    return x


@real([(0.5,), (1.7,)])
def simpson_gauss(s):
    # integral of exp(-s t^2) for t in [0, 1], Simpson's rule with 8 panels
    n = 8
    h = 1.0 / n
    total = 0.0
    for i in range(n + 1):
        t = i * h
        w = 1 if i in (0, n) else (4 if i % 2 == 1 else 2)
        total += w * math.exp(-s * t * t)
    return total * h / 3


@real([(0.3, 0.9), (1.4, -0.6), (-0.8, 0.2)])
def piecewise_smoothstep(x, y):
    if x < 0:
        u = 0.0 * x
    elif x > 1:
        u = 1.0 + 0.0 * x
    else:
        u = x * x * (3 - 2 * x)
    return u * math.exp(y)


@real([(0.4, 1.2), (2.5, 0.3)])
def helper_chain(x, y):
    return swish(x) * norm_cdf(y) + logsumexp3(x, y, 0.0)
