"""Disclosure control: primary and secondary suppression, property-tested."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from navigator.reports.disclosure import clamp_threshold, configured_threshold, suppress

THRESHOLD = 10

small_or_any = st.one_of(st.integers(0, 12), st.integers(0, 400))
tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(small_or_any, min_size=cols, max_size=cols), min_size=1, max_size=7))
flags = st.sampled_from([(True, True), (False, True), (True, False)])


def _extended(table, result, row_totals, col_totals):
    """(true grid, shown grid, additive lines) including the totals the report shows."""
    n_rows, n_cols = len(table), len(table[0])
    true, shown = {}, {}
    for r in range(n_rows):
        for c in range(n_cols):
            true[(r, c)] = table[r][c]
            shown[(r, c)] = result.cells[r][c]
    lines = []
    if row_totals:
        for r in range(n_rows):
            true[(r, n_cols)] = sum(table[r])
            shown[(r, n_cols)] = result.row_totals[r]
            lines.append([(r, c) for c in range(n_cols + 1)])
    if col_totals:
        for c in range(n_cols):
            true[(n_rows, c)] = sum(row[c] for row in table)
            shown[(n_rows, c)] = result.col_totals[c]
            lines.append([(r, c) for r in range(n_rows + 1)])
    if row_totals and col_totals:
        true[(n_rows, n_cols)] = sum(map(sum, table))
        shown[(n_rows, n_cols)] = result.grand_total
        lines.append([(n_rows, c) for c in range(n_cols + 1)])
        lines.append([(r, n_cols) for r in range(n_rows + 1)])
    return true, shown, lines


def _attack(shown, lines):
    """What an attacker recovers by solving, repeatedly, every line with one unknown."""
    known = {pos: v for pos, v in shown.items() if v is not None}
    progress = True
    while progress:
        progress = False
        for line in lines:
            members = line[:-1]
            total = line[-1]
            unknown = [p for p in line if p not in known]
            if len(unknown) != 1:
                continue
            pos = unknown[0]
            if pos == total:
                known[pos] = sum(known[p] for p in members)
            else:
                known[pos] = known[total] - sum(known[p] for p in members if p != pos)
            progress = True
    return {pos: v for pos, v in known.items() if shown[pos] is None}


@settings(max_examples=300, deadline=None)
@given(tables, flags)
def test_every_small_count_is_hidden(table, totals):
    row_totals, col_totals = totals
    result = suppress(table, THRESHOLD, row_totals=row_totals, col_totals=col_totals)
    true, shown, _lines = _extended(table, result, row_totals, col_totals)
    for pos, value in true.items():
        if 0 < value < THRESHOLD:
            assert shown[pos] is None, f"{value} at {pos} is shown"


@settings(max_examples=300, deadline=None)
@given(tables, flags)
def test_shown_values_are_the_true_values(table, totals):
    row_totals, col_totals = totals
    result = suppress(table, THRESHOLD, row_totals=row_totals, col_totals=col_totals)
    true, shown, _lines = _extended(table, result, row_totals, col_totals)
    assert all(shown[pos] in (None, true[pos]) for pos in true)


@settings(max_examples=300, deadline=None)
@given(tables, flags)
def test_no_line_that_adds_up_has_exactly_one_hidden_value(table, totals):
    row_totals, col_totals = totals
    result = suppress(table, THRESHOLD, row_totals=row_totals, col_totals=col_totals)
    _true, shown, lines = _extended(table, result, row_totals, col_totals)
    for line in lines:
        assert sum(shown[p] is None for p in line) != 1


@settings(max_examples=300, deadline=None)
@given(tables, flags)
def test_hidden_counts_cannot_be_recovered_from_the_totals(table, totals):
    row_totals, col_totals = totals
    result = suppress(table, THRESHOLD, row_totals=row_totals, col_totals=col_totals)
    _true, shown, lines = _extended(table, result, row_totals, col_totals)
    assert _attack(shown, lines) == {}


def test_the_attacker_in_these_tests_does_recover_primary_only_suppression():
    # Guard against a test that cannot fail: without secondary suppression the 3 comes back.
    table = [[3], [40], [50]]
    shown = {(0, 0): None, (1, 0): 40, (2, 0): 50, (3, 0): 93}
    lines = [[(0, 0), (1, 0), (2, 0), (3, 0)]]
    assert _attack(shown, lines) == {(0, 0): 3}
    result = suppress(table, THRESHOLD, row_totals=False, col_totals=True)
    assert result.cells == [[None], [None], [50]]  # 40 is hidden with it (the smallest other)
    assert result.col_totals == [93]


def test_zero_is_shown_and_a_lone_small_count_hides_its_total():
    result = suppress([[0], [4]], THRESHOLD, row_totals=False, col_totals=True)
    assert result.cells == [[0], [None]]
    assert result.col_totals == [None]  # a total of 4 is a small count too
    result = suppress([[0], [4], [0]], THRESHOLD, row_totals=True, col_totals=False)
    assert result.cells == [[0], [None], [0]] and result.row_totals == [0, None, 0]


@pytest.mark.parametrize("configured, used", [(None, 10), ("3", 5), (4, 5), (12, 12), ("lots", 10)])
def test_threshold_defaults_to_ten_and_is_never_below_five(configured, used):
    assert configured_threshold({"REPORT_SUPPRESSION_THRESHOLD": configured}) == used
    assert clamp_threshold(configured) == used


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        suppress([[1, -2]], THRESHOLD)
