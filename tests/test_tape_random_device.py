"""Random tensors, devices and dtype names of the tape against torch 2.13 (issue 14).

The random streams are the tape's own (the contract allows other numbers than
torch's); what must agree is everything else: shapes, dtypes, ranges,
reproducibility under ``manual_seed``, argument forms and errors.
"""

import numpy as np
import pytest

from symdiff import tape

torch = pytest.importorskip("torch")
from tape_vs_torch import float64_default  # noqa: E402,F401
from tape_vs_torch import raises_like as _raises_like  # noqa: E402


def raises_like(fn_tape, fn_torch):
    # torch's CPU build names CUDA; the tape adds what to do instead
    _raises_like(fn_tape, fn_torch, prefix=True, catch=BaseException)


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


CALLS = [
    ("rand", lambda lib: lib.rand(2, 3)),
    ("rand_tuple", lambda lib: lib.rand((4,))),
    ("rand_f32", lambda lib: lib.rand(3, dtype=lib.float32)),
    ("randn_scalar", lambda lib: lib.randn(())),
    ("randn_list", lambda lib: lib.randn([2, 2], requires_grad=True)),
    ("randint_high", lambda lib: lib.randint(5, (3, 2))),
    ("randint_low_high", lambda lib: lib.randint(-3, 4, (50,))),
    ("randint_dtype", lambda lib: lib.randint(0, 2, (3,), dtype=lib.float64)),
    ("randperm", lambda lib: lib.randperm(6)),
    ("rand_like", lambda lib: lib.rand_like(lib.ones(2, 2))),
    ("randn_like", lambda lib: lib.randn_like(lib.ones(3, dtype=lib.float32))),
    ("linspace", lambda lib: lib.linspace(-1, 1, 5)),
    ("linspace_f32", lambda lib: lib.linspace(0, 1, 4, dtype=lib.float32, device="cpu")),
    ("arange_int", lambda lib: lib.arange(5)),
    ("arange_float", lambda lib: lib.arange(0.0, 1.0, 0.25)),
    ("arange_start_end", lambda lib: lib.arange(2, 9, 3, device=lib.device("cpu"))),
    ("full", lambda lib: lib.full((), -1.0, dtype=lib.float32, device="cpu",
                                  requires_grad=True)),
    ("ones_device", lambda lib: lib.ones(2, device="cpu")),
    ("zeros_device", lambda lib: lib.zeros(2, 2, device=lib.device("cpu"))),
    ("tensor_device", lambda lib: lib.tensor([1.0], device="cpu")),
]


@pytest.mark.parametrize("name, fn", CALLS, ids=[c[0] for c in CALLS])
def test_shapes_dtypes_and_flags_match_torch(name, fn):
    ours, theirs = fn(tape), fn(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert dtype_name(ours) == dtype_name(theirs)
    assert ours.requires_grad == theirs.requires_grad
    if not name.startswith("rand"):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                                   rtol=1e-6 if "f32" in name else 1e-15)


def test_distributions_and_ranges():
    tape.manual_seed(123)
    u = tape.rand(20000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = tape.randn(20000).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    k = tape.randint(-3, 4, (20000,)).numpy()
    assert set(np.unique(k)) == set(range(-3, 4))
    assert sorted(tape.randperm(10).numpy().tolist()) == list(range(10))


def test_manual_seed_and_generators_reproduce():
    tape.manual_seed(7)
    a = [tape.randn(3).numpy(), tape.rand(2).numpy(), tape.randint(10, (4,)).numpy()]
    tape.manual_seed(7)
    b = [tape.randn(3).numpy(), tape.rand(2).numpy(), tape.randint(10, (4,)).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert tape.initial_seed() == 7
    g = tape.Generator().manual_seed(7)
    np.testing.assert_array_equal(tape.randn(3, generator=g).numpy(), a[0])
    state = tape.get_rng_state()
    c = tape.rand(3).numpy()
    tape.set_rng_state(state)
    np.testing.assert_array_equal(tape.rand(3).numpy(), c)
    tape.manual_seed(0)
    layer1 = tape.nn.Linear(3, 3).weight.detach().numpy().copy()
    tape.manual_seed(0)
    np.testing.assert_array_equal(tape.nn.Linear(3, 3).weight.detach().numpy(), layer1)


ERRORS = [
    ("randn_int", lambda lib: lib.randn(2, dtype=lib.int64)),
    ("rand_int", lambda lib: lib.rand(2, dtype=lib.int64)),
    ("randint_empty_range", lambda lib: lib.randint(5, 5, (2,))),
    ("int_requires_grad", lambda lib: lib.randint(5, (2,), requires_grad=True)),
    ("device_unknown", lambda lib: lib.device("foo")),
    ("ones_cuda", lambda lib: lib.ones(2, device="cuda")),
    ("to_cuda", lambda lib: lib.ones(2).to("cuda")),
    ("cuda_method", lambda lib: lib.ones(2).cuda()),
    ("linear_cuda", lambda lib: lib.nn.Linear(2, 2, device="cuda")),
]


@pytest.mark.parametrize("name, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn):
    raises_like(lambda: fn(tape), lambda: fn(torch))


def test_devices_and_to():
    for lib in (tape, torch):
        x = lib.ones(2)
        assert repr(x.device) == "device(type='cpu')" and str(x.device) == "cpu"
        assert x.to("cpu") is x and x.cpu() is x and x.to(lib.device("cpu")) is x
        assert x.to(lib.float64) is x
        assert dtype_name(x.to("cpu", lib.float32)) == "float32"
        assert dtype_name(x.to(lib.ones(1, dtype=lib.float32))) == "float32"
        assert dtype_name(x.to(dtype=lib.float32)) == "float32"
        assert x.to("cpu", copy=True) is not x
        assert not lib.cuda.is_available()
        assert lib.device("cpu") == lib.device("cpu") and lib.device("cpu:0").index == 0
    assert repr(tape.device("cpu", 0)) == repr(torch.device("cpu", 0))
    model = tape.nn.Linear(2, 2)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(tape.float32).weight.dtype == np.float32


def test_dtype_aliases_name_the_same_types_as_torch():
    for name in ("float", "double", "half", "float16", "float32", "float64", "int", "long",
                 "short", "int8", "int16", "int32", "int64", "uint8", "bool", "cfloat",
                 "cdouble", "complex64", "complex128"):
        ours = np.dtype(getattr(tape, name))
        theirs = str(getattr(torch, name)).replace("torch.", "")
        assert ours.name == theirs, name
    assert tape.get_default_dtype() is tape.float64
