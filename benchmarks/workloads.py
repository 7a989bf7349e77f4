"""The benchmark workloads of issue 5, as plain Python functions.

symdiff reads these functions' source, so each one is an ordinary ``def`` using
``math`` (scalar code that symdiff turns into numpy code). The peers (JAX,
PyTorch, HIPS autograd, SymPy) need the same formulas in their own namespaces:
``build(name, ns)`` makes them from a namespace with ``sin``, ``exp``, ... The
harness (``benchmarks/run.py``) checks every engine's numbers against the
hand-written numpy gradients below, so the two spellings cannot drift apart
unnoticed.

Hand-written gradients are what an expert would write in numpy: shared
subexpressions computed once, integer powers as products, the known closed forms
(the Black-Scholes Greeks) where they exist.
"""

import math

import numpy as np

def warmup(a, b):
    """Run through symdiff once before timing a compile (lazy imports, first-use costs)."""
    return a * b + math.cos(a) / b


# -- 1. elementwise ------------------------------------------------------------------

K_STRIKE = 100.0
RATE = 0.05
SQRT2 = math.sqrt(2.0)


def elem_a(x, y):
    """x²y + sin(xy) + exp(-x²)."""
    return x**2 * y + math.sin(x * y) + math.exp(-x**2)


def rosen2(x, y):
    """2-D Rosenbrock."""
    return (1 - x)**2 + 100 * (y - x**2)**2


def elem_c(x, y, z):
    """log(1 + exp(xy + z))·tanh z + sqrt(x² + y² + 1)."""
    return math.log(1 + math.exp(x * y + z)) * math.tanh(z) + math.sqrt(x**2 + y**2 + 1)


def bs_call(S, sigma, T):
    """Black-Scholes call price, strike K_STRIKE, rate RATE, as a function of S, σ, T."""
    d1 = (math.log(S / K_STRIKE) + (RATE + sigma**2 / 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    n1 = 0.5 * (1 + math.erf(d1 / SQRT2))
    n2 = 0.5 * (1 + math.erf(d2 / SQRT2))
    return S * n1 - K_STRIKE * math.exp(-RATE * T) * n2


def build(name, ns):
    """The workload ``name`` written against namespace ``ns`` (jax.numpy, torch, sympy...).

    ``ns`` needs sin, exp, log, tanh, sqrt, erf (only what the function uses).
    """
    if name == "elem_a":
        return lambda x, y: x**2 * y + ns.sin(x * y) + ns.exp(-x**2)
    if name == "rosen2":
        return lambda x, y: (1 - x)**2 + 100 * (y - x**2)**2
    if name == "elem_c":
        return lambda x, y, z: (ns.log(1 + ns.exp(x * y + z)) * ns.tanh(z)
                                + ns.sqrt(x**2 + y**2 + 1))
    if name == "bs_call":
        def call(S, sigma, T):
            sqrtT = ns.sqrt(T)
            d1 = (ns.log(S / K_STRIKE) + (RATE + sigma**2 / 2) * T) / (sigma * sqrtT)
            d2 = d1 - sigma * sqrtT
            n1 = 0.5 * (1 + ns.erf(d1 / SQRT2))
            n2 = 0.5 * (1 + ns.erf(d2 / SQRT2))
            return S * n1 - K_STRIKE * ns.exp(-RATE * T) * n2
        return call
    if name == "high":
        return lambda x: ns.exp(ns.sin(x)) * ns.log(1 + x**2) / (1 + x)
    if name == "loop67":
        def loop(x):
            y = x
            for _ in range(67):
                y = y * x + ns.sin(y)
            return y
        return loop
    raise KeyError(name)


def grad_elem_a(x, y):
    xy = x * y
    c = np.cos(xy)
    x2 = x + x
    gx = (x2 + c) * y
    gx -= x2 * np.exp(-x * x)
    gy = (x + c) * x
    return gx, gy


def grad_rosen2(x, y):
    gy = y - x * x
    gy *= 200.0
    gx = x - 1.0
    gx -= x * gy
    gx *= 2.0
    return gx, gy


def grad_elem_c(x, y, z):
    eu = np.exp(x * y + z)
    onep = 1.0 + eu
    th = np.tanh(z)
    a = th * eu / onep                      # tanh z · sigmoid(xy + z)
    rinv = 1.0 / np.sqrt(x * x + y * y + 1.0)
    gx = a * y + x * rinv
    gy = a * x + y * rinv
    gz = a + np.log(onep) * (1.0 - th * th)
    return gx, gy, gz


def make_grad_bs_call(erf):
    """Hand-written Black-Scholes Greeks (delta, vega, dC/dT) with the given erf."""
    inv_sqrt2 = 1.0 / SQRT2
    inv_sqrt2pi = 1.0 / math.sqrt(2.0 * math.pi)

    def grad_bs_call(S, sigma, T):
        sqrtT = np.sqrt(T)
        sst = sigma * sqrtT
        d1 = (np.log(S * (1.0 / K_STRIKE)) + (RATE + 0.5 * sigma * sigma) * T) / sst
        d2 = d1 - sst
        delta = 0.5 + 0.5 * erf(d1 * inv_sqrt2)
        n2 = 0.5 + 0.5 * erf(d2 * inv_sqrt2)
        s_pdf = S * np.exp(-0.5 * d1 * d1) * inv_sqrt2pi      # S φ(d1) = K e^{-rT} φ(d2)
        vega = s_pdf * sqrtT
        dT = s_pdf * sigma / (2.0 * sqrtT) + (RATE * K_STRIKE) * np.exp(-RATE * T) * n2
        return delta, vega, dT
    return grad_bs_call


def _scipy_or_symdiff_erf():
    try:
        from scipy.special import erf
        return erf, "scipy.special.erf"
    except ImportError:
        from symdiff.special import erf
        return erf, "symdiff.special.erf"


ELEMENTWISE = {
    # name: (function read by symdiff, argument names, input ranges, hand gradient)
    "elem_a": (elem_a, ("x", "y"), ((-2.0, 2.0), (-2.0, 2.0)), grad_elem_a),
    "rosen2": (rosen2, ("x", "y"), ((-2.0, 2.0), (-1.0, 3.0)), grad_rosen2),
    "elem_c": (elem_c, ("x", "y", "z"), ((-2.0, 2.0),) * 3, grad_elem_c),
    "bs_call": (bs_call, ("S", "sigma", "T"), ((50.0, 150.0), (0.1, 0.5), (0.1, 2.0)),
                make_grad_bs_call(_scipy_or_symdiff_erf()[0])),
}

ELEMENTWISE_LABELS = {
    "elem_a": "(a) x²y + sin(xy) + e^(−x²)",
    "rosen2": "(b) 2-D Rosenbrock",
    "elem_c": "(c) log(1+e^(xy+z))·tanh z + √(x²+y²+1)",
    "bs_call": "(d) Black–Scholes call in S, σ, T (erf)",
}


def elementwise_inputs(name, n, seed=0):
    rng = np.random.default_rng(seed)
    ranges = ELEMENTWISE[name][2]
    return tuple(rng.uniform(lo, hi, n) for lo, hi in ranges)


# -- 2. high order -------------------------------------------------------------------

def high(x):
    """exp(sin x)·log(1 + x²)/(1 + x)."""
    return math.exp(math.sin(x)) * math.log(1 + x**2) / (1 + x)


def high_inputs(n, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 2.0, n)


# -- 3. loop -------------------------------------------------------------------------

def loop67(x):
    """y = x; 67 times y = y*x + sin(y): 201 operations."""
    y = x
    for _ in range(67):
        y = y * x + math.sin(y)
    return y


def loop_sympy(depth):
    """The loop of depth ``depth`` flattened into one sympy expression (naive sympy)."""
    import sympy
    x = sympy.Symbol("x")
    y = x
    for _ in range(depth):
        y = y * x + sympy.sin(y)
    return x, y


LOOP_POINT = 0.5


# -- 4. n-D Rosenbrock ---------------------------------------------------------------

def rosen_nd(x):
    """n-D Rosenbrock written as a loop over x[i]; n from ``shapes={"x": (n,)}``."""
    s = 0.0
    for i in range(len(x) - 1):
        s += 100 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return s


def grad_rosen_nd(x):
    """Hand-written vectorised gradient (numpy slices)."""
    xi = x[:-1]
    t = x[1:] - xi * xi
    g = np.zeros_like(x)
    g[:-1] = -400.0 * xi * t - 2.0 * (1.0 - xi)
    g[1:] += 200.0 * t
    return g


def rosen_nd_point(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.5, n)


def rosen_nd_sympy(n):
    """Naive sympy: the sum of n-1 terms over n symbols."""
    import sympy
    xs = sympy.symbols(f"x0:{n}")
    expr = sympy.Add(*[100 * (xs[i + 1] - xs[i]**2)**2 + (1 - xs[i])**2 for i in range(n - 1)])
    return xs, expr


# -- 5. tape -------------------------------------------------------------------------

def array_graph(ns, x):
    """~16 elementwise ops on a 1e6 array, then sum (ns: tape, torch, autograd.numpy)."""
    s = ns.sin(x)
    e = ns.exp(-x * x)
    y = s * e + x * ns.cos(x)
    z = ns.tanh(y) * x + ns.log(1 + x * x)
    w = ns.sqrt(z * z + 1) * y
    return w.sum()
