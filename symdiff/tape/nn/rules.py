"""The derivative rules of ``tape.nn``'s primitives: ``linear`` and the losses.

Sits beside ``symdiff.tape.rules`` (the elementwise and tensor table) and is
written the same way: one ``primitive`` per torch backward node, with a numpy
forward and one vector-Jacobian product per differentiable input,
``vjp(g, ans, *inputs)``.  The formulas are torch's (``derivatives.yaml`` and
the loss kernels), by hand: clamped logs in binary cross entropy, the weighted
mean of ``nll_loss``, ``ignore_index`` targets contributing nothing.  They run
on tensors too (numpy functions dispatch to the tape), so ``create_graph``
differentiates through them.
"""

import numpy as np

from ..graph import primitive
from ..rules import _index_grad, _sigmoid

_REDUCTIONS = ("mean", "sum", "none")


def reduce(loss, reduction):
    """``mean``/``sum``/``none`` of an elementwise loss."""
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def reduce_grad(g, shape, reduction):
    """The gradient of ``reduce`` broadcast back to the elementwise loss's ``shape``."""
    if reduction == "mean":
        n = int(np.prod(shape)) if shape else 1
        g = g / n
    return np.broadcast_to(g, shape) if reduction != "none" else g


def _weighted(x, w):
    return x if w is None else x * w


# ---------------------------------------------------------------- division by a number
# torch's node for ``tensor / python_number`` (cross entropy's mean over class
# probabilities divides so).
DivBackward1 = primitive("DivBackward1", lambda x, c: x / c, lambda g, a, x, c: g / c,
                         saves=False)


# ---------------------------------------------------------------- linear
def _addmm(b, x, wt):
    return b + np.matmul(x, wt)


AddmmBackward0 = primitive(
    "AddmmBackward0", _addmm,
    lambda g, a, b, x, wt: g,
    lambda g, a, b, x, wt: np.matmul(g, np.transpose(wt)),
    lambda g, a, b, x, wt: np.matmul(np.transpose(x), g))


# ---------------------------------------------------------------- activations
def _softplus(x, beta, threshold):
    bx = x * beta
    with np.errstate(over="ignore"):
        return np.where(bx > threshold, x, np.log1p(np.exp(bx)) / beta)


SoftplusBackward0 = primitive(
    "SoftplusBackward0", _softplus,
    lambda g, a, x, beta, threshold: g * np.where(x * beta > threshold, 1.0,
                                                  _sigmoid(x * beta)))


# ---------------------------------------------------------------- regression losses
def _mse(x, t, r):
    return reduce((x - t) ** 2, r)


def _mse_dx(g, a, x, t, r):
    d = x - t
    return 2.0 * d * reduce_grad(g, np.shape(d), r)


MseLossBackward0 = primitive("MseLossBackward0", _mse, _mse_dx,
                             lambda g, a, x, t, r: -_mse_dx(g, a, x, t, r))


def _smooth_l1(x, t, r, beta):
    d = np.abs(x - t)
    if beta == 0:
        return reduce(d, r)
    return reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), r)


def _smooth_l1_dx(g, a, x, t, r, beta):
    d = x - t
    gd = reduce_grad(g, np.shape(d), r)
    if beta == 0:
        return gd * np.sign(d)
    return gd * np.where(d < -beta, -1.0, np.where(d > beta, 1.0, d / beta))


SmoothL1LossBackward0 = primitive(
    "SmoothL1LossBackward0", _smooth_l1, _smooth_l1_dx,
    lambda g, a, x, t, r, beta: -_smooth_l1_dx(g, a, x, t, r, beta))


def _huber(x, t, r, delta):
    d = np.abs(x - t)
    return reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), r)


def _huber_dx(g, a, x, t, r, delta):
    d = x - t
    gd = reduce_grad(g, np.shape(d), r)
    return gd * np.where(d < -delta, -delta, np.where(d > delta, delta, d))


HuberLossBackward0 = primitive(
    "HuberLossBackward0", _huber, _huber_dx,
    lambda g, a, x, t, r, delta: -_huber_dx(g, a, x, t, r, delta))


# ---------------------------------------------------------------- binary cross entropy
_EPSILON = 1e-12  # torch's floor for (1 - p) * p in the gradient


def _bce(p, t, w, r):
    # torch clamps the logs at -100 so that p = 0 or 1 gives a finite loss.
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(p), -100.0)
                 + (1 - t) * np.maximum(np.log1p(-p), -100.0))
    return reduce(_weighted(loss, w), r)


def _bce_dp(g, a, p, t, w, r):
    gd = reduce_grad(g, np.shape(p - t), r)
    return _weighted(gd * (p - t) / np.maximum((1.0 - p) * p, _EPSILON), w)


def _bce_dt(g, a, p, t, w, r):
    gd = reduce_grad(g, np.shape(p - t), r)
    with np.errstate(divide="ignore"):
        return _weighted(gd * (np.maximum(np.log1p(-p), -100.0)
                               - np.maximum(np.log(p), -100.0)), w)


BinaryCrossEntropyBackward0 = primitive("BinaryCrossEntropyBackward0", _bce, _bce_dp, _bce_dt)


def _softplus_neg(x):
    """``log(1 + exp(-x))`` without overflow."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0.0)


def _bce_logits(x, t, w, pw, r):
    sp = _softplus_neg(x)
    if pw is None:
        loss = (1 - t) * x + sp
    else:
        loss = (1 - t) * x + ((pw - 1) * t + 1) * sp
    return reduce(_weighted(loss, w), r)


def _bce_logits_dx(g, a, x, t, w, pw, r):
    gd = reduce_grad(g, np.shape(x - t), r)
    if pw is None:
        return _weighted(gd * (_sigmoid(x) - t), w)
    return _weighted(gd * ((1 - t) - ((pw - 1) * t + 1) * _sigmoid(-x)), w)


def _bce_logits_dt(g, a, x, t, w, pw, r):
    gd = reduce_grad(g, np.shape(x - t), r)
    if pw is None:
        return _weighted(-gd * x, w)
    return _weighted(gd * (-x + (pw - 1) * _softplus_neg(x)), w)


BinaryCrossEntropyWithLogitsBackward0 = primitive(
    "BinaryCrossEntropyWithLogitsBackward0", _bce_logits, _bce_logits_dx, _bce_logits_dt)


# ---------------------------------------------------------------- negative log likelihood
def nll_picks(logp, target, weight, ignore_index):
    """Where each target picks its log-probability: the index into ``logp``, the
    weight of each target (0 for ``ignore_index``) and the targets' shape.

    ``logp`` is ``(C,)`` with a 0-d target, ``(N, C)`` with ``(N,)``, or
    ``(N, C, d1, ...)`` with ``(N, d1, ...)`` (the class axis is 1)."""
    target = np.asarray(target)
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    C = logp.shape[0] if logp.ndim == 1 else logp.shape[1]
    bad = keep & ((safe < 0) | (safe >= C))
    if bad.any():
        raise IndexError(f"Target {int(target[bad].flat[0])} is out of bounds.")
    w = np.ones(C) if weight is None else np.asarray(weight)
    wt = np.where(keep, w[safe], 0.0)
    if logp.ndim == 1:
        return (safe[()],), wt
    grids = np.indices(target.shape, sparse=True)
    return (grids[0], safe) + tuple(grids[1:]), wt


def _nll(logp, target, weight, ignore_index, r):
    index, wt = nll_picks(logp, target, weight, ignore_index)
    loss = -wt * logp[index]
    if r == "sum":
        return np.sum(loss)
    if r == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sum(loss) / np.sum(wt)  # 0/0 = nan when every target is ignored
    return loss


def _nll_dlogp(g, a, logp, target, weight, ignore_index, r):
    index, wt = nll_picks(logp, target, weight, ignore_index)
    if r == "mean":
        total = np.sum(wt)
        # every target ignored: torch writes no gradient at all (zeros, not nan)
        g = g / total if total != 0 else g * 0.0
    return -_index_grad(np.broadcast_to(g, wt.shape) * wt, logp.shape, index)


NllLossBackward0 = primitive("NllLossBackward0", _nll, _nll_dlogp)
NllLoss2DBackward0 = primitive("NllLoss2DBackward0", _nll, _nll_dlogp)
