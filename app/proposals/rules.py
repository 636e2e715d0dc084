"""A proposal's life: stages, who may do what, and what tabling needs. Pure decisions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.commissions.rules import Seat
from app.i18n import gettext as _

STAGES = ("draft", "tabled", "debate", "voting", "adopted", "rejected", "withdrawn")
STANCES = ("support", "oppose", "question", "note")
SPONSORSHIP_STATUSES = ("invited", "accepted", "declined")
AMENDMENT_STATUSES = ("proposed", "accepted", "voting", "adopted", "rejected", "withdrawn")

EDITABLE_STAGES = frozenset({"draft", "rejected"})
WITHDRAWABLE_STAGES = frozenset({"draft", "tabled", "debate"})
DEBATE_STAGES = frozenset({"debate", "voting"})


@dataclass(frozen=True)
class ProposalFacts:
    stage: str
    author_ids: frozenset[int]
    sponsor_ids: frozenset[int]  # everyone asked to sponsor, whatever their answer
    chairs_move_stages: bool
    # Once the commission concludes, its record is final: nothing may be written any more.
    session_over: bool = False


def is_author(seat: Seat, proposal: ProposalFacts) -> bool:
    return seat.participant_id in proposal.author_ids


def open_to_members(proposal: ProposalFacts) -> bool:
    """Whether every member of the commission may read the proposal: all but a draft."""
    return proposal.stage != "draft"


def can_view(seat: Seat | None, proposal: ProposalFacts) -> bool:
    """A draft is for its authors and the delegates asked to sponsor it; the rest for members."""
    if seat is None:
        return False
    if open_to_members(proposal):
        return True
    return seat.participant_id in proposal.author_ids | proposal.sponsor_ids


def can_draft_in_group(seat: Seat) -> bool:
    return seat.role == "delegate" and seat.delegation_id is not None and seat.in_group


def can_edit(seat: Seat, proposal: ProposalFacts) -> bool:
    """Authors edit a draft, or a rejected proposal they revise for a new round."""
    return (
        not proposal.session_over
        and is_author(seat, proposal)
        and proposal.stage in EDITABLE_STAGES
    )


def can_withdraw(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and is_author(seat, proposal)
        and proposal.stage in WITHDRAWABLE_STAGES
    )


def can_respond_to_sponsorship(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and seat.participant_id in proposal.sponsor_ids
        and proposal.stage in EDITABLE_STAGES
    )


def can_chair(seat: Seat, proposal: ProposalFacts) -> bool:
    """Instructors always; the group's co-chairs when the group lets them move stages."""
    if proposal.session_over:
        return False
    return seat.is_instructor or (seat.is_co_chair and proposal.chairs_move_stages)


def can_argue(seat: Seat, proposal: ProposalFacts) -> bool:
    if proposal.session_over or proposal.stage not in DEBATE_STAGES:
        return False
    return seat.is_instructor or (seat.in_group and seat.delegation_id is not None)


def can_hide_argument(seat: Seat) -> bool:
    return seat.is_instructor


def can_propose_amendment(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and proposal.stage == "debate"
        and (seat.is_instructor or (seat.in_group and seat.delegation_id is not None))
    )


def can_accept_amendment(seat: Seat, proposal: ProposalFacts) -> bool:
    """The authors take an amendment as friendly while debate is open."""
    return not proposal.session_over and proposal.stage == "debate" and is_author(seat, proposal)


# What each stage-moving action needs and where it leads.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "table": (EDITABLE_STAGES, "tabled"),
    "open_debate": (frozenset({"tabled"}), "debate"),
    "open_vote": (frozenset({"debate"}), "voting"),
    "withdraw": (WITHDRAWABLE_STAGES, "withdrawn"),
}


def may_move(action: str, seat: Seat, proposal: ProposalFacts) -> bool:
    """Whether this seat may take this stage action now (closing a vote is decided by the tally)."""
    if proposal.session_over or action not in TRANSITIONS:
        return False
    if proposal.stage not in TRANSITIONS[action][0]:
        return False
    if action == "table":
        return is_author(seat, proposal)
    if action == "withdraw":
        return can_withdraw(seat, proposal)
    return can_chair(seat, proposal)


@dataclass(frozen=True)
class SponsorDelegation:
    delegation_id: int
    name: str
    is_member: bool


def sponsorship_shortfall(
    rule: str,
    delegations: Iterable[SponsorDelegation],
    drafter_delegation_id: int | None,
    backing_delegation_ids: Iterable[int],
) -> list[str]:
    """What tabling still needs, as sentences; empty when the rule holds.

    Authors back a proposal for their own delegation; so does every accepted sponsor.
    """
    backing = set(backing_delegation_ids)
    delegations = list(delegations)
    if rule == "none":
        return []
    if rule == "any_other_delegation":
        if any(d != drafter_delegation_id for d in backing):
            return []
        return [_("A sponsor from another delegation must accept.")]
    missing = [d.name for d in delegations if d.is_member and d.delegation_id not in backing]
    return [_("A sponsor from %(delegation)s must accept.", delegation=name) for name in missing]
