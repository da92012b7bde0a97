"""Statistical disclosure control for every count a report shows or exports.

Primary suppression hides every count from 1 up to (threshold - 1). A true zero is shown:
it says nobody, so it cannot single anybody out. Secondary (complementary) suppression then
makes sure no hidden count can be worked back out from the totals: in every line that adds
up (a row with its row total, a column with its column total, and the total row and column
with the grand total), either nothing is hidden or at least two members are hidden. The
extra cell hidden is the smallest visible non-zero one in that line (least information
lost); a zero or the total is used only when nothing else is left. This is the standard
"no line with a single unknown" rule; it does not attempt a full linear-programming audit.

Pure functions, no database: property-tested with hypothesis.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 10
MINIMUM_THRESHOLD = 5
SUPPRESSED_LABEL = "[c]"  # ONS's marker for "confidential"


def clamp_threshold(value) -> int:
    """The configured threshold as an int, default 10, never below 5."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = DEFAULT_THRESHOLD
    return max(MINIMUM_THRESHOLD, number)


def configured_threshold(config: dict | None = None) -> int:
    """REPORT_SUPPRESSION_THRESHOLD from the app config or NAVIGATOR_REPORT_SUPPRESSION_THRESHOLD."""
    value = (config or {}).get("REPORT_SUPPRESSION_THRESHOLD")
    if value is None:
        value = os.environ.get("NAVIGATOR_REPORT_SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD)
    return clamp_threshold(value)


def is_primary(count: int, threshold: int) -> bool:
    return 0 < count < threshold


@dataclass
class Suppressed:
    """A table after disclosure control: None marks a hidden value."""

    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    col_totals: list[int | None] | None
    grand_total: int | None
    primary: set[tuple[int, int]]
    secondary: set[tuple[int, int]]
    # Positions are in the extended grid: row index len(cells) is the total row,
    # column index n_cols is the total column.

    def hidden(self, row: int, col: int) -> bool:
        return (row, col) in self.primary or (row, col) in self.secondary


def suppress(
    cells: Sequence[Sequence[int]],
    threshold: int,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    columns: int | None = None,
) -> Suppressed:
    """Apply primary and secondary suppression to a table of non-negative counts.

    `row_totals`/`col_totals` say which totals the report shows (they are computed here
    from the cells); `columns` gives the width of a table that may have no rows. Raises
    ValueError for a negative count or a ragged table.
    """
    threshold = clamp_threshold(threshold)
    n_rows = len(cells)
    n_cols = len(cells[0]) if n_rows else (columns or 0)
    grid: list[list[int]] = []
    for row in cells:
        if len(row) != n_cols:
            raise ValueError("every row needs the same number of cells")
        if any((not isinstance(v, int)) or v < 0 for v in row):
            raise ValueError("counts must be non-negative integers")
        grid.append(list(row))
    values: dict[tuple[int, int], int] = {
        (r, c): grid[r][c] for r in range(n_rows) for c in range(n_cols)
    }
    totals: set[tuple[int, int]] = set()
    if row_totals:
        for r in range(n_rows):
            values[(r, n_cols)] = sum(grid[r])
            totals.add((r, n_cols))
    if col_totals:
        for c in range(n_cols):
            values[(n_rows, c)] = sum(grid[r][c] for r in range(n_rows))
            totals.add((n_rows, c))
    if row_totals and col_totals:
        values[(n_rows, n_cols)] = sum(sum(row) for row in grid)
        totals.add((n_rows, n_cols))

    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        for r in range(n_rows):
            lines.append([(r, c) for c in range(n_cols)] + [(r, n_cols)])
        if col_totals:
            lines.append([(n_rows, c) for c in range(n_cols)] + [(n_rows, n_cols)])
    if col_totals:
        for c in range(n_cols):
            lines.append([(r, c) for r in range(n_rows)] + [(n_rows, c)])
        if row_totals:
            lines.append([(r, n_cols) for r in range(n_rows)] + [(n_rows, n_cols)])

    primary = {pos for pos, v in values.items() if is_primary(v, threshold)}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [pos for pos in line if pos in hidden]
            if len(inside) != 1:
                continue
            choice = _complement(line, hidden, values, totals)
            if choice is not None:
                hidden.add(choice)
                changed = True
    secondary = hidden - primary

    def shown(pos):
        return None if pos in hidden else values[pos]

    return Suppressed(
        cells=[[shown((r, c)) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[shown((r, n_cols)) for r in range(n_rows)] if row_totals else None,
        col_totals=[shown((n_rows, c)) for c in range(n_cols)] if col_totals else None,
        grand_total=shown((n_rows, n_cols)) if row_totals and col_totals else None,
        primary=primary,
        secondary=secondary,
    )


def _complement(line, hidden, values, totals):
    visible = [pos for pos in line if pos not in hidden]
    if not visible:
        return None

    def preference(pos):
        value = values[pos]
        # Smallest non-zero inner cell first, then zeros, then totals; ties by position.
        return (pos in totals, value == 0, value, pos)

    return min(visible, key=preference)


def suppress_column(counts: Sequence[int], threshold: int, *, total: bool = True) -> Suppressed:
    """One column of counts with its total (e.g. a count per area)."""
    return suppress([[c] for c in counts], threshold, row_totals=False, col_totals=total)


def safe_rate(numerator: int | None, denominator: int | None) -> float | None:
    """A proportion, or None when either count is hidden or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def label(value) -> str:
    """How a possibly hidden value is written in a page or a CSV."""
    return SUPPRESSED_LABEL if value is None else str(value)
