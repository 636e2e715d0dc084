"""The instructor's live dashboard: every working group at a glance, its open votes with who has
not voted yet (never how anyone voted). Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.commissions.models import Participant, WorkingGroup
from app.commissions.rules import Seat
from app.commissions.seats import seat_from
from app.instructor.service import Roster, roster
from app.proposals.models import Argument, Proposal
from app.voting import rules as voting_rules
from app.voting.models import BallotReceipt, Vote


@dataclass
class OpenVote:
    proposal: Proposal
    vote: Vote
    cast: int
    eligible: int
    not_voted: list[Participant]

    @property
    def everyone_voted(self) -> bool:
        return voting_rules.everyone_has_voted(self.cast, self.eligible)


@dataclass
class GroupBoard:
    group: WorkingGroup
    by_stage: dict[str, list[Proposal]]
    open_votes: list[OpenVote]
    activity: list[Activity]
    arguments: list[tuple[Argument, Proposal]]


def dashboard(session: Session, commission_id: int, *, activity_limit: int = 8) -> list[GroupBoard]:
    """Every working group at a glance, in six queries whatever the size of the room.

    Who has not voted is shown; how anyone voted never is (secret or not, that is the tally's job).
    """
    data = roster(session, commission_id)
    proposals_ = session.scalars(
        select(Proposal)
        .where(Proposal.commission_id == commission_id, Proposal.stage != "draft")
        .order_by(Proposal.stage_changed_at.desc())
    ).all()
    open_votes = session.execute(
        select(Proposal, Vote)
        .join(Vote, Vote.proposal_id == Proposal.id)
        .where(Proposal.commission_id == commission_id, Vote.closed_at.is_(None))
    ).all()
    voted: dict[int, set[int]] = {}
    if open_votes:
        for vote_id, participant_id in session.execute(
            select(BallotReceipt.vote_id, BallotReceipt.participant_id).where(
                BallotReceipt.vote_id.in_([v.id for _p, v in open_votes])
            )
        ):
            voted.setdefault(vote_id, set()).add(participant_id)
    recent = session.scalars(
        select(Activity)
        .where(Activity.commission_id == commission_id, Activity.delegation_id.is_(None))
        .order_by(Activity.id.desc())
        .limit(activity_limit * max(len(data.groups), 1) * 3)
    ).all()
    latest_arguments = session.execute(
        select(Argument, Proposal)
        .join(Proposal, Proposal.id == Argument.proposal_id)
        .where(Proposal.commission_id == commission_id, Argument.hidden_at.is_(None))
        .order_by(Argument.id.desc())
        .limit(activity_limit * max(len(data.groups), 1) * 3)
    ).all()
    delegations = {d.id: d for d in data.delegations}
    boards = []
    for group in data.groups:
        by_stage: dict[str, list[Proposal]] = {}
        for proposal in proposals_:
            if proposal.working_group_id == group.id:
                by_stage.setdefault(proposal.stage, []).append(proposal)
        seats = [
            seat_from(
                p,
                delegations.get(p.delegation_id or 0),
                next((m for m in p.memberships if m.working_group_id == group.id), None),
            )
            for p in data.participants
        ]
        boards.append(
            GroupBoard(
                group=group,
                by_stage=by_stage,
                open_votes=[
                    _open_vote(proposal, vote, voted.get(vote.id, set()), seats, data)
                    for proposal, vote in open_votes
                    if proposal.working_group_id == group.id
                ],
                activity=[a for a in recent if a.working_group_id == group.id][:activity_limit],
                arguments=[(a, p) for a, p in latest_arguments if p.working_group_id == group.id][
                    :5
                ],
            )
        )
    return boards


def _open_vote(
    proposal: Proposal, vote: Vote, voted: set[int], seats: list[Seat], data: Roster
) -> OpenVote:
    """Turnout and who may still vote, decided by the same rule as the tally and the ballot."""
    people = {p.id: p for p in data.participants}
    eligible = sum(voting_rules.eligible_by_delegation(seats, vote.ballot_unit).values())
    waiting = voting_rules.not_yet_voted(seats, vote.ballot_unit, voted)
    return OpenVote(
        proposal,
        vote,
        len(voted),
        max(eligible, len(voted)),
        [people[s.participant_id] for s in waiting],
    )
