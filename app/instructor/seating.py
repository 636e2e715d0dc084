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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

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


def _fit(option: BriefOption, delegation: str, sector: str) -> int | None:
    """How well a brief fits a seat, 0 best, or None when it contradicts the seat.

    0: written for this delegation and sector; 1: for the delegation as a whole; 2: for the
    sector on any side; 3: for anybody.
    """
    if option.delegation not in (None, delegation) or option.sector not in (None, sector):
        return None
    return (2 if option.delegation is None else 0) + (1 if option.sector is None else 0)


def _hand_out_briefs(
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
    """Put each student in their working groups; see `_spread_delegation` for k groups each.

    Delegations are spread one after another, each told how full the groups already are, so
    that the groups, not only each delegation's share of them, come out the same size.
    """
    places: dict[int, set[str]] = {}
    if per_student == 0 or per_student >= len(groups):
        for roster in rosters.values():
            places.update((s.participant_id, set(groups)) for s in roster)
        return places
    sizes = dict.fromkeys(groups, 0)
    for roster in rosters.values():
        held = _spread_delegation(
            [s.participant_id for s in roster], chairs, groups, per_student, sizes
        )
        places.update(held)
        for pid_groups in held.values():
            for group in pid_groups:
                sizes[group] += 1
    return places


def _spread_delegation(
    ids: Sequence[int],
    chairs: Mapping[int, Sequence[str]],
    groups: Sequence[str],
    per_student: int,
    sizes: Mapping[str, int],
) -> dict[int, set[str]]:
    """Give one delegation's students `per_student` groups each, evenly across the groups.

    Each student takes max(k, groups they chair) places. Those places are split across the
    groups as evenly as they divide, and the groups that get one more of this delegation are
    the emptiest so far (`sizes`), so group sizes stay within one of each other across
    delegations too. Co-chairs' places can rule a choice out (a co-chair of two groups who has
    one free place cannot be in both of the others), so the choices are tried from the best
    down; one always works, because an even spread always exists: while a group has two more of
    the delegation than another, at least two of them are missing from the emptier one and at
    most one is the fuller group's co-chair, so someone can move.
    """
    quota = {pid: max(per_student, len(chairs.get(pid, ()))) for pid in ids}
    even, extra = divmod(sum(quota.values()), len(groups))
    for fuller in _choices_of_fuller_groups(groups, extra, sizes):
        held = _fill_groups(ids, chairs, groups, quota, {g: even + (g in fuller) for g in groups})
        if held is not None:
            return held
    raise AssertionError("no even spread of the working groups")  # pragma: no cover


def _choices_of_fuller_groups(
    groups: Sequence[str], extra: int, sizes: Mapping[str, int]
) -> Iterator[tuple[str, ...]]:
    """Which `extra` groups take one more person: the emptiest first, then every other choice."""
    best = tuple(sorted(groups, key=lambda g: sizes[g])[:extra])
    yield best
    others = (c for c in combinations(groups, extra) if set(c) != set(best))
    yield from sorted(others, key=lambda chosen: sum(sizes[g] for g in chosen))


def _fill_groups(
    ids: Sequence[int],
    chairs: Mapping[int, Sequence[str]],
    groups: Sequence[str],
    quota: Mapping[int, int],
    share: Mapping[str, int],
) -> dict[int, set[str]] | None:
    """Place everyone so each group holds exactly its `share`, or None when that cannot be.

    Co-chairs are placed in their groups first; everyone else then fills their places from the
    groups furthest below their share. Because a co-chair cannot pick the group they already
    hold, that greedy pass can leave a group above its share; a repair pass then moves people
    along a chain of groups (someone from the full group into the next, someone from that one
    into the next ...) until it ends in a group below its share. If some placement meets the
    shares, such a chain exists (follow the differences between the two placements), so when
    none does, the shares are impossible.
    """
    held = {pid: set(chairs.get(pid, ())) for pid in ids}
    members: dict[str, set[int]] = {g: set() for g in groups}
    for pid in ids:
        for group in held[pid]:
            members[group].add(pid)
    for pid in sorted(ids, key=lambda p: quota[p] - len(held[p]), reverse=True):
        open_groups = sorted(
            (g for g in groups if g not in held[pid]), key=lambda g: len(members[g]) - share[g]
        )
        for group in open_groups[: quota[pid] - len(held[pid])]:
            held[pid].add(group)
            members[group].add(pid)

    while any(len(members[g]) > share[g] for g in groups):
        chain = _chain_of_moves(members, share, chairs, groups)
        if chain is None:
            return None
        for source, target, pid in chain:
            held[pid].remove(source)
            members[source].remove(pid)
            held[pid].add(target)
            members[target].add(pid)
    return held


def _chain_of_moves(
    members: Mapping[str, set[int]],
    share: Mapping[str, int],
    chairs: Mapping[int, Sequence[str]],
    groups: Sequence[str],
) -> list[tuple[str, str, int]] | None:
    """The shortest chain of moves from a group above its share to one below it.

    A move takes someone out of one group (not its co-chair) into a group they are not in. The
    people on a shortest chain are all different and each move leaves the next one possible.
    """
    step: dict[str, tuple[str, int] | None] = {
        g: None for g in groups if len(members[g]) > share[g]
    }
    queue = list(step)
    for source in queue:
        for target in groups:
            if target in step:
                continue
            mover = next(
                (
                    pid
                    for pid in sorted(members[source] - members[target])
                    if source not in chairs.get(pid, ())
                ),
                None,
            )
            if mover is None:
                continue
            step[target] = (source, mover)
            if len(members[target]) < share[target]:
                chain: list[tuple[str, str, int]] = []
                while (previous := step[target]) is not None:
                    chain.append((previous[0], target, previous[1]))
                    target = previous[0]
                return chain[::-1]
            queue.append(target)
    return None


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
