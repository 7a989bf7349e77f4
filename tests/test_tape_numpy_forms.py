"""numpy's spellings on tape tensors, as ``sd.check`` runs a user's numpy code, against
torch 2.13: ``np.max``/``np.min``/``np.prod``/``np.sum``/``np.mean`` with ``axis=`` and
``keepdims=``, ``np.sort``, ``np.cumprod``/``np.cumsum`` with and without ``axis``, ``np.diff``,
``np.hstack``/``np.vstack``, ``np.flipud``/``np.fliplr``, ``np.einsum`` (strings and sublists), ``np.trace``,
``np.diagonal``, ``np.atleast_1d/2d/3d``, ``np.split`` and its kin, ``np.remainder``,
``np.fmod``, ``np.tensordot``, ``np.kron``, ``np.rollaxis``, ``np.column_stack``,
``np.append``, ``np.repeat``, ``np.cross``, ``np.gradient``, ``np.pad`` (constant), ``np.std`` of a list,
``np.linalg.inv/det/slogdet/solve``, ``np.diag``, ``np.real``/``np.imag``/``np.conj`` of real
tensors, and
negative-step slices (numpy's reversed views; torch.flip on torch's side) under the
tape's value semantics.  Values, shapes, gradients of a weighted sum of the outputs
and second derivatives (``create_graph``) must agree; the inputs hold ties and zeros
where the rules are delicate (the maximum shared evenly, the product exact at zeros).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

from symdiff import tape  # noqa: E402
from symdiff.tape.grad_mode import value_semantics  # noqa: E402
from symdiff.tape.namespaces import numpy_as_floats as tnp  # noqa: E402


def _input():
    x = np.array([[0.5, 2.0, -1.0, 2.0],      # a tie for the row's maximum
                  [1.5, -0.5, 0.0, 3.0],      # one zero in the row
                  [0.0, 0.0, -2.0, -2.0]])    # two zeros; a tie for the minimum
    return x


# (name, tape side written in numpy, torch side)
CASES = [
    ("max axis=1", lambda t, np: np.max(t, axis=1), lambda c: torch.amax(c, 1)),
    ("max axis=0 keepdims", lambda t, np: np.max(t, axis=0, keepdims=True),
     lambda c: torch.amax(c, 0, keepdim=True)),
    ("max axis=(0, 1)", lambda t, np: np.max(t, axis=(0, 1)), lambda c: torch.amax(c, (0, 1))),
    ("max keepdims", lambda t, np: np.max(t, keepdims=True),
     lambda c: torch.amax(c, (0, 1), keepdim=True)),
    ("amax positional axis", lambda t, np: np.amax(t, 1), lambda c: torch.amax(c, 1)),
    ("min axis=-1 keepdims", lambda t, np: np.min(t, axis=-1, keepdims=True),
     lambda c: torch.amin(c, -1, keepdim=True)),
    ("prod axis=1", lambda t, np: np.prod(t, axis=1), lambda c: torch.prod(c, 1)),
    ("prod axis=0 keepdims", lambda t, np: np.prod(t, axis=0, keepdims=True),
     lambda c: torch.prod(c, 0, keepdim=True)),
    ("prod axis=(0, 1)", lambda t, np: np.prod(t, axis=(0, 1)), lambda c: torch.prod(c)),
    ("prod axis=(1, 0) keepdims", lambda t, np: np.prod(t, axis=(1, 0), keepdims=True),
     lambda c: torch.prod(c).reshape(1, 1)),
    ("prod keepdims", lambda t, np: np.prod(t, keepdims=True), lambda c: torch.prod(c).reshape(1, 1)),
    ("prod positional axis", lambda t, np: np.prod(t, 1), lambda c: torch.prod(c, 1)),
    ("sum axis=1 keepdims", lambda t, np: np.sum(t, axis=1, keepdims=True),
     lambda c: torch.sum(c, 1, keepdim=True)),
    ("mean axis=0 keepdims", lambda t, np: np.mean(t, axis=0, keepdims=True),
     lambda c: torch.mean(c, 0, keepdim=True)),
    ("sort", lambda t, np: np.sort(t), lambda c: torch.sort(c, stable=True).values),
    ("sort axis=0", lambda t, np: np.sort(t, axis=0), lambda c: torch.sort(c, dim=0, stable=True).values),
    ("sort axis=None", lambda t, np: np.sort(t, axis=None),
     lambda c: torch.sort(c.flatten(), stable=True).values),
    ("cumprod", lambda t, np: np.cumprod(t), lambda c: torch.cumprod(c.flatten(), 0)),
    ("cumprod axis=1", lambda t, np: np.cumprod(t, axis=1), lambda c: torch.cumprod(c, 1)),
    ("cumsum axis=0", lambda t, np: np.cumsum(t, axis=0), lambda c: torch.cumsum(c, 0)),
    ("prod positional axis tuple", lambda t, np: np.prod(t, (0, 1)), lambda c: torch.prod(c)),
    ("x.cumsum()", lambda t, np: t.cumsum(), lambda c: torch.cumsum(c.flatten(), 0)),
    ("x.cumprod()", lambda t, np: t.cumprod(), lambda c: torch.cumprod(c.flatten(), 0)),
    ("x.cumsum(axis=0)", lambda t, np: t.cumsum(axis=0), lambda c: torch.cumsum(c, 0)),
    ("x.cumprod(axis=1)", lambda t, np: t.cumprod(axis=1), lambda c: torch.cumprod(c, 1)),
    ("x.max(axis=0, keepdims)", lambda t, np: t.max(axis=0, keepdims=True),
     lambda c: torch.amax(c, 0, keepdim=True)),
    ("x.prod(axis=1)", lambda t, np: t.prod(axis=1), lambda c: torch.prod(c, 1)),
    ("diff", lambda t, np: np.diff(t), lambda c: torch.diff(c)),
    ("diff n=2 axis=0", lambda t, np: np.diff(t, 2, axis=0), lambda c: torch.diff(c, 2, dim=0)),
    ("hstack", lambda t, np: np.hstack([t, t[:, :1] ** 2]),
     lambda c: torch.hstack([c, c[:, :1] ** 2])),
    ("hstack 1-d", lambda t, np: np.hstack([t[0], np.ravel(t)]),
     lambda c: torch.hstack([c[0], c.flatten()])),
    ("vstack", lambda t, np: np.vstack([t, t[1], t[::2] * t[0]]),
     lambda c: torch.vstack([c, c[1], c[[0, 2]] * c[0]])),
    ("flipud", lambda t, np: np.flipud(t), lambda c: torch.flipud(c)),
    ("fliplr", lambda t, np: np.fliplr(t), lambda c: torch.fliplr(c)),
    ("einsum", lambda t, np: np.einsum("ij,kj->ik", t, t * t), lambda c: torch.einsum("ij,kj->ik", c, c * c)),
    ("einsum trace", lambda t, np: np.einsum("ii", t[:, :3]), lambda c: torch.einsum("ii", c[:, :3])),
    ("einsum sublists", lambda t, np: np.einsum(t.reshape(3, 2, 2), [..., 0, 1], t.reshape(3, 2, 2) ** 2,
                                                [..., 1, 2], [..., 0, 2]),
     lambda c: torch.einsum(c.reshape(3, 2, 2), [..., 0, 1], c.reshape(3, 2, 2) ** 2, [..., 1, 2], [..., 0, 2])),
    ("einsum sublist no output", lambda t, np: np.einsum(t, [0, 1], t, [0, 2]),
     lambda c: torch.einsum(c, [0, 1], c, [0, 2])),
    ("pad", lambda t, np: np.pad(t * t, ((1, 2), (3, 0))),
     lambda c: torch.nn.functional.pad(c * c, (3, 0, 1, 2))),
    ("pad constant_values", lambda t, np: np.pad(t, 1, "constant", constant_values=2.5),
     lambda c: torch.nn.functional.pad(c, (1, 1, 1, 1), value=2.5)),
    ("linalg.inv", lambda t, np: np.linalg.inv(t[:, :3] + 4.0 * np.eye(3)),
     lambda c: torch.linalg.inv(c[:, :3] + 4.0 * torch.eye(3))),
    ("linalg.inv batched", lambda t, np: np.linalg.inv(t.reshape(3, 2, 2) + 3.0 * np.eye(2)),
     lambda c: torch.linalg.inv(c.reshape(3, 2, 2) + 3.0 * torch.eye(2))),
    ("linalg.det", lambda t, np: np.linalg.det(t[:, 1:] * t[:, :3]),
     lambda c: torch.linalg.det(c[:, 1:] * c[:, :3])),
    ("linalg.slogdet", lambda t, np: np.linalg.slogdet(t[:, :3] + 4.0 * np.eye(3))[1]
     * np.linalg.slogdet(t.reshape(3, 2, 2) - 5.0 * np.eye(2))[0],
     lambda c: torch.linalg.slogdet(c[:, :3] + 4.0 * torch.eye(3))[1]
     * torch.linalg.slogdet(c.reshape(3, 2, 2) - 5.0 * torch.eye(2))[0]),
    ("linalg.solve", lambda t, np: np.linalg.solve(t[:, :3] + 4.0 * np.eye(3), t[:, 1:] ** 2),
     lambda c: torch.linalg.solve(c[:, :3] + 4.0 * torch.eye(3), c[:, 1:] ** 2)),
    ("linalg.solve vector", lambda t, np: np.linalg.solve(t[:, :3] + 4.0 * np.eye(3), t[:, 3]),
     lambda c: torch.linalg.solve(c[:, :3] + 4.0 * torch.eye(3), c[:, 3])),
    ("x.ravel()", lambda t, np: t.ravel() * 2.0, lambda c: c.ravel() * 2.0),
    ("trace", lambda t, np: np.trace(t), lambda c: torch.diagonal(c).sum(-1)),
    ("trace offset=-1", lambda t, np: np.trace(t, offset=-1), lambda c: torch.diagonal(c, -1).sum(-1)),
    ("trace axes", lambda t, np: np.trace(t.reshape(3, 2, 2), 1, axis1=1, axis2=0),
     lambda c: torch.diagonal(c.reshape(3, 2, 2), 1, 1, 0).sum(-1)),
    ("diagonal", lambda t, np: np.diagonal(t, 1), lambda c: torch.diagonal(c, 1)),
    ("atleast_1d", lambda t, np: np.atleast_1d(t[0, 0]), lambda c: torch.atleast_1d(c[0, 0])),
    ("atleast_2d", lambda t, np: np.atleast_2d(t[1]), lambda c: torch.atleast_2d(c[1])),
    ("atleast_3d 1-d", lambda t, np: np.atleast_3d(t[1]), lambda c: torch.atleast_3d(c[1])),
    ("atleast_3d 2-d", lambda t, np: np.atleast_3d(t), lambda c: torch.atleast_3d(c)),
    ("array_split", lambda t, np: np.concatenate(
        [np.ravel(p * (k + 1)) for k, p in enumerate(np.array_split(t, 3, axis=1))]),
     lambda c: torch.cat([(p * (k + 1)).flatten()
                          for k, p in enumerate(torch.tensor_split(c, 3, dim=1))])),
    ("split at indices", lambda t, np: np.concatenate(
        [np.ravel(p * (k + 1)) for k, p in enumerate(np.split(t, [1, 3], axis=1))]),
     lambda c: torch.cat([(p * (k + 1)).flatten()
                          for k, p in enumerate(torch.tensor_split(c, [1, 3], dim=1))])),
    ("hsplit", lambda t, np: np.hsplit(t, 2)[1] * np.hsplit(t, 2)[0],
     lambda c: torch.hsplit(c, 2)[1] * torch.hsplit(c, 2)[0]),
    ("vsplit", lambda t, np: np.vsplit(t, 3)[2] - np.vsplit(t, 3)[0] ** 2,
     lambda c: torch.vsplit(c, 3)[2] - torch.vsplit(c, 3)[0] ** 2),
    ("remainder", lambda t, np: np.remainder(t, 1.5) + np.remainder(t * 2.0, t + 3.0) + (t * t) % 0.7,
     lambda c: torch.remainder(c, 1.5) + torch.remainder(c * 2.0, c + 3.0) + (c * c) % 0.7),
    ("fmod", lambda t, np: np.fmod(t, 1.5) + np.fmod(t * 3.0, t + 3.0),
     lambda c: torch.fmod(c, 1.5) + torch.fmod(c * 3.0, c + 3.0)),
    ("tensordot axes=1", lambda t, np: np.tensordot(t, t.T, 1), lambda c: torch.tensordot(c, c.T, 1)),
    ("tensordot pairs", lambda t, np: np.tensordot(t.reshape(3, 2, 2), t.reshape(2, 2, 3), axes=((2, 1), (0, 1))),
     lambda c: torch.tensordot(c.reshape(3, 2, 2), c.reshape(2, 2, 3), dims=([2, 1], [0, 1]))),
    ("tensordot axes=0", lambda t, np: np.tensordot(t[0], t[1], 0), lambda c: torch.tensordot(c[0], c[1], 0)),
    ("kron", lambda t, np: np.kron(t[:2, :2], t), lambda c: torch.kron(c[:2, :2], c)),
    ("kron ranks differ", lambda t, np: np.kron(t[0], t), lambda c: torch.kron(c[0], c)),
    ("rollaxis", lambda t, np: np.rollaxis(t.reshape(3, 2, 2), 2), lambda c: torch.moveaxis(c.reshape(3, 2, 2), 2, 0)),
    ("rollaxis start", lambda t, np: np.rollaxis(t.reshape(3, 2, 2), 0, 3),
     lambda c: torch.moveaxis(c.reshape(3, 2, 2), 0, 2)),
    ("column_stack", lambda t, np: np.column_stack([t[0], t[1] ** 2, t[:2].T]),
     lambda c: torch.column_stack([c[0], c[1] ** 2, c[:2].T])),
    ("append", lambda t, np: np.append(t, t[0] * 2.0), lambda c: torch.cat([c.flatten(), c[0] * 2.0])),
    ("append axis=0", lambda t, np: np.append(t, t[:1] * 2.0, axis=0), lambda c: torch.cat([c, c[:1] * 2.0], 0)),
    ("repeat", lambda t, np: np.repeat(t, 2), lambda c: torch.repeat_interleave(c.flatten(), 2)),
    ("repeat axis=1", lambda t, np: np.repeat(t, [1, 0, 2, 1], axis=1),
     lambda c: torch.repeat_interleave(c, torch.tensor([1, 0, 2, 1]), 1)),
    ("diag", lambda t, np: np.diag(t, 1) + np.sum(np.diag(t[0], -1)), lambda c: torch.diag(c, 1) + torch.diag(c[0], -1).sum()),
    ("real imag conj", lambda t, np: np.real(t) * 2.0 + np.imag(t) + np.conj(t * t),
     lambda c: c * 2.0 + c * 0.0 + c * c),
    ("cross", lambda t, np: np.cross(t[:, :3], t[:, 1:] ** 2),
     lambda c: torch.linalg.cross(c[:, :3], c[:, 1:] ** 2)),
    ("cross axisa=0 axisc=0", lambda t, np: np.cross(t[:, :3], t[:, 1:], axisa=0, axisc=0),
     lambda c: torch.linalg.cross(c[:, :3].T, c[:, 1:], dim=-1).T),
    ("cross axis=0", lambda t, np: np.cross(t[:, :3], t[:, 1:] * t[:, :3], axis=0),
     lambda c: torch.linalg.cross(c[:, :3], c[:, 1:] * c[:, :3], dim=0)),
    ("cross 2 and 3", lambda t, np: np.cross(t[:, :2], t[:, 1:]),
     lambda c: torch.linalg.cross(torch.nn.functional.pad(c[:, :2], (0, 1)), c[:, 1:])),
    ("cross 2 and 2", lambda t, np: np.cross(t[:, :2], t[:, 2:]),
     lambda c: torch.linalg.cross(torch.nn.functional.pad(c[:, :2], (0, 1)),
                                  torch.nn.functional.pad(c[:, 2:], (0, 1)))[:, 2]),
    ("gradient axis=1", lambda t, np: np.gradient(t, axis=1), lambda c: torch.gradient(c, dim=1)[0]),
    ("gradient spacing edge_order=2", lambda t, np: np.gradient(t, 0.5, axis=0, edge_order=2),
     lambda c: torch.gradient(c, spacing=0.5, dim=0, edge_order=2)[0]),
    ("gradient all axes", lambda t, np: np.concatenate([np.ravel(g) for g in np.gradient(t, 2.0, 0.25)]),
     lambda c: torch.cat([g.flatten() for g in torch.gradient(c, spacing=[2.0, 0.25])])),
    ("std of a list", lambda t, np: np.std([t, t * t], axis=0) + np.var([t[0], t[1] * 2.0]),
     lambda c: torch.std(torch.stack([c, c * c]), dim=0, correction=0)
     + torch.var(torch.stack([c[0], c[1] * 2.0]), correction=0)),
    ("x[::-1]", lambda t, np: t[::-1], lambda c: torch.flip(c, (0,))),
    ("x[:, ::-1]", lambda t, np: t[:, ::-1], lambda c: torch.flip(c, (1,))),
    ("x[::-1, 3:0:-2]", lambda t, np: t[::-1, 3:0:-2], lambda c: torch.flip(c, (0,))[:, [3, 1]]),
    ("x[-1::-2] * x[::2]", lambda t, np: t[-1::-2] * t[::2], lambda c: c[[2, 0]] * c[[0, 2]]),
]


def _compare(x, tape_side, torch_side, weights):
    t = tape.tensor(x, requires_grad=True)
    with value_semantics():
        out = tape_side(t, tnp)
    c = torch.tensor(x, requires_grad=True)
    oc = torch_side(c)
    assert out.shape == tuple(oc.shape)
    np.testing.assert_allclose(out.detach().numpy(), oc.detach().numpy(), rtol=1e-14, atol=0)
    w = weights(out.shape)
    (g,) = tape.autograd.grad((out * tape.tensor(w)).sum(), [t], create_graph=True)
    (gc,) = torch.autograd.grad((oc * torch.tensor(w)).sum(), [c], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), gc.detach().numpy(), rtol=1e-13, atol=1e-15)
    v = weights(x.shape)            # second derivatives: the Hessian times v
    if g.requires_grad or gc.requires_grad:
        (h,) = tape.autograd.grad((g * tape.tensor(v)).sum(), [t], allow_unused=True)
        (hc,) = torch.autograd.grad((gc * torch.tensor(v)).sum(), [c], allow_unused=True)
        h = np.zeros(x.shape) if h is None else h.numpy()
        hc = np.zeros(x.shape) if hc is None else hc.numpy()
        np.testing.assert_allclose(h, hc, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,tape_side,torch_side", CASES, ids=[c[0] for c in CASES])
def test_numpy_form_matches_torch(name, tape_side, torch_side):
    rng = np.random.default_rng(7)
    _compare(_input(), tape_side, torch_side, lambda s: rng.standard_normal(s))


# the linalg cases meet singular matrices among such values (det's and inv's gradients
# are not defined there on the tape; torch goes through an SVD)
_TIES_CASES = [k for k, c in enumerate(CASES) if not c[0].startswith("linalg")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]), min_size=12, max_size=12),
       st.sampled_from(_TIES_CASES))
def test_numpy_forms_with_ties_and_zeros(values, k):
    """Values drawn from a few numbers: ties and zeros everywhere."""
    _, tape_side, torch_side = CASES[k]
    rng = np.random.default_rng(k)
    _compare(np.array(values).reshape(3, 4), tape_side, torch_side,
             lambda s: rng.standard_normal(s))


def test_max_ties_share_the_gradient():
    t = tape.tensor([[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]], requires_grad=True)
    with value_semantics():
        tnp.sum(tnp.max(t, axis=1)).backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_prod_exact_at_zeros():
    t = tape.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]], requires_grad=True)
    with value_semantics():
        tnp.sum(tnp.prod(t, axis=1)).backward()
    np.testing.assert_array_equal(t.grad.numpy(), [[0, 6, 0], [0, 0, 0]])


def test_negative_step_is_refused_outside_value_semantics():
    """torch-style code keeps torch's error; only numpy code run by value flips."""
    t = tape.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::-1]
    with value_semantics():
        np.testing.assert_array_equal(t[::-1].numpy(), [3.0, 2.0, 1.0])
        with pytest.raises(ValueError):
            t[::0]


@pytest.mark.parametrize("call", [lambda t: tnp.sum(t, where=t > 0),
                                  lambda t: tnp.max(t, axis=0, initial=5.0),
                                  lambda t: tnp.prod(t, initial=2.0),
                                  lambda t: tnp.mean(t, where=t > 0)])
def test_numpy_keywords_the_tape_does_not_compute_are_refused(call):
    """initial= and where= change the value: an error (sd.check then skips the tape
    column), never a silently different number."""
    t = tape.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    with value_semantics(), pytest.raises(TypeError, match="the tape does not compute"):
        call(t)


def test_gradient_values_are_numpys():
    x = np.array([[0.5, 2.0, -1.0, 2.0, 7.0], [1.5, -0.5, 0.0, 3.0, 1.0], [0.0, 4.0, -2.0, -2.0, 2.0]])
    t = tape.tensor(x)
    with value_semantics():
        for args, kw in [((), {}), ((0.5,), {"axis": 1, "edge_order": 2}), ((2.0, 3.0), {}),
                         ((), {"axis": (1, 0)})]:
            got, want = tnp.gradient(t, *args, **kw), np.gradient(x, *args, **kw)
            for g, w in zip(got if isinstance(got, tuple) else (got,),
                            want if isinstance(want, tuple) else (want,)):
                np.testing.assert_allclose(g.numpy(), w, rtol=1e-15)


def test_pad_modes_other_than_constant_are_refused():
    t = tape.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with value_semantics(), pytest.raises(TypeError, match="mode='constant'"):
        tnp.pad(t, 1, "reflect")


def test_torch_spellings_keep_torch_meaning():
    """tape.max(x, 1) is still torch's (values, indices); prod(x, (0, 1)) still torch's error."""
    x = tape.tensor([[1.0, 3.0], [4.0, 2.0]])
    r = tape.max(x, 1)
    np.testing.assert_array_equal(r.values.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(r.indices.numpy(), [1, 0])
    with pytest.raises(TypeError):
        tape.prod(x, (0, 1))
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'dim'"):
        x.cumsum()
