"""The peer engines of issue 5, imported lazily so that none of them is required.

Each ``load_<peer>()`` returns the configured module (JAX in float64, torch on one
thread) or raises ``Unavailable`` with the reason, which the harness prints as a
"not installed" row. Namespaces give the workloads of ``workloads.build`` the
functions each engine spells differently (erf above all).
"""

from __future__ import annotations

import math
import types


class Unavailable(Exception):
    """A peer engine is not installed (or cannot be configured)."""


_cache: dict = {}


def _load(name, loader):
    if name not in _cache:
        try:
            _cache[name] = loader()
        except ImportError as exc:
            _cache[name] = Unavailable(f"not installed ({exc.name or exc})")
    value = _cache[name]
    if isinstance(value, Unavailable):
        raise value
    return value


def load_jax():
    """jax with float64 on (``jax_enable_x64``), CPU."""
    def loader():
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import jax.scipy.special as jsp
        ns = types.SimpleNamespace(sin=jnp.sin, cos=jnp.cos, exp=jnp.exp, log=jnp.log,
                                   tanh=jnp.tanh, sqrt=jnp.sqrt, erf=jsp.erf)
        return types.SimpleNamespace(jax=jax, jnp=jnp, ns=ns, version=jax.__version__)
    return _load("jax", loader)


def load_jet():
    jx = load_jax()

    def loader():
        from jax.experimental import jet
        return jet
    return jx, _load("jet", loader)


def load_torch(threads=1):
    """torch (float64 tensors are made by the callers), ``threads`` intra-op threads."""
    def loader():
        import torch
        ns = types.SimpleNamespace(sin=torch.sin, cos=torch.cos, exp=torch.exp, log=torch.log,
                                   tanh=torch.tanh, sqrt=torch.sqrt, erf=torch.erf)
        return types.SimpleNamespace(torch=torch, ns=ns, version=torch.__version__)
    t = _load("torch", loader)
    t.torch.set_num_threads(threads)
    return t


def load_autograd():
    def loader():
        import autograd
        import autograd.numpy as anp
        import autograd.scipy.special as asp
        from importlib.metadata import version
        ns = types.SimpleNamespace(sin=anp.sin, cos=anp.cos, exp=anp.exp, log=anp.log,
                                   tanh=anp.tanh, sqrt=anp.sqrt, erf=asp.erf)
        return types.SimpleNamespace(autograd=autograd, anp=anp, ns=ns, version=version("autograd"))
    return _load("autograd", loader)


def load_sympy():
    def loader():
        import sympy
        ns = types.SimpleNamespace(sin=sympy.sin, cos=sympy.cos, exp=sympy.exp, log=sympy.log,
                                   tanh=sympy.tanh, sqrt=sympy.sqrt, erf=sympy.erf)
        return types.SimpleNamespace(sympy=sympy, ns=ns, version=sympy.__version__)
    return _load("sympy", loader)


def lambdify_modules():
    """lambdify's modules: scipy first when present (for erf), then numpy."""
    try:
        import scipy  # noqa: F401
        return ["scipy", "numpy"]
    except ImportError:
        return ["numpy"]


def versions() -> dict:
    """Installed versions of everything the benchmark may use."""
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for pkg in ("symdiff", "numpy", "sympy", "scipy", "jax", "jaxlib", "torch", "autograd",
                "symengine", "numba"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


# -- a minimal Python tape (micrograd-style): issue 5's 0.25 ms reference -------------

class MiniValue:
    """Scalar reverse mode in the fewest Python operations: a reference, not an engine."""

    __slots__ = ("data", "grad", "_parents")

    def __init__(self, data, parents=()):
        self.data = data
        self.grad = 0.0
        self._parents = parents          # ((parent, local derivative), ...)

    def __mul__(self, other):
        return MiniValue(self.data * other.data, ((self, other.data), (other, self.data)))

    def __add__(self, other):
        return MiniValue(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def sin(self):
        return MiniValue(math.sin(self.data), ((self, math.cos(self.data)),))

    def backward(self):
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node._parents)
        self.grad = 1.0
        for node in reversed(order):
            g = node.grad
            for p, d in node._parents:
                p.grad += g * d
