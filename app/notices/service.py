"""What awaits a signed-in user, read in one query. Functions never write.

Nothing about notices is stored: they are derived from the invitations, authors, votes and
amendments the other features keep, so a notice goes away the moment it is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.commissions.rules import Seat
from app.db import UTCDateTime, utcnow
from app.notices import rules
from app.proposals.models import Amendment, Proposal, ProposalAuthor, Sponsorship
from app.proposals.rules import ProposalFacts
from app.voting.models import BallotReceipt, Vote

# The name the candidates' subquery goes by in SQL (tests look for it among a page's queries).
CANDIDATES = "notice_candidates"


@dataclass(frozen=True)
class Notice:
    """One thing that waits for the reader, with what the notices page says about it."""

    kind: str  # one of rules.KINDS
    commission_id: int
    commission_title: str
    proposal_id: int
    proposal_title: str
    group_name: str
    subject_id: int | None  # the vote or the amendment
    on_amendment: bool  # a ballot on an amendment rather than on the proposal
    since: datetime
    deadline: datetime | None

    @property
    def href(self) -> str:
        return rules.target(self.kind, self.proposal_id, self.subject_id)


Column = ColumnElement[Any] | QueryableAttribute[Any]

# What a kind of candidate reads beyond its proposal and the user's seat, and what it reads
# where it has none: typed, so that every branch of the union reads back alike.
EXTRAS: dict[str, Callable[[], ColumnElement[Any]]] = {
    "subject_id": lambda: cast(null(), Integer),  # the vote or the amendment
    "on_amendment": false,
    "ballot_unit": lambda: cast(null(), String),
    "deadline": lambda: cast(null(), UTCDateTime()),
    "voted": false,
    "delegation_voted": false,
    "amendment_author_id": lambda: cast(null(), Integer),
}


def _kind(kind: str, proposal_id: Column, since: Column, **extras: Column) -> list[Any]:
    """The columns of one branch of the union: which proposal, the user's seat, the extras."""
    assert set(extras) <= set(EXTRAS), "a branch reads only the known extras"
    return [
        literal(kind, String).label("kind"),
        proposal_id.label("proposal_id"),
        Participant.id.label("participant_id"),
        Participant.role.label("role"),
        Participant.delegation_id.label("delegation_id"),
        Participant.is_head_of_delegation.label("is_head"),
        since.label("since"),
        *((extras[n] if n in extras else empty()).label(n) for n, empty in EXTRAS.items()),
    ]


@cache
def _candidates() -> Select[*tuple[Any, ...]]:
    """Every candidate for the user (the parameter `user_id`) in one statement, built once.

    Four small branches (two or three tables each) find the user's own rows; the proposal,
    its commission and group, and the user's delegation and membership are joined once, above
    their union. Four branches of eight tables each took PostgreSQL tens of milliseconds to plan.
    """
    mine = Participant.user_id == bindparam("user_id")
    invitations = (
        select(*_kind("sponsor", Sponsorship.proposal_id, Sponsorship.invited_at))
        .join(Participant, Participant.id == Sponsorship.participant_id)
        .where(mine, Sponsorship.status == "invited")
    )
    authored = (
        select(*_kind("coauthor", ProposalAuthor.proposal_id, ProposalAuthor.added_at))
        .join(Participant, Participant.id == ProposalAuthor.participant_id)
        .where(mine)
    )
    amendments = (
        select(
            *_kind(
                "amendment",
                ProposalAuthor.proposal_id,
                Amendment.created_at,
                subject_id=Amendment.id,
                amendment_author_id=Amendment.author_id,
            )
        )
        .select_from(ProposalAuthor)
        .join(Participant, Participant.id == ProposalAuthor.participant_id)
        .join(
            Amendment,
            and_(
                Amendment.proposal_id == ProposalAuthor.proposal_id,
                Amendment.status == "proposed",
            ),
        )
        .where(mine)
    )
    receipt = BallotReceipt
    votes = (
        select(
            *_kind(
                "ballot",
                Vote.proposal_id,
                Vote.opened_at,
                subject_id=Vote.id,
                on_amendment=Vote.amendment_id.is_not(None),
                ballot_unit=Vote.ballot_unit,
                deadline=Vote.deadline,
                voted=exists().where(
                    receipt.vote_id == Vote.id, receipt.participant_id == Participant.id
                ),
                delegation_voted=exists().where(
                    receipt.vote_id == Vote.id,
                    receipt.delegation_seat == Participant.delegation_id,
                ),
            )
        )
        .select_from(Vote)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .join(Participant, and_(Participant.commission_id == Proposal.commission_id, mine))
        .where(Vote.closed_at.is_(None))
    )
    found = union_all(invitations, authored, amendments, votes).subquery(CANDIDATES)
    return (
        select(
            found,
            Commission.id.label("commission_id"),
            Commission.title.label("commission_title"),
            Commission.status.label("commission_status"),
            Proposal.title.label("proposal_title"),
            Proposal.stage.label("stage"),
            Proposal.created_by_id.label("drafter_id"),
            WorkingGroup.name.label("group_name"),
            WorkingGroup.chairs_move_stages.label("chairs_move_stages"),
            Delegation.status.label("delegation_status"),
            WorkingGroupMembership.participant_id.label("membership_of"),
            WorkingGroupMembership.is_co_chair.label("is_co_chair"),
        )
        .join(Proposal, Proposal.id == found.c.proposal_id)
        .join(Commission, Commission.id == Proposal.commission_id)
        .join(WorkingGroup, WorkingGroup.id == Proposal.working_group_id)
        .outerjoin(Delegation, Delegation.id == found.c.delegation_id)
        .outerjoin(
            WorkingGroupMembership,
            and_(
                WorkingGroupMembership.participant_id == found.c.participant_id,
                WorkingGroupMembership.working_group_id == Proposal.working_group_id,
            ),
        )
        # A concluded commission's record is final: nothing waits for anyone there.
        .where(Commission.status != "concluded")
    )


def _candidate(row: Any) -> rules.Candidate:
    me = row.participant_id
    seat = Seat(
        participant_id=me,
        role=row.role,
        delegation_id=row.delegation_id,
        delegation_is_member=row.delegation_status == "member",
        in_group=row.membership_of is not None,
        is_co_chair=bool(row.is_co_chair),
        is_head=bool(row.is_head),
    )
    authors = frozenset({me}) if row.kind in ("coauthor", "amendment") else frozenset()
    facts = ProposalFacts(
        stage=row.stage,
        author_ids=authors,
        sponsor_ids=frozenset({me}) if row.kind == "sponsor" else frozenset(),
        chairs_move_stages=bool(row.chairs_move_stages),
        session_over=row.commission_status == "concluded",
    )
    return rules.Candidate(
        kind=row.kind,
        seat=seat,
        proposal=facts,
        is_drafter=row.drafter_id == me,
        ballot_unit=row.ballot_unit or "delegate",
        voted=bool(row.voted),
        delegation_voted=bool(row.delegation_voted),
        deadline=row.deadline,
        amendment_by_them=row.amendment_author_id is not None and row.amendment_author_id == me,
    )


def waiting_for(session: Session, user_id: int, *, now: datetime | None = None) -> list[Notice]:
    """What waits for the user across their commissions, most urgent first. One query."""
    now = now or utcnow()
    notices = [
        Notice(
            kind=row.kind,
            commission_id=row.commission_id,
            commission_title=row.commission_title,
            proposal_id=row.proposal_id,
            proposal_title=row.proposal_title,
            group_name=row.group_name,
            subject_id=row.subject_id,
            on_amendment=bool(row.on_amendment),
            since=row.since,
            deadline=row.deadline,
        )
        for row in session.execute(_candidates(), {"user_id": user_id})
        if rules.awaits(_candidate(row), now)
    ]
    return sorted(notices, key=lambda n: rules.urgency(n.deadline, n.since))


def waiting_count(session: Session, user_id: int) -> int:
    """How many notices wait: what the header shows on every page of a signed-in user."""
    return len(waiting_for(session, user_id))


def by_commission(notices: list[Notice]) -> list[list[Notice]]:
    """Notices grouped by commission, the one with the most urgent notice first."""
    groups: dict[int, list[Notice]] = {}
    for notice in notices:
        groups.setdefault(notice.commission_id, []).append(notice)
    return list(groups.values())
