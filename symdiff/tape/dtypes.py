"""torch's type promotion and dtype names, for the tape's numpy values.

Sits under ``tensor``: numpy and torch agree on the dtype of most results, but
not when operands of one category (bool < integer < floating < complex) but
different sizes meet, because torch ranks operands before it compares sizes:
tensors with dimensions, then 0-d tensors, then Python numbers.  A float32
tensor plus an int64 tensor, or plus a 0-d float64 tensor, stays float32 in
torch (numpy: float64).  ``result_type`` is torch's ``torch.result_type`` for
the tape's operands (numpy scalars count as Python numbers, as in torch);
Python floats are the default dtype: float64 unless ``set_default_dtype``.
"""

import numpy as np

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_DEFAULT = [np.dtype(np.float64)]   # the default float dtype (set_default_dtype)
_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)
_COMPLEX = np.dtype(np.complex128)

#: torch's names of the dtypes (``torch.DoubleTensor``, "result type Double ...")
TORCH_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex128": "ComplexDouble", "complex64": "ComplexFloat"}


def torch_name(dtype):
    """``Double`` for float64, ``Long`` for int64... (torch's error messages)."""
    name = np.dtype(dtype).name
    return TORCH_NAMES.get(name, name)


def promote_types(a, b):
    """torch.promote_types: the higher category wins (int64 with float32 is
    float32); within a category, numpy's promotion (the larger size)."""
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """torch's ``combine_categories``: a lower-priority operand only matters if it
    is of a higher category (then its dtype, promoted, is used)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if ch >= cl and (ch > 0 or cl == 0):
        return higher
    return promote_types(higher, lower)


def _scalar_dtype(v):
    if isinstance(v, (bool, np.bool_)):
        return _BOOL
    if isinstance(v, (int, np.integer)):
        return _INT64
    if isinstance(v, (complex, np.complexfloating)):
        return default_complex()
    return _DEFAULT[0]


def default_float():
    """The dtype of float data made without a dtype (``tape.get_default_dtype``)."""
    return _DEFAULT[0]


def default_complex():
    """The complex dtype that goes with the default float dtype."""
    return _COMPLEX if _DEFAULT[0] == np.float64 else np.dtype(np.complex64)


def get_default_dtype():
    """The dtype of float tensors made without one: float64 on the tape unless
    ``set_default_dtype`` (torch's default is float32).

    >>> from symdiff import tape
    >>> tape.get_default_dtype()
    <class 'numpy.float64'>
    """
    return _DEFAULT[0].type


def set_default_dtype(d):
    """Make ``d`` (float64, float32 or float16) the dtype of float tensors made
    without one (``tensor([1.5])``, ``ones``, ``randn``...) and of integer data
    turned into floats (``int_tensor / 2``, ``sqrt(int_tensor)``), as torch's.

    >>> from symdiff import tape
    >>> tape.set_default_dtype(tape.float32)
    >>> tape.tensor([1.5]).dtype
    dtype('float32')
    >>> tape.set_default_dtype(tape.float64)
    """
    try:
        dt = np.dtype(d)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    _DEFAULT[0] = dt


def result_type(*operands):
    """torch.result_type over ``(value, is_tensor)`` pairs: ``value`` is a numpy
    array/scalar or a Python number; ``is_tensor`` says whether it came from a
    tensor (a 0-d tensor ranks above a Python number)."""
    dims = zero = wrapped = None
    for value, is_tensor in operands:
        if is_tensor or isinstance(value, np.ndarray):
            dt = value.dtype if hasattr(value, "dtype") else np.result_type(value)
            if np.ndim(value):
                dims = dt if dims is None else promote_types(dims, dt)
            else:
                zero = dt if zero is None else promote_types(zero, dt)
        else:
            dt = _scalar_dtype(value)
            wrapped = dt if wrapped is None else promote_types(wrapped, dt)
    return _combine(dims, _combine(zero, wrapped))


def cast(value, dtype):
    """``value`` (a numpy array or scalar) as ``dtype``; the same object if it is."""
    if value.dtype == dtype:
        return value
    if type(value) is np.ndarray:
        return value.astype(dtype)
    return dtype.type(value)
