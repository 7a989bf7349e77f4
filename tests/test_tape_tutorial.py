"""The PyTorch autograd tutorial cases, run on symdiff.tape (issue 3)."""

import threading
import warnings

import numpy as np
import pytest

from symdiff import tape


def close(t, expected):
    np.testing.assert_allclose(np.asarray(t.detach().numpy(), dtype=float), expected, rtol=1e-12, atol=1e-12)


def test_scalar_polynomial():
    x = tape.tensor(1.0, requires_grad=True)
    y = x**2 + 2 * x + 3
    y.backward()
    assert repr(x.grad) == "tensor(4.)"


def test_several_scalar_inputs():
    a = tape.tensor(2.0, requires_grad=True)
    b = tape.tensor(3.0, requires_grad=True)
    (a * b + a**2).backward()
    assert a.grad.item() == 3.0 + 4.0 and b.grad.item() == 2.0


def test_vector_sum_and_mean():
    x = tape.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (x**2).sum().backward()
    close(x.grad, [2, 4, 6, 8])
    x.grad = None
    (x * 3).mean().backward()
    close(x.grad, [0.75] * 4)


def test_broadcasting_reduces_to_input_shape():
    a = tape.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = tape.tensor([10.0, 20.0, 30.0], requires_grad=True)
    c = tape.tensor(2.0, requires_grad=True)
    (a * b + c).sum().backward()
    close(a.grad, [[10, 20, 30]] * 2)
    close(b.grad, [5, 7, 9])
    close(c.grad, 6.0)


def test_matrix_ops_indexing_reshape_transpose():
    W = tape.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    v = tape.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (W @ v).sum() + W[0, 1] * 10 + W[:, 2].sum() + W.T.reshape(6)[5] + W.t()[0, 0]
    y.backward()
    expected = np.array([[1, 2, 3], [1, 2, 3]], float)
    expected[0, 1] += 10
    expected[:, 2] += 1
    expected[1, 2] += 1
    expected[0, 0] += 1
    close(W.grad, expected)
    close(v.grad, W.detach().numpy().sum(0))


def test_nonscalar_backward_with_gradient():
    x = tape.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = tape.tensor([0.1, 1.0, 0.0001])
    (x * x).backward(gradient=g)
    first = x.grad.numpy().copy()
    x.grad = None
    (x * x * g).sum().backward()
    close(x.grad, first)


def test_nonscalar_backward_without_gradient_raises():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()


def test_requires_grad_defaults_and_errors():
    a = tape.tensor(1.0)
    assert a.requires_grad is False and a.grad is None
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn$"):
        (a * 2).backward()
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require gradients$"):
        tape.tensor(1, requires_grad=True)
    x = tape.tensor(1.0, requires_grad=True)
    assert (x * a).requires_grad and not (a * 2).requires_grad
    assert tape.tensor(1.0).dtype == np.float64 and tape.tensor(1).dtype == np.int64


def test_grad_mode_plain_call_context_and_decorator():
    x = tape.tensor(1.0, requires_grad=True)
    with tape.no_grad():
        assert not (x * 2).requires_grad
        with tape.enable_grad():
            assert (x * 2).requires_grad
    tape.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        tape.set_grad_enabled(True)
    with tape.set_grad_enabled(False):
        assert not tape.is_grad_enabled()
    assert tape.is_grad_enabled()

    @tape.no_grad()
    def f():
        return x * 2

    @tape.enable_grad()
    def g():
        return x * 2

    @tape.set_grad_enabled(False)
    def h():
        return x * 2

    assert not f().requires_grad and not h().requires_grad and tape.is_grad_enabled()
    with tape.no_grad():
        assert g().requires_grad


def test_grad_mode_restored_on_exception_and_thread_local():
    with pytest.raises(ValueError):
        with tape.no_grad():
            raise ValueError
    assert tape.is_grad_enabled()
    seen = []
    with tape.no_grad():
        t = threading.Thread(target=lambda: seen.append(tape.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_graph_built_before_no_grad_still_backpropagates():
    x = tape.tensor(2.0, requires_grad=True)
    y = x * x
    with tape.no_grad():
        y.backward()
    assert x.grad.item() == 4.0


def test_accumulation_and_zero():
    x = tape.tensor(2.0, requires_grad=True)
    assert x.grad is None
    (x * 3).backward()
    g = x.grad
    (x * 3).backward()
    assert x.grad.item() == 6.0 and g is x.grad
    x.grad.zero_()
    assert repr(x.grad) == "tensor(0.)"
    y = tape.tensor(1.0, requires_grad=True)
    with pytest.raises(AttributeError):
        y.grad.zero_()


def test_leaves_detach_data_numpy():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    z = y.detach()
    assert not z.requires_grad and z.is_leaf
    z[0] = 5.0
    assert y.detach().numpy()[0] == 5.0
    d = x.data
    d[1] = 7.0
    assert x.detach().numpy()[1] == 7.0
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead.$"):
        x.numpy()
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place operation.$"):
        x += 1
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    w = tape.tensor(1.0).requires_grad_()
    assert w.requires_grad
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


def test_grad_fn_names_and_next_functions():
    x = tape.tensor(1.0, requires_grad=True)
    v = tape.tensor([1.0, 2.0], requires_grad=True)
    assert (x + 2).grad_fn.name() == "AddBackward0"
    assert (x * x).grad_fn.name() == "MulBackward0"
    assert (x**2).grad_fn.name() == "PowBackward0"
    assert v.sum().grad_fn.name() == "SumBackward0"
    assert v.mean().grad_fn.name() == "MeanBackward0"
    nf = (x * 2).grad_fn.next_functions
    assert type(nf[0][0]).__name__ == "AccumulateGrad" and nf[0][0].variable is x
    assert nf[1] == (None, 0)
    y = (x * 2).exp()
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert x.grad_fn is None


def test_retain_grad_and_hooks():
    x = tape.tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    h = x.register_hook(lambda g: g * 10)
    (y * y).backward()
    assert y.grad.item() == 12.0 and seen == [12.0] and x.grad.item() == 360.0
    h.remove()
    x.grad = None
    (x * 1).backward()
    assert x.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        tape.tensor(1.0).register_hook(lambda g: g)


def test_second_backward_needs_retain_graph():
    x = tape.tensor(1.0, requires_grad=True)
    y = x.exp()
    y.backward(retain_graph=True)
    y.backward()
    assert np.isclose(x.grad.item(), 2 * np.e)
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time"):
        y.backward()


def test_autograd_grad():
    x = tape.tensor(3.0, requires_grad=True)
    z = tape.tensor(2.0, requires_grad=True)
    dx, dz = tape.grad(x * z + z, [x, z])
    assert (dx.item(), dz.item()) == (2.0, 4.0)
    assert x.grad is None
    (d,) = tape.grad([x * x, 3 * x], x)
    assert d.item() == 9.0
    (d1,) = tape.grad(x**2 - 2 * x + 1, x, create_graph=True)
    (d2,) = tape.grad(d1, x)
    assert d1.item() == 4.0 and d2.item() == 2.0
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tape.grad(x * 2, [x, z])
    assert tape.grad(x * 2, [x, z], allow_unused=True)[1] is None
    v = tape.tensor([1.0, 2.0], requires_grad=True)
    (gv,) = tape.grad(v * v, v, grad_outputs=tape.ones(2))
    close(gv, [2, 4])


def test_third_derivative_via_create_graph():
    x = tape.tensor(0.7, requires_grad=True)
    y = tape.sin(x) * x**3
    (g1,) = tape.grad(y, x, create_graph=True)
    (g2,) = tape.grad(g1, x, create_graph=True)
    (g3,) = tape.grad(g2, x)
    s, c, v = np.sin(0.7), np.cos(0.7), 0.7
    expected = -c * v**3 - 9 * s * v**2 + 18 * c * v + 6 * s
    assert np.isclose(g3.item(), expected, rtol=1e-12)


def test_backward_create_graph_gives_differentiable_grad():
    x = tape.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    (g2,) = tape.grad(g, x)
    assert g2.item() == 12.0


def test_sgd_matches_torch_number():
    x = tape.tensor(0.0, requires_grad=True)
    opt = tape.optim.SGD([x], lr=0.01)
    for _ in range(500):
        opt.zero_grad()
        loss = x**2 - 2 * x + 1
        loss.backward()
        opt.step()
    assert abs(x.item() - 0.99995920) < 1e-6
    assert x.grad is not None
    opt.zero_grad()
    assert x.grad is None


def test_sgd_momentum_manual_loop_and_frozen():
    w = tape.tensor([1.0, -1.0], requires_grad=True)
    frozen = tape.tensor([5.0], requires_grad=True)
    frozen.requires_grad = False
    opt = tape.optim.SGD([w, frozen], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        ((w * w).sum() + (frozen * 2).sum()).backward()
        opt.step()
    close(frozen, [5.0])
    # momentum: v1 = g0, v_{k+1} = 0.9 v_k + g_k, w -= 0.1 v
    wv, v = np.array([1.0, -1.0]), None
    for _ in range(3):
        g = 2 * wv
        v = g if v is None else 0.9 * v + g
        wv = wv - 0.1 * v
    close(w, wv)
    w2 = tape.tensor(1.0, requires_grad=True)
    for _ in range(3):
        w2.grad = None
        (w2 * w2).backward()
        w2.data = w2.data - 0.4 * w2.grad
    assert np.isclose(w2.item(), 0.2**3)


def test_losses_reductions():
    x = tape.tensor([0.5, -1.0, 2.0], requires_grad=True)
    t = tape.tensor([1.0, 0.0, 1.0])
    mse = tape.nn.MSELoss()(x, t)
    assert np.isclose(mse.item(), np.mean((np.array([0.5, -1, 2]) - [1, 0, 1]) ** 2))
    assert tape.nn.MSELoss(reduction="none")(x, t).shape == (3,)
    assert np.isclose(tape.nn.L1Loss(reduction="sum")(x, t).item(), 0.5 + 1 + 1)
    p = tape.sigmoid(x)
    a = tape.nn.BCELoss()(p, t)
    b = tape.nn.BCEWithLogitsLoss()(x, t)
    assert np.isclose(a.item(), b.item())
    big = tape.tensor([1000.0, -1000.0], requires_grad=True)
    assert np.isfinite(tape.nn.BCEWithLogitsLoss()(big, tape.tensor([0.0, 1.0])).item())
    logits = tape.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
    ce = tape.nn.CrossEntropyLoss()(logits, tape.tensor([1, 2]))
    lv = logits.detach().numpy()
    ref = np.mean([np.log(np.exp(r).sum()) - r[c] for r, c in zip(lv, [1, 2])])
    assert np.isclose(ce.item(), ref)
    ce.backward()
    sm = np.exp(lv) / np.exp(lv).sum(1, keepdims=True)
    sm[[0, 1], [1, 2]] -= 1
    close(logits.grad, sm / 2)


def test_numpy_interop_runs_user_function():
    def f(x, y):
        return np.sum(np.sin(x) * np.exp(y)) + np.dot(x, y) + np.maximum(x, 0.5).sum()

    x = tape.tensor([0.1, 0.9], requires_grad=True)
    y = tape.tensor([0.3, -0.2], requires_grad=True)
    out = f(x, y)
    assert isinstance(out, tape.Tensor)
    out.backward()
    xv, yv = np.array([0.1, 0.9]), np.array([0.3, -0.2])
    close(x.grad, np.cos(xv) * np.exp(yv) + yv + (xv > 0.5))
    close(y.grad, np.sin(xv) * np.exp(yv) + xv)
    w = np.where(x > 0.5, x * 2, x * 3)
    assert w.grad_fn.name() == "WhereBackward0"


def test_builtins_and_comparisons():
    x = tape.tensor(2.0, requires_grad=True)
    y = tape.tensor(3.0, requires_grad=True)
    assert max(x, y) is y and min(x, y) is x
    s = sum([x, y, x])
    assert s.item() == 7.0 and s.grad_fn.name() == "AddBackward0"
    assert abs(-x).item() == 2.0 and pow(x, 2).item() == 4.0
    if x < y:
        pass
    else:
        raise AssertionError
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tape.tensor([1.0, 2.0]) > 0)
    assert f"{x:.2f}" == "2.00"


def test_math_and_numpy_namespaces():
    import math
    m, tnp = tape.math, tape.numpy
    x = tape.tensor(0.5, requires_grad=True)
    y = m.log(x, 2) + m.hypot(x, 1.0) + m.erf(x) + m.lgamma(x + 1) + m.atan2(x, 2.0)
    y.backward()
    dx = (1 / (0.5 * math.log(2)) + 0.5 / math.hypot(0.5, 1) + 2 / math.sqrt(math.pi) * math.exp(-0.25)
          + 0.03648997397857652 + 2 / (4 + 0.25))
    assert np.isclose(x.grad.item(), dx, rtol=1e-10)
    assert m.sin(1.0) == math.sin(1.0) and m.pi == math.pi and m.factorial(4) == 24
    for name in ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
                 "asinh", "acosh", "atanh", "exp", "expm1", "log", "log1p", "log2", "log10",
                 "sqrt", "pow", "hypot", "erf", "erfc", "gamma", "lgamma", "floor", "ceil", "fabs"):
        assert callable(getattr(m, name)), name
    v = tape.tensor([1.0, 2.0], requires_grad=True)
    assert tnp.asarray(v) is v
    z = tnp.sum(tnp.clip(v, 0, 1.5) * tnp.array([v, v])[0])
    z.backward()
    close(v.grad, [2.0, 1.5])


def test_printing():
    assert repr(tape.tensor(4.0)) == "tensor(4.)"
    v = tape.tensor([1.0, 2.0], requires_grad=True)
    assert repr(v * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr(tape.tensor(1.0, requires_grad=True)) == "tensor(1., requires_grad=True)"
    assert repr(tape.tensor([1.5, 2.25, 100.125])) == "tensor([  1.5000,   2.2500, 100.1250])"
    assert repr(tape.tensor([[1.0, 2.0], [3.0, 4.5]])) == "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])"
    assert repr(tape.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(tape.tensor([1, 2, 3])) == "tensor([1, 2, 3])"


def test_to_dot():
    x = tape.tensor(2.0, requires_grad=True)
    dot = tape.to_dot(tape.sin(x * x) + x)
    assert dot.startswith("digraph") and "SinBackward0" in dot and "AccumulateGrad" in dot
    assert dot.count("AccumulateGrad") == 1


def test_deep_graph_no_recursion():
    x = tape.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()
    assert x.grad.item() == 100_001.0
