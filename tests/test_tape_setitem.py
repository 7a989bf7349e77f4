"""Item assignment and in-place writes (``out[i] = v``, ``fill_``, ``zero_``,
``copy_``) are recorded like torch's ``CopySlices``: the written part's
gradient goes to the value, the rest to the tensor's previous history; the
gradient is never silently dropped."""

import numpy as np
import pytest

from symdiff import tape

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def tt(data, requires_grad=False):
    return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)


def grad_of(g):
    return None if g is None else np.asarray(g.tolist())


def test_setitem_of_grad_value_into_plain_tensor():
    x = tape.tensor(2.0, requires_grad=True)
    out = tape.zeros(3)
    out[0] = x * 2
    assert out.requires_grad and not out.is_leaf
    assert type(out.grad_fn).__name__ == "CopySlices"
    assert out.grad_fn.name() == "torch::autograd::CopySlices"
    assert repr(out) == "tensor([4., 0., 0.], grad_fn=<CopySlices>)"
    assert out._version == 1
    out.sum().backward()
    assert x.grad.item() == 2.0


# name -> (program, expected gradients); each program returns (output, inputs)
def _into_zeros(L, T):
    x = T(2.0, True)
    out = L.zeros(3, dtype=L.float64)
    out[0] = x * 2
    return out.sum(), [x]


def _into_nonleaf(L, T):
    x = T(2.0, True)
    z = x * L.ones(3, dtype=L.float64)
    z[1] = x ** 2
    return (z * T([1.0, 2.0, 3.0])).sum(), [x]


def _slice_broadcast(L, T):
    x = T(2.0, True)
    z = x * L.ones(3, dtype=L.float64)
    z[0:2] = x
    return z.sum(), [x]


def _advanced_index(L, T):
    v = T([1.0, 2.0, 3.0], True)
    z = v * 1
    z[[0, 2]] = v[1] * T([5.0, 7.0])
    return (z * T([1.0, 10.0, 100.0])).sum(), [v]


def _mask_and_matrix(L, T):
    m = T([[1.0, -2.0], [3.0, -4.0]], True)
    y = T([0.5, 1.5], True)
    z = m * m
    z[z > 5] = 0.0
    z[:, 1] = y * m[0]
    return (z * T([[1.0, 2.0], [3.0, 4.0]])).sum(), [m, y]


def _fill_zero_copy(L, T):
    x = T([1.0, 2.0], True)
    a = x * 2
    a.fill_(3.0)
    b = x * 3
    b.zero_()
    c = x * 4
    c.copy_(x ** 2)
    d = L.zeros(2, dtype=L.float64)
    d.copy_(x[0] * 5)
    return (a + b + c * 10 + d * 100).sum(), [x]


PROGRAMS = {"into_zeros": (_into_zeros, [2.0]),
            "into_nonleaf": (_into_nonleaf, [1.0 + 2 * 4.0 + 3.0]),
            "slice_broadcast": (_slice_broadcast, [3.0]),
            "advanced_index": (_advanced_index, [[0.0, 715.0, 0.0]]),
            "mask_and_matrix": (_mask_and_matrix, None),  # checked against torch only
            "fill_zero_copy": (_fill_zero_copy, [[20.0 + 1000.0, 40.0]])}


@pytest.mark.parametrize("name", ["into_zeros", "into_nonleaf", "slice_broadcast",
                                  "advanced_index", "fill_zero_copy"])
def test_setitem_gradients(name):
    program, expected = PROGRAMS[name]
    out, inputs = program(tape, tape.tensor)
    grads = tape.grad(out, inputs)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_setitem_matches_torch(name):
    program, _ = PROGRAMS[name]
    pout, pin = program(tape, tape.tensor)
    tout, tin = program(torch, tt)
    np.testing.assert_allclose(pout.item(), tout.item(), rtol=1e-12)
    for p, t in zip(tape.grad(pout, pin, create_graph=True),
                    torch.autograd.grad(tout, tin, create_graph=True)):
        np.testing.assert_allclose(grad_of(p), grad_of(t), rtol=1e-12)


@needs_torch
def test_write_node_names_match_torch():
    for L, T in ((tape, tape.tensor), (torch, tt)):
        x = T([1.0, 2.0], True)
        names = []
        for write in (lambda z: z.__setitem__(0, x[1]), lambda z: z.fill_(3.0),
                      lambda z: z.fill_(x[0]), lambda z: z.zero_(), lambda z: z.copy_(x)):
            z = x * 2
            write(z)
            names.append(z.grad_fn.name())
        if L is tape:
            mine = names
    assert mine == names


def test_setitem_next_functions_and_second_derivative():
    x = tape.tensor(2.0, requires_grad=True)
    z = x * tape.ones(2)
    z[0] = x ** 3
    names = [fn.name() for fn, _ in z.grad_fn.next_functions]
    assert names == ["MulBackward0", "PowBackward0"]
    (g,) = tape.grad(z.sum(), x, create_graph=True)
    assert g.item() == 13.0  # 3x^2 + 1
    assert tape.grad(g, x)[0].item() == 12.0


def test_setitem_overwriting_a_saved_result_raises():
    x = tape.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = tape.exp(x)
    z[1] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_setitem_into_leaf_requiring_grad_raises():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0] = 5.0


def test_setitem_without_grad_just_writes():
    a = tape.zeros(3)
    a[1] = tape.tensor(4.0)
    assert not a.requires_grad and a.is_leaf and a._version == 1
    np.testing.assert_array_equal(a.numpy(), [0.0, 4.0, 0.0])
    x = tape.tensor(1.0, requires_grad=True)
    with tape.no_grad():
        a[0] = x * 2
    assert not a.requires_grad


def test_setitem_with_grad_into_a_view_raises_clearly():
    base = tape.zeros(4)
    view = base[1:3]
    x = tape.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="view"):
        view[0] = x
