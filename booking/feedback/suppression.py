"""Small groups are never shown: cell suppression for every breakdown of visitor answers.

A table of counts is shown with its row totals, column totals and grand total (each optional).
Think of it with its margins as one grid where every row and every column is a sum: the
margins are cells too.

1. Primary suppression: every cell (margins included) under the threshold (10) is hidden.
2. Complementary suppression: a line (row or column, with its total) holding exactly one
   hidden entry gives it away by subtraction, so another shown cell of that line is hidden
   too: an inner cell rather than a total, preferably one whose crossing line already holds
   a hidden entry (so the choice does not cascade), then the smallest; repeated until stable.
3. Safety net: subtraction across several lines can still pin a hidden entry down (a "bridge"
   between two groups of hidden cells). Each hidden entry is checked against the linear
   system of all shown figures; while one is determined, one more neighbour is hidden.

What remains shown never lets anyone compute a hidden count exactly. Differences between two
different queries (two periods, two filters) are not covered here; the dashboard keeps its
filters coarse for that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLD = 10


@dataclass(frozen=True)
class Suppressed:
    """A table after suppression: `None` wherever a figure is hidden.

    `row_totals` / `col_totals` are empty lists and `total` is None when the table was built
    without them.
    """

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None
    hidden_count: int

    @property
    def any_hidden(self) -> bool:
        return self.hidden_count > 0


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    threshold: int = THRESHOLD,
) -> Suppressed:
    """Hide every count under `threshold` and whatever would let it be recovered.

    `cells` is a rectangular table of non-negative counts (one row for a simple breakdown).
    Totals are only meaningful when the cells of a line are disjoint groups (not for answers
    to a multiple-choice question: build those with `row_totals=col_totals=False`).
    """
    table = [[int(v) for v in row] for row in cells]
    n_rows = len(table)
    n_cols = len(table[0]) if table else 0
    if any(len(row) != n_cols for row in table):
        raise ValueError("suppress() needs a rectangular table")
    if any(v < 0 for row in table for v in row):
        raise ValueError("counts cannot be negative")
    if n_rows == 0 or n_cols == 0:
        return Suppressed([[] for _ in table], [], [], None, 0)

    has_rt, has_ct = row_totals, col_totals
    has_grand = has_rt or has_ct
    # The grid with margins: column n_cols holds row totals, row n_rows column totals.
    grid = [row[:] + [sum(row)] for row in table]
    grid.append([sum(table[i][j] for i in range(n_rows)) for j in range(n_cols)] + [0])
    grid[n_rows][n_cols] = sum(grid[n_rows][:n_cols])

    present: set[tuple[int, int]] = set()
    for i in range(n_rows):
        present.update((i, j) for j in range(n_cols))
        if has_rt:
            present.add((i, n_cols))
    if has_ct:
        present.update((n_rows, j) for j in range(n_cols))
    if has_grand:
        present.add((n_rows, n_cols))

    state = _State(grid, _lines(n_rows, n_cols, has_rt, has_ct, present), n_rows, n_cols)
    for pos in present:
        if grid[pos[0]][pos[1]] < threshold:
            state.hide(pos)
    while True:
        state.complete_lines()
        determined = _determined(state.lines, state.hidden)
        if not determined:
            break
        target = determined[0]
        neighbours = [p for li in state.lines_of[target] for p in state.lines[li]]
        choice = state.pick(neighbours) or state.pick(sorted(present))
        if choice is None:  # everything is already hidden
            break
        state.hide(choice)
    hidden = state.hidden

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in hidden else grid[i][j]

    return Suppressed(
        cells=[[shown(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(i, n_cols) for i in range(n_rows)] if has_rt else [],
        col_totals=[shown(n_rows, j) for j in range(n_cols)] if has_ct else [],
        total=shown(n_rows, n_cols) if has_grand else None,
        hidden_count=len(hidden),
    )


def suppress_counts(counts: Sequence[int], *, total: bool = True) -> Suppressed:
    """A one-row breakdown (a simple count per category) with its total."""
    return suppress([list(counts)], row_totals=total, col_totals=False)


def _lines(
    n_rows: int, n_cols: int, has_rt: bool, has_ct: bool, present: set[tuple[int, int]]
) -> list[list[tuple[int, int]]]:
    """Each additive relation as the list of its entries (the last one is the total)."""
    lines: list[list[tuple[int, int]]] = []
    if has_rt:
        lines += [[(i, j) for j in range(n_cols)] + [(i, n_cols)] for i in range(n_rows)]
    if has_ct:
        lines += [[(i, j) for i in range(n_rows)] + [(n_rows, j)] for j in range(n_cols)]
    if has_rt and has_ct:
        lines.append([(i, n_cols) for i in range(n_rows)] + [(n_rows, n_cols)])
        lines.append([(n_rows, j) for j in range(n_cols)] + [(n_rows, n_cols)])
    elif has_rt:  # the grand total is the sum of the row totals
        lines.append([(i, n_cols) for i in range(n_rows)] + [(n_rows, n_cols)])
    elif has_ct:
        lines.append([(n_rows, j) for j in range(n_cols)] + [(n_rows, n_cols)])
    return [[p for p in line if p in present] for line in lines]


class _State:
    """The hidden set, with the number of hidden entries of each line kept up to date."""

    def __init__(
        self, grid: list[list[int]], lines: list[list[tuple[int, int]]], n_rows: int, n_cols: int
    ) -> None:
        self.grid, self.lines, self.n_rows, self.n_cols = grid, lines, n_rows, n_cols
        self.hidden: set[tuple[int, int]] = set()
        self.hidden_in = [0] * len(lines)
        self.lines_of: dict[tuple[int, int], list[int]] = {}
        for li, line in enumerate(lines):
            for pos in line:
                self.lines_of.setdefault(pos, []).append(li)

    def hide(self, pos: tuple[int, int]) -> None:
        if pos not in self.hidden:
            self.hidden.add(pos)
            for li in self.lines_of.get(pos, ()):
                self.hidden_in[li] += 1

    def _key(self, pos: tuple[int, int]) -> tuple[bool, int, int, tuple[int, int]]:
        inner = pos[0] < self.n_rows and pos[1] < self.n_cols
        # Lines through `pos` with nothing hidden yet: hiding `pos` would leave them exposed.
        exposed = sum(1 for li in self.lines_of.get(pos, ()) if self.hidden_in[li] == 0)
        return (not inner, exposed, self.grid[pos[0]][pos[1]], pos)

    def pick(self, candidates: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
        """Inner cells first; then one that also completes a crossing line (fewer cells end
        up hidden); then the smallest count; ties in reading order."""
        shown = [p for p in candidates if p not in self.hidden]
        return min(shown, key=self._key) if shown else None

    def complete_lines(self) -> None:
        """Step 2: no line may hold exactly one hidden entry."""
        changed = True
        while changed:
            changed = False
            for li, line in enumerate(self.lines):
                if self.hidden_in[li] == 1:
                    choice = self.pick(line)
                    if choice is not None:
                        self.hide(choice)
                        changed = True


def _determined(
    lines: list[list[tuple[int, int]]], hidden: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Hidden entries whose value follows from the shown figures by linear algebra.

    An unknown x_k is pinned down exactly when the unit vector e_k lies in the row space of
    the system's matrix restricted to the unknowns, i.e. when the orthogonal projector onto
    that row space keeps e_k whole: P_kk = 1 (one thin SVD for all unknowns).
    """
    unknowns = sorted(hidden)
    if not unknowns or not lines:
        return []  # without totals, nothing links a hidden count to a shown one
    index = {p: k for k, p in enumerate(unknowns)}
    rows = []
    for line in lines:
        coeffs = np.zeros(len(unknowns))
        total = line[-1]
        for p in line:
            if p in index:
                coeffs[index[p]] = -1.0 if p == total else 1.0
        if coeffs.any():
            rows.append(coeffs)
    if not rows:
        return []
    basis, singular, _ = np.linalg.svd(np.array(rows).T, full_matrices=False)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max()))).sum())
    kept = (basis[:, :rank] ** 2).sum(axis=1)
    return [p for k, p in enumerate(unknowns) if kept[k] > 1 - 1e-9]
