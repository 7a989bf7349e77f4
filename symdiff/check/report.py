"""The report ``sd.check`` returns: one ``CheckRow`` per derivative, a ``CheckReport``
with ``.ok`` and a readable table as ``str(report)``.

Sits at the bottom of ``symdiff.check``: judging fills the rows, nothing here
computes a derivative.
"""

from __future__ import annotations

import math
from html import escape
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CheckRow", "CheckReport"]


@dataclass
class CheckRow:
    """One derivative (or the value, ``wrt == ()``) of one output, at every point.

    ``symbolic``, ``tape``, ``finite_diff`` and ``fd_error`` are floats for a single
    point, arrays of the broadcast shape otherwise (``tape`` is None when the
    function cannot run on the tape, e.g. an expression string).
    """

    name: str
    wrt: tuple
    output: int
    symbolic: object
    tape: object
    finite_diff: object
    fd_error: object
    nondifferentiable: object
    max_abs_err: float
    max_rel_err: float
    status: str                 # "ok", "FAIL", "undefined", "nondifferentiable" or "unresolved"
    message: str = ""
    worst: tuple = ()           # index of the point shown in the table

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "nondifferentiable")

    @property
    def order(self) -> int:
        return len(self.wrt)


@dataclass
class CheckReport:
    """What ``sd.check`` returns: ``.ok``, ``.rows`` and a table as ``str(report)``.

    ``report["df/dx"]`` is the row of that derivative; ``report.failures`` the rows
    that disagree.
    """

    function: str
    params: tuple
    point: dict
    shape: tuple
    order: int
    rtol: float
    atol: float
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list:
        return [r for r in self.rows if not r.ok]

    @property
    def nondifferentiable(self) -> list:
        return [r for r in self.rows if r.status == "nondifferentiable"]

    def __getitem__(self, name: str) -> CheckRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no derivative {name!r}; have {', '.join(r.name for r in self.rows)}")

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{len(self.failures)} FAILED"
        return f"<CheckReport {self.function}: {len(self.rows)} rows, {state}>"

    def _where(self) -> str:
        if self.shape == ():
            return ", ".join(f"{k}={_fmt_arg(v)}" for k, v in self.point.items())
        n = int(np.prod(self.shape))
        return f"{n} points (broadcast shape {self.shape}); values shown at the worst point"

    def _verdict(self) -> str:
        if self.ok:
            return "OK"
        return "UNRESOLVED" if all(r.status == "unresolved" for r in self.failures) else "FAILED"

    def _table(self) -> tuple[str, list[list[str]], list[str]]:
        """(heading, rows of cells with the column names first, messages): what
        ``str()``, ``_repr_markdown_`` and ``_repr_html_`` lay out."""
        head = (f"sd.check({self.function}) at {self._where()}\n"
                f"order {self.order}, rtol={self.rtol:g}, atol={self.atol:g}: "
                f"{self._verdict()}")
        cols = ["derivative", "symbolic", "tape", "finite diff", "max abs err",
                "max rel err", "status"]
        table = [cols]
        for r in self.rows:
            def at(v):
                if v is None:
                    return "n/a"
                v = np.asarray(v)
                return fmt(float(v[r.worst] if v.ndim else v))
            table.append([r.name, at(r.symbolic), at(r.tape), at(r.finite_diff),
                          fmt(r.max_abs_err, 3), fmt(r.max_rel_err, 3), r.status])
        msgs = [f"{r.name}: {r.message}" for r in self.rows if r.message] + list(self.notes)
        return head, table, msgs

    def __str__(self) -> str:
        head, table, msgs = self._table()
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = [head]
        for k, row in enumerate(table):
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1])]
            lines.append("  ".join(cells + [row[-1]]).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        if msgs:
            lines.append("")
            lines.extend(msgs)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """The table in a notebook (Jupyter shows this instead of ``repr``)."""
        head, table, msgs = self._table()
        cell = lambda c: c.replace("|", "\\|")              # noqa: E731
        first, verdict = head.split("\n")
        lines = [f"**{cell(first)}**  ", cell(verdict), "",
                 "| " + " | ".join(table[0]) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(table[0]) - 2) + [":---"]) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table[1:]]
        if msgs:
            lines += [""] + [f"- {cell(m)}" for m in msgs]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table as HTML, the failing rows marked (Jupyter, VS Code)."""
        head, table, msgs = self._table()
        first, verdict = head.split("\n")
        th = "".join(f"<th>{escape(c)}</th>" for c in table[0])
        body = []
        for r, row in zip(self.rows, table[1:]):
            style = "" if r.ok else ' style="color:#b00020;font-weight:bold"'
            tds = "".join(f'<td style="text-align:{"left" if i in (0, len(row) - 1) else "right"}">'
                          f"{escape(c)}</td>" for i, c in enumerate(row))
            body.append(f"<tr{style}>{tds}</tr>")
        notes = "".join(f"<li>{escape(m)}</li>" for m in msgs)
        return (f"<p><b>{escape(first)}</b><br>{escape(verdict)}</p>"
                f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else ""))


def fmt(v, digits=10) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return f"{v:.{digits}g}"


def _fmt_arg(v) -> str:
    a = np.asarray(v)
    return fmt(float(a)) if a.ndim == 0 else np.array2string(a, precision=6, separator=", ")

