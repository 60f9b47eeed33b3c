"""Small groups are never shown: primary and complementary suppression, and a property test
that nothing hidden can be recomputed from what is shown."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.feedback.suppression import Suppressed, suppress, suppress_counts


def test_a_breakdown_without_small_groups_is_shown_whole() -> None:
    result = suppress_counts([40, 25, 12])
    assert result.cells == [[40, 25, 12]]
    assert result.total == 77 and result.hidden_count == 0


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    # 3 alone would be total - (others); hiding 12 as well keeps it unknown.
    result = suppress_counts([40, 3, 25, 12])
    assert result.cells == [[40, None, 25, None]]
    assert result.total == 80


def test_two_small_cells_protect_each_other() -> None:
    result = suppress_counts([40, 3, 25, 4])
    assert result.cells == [[40, None, 25, None]]


def test_a_total_under_ten_is_hidden_with_everything() -> None:
    result = suppress_counts([4, 3])
    assert result.cells == [[None, None]] and result.total is None


def test_zero_is_a_small_group_too() -> None:
    assert suppress_counts([0, 50, 60]).cells == [[None, None, 60]]


def test_two_way_table_protects_rows_and_columns() -> None:
    result = suppress([[3, 45, 20], [60, 12, 33], [15, 30, 40]])
    hidden = {(i, j) for i, row in enumerate(result.cells) for j, v in enumerate(row) if v is None}
    assert (0, 0) in hidden
    for i in range(3):  # no row or column with exactly one hidden cell
        assert sum((i, j) in hidden for j in range(3)) != 1
        assert sum((j, i) in hidden for j in range(3)) != 1
    assert result.row_totals == [68, 105, 85] and result.total == 258


def test_a_cell_pinned_down_across_several_lines_is_protected() -> None:
    """Line by line every row and column holds two hidden cells, yet adding and subtracting
    whole lines would give one away (a case found by the property test below): the linear
    check hides more until nothing can be computed."""
    table = [[0, 0, 0, 10, 0], [0, 10, 0, 10, 0], [10, 0, 10, 0, 10], [10, 0, 10, 0, 10]]
    result = suppress(table)
    assert _recoverable(table, result) == []


def test_without_totals_only_small_counts_are_hidden() -> None:
    result = suppress([[3, 40, 12]], row_totals=False, col_totals=False)
    assert result.cells == [[None, 40, 12]] and result.total is None


def test_bad_tables_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress([[-1, 2]])


# ---------------------------------------------------------------------------- property


def _grid(
    table: list[list[int]], result: Suppressed
) -> tuple[list[list[int]], list[list[int | None]]]:
    """Full values and shown values with margins (row totals, column totals, grand total)."""
    rows, cols = len(table), len(table[0])
    full = [row + [sum(row)] for row in table]
    full.append(
        [sum(table[i][j] for i in range(rows)) for j in range(cols)] + [sum(map(sum, table))]
    )
    shown: list[list[int | None]] = [
        list(result.cells[i]) + [result.row_totals[i] if result.row_totals else None]
        for i in range(rows)
    ]
    shown.append(list(result.col_totals or [None] * cols) + [result.total])
    return full, shown


def _recoverable(table: list[list[int]], result: Suppressed) -> list[tuple[int, int]]:
    """Hidden cells that the shown figures determine exactly (exact rational elimination,
    independent of the implementation's numpy check)."""
    rows, cols = len(table), len(table[0])
    full, shown = _grid(table, result)
    has_rt, has_ct = bool(result.row_totals), bool(result.col_totals)
    lines = []
    if has_rt:
        lines += [[(i, j) for j in range(cols)] + [(i, cols)] for i in range(rows)]
        lines.append([(i, cols) for i in range(rows)] + [(rows, cols)])
    if has_ct:
        lines += [[(i, j) for i in range(rows)] + [(rows, j)] for j in range(cols)]
        lines.append([(rows, j) for j in range(cols)] + [(rows, cols)])
    unknown = sorted(
        {(i, j) for i in range(rows) for j in range(cols) if shown[i][j] is None}
        | {(i, cols) for i in range(rows) if has_rt and shown[i][cols] is None}
        | {(rows, j) for j in range(cols) if has_ct and shown[rows][j] is None}
        | ({(rows, cols)} if (has_rt or has_ct) and shown[rows][cols] is None else set())
    )
    if not unknown or not lines:
        return []
    index = {p: k for k, p in enumerate(unknown)}
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(unknown)
        for p in line:
            if p in index:
                row[index[p]] = Fraction(-1 if p == line[-1] else 1)
        if any(row):
            matrix.append(row)
    # Reduced row echelon form; a unknown is determined when a row is its unit vector.
    pivot_row = 0
    for c in range(len(unknown)):
        pivot = next((r for r in range(pivot_row, len(matrix)) if matrix[r][c] != 0), None)
        if pivot is None:
            continue
        matrix[pivot_row], matrix[pivot] = matrix[pivot], matrix[pivot_row]
        lead = matrix[pivot_row][c]
        matrix[pivot_row] = [v / lead for v in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][c] != 0:
                factor = matrix[r][c]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivot_row += 1
    return [
        unknown[c]
        for c in range(len(unknown))
        if any(row[c] == 1 and sum(1 for v in row if v != 0) == 1 for row in matrix)
    ]


counts = st.one_of(st.integers(0, 9), st.integers(10, 80))
tables = st.integers(1, 5).flatmap(
    lambda r: st.integers(1, 5).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.booleans(), st.booleans())
def test_no_hidden_count_can_be_recovered_from_what_is_shown(
    table: list[list[int]], row_totals: bool, col_totals: bool
) -> None:
    result = suppress(table, row_totals=row_totals, col_totals=col_totals)
    full, shown = _grid(table, result)
    # 1. Every count under 10 is hidden; everything shown is the true value.
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if value < 10:
                assert result.cells[i][j] is None
            elif result.cells[i][j] is not None:
                assert result.cells[i][j] == value
    for i, total in enumerate(result.row_totals):
        assert total is None or (total == full[i][-1] and total >= 10)
    if result.total is not None:
        assert result.total == full[-1][-1] >= 10
    # 2. No hidden entry is determined by the shown ones (not even through several lines).
    assert _recoverable(table, result) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_a_one_row_breakdown_never_gives_away_a_small_cell(values: list[int]) -> None:
    result = suppress_counts(values)
    hidden = [v for v, shown in zip(values, result.cells[0], strict=True) if shown is None]
    assert all(shown is None for v, shown in zip(values, result.cells[0], strict=True) if v < 10)
    if result.total is not None:
        # total minus the shown cells is the sum of at least two hidden cells, or nothing.
        assert len(hidden) != 1
