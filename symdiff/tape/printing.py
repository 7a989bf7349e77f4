"""torch-style printing of tensors: ``tensor([2., 4.], grad_fn=<MulBackward0>)``.

Sits beside ``tensor``; a port of the number formatting rules of torch's
``_tensor_str`` (integer mode, fixed 4 decimals, or scientific notation chosen
from the non-zero finite values; width-aligned; 80 columns; summarised with
``...`` above 1000 elements).
"""

import math

import numpy as np

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3
# dtypes that torch does not name in the repr (float64 is our default float).
_SILENT_DTYPES = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_))


class _Formatter:
    def __init__(self, values):
        self.floating = values.dtype.kind in "fc"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(_plain(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        a = np.abs(vals)
        lo, hi = float(a.min()), float(a.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        for v in vals.tolist():
            if self.sci_mode:
                s = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                s = f"{v:.0f}" + "."
            else:
                s = f"{v:.{PRECISION}f}"
            self.max_width = max(self.max_width, len(s))

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRECISION}f}"
        else:
            ret = _plain(value)
        return (self.max_width - len(ret)) * " " + ret


def _plain(v):
    return str(v)


def _vector_str(values, indent, summarize, fmt):
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((LINEWIDTH - indent) / element_length))
    if summarize and values.shape[0] > 2 * EDGEITEMS:
        data = ([fmt.format(v) for v in values[:EDGEITEMS].tolist()] + [" ..."]
                + [fmt.format(v) for v in values[-EDGEITEMS:].tolist()])
    else:
        data = [fmt.format(v) for v in values.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _str(values, indent, summarize, fmt):
    dim = values.ndim
    if dim == 0:
        return fmt.format(values.item())
    if dim == 1:
        return _vector_str(values, indent, summarize, fmt)
    n = values.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        slices = ([_str(values[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
                  + ["..."]
                  + [_str(values[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        slices = [_str(values[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def tensor_repr(t):
    """The repr of a tape tensor, formatted like torch's."""
    values = np.asarray(t._value)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if values.size == 0:
        body = "[]"
        if values.shape != (0,):
            suffixes.append(f"size={tuple(values.shape)}")
    else:
        summarize = values.size > THRESHOLD
        body = _str(values, indent, summarize, _Formatter(values))
    if values.dtype not in _SILENT_DTYPES:
        suffixes.append(f"dtype={values.dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + ", ".join([body] + suffixes) + ")"
