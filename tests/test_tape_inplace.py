"""In-place operations on the tape, as torch does them: ``z += x`` on a
non-leaf is recorded on both operands (z keeps its identity and gets the new
grad_fn), in-place on a leaf that requires grad raises, and a value saved for
backward that is later modified in place raises torch's version-counter error
instead of giving a silently wrong gradient."""

import numpy as np
import pytest

from symdiff import tape

try:
    import torch
except ImportError:  # the comparisons with torch are skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
MODIFIED = "modified by an inplace operation"


def tt(data, requires_grad=False):
    return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)


def grad_of(g):
    return None if g is None else np.asarray(g.tolist())


# op, expected d/dx of (3x) op= x**2 at x = 2, and torch's grad_fn name
OPS = [("+=", 7.0, "AddBackward0"), ("-=", -1.0, "SubBackward0"), ("*=", 36.0, "MulBackward0"),
       ("/=", -0.75, "DivBackward0"), ("**=", 6.0**4 * (4 * np.log(6.0) + 2), "PowBackward1")]


def _augmented(lib_tensor, op):
    x = lib_tensor(2.0, True)
    z = x * 3
    before = z
    scope = {"z": z, "x": x}
    exec(f"z {op} x**2", scope)
    z = scope["z"]
    z.backward()
    return x, z, before


@pytest.mark.parametrize("op,expected,name", OPS)
def test_augmented_assignment_on_nonleaf_records_both_operands(op, expected, name):
    x, z, before = _augmented(tape.tensor, op)
    assert z is before  # same object, like torch
    assert z.grad_fn.name() == name
    assert z._version == 1
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)


@needs_torch
@pytest.mark.parametrize("op,expected,name", OPS)
def test_augmented_assignment_matches_torch(op, expected, name):
    px, pz, _ = _augmented(tape.tensor, op)
    tx, tz, _ = _augmented(tt, op)
    assert pz.grad_fn.name() == tz.grad_fn.name()
    assert pz._version == tz._version
    np.testing.assert_allclose(grad_of(px.grad), grad_of(tx.grad), rtol=1e-12)


def _methods(L, T):
    x = T([1.0, 2.0, 3.0], True)
    w = T([0.5, -1.0, 2.0])
    z = x * 2
    z.add_(x, alpha=3)
    z.sub_(w * x, alpha=0.5)
    z.mul_(x)
    z.div_(x + 1)
    z.pow_(2)
    (z * w).sum().backward()
    return x.grad, z.grad_fn.name(), z._version


def test_inplace_methods_on_arrays():
    g, name, version = _methods(tape, tape.tensor)
    assert name == "PowBackward0" and version == 5
    x = np.array([1.0, 2.0, 3.0])
    w = np.array([0.5, -1.0, 2.0])
    # z = ((5x - 0.5 w x) x / (x + 1))**2 ; d/dx of sum(w z) by hand
    a = 5 - 0.5 * w
    u = a * x * x / (x + 1)
    du = a * (x * x + 2 * x) / (x + 1) ** 2
    np.testing.assert_allclose(g.numpy(), w * 2 * u * du, rtol=1e-12)


@needs_torch
def test_inplace_methods_match_torch():
    pg, pname, pver = _methods(tape, tape.tensor)
    tg, tname, tver = _methods(torch, tt)
    assert (pname, pver) == (tname, tver)
    np.testing.assert_allclose(grad_of(pg), grad_of(tg), rtol=1e-12)


def test_inplace_with_grad_into_tensor_without_grad():
    x = tape.tensor(2.0, requires_grad=True)
    out = tape.zeros(3)
    out += x
    assert out.requires_grad and not out.is_leaf
    assert out.grad_fn.name() == "AddBackward0"
    out.sum().backward()
    assert x.grad.item() == 3.0


def test_inplace_keeps_memory_shared_with_detached_views():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    z = x * 2
    d = z.detach()
    z += x
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_mul_inplace_uses_the_value_before_the_change():
    x = tape.tensor(2.0, requires_grad=True)
    z = x * 3
    z.mul_(x)
    z.backward()
    assert x.grad.item() == 12.0  # d(3x^2)/dx


def test_inplace_second_derivative():
    x = tape.tensor(2.0, requires_grad=True)
    z = x * x
    z *= x
    (g,) = tape.grad(z, x, create_graph=True)
    assert g.item() == 12.0
    assert tape.grad(g, x)[0].item() == 12.0


def test_retain_grad_follows_the_new_version():
    x = tape.tensor(2.0, requires_grad=True)
    z = x * 3
    z.retain_grad()
    z += x
    z.backward()
    assert z.grad.item() == 1.0 and x.grad.item() == 4.0


def test_inplace_on_leaf_requiring_grad_raises():
    x = tape.tensor(2.0, requires_grad=True)
    for f in (lambda: x.__iadd__(1), lambda: x.mul_(2), lambda: x.pow_(2),
              lambda: x.zero_(), lambda: x.fill_(1.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            f()
    with tape.no_grad():
        x += 1
    assert x.item() == 3.0 and x._version == 1 and x.is_leaf


def test_broadcast_into_smaller_tensor_raises():
    x = tape.tensor([[1.0, 2.0]] * 2, requires_grad=True)
    z = tape.tensor([1.0, 2.0]) * 1
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        z += x


def test_inplace_with_grad_on_a_view_raises_clearly():
    x = tape.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = (x * 2)[0:2]
    with pytest.raises(RuntimeError, match="view"):
        v += x[0:2]


# ------------------------------------------------------------ version counter
def _saved_then_modified(case, L, T):
    """Programs where a value saved for backward may be modified in place."""
    x = T([1.0, 2.0], True)
    if case == "saved_input":        # MulBackward0 saved w
        w = x * 2
        y = (w * w).sum()
        w += 1
    elif case == "unsaved_input":    # AddBackward0 saves nothing: fine
        w = x * 2
        y = (w + w).sum()
        w += 1
    elif case == "saved_result":     # ExpBackward0 saved its result
        w = L.exp(x)
        y = w.sum()
        w += 1
    elif case == "saved_constant":   # a constant factor modified afterwards
        w = T([1.0, 2.0])
        y = (x * w).sum()
        w += 1
    elif case == "leaf_no_grad":     # a leaf changed under no_grad after use
        x2 = T([3.0, 4.0], True)
        y = (x2 * x2).sum() + (x * 1).sum()
        with L.no_grad():
            x2 += 1
    elif case == "leaf_no_grad_add":
        x2 = T([3.0, 4.0], True)
        y = (x2 + x2).sum() + (x * 1).sum()
        with L.no_grad():
            x2 += 1
    elif case == "detached_alias":   # detach shares the version counter
        w = L.exp(x)
        y = w.sum()
        d = w.detach()
        d += 1
    elif case == "self_times_self":  # torch refuses z *= z
        w = x * 3
        w *= w
        y = w.sum()
    elif case == "setitem_constant":
        w = T([1.0, 2.0])
        y = (x * w).sum()
        w[0] = 5.0
    try:
        y.backward()
    except RuntimeError as e:
        return "error", str(e)
    return "ok", grad_of(x.grad)


CASES = {"saved_input": "error", "unsaved_input": "ok", "saved_result": "error",
         "saved_constant": "error", "leaf_no_grad": "error", "leaf_no_grad_add": "ok",
         "detached_alias": "error", "self_times_self": "error", "setitem_constant": "error"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_modified_saved_values_raise_like_torch(case):
    kind, detail = _saved_then_modified(case, tape, tape.tensor)
    assert kind == CASES[case], detail
    if kind == "error":
        assert MODIFIED in detail
        assert "expected version 0 instead" in detail


@needs_torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_modified_saved_values_match_torch(case):
    pk, pd = _saved_then_modified(case, tape, tape.tensor)
    tk, td = _saved_then_modified(case, torch, tt)
    assert pk == tk, (pd, td)
    if pk == "ok":
        np.testing.assert_allclose(pd, td, rtol=1e-12)
    else:
        assert td.split("Hint")[0].split(":")[0] == pd.split("Hint")[0].split(":")[0]


def test_error_message_like_torch():
    w = tape.tensor([1.0, 2.0])
    x = tape.tensor([1.0, 1.0], requires_grad=True)
    y = (x * w).sum()
    w += 1
    with pytest.raises(RuntimeError) as err:
        y.backward()
    assert str(err.value).startswith(
        "one of the variables needed for gradient computation has been modified by an "
        "inplace operation: [torch.DoubleTensor [2]] is at version 1; expected version 0 "
        "instead.")


# ------------------------------------------------------------ the engine's own in-place work
def test_backward_never_writes_into_user_or_saved_arrays():
    # backward adds into gradient buffers it made itself and lets leaves take
    # them without a copy; user gradients, saved values and .grad must not alias
    w = np.array([1.0, 2.0, 3.0])
    gu = np.array([1.0, -1.0, 0.5])
    x = tape.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x * w + x + tape.sin(x) + x * x
    y.backward(gradient=gu)
    xv = np.array([0.5, 1.0, 2.0])
    expected = gu * (w + 1 + np.cos(xv) + 2 * xv)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14)
    np.testing.assert_array_equal(gu, [1.0, -1.0, 0.5])
    np.testing.assert_array_equal(w, [1.0, 2.0, 3.0])
    g = x.grad
    assert not np.shares_memory(g.numpy(), gu)
    (x + x).sum().backward()  # accumulates in place into the same .grad
    assert x.grad is g
    np.testing.assert_allclose(g.numpy(), expected + 2, rtol=1e-14)


def test_scalar_leaf_stays_an_array_and_scalar_graph_matches_arrays():
    x = tape.tensor(0.5, requires_grad=True)
    xs = tape.tensor([0.5, 0.5], requires_grad=True)
    y, ys = x, xs
    for _ in range(10):
        y = y * x + tape.sin(y)
        ys = ys * xs + tape.sin(ys)
    y.backward()
    ys.sum().backward()
    assert type(x.grad.numpy()) is np.ndarray and x.grad.shape == ()
    assert x.grad.item() == pytest.approx(xs.grad.numpy()[0], rel=1e-13)
