"""``tape.autograd.functional`` and ``tape.autograd.Function`` against torch 2.13
(issue 14): jacobian, hessian, vjp, jvp, hvp, vhp (structures, create_graph,
strict, argument errors) and custom Functions (ctx, saved tensors, double
backward, error messages), plus ``inference_mode``.
"""

import numpy as np
import pytest

from symdiff import tape

torch = pytest.importorskip("torch")
from tape_vs_torch import arr, float64_default, raises_like  # noqa: E402,F401
import torch.autograd.functional as TAF  # noqa: E402

TF = tape.autograd.functional
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def same(ours, theirs, rtol=1e-12):
    """Equal nested structures of tensors (tuples of tuples...)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t, rtol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad
    np.testing.assert_allclose(arr(ours), arr(theirs), rtol=rtol, atol=1e-13)


def lib_inputs(lib, values):
    if isinstance(values, tuple):
        return tuple(lib.tensor(np.array(v)) for v in values)
    return lib.tensor(np.array(values))


X = [0.5, -1.25, 2.0]
Y = [[1.0, 0.5], [-0.5, 2.0]]

FUNCTIONS = {
    # name: (f(lib) -> callable, inputs)
    "square": (lambda lib: lambda x: x ** 2, X),
    "scalar_out": (lambda lib: lambda x: (lib.sin(x) * x).sum(), X),
    "scalar_in": (lambda lib: lambda x: lib.stack([x, x ** 3, lib.exp(x)]), 0.7),
    "two_in": (lambda lib: lambda x, y: (x[:2] @ y).exp(), (X, Y)),
    "two_out": (lambda lib: lambda x: (x.cos(), (x ** 3).sum()), X),
    "two_in_two_out": (lambda lib: lambda x, y: (x[:2] @ y, y.sum() * x), (X, Y)),
    "unused_input": (lambda lib: lambda x, y: x * 2, (X, Y)),
    "constant": (lambda lib: lambda x: lib.ones(2), X),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_matches_torch(name, create_graph):
    make, values = FUNCTIONS[name]
    ours = TF.jacobian(make(tape), lib_inputs(tape, values), create_graph=create_graph)
    theirs = TAF.jacobian(make(torch), lib_inputs(torch, values), create_graph=create_graph)
    same(ours, theirs)


@pytest.mark.parametrize("name", ["scalar_out", "two_in_scalar"])
def test_hessian_matches_torch(name):
    funcs = {"scalar_out": (lambda lib: lambda x: (lib.sin(x) * x ** 2).sum(), X),
             "two_in_scalar": (lambda lib: lambda x, y: (x[:2] @ y @ x[1:]) ** 2, (X, Y))}
    make, values = funcs[name]
    same(TF.hessian(make(tape), lib_inputs(tape, values)),
         TAF.hessian(make(torch), lib_inputs(torch, values)))


def _v_like(lib, structure, seed):
    rng = np.random.default_rng(seed)
    if isinstance(structure, tuple):
        return tuple(lib.tensor(rng.standard_normal(np.shape(s))) for s in structure)
    return lib.tensor(rng.standard_normal(np.shape(structure)))


@pytest.mark.parametrize("name", ["square", "two_in", "two_out", "two_in_two_out",
                                  "scalar_in", "unused_input"])
def test_vjp_and_jvp_match_torch(name):
    make, values = FUNCTIONS[name]
    tout = make(torch)(*(lib_inputs(torch, values) if isinstance(values, tuple)
                         else (lib_inputs(torch, values),)))
    out_struct = tuple(arr(o) for o in tout) if isinstance(tout, tuple) else arr(tout)
    same(TF.vjp(make(tape), lib_inputs(tape, values), _v_like(tape, out_struct, 1)),
         TAF.vjp(make(torch), lib_inputs(torch, values), _v_like(torch, out_struct, 1)))
    same(TF.jvp(make(tape), lib_inputs(tape, values), _v_like(tape, values, 2)),
         TAF.jvp(make(torch), lib_inputs(torch, values), _v_like(torch, values, 2)))


def test_hvp_vhp_and_defaults_match_torch():
    f = (lambda lib: lambda x: (lib.sin(x) * x ** 2).sum())
    for name in ("hvp", "vhp"):
        same(getattr(TF, name)(f(tape), tape.tensor(X), tape.tensor([1.0, -1.0, 0.5])),
             getattr(TAF, name)(f(torch), torch.tensor(X), torch.tensor([1.0, -1.0, 0.5])))
    # v may be left out for a single-element output (vjp) or input (jvp)
    same(TF.vjp(f(tape), tape.tensor(X)), TAF.vjp(f(torch), torch.tensor(X)))
    same(TF.jvp(lambda x: x * 3, tape.tensor(2.0)), TAF.jvp(lambda x: x * 3, torch.tensor(2.0)))


def test_create_graph_results_are_differentiable():
    x, tx = tape.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    f = (lambda lib: lambda z: (z ** 3).sum())
    h = TF.hessian(f(tape), x, create_graph=True)
    th = TAF.hessian(f(torch), tx, create_graph=True)
    same(h, th)
    (g,) = tape.grad(h.sum(), x)
    (tg,) = torch.autograd.grad(th.sum(), tx)
    same(g, tg)
    out, vj = TF.vjp(lambda z: z.exp(), x, tape.ones(3), create_graph=True)
    tout, tvj = TAF.vjp(lambda z: z.exp(), tx, torch.ones(3), create_graph=True)
    same((out, vj), (tout, tvj))


FUNCTIONAL_ERRORS = [
    ("jacobian_list_input", lambda lib, F: F.jacobian(lambda x: x, [1.0])),
    ("jacobian_float_output", lambda lib, F: F.jacobian(lambda x: 3.0, lib.ones(2))),
    ("jacobian_strict_constant", lambda lib, F: F.jacobian(lambda x: lib.ones(2), lib.ones(2),
                                                           strict=True)),
    ("jacobian_strict_unused", lambda lib, F: F.jacobian(lambda x, y: x * 2,
                                                         (lib.ones(2), lib.ones(2)),
                                                         strict=True)),
    ("jacobian_strategy", lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strategy="x")),
    ("jacobian_forward_unvectorized", lambda lib, F: F.jacobian(lambda x: x, lib.ones(2),
                                                                strategy="forward-mode")),
    ("hessian_vector_output", lambda lib, F: F.hessian(lambda x: x ** 2, lib.ones(2))),
    ("vjp_needs_v", lambda lib, F: F.vjp(lambda x: x ** 2, lib.ones(2))),
    ("vjp_v_shape", lambda lib, F: F.vjp(lambda x: x ** 2, lib.ones(2), lib.ones(3))),
    ("vjp_v_tuple_length", lambda lib, F: F.vjp(lambda x: (x, x), lib.ones(2),
                                                (lib.ones(2),))),
    ("jvp_needs_v", lambda lib, F: F.jvp(lambda x: x ** 2, lib.ones(2))),
    ("jvp_v_shape", lambda lib, F: F.jvp(lambda x, y: x * y, (lib.ones(2), lib.ones(2)),
                                         (lib.ones(2), lib.ones(3)))),
]


@pytest.mark.parametrize("name, fn", FUNCTIONAL_ERRORS, ids=[e[0] for e in FUNCTIONAL_ERRORS])
def test_functional_errors_match_torch(name, fn):
    raises_like(lambda: fn(tape, TF), lambda: fn(torch, TAF))


def test_vectorize_and_forward_mode_give_the_same_jacobian():
    f = (lambda lib: lambda x: lib.sin(x) * x.sum())
    same(TF.jacobian(f(tape), tape.tensor(X), vectorize=True, strategy="forward-mode"),
         TAF.jacobian(f(torch), torch.tensor(X), vectorize=True, strategy="forward-mode"))


# ---------------------------------------------------------------- autograd.Function
def legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def scaled(lib):
    """A Function with a non-tensor argument, ctx attributes and needs_input_grad."""
    class Scaled(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.save_for_backward(x, y)
            return lib.exp(x) * k * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False, False)
            return g * lib.exp(x) * ctx.k * y, None, None

    return Scaled


def test_custom_function_values_gradients_and_second_derivatives():
    P3, TP3 = legendre(tape), legendre(torch)
    x, tx = tape.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = P3.apply(x), TP3.apply(tx)
    same(y, ty)
    assert y.grad_fn.name() == ty.grad_fn.name() == "LegendrePolynomial3Backward"
    (g,) = tape.grad((y ** 2).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty ** 2).sum(), tx, create_graph=True)
    same(g, tg)
    (h,) = tape.grad(g.sum(), x)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    same(h, th)
    # with a non-tensor argument and a constant tensor
    S, TS = scaled(tape), scaled(torch)
    c, tc = tape.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    z, tz = S.apply(x, 2.5, c), TS.apply(tx, 2.5, tc)
    z.sum().backward()
    tz.sum().backward()
    same(x.grad, tx.grad)
    assert len(z.grad_fn.next_functions) == len(tz.grad_fn.next_functions)
    # no input requires grad: nothing is recorded
    assert not P3.apply(tape.tensor(X)).requires_grad


def test_custom_function_saved_tensors_are_freed_like_torch():
    for lib in (tape, torch):
        x = lib.tensor(X, requires_grad=True)
        y = legendre(lib).apply(x)
        y.sum().backward(retain_graph=True)
        assert len(y.grad_fn.saved_tensors) == 1
        y.sum().backward()
    raises_like(lambda: _freed(tape), lambda: _freed(torch))


def _freed(lib):
    x = lib.tensor(X, requires_grad=True)
    y = legendre(lib).apply(x)
    y.sum().backward()
    return y.grad_fn.saved_tensors


def _bad_count(lib):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    Bad.apply(lib.ones(2, requires_grad=True), 2.0).sum().backward()


def _bad_shape(lib):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return lib.ones(3)

    Bad.apply(lib.ones(2, requires_grad=True)).sum().backward()


def _no_backward(lib):
    class NoBackward(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    NoBackward.apply(lib.ones(2, requires_grad=True)).sum().backward()


def _modified_saved(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 1
    z = legendre(lib).apply(y)
    with lib.no_grad():
        y.mul_(2)
    z.sum().backward()


@pytest.mark.parametrize("case", [_bad_count, _bad_shape, _no_backward, _modified_saved])
def test_custom_function_errors_match_torch(case):
    raises_like(lambda: case(tape), lambda: case(torch))


def test_custom_function_setup_context_and_non_differentiable_outputs():
    def split(lib):
        class Split(lib.autograd.Function):
            @staticmethod
            def forward(x, y):
                return x * y, (x * 3).long()

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)
                ctx.mark_non_differentiable(output[1])

            @staticmethod
            def backward(ctx, g, g_int):
                x, y = ctx.saved_tensors
                return g * y, g * x

        return Split

    results = {}
    for lib in (tape, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, -1.0], requires_grad=True)
        a, b = split(lib).apply(x, y)
        assert a.requires_grad and not b.requires_grad and b.grad_fn is None
        (a * a).sum().backward()
        results[lib] = (arr(a), arr(b), arr(x.grad), arr(y.grad))
    for o, t in zip(results[tape], results[torch]):
        np.testing.assert_array_equal(o, t)


def test_custom_function_with_two_differentiable_outputs():
    def two(lib):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin(), x.cos()

            @staticmethod
            def backward(ctx, gs, gc):
                x, = ctx.saved_tensors
                return gs * x.cos() - gc * x.sin()

        return Two

    grads = {}
    for lib in (tape, torch):
        x = lib.tensor(X, requires_grad=True)
        s, c = two(lib).apply(x)
        (s * 2 + c ** 2).sum().backward()
        grads[lib] = arr(x.grad)
    np.testing.assert_allclose(grads[tape], grads[torch], rtol=1e-14)


def test_inference_mode():
    x = tape.tensor(1.0, requires_grad=True)
    with tape.inference_mode():
        assert tape.is_inference_mode_enabled() and not tape.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and tape.is_grad_enabled()
    with tape.inference_mode(False):
        assert (x * 2).requires_grad

    @tape.inference_mode()
    def f(v):
        return v * 3

    @tape.inference_mode
    def g(v):
        return v * 3

    assert not f(x).requires_grad and not g(x).requires_grad
    assert (x * 2).requires_grad
