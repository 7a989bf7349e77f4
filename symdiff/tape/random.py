"""Random tensors: ``tape.manual_seed``, ``rand``, ``randn``, ``randint``, ``randperm``.

Sits on top of ``tensor``: one numpy ``Generator`` (PCG64) is the tape's
default generator, reseeded by ``manual_seed`` so that a run is reproducible,
as torch's is.  The streams are numpy's, not torch's: the same seed gives
other numbers than torch (the API contract allows it); the distributions,
shapes, dtypes, arguments and errors are torch's.  ``nn.init`` draws its
weights from the same generator.
"""

import numpy as np

from .dtypes import default_float
from .device import check_device
from .tensor import _check_float, _make, _normalize_shape

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm",
           "rand_like", "randn_like", "randint_like"]

_DEFAULT_SEED = 67280421310721  # torch's default seed


class Generator:
    """A random number generator, as ``torch.Generator`` (numpy's PCG64 inside).

    >>> from symdiff import tape
    >>> g = tape.Generator().manual_seed(0)
    >>> a = tape.rand(3, generator=g)
    >>> b = tape.rand(3, generator=tape.Generator().manual_seed(0))
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """

    def __init__(self, device="cpu"):
        self.device = check_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reseed and return self (torch's chaining)."""
        seed = int(seed)
        self._seed = seed
        # torch accepts negative seeds (they wrap to uint64); numpy does not.
        self._np = np.random.Generator(np.random.PCG64(seed % (1 << 64)))
        return self

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._np.bit_generator.state

    def set_state(self, state):
        self._np.bit_generator.state = state
        return self

    def __repr__(self):
        return f"<tape.Generator object (seed {self._seed})>"


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (``torch.manual_seed``); returns it.

    >>> from symdiff import tape
    >>> _ = tape.manual_seed(0); a = tape.randn(3)
    >>> _ = tape.manual_seed(0); b = tape.randn(3)
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator nondeterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _gen(generator):
    return (default_generator if generator is None else generator)._np


def _torch_name(dtype):
    from .graph import _TORCH_TYPES
    return _TORCH_TYPES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _float_dtype(dtype, kernel):
    dt = np.dtype(default_float() if dtype is None else dtype)
    if dt.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_name(dt)}\'')
    return dt


def _finish(value, requires_grad, device):
    check_device(device)
    if requires_grad:
        _check_float(value.dtype)
    t = _make(value)
    t._requires_grad = bool(requires_grad)
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
         layout=None, pin_memory=False):
    """Uniform numbers in ``[0, 1)`` of shape ``size`` (float64 unless ``dtype``).

    >>> from symdiff import tape
    >>> tape.rand(2, 3).shape
    (2, 3)
    """
    dt = _float_dtype(dtype, "check_uniform_bounds")
    value = _gen(generator).random(_normalize_shape(size)).astype(dt, copy=False)
    return _finish(np.asarray(value), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
          layout=None, pin_memory=False):
    """Standard normal numbers of shape ``size`` (float64 unless ``dtype``).

    >>> from symdiff import tape
    >>> w = tape.randn((), requires_grad=True)
    >>> w.shape, w.requires_grad
    ((), True)
    """
    dt = _float_dtype(dtype, "normal_kernel_cpu")
    value = _gen(generator).standard_normal(_normalize_shape(size)).astype(dt, copy=False)
    return _finish(np.asarray(value), requires_grad, device)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False,
            out=None, layout=None, pin_memory=False, low=None, high=None):
    """Integers uniform in ``[low, high)``: ``randint(high, size)`` or
    ``randint(low, high, size)`` (int64 unless ``dtype``).

    >>> from symdiff import tape
    >>> t = tape.randint(3, 10, (4,))
    >>> t.dtype, bool(((t.numpy() >= 3) & (t.numpy() < 10)).all())
    (dtype('int64'), True)
    """
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args or size is None or high is None:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size, ...) or (int low, int high, tuple of "
                        "ints size, ...)")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    value = _gen(generator).integers(low, high, _normalize_shape((size,))).astype(dt)
    return _finish(np.asarray(value), requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    dt = np.dtype(np.int64 if dtype is None else dtype)
    return _finish(_gen(generator).permutation(int(n)).astype(dt), requires_grad, device)


def _like(input, dtype):
    from .tensor import _value_of
    v = np.asarray(_value_of(input))
    return v.shape, (v.dtype if dtype is None else dtype)


def rand_like(input, dtype=None, device=None, requires_grad=False, **kwargs):
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=dt, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False, **kwargs):
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=dt, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False,
                 **kwargs):
    shape, dt = _like(input, dtype)
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, dtype=dt, device=device, requires_grad=requires_grad)
