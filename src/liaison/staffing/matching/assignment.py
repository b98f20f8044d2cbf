"""Assigning coordinators to many openings at once: optimal (SciPy's
``linear_sum_assignment``, the Hungarian method's successor) against greedy picking.

Each opening is expanded into ``headcount`` seats; each coordinator takes at most one
new seat per run (their remaining capacity must cover it: a hard constraint of the
board). Pairs a hard constraint excludes get a cost so large that the solver takes one
only when it must, and such picks are dropped: the optimum therefore fills as many seats
as any assignment can, and among those maximises the total score. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liaison.staffing.matching.rules import Board

# Larger than any possible total of real scores (100 per seat).
EXCLUDED = -1e7


@dataclass(frozen=True)
class Pick:
    opening: int  # index into the board's openings
    seat: int  # 0 .. headcount-1
    coordinator: int  # index into the board's coordinators
    score: float


@dataclass(frozen=True)
class Plan:
    method: str
    picks: tuple[Pick, ...]
    seats: int

    @property
    def total(self) -> float:
        return round(sum(p.score for p in self.picks), 2)

    @property
    def filled(self) -> int:
        return len(self.picks)


def _seats(board: Board, openings: Sequence[int]) -> list[tuple[int, int]]:
    return [(j, s) for j in openings for s in range(board.openings[j].headcount)]


def optimal(board: Board, openings: Sequence[int] | None = None) -> Plan:
    openings = list(range(len(board.openings))) if openings is None else list(openings)
    seats = _seats(board, openings)
    if not seats or not board.coordinators:
        return Plan("optimal", (), len(seats))
    # Imported here: SciPy takes a second or two to import, which only planning needs.
    from scipy.optimize import linear_sum_assignment

    rows = np.array([j for j, _ in seats])
    gain = np.where(board.eligible[rows], board.total[rows], EXCLUDED)
    seat_index, coordinator_index = linear_sum_assignment(gain, maximize=True)
    picks = [
        Pick(seats[r][0], seats[r][1], int(c), round(float(board.total[seats[r][0], c]), 2))
        for r, c in zip(seat_index, coordinator_index, strict=True)
        if board.eligible[seats[r][0], c]
    ]
    return Plan("optimal", tuple(picks), len(seats))


def greedy(board: Board, openings: Sequence[int] | None = None) -> Plan:
    """What a spreadsheet does: openings in the order given, each seat takes the best
    coordinator still free."""
    openings = list(range(len(board.openings))) if openings is None else list(openings)
    seats = _seats(board, openings)
    taken: set[int] = set()
    picks = []
    for j, seat in seats:
        for i in board.ranked(j):
            if i not in taken:
                taken.add(i)
                picks.append(Pick(j, seat, i, round(float(board.total[j, i]), 2)))
                break
    return Plan("greedy", tuple(picks), len(seats))
