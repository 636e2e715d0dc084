"""The after-action report: who may read it, and how often groups voted alike. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Any, NamedTuple

from app.commissions.rules import Viewer


def can_read_report(viewer: Viewer, shared_with_class: bool) -> bool:
    """The commission's instructors always; its members once an instructor shares it."""
    return viewer.is_instructor or (shared_with_class and viewer.is_member)


def can_share_report(viewer: Viewer) -> bool:
    return viewer.is_instructor


def can_export_participation(viewer: Viewer) -> bool:
    """The participation CSV is for grading: instructors only, shared report or not."""
    return viewer.is_instructor


class BallotGroup(NamedTuple):
    """How many roll-call ballots of one delegation and sector made one choice in one vote."""

    vote_id: int
    delegation_id: int
    sector_id: int | None
    choice: str
    voters: int


@dataclass(frozen=True)
class Agreement:
    """How often two groups voted alike: `alike` of `pairs` pairs of ballots chose the same."""

    first: int
    second: int
    alike: int
    pairs: int

    @property
    def share(self) -> float | None:
        return self.alike / self.pairs if self.pairs else None


class _Side:
    """One group's roll-call ballots in one vote, counted by choice and by seat."""

    __slots__ = ("by_choice", "by_delegation", "by_delegation_choice", "total")

    def __init__(self) -> None:
        self.total = 0
        self.by_choice: dict[str, int] = {}
        self.by_delegation: dict[int, int] = {}
        self.by_delegation_choice: dict[tuple[int, str], int] = {}

    def add(self, ballot: BallotGroup) -> None:
        n, seat = ballot.voters, (ballot.delegation_id, ballot.choice)
        self.total += n
        self.by_choice[ballot.choice] = self.by_choice.get(ballot.choice, 0) + n
        self.by_delegation[seat[0]] = self.by_delegation.get(seat[0], 0) + n
        self.by_delegation_choice[seat] = self.by_delegation_choice.get(seat, 0) + n


def _products(x: dict[Any, int], y: dict[Any, int]) -> int:
    return sum(n * y.get(k, 0) for k, n in x.items())


def _pairs(x: _Side, y: _Side, *, same: bool, across: bool) -> tuple[int, int]:
    """(alike pairs, all pairs) of one voter from x and one from y, by counting, not listing.

    Ordered pairs are products of counts; pairs inside one delegation are subtracted when only
    pairs across the delegation line count, a voter paired with themself when x is y; and
    when x is y each unordered pair was counted twice.
    """
    alike = _products(x.by_choice, y.by_choice)
    pairs = x.total * y.total
    if across:
        alike -= _products(x.by_delegation_choice, y.by_delegation_choice)
        pairs -= _products(x.by_delegation, y.by_delegation)
    elif same:
        alike -= x.total
        pairs -= x.total
    return (alike // 2, pairs // 2) if same else (alike, pairs)


def _agreement(
    ballots: Iterable[BallotGroup], key: Callable[[BallotGroup], int | None], *, across: bool
) -> list[Agreement]:
    votes: dict[int, dict[int, _Side]] = {}
    for ballot in ballots:
        group = key(ballot)
        if group is not None:
            sides = votes.setdefault(ballot.vote_id, {})
            side = sides.get(group) or sides.setdefault(group, _Side())
            side.add(ballot)
    sums: dict[tuple[int, int], tuple[int, int]] = {}
    for sides in votes.values():
        for a, b in combinations_with_replacement(sorted(sides), 2):
            alike, pairs = _pairs(sides[a], sides[b], same=a == b, across=across)
            if pairs:
                before = sums.get((a, b), (0, 0))
                sums[(a, b)] = (before[0] + alike, before[1] + pairs)
    return [Agreement(a, b, alike, pairs) for (a, b), (alike, pairs) in sorted(sums.items())]


def delegation_agreement(ballots: Iterable[BallotGroup]) -> list[Agreement]:
    """Per pair of delegations, how often their voters chose alike on the same roll-call vote.

    "Alike" is counted over pairs of voters: for delegations A and B, every pair of one voter
    from A and one from B who both cast a roll-call ballot in the same vote is one pair; it is
    alike when both chose the same (yes and yes, no and no, or abstain and abstain). The share
    is alike pairs over all pairs, pooled over every vote given, so a vote with many voters
    weighs more than one with few. A delegation paired with itself counts pairs of two of its
    own voters: how united it voted.
    """
    return _agreement(ballots, lambda b: b.delegation_id, across=False)


def sector_agreement(
    ballots: Iterable[BallotGroup], *, across_delegations: bool
) -> list[Agreement]:
    """Per pair of sectors, how often their voters chose alike, as `delegation_agreement` does.

    With `across_delegations`, only pairs of voters from different delegations count: how
    often, say, academics on one side voted like industry (or like academics) on the other.
    That answers "which sectors voted together across the delegation line". Ballots of voters
    without a sector are left out.
    """
    return _agreement(ballots, lambda b: b.sector_id, across=across_delegations)
