"""CSV writing that spreadsheet programs cannot be tricked into executing."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(_TRIGGERS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence],
           cell: Callable[[object], str] = neutralise) -> str:
    """CSV text with every cell passed through `cell` (which must neutralise formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()
