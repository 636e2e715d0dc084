"""Handing out role briefs (app.instructor.seating): as many students as possible get a fitting
brief of their own, a maximum bipartite matching; the rest share evenly, across delegations where
they can. Pure, like the rest of auto-assignment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.instructor.seating import BriefOption, Student


def _fit(option: BriefOption, delegation: str, sector: str) -> int | None:
    """How well a brief fits a seat, 0 best, or None when it contradicts the seat.

    0: written for this delegation and sector; 1: for the delegation as a whole; 2: for the
    sector on any side; 3: for anybody.
    """
    if option.delegation not in (None, delegation) or option.sector not in (None, sector):
        return None
    return (2 if option.delegation is None else 0) + (1 if option.sector is None else 0)


def hand_out_briefs(
    order: Sequence[Student],
    delegation_of: Mapping[int, str],
    sector_of: Mapping[int, str],
    briefs: Sequence[BriefOption],
) -> dict[int, str | None]:
    """Give as many students as possible a fitting brief of their own, then share the rest.

    A brief fits when it was written for the student's delegation (or any) and sector (or any);
    a brief for another sector or side is never given, since it would contradict the seat. The
    own briefs are a maximum matching between students and fitting briefs, found with
    augmenting paths (the most constrained students first, each trying the best fit first), so
    nobody shares a brief while a brief that fits them, or the person they share with, is
    unused. Students left over take the fitting brief held by the fewest people of their own
    delegation, then by the fewest overall, then the best fit, and a settling pass evens out
    what the order of arrival left uneven: briefs are shared evenly, and across delegations
    where they can be.
    """
    position: dict[str, int] = {}
    for option in briefs:
        position.setdefault(option.code, len(position))
    fitting: dict[tuple[str, str], list[str]] = {}  # per seat: fitting codes, best fit first
    fits: dict[int, list[str]] = {}
    for student in order:
        seat = (delegation_of[student.participant_id], sector_of[student.participant_id])
        if seat not in fitting:
            rank: dict[str, int] = {}
            for option in briefs:
                fit = _fit(option, *seat)
                if fit is not None:
                    rank[option.code] = min(fit, rank.get(option.code, fit))
            fitting[seat] = sorted(rank, key=lambda code: (rank[code], position[code]))
        fits[student.participant_id] = fitting[seat]

    holder: dict[str, int] = {}  # brief code -> the one student who has it to themselves
    own: dict[int, str] = {}
    dead: set[str] = set()  # briefs from which no augmenting path leads, until the next success
    for student in sorted(order, key=lambda s: len(fits[s.participant_id])):
        if len(holder) == len(position):
            break  # every brief has its holder: the rest must share
        if fits[student.participant_id] and _augment(
            student.participant_id, fits, holder, own, dead
        ):
            dead.clear()

    brief_of: dict[int, str | None] = dict(own)
    uses: Counter[str] = Counter(own.values())
    in_delegation: Counter[tuple[str, str]] = Counter(
        (code, delegation_of[pid]) for pid, code in own.items()
    )
    sharers = [s.participant_id for s in order if s.participant_id not in own]
    for pid in sharers:
        if fits[pid]:
            delegation = delegation_of[pid]
            chosen = min(fits[pid], key=lambda code: (in_delegation[code, delegation], uses[code]))
            uses[chosen] += 1
            in_delegation[chosen, delegation] += 1
            brief_of[pid] = chosen
        else:
            brief_of[pid] = None
    _even_out_sharing(
        [s.participant_id for s in order], fits, brief_of, delegation_of, uses, in_delegation
    )
    return {s.participant_id: brief_of[s.participant_id] for s in order}


def _even_out_sharing(
    students: Sequence[int],
    fits: Mapping[int, Sequence[str]],
    brief_of: dict[int, str | None],
    delegation_of: Mapping[int, str],
    uses: Counter[str],
    in_delegation: Counter[tuple[str, str]],
) -> None:
    """Move students between fitting briefs until no move makes the sharing more even.

    The greedy pass above depends on the order students come in; this settles it. A student
    moves from brief b to c when c has two fewer holders in their delegation, or one fewer there
    and two fewer overall. Each move lowers the sum of squared holder counts (in delegations
    first, then overall), so the loop ends. A sole holder never moves (nothing has fewer than
    one holder), and nobody moves to an unused brief (the matching left none that fits a
    sharer), so as many different briefs stay in use.
    """
    moved = True
    while moved:
        moved = False
        for pid in students:
            current = brief_of[pid]
            if current is None:
                continue
            delegation = delegation_of[pid]
            here, used = in_delegation[current, delegation], uses[current]
            for code in fits[pid]:
                there = in_delegation[code, delegation]
                if there <= here - 2 or (there == here - 1 and uses[code] <= used - 2):
                    uses[current] -= 1
                    in_delegation[current, delegation] -= 1
                    uses[code] += 1
                    in_delegation[code, delegation] += 1
                    brief_of[pid] = code
                    moved = True
                    break


def _augment(
    start: int,
    fits: Mapping[int, Sequence[str]],
    holder: dict[str, int],
    own: dict[int, str],
    dead: set[str],
) -> bool:
    """Find `start` a brief of their own along the shortest alternating path, if one exists.

    Breadth first from the student: a free fitting brief is taken at once; a held one passes
    the search on to its holder, who might move to another. On success each student on the path
    moves one step along it. Briefs searched in vain are `dead` until the matching next changes.
    """
    came_from: dict[str, int] = {}
    queue = [start]
    for student in queue:  # the queue grows while it is walked
        for code in fits[student]:
            if code in dead or code in came_from:
                continue
            came_from[code] = student
            if code in holder:
                queue.append(holder[code])
                continue
            while True:
                taker = came_from[code]
                given_up = own.get(taker)
                holder[code], own[taker] = taker, code
                if given_up is None:
                    return True
                code = given_up
    dead.update(came_from)
    return False
