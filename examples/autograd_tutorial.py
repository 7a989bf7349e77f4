"""The PyTorch autograd tutorial, step by step, with ``symdiff.tape`` in place of torch.

Every step runs the tutorial's code on the tape (replace ``torch`` by ``tape``), and
next to it asks ``@sd.symbolic`` for the closed form of the same derivative, then
asserts that the two agree. The tape is an independent reverse-mode engine (numpy
and hand-written rules); the closed forms come from sympy reading the source.

    python examples/autograd_tutorial.py
"""

import numpy as np

import symdiff as sd
from symdiff import tape


def agree(name, tape_value, closed_form):
    t = np.asarray(tape_value, dtype=float)
    s = np.asarray(closed_form, dtype=float)
    assert t.shape == s.shape, (name, t.shape, s.shape)
    assert np.allclose(t, s, rtol=1e-12, atol=1e-12), (name, t, s)
    print(f"   tape {np.array2string(t.ravel(), precision=6, max_line_width=200)} == closed form   [{name}]")


def section(title):
    print()
    print(f"== {title}")


# 1. a scalar -------------------------------------------------------------------------
section("1. scalar: y = x**2 + 2*x + 3, y.backward()")
x = tape.tensor(1.0, requires_grad=True)
y = x**2 + 2 * x + 3
y.backward()


@sd.symbolic
def F(x):
    return x**2 + 2 * x + 3


print(f"   {F.diff('x')}")
agree("dy/dx at 1", x.grad.numpy(), F.diff("x")(1.0))


# 2. vectors reduced by sum and by mean --------------------------------------------------
section("2. vector: (x**2 + 3*x).sum() and (x**2).mean()")
xv = np.array([1.0, 2.0, 3.0])


@sd.symbolic(shapes={"x": (3,)})
def sum_of(x):
    return np.sum(x**2 + 3 * x)


@sd.symbolic(shapes={"x": (3,)})
def mean_of(x):
    return np.mean(x**2)


x = tape.tensor(xv, requires_grad=True)
(x**2 + 3 * x).sum().backward()
print(f"   {sum_of}")
agree("d sum / dx", x.grad.numpy(), sum_of.grad(xv)[0])
x = tape.tensor(xv, requires_grad=True)
(x**2).mean().backward()
print(f"   {mean_of}")
agree("d mean / dx", x.grad.numpy(), mean_of.grad(xv)[0])


# 3. a matrix: the tutorial's one-layer network with a BCE-with-logits loss ----------------
section("3. matrix: z = x @ w + b, loss = BCEWithLogits(z, 0)")
rng = np.random.default_rng(0)
W0, B0 = rng.normal(size=(5, 3)), rng.normal(size=3)
ONES = np.ones(5)

x = tape.ones(5)
target = tape.zeros(3)
w = tape.tensor(W0, requires_grad=True)
b = tape.tensor(B0, requires_grad=True)
z = x @ w + b
loss = tape.nn.BCEWithLogitsLoss()(z, target)
print(f"   z.grad_fn = {z.grad_fn.name()}, loss.grad_fn = {loss.grad_fn.name()}")
loss.backward()


@sd.symbolic(shapes={"w": (5, 3), "b": (3,)})
def bce_loss(w, b):
    z = ONES @ w + b
    return np.mean(np.log(1 + np.exp(z)))       # target 0: -log(1 - sigmoid(z))


agree("loss", loss.item(), bce_loss(W0, B0))
gw, gb = bce_loss.grad(W0, B0)
agree("d loss / dw", w.grad.numpy(), gw)
agree("d loss / db", b.grad.numpy(), gb)


# 4. a non-scalar output: backward needs `gradient` ------------------------------------------
section("4. non-scalar backward: Q = 3*a**3 - b**2, Q.backward(gradient=ones)")
a = tape.tensor([2.0, 3.0], requires_grad=True)
b = tape.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
try:
    Q.backward()
except RuntimeError as err:
    print(f"   Q.backward() without gradient: RuntimeError: {err}")
Q.backward(gradient=tape.tensor([1.0, 1.0]))


@sd.symbolic
def q(a, b):
    return 3 * a**3 - b**2


print(f"   dQ/da = {q.diff('a').expr}, dQ/db = {q.diff('b').expr}")
agree("dQ/da", a.grad.numpy(), q.diff("a")(np.array([2.0, 3.0]), np.array([6.0, 4.0])))
agree("dQ/db", b.grad.numpy(), q.diff("b")(np.array([2.0, 3.0]), np.array([6.0, 4.0])))


# 5. grad-mode control and detach ------------------------------------------------------------
section("5. grad mode: no_grad, set_grad_enabled, detach")
x = tape.ones(5)
w = tape.tensor(W0, requires_grad=True)
z = x @ w
print(f"   z.requires_grad = {z.requires_grad}")
with tape.no_grad():
    z = x @ w
print(f"   under no_grad: z.requires_grad = {z.requires_grad}")
assert not z.requires_grad
z_det = (x @ w).detach()
print(f"   detach(): z_det.requires_grad = {z_det.requires_grad}")
assert not z_det.requires_grad
tape.set_grad_enabled(False)
assert not (x @ w).requires_grad
tape.set_grad_enabled(True)
assert (x @ w).requires_grad
print("   set_grad_enabled(False) / (True) switch recording off and on")


# 6. gradients accumulate; zero_ resets them ---------------------------------------------------
section("6. accumulation: backward twice adds, .grad.zero_() resets")
inp = tape.tensor(np.eye(4, 5), requires_grad=True)
out = (inp + 1) ** 2
out.backward(tape.ones_like(out), retain_graph=True)
first = inp.grad.numpy().copy()
out.backward(tape.ones_like(out), retain_graph=True)
second = inp.grad.numpy().copy()
inp.grad.zero_()
out.backward(tape.ones_like(out), retain_graph=True)
third = inp.grad.numpy().copy()


@sd.symbolic
def sq(x):
    return (x + 1) ** 2


print(f"   {sq.diff('x')}")
agree("first call", first, sq.diff("x")(np.eye(4, 5)))
agree("second call (accumulated)", second, 2 * sq.diff("x")(np.eye(4, 5)))
agree("after zero_", third, sq.diff("x")(np.eye(4, 5)))


# 7. gradient descent by hand -----------------------------------------------------------------
section("7. gradient descent: minimise (x - 3)**2 by hand")


@sd.symbolic
def loss_f(x):
    return (x - 3) ** 2


x = tape.tensor(0.0, requires_grad=True)
xs = 0.0
for step in range(50):
    loss = (x - 3) ** 2
    loss.backward()
    with tape.no_grad():
        x -= 0.1 * x.grad
    x.grad.zero_()
    xs -= 0.1 * loss_f.diff("x")(xs)       # the same step with the compiled derivative
print(f"   x after 50 steps: tape {x.item():.10f}, closed form {float(xs):.10f}")
agree("descent path", x.item(), xs)
assert abs(x.item() - 3) < 1e-4


# 8. higher order: tape.grad with create_graph ----------------------------------------------------
section("8. higher order: tape.grad(y, x, create_graph=True)")


@sd.symbolic
def cube(x):
    return x**3 + 2 * x**2


x = tape.tensor(2.0, requires_grad=True)
y = x**3 + 2 * x**2
(g,) = tape.grad(y, x, create_graph=True)
(g2,) = tape.grad(g, x, create_graph=True)
(g3,) = tape.grad(g2, x)
for order, value in ((1, g), (2, g2), (3, g3)):
    D = cube.diff("x", order=order)
    print(f"   {D}")
    agree(f"order {order}", value.item(), D(2.0))


# 9. SGD on a*x**2 + b*x + c ----------------------------------------------------------------------
section("9. SGD: fit a*x**2 + b*x + c to data")
XS = np.linspace(-1.0, 1.0, 21)
YS = 2.0 * XS**2 - 1.0 * XS + 0.5


@sd.symbolic
def mse(a, b, c):
    return np.mean((a * XS**2 + b * XS + c - YS) ** 2)


params = [tape.tensor(0.0, requires_grad=True) for _ in range(3)]
opt = tape.optim.SGD(params, lr=0.5)
criterion = tape.nn.MSELoss()
X, Y = tape.tensor(XS), tape.tensor(YS)
for epoch in range(2000):
    opt.zero_grad()
    a, b, c = params
    loss = criterion(a * X**2 + b * X + c, Y)
    loss.backward()
    if epoch in (0, 1, 500):
        here = [p.item() for p in params]
        agree(f"epoch {epoch} gradient", [p.grad.item() for p in params], mse.grad(*here))
    opt.step()
fitted = [p.item() for p in params]
print(f"   fitted a, b, c = {np.round(fitted, 6).tolist()} (true 2, -1, 0.5); loss {loss.item():.2e}")
assert np.allclose(fitted, [2.0, -1.0, 0.5], atol=1e-4)
assert np.allclose(mse.grad(*fitted), 0.0, atol=1e-10)
print("   the closed-form gradient vanishes at the fit")

print()
print("every tape gradient agrees with the closed form from @sd.symbolic")
