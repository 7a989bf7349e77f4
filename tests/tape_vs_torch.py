"""What the tape-against-torch tests share (imported by tests/test_tape_*.py).

``float64_default`` is an autouse fixture for the importing module: torch's
default dtype is float64 during each test (the tape's default float), restored
after; ``torch_float64()`` is the same as a context manager.  ``arr`` reads a
tape or torch tensor as a numpy array (torch's lazy zero gradients included),
``raises_like`` checks that the tape raises torch's exception with torch's message.
Importing this module skips the importing test module where torch is absent.
"""

import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")


@contextlib.contextmanager
def torch_float64():
    """torch's default dtype float64 inside, the previous one restored after."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@pytest.fixture(autouse=True)
def float64_default():
    with torch_float64():
        yield


def arr(t):
    """A tape or torch tensor (or None) as a numpy array."""
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        # force: torch's "ZeroTensor"s for structurally zero gradients
        return np.zeros(tuple(t.shape)) if t._is_zerotensor() else t.detach().numpy(force=True)
    return np.asarray(t.detach().numpy())


def raises_like(fn_tape, fn_torch, *, prefix=False, catch=Exception):
    """``fn_torch()`` raises; ``fn_tape()`` raises the same type with the same
    message (with ``prefix``: a message that starts with torch's)."""
    with pytest.raises(catch) as expected:
        fn_torch()
    with pytest.raises(type(expected.value)) as got:
        fn_tape()
    if prefix:
        assert str(got.value).startswith(str(expected.value))
    else:
        assert str(got.value) == str(expected.value)
