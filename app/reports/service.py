"""Loading the after-action report: every figure counted by the database, in a fixed number of
queries whatever the size of the commission."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.activity.service import record
from app.caucus.models import CaucusMessage
from app.commissions.models import Commission, Delegation, Participant, Sector, WorkingGroup
from app.commissions.rules import Viewer
from app.csv_cells import safe_cell
from app.i18n import name_sort_key
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Sponsorship,
)
from app.proposals.rules import STAGES
from app.reports import rules, timeline
from app.reports.timeline import Bucket, TimelineEntry
from app.voting.models import BallotReceipt, RollCallBallot, Vote


@dataclass
class Counts:
    """What one participant (or a delegation, or a sector) did in the commission."""

    proposals: int = 0  # proposals they drafted or co-authored
    sponsorships: int = 0  # accepted invitations to sponsor
    arguments: int = 0  # arguments and replies, not counting those an instructor hid
    arguments_hidden: int = 0  # hidden by an instructor: counted apart, never in `arguments`
    amendments: int = 0
    ballots: int = 0  # ballots cast, roll-call and secret alike: who voted, never how
    caucus_messages: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class ParticipantRow:
    participant_id: int
    name: str
    username: str
    role: str
    delegation: Delegation | None
    sector: Sector | None
    counts: Counts


@dataclass
class GroupRow:
    """Totals for a delegation or a sector; `label` None for those not seated in one."""

    label: str | None
    members: int = 0
    counts: Counts = field(default_factory=Counts)


@dataclass
class OutcomeRow:
    group: WorkingGroup
    by_stage: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


@dataclass
class Matrix:
    """Agreement between every pair of a set of groups (delegations or sectors)."""

    labels: list[tuple[int, str]]
    cells: dict[tuple[int, int], rules.Agreement]

    def cell(self, a: int, b: int) -> rules.Agreement | None:
        return self.cells.get((min(a, b), max(a, b)))

    def ranked(self) -> list[tuple[str, str, rules.Agreement]]:
        """Pairs with any ballots, most alike first."""
        names = dict(self.labels)
        pairs = [(names[a.first], names[a.second], a) for a in self.cells.values()]
        return sorted(pairs, key=lambda p: (-(p[2].share or 0.0), p[0], p[1]))


@dataclass
class Report:
    commission: Commission
    groups: list[WorkingGroup]
    participants: list[ParticipantRow]
    by_delegation: list[GroupRow]
    by_sector: list[GroupRow]
    outcomes: list[OutcomeRow]
    timeline: list[TimelineEntry]  # oldest first, the latest TIMELINE_LIMIT
    timeline_total: int
    buckets: list[Bucket]
    bucket_minutes: int
    delegation_agreement: Matrix
    sector_agreement: Matrix
    sector_agreement_across: Matrix
    roll_call_votes: int
    secret_votes: int


def load_report(session: Session, commission: Commission, viewer: Viewer) -> Report:
    """The whole report in ten queries, whatever the number of people, proposals or votes.

    Entries of the activity log meant for one delegation (a targeted inject, a caucus) count
    for the instructors and that delegation only.
    """
    cid = commission.id
    delegations, sectors = _seats(session, cid)
    groups = list(
        session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.commission_id == cid)
            .order_by(WorkingGroup.position)
        )
    )
    participants = _participants(session, cid, delegations, sectors)
    visible = timeline.visible_activity(cid, viewer)
    ballots = _roll_call_ballots(session, cid)
    votes = _closed_votes_by_type(session, cid)
    entries, total = timeline.latest_entries(session, visible)
    buckets, minutes = timeline.buckets(session, visible)
    return Report(
        commission=commission,
        groups=groups,
        participants=participants,
        by_delegation=_totals(participants, delegations, lambda p: p.delegation),
        by_sector=_totals(participants, sectors, lambda p: p.sector),
        outcomes=_outcomes(session, cid, groups),
        timeline=entries,
        timeline_total=total,
        buckets=buckets,
        bucket_minutes=minutes,
        delegation_agreement=Matrix(
            [(d.id, d.name) for d in delegations], _keyed(rules.delegation_agreement(ballots))
        ),
        sector_agreement=Matrix(
            [(s.id, s.name) for s in sectors],
            _keyed(rules.sector_agreement(ballots, across_delegations=False)),
        ),
        sector_agreement_across=Matrix(
            [(s.id, s.name) for s in sectors],
            _keyed(rules.sector_agreement(ballots, across_delegations=True)),
        ),
        roll_call_votes=votes.get("roll_call", 0),
        secret_votes=votes.get("secret", 0),
    )


def load_participation(session: Session, commission: Commission) -> list[ParticipantRow]:
    """Only the per-participant counts, for the CSV export (four queries)."""
    delegations, sectors = _seats(session, commission.id)
    return _participants(session, commission.id, delegations, sectors)


def _seats(session: Session, cid: int) -> tuple[list[Delegation], list[Sector]]:
    delegations = session.scalars(
        select(Delegation).where(Delegation.commission_id == cid).order_by(Delegation.position)
    ).all()
    sectors = session.scalars(
        select(Sector).where(Sector.commission_id == cid).order_by(Sector.position)
    ).all()
    return list(delegations), list(sectors)


def _keyed(agreements: Iterable[rules.Agreement]) -> dict[tuple[int, int], rules.Agreement]:
    return {(a.first, a.second): a for a in agreements}


def _participants(
    session: Session, cid: int, delegations: list[Delegation], sectors: list[Sector]
) -> list[ParticipantRow]:
    """Everyone in the commission with their counts: two queries, one of them a UNION ALL."""
    rows = session.execute(
        select(
            Participant.id,
            Participant.role,
            Participant.delegation_id,
            Participant.sector_id,
            User.display_name,
            User.username,
        )
        .join(User, User.id == Participant.user_id)
        .where(Participant.commission_id == cid)
    ).all()
    counts: dict[int, Counts] = {row.id: Counts() for row in rows}
    for participant_id, kind, n in session.execute(_participation_counts(cid)):
        if participant_id in counts:
            setattr(counts[participant_id], kind, n)
    by_delegation = {d.id: d for d in delegations}
    by_sector = {s.id: s for s in sectors}
    people = [
        ParticipantRow(
            participant_id=row.id,
            name=row.display_name,
            username=row.username,
            role=row.role,
            delegation=by_delegation.get(row.delegation_id or 0),
            sector=by_sector.get(row.sector_id or 0),
            counts=counts[row.id],
        )
        for row in rows
    ]
    return sorted(
        people,
        key=lambda p: (
            p.role == "instructor",
            p.delegation.position if p.delegation else math.inf,
            p.sector.position if p.sector else math.inf,
            name_sort_key(p.name),
        ),
    )


def _participation_counts(cid: int) -> Any:
    """Per participant and kind of contribution, how many: one grouped count per table."""
    members = select(Participant.id).where(Participant.commission_id == cid).scalar_subquery()

    def counted(column: Any, kind: str, *where: ColumnElement[bool]) -> Any:
        return (
            select(column, literal(kind, String), func.count())
            .where(column.in_(members), *where)
            .group_by(column)
        )

    return counted(ProposalAuthor.participant_id, "proposals").union_all(
        counted(Sponsorship.participant_id, "sponsorships", Sponsorship.status == "accepted"),
        counted(Argument.author_id, "arguments", Argument.hidden_at.is_(None)),
        counted(Argument.author_id, "arguments_hidden", Argument.hidden_at.is_not(None)),
        counted(Amendment.author_id, "amendments"),
        counted(BallotReceipt.participant_id, "ballots"),
        counted(CaucusMessage.author_id, "caucus_messages"),
    )


def _totals(
    people: list[ParticipantRow], seats: Iterable[Delegation | Sector], seat_of: Any
) -> list[GroupRow]:
    """Participants' counts summed by their seat at the time of the report."""
    rows: dict[int | None, GroupRow] = {s.id: GroupRow(s.name) for s in seats}
    for person in people:
        if person.role == "instructor":
            continue
        seat = seat_of(person)
        row = rows.setdefault(seat.id if seat else None, GroupRow(None))
        row.members += 1
        row.counts.add(person.counts)
    return list(rows.values())


def _outcomes(session: Session, cid: int, groups: list[WorkingGroup]) -> list[OutcomeRow]:
    found = session.execute(
        select(Proposal.working_group_id, Proposal.stage, func.count())
        .where(Proposal.commission_id == cid)
        .group_by(Proposal.working_group_id, Proposal.stage)
    ).all()
    rows = {g.id: OutcomeRow(g, dict.fromkeys(STAGES, 0)) for g in groups}
    for group_id, stage, n in found:
        rows[group_id].by_stage[stage] = n
    return list(rows.values())


def _roll_call_ballots(session: Session, cid: int) -> list[rules.BallotGroup]:
    """Roll-call ballots of closed votes, counted by vote, delegation, sector and choice.

    Secret ballots have no rows to read; open votes are left out because a working group may
    hide the running tally until the vote closes.
    """
    found = session.execute(
        select(
            RollCallBallot.vote_id,
            RollCallBallot.delegation_id,
            RollCallBallot.sector_id,
            RollCallBallot.choice,
            func.count(),
        )
        .join(Vote, Vote.id == RollCallBallot.vote_id)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(
            Proposal.commission_id == cid,
            Vote.closed_at.is_not(None),
            Vote.ballot_type == "roll_call",
        )
        .group_by(
            RollCallBallot.vote_id,
            RollCallBallot.delegation_id,
            RollCallBallot.sector_id,
            RollCallBallot.choice,
        )
    ).all()
    return [rules.BallotGroup._make(row) for row in found]


def _closed_votes_by_type(session: Session, cid: int) -> dict[str, int]:
    found = session.execute(
        select(Vote.ballot_type, func.count())
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(Proposal.commission_id == cid, Vote.closed_at.is_not(None))
        .group_by(Vote.ballot_type)
    ).all()
    return dict(found)


CSV_COLUMNS = (
    "name",
    "username",
    "role",
    "delegation",
    "sector",
    "proposals",
    "sponsorships",
    "arguments",
    "arguments_hidden",
    "amendments",
    "ballots_cast",
    "caucus_messages",
)


def participation_csv(people: list[ParticipantRow]) -> str:
    """One row per participant, for grading; user text is neutralised for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in people:
        c = p.counts
        writer.writerow(
            [
                safe_cell(p.name),
                safe_cell(p.username),
                p.role,
                safe_cell(p.delegation.name) if p.delegation else "",
                safe_cell(p.sector.name) if p.sector else "",
                c.proposals,
                c.sponsorships,
                c.arguments,
                c.arguments_hidden,
                c.amendments,
                c.ballots,
                c.caucus_messages,
            ]
        )
    return out.getvalue()


def share_with_class(
    session: Session, commission: Commission, actor: Participant, shared: bool
) -> None:
    """Open the report to the commission's members, or close it again; both are logged."""
    commission.report_shared_with_class = shared
    record(
        session, commission.id, "report.shared" if shared else "report.unshared", actor_id=actor.id
    )
