"""Simplification on construction: the rewrites ``Graph`` applies as nodes are made.

Derivative rules are written plainly (``g * 1``, ``a + 0``, a contraction with a
transposed operand); these rewrites keep the result as small as a hand-written
gradient: neutral elements drop out, constants fold, transposes fold into
contractions, a contraction of one operand is a sum or a transpose, and a scalar
factor comes out of a contraction. Each returns the simplified node, or None to
build the node as asked.
"""

from __future__ import annotations

import numpy as np

from . import elementwise
from .shapes import broadcast_shapes


def _scalar(n, value=None) -> bool:
    return n.is_const(value) if value is not None else (n.op == "const" and isinstance(n.attrs[0], float))


def _is(n, fname) -> bool:
    return n.op == "ewise" and n.attrs[0] == fname


def ewise(g, fname, args):
    spec = elementwise.FUNCTIONS[fname]
    if all(a.op == "const" for a in args) and fname != "where":
        with np.errstate(all="ignore"):
            value = spec.fn(*(a.attrs[0] for a in args))
        return g.const(value if np.ndim(value) else float(value)) if spec.dtype == "f" \
            else None
    shape = broadcast_shapes(*(a.shape for a in args))
    # elementwise functions commute with broadcasting: broadcast last (and not at all
    # when another argument has the full shape)
    if any(a.op == "broadcast" for a in args):
        inner = tuple(a.args[0] if a.op == "broadcast" else a for a in args)
        return g.broadcast(g.ewise(fname, *inner), shape)

    def same(x):                    # x stands for the result only if no broadcast is lost
        return x if x.shape == shape and x.dtype == "f" else None

    if fname in ("add", "mul"):
        a, b = args
        unit = 0.0 if fname == "add" else 1.0
        if _scalar(a, unit):
            return same(b)
        if _scalar(b, unit):
            return same(a)
        if fname == "mul":
            if _scalar(a, -1.0):
                return g.neg(b) if b.shape == shape else None
            if _scalar(b, -1.0):
                return g.neg(a) if a.shape == shape else None
            if _is(a, "neg") or _is(b, "neg"):
                if _is(a, "neg") and _is(b, "neg"):
                    return g.mul(a.args[0], b.args[0])
                if _scalar(a):
                    return g.mul(-a.attrs[0], b.args[0])
                inner = g.mul(a.args[0] if _is(a, "neg") else a, b.args[0] if _is(b, "neg") else b)
                return g.neg(inner)
            for x, y in ((a, b), (b, a)):       # x * (1 / y) -> x / y
                if y.op == "ewise" and y.attrs[0] == "div" and _scalar(y.args[0], 1.0):
                    return g.div(x, y.args[1])
                if _is(y, "div") and y.args[1] is x:     # (u / x) * x -> u
                    return g.broadcast(y.args[0], shape)
            # a product with a scatter (the adjoint of x[i]) touches only the scattered
            # entries: scatter(s * y[key]). Multiplying the whole array makes 0 * inf =
            # nan off them (d/dx[1] of (1/x)[0] at a tiny x[1]), and costs more
            for x, y in ((a, b), (b, a)):
                if x.op == "scatter" and x.shape == shape and y.dtype == "f" and y.op != "const":
                    key = x.attrs[0]
                    full = y if y.shape == shape else g.broadcast(y, shape)
                    return g.scatter(g.mul(x.args[0], g.index(full, key)), key, shape)
            if _scalar(a) and b.op == "ewise" and b.attrs[0] == "mul" and _scalar(b.args[0]):
                return g.mul(a.attrs[0] * b.args[0].attrs[0], b.args[1])
            # a constant factor comes to the front (x * (c * y) -> c * (x * y)), where
            # optimize.py can move it onto the smallest array
            for x, y in ((a, b), (b, a)):
                if not _scalar(x) and _is(y, "mul") and _scalar(y.args[0]):
                    return g.mul(y.args[0], g.mul(x, y.args[1]))
        if fname == "add":
            if a is b and a.dtype == "f":              # x + x -> 2 * x
                return g.mul(2.0, a)
            if b.op == "ewise" and b.attrs[0] == "neg":
                return g.sub(a, b.args[0])
            if a.op == "ewise" and a.attrs[0] == "neg":
                return g.sub(b, a.args[0])
        # a canonical order for commutative operations: constants first
        if b.op == "const" and a.op != "const":
            return g.ewise(fname, b, a)
        return None
    if fname == "sub":
        a, b = args
        if a is b and a.dtype == "f":
            return g.broadcast(g.const(0.0), shape)
        if _scalar(b, 0.0):
            return same(a)
        if _scalar(a, 0.0):
            return g.neg(b) if b.shape == shape else None
        if b.op == "ewise" and b.attrs[0] == "neg":
            return g.add(a, b.args[0])
        return None
    if fname == "div":
        a, b = args
        if _scalar(b, 1.0):
            return same(a)
        if _scalar(b):
            return g.mul(1.0 / b.attrs[0], a) if b.attrs[0] != 0 else None
        if a.op == "ewise" and a.attrs[0] == "neg":
            return g.neg(g.div(a.args[0], b))
        return None
    if fname == "neg":
        (a,) = args
        if a.op == "reduce" and a.attrs[0] == "sum" and a.args[0].op == "ewise" \
                and a.args[0].attrs[0] == "neg":
            return g.sum(a.args[0].args[0], a.attrs[1], a.attrs[2])
        if a.op == "ewise" and a.attrs[0] == "neg":
            return a.args[0]
        if a.op == "ewise" and a.attrs[0] == "sub":
            return g.sub(a.args[1], a.args[0])
        return None
    if fname == "pow":
        a, b = args
        if _scalar(b, 1.0):
            return same(a)
        if _scalar(b, 0.5):
            return g.ewise("sqrt", a)
        return None
    return None


def einsum(g, inputs, output, args, sizes):
    # a transposed operand: permute its letters instead
    if any(a.op == "transpose" for a in args):
        new_in, new_args = [], []
        for spec, a in zip(inputs, args):
            if a.op == "transpose":
                perm = a.attrs[0]
                letters = [""] * len(perm)
                for k, p in enumerate(perm):
                    letters[p] = spec[k]
                new_in.append("".join(letters))
                new_args.append(a.args[0])
            else:
                new_in.append(spec)
                new_args.append(a)
        return g.einsum(new_in, output, *new_args)
    # a 0-d operand is a scalar factor
    for k, (spec, a) in enumerate(zip(inputs, args)):
        if spec == "" and len(args) > 1:
            rest = g.einsum(inputs[:k] + inputs[k + 1:], output, *(args[:k] + args[k + 1:]))
            return g.mul(a, rest)
    if len(args) == 1:
        (spec,), (a,) = inputs, args
        if len(set(spec)) == len(spec):
            kept = [c for c in spec if c in output]
            summed = tuple(k for k, c in enumerate(spec) if c not in output)
            x = g.sum(a, summed) if summed else a
            return g.transpose(x, tuple(kept.index(c) for c in output))
    return None


def constant_along(x, axes, ndim) -> bool:
    """Is ``x`` (broadcast against an ``ndim``-d array) constant along ``axes``?"""
    lead = ndim - x.ndim
    return all(k < lead or x.shape[k - lead] == 1 for k in axes)


def sum_of(g, x, axes, keepdims):
    """A sum of a product or quotient with a factor constant along the summed axes:
    the factor comes out (sum(a * b) = a * sum(b)), so that later terms can cancel
    (the shift of a stable logsumexp has a zero gradient, found this way)."""
    if not keepdims or x.op != "ewise" or x.attrs[0] not in ("mul", "div"):
        return None
    a, b = x.args
    if x.attrs[0] == "mul":
        for u, v in ((a, b), (b, a)):
            if v.shape == x.shape and constant_along(u, axes, x.ndim) and u.dtype == "f":
                return g.mul(u, g.sum(v, axes, keepdims=True))
    elif a.shape == x.shape and constant_along(b, axes, x.ndim):
        return g.div(g.sum(a, axes, keepdims=True), b)
    return None


def is_zero(n) -> bool:
    return n.is_const(0.0) or (n.op == "broadcast" and n.args[0].is_const(0.0))
