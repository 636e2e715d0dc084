"""Auto-assignment of seats: delegation, sector, role brief, working groups, head and co-chairs.

An instructor with thirty students wants a sensible first draft in one click and then adjusts it
by hand, so this module only proposes. It balances delegations and sectors, hands out role briefs
that fit, names a head per delegation and spreads the co-chairing work. It is pure (plain data in,
plain data out) so the instructor page, the JSON API and the tests can share it, and a seed makes
a draft reproducible.

The steps run in this order because each needs the one before: a sector is balanced inside a
delegation, a brief fits a (delegation, sector) pair, a head is preferably a government official,
and working-group places are laid out around the co-chairs who must sit in the groups they chair.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# A head of delegation speaks for a capital, so a government official is the natural pick.
HEAD_SECTOR = "government"


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
    number from each delegation. A co-chair always sits in the groups they chair, even if that
    takes them past k. Unless `reseat_all`, delegations and sectors already set are kept and
    counted when balancing.

    Raises ValueError when there is nowhere to seat a student (no member delegations or no
    sectors), when `groups_per_student` is negative, or when a participant id repeats.
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
    sector_of = _seat_sectors(order, delegation_of, list(dict.fromkeys(sectors)), reseat_all)
    brief_of = _hand_out_briefs(order, delegation_of, sector_of, briefs)

    rosters: dict[str, list[Student]] = {}
    for student in order:
        rosters.setdefault(delegation_of[student.participant_id], []).append(student)
    heads = _pick_heads(rosters, sector_of, member_delegations)
    chairs = _pick_co_chairs(rosters, heads, group_codes)
    places = _place_in_groups(rosters, chairs, group_codes, groups_per_student)

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
        raise ValueError("there is no member delegation to seat students in")

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
    reseat_all: bool,
) -> dict[int, str]:
    """Within each delegation, give each student without a sector the scarcest one.

    Ties go to the earlier sector in scenario order, so a small delegation gets its government
    official (and so its natural head) before anything else.
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
    for student in order:
        if student.participant_id in sector_of:
            continue
        if not sectors:
            raise ValueError("there is no sector to seat students in")
        tally = tallies[delegation_of[student.participant_id]]
        scarcest = min(tally, key=tally.__getitem__)
        tally[scarcest] += 1
        sector_of[student.participant_id] = scarcest
    return sector_of


def _hand_out_briefs(
    order: Sequence[Student],
    delegation_of: Mapping[int, str],
    sector_of: Mapping[int, str],
    briefs: Sequence[BriefOption],
) -> dict[int, str | None]:
    """Give each student the best-fitting role brief, sharing one out only when all are taken.

    Fit comes first: a brief for this delegation and sector; else one written for the delegation
    as a whole; else one for the sector in any delegation; else one for anybody; else none. A
    brief for another sector is never given, since it would contradict the seat. Within the
    best tier the least-used brief wins, so no brief is handed out twice while a fitting one is
    still unused, and when they must be shared they are shared evenly.
    """
    by_fit: dict[tuple[str | None, str | None], list[str]] = {}
    for option in briefs:
        codes = by_fit.setdefault((option.delegation, option.sector), [])
        if option.code not in codes:
            codes.append(option.code)
    uses: Counter[str] = Counter()
    brief_of: dict[int, str | None] = {}
    for student in order:
        delegation = delegation_of[student.participant_id]
        sector = sector_of[student.participant_id]
        chosen: str | None = None
        for fit in ((delegation, sector), (delegation, None), (None, sector), (None, None)):
            candidates = by_fit.get(fit)
            if candidates:
                chosen = min(candidates, key=uses.__getitem__)
                uses[chosen] += 1
                break
        brief_of[student.participant_id] = chosen
    return brief_of


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


def _place_in_groups(
    rosters: Mapping[str, Sequence[Student]],
    chairs: Mapping[int, Sequence[str]],
    groups: Sequence[str],
    per_student: int,
) -> dict[int, set[str]]:
    """Put each student in their working groups; see `_spread_delegation` for k groups each."""
    places: dict[int, set[str]] = {}
    for roster in rosters.values():
        ids = [s.participant_id for s in roster]
        if per_student == 0 or per_student >= len(groups):
            places.update((pid, set(groups)) for pid in ids)
        else:
            places.update(_spread_delegation(ids, chairs, groups, per_student))
    return places


def _spread_delegation(
    ids: Sequence[int],
    chairs: Mapping[int, Sequence[str]],
    groups: Sequence[str],
    per_student: int,
) -> dict[int, set[str]]:
    """Give one delegation's students `per_student` groups each, evenly across the groups.

    Co-chairs are placed in their groups first. Everyone else then fills their places from the
    emptiest groups. Because a co-chair cannot pick the group they already hold, that greedy
    pass can leave a group two ahead of another; a repair pass then moves someone from the
    fullest group to the emptiest until every group is within one of the others. Someone can
    always move: the fullest group has at least two more of this delegation than the emptiest,
    so at least two of them are missing from it, and at most one is the fullest group's co-chair.
    """
    held = {pid: set(chairs.get(pid, ())) for pid in ids}
    members: dict[str, set[int]] = {g: set() for g in groups}
    for pid in ids:
        for group in held[pid]:
            members[group].add(pid)

    for pid in ids:
        missing = per_student - len(held[pid])
        if missing <= 0:
            continue
        open_groups = sorted(
            (g for g in groups if g not in held[pid]), key=lambda g: len(members[g])
        )
        for group in open_groups[:missing]:
            held[pid].add(group)
            members[group].add(pid)

    while True:
        fullest = max(groups, key=lambda g: len(members[g]))
        emptiest = min(groups, key=lambda g: len(members[g]))
        if len(members[fullest]) - len(members[emptiest]) <= 1:
            return held
        for pid in ids:
            movable = pid in members[fullest] and fullest not in chairs.get(pid, ())
            if movable and pid not in members[emptiest]:
                held[pid].remove(fullest)
                members[fullest].remove(pid)
                held[pid].add(emptiest)
                members[emptiest].add(pid)
                break
        else:  # pragma: no cover - ruled out by the argument in the docstring
            raise AssertionError("no student can move between working groups")


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
