"""``tape.optim`` against torch 2.13 (issue 14): SGD, Adam, AdamW, RMSprop over their
options, param groups, state_dict, lr_scheduler, and the seed's freezing example.

Each case runs the same training loop in both libraries from the same weights
(torch's, copied in with ``load_state_dict``) in float64 and compares every
parameter after the steps.
"""

import itertools
import warnings

import numpy as np
import pytest

from symdiff import tape

torch = pytest.importorskip("torch")
from tape_vs_torch import arr, float64_default, raises_like  # noqa: E402,F401


def build(lib, seed_weights=None):
    net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 8),
                            lib.nn.ReLU(), lib.nn.Linear(8, 2))
    if seed_weights is not None:
        net.load_state_dict(seed_weights)
    return net


DATA = np.random.default_rng(3).standard_normal((16, 4))
TARGET = np.random.default_rng(4).standard_normal((16, 2))


def train(lib, net, make_opt, steps, freeze=None, scheduler=None):
    if freeze is not None:
        for p in net[freeze].parameters():
            p.requires_grad = False
    opt = make_opt(lib, net)
    sched = scheduler(lib, opt) if scheduler else None
    x, y = lib.tensor(DATA), lib.tensor(TARGET)
    loss_fn = lib.nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    return net, opt


def compare(make_opt, steps=10, freeze=None, scheduler=None, tol=1e-10):
    theirs = build(torch)
    ours = build(tape, theirs.state_dict())
    before = {k: arr(v).copy() for k, v in ours.state_dict().items()}
    train(torch, theirs, make_opt, steps, freeze, scheduler)
    train(tape, ours, make_opt, steps, freeze, scheduler)
    for (name, p), (tname, tp) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert name == tname
        np.testing.assert_allclose(arr(p), arr(tp), rtol=tol, atol=tol, err_msg=name)
    return before, ours, theirs


def test_seeds_freezing_example_with_adam_50_steps():
    """The seed: freeze a layer with ``p.requires_grad = False`` and train the rest
    with ``Adam(filter(lambda p: p.requires_grad, net.parameters()))``."""
    def adam(lib, net):
        return lib.optim.Adam(filter(lambda p: p.requires_grad, net.parameters()), lr=1e-2)

    before, ours, _ = compare(adam, steps=50, freeze=0)
    after = ours.state_dict()
    for name in ("0.weight", "0.bias"):
        assert np.array_equal(arr(after[name]), before[name])   # frozen: unchanged
        assert ours.get_parameter(name).grad is None
    assert not np.allclose(arr(after["2.weight"]), before["2.weight"])


SGD_OPTIONS = [dict(momentum=m, dampening=d, nesterov=n, weight_decay=w, maximize=x)
               for m, d, n, w, x in itertools.product((0.0, 0.9), (0.0, 0.3), (False, True),
                                                      (0.0, 0.1), (False, True))
               if not (n and (m == 0 or d != 0))]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda o: "-".join(
    f"{k}={v}" for k, v in o.items() if v))
def test_sgd_matches_torch(options):
    compare(lambda lib, net: lib.optim.SGD(net.parameters(), lr=0.05, **options), steps=6)


ADAM_OPTIONS = [dict(amsgrad=a, weight_decay=w, maximize=x)
                for a, w, x in itertools.product((False, True), (0.0, 0.1), (False, True))]


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=lambda o: "-".join(
    f"{k}={v}" for k, v in o.items() if v) or "default")
def test_adam_and_adamw_match_torch(cls, options):
    compare(lambda lib, net: getattr(lib.optim, cls)(net.parameters(), lr=1e-2,
                                                     betas=(0.8, 0.95), **options), steps=8)


RMSPROP_OPTIONS = [dict(momentum=m, centered=c, weight_decay=w, maximize=x)
                   for m, c, w, x in itertools.product((0.0, 0.5), (False, True), (0.0, 0.1),
                                                       (False, True))]


@pytest.mark.parametrize("options", RMSPROP_OPTIONS, ids=lambda o: "-".join(
    f"{k}={v}" for k, v in o.items() if v) or "default")
def test_rmsprop_matches_torch(options):
    compare(lambda lib, net: lib.optim.RMSprop(net.parameters(), lr=1e-2, alpha=0.9,
                                               **options), steps=8)


def test_param_groups_with_their_own_options():
    def groups(lib, net):
        opt = lib.optim.SGD([{"params": net[0].parameters()},
                             {"params": net[2].parameters(), "lr": 0.2, "momentum": 0.5}],
                            lr=0.05, momentum=0.9)
        opt.add_param_group({"params": net[4].parameters(), "weight_decay": 0.1})
        return opt

    _, ours, _ = compare(groups, steps=5)
    opt = groups(tape, build(tape))
    assert [(g["lr"], g["momentum"], g["weight_decay"]) for g in opt.param_groups] == \
        [(0.05, 0.9, 0), (0.2, 0.5, 0), (0.05, 0.9, 0.1)]


def test_step_lr_schedule_matches_torch():
    def adam(lib, net):
        return lib.optim.Adam(net.parameters(), lr=0.1)

    def step_lr(lib, opt):
        return lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

    compare(adam, steps=10, scheduler=step_lr)
    lrs = {}
    for lib in (tape, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
        seq = []
        for _ in range(7):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr()[0])
        lrs[lib] = seq
    np.testing.assert_allclose(lrs[tape], lrs[torch], rtol=1e-15)


def test_scheduler_before_optimizer_warns_like_torch():
    messages = {}
    for lib in (tape, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            sched.step()
        messages[lib] = [str(m.message) for m in w]
    assert messages[tape] == messages[torch] and len(messages[tape]) == 1


def test_frozen_parameter_that_holds_a_grad_is_updated_as_torch_does():
    for cls, kw in (("SGD", {"momentum": 0.9}), ("Adam", {}), ("RMSprop", {})):
        values = {}
        for lib in (tape, torch):
            w = lib.tensor([1.0, -2.0], requires_grad=True)
            (w ** 2).sum().backward()
            w.requires_grad = False                   # frozen after backward: .grad stays
            opt = getattr(lib.optim, cls)([w], lr=0.1, **kw)
            opt.step()
            opt.step()
            values[lib] = arr(w)
        np.testing.assert_allclose(values[tape], values[torch], rtol=1e-14)


def test_sgd_maximize_with_weight_decay():
    values = {}
    for lib in (tape, torch):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1, weight_decay=0.5, maximize=True)
        for _ in range(3):
            opt.zero_grad()
            (w ** 3).sum().backward()
            opt.step()
        values[lib] = arr(w)
    np.testing.assert_allclose(values[tape], values[torch], rtol=1e-14)


def test_zero_grad_set_to_none_false():
    w = tape.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    g = w.grad
    opt = tape.optim.Adam([w])
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and arr(g).tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_state_dict_round_trip_continues_identically():
    def adam(lib, net):
        return lib.optim.Adam(net.parameters(), lr=1e-2, amsgrad=True)

    theirs = build(torch)
    a = build(tape, theirs.state_dict())
    b = build(tape, theirs.state_dict())
    _, opt_a = train(tape, a, adam, 6)
    _, opt_b = train(tape, b, adam, 3)
    sd = opt_b.state_dict()
    tsd = train(torch, build(torch, theirs.state_dict()), adam, 3)[1].state_dict()
    assert sd["param_groups"] == [{k: v for k, v in g.items()} for g in tsd["param_groups"]]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    assert sorted(sd["state"][0]) == sorted(tsd["state"][0])
    fresh = adam(tape, b)
    fresh.load_state_dict(sd)
    x, y = tape.tensor(DATA), tape.tensor(TARGET)
    for _ in range(3):
        fresh.zero_grad()
        tape.nn.MSELoss()(b(x), y).backward()
        fresh.step()
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(arr(p), arr(q))


OPTIM_ERRORS = [
    ("empty", lambda lib: lib.optim.SGD([], lr=0.1)),
    ("tensor", lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1)),
    ("lr", lambda lib: lib.optim.Adam([lib.zeros(2, requires_grad=True)], lr=-1)),
    ("beta", lambda lib: lib.optim.Adam([lib.zeros(2, requires_grad=True)], betas=(1.0, 0.9))),
    ("nesterov", lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1,
                                           nesterov=True)),
    ("momentum", lambda lib: lib.optim.RMSprop([lib.zeros(2, requires_grad=True)],
                                               momentum=-1)),
    ("non_leaf", lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1)),
    ("not_tensor", lambda lib: lib.optim.SGD([1.0], lr=0.1)),
    ("set", lambda lib: lib.optim.SGD([{"params": {lib.zeros(2, requires_grad=True)}}],
                                      lr=0.1)),
    ("overlap", lambda lib: (lambda w: lib.optim.SGD([{"params": [w]}, {"params": [w]}],
                                                     lr=0.1))(
        lib.zeros(2, requires_grad=True))),
]


@pytest.mark.parametrize("name, fn", OPTIM_ERRORS, ids=[e[0] for e in OPTIM_ERRORS])
def test_optimizer_errors_match_torch(name, fn):
    raises_like(lambda: fn(tape), lambda: fn(torch))


def test_closure_returns_the_loss():
    w = tape.tensor([1.0], requires_grad=True)
    opt = tape.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 1.0 and w.item() == pytest.approx(0.8)
