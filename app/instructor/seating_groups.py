"""Placing students in working groups (app.instructor.seating): k groups each, spread evenly
across the groups and within each delegation, with every co-chair in the groups they chair. Pure,
like the rest of auto-assignment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.instructor.seating import Student


def place_in_groups(
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
