"""``tape.nn`` against torch 2.13 (issue 14): modules, layers, activations, losses,
clipping; values, gradients, second derivatives, node names, reprs, errors.

Every case builds the same computation in both libraries (weights copied from
torch with ``load_state_dict``) with torch's default dtype set to float64.
"""

import math
import warnings

import numpy as np
import pytest

from symdiff import tape

torch = pytest.importorskip("torch")
from tape_vs_torch import arr, float64_default, raises_like  # noqa: E402,F401
tnn = torch.nn
nn = tape.nn


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(arr(a), arr(b), rtol=rtol, atol=atol)


def pair(value, requires_grad=False, dtype=None):
    """The same data as a tape tensor and a torch tensor."""
    v = np.array(value, dtype=dtype)
    return (tape.tensor(v, requires_grad=requires_grad),
            torch.tensor(v, requires_grad=requires_grad))


def copy_weights(tape_module, torch_module):
    result = tape_module.load_state_dict(torch_module.state_dict())
    assert repr(result) == "<All keys matched successfully>"


# ---------------------------------------------------------------- Linear and containers
@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_values_gradients_and_nodes(shape, bias):
    ours, theirs = nn.Linear(3, 2, bias=bias), tnn.Linear(3, 2, bias=bias)
    copy_weights(ours, theirs)
    x, tx = pair(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    y, ty = ours(x), theirs(tx)
    close(y, ty)
    assert y.grad_fn.name() == ty.grad_fn.name()
    (y ** 2).sum().backward()
    (ty ** 2).sum().backward()
    close(x.grad, tx.grad)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        close(p.grad, tp.grad)


LINEAR_ERRORS = [
    ("dtype", lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 3, dtype=lib.float32))),
    ("shape2d", lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 4))),
    ("shape1d", lambda lib: lib.nn.Linear(3, 2)(lib.ones(4))),
    ("shape3d", lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 2, 4))),
    ("scalar", lambda lib: lib.nn.Linear(3, 2)(lib.tensor(1.0))),
]


@pytest.mark.parametrize("name, fn", LINEAR_ERRORS, ids=[e[0] for e in LINEAR_ERRORS])
def test_linear_errors_match_torch(name, fn):
    raises_like(lambda: fn(tape), lambda: fn(torch))


def test_linear_second_derivative():
    ours, theirs = nn.Linear(3, 2), tnn.Linear(3, 2)
    copy_weights(ours, theirs)
    x, tx = pair([[0.5, -1.0, 2.0]], requires_grad=True)
    (g,) = tape.grad((tape.tanh(ours(x)) ** 2).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((torch.tanh(theirs(tx)) ** 2).sum(), tx, create_graph=True)
    close(g, tg)
    (h,) = tape.grad(g.sum(), ours.weight)
    (th,) = torch.autograd.grad(tg.sum(), theirs.weight)
    close(h, th)


def test_linear_initialisation_follows_torchs_distribution():
    tape.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = arr(layer.weight), arr(layer.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # uniform on [-bound, bound]: mean 0, variance bound**2 / 3
    assert abs(w.mean()) < 0.01 * bound and abs(w.var() / (bound ** 2 / 3) - 1) < 0.02
    tape.manual_seed(0)
    assert np.array_equal(arr(nn.Linear(400, 300).weight), w)   # reproducible
    assert layer.weight.dtype == np.float64 and layer.weight.requires_grad
    assert nn.Linear(2, 2, dtype=tape.float32).weight.dtype == np.float32


def test_reprs_match_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1), lib.nn.ReLU(),
                                 lib.nn.Softmax(dim=1), lib.nn.LogSoftmax(), lib.nn.Tanh(),
                                 lib.nn.Sigmoid(), lib.nn.Flatten(),
                                 lib.nn.Linear(2, 3, bias=False), lib.nn.MSELoss(),
                                 lib.nn.CrossEntropyLoss(), lib.nn.Dropout(0.2),
                                 lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)]),
                                 lib.nn.Identity())
    assert repr(build(tape)) == repr(build(torch))
    p, tp = tape.nn.Parameter(tape.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert repr(p) == repr(tp)


class Net:
    """A custom module, written once for both libraries."""

    @staticmethod
    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = lib.nn.Parameter(lib.ones(2))
                self.inner = lib.nn.Linear(2, 2)
                self.register_buffer("running", lib.zeros(2))
                self.register_buffer("scratch", lib.zeros(1), persistent=False)

            def forward(self, x):
                return self.inner(x) * self.scale

        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()
                self.head = lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Linear(2, 1))
                self.shared = self.block.inner   # registered twice, counted once

            def forward(self, x):
                return self.head(self.block(x))

        return Model()


def test_module_registration_and_walks():
    ours, theirs = Net.build(tape), Net.build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 5
    assert repr(ours) == repr(theirs)
    copy_weights(ours, theirs)
    x, tx = pair([[1.0, -2.0], [0.5, 0.25]])
    close(ours(x), theirs(tx))


def test_state_dict_shares_memory_and_load_keeps_identity():
    ours = nn.Linear(2, 2)
    sd = ours.state_dict()
    weight = ours.weight
    sd["weight"][0, 0] = 5.0                     # detached, same memory (torch)
    assert ours.weight[0, 0].item() == 5.0 and not sd["weight"].requires_grad
    opt = tape.optim.SGD(ours.parameters(), lr=0.1)
    ours.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert ours.weight is weight and opt.param_groups[0]["params"][0] is weight
    close(ours.weight, torch.eye(2))


def test_load_state_dict_errors_match_torch():
    ours, theirs = nn.Sequential(nn.Linear(3, 1)), tnn.Sequential(tnn.Linear(3, 1))
    bad = {"0.weight": np.zeros((2, 3)), "x": np.zeros(1)}
    raises_like(lambda: ours.load_state_dict(bad),
                lambda: theirs.load_state_dict({k: torch.tensor(v) for k, v in bad.items()}))
    result = ours.load_state_dict({"0.weight": np.zeros((1, 3)), "y": np.ones(1)},
                                  strict=False)
    expected = theirs.load_state_dict({"0.weight": torch.zeros(1, 3), "y": torch.ones(1)},
                                      strict=False)
    assert result.missing_keys == expected.missing_keys
    assert result.unexpected_keys == expected.unexpected_keys


def test_assignment_errors_match_torch():
    class Early:
        @staticmethod
        def build(lib):
            class M(lib.nn.Module):
                def __init__(self):
                    self.layer = lib.nn.Linear(1, 1)
            return M()

    raises_like(lambda: Early.build(tape), lambda: Early.build(torch))
    ours, theirs = Net.build(tape), Net.build(torch)
    raises_like(lambda: setattr(ours, "block", 3), lambda: setattr(theirs, "block", 3))
    raises_like(lambda: setattr(ours.block, "scale", tape.ones(2)),
                lambda: setattr(theirs.block, "scale", torch.ones(2)))
    raises_like(lambda: nn.Module()(1), lambda: tnn.Module()(1))
    raises_like(lambda: ours.missing, lambda: theirs.missing)
    raises_like(lambda: ours.train("yes"), lambda: theirs.train("yes"))


def test_train_eval_zero_grad_requires_grad():
    ours = Net.build(tape)
    assert ours.training and ours.eval() is ours
    assert not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())
    x = tape.ones(1, 2)
    ours(x).sum().backward()
    assert all(p.grad is not None for p in ours.parameters())
    ours.zero_grad(set_to_none=False)
    assert all(float(abs(p.grad).sum()) == 0.0 for p in ours.parameters())
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_dropout_train_and_eval():
    tape.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = tape.ones(4000)
    y = arr(drop(x))
    assert set(np.unique(y)) <= {0.0, 1 / 0.75} and abs((y == 0).mean() - 0.25) < 0.03
    drop.eval()
    assert drop(x) is x


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    ("relu", lambda lib, x: lib.nn.functional.relu(x)),
    ("sigmoid", lambda lib, x: lib.nn.functional.sigmoid(x)),
    ("tanh", lambda lib, x: lib.nn.functional.tanh(x)),
    ("softmax1", lambda lib, x: lib.nn.functional.softmax(x, dim=1)),
    ("softmax-1", lambda lib, x: lib.nn.functional.softmax(x, -1)),
    ("log_softmax0", lambda lib, x: lib.nn.functional.log_softmax(x, dim=0)),
    ("ReLU", lambda lib, x: lib.nn.ReLU()(x)),
    ("Tanh", lambda lib, x: lib.nn.Tanh()(x)),
    ("Sigmoid", lambda lib, x: lib.nn.Sigmoid()(x)),
    ("Softmax", lambda lib, x: lib.nn.Softmax(dim=1)(x)),
    ("LogSoftmax", lambda lib, x: lib.nn.LogSoftmax(dim=1)(x)),
    ("Flatten", lambda lib, x: lib.nn.Flatten(0, 1)(x)),
    ("leaky_relu", lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1)),
    ("softplus", lambda lib, x: lib.nn.functional.softplus(x)),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x)),
    ("silu", lambda lib, x: lib.nn.functional.silu(x)),
    ("elu", lambda lib, x: lib.nn.functional.elu(x)),
]


@pytest.mark.parametrize("name, fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_values_and_two_derivatives(name, fn):
    data = [[-2.0, -0.5, 0.0, 0.5], [3.0, 1e-3, -1e-3, 30.0]]
    x, tx = pair(data, requires_grad=True)
    y, ty = fn(tape, x), fn(torch, tx)
    close(y, ty)
    w = np.linspace(0.5, 2.0, y.numel()).reshape(y.shape)
    (g,) = tape.grad((y * tape.tensor(w)).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty * torch.tensor(w)).sum(), tx, create_graph=True)
    close(g, tg)
    # torch's elu double backward puts x = 0 on the positive side, its first
    # derivative on the negative one: the tape differentiates its own first derivative
    if g.requires_grad and name != "elu":
        (h,) = tape.grad((g ** 2).sum(), x)
        (th,) = torch.autograd.grad((tg ** 2).sum(), tx)
        close(h, th, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("which", ["softmax", "log_softmax", "Softmax", "LogSoftmax"])
def test_softmax_without_dim_warns_and_chooses_like_torch(ndim, which):
    data = np.arange(1.0, 1.0 + 2 ** ndim).reshape((2,) * ndim) / 7

    def call(lib):
        x = lib.tensor(data)
        if which[0].isupper():
            return getattr(lib.nn, which)()(x)
        return getattr(lib.nn.functional, which)(x)

    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        y = call(tape)
    with warnings.catch_warnings(record=True) as expected:
        warnings.simplefilter("always")
        ty = call(torch)
    close(y, ty)
    assert [str(w.message) for w in got] == [str(w.message) for w in expected]
    assert [w.category for w in got] == [w.category for w in expected]
    assert got[0].filename == __file__ or which[0].isupper()


def test_relu_inplace():
    x, tx = pair([-1.0, 2.0])
    assert tape.nn.functional.relu(x, inplace=True) is x
    torch.nn.functional.relu(tx, inplace=True)
    close(x, tx)


# ---------------------------------------------------------------- losses
RNG = np.random.default_rng(7)
X23 = RNG.standard_normal((2, 3))
X34 = RNG.standard_normal((3, 4))
X2345 = RNG.standard_normal((2, 3, 4, 5))
P34 = 1 / (1 + np.exp(-X34))
T34 = RNG.uniform(size=(3, 4))
W4 = RNG.uniform(0.5, 2.0, size=4)
W3 = RNG.uniform(0.5, 2.0, size=3)


def loss_case(make, x, target, target_grad=False, int_target=False):
    return make, x, target, target_grad, int_target


LOSSES = {
    "mse": loss_case(lambda lib, r: lib.nn.MSELoss(reduction=r), X34, T34, True),
    "l1": loss_case(lambda lib, r: lib.nn.L1Loss(reduction=r), X34, T34, True),
    "smooth_l1": loss_case(lambda lib, r: lib.nn.SmoothL1Loss(reduction=r), 2 * X34, T34, True),
    "smooth_l1_beta0": loss_case(lambda lib, r: lib.nn.SmoothL1Loss(reduction=r, beta=0.0),
                                 X34, T34, True),
    "smooth_l1_beta.3": loss_case(lambda lib, r: lib.nn.SmoothL1Loss(reduction=r, beta=0.3),
                                  X34, T34, True),
    "huber": loss_case(lambda lib, r: lib.nn.HuberLoss(reduction=r, delta=0.7), 2 * X34, T34,
                       True),
    "bce": loss_case(lambda lib, r: lib.nn.BCELoss(reduction=r), P34, T34, True),
    "bce_weight": loss_case(lambda lib, r: lib.nn.BCELoss(weight=lib.tensor(W4), reduction=r),
                            P34, T34, True),
    "bce_edges": loss_case(lambda lib, r: lib.nn.BCELoss(reduction=r),
                           np.array([0.0, 1.0, 0.5, 1e-30]), np.array([0.0, 1.0, 1.0, 0.0]),
                           False),
    "bce_logits": loss_case(lambda lib, r: lib.nn.BCEWithLogitsLoss(reduction=r), 5 * X34, T34,
                            True),
    "bce_logits_weights": loss_case(
        lambda lib, r: lib.nn.BCEWithLogitsLoss(weight=lib.tensor(W4),
                                                pos_weight=lib.tensor(W4[::-1].copy()),
                                                reduction=r), 5 * X34, T34, True),
    "nll": loss_case(lambda lib, r: lib.nn.NLLLoss(reduction=r), X34, [0, 3, 1], False, True),
    "nll_weight_ignore": loss_case(
        lambda lib, r: lib.nn.NLLLoss(weight=lib.tensor(W4), ignore_index=1, reduction=r),
        X34, [0, 1, 3], False, True),
    "ce": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), X34, [0, 3, 1],
                    False, True),
    "ce_ignore": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), X34,
                           [0, -100, 1], False, True),
    "ce_all_ignored": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), X34,
                                [-100, -100, -100], False, True),
    "ce_weight": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(weight=lib.tensor(W4),
                                                                  reduction=r),
                           X34, [2, 2, 0], False, True),
    "ce_1d": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), X34[0], 2, False,
                       True),
    "ce_ncd": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r),
                        X2345[:, :, :, 0], [[0, 1, 2, 0], [2, 2, -100, 1]], False, True),
    "ce_ncdd_weight": loss_case(
        lambda lib, r: lib.nn.CrossEntropyLoss(weight=lib.tensor(W3), reduction=r), X2345,
        RNG.integers(0, 3, size=(2, 4, 5)), False, True),
    "ce_smoothing": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r,
                                                                     label_smoothing=0.2),
                              X34, [0, 3, 1], False, True),
    "ce_smoothing_weight_ignore": loss_case(
        lambda lib, r: lib.nn.CrossEntropyLoss(weight=lib.tensor(W3), reduction=r,
                                               label_smoothing=0.1),
        X2345[:, :, :, 0], [[0, 1, 2, 0], [2, 2, -100, 1]], False, True),
    "ce_probabilities_smoothing": loss_case(
        lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.3), X34,
        np.exp(X34) / np.exp(X34).sum(1, keepdims=True), True),
    "ce_probabilities": loss_case(lambda lib, r: lib.nn.CrossEntropyLoss(reduction=r), X34,
                                  np.exp(X34) / np.exp(X34).sum(1, keepdims=True), True),
    "ce_probabilities_weight": loss_case(
        lambda lib, r: lib.nn.CrossEntropyLoss(weight=lib.tensor(W4), reduction=r), X34,
        np.exp(X34) / np.exp(X34).sum(1, keepdims=True), True),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_torch(name, reduction):
    make, xv, tv, target_grad, int_target = LOSSES[name]
    x, tx = pair(xv, requires_grad=True)
    if int_target:
        t, tt = pair(tv, dtype=np.int64)
    else:
        t, tt = pair(tv, requires_grad=target_grad)
    loss, tloss = make(tape, reduction)(x, t), make(torch, reduction)(tx, tt)
    close(loss, tloss)
    assert loss.shape == tuple(tloss.shape)
    assert loss.grad_fn.name() == tloss.grad_fn.name()
    w = np.linspace(0.5, 1.5, loss.numel()).reshape(loss.shape)
    inputs, tinputs = ([x, t], [tx, tt]) if target_grad else ([x], [tx])
    grads = tape.grad((loss * tape.tensor(w)).sum(), inputs, create_graph=True)
    tgrads = torch.autograd.grad((tloss * torch.tensor(w)).sum(), tinputs, create_graph=True)
    for g, tg in zip(grads, tgrads):
        close(g, tg, rtol=1e-10)
    # second derivatives where torch has them; at probabilities 0 and 1 (bce_edges)
    # torch's double-backward formula has its own epsilon placement
    if tgrads[0].requires_grad and grads[0].requires_grad and name != "bce_edges":
        (h,) = tape.grad((grads[0] ** 2).sum(), x)
        (th,) = torch.autograd.grad((tgrads[0] ** 2).sum(), tx)
        close(h, th, rtol=1e-9, atol=1e-10)


def test_functional_losses_and_legacy_arguments():
    x, tx = pair(X34, requires_grad=True)
    t, tt = pair(T34)
    F, TF = tape.nn.functional, torch.nn.functional
    close(F.mse_loss(x, t, reduction="sum"), TF.mse_loss(tx, tt, reduction="sum"))
    close(F.l1_loss(x, t, size_average=False), TF.l1_loss(tx, tt, size_average=False))
    close(F.mse_loss(x, t, reduce=False), TF.mse_loss(tx, tt, reduce=False))
    w, tw = pair(T34[::-1].copy())
    for fn, tfn in ((F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss),
                    (F.huber_loss, TF.huber_loss)):
        for r in ("mean", "sum", "none"):
            close(fn(x, t, reduction=r, weight=w), tfn(tx, tt, reduction=r, weight=tw))
    close(F.cross_entropy(x, tape.tensor([1, 0, 3])),
          TF.cross_entropy(tx, torch.tensor([1, 0, 3])))
    close(F.nll_loss(F.log_softmax(x, 1), tape.tensor([1, 0, 3])),
          TF.nll_loss(TF.log_softmax(tx, 1), torch.tensor([1, 0, 3])))


LOSS_ERRORS = [
    ("bce_input_range", lambda lib: lib.nn.BCELoss()(lib.tensor([1.5, 0.5]),
                                                     lib.tensor([1.0, 0.0]))),
    ("bce_negative", lambda lib: lib.nn.BCELoss()(lib.tensor([-0.1]), lib.tensor([1.0]))),
    ("bce_target_range", lambda lib: lib.nn.BCELoss()(lib.tensor([0.5]), lib.tensor([1.5]))),
    ("bce_shape", lambda lib: lib.nn.BCELoss()(lib.full((2, 1), 0.5), lib.ones(2))),
    ("bce_logits_shape", lambda lib: lib.nn.BCEWithLogitsLoss()(lib.ones(2, 1), lib.ones(2))),
    ("ce_bounds", lambda lib: lib.nn.CrossEntropyLoss()(lib.ones(3, 4), lib.tensor([0, 5, 1]))),
    ("ce_negative_target", lambda lib: lib.nn.CrossEntropyLoss()(lib.ones(3, 4),
                                                                 lib.tensor([0, -1, 1]))),
    ("ce_batch", lambda lib: lib.nn.CrossEntropyLoss()(lib.ones(3, 4), lib.tensor([0, 1]))),
    ("ce_float_target_shape", lambda lib: lib.nn.CrossEntropyLoss()(lib.ones(3, 4),
                                                                    lib.ones(3, 5))),
    ("nll_weight", lambda lib: lib.nn.NLLLoss(weight=lib.ones(3))(lib.ones(3, 4),
                                                                  lib.tensor([0, 1, 2]))),
    ("reduction", lambda lib: lib.nn.MSELoss(reduction="avg")(lib.ones(2), lib.ones(2))),
    ("ce_long_probabilities", lambda lib: lib.nn.CrossEntropyLoss()(
        lib.ones(3, 4), lib.ones(3, 4, dtype=lib.int64))),
    ("nll_float_target", lambda lib: lib.nn.NLLLoss()(lib.ones(3, 4), lib.ones(3))),
    ("label_smoothing_range", lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=1.5)(
        lib.ones(3, 4), lib.tensor([0, 1, 2]))),
    ("huber_delta", lambda lib: lib.nn.HuberLoss(delta=0.0)(lib.ones(2), lib.ones(2))),
]


@pytest.mark.parametrize("name, fn", LOSS_ERRORS, ids=[e[0] for e in LOSS_ERRORS])
def test_loss_errors_match_torch(name, fn):
    raises_like(lambda: fn(tape), lambda: fn(torch))


def test_mse_shape_warning_matches_torch():
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        loss = tape.nn.MSELoss()(tape.ones(2, 1), tape.zeros(2))
    with warnings.catch_warnings(record=True) as expected:
        warnings.simplefilter("always")
        tloss = torch.nn.MSELoss()(torch.ones(2, 1), torch.zeros(2))
    close(loss, tloss)
    assert [str(w.message) for w in got] == [str(w.message) for w in expected]


# ---------------------------------------------------------------- clipping
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = nn.Linear(3, 2), tnn.Linear(3, 2)
    copy_weights(ours, theirs)
    x, tx = pair(X23[:, :3] * 3)
    (ours(x) ** 3).sum().backward()
    (theirs(tx) ** 3).sum().backward()
    total = tape.nn.utils.clip_grad_norm_(ours.parameters(), max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm, norm_type)
    close(total, ttotal)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        close(p.grad, tp.grad)


def test_clip_grad_value_and_nonfinite_error():
    ours, theirs = nn.Linear(3, 2), tnn.Linear(3, 2)
    copy_weights(ours, theirs)
    x, tx = pair(X23[:, :3] * 3)
    (ours(x) ** 3).sum().backward()
    (theirs(tx) ** 3).sum().backward()
    tape.nn.utils.clip_grad_value_(ours.parameters(), 0.3)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.3)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        close(p.grad, tp.grad)
    ours.weight.grad = tape.tensor(np.full((2, 3), np.inf))
    theirs.weight.grad = torch.full((2, 3), np.inf)
    raises_like(lambda: tape.nn.utils.clip_grad_norm_(ours.parameters(), 1.0,
                                                      error_if_nonfinite=True),
                lambda: torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0,
                                                       error_if_nonfinite=True))


# ---------------------------------------------------------------- init and one_hot
def test_init_gains_bounds_and_one_hot_match_torch():
    for args in (("linear",), ("relu",), ("tanh",), ("leaky_relu", 0.2), ("selu",),
                 ("sigmoid",)):
        assert tape.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    tape.manual_seed(1)
    w = tape.zeros(300, 200)
    tape.nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 500)
    assert np.abs(arr(w)).max() <= bound and np.abs(arr(w)).max() > 0.99 * bound
    tape.nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(arr(w).std() / math.sqrt(2.0 / 200) - 1) < 0.02
    tape.nn.init.constant_(w, 0.5)
    assert set(np.unique(arr(w))) == {0.5}
    raises_like(lambda: tape.nn.init.xavier_uniform_(tape.zeros(3)),
                lambda: torch.nn.init.xavier_uniform_(torch.zeros(3)))
    labels = [0, 2, 1, 2]
    one, tone = (tape.nn.functional.one_hot(tape.tensor(labels)),
                 torch.nn.functional.one_hot(torch.tensor(labels)))
    np.testing.assert_array_equal(arr(one), arr(tone))
    assert one.dtype.name == str(tone.dtype).replace("torch.", "")
