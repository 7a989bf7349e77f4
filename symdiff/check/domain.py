"""Points where the function is undefined: Python raises there, or the value is not a number.

A check at such a point has nothing to compare: every engine gives nan (or inf)
and agreeing on nan proves nothing, so ``sd.check`` fails the point with a
message that says why, naming the expression that raised, e.g.
``f is undefined at x=-1: math.log(x) raises ValueError: math domain error``.
"""

from __future__ import annotations

import linecache
import os
import sysconfig

import numpy as np

from .finite_diff import ComplexValue, flat_float
from .report import fmt

#: where Python's own modules and installed packages live: not the user's code
_LIBRARY_DIRS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                          "platlib")})
_SYMDIFF_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def undefined_at(F, pt) -> list:
    """One entry per point: None where the function is defined, else why it is not."""
    call = (lambda vec: F(*pt.args(vec))) if F.fn is None \
        else (lambda vec: pt.call_user(F.fn, pt.args(vec)))
    out = []
    for x in pt.points:
        where = pt.where(x)
        try:
            with np.errstate(all="ignore"):
                v = flat_float(call(x))
        except ComplexValue as exc:
            out.append(f"{pt.name} is undefined at {where}: {exc}")
            continue
        except Exception as exc:        # noqa: BLE001 -- whatever Python raises is the reason
            what = _raising_expression(exc)
            out.append(f"{pt.name} is undefined at {where}: {what + ' raises ' if what else ''}"
                       f"{type(exc).__name__}: {exc}")
            continue
        bad = ~np.isfinite(v)
        if bad.any():
            k = int(np.argmax(bad))
            name = pt.name if len(v) == 1 else f"{pt.name}[{k}]"
            out.append(f"{pt.name} is undefined at {where}: {name} = {fmt(float(v[k]))}, "
                       f"not a finite number (outside the function's domain, at a pole, "
                       f"or overflowing)")
        else:
            out.append(None)
    return out


def _raising_expression(exc) -> str | None:
    """The source text of the expression in the user's code that raised ``exc``."""
    tb, user = exc.__traceback__, None
    while tb is not None:
        if not _library_file(tb.tb_frame.f_code.co_filename):
            user = tb
        tb = tb.tb_next
    if user is None:
        return None
    code = user.tb_frame.f_code
    try:
        line, end_line, col, end_col = list(code.co_positions())[user.tb_lasti // 2]
    except (AttributeError, IndexError, ValueError):   # Python < 3.11: no positions
        line, end_line, col, end_col = user.tb_lineno, None, None, None
    text = linecache.getline(code.co_filename, line or user.tb_lineno)
    if not text:
        return None
    if line == end_line and col is not None and end_col is not None:
        seg = text.encode()[col:end_col].decode(errors="replace").strip()
        if seg:
            return seg
    return text.strip()


def _library_file(filename: str) -> bool:
    return (filename.startswith(_LIBRARY_DIRS) or filename.startswith(_SYMDIFF_DIR)
            or "site-packages" in filename or "dist-packages" in filename)
