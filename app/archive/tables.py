"""Where each table of an archive lives in the database: its model, and the query that reads
one commission's rows of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import load_only

from app.accounts.models import User
from app.activity.models import Activity
from app.caucus.models import CaucusMessage
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.db import Base
from app.injects.models import Inject
from app.norms.models import Norm
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
    TextConfirmation,
)
from app.voting.models import BallotReceipt, RollCallBallot, SecretBallotCount, Vote

# The model each table of the file is read from and written to (the users are matched).
MODELS: dict[str, type[Base]] = {
    "delegations": Delegation,
    "sectors": Sector,
    "working_groups": WorkingGroup,
    "role_briefs": RoleBrief,
    "participants": Participant,
    "working_group_memberships": WorkingGroupMembership,
    "proposals": Proposal,
    "proposal_authors": ProposalAuthor,
    "sponsorships": Sponsorship,
    "amendments": Amendment,
    "revisions": Revision,
    "text_confirmations": TextConfirmation,
    "arguments": Argument,
    "caucus_messages": CaucusMessage,
    "votes": Vote,
    "ballot_receipts": BallotReceipt,
    "roll_call_ballots": RollCallBallot,
    "secret_ballot_counts": SecretBallotCount,
    "norms": Norm,
    "injects": Inject,
    "activities": Activity,
}


def table_queries(commission: Commission) -> dict[str, Select[Any]]:
    """One query per table, each selecting exactly this commission's rows in key order."""
    cid = commission.id
    seated = select(Participant.user_id).where(Participant.commission_id == cid)
    groups = select(WorkingGroup.id).where(WorkingGroup.commission_id == cid)
    delegations = select(Delegation.id).where(Delegation.commission_id == cid)
    proposals = select(Proposal.id).where(Proposal.commission_id == cid)
    votes = select(Vote.id).where(Vote.proposal_id.in_(proposals))
    # An open secret vote's ballots are sealed to this server's key and not counted yet: the
    # file holds the vote but neither its receipts nor counters (see export_commission).
    counted = select(Vote.id).where(
        Vote.proposal_id.in_(proposals),
        or_(Vote.ballot_type != "secret", Vote.closed_at.is_not(None)),
    )
    return {
        # Only the columns the file keeps: a password hash is never even read.
        "users": (
            select(User)
            .options(load_only(User.username, User.display_name, User.email, User.is_instructor))
            .where(or_(User.id.in_(seated), User.id == commission.created_by_id))
            .order_by(User.id)
        ),
        "delegations": _rows(Delegation, Delegation.commission_id == cid),
        "sectors": _rows(Sector, Sector.commission_id == cid),
        "working_groups": _rows(WorkingGroup, WorkingGroup.commission_id == cid),
        "role_briefs": _rows(RoleBrief, RoleBrief.commission_id == cid),
        "participants": _rows(Participant, Participant.commission_id == cid),
        "working_group_memberships": _rows(
            WorkingGroupMembership,
            WorkingGroupMembership.working_group_id.in_(groups),
            WorkingGroupMembership.participant_id,
            WorkingGroupMembership.working_group_id,
        ),
        "proposals": _rows(Proposal, Proposal.commission_id == cid),
        "proposal_authors": _rows(
            ProposalAuthor,
            ProposalAuthor.proposal_id.in_(proposals),
            ProposalAuthor.proposal_id,
            ProposalAuthor.participant_id,
        ),
        "sponsorships": _rows(
            Sponsorship,
            Sponsorship.proposal_id.in_(proposals),
            Sponsorship.proposal_id,
            Sponsorship.participant_id,
        ),
        "amendments": _rows(Amendment, Amendment.proposal_id.in_(proposals)),
        "revisions": _rows(Revision, Revision.proposal_id.in_(proposals)),
        "text_confirmations": _rows(TextConfirmation, TextConfirmation.proposal_id.in_(proposals)),
        "arguments": _rows(Argument, Argument.proposal_id.in_(proposals)),
        "caucus_messages": _rows(CaucusMessage, CaucusMessage.delegation_id.in_(delegations)),
        "votes": _rows(Vote, Vote.proposal_id.in_(proposals)),
        "ballot_receipts": _rows(BallotReceipt, BallotReceipt.vote_id.in_(counted)),
        "roll_call_ballots": _rows(RollCallBallot, RollCallBallot.vote_id.in_(votes)),
        "secret_ballot_counts": _rows(
            SecretBallotCount,
            SecretBallotCount.vote_id.in_(counted),
            SecretBallotCount.vote_id,
            SecretBallotCount.delegation_id,
            SecretBallotCount.choice,
        ),
        "norms": _rows(Norm, Norm.commission_id == cid),
        "injects": _rows(Inject, Inject.commission_id == cid),
        "activities": _rows(Activity, Activity.commission_id == cid),
    }


def _rows(model: Any, where: ColumnElement[bool], *order: Any) -> Select[Any]:
    """The rows of one table that `where` picks, by id unless `order` names the key."""
    return select(model).where(where).order_by(*(order or (model.id,)))
