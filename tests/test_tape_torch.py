"""The same programs in torch and in symdiff.tape: values, gradients, second
derivatives, grad_fn names and error messages must agree."""

import numpy as np
import pytest

from symdiff import tape

torch = pytest.importorskip("torch")


def run_both(program):
    """Run ``program(lib, tensor)`` with lib = torch and lib = tape."""
    def ttensor(data, requires_grad=False):
        return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)
    return program(torch, ttensor), program(tape, tape.tensor)


def arr(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor) and t._is_zerotensor():  # torch's lazy zero gradients
        return np.zeros(tuple(t.shape))
    return np.asarray(t.tolist())


PROGRAMS = {
    "poly": lambda L, T: (lambda x: (x**2 + 2 * x + 3, [x]))(T(1.0, True)),
    "trig": lambda L, T: (lambda x, y: (L.sin(x) * L.cos(y) + L.tanh(x * y) / (1 + y**2), [x, y]))(T(0.3, True), T(-1.2, True)),
    "vector": lambda L, T: (lambda v: ((L.exp(v) * v).sum() + (v**3).mean(), [v]))(T([0.1, -0.5, 2.0], True)),
    "broadcast": lambda L, T: (lambda a, b: ((a * b - b / (a**2 + 1)).sum(), [a, b]))(T([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], True), T([0.5, -1.0, 2.0], True)),
    "matmul": lambda L, T: (lambda M, v: ((M @ v).sum() + (M @ M.T).sum() + v @ v, [M, v]))(T([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], True), T([0.3, 0.2, -0.1], True)),
    "index": lambda L, T: (lambda M: (M[0, 1] * M[1:, :].sum() + M[:, 2].prod() + M.reshape(6)[3], [M]))(T([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], True)),
    "pow_forms": lambda L, T: (lambda x, y: (x**y + 2**x + 3 / x - (1 - y) + L.sqrt(x), [x, y]))(T(1.3, True), T(0.7, True)),
    "kinks": lambda L, T: (lambda v: (L.maximum(v, L.zeros(3, dtype=L.float64) + 0.5).sum() + L.abs(v).sum() + L.clamp(v, -1, 0.4).sum() + L.minimum(v, v * 1).sum(), [v]))(T([0.5, 0.0, -2.0], True)),
    "reductions": lambda L, T: (lambda M: (M.sum(0).prod() + M.mean(1).sum() + L.logsumexp(M, 1).sum() + L.softmax(M, 1)[:, 0].sum() + M.amax(1).sum(), [M]))(T([[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]], True)),
    "special": lambda L, T: (lambda x: (L.erf(x) + L.erfc(x * 2) + L.lgamma(x + 2) + L.atan2(x, x + 1) + L.hypot(x, x * 3) + L.log1p(x) + L.expm1(x) + L.log2(x) + L.log10(x), [x]))(T(0.6, True)),
    "where": lambda L, T: (lambda v: (L.where(v > 0, v**2, -v * 3).sum(), [v]))(T([1.0, -2.0, 0.5], True)),
    "cat_stack": lambda L, T: (lambda v: ((L.cat([v, v * 2]) * L.arange(6, dtype=L.float64)).sum() + L.stack([v, v.sin()]).sum(), [v]))(T([1.0, -2.0, 0.5], True)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_gradients_and_names(name):
    (ty, tin), (py, pin) = run_both(PROGRAMS[name])
    assert np.allclose(arr(ty), arr(py), rtol=1e-12)
    assert type(ty.grad_fn).__name__ == py.grad_fn.name()
    tg = torch.autograd.grad(ty, tin, create_graph=True)
    pg = tape.grad(py, pin, create_graph=True)
    for a, b in zip(tg, pg):
        np.testing.assert_allclose(arr(a), arr(b), rtol=1e-10, atol=1e-12)
    # second derivatives: gradient of the sum of the first gradients
    ts = sum(g.sum() for g in tg)
    ps = sum(g.sum() for g in pg)
    if ts.requires_grad:
        t2 = torch.autograd.grad(ts, tin, allow_unused=True)
        p2 = tape.grad(ps, pin, allow_unused=True)
        for a, b in zip(t2, p2):
            a = np.zeros(1) if a is None else arr(a)
            b = np.zeros(1) if b is None else arr(b)
            np.testing.assert_allclose(a + 0 * b, b + 0 * a, rtol=1e-9, atol=1e-12)


def test_grad_fn_names_and_next_functions_match():
    def names(lib, T):
        x = T(1.0, True)
        v = T([1.0, 2.0, 3.0], True)
        M = T([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], True)
        outs = [x + 2, 2 + x, x - 2, 2 - x, x * 2, x / 2, 2 / x, x / x, x**2, x**x, 2**x, -x, abs(x),
                v.sum(), M.sum(0), v.mean(), M.mean(1), v[0], v[1:], v[[0, 1]], M[:, 1], M.T, M.t(),
                M.reshape(3, 2), M.transpose(0, 1), M @ v, v @ v, M @ M.T, lib.maximum(v, v * 2),
                v.clamp(0, 1), lib.where(v > 1, v, v * 2), v.max(), v.amax(0), v.sqrt(), v.sigmoid(),
                v.relu(), lib.atan2(v, v), v.exp(), v.log(), v.sin(), v.cos(), v.tan(), v.tanh(),
                v.unsqueeze(0), v.unsqueeze(0).squeeze(), lib.cat([v, v]), lib.stack([v, v]), v.prod(),
                lib.softmax(v, 0), lib.log_softmax(v, 0), v.floor(), v.sign(), lib.erf(v), lib.lgamma(v),
                v.expand(2, 3), v.clone(), (v / 4).asin(), v.log1p(), v.reciprocal()]
        out = []
        for o in outs:
            fn = o.grad_fn
            out.append((type(fn).__name__,
                        tuple(None if n is None else type(n).__name__ for n, _ in fn.next_functions)))
        return out
    t, p = run_both(names)
    assert t == p


def test_reprs_match():
    def reprs(lib, T):
        v = T([1.0, 2.0], True)
        x = T(1.0, True)
        return [repr(v * 2), repr(x), repr(x.detach() * 4), repr((x * 4.5).detach()),
                repr(T([1.5, 2.25, 100.125])), repr(T([[1.0, 2.0], [3.0, 4.5]])),
                repr(T([1e-5, 1.0])), repr(T([1e10, 1.0])), repr(T([float("nan"), 1.0])),
                repr(T([float("inf"), 1.5])), repr(T(-0.5)), repr(T([0.1234567])),
                repr(T(np.arange(30.0).reshape(3, 10) / 7))]
    t, p = run_both(reprs)
    t = [s.replace(", dtype=torch.float64", "") for s in t]
    assert t == p


def errors(fn_torch, fn_tape):
    def catch(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return None
    return catch(fn_torch), catch(fn_tape)


@pytest.mark.parametrize("case", [
    "nonscalar", "no_grad_fn", "int_requires_grad", "numpy", "inplace_leaf", "second_backward",
    "unused", "input_no_grad", "item", "bool", "hook_no_grad", "setitem_leaf",
])
def test_error_messages_match(case):
    def program(lib, T):
        x = T(1.0, True)
        v = T([1.0, 2.0], True)
        if case == "nonscalar":
            (v * 2).backward()
        elif case == "no_grad_fn":
            T(1.0).exp().backward()
        elif case == "int_requires_grad":
            lib.tensor(1, requires_grad=True)
        elif case == "numpy":
            x.numpy()
        elif case == "inplace_leaf":
            x.add_(1)
        elif case == "second_backward":
            y = x.exp()
            y.backward()
            y.backward()
        elif case == "unused":
            lib.autograd.grad(x * x, [x, v])
        elif case == "input_no_grad":
            lib.autograd.grad(x * x, [T(2.0)])
        elif case == "item":
            v.item()
        elif case == "bool":
            bool(v)
        elif case == "hook_no_grad":
            T(1.0).register_hook(lambda g: g)
        elif case == "setitem_leaf":
            v[0] = 3.0
    t, p = errors(lambda: program(torch, lambda d, r=False: torch.tensor(d, dtype=torch.float64, requires_grad=r)),
                  lambda: program(tape, tape.tensor))
    assert t is not None and t == p


def test_sgd_matches_torch():
    def program(lib, T, momentum):
        x = T(0.0, True)
        opt = lib.optim.SGD([x], lr=0.01, momentum=momentum)
        for _ in range(500):
            opt.zero_grad()
            loss = x**2 - 2 * x + 1
            loss.backward()
            opt.step()
        return x.item()
    for m in (0.0, 0.9):
        t, p = run_both(lambda L, T: program(L, T, m))
        assert np.isclose(t, p, rtol=1e-12, atol=1e-14)
    assert abs(p - 1.0) < 1e-6


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(loss, reduction):
    def program(lib, T):
        if loss == "CrossEntropyLoss":
            x = T([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], True)
            target = lib.tensor([1, 2])
        else:
            x = T([0.2, 0.7, 0.9], True)
            target = T([0.0, 1.0, 0.5])
        out = getattr(lib.nn, loss)(reduction=reduction)(x, target)
        (out * T(np.arange(1.0, 1.0 + out.numel()).reshape(out.shape))).sum().backward()
        return arr(out), arr(x.grad), type(out.grad_fn).__name__ if hasattr(out.grad_fn, "next_functions") else None
    (tv, tg, tn), (pv, pg, pn) = run_both(program)
    np.testing.assert_allclose(tv, pv, rtol=1e-12)
    np.testing.assert_allclose(tg, pg, rtol=1e-10, atol=1e-14)
    assert tn == pn
