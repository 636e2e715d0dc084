"""What awaits a delegate: invitations to answer, drafts to carry, ballots to cast, amendments to
decide. Pure decisions, no I/O.

The service reads the candidates (an unanswered invitation, a proposal one authors, an open vote,
a proposed amendment) and these rules decide which of them still wait. Each defers to the rule
of the feature that owns the action, so a notice shows exactly while the page it links to offers
that action, and never names a draft its reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.commissions.rules import Seat
from app.proposals import rules as proposal_rules
from app.proposals.rules import ProposalFacts
from app.voting import rules as voting_rules

KINDS = ("sponsor", "coauthor", "ballot", "amendment")


@dataclass(frozen=True)
class Candidate:
    """Something that may await one participant, with what deciding it needs.

    `proposal.author_ids` and `proposal.sponsor_ids` hold this participant when they author
    or were asked to sponsor the proposal, and nobody else: the decisions need no more.
    """

    kind: str
    seat: Seat  # the participant as seen from the proposal's working group
    proposal: ProposalFacts
    is_drafter: bool = False  # they drafted the proposal themselves
    # An open vote:
    ballot_unit: str = "delegate"
    voted: bool = False  # this participant has a receipt
    delegation_voted: bool = False  # their delegation has one (ballot unit "delegation")
    deadline: datetime | None = None
    # A proposed amendment:
    amendment_by_them: bool = False


def awaits(candidate: Candidate, now: datetime) -> bool:
    """Whether the candidate waits for this participant to act on it, now."""
    seat, proposal = candidate.seat, candidate.proposal
    if not proposal_rules.can_view(seat, proposal):
        return False
    if candidate.kind == "sponsor":
        return proposal_rules.can_respond_to_sponsorship(seat, proposal)
    if candidate.kind == "coauthor":
        # Someone else made them a co-author: the draft is theirs to carry until it is tabled.
        return (
            proposal.stage == "draft"
            and not candidate.is_drafter
            and proposal_rules.can_edit(seat, proposal)
        )
    if candidate.kind == "amendment":
        return not candidate.amendment_by_them and proposal_rules.can_accept_amendment(
            seat, proposal
        )
    if candidate.kind == "ballot":
        return ballot_awaits(candidate, now)
    return False


def ballot_awaits(candidate: Candidate, now: datetime) -> bool:
    """An open vote they may cast and have not: under ballot unit "delegation" the head casts
    one ballot for the delegation, so a ballot by the delegation settles it."""
    if candidate.proposal.session_over:
        return False
    if candidate.deadline is not None and now > candidate.deadline:
        return False
    return voting_rules.awaits_ballot(
        candidate.seat,
        candidate.ballot_unit,
        voted=candidate.voted,
        delegation_voted=candidate.delegation_voted,
    )


def target(kind: str, proposal_id: int, subject_id: int | None) -> str:
    """Where a notice sends its reader to act: the part of the proposal page that offers it."""
    page = f"/proposals/{proposal_id}"
    if kind == "ballot":
        return f"{page}#proposal-{proposal_id}-vote"
    if kind == "amendment" and subject_id is not None:
        return f"{page}#amendment-{subject_id}"
    if kind == "sponsor":
        return f"{page}#people-heading"
    return page


def urgency(deadline: datetime | None, since: datetime) -> tuple[bool, float, float]:
    """Sort key: what has a deadline first, soonest first; then the newest."""
    return (deadline is None, deadline.timestamp() if deadline else 0.0, -since.timestamp())
