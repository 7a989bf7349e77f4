"""Error classes. Each message names the place and the fix (see README, "Errors")."""

from __future__ import annotations


class SymdiffError(Exception):
    """Base class of symdiff's own errors (other than syntax errors)."""


class SymdiffSyntaxError(SyntaxError):
    """Source outside the Python subset symdiff reads.

    Carries ``filename``, ``lineno``, ``offset`` (1-based column, as SyntaxError
    does), ``text`` (the source line) and ``construct`` (what was rejected).
    ``str(err)`` reads ``file:line:col: unsupported <construct>: <hint>``.
    """

    def __init__(self, message: str, *, filename: str = "<unknown>", lineno: int = 0,
                 col: int = 0, text: str | None = None, construct: str = "",
                 hint: str = ""):
        self.construct = construct
        self.hint = hint
        self.col = col
        self.msg_only = message
        super().__init__(message, (filename, lineno, col + 1, text))

    def __str__(self) -> str:
        where = f"{self.filename}:{self.lineno}:{self.offset}"
        line = f"\n    {self.text.strip()}" if self.text else ""
        return f"{where}: {self.msg_only}{line}"


class NotDifferentiableError(SymdiffError):
    """A derivative was asked of something that has none (an integer index, say)."""
