"""Auto-assignment of seats: delegation, sector, role brief, working groups, head and co-chairs.

An instructor with thirty students wants a sensible first draft in one click and then adjusts it
by hand, so this module only proposes. It balances delegations and sectors, hands out role briefs
that fit, names a head per delegation and spreads the co-chairing work. It is pure (plain data in,
plain data out) so the instructor page, the JSON API and the tests can share it, and a seed makes
a draft reproducible.

Briefs are handed out so that nobody shares one while a brief that fits their seat lies unused:
the sectors of new students lean towards the sectors briefs were written for, and briefs are then
matched to students as a maximum bipartite matching (as many students as possible get a brief of
their own). Only when there are more students than fitting briefs is a brief given twice, to the
one held by the fewest people of the student's own delegation, then by the fewest people overall:
two people in one caucus with the same secret goals is what a class notices first.

The steps run in this order because each needs the one before: a sector is balanced inside a
delegation, a brief fits a (delegation, sector) pair, a head is preferably a government official,
and working-group places are laid out around the co-chairs who must sit in the groups they chair.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.instructor.seating_briefs import hand_out_briefs
from app.instructor.seating_groups import place_in_groups

# A head of delegation speaks for a capital, so a government official is the natural pick.
HEAD_SECTOR = "government"

# Why nobody could be seated; the service turns these into messages for the instructor.
NO_MEMBER_DELEGATION = "no_member_delegation"
NO_SECTOR = "no_sector"


class NowhereToSeat(ValueError):
    """There is no member delegation, or no sector, for a student who needs one."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Seat:
    """What auto-assignment decides for one participant."""

    delegation: str  # delegation code
    sector: str  # sector code
    brief: str | None  # role brief code, or None when no brief fits
    groups: tuple[str, ...]  # working group codes
    head: bool  # head of delegation
    co_chair_of: tuple[str, ...]  # working group codes this person co-chairs


@dataclass(frozen=True)
class Student:
    """A participant to seat, with whatever the instructor (or a roster CSV) already decided."""

    participant_id: int
    name: str
    delegation: str | None  # already assigned (kept unless `reseat_all`)
    sector: str | None


@dataclass(frozen=True)
class BriefOption:
    """A role brief from the scenario; None in a field means it was written for any of them."""

    code: str
    delegation: str | None
    sector: str | None


def auto_assign(
    students: Sequence[Student],
    *,
    delegations: Sequence[str],
    sectors: Sequence[str],
    groups: Sequence[str],
    briefs: Sequence[BriefOption],
    groups_per_student: int = 0,
    reseat_all: bool = False,
    seed: int | None = None,
) -> dict[int, Seat]:
    """Propose a seat for every student.

    `delegations` are the member delegations in scenario order; only they receive new students,
    a head and co-chairs (observer delegations are not auto-filled, though a student the
    instructor already put in one stays there). `groups_per_student` 0 puts everyone in every
    working group; k > 0 puts each student in k groups, spread so each group gets about the same
    number from each delegation and the groups end up about the same size. A co-chair always
    sits in the groups they chair, even if that takes them past k. Unless `reseat_all`,
    delegations and sectors already set are kept and counted when balancing.

    Raises NowhereToSeat (a ValueError) when there is nowhere to seat a student (no member
    delegations or no sectors), and ValueError when `groups_per_student` is negative or a
    participant id repeats.
    """
    if groups_per_student < 0:
        raise ValueError("groups_per_student cannot be negative")
    ids = [student.participant_id for student in students]
    if len(set(ids)) != len(ids):
        raise ValueError("a participant appears more than once")
    if not students:
        return {}

    member_delegations = list(dict.fromkeys(delegations))
    group_codes = list(dict.fromkeys(groups))
    # Shuffle once, from a canonical order, so the result depends on the seed and not on the
    # order the caller happened to list the students in. Every later step walks this order.
    order = sorted(students, key=lambda student: student.participant_id)
    random.Random(seed).shuffle(order)  # noqa: S311 - fairness, not secrecy

    delegation_of = _seat_delegations(order, member_delegations, reseat_all)
    sector_of = _seat_sectors(
        order, delegation_of, list(dict.fromkeys(sectors)), briefs, reseat_all
    )
    brief_of = hand_out_briefs(order, delegation_of, sector_of, briefs)

    rosters: dict[str, list[Student]] = {}
    for student in order:
        rosters.setdefault(delegation_of[student.participant_id], []).append(student)
    heads = _pick_heads(rosters, sector_of, member_delegations)
    chairs = _pick_co_chairs(rosters, heads, group_codes)
    places = place_in_groups(rosters, chairs, group_codes, groups_per_student)

    head_ids = set(heads.values())
    return {
        pid: Seat(
            delegation=delegation_of[pid],
            sector=sector_of[pid],
            brief=brief_of[pid],
            groups=tuple(g for g in group_codes if g in places[pid]),
            head=pid in head_ids,
            co_chair_of=tuple(chairs.get(pid, ())),
        )
        for pid in sorted(ids)
    }


def _kept(value: str | None, reseat_all: bool) -> str | None:
    """An earlier decision survives unless the instructor asked to start over."""
    return None if reseat_all else value


def _seat_delegations(
    order: Sequence[Student], delegations: Sequence[str], reseat_all: bool
) -> dict[int, str]:
    """Fill the member delegations evenly, counting the students already seated in them.

    The smallest delegation gets the next newcomer, ties going to the earlier delegation. Among
    the newcomers, those who arrive with a sector are placed first, each where that sector is
    scarcest, so a roster that says "these four are officials" splits them across the sides.
    """
    seated: dict[int, str] = {}
    sizes = dict.fromkeys(delegations, 0)
    sector_counts: dict[str, Counter[str]] = {d: Counter() for d in delegations}
    newcomers: list[Student] = []
    for student in order:
        kept = _kept(student.delegation, reseat_all)
        if kept is None:
            newcomers.append(student)
            continue
        seated[student.participant_id] = kept
        if kept in sizes:
            sizes[kept] += 1
            sector = _kept(student.sector, reseat_all)
            if sector is not None:
                sector_counts[kept][sector] += 1
    if not newcomers:
        return seated
    if not delegations:
        raise NowhereToSeat(
            NO_MEMBER_DELEGATION, "there is no member delegation to seat students in"
        )

    room = dict.fromkeys(delegations, 0)
    for _ in newcomers:
        smallest = min(delegations, key=lambda d: sizes[d] + room[d])
        room[smallest] += 1

    with_sector = [s for s in newcomers if _kept(s.sector, reseat_all) is not None]
    without_sector = [s for s in newcomers if _kept(s.sector, reseat_all) is None]
    for student in with_sector:
        sector = student.sector
        assert sector is not None
        open_delegations = [d for d in delegations if room[d] > 0]
        chosen = min(open_delegations, key=lambda d: sector_counts[d][sector])
        seated[student.participant_id] = chosen
        sector_counts[chosen][sector] += 1
        room[chosen] -= 1
    free_seats = [d for d in delegations for _ in range(room[d])]
    for student, delegation in zip(without_sector, free_seats, strict=True):
        seated[student.participant_id] = delegation
    return seated


def _seat_sectors(
    order: Sequence[Student],
    delegation_of: Mapping[int, str],
    sectors: Sequence[str],
    briefs: Sequence[BriefOption],
    reseat_all: bool,
) -> dict[int, str]:
    """Within each delegation, give each student without a sector the scarcest one.

    Among the scarcest, a sector that still has a brief written for it (for this delegation or
    for any) comes first, so a second official is not seated while an executive's brief lies
    unused; when none has, the sector whose briefs would be shared by the fewest. Then scenario
    order decides, so a small delegation gets its government official (and so its natural head)
    before anything else.
    """
    sector_of: dict[int, str] = {}
    tallies: dict[str, dict[str, int]] = {}
    for student in order:
        tally = tallies.setdefault(delegation_of[student.participant_id], dict.fromkeys(sectors, 0))
        kept = _kept(student.sector, reseat_all)
        if kept is not None:
            sector_of[student.participant_id] = kept
            if kept in tally:
                tally[kept] += 1
    written_for = {
        delegation: {
            sector: len(
                {
                    b.code
                    for b in briefs
                    if b.sector == sector and b.delegation in (delegation, None)
                }
            )
            for sector in sectors
        }
        for delegation in tallies
    }
    for student in order:
        if student.participant_id in sector_of:
            continue
        if not sectors:
            raise NowhereToSeat(NO_SECTOR, "there is no sector to seat students in")
        delegation = delegation_of[student.participant_id]
        tally, room = tallies[delegation], written_for[delegation]
        scarcest = min(
            tally, key=lambda sector: (tally[sector], _crowding(tally[sector], room[sector]))
        )
        tally[scarcest] += 1
        sector_of[student.participant_id] = scarcest
    return sector_of


def _crowding(seated: int, briefs: int) -> float:
    """How many would share each of a sector's briefs with one more seated there; 1 while one is
    free (all free ones alike), infinite when the sector has no brief of its own."""
    return max(1.0, (seated + 1) / briefs) if briefs else math.inf


def _pick_heads(
    rosters: Mapping[str, Sequence[Student]],
    sector_of: Mapping[int, str],
    member_delegations: Sequence[str],
) -> dict[str, int]:
    """One head per member delegation with anyone in it: a government official if there is one.

    Among the candidates the first by name wins, so the choice is easy to predict and explain.
    """
    heads: dict[str, int] = {}
    for delegation in member_delegations:
        roster = rosters.get(delegation)
        if not roster:
            continue
        officials = [s for s in roster if sector_of[s.participant_id] == HEAD_SECTOR]
        head = min(officials or roster, key=lambda s: (s.name.casefold(), s.name, s.participant_id))
        heads[delegation] = head.participant_id
    return heads


def _pick_co_chairs(
    rosters: Mapping[str, Sequence[Student]],
    heads: Mapping[str, int],
    groups: Sequence[str],
) -> dict[int, list[str]]:
    """For every working group, one co-chair from each member delegation, dealt round-robin.

    Dealing the groups in turn to the delegation's students means nobody chairs a second group
    while a colleague chairs none. The head already carries the delegation, so they chair only
    when they are its sole member.
    """
    chairs: dict[int, list[str]] = {}
    for delegation, head in heads.items():
        others = [s.participant_id for s in rosters[delegation] if s.participant_id != head]
        candidates = others or [head]
        for i, group in enumerate(groups):
            chairs.setdefault(candidates[i % len(candidates)], []).append(group)
    return chairs


def balance_report(
    seats: Mapping[int, Seat],
    *,
    delegations: Sequence[str] = (),
    sectors: Sequence[str] = (),
) -> dict[str, dict[str, int]]:
    """Count seats per delegation and sector, for the instructor to check the balance at a glance.

    Every delegation row has every sector column, zeros included, so the page can draw a table.
    The optional `delegations` and `sectors` give scenario order (and show empty ones); codes
    found only in the seats follow in alphabetical order.
    """
    rows = list(dict.fromkeys([*delegations, *sorted({s.delegation for s in seats.values()})]))
    columns = list(dict.fromkeys([*sectors, *sorted({s.sector for s in seats.values()})]))
    report = {delegation: dict.fromkeys(columns, 0) for delegation in rows}
    for seat in seats.values():
        report[seat.delegation][seat.sector] += 1
    return report
