"""Derivatives on the SSA graph, without expression swell.

Sits between the reader (``symdiff.read``, which builds the ``Graph``) and codegen. Nothing here
flattens the user's function: every derivative is itself a named intermediate of
the same graph, defined by a small expression over earlier intermediates.

Forward mode (``forward``) serves partials of any order. The derivative of the
intermediate ``z`` with respect to the multi-index ``(x, x, y)`` is one canonical
symbol ``d3z_dx2dy``, shared by every path that reaches it (so d/dy d/dx and
d/dx d/dy are the same line, and Leibniz' rule collects itself): the k-th
derivative of ``exp(u)`` is a k-term recurrence over lower derivatives, not a
2**k-term tree. Reverse mode (``reverse``) serves gradients: one adjoint per
intermediate, so a gradient in n inputs costs one sweep, not n.

Local derivatives of each primitive come from ``sympy.diff`` on that primitive's
(small) defining expression; ``local_partial`` applies the non-smooth conventions
of PyTorch (|x|'(0) = 0, floor' = 0, max/min split ties evenly).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from math import comb, prod

import sympy
from sympy import Add, Derivative, DiracDelta, Subs

from . import naming
from .ops import catalog
from .graph import Graph, LaneSum

# d/dx f(...) of these is zero almost everywhere (the catalog's steps: floor,
# ceiling, frac, sign, Heaviside); sympy leaves it unevaluated.
_PIECEWISE_CONSTANT = tuple(getattr(sympy, name) for name in catalog.sympy_classes("step"))


def _resolve_derivative(d: Derivative):
    f = d.expr
    if isinstance(f, _PIECEWISE_CONSTANT):
        return sympy.S.Zero
    if isinstance(f, sympy.Mod):           # Mod(a, b) = a - b*floor(a/b)
        a, b = f.args
        return _resolve(sympy.diff(a - b * sympy.floor(a / b), *d.variable_count))
    raise NotImplementedError(f"no derivative rule for {f.func.__name__}: {f}")


def local_partial(expr, u, name=None):
    """∂expr/∂u for one small defining expression, with symdiff's conventions.

    ``name`` is the intermediate that ``expr`` defines, if any: derivatives that
    contain the primitive itself (exp' = exp, (2**u)' = log(2)*2**u) refer to it
    by name, so higher derivatives recur over named values instead of growing.
    A power with a constant exponent p < 0 that is not an integer also does
    ((u**p)' = p*(u**p)/u, one division instead of a second pow): its derivative
    has a pole at u = 0 either way (for 0 < p < 1 that form is 0/0 there, where
    the limit is +inf: those are p*u**(p - 1)). For p > 1 that form is 0/0 at u = 0, where
    the derivative is a finite limit (0), so those use ``_partial_pow``.
    """
    if name is not None and isinstance(expr, sympy.Pow) and expr.base == u \
            and not expr.exp.has(u) and (expr.exp - 1).is_negative \
            and not _integral(expr.exp).is_Integer:
        if expr.exp == -1:
            return -name * name
        if expr.exp.is_positive:
            # 0 < p < 1: p*u**p/u is 0/0 = nan at u = 0, where the derivative's limit
            # is +inf (as JAX, torch and the array reading give): p*u**(p - 1), which
            # for a square root is 1/(2*name), no second sqrt
            if expr.exp == sympy.S.Half:
                return 1 / (2 * name)
            return expr.exp * u ** (expr.exp - 1)
        return expr.exp * name / u
    d = _partial(expr, u)
    if name is not None and isinstance(expr, (sympy.exp, sympy.Pow)):
        d = d.xreplace({expr: name})
    return d


def _partial(e, u):
    """∂e/∂u by the chain rule over sympy's own per-primitive rules (``fdiff``).

    ``sympy.diff`` would give the same result, but through its general
    ``Derivative`` machinery, which costs a millisecond per call; graphs with
    thousands of definitions need this many times over.
    """
    if e == u:
        return sympy.S.One
    if e.is_Atom or not e.has(u):
        return sympy.S.Zero
    rule = _STRUCTURAL.get(type(e))
    if rule is not None:
        return rule(e, u)
    if isinstance(e, _PIECEWISE_CONSTANT):
        return sympy.S.Zero
    if isinstance(e, sympy.Mod):
        a, b = e.args
        return _partial(a, u) - sympy.floor(a / b) * _partial(b, u)
    if isinstance(e, (sympy.Function, sympy.Max, sympy.Min)) and not isinstance(e, sympy.Piecewise):
        terms = []
        for i, a in enumerate(e.args):
            da = _partial(a, u)
            if da != 0:
                terms.append(_extremum_partial(e, i) * da
                             if isinstance(e, (sympy.Max, sympy.Min)) and len(e.args) > 2
                             else e.fdiff(i + 1) * da)
        return _resolve(Add(*terms))
    return _resolve(sympy.diff(e, u))


def _extremum_partial(e, i):
    """d Max(a_1..a_n)/d a_i with ties split evenly (1/k among k equal maxima, like
    torch.amax). sympy's fdiff gives Heaviside(a_i - Max(others)) = 1/2 for every
    argument of a 3-way tie, so the partials would sum to 3/2."""
    def hit(a):
        return sympy.Heaviside(a - e if isinstance(e, sympy.Max) else e - a, 1)
    return hit(e.args[i]) / Add(*[hit(a) for a in e.args])


def _partial_add(e, u):
    return Add(*[_partial(a, u) for a in e.args])


def _partial_mul(e, u):
    args = e.args
    terms = []
    for i, a in enumerate(args):
        da = _partial(a, u)
        if da != 0:
            terms.append(sympy.Mul(*args[:i], da, *args[i + 1:]))
    return Add(*terms)


def _integral(p):
    """The exponent ``p`` as an exact integer when it has an integer value.

    ``x ** 2.0`` is ordinary numpy style and is x*x: its derivatives are those of
    ``x**2`` (2.0*x, then 2.0, then 0), finite at x = 0, where the rule for a
    general exponent (p*x**(p - 1.0), down to 0.0*x**(-1.0)) meets 0*inf.
    """
    if p.is_Float and float(p).is_integer():       # Float(2.0) == 2 is False in sympy
        return sympy.Integer(int(p))
    return p


def _safe_log(b):
    """log(b) where b != 0, and 0 where b == 0 (JAX's and torch's convention for
    ``d(b**p)/dp = b**p*log(b)``: ``0**p`` is 0 for every p > 0, so its derivative in
    p is 0, not ``0*log(0)`` = nan)."""
    if b.is_Number:
        return sympy.S.Zero if b.is_zero else sympy.log(b)
    return sympy.Piecewise((sympy.S.Zero, sympy.Eq(b, 0)), (sympy.log(b), True))


def _partial_pow(e, u):
    """∂(b**p)/∂u = p*b**(p - 1)*∂b + b**p*log(b)*∂p, written so that each term
    is its limit where the base is 0 and that limit is finite: no division by b
    (p*b**p/b is 0/0 at b = 0), log(0) replaced by 0 where it meets b**p = 0, and
    ``p*b**(p - 1)`` taken as 0 where a variable p is 0 (b**0 is 1 for every b;
    as in torch, each power's own exponent is tested, so at p = 1 the next order,
    (p - 1)*b**(p - 2), is 0 too)."""
    b, p = e.args
    p = _integral(p)
    db, dp = _partial(b, u), _partial(p, u)
    terms = []
    if db != 0:
        slope = p * b ** (p - 1)
        if not p.is_Number:
            slope = sympy.Piecewise((sympy.S.Zero, sympy.Eq(p, 0)), (slope, True))
        terms.append(slope * db)
    if dp != 0:
        terms.append(e * _safe_log(b) * dp)
    return Add(*terms)


def _partial_piecewise(e, u):
    # the branch taken at a point is differentiated there; conditions are constant a.e.
    return sympy.Piecewise(*[(_partial(v, u), c) for v, c in e.args])


_STRUCTURAL = {sympy.Add: _partial_add, sympy.Mul: _partial_mul, sympy.Pow: _partial_pow,
               sympy.Piecewise: _partial_piecewise}


def _resolve(d):
    """Evaluate what ``sympy.diff`` leaves unevaluated, with symdiff's conventions."""
    if d.has(Derivative):
        d = d.replace(lambda e: isinstance(e, Derivative), _resolve_derivative)
    if d.has(Subs):                        # d/dx floor(x/y) = Subs(Derivative(floor(xi)), xi, x/y)/y
        d = d.replace(lambda e: isinstance(e, Subs), lambda e: e.doit())
    if d.has(DiracDelta):                  # derivative of sign/Heaviside: 0 a.e.
        d = d.replace(lambda e: isinstance(e, DiracDelta), lambda e: sympy.S.Zero)
    return d


def _sum(terms):
    """Sum of derivative terms; branches of the same condition are merged.

    Through an ``if`` the adjoint of a value arrives once per branch:
    ``Piecewise((1, c), (0, True)) + Piecewise((0, c), (1, True))`` is 1. Only
    Piecewise terms with the very same conditions are merged: folding sums of
    different conditions multiplies branches (2**n for n ifs in a loop).
    """
    total = Add(*terms)
    pieces = [t for t in terms if isinstance(t, sympy.Piecewise)]
    if len(pieces) > 1:
        conds = [tuple(c for _, c in p.args) for p in pieces]
        if all(c == conds[0] for c in conds) and \
                not any(t.has(sympy.Piecewise) for t in terms if not isinstance(t, sympy.Piecewise)):
            rest = Add(*[t for t in terms if not isinstance(t, sympy.Piecewise)])
            merged = sympy.Piecewise(*[(Add(*[p.args[k][0] for p in pieces]) + rest, c)
                                       for k, c in enumerate(conds[0])])
            if sympy.count_ops(merged) <= sympy.count_ops(total):
                return merged
    return total


def _scaled_atom(e) -> bool:
    """``e`` is ``c*u`` (or ``u``): kept inline rather than named, so chains of
    constant factors fold into one coefficient instead of costing an array
    multiply per line."""
    if e.is_Atom:
        return True
    return isinstance(e, sympy.Mul) and len(e.args) == 2 and e.args[0].is_Number \
        and e.args[1].is_Atom


def _name(sym) -> str:
    return sym.name


def _is_zero(v) -> bool:
    # Float(0.0) == 0 is False in sympy >= 1.13: a branch `return 0.0` is zero too
    return isinstance(v, sympy.Basic) and v.is_zero is True


def _gate(adjoint):
    """The adjoint itself if it is a Piecewise that is 0 on some branch, else None."""
    if isinstance(adjoint, sympy.Piecewise) and any(_is_zero(v) for v, _ in adjoint.args):
        return adjoint
    return None


def _gated(e) -> bool:
    """Does ``e`` carry a selector at its top: a gate, a sum with a gated term or a
    product with a gate factor (the partial of ``Piecewise((u, c), (0, True)) +
    Piecewise((u/x, c), (0, True))`` in u is such a sum)?"""
    if _gate(e) is not None:
        return True
    if isinstance(e, (sympy.Add, sympy.Mul)):
        return any(_gated(a) for a in e.args)
    return False


def _select(gate, b):
    """``gate*b`` as ``where(c, v*b, 0)``.

    Selectors inside ``b`` (nested ifs) are folded too while they are few; a sum
    over many different conditions is left as it is (folding it multiplies
    branches).
    """
    if isinstance(b, sympy.Basic) and b.has(sympy.Piecewise):
        conds = {c for pw in b.atoms(sympy.Piecewise) for _, c in pw.args}
        if len(conds) <= 6:
            return sympy.piecewise_fold(gate * b)
    return sympy.Piecewise(*[(v * b, c) for v, c in gate.args])


def _times(a, b):
    """``a*b``, where a branch selector (a Piecewise that is 0 on some branch) selects.

    A value computed only for one branch of an ``if`` may be nan or inf where
    that branch is not taken (``sqrt(x)`` for x < 0); its derivative reaches
    the result through a selector that is 0 there, and 0*nan is nan. Putting
    the product inside the selector's branches gives ``where(c, b, 0)``, which is 0.
    Selectors inside a sum or a product (what differentiating a gradient again
    gives: d/du of ``gate1*u + gate2*u/x``) select too, term by term, so no order
    of derivative multiplies a value the taken branch does not compute.
    """
    for s, t in ((a, b), (b, a)):
        if _gate(s) is not None:
            return _select(s, t)
    for s, t in ((a, b), (b, a)):
        if isinstance(s, sympy.Add) and _gated(s):
            return Add(*[_times(term, t) for term in s.args])
        if isinstance(s, sympy.Mul) and _gated(s):
            k = next(i for i, f in enumerate(s.args) if _gated(f))
            rest = sympy.Mul(*s.args[:k], *s.args[k + 1:])
            return _times(s.args[k], _times(rest, t))
    return a * b


class Calculus:
    """Forward and reverse differentiation on one graph, with its caches."""

    def __init__(self, graph: Graph):
        self.g = graph
        self._rank = {p: i for i, p in enumerate(graph.params)}

    # -- forward mode ------------------------------------------------------------
    def _key(self, s, var):
        base, alpha = self.g.origin[s]
        return base, tuple(sorted(alpha + (var,), key=self._rank.__getitem__))

    def _tangent(self, u, var, bit):
        """d u / d var for an atom u, assuming all intermediates below are done."""
        if u == var:
            return sympy.S.One
        if not (self.g.deps.get(u, 0) & bit) or u not in self.g.defs:
            return sympy.S.Zero
        return self.g.dmemo[self._key(u, var)]

    def _d(self, expr, var, bit, name=None):
        if not isinstance(expr, sympy.Basic):
            return sympy.S.Zero
        terms = []
        for u in expr.free_symbols:
            du = self._tangent(u, var, bit)
            if du != 0:
                terms.append(_times(local_partial(expr, u, name), du))
        return _sum(terms)

    def _derivative_of(self, u, beta):
        """The known derivative of the atom ``u`` at the multi-index ``beta``, or None."""
        g = self.g
        if not beta:
            return u
        if u in g.position:
            return sympy.S.One if beta == (u,) else sympy.S.Zero
        if u not in g.defs:
            return sympy.S.Zero
        need = 0
        for v in beta:
            need |= g.bit[v]
        if g.deps[u] & need != need:
            return sympy.S.Zero
        base, gamma = g.origin[u]
        key = (base, tuple(sorted(gamma + beta, key=self._rank.__getitem__)))
        d = g.dmemo.get(key)
        if d is not None:
            return d
        # never made: the lower one is a constant, or kept inline as c*atom
        lower = self._derivative_of(u, beta[:-1])
        if lower is None or not lower.free_symbols:
            return None if lower is None else sympy.S.Zero
        coeff, atom = lower.as_coeff_Mul()
        if not atom.is_Symbol or atom == u:     # u itself: that derivative is not made yet
            return None
        d = self._derivative_of(atom, beta[-1:])
        return None if d is None else coeff * d

    def _reciprocal_rule(self, r, alpha):
        """``∂^alpha r`` for ``r = 1/u`` from ``u*r = 1`` (Leibniz):
        ``∂^α r = -r · Σ_{0<β≤α} C(α,β) ∂^β u ∂^(α-β) r``.

        Differentiating ``-r*r*u'`` again and again gives a sum that grows with
        every order; this one has a term per non-zero derivative of ``u`` (two
        for ``1/(1+x**2)``), at any order. None where it does not apply.
        """
        g = self.g
        e = g.defs.get(r)
        if not (isinstance(e, sympy.Pow) and e.exp == -1 and e.base.is_Symbol) \
                or len(alpha) < 2 or r in g.lanevalued:
            return None
        counts: dict = {}
        for v in alpha:
            counts[v] = counts.get(v, 0) + 1
        names = list(counts)
        if prod(c + 1 for c in counts.values()) > 4 * len(alpha) + 4:
            return None                        # many mixed sub-indices: plain chain rule
        terms = []
        for ks in itertools.product(*[range(counts[v] + 1) for v in names]):
            if not any(ks):
                continue
            beta = tuple(v for v, k in zip(names, ks) for _ in range(k))
            du = self._derivative_of(e.base, beta)
            if du is None or isinstance(du, sympy.Piecewise):
                return None                    # selectors multiply through _times
            if du == 0:
                continue
            rest = tuple(v for v, k in zip(names, ks) for _ in range(counts[v] - k))
            dr = self._derivative_of(r, rest)
            if dr is None or isinstance(dr, sympy.Piecewise):
                return None
            terms.append(prod(comb(counts[v], k) for v, k in zip(names, ks)) * du * dr)
        return -r * Add(*terms)

    def forward(self, exprs, var):
        """d/d``var`` of each of ``exprs``, adding derivative intermediates as needed."""
        g = self.g
        bit = g.bit[var]
        for s in g.needed(exprs):
            if not (g.deps[s] & bit):
                continue
            key = self._key(s, var)
            if key in g.dmemo:
                continue
            base, wrt = key
            d = self._reciprocal_rule(base, wrt)
            if d is None:
                d = self._d(g.defs[s], var, bit, name=s)
            g.dmemo[key] = d if _scaled_atom(d) else \
                g.define(naming.derivative(base.name, tuple(w.name for w in wrt)), d, origin=key)
        return [self._d(e, var, bit) for e in exprs]

    # -- reverse mode ------------------------------------------------------------
    def reverse(self, out, wrt):
        """Gradient of the scalar expression ``out`` with respect to the params ``wrt``."""
        grads, lanes = self.reverse_with_lanes(out, wrt)
        if lanes:
            raise NotImplementedError("reverse(): vectorised loops need reverse_with_lanes()")
        return grads

    def reverse_with_lanes(self, out, wrt):
        """Like ``reverse``, and the adjoints of lane symbols (vectorised loops) apart.

        A lane's adjoint is a vector over the slice it stands for; the caller
        scatters it into the gradient of its parameter.
        """
        g = self.g
        mask = 0
        for v in wrt:
            mask |= g.bit[v]
        contrib: dict = defaultdict(list)

        def push(expr, bar, name=None):
            if not isinstance(expr, sympy.Basic):
                return
            gate = _gate(g.defs.get(bar, bar))
            lanes = name in g.lanevalued
            # by name, not in set order: the lane branch below names new values,
            # and set order (string hashes) would change their numbering from run
            # to run (PYTHONHASHSEED)
            for u in sorted(expr.free_symbols, key=_name):
                if g.deps.get(u, 0) & mask:
                    p = local_partial(expr, u, name)
                    if p != 0:
                        term = (_times(bar, p) if gate is None
                                else _select(gate, p))
                        if lanes and u not in g.lanevalued:
                            # a scalar used in every step of a vectorised loop:
                            # its adjoint is the sum over the steps
                            t = g.define("term", term, where=g.where.get(name))
                            term = (g.define("lanesum", LaneSum(t), where=g.where.get(name))
                                    if t in g.lanevalued
                                    else g.lanecount[name] * t)
                        contrib[u].append(term)

        push(out, sympy.S.One)
        for s in reversed(g.needed([out])):
            terms = contrib.pop(s, None)
            if not terms:
                continue
            bar = _sum(terms)
            if not _scaled_atom(bar):
                # the adjoint of s comes from the statement that computed s
                bar = g.define(naming.adjoint(s.name), bar, where=g.where.get(s))
            push(g.defs[s], bar, s)
        lanes = {}
        for lane in g.lanes:
            terms = contrib.get(lane)
            if terms:
                lanes[lane] = g.define(naming.adjoint(lane.name), _sum(terms),
                                       where=g.where.get(lane))
        return [_sum(contrib.get(v, ())) for v in wrt], lanes
