"""A vote's standing: the tally as it stands, read in a fixed number of queries, with what
each reader may be shown. Who counts as eligible is `rules.eligible_by_delegation`, the one
decision the ballot, the dashboard and the API share (through `rules.can_vote`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.commissions.models import Delegation
from app.commissions.rules import Seat
from app.commissions.seats import group_seats
from app.proposals.models import Proposal
from app.voting import rules
from app.voting.models import BallotReceipt, RollCallBallot, SecretBallotCount, Vote
from app.voting.rules import DelegationCount, TallyResult, VoteRule


def current_vote(session: Session, proposal: Proposal) -> Vote | None:
    """The open vote on the proposal itself or on an amendment; else the latest of this round."""
    votes = session.scalars(
        select(Vote)
        .where(Vote.proposal_id == proposal.id)
        .order_by(Vote.closed_at.is_not(None), Vote.id.desc())
        .limit(1)
    ).all()
    return votes[0] if votes else None


@dataclass
class Standing:
    """A vote's tally as it stands, with what each reader may be shown.

    An open secret vote has no tally at all (`result` is None): its ballots are sealed until
    it closes, so only the turnout (`cast` of `eligible`, per delegation in `counts`, whose
    choices read zero) is known, to everyone alike.
    """

    vote: Vote
    result: TallyResult | None
    counts: list[DelegationCount]
    cast: int
    eligible: int

    @property
    def everyone_voted(self) -> bool:
        """An open vote with every eligible ballot in: the chair may close it now."""
        return self.vote.closed_at is None and rules.everyone_has_voted(self.cast, self.eligible)

    @property
    def show_counts(self) -> bool:
        """Running tallies can be hidden until the vote closes (against bandwagon voting);
        a secret ballot has none to show."""
        if self.result is None:
            return False
        return self.vote.closed_at is not None or not self.vote.hide_running_tally


def voter_seats(session: Session, commission_id: int, group_id: int) -> list[Seat]:
    """Every delegate of the commission as seen from one working group, in one query: what
    `rules.can_vote` decides on, for the tally, the dashboard and the ballot alike."""
    return list(group_seats(session, commission_id, group_id, roles=("delegate",)).values())


def _turnout_by_delegation(session: Session, vote: Vote) -> dict[int, int]:
    """Receipts per delegation: who voted is all an open secret vote can say."""
    rows = session.execute(
        select(BallotReceipt.delegation_id, func.count())
        .where(BallotReceipt.vote_id == vote.id)
        .group_by(BallotReceipt.delegation_id)
    ).all()
    return {int(d): int(n) for d, n in rows}


def _choices_by_delegation(session: Session, vote: Vote) -> dict[int, dict[str, int]]:
    if vote.ballot_type == "secret":
        rows = session.execute(
            select(
                SecretBallotCount.delegation_id, SecretBallotCount.choice, SecretBallotCount.count
            ).where(SecretBallotCount.vote_id == vote.id)
        ).all()
    else:
        rows = session.execute(
            select(RollCallBallot.delegation_id, RollCallBallot.choice, func.count())
            .where(RollCallBallot.vote_id == vote.id)
            .group_by(RollCallBallot.delegation_id, RollCallBallot.choice)
        ).all()
    counts: dict[int, dict[str, int]] = {}
    for delegation_id, choice, count in rows:
        counts.setdefault(int(delegation_id), {})[str(choice)] = int(count)
    return counts


def standing(
    session: Session,
    vote: Vote,
    commission_id: int,
    group_id: int,
    *,
    final: bool | None = None,
    choices: dict[int, dict[str, int]] | None = None,
) -> Standing:
    """The tally in three queries, whatever the number of voters.

    `final` defaults to whether the vote has closed; closing asks for the final wording first,
    with the `choices` it has just counted when the vote is secret.
    """
    delegations = session.scalars(
        select(Delegation)
        .where(Delegation.commission_id == commission_id)
        .order_by(Delegation.position, Delegation.id)
    ).all()
    eligible = rules.eligible_by_delegation(
        voter_seats(session, commission_id, group_id), vote.ballot_unit
    )
    sealed = choices is None and vote.ballot_type == "secret" and vote.closed_at is None
    if sealed:
        turnout = _turnout_by_delegation(session, vote)
        counts = [
            DelegationCount(
                code=d.code,
                name=d.name,
                is_member=d.status == "member",
                eligible=max(eligible.get(d.id, 0), turnout.get(d.id, 0)),
            )
            for d in delegations
        ]
        members = [d for d in delegations if d.status == "member"]
        return Standing(
            vote=vote,
            result=None,
            counts=counts,
            cast=sum(turnout.get(d.id, 0) for d in members),
            eligible=sum(c.eligible for c in counts if c.is_member),
        )
    if choices is None:
        choices = _choices_by_delegation(session, vote)
    counts = []
    for d in delegations:
        cast = choices.get(d.id, {})
        seats = eligible.get(d.id, 0)
        counts.append(
            DelegationCount(
                code=d.code,
                name=d.name,
                is_member=d.status == "member",
                # Someone who voted and then left the group still counts as having been eligible.
                eligible=max(seats, sum(cast.values())),
                yes=cast.get("yes", 0),
                no=cast.get("no", 0),
                abstain=cast.get("abstain", 0),
            )
        )
    rule = VoteRule(voting_rule=vote.voting_rule, quorum=vote.quorum, ballot_unit=vote.ballot_unit)
    result = rules.decide(
        rule, counts, final=vote.closed_at is not None if final is None else final
    )
    return Standing(
        vote=vote, result=result, counts=counts, cast=result.cast, eligible=result.eligible
    )


def has_voted(session: Session, vote: Vote, participant_id: int) -> bool:
    return (
        session.scalar(
            select(BallotReceipt.id).where(
                BallotReceipt.vote_id == vote.id, BallotReceipt.participant_id == participant_id
            )
        )
        is not None
    )


def my_roll_call_choice(session: Session, vote: Vote, participant_id: int) -> str | None:
    if vote.ballot_type == "secret":
        return None
    return session.scalar(
        select(RollCallBallot.choice).where(
            RollCallBallot.vote_id == vote.id, RollCallBallot.participant_id == participant_id
        )
    )
