"""Tracebacks that end at the user's line: symdiff's own frames are trimmed where an
error leaves the public API, as JAX filters its internal frames.

An unsupported construct met while reading a function passes through a dozen frames
(``api -> limits -> read -> ast.visit -> ...``) that say nothing to the user: the
message already names the file, line and column of *their* code. ``api_boundary``
wraps the public entry points; an exception leaving one keeps only the frames outside
the symdiff package (the caller's, and the user's function where symdiff ran it), plus
the one frame that re-raises it. ``SYMDIFF_DEBUG=1`` in the environment keeps every
frame, for bug reports and for work on symdiff itself.
"""

from __future__ import annotations

import functools
import os
import sysconfig
import types

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def debugging() -> bool:
    """Is ``SYMDIFF_DEBUG`` set (to anything but empty or 0)?"""
    return os.environ.get("SYMDIFF_DEBUG", "") not in ("", "0")


_LIBRARY_DIRS = tuple({os.path.realpath(p) + os.sep for key in ("stdlib", "platstdlib",
                                                                 "purelib", "platlib")
                       if (p := sysconfig.get_paths().get(key))})


def library_file(filename: str) -> bool:
    """Is ``filename`` part of the standard library or an installed package?"""
    return bool(filename) and os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def _without_internal(tb):
    """A copy of the traceback chain ``tb`` without symdiff's frames and the library
    frames symdiff called (ast, inspect, sympy, numpy); the user's own frames stay
    (their function, run by sd.check or by a call without source). None if nothing is
    left; and whether any frame was removed."""
    kept, removed, inside = [], False, False
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(_PACKAGE):
            removed = inside = True
        elif inside and library_file(filename):
            removed = True
        else:
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(kept):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out, removed


def trim(exc: BaseException) -> BaseException:
    """``exc`` (and the exceptions it was raised from) with symdiff's frames removed.

    No note is added to the exception: its printed form (and so a doctest of it)
    stays exactly the message; ``SYMDIFF_DEBUG`` is documented instead."""
    seen: set[int] = set()
    e = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        tb, cut = _without_internal(e.__traceback__)
        if cut:
            e.__traceback__ = tb
        e = e.__cause__ or e.__context__
    return exc


def api_boundary(fn):
    """Decorator for public entry points: exceptions leave with trimmed tracebacks."""
    @functools.wraps(fn)
    def entry(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if debugging():
                raise
            raise trim(exc)     # its cause and context stay as they were
    return entry
