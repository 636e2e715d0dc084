"""Voting vocabulary and the tally: whether a vote adopts its proposal, and why, in plain words.

The tally is pure (no database, no I/O) so that the page, the API, the live feed and the charter
all explain an outcome with the same sentences, and so that the rules can be tested exhaustively.
Every sentence is one whole translatable message: languages order a count, a name and a verdict
differently, so sentences are never assembled from translated pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil

from app.commissions.rules import BALLOT_UNITS, VOTING_RULES, Seat
from app.i18n import gettext as _
from app.i18n import ngettext

CHOICES = ("yes", "no", "abstain")
DEFAULT_QUORUM = 0.5


# --- who votes ------------------------------------------------------------------------------
# One decision, from which the ballot form, the refusal of a ballot, the tally's eligible counts,
# the dashboard's "not yet voted" and the API all derive.


def can_vote(seat: Seat, ballot_unit: str) -> bool:
    """Delegates of member delegations in the working group vote; under ballot unit
    "delegation" the head of each member delegation votes for it, in the group or not."""
    if seat.role != "delegate" or seat.delegation_id is None or not seat.delegation_is_member:
        return False
    if ballot_unit == "delegation":
        return seat.is_head
    return seat.in_group


def eligible_voters(seats: Iterable[Seat], ballot_unit: str) -> list[Seat]:
    """The seats that may cast a ballot in a vote under this ballot unit."""
    return [seat for seat in seats if can_vote(seat, ballot_unit)]


def eligible_by_delegation(seats: Iterable[Seat], ballot_unit: str) -> dict[int, int]:
    """How many ballots each delegation may cast: its eligible delegates, or one when its
    head votes for it."""
    counts: dict[int, int] = {}
    for seat in eligible_voters(seats, ballot_unit):
        assert seat.delegation_id is not None  # can_vote requires a delegation
        counts[seat.delegation_id] = counts.get(seat.delegation_id, 0) + 1
    if ballot_unit == "delegation":
        return dict.fromkeys(counts, 1)
    return counts


def not_yet_voted(
    seats: Iterable[Seat], ballot_unit: str, voted_participant_ids: set[int]
) -> list[Seat]:
    """Who may still vote: eligible seats without a ballot, and under ballot unit "delegation"
    the heads of delegations that have not voted (another head may have voted for it)."""
    eligible = eligible_voters(seats, ballot_unit)
    done = {s.delegation_id for s in eligible if s.participant_id in voted_participant_ids}
    return [
        s
        for s in eligible
        if awaits_ballot(
            s,
            ballot_unit,
            voted=s.participant_id in voted_participant_ids,
            delegation_voted=s.delegation_id in done,
        )
    ]


def awaits_ballot(seat: Seat, ballot_unit: str, *, voted: bool, delegation_voted: bool) -> bool:
    """Whether one seat may still cast a ballot: it may vote, and has not; under ballot unit
    "delegation" the head casts one ballot for the delegation, so a ballot by it settles it."""
    if not can_vote(seat, ballot_unit):
        return False
    return not (delegation_voted if ballot_unit == "delegation" else voted)


def everyone_has_voted(cast: int, eligible: int) -> bool:
    """Every eligible ballot is in: a chair can close without waiting for anyone."""
    return eligible > 0 and cast >= eligible


@dataclass(frozen=True)
class DelegationCount:
    """One delegation's ballots in one vote, as counted by the caller.

    Observers (``is_member=False``) speak but do not vote, so their counts are ignored even if a
    caller passes some: the tally must not depend on how carefully the caller filtered.
    """

    code: str
    name: str
    is_member: bool
    eligible: int
    yes: int = 0
    no: int = 0
    abstain: int = 0

    def __post_init__(self) -> None:
        # A count that cannot happen would silently change an outcome, so refuse it loudly.
        if min(self.eligible, self.yes, self.no, self.abstain) < 0:
            raise ValueError(f"{self.code}: counts cannot be negative")
        if self.cast > self.eligible:
            raise ValueError(f"{self.code}: {self.cast} ballots cast but {self.eligible} eligible")

    @property
    def cast(self) -> int:
        """Ballots cast, abstentions included: they count for the quorum."""
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class VoteRule:
    """The rules a vote runs under, copied from its working group when the vote opens."""

    voting_rule: str = "double_majority"
    quorum: float = DEFAULT_QUORUM
    ballot_unit: str = "delegate"

    def __post_init__(self) -> None:
        if self.voting_rule not in VOTING_RULES:
            raise ValueError(f"unknown voting rule {self.voting_rule!r}")
        if self.ballot_unit not in BALLOT_UNITS:
            raise ValueError(f"unknown ballot unit {self.ballot_unit!r}")
        if not 0 <= self.quorum <= 1:
            raise ValueError(f"quorum must be a share between 0 and 1, not {self.quorum!r}")


@dataclass(frozen=True)
class TallyResult:
    """The outcome of a vote (or of an open vote, were it closed now) with its reasons.

    Totals cover member delegations only. ``lines`` are whole sentences: one per member
    delegation, then one for the voting rule, one for the quorum and one on abstentions.
    """

    adopted: bool
    final: bool
    quorum_met: bool
    eligible: int
    cast: int
    yes: int
    no: int
    abstain: int
    lines: tuple[str, ...]
    summary: str

    @property
    def explanation(self) -> str:
        """The reasons as one paragraph, for places that show a single block of text."""
        return " ".join(self.lines)


def decide(rule: VoteRule, counts: Sequence[DelegationCount], *, final: bool) -> TallyResult:
    """Tally a vote: adopted only if the quorum is met and the voting rule is satisfied.

    ``final`` marks a closed vote. It changes only the summary's wording, never the outcome, so
    the provisional tally shown while voting is open always matches what closing would record.
    """
    members = _members(counts)
    rule_met = _RULE_IS_MET[rule.voting_rule](members)
    has_quorum = quorum_met(rule, counts)
    adopted = rule_met and has_quorum
    lines = (
        *(_delegation_line(rule, delegation) for delegation in members),
        _rule_line(rule.voting_rule, members, rule_met),
        _quorum_line(rule, members, has_quorum),
        _abstention_note(rule.voting_rule),
    )
    return TallyResult(
        adopted=adopted,
        final=final,
        quorum_met=has_quorum,
        eligible=sum(d.eligible for d in members),
        cast=sum(d.cast for d in members),
        yes=_total_yes(members),
        no=_total_no(members),
        abstain=sum(d.abstain for d in members),
        lines=lines,
        summary=_summary(adopted=adopted, final=final),
    )


def quorum_met(rule: VoteRule, counts: Sequence[DelegationCount]) -> bool:
    """Whether enough eligible member voters cast a ballot (abstaining counts as casting one).

    With nobody eligible there is no quorum to meet, unless the rule asks for none at all.
    """
    members = _members(counts)
    eligible = sum(d.eligible for d in members)
    if eligible == 0:
        return _quorum_share(rule) == 0
    return sum(d.cast for d in members) >= _ballots_needed(rule, eligible)


# --- Arithmetic --------------------------------------------------------------------------------


def _members(counts: Sequence[DelegationCount]) -> tuple[DelegationCount, ...]:
    return tuple(d for d in counts if d.is_member)


def _total_yes(members: Sequence[DelegationCount]) -> int:
    return sum(d.yes for d in members)


def _total_no(members: Sequence[DelegationCount]) -> int:
    return sum(d.no for d in members)


def _quorum_share(rule: VoteRule) -> Fraction:
    """The quorum as the exact decimal the rule was written with.

    ``Fraction(0.7)`` is slightly above 7/10 as a binary float, which would make 7 of 10 ballots
    miss a 0.7 quorum; ``str`` gives back the shortest decimal, "0.7", which is exact.
    """
    return Fraction(str(rule.quorum))


def _ballots_needed(rule: VoteRule, eligible: int) -> int:
    """The fewest ballots that reach the quorum share of ``eligible`` voters."""
    return ceil(_quorum_share(rule) * eligible)


def _has_majority(delegation: DelegationCount) -> bool:
    # Ties fail, so yes must strictly outnumber no among those present and voting.
    return delegation.yes > delegation.no


def _double_majority_met(members: Sequence[DelegationCount]) -> bool:
    # Without any member delegation there is no majority anywhere, not a majority everywhere.
    return bool(members) and all(_has_majority(d) for d in members)


def _simple_majority_met(members: Sequence[DelegationCount]) -> bool:
    return _total_yes(members) > _total_no(members)


def _two_thirds_met(members: Sequence[DelegationCount]) -> bool:
    yes, no = _total_yes(members), _total_no(members)
    # Integer form of yes / (yes + no) >= 2/3; nobody present and voting is no majority.
    return yes > 0 and 3 * yes >= 2 * (yes + no)


def _consensus_met(members: Sequence[DelegationCount]) -> bool:
    return _total_no(members) == 0 and _total_yes(members) > 0


def _unanimity_met(members: Sequence[DelegationCount]) -> bool:
    # No delegation casts more ballots than it has voters, so yes == eligible leaves no room for
    # a no, an abstention or an absence; yes > 0 keeps a vote with nobody eligible from passing.
    yes = _total_yes(members)
    return yes > 0 and yes == sum(d.eligible for d in members)


_RULE_IS_MET: dict[str, Callable[[Sequence[DelegationCount]], bool]] = {
    "double_majority": _double_majority_met,
    "simple_majority": _simple_majority_met,
    "two_thirds": _two_thirds_met,
    "consensus": _consensus_met,
    "unanimity": _unanimity_met,
}


# --- Sentences ---------------------------------------------------------------------------------


def _delegation_line(rule: VoteRule, delegation: DelegationCount) -> str:
    """One delegation's ballots, with what they mean under the rule where that is per delegation.

    When a delegation votes as one (ballot unit "delegation") its single vote is the whole story.
    """
    if rule.ballot_unit == "delegation" and delegation.eligible == 1:
        return _delegation_vote_line(delegation)
    yes, no = delegation.yes, delegation.no
    figures = {"name": delegation.name, "yes": yes, "no": no, "abstain": delegation.abstain}
    if rule.voting_rule == "double_majority":
        if _has_majority(delegation):
            return _("%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: majority.", **figures)
        if yes == no == 0:
            return _(
                "%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: "
                "no one present and voting, fails.",
                **figures,
            )
        if yes == no:
            return _(
                "%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: tie, fails.", **figures
            )
        return _("%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: no majority.", **figures)
    if rule.voting_rule == "consensus":
        if no > 0:
            return _(
                "%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: blocks consensus.",
                **figures,
            )
        return _("%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain: no objection.", **figures)
    if rule.voting_rule == "unanimity":
        return _(
            "%(name)s: %(yes)d of %(eligible)d eligible voted yes.",
            name=delegation.name,
            yes=yes,
            eligible=delegation.eligible,
        )
    # Simple and two-thirds majorities count across delegations: report the counts only.
    return _("%(name)s: %(yes)d yes, %(no)d no, %(abstain)d abstain.", **figures)


def _delegation_vote_line(delegation: DelegationCount) -> str:
    if delegation.yes:
        return _("%(name)s votes yes.", name=delegation.name)
    if delegation.no:
        return _("%(name)s votes no.", name=delegation.name)
    if delegation.abstain:
        return _("%(name)s abstains.", name=delegation.name)
    return _("%(name)s has not voted.", name=delegation.name)


def _rule_line(voting_rule: str, members: Sequence[DelegationCount], met: bool) -> str:
    """Whether the voting rule is satisfied, with the figures it turns on."""
    yes, no = _total_yes(members), _total_no(members)
    if voting_rule == "double_majority":
        return _("Double majority: met.") if met else _("Double majority: not met.")
    if voting_rule == "simple_majority":
        if met:
            return _("Simple majority: %(yes)d yes to %(no)d no, met.", yes=yes, no=no)
        if yes == no:
            return _("Simple majority: %(yes)d yes to %(no)d no, tie, fails.", yes=yes, no=no)
        return _("Simple majority: %(yes)d yes to %(no)d no, not met.", yes=yes, no=no)
    if voting_rule == "two_thirds":
        if yes + no == 0:
            return _("Two-thirds majority: no one present and voting, not met.")
        if met:
            return _(
                "Two-thirds majority: %(yes)d of %(voting)d present and voting said yes, met.",
                yes=yes,
                voting=yes + no,
            )
        return _(
            "Two-thirds majority: %(yes)d of %(voting)d present and voting said yes, not met.",
            yes=yes,
            voting=yes + no,
        )
    if voting_rule == "consensus":
        if no > 0:
            return ngettext(
                "Consensus: blocked by %(num)d no vote.",
                "Consensus: blocked by %(num)d no votes.",
                no,
            )
        if met:
            return ngettext(
                "Consensus: no objection and %(num)d yes vote, met.",
                "Consensus: no objection and %(num)d yes votes, met.",
                yes,
            )
        return _("Consensus: no objection but no yes vote, not met.")
    eligible = sum(d.eligible for d in members)
    if met:
        return _(
            "Unanimity: %(yes)d of %(eligible)d eligible voted yes, met.",
            yes=yes,
            eligible=eligible,
        )
    return _(
        "Unanimity: %(yes)d of %(eligible)d eligible voted yes, not met.",
        yes=yes,
        eligible=eligible,
    )


def _quorum_line(rule: VoteRule, members: Sequence[DelegationCount], met: bool) -> str:
    eligible = sum(d.eligible for d in members)
    if eligible == 0 and not met:
        return _("Quorum: no one is eligible to vote, not met.")
    figures = {
        "cast": sum(d.cast for d in members),
        "eligible": eligible,
        "needed": _ballots_needed(rule, eligible),
    }
    if met:
        return _(
            "Quorum: %(cast)d of %(eligible)d eligible cast a ballot; %(needed)d needed, met.",
            **figures,
        )
    return _(
        "Quorum: %(cast)d of %(eligible)d eligible cast a ballot; %(needed)d needed, not met.",
        **figures,
    )


def _abstention_note(voting_rule: str) -> str:
    """What an abstention did, stated under every tally so nobody has to guess.

    It depends on the rule: majorities leave abstentions out of those present and voting,
    consensus is not blocked by them, and unanimity is broken by them.
    """
    if voting_rule == "consensus":
        return _("Abstentions do not block consensus.")
    if voting_rule == "unanimity":
        return _("Abstentions and absences break unanimity.")
    return _("Abstentions are not counted as present and voting.")


def _summary(*, adopted: bool, final: bool) -> str:
    if final:
        return _("Adopted.") if adopted else _("Rejected.")
    if adopted:
        return _("Would pass if the vote closed now.")
    return _("Would fail if the vote closed now.")
