"""Seating the roster: one participant by hand, or every delegate by auto-assignment (the pure
decisions of app.instructor.seating), and what the console says about shared briefs. Never
commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.activity.service import record
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.instructor import rules, seating
from app.instructor.service import Roster, refuse_when_concluded, roster
from app.live.broker import LiveEvent
from app.live.events import announce


@dataclass(frozen=True)
class SeatChoice:
    """An instructor's choice for one participant; ids must belong to the same commission."""

    delegation_id: int | None
    sector_id: int | None
    role_brief_id: int | None
    group_ids: frozenset[int]
    co_chair_group_ids: frozenset[int]
    head: bool


def _own(items: list[Delegation] | list[Sector] | list[WorkingGroup] | list[RoleBrief]) -> set[int]:
    return {item.id for item in items}


def seat_participant(
    session: Session,
    commission: Commission,
    me: Participant,
    participant_id: int,
    choice: SeatChoice,
) -> Participant:
    """Assign delegation, sector, brief, groups, head and co-chairs, and tell the participant."""
    refuse_when_concluded(commission)
    data = roster(session, commission.id)
    participant = next((p for p in data.participants if p.id == participant_id), None)
    if participant is None:
        raise NotFound(_("There is no such participant in this commission."))
    if participant.role == "instructor":
        raise Invalid(_("Instructors do not take a seat."), field="delegation_id")
    if choice.delegation_id is not None and choice.delegation_id not in _own(data.delegations):
        raise Invalid(_("Choose a delegation of this commission."), field="delegation_id")
    if choice.sector_id is not None and choice.sector_id not in _own(data.sectors):
        raise Invalid(_("Choose a sector of this commission."), field="sector_id")
    if choice.role_brief_id is not None and choice.role_brief_id not in _own(data.briefs):
        raise Invalid(_("Choose a brief of this commission."), field="role_brief_id")
    if not (choice.group_ids | choice.co_chair_group_ids) <= _own(data.groups):
        raise Invalid(_("Choose working groups of this commission."), field="group_ids")
    if choice.co_chair_group_ids and choice.delegation_id is None:
        raise Invalid(_("A co-chair needs a delegation."), field="co_chair_group_ids")
    _apply_seat(session, participant, choice, data.participants)
    session.flush()
    record(
        session,
        commission.id,
        "participant.seated",
        actor_id=me.id,
        participant=participant.id,
        delegation=choice.delegation_id,
        sector=choice.sector_id,
    )
    announce(
        session, LiveEvent(commission_id=commission.id, kind="seat", subject_id=participant.id)
    )
    return participant


def _apply_seat(
    session: Session, participant: Participant, choice: SeatChoice, everyone: list[Participant]
) -> None:
    """Write one seat (needs participant.memberships loaded); a new head steps the old one down."""
    participant.delegation_id = choice.delegation_id
    participant.sector_id = choice.sector_id
    participant.role_brief_id = choice.role_brief_id
    if choice.head and choice.delegation_id is not None:
        for other in everyone:
            if other.delegation_id == choice.delegation_id and other.id != participant.id:
                other.is_head_of_delegation = False
    participant.is_head_of_delegation = choice.head and choice.delegation_id is not None
    wanted = choice.group_ids | choice.co_chair_group_ids
    for old in list(participant.memberships):
        if old.working_group_id not in wanted:
            session.delete(old)
    existing = {m.working_group_id: m for m in participant.memberships}
    for group_id in wanted:
        membership = existing.get(group_id)
        if membership is None:
            membership = WorkingGroupMembership(
                participant_id=participant.id, working_group_id=group_id
            )
            session.add(membership)
        membership.is_co_chair = group_id in choice.co_chair_group_ids


def auto_seat(
    session: Session,
    commission: Commission,
    me: Participant,
    *,
    reseat_all: bool,
    groups_per_student: int = 0,
) -> int:
    """Balance delegations and sectors, hand out briefs, heads and co-chairs; returns seats made.

    Seats already chosen are kept unless `reseat_all`; the instructor adjusts afterwards.
    `groups_per_student` is how many working groups each delegate sits in, 0 for all of them.
    """
    refuse_when_concluded(commission)
    data = roster(session, commission.id)
    if refusal := rules.groups_per_student_refusal(groups_per_student, len(data.groups)):
        raise Invalid(refusal, field="groups_per_student")
    delegation_code = {d.id: d.code for d in data.delegations}
    sector_code = {s.id: s.code for s in data.sectors}
    delegates = [p for p in data.participants if p.role == "delegate"]
    try:
        seats = seating.auto_assign(
            [
                seating.Student(
                    participant_id=p.id,
                    name=p.user.display_name,
                    delegation=delegation_code.get(p.delegation_id or 0),
                    sector=sector_code.get(p.sector_id or 0),
                )
                for p in delegates
            ],
            delegations=[d.code for d in data.delegations if d.status == "member"],
            sectors=[s.code for s in data.sectors],
            groups=[g.code for g in data.groups],
            briefs=[
                seating.BriefOption(
                    code=b.code,
                    delegation=delegation_code.get(b.delegation_id or 0),
                    sector=sector_code.get(b.sector_id or 0),
                )
                for b in data.briefs
            ],
            groups_per_student=groups_per_student,
            reseat_all=reseat_all,
            seed=commission.id,
        )
    except seating.NowhereToSeat as nowhere:
        raise Conflict(_nowhere_to_seat(nowhere.reason)) from nowhere
    delegation_id = {d.code: d.id for d in data.delegations}
    sector_id = {s.code: s.id for s in data.sectors}
    brief_id = {b.code: b.id for b in data.briefs}
    group_id = {g.code: g.id for g in data.groups}
    for participant in delegates:
        seat = seats[participant.id]
        _apply_seat(
            session,
            participant,
            SeatChoice(
                delegation_id=delegation_id[seat.delegation],
                sector_id=sector_id[seat.sector],
                role_brief_id=brief_id.get(seat.brief or ""),
                group_ids=frozenset(group_id[g] for g in seat.groups),
                co_chair_group_ids=frozenset(group_id[g] for g in seat.co_chair_of),
                head=False,
            ),
            data.participants,
        )
        participant.is_head_of_delegation = seat.head
    session.flush()
    record(
        session,
        commission.id,
        "roster.auto_seated",
        actor_id=me.id,
        count=len(delegates),
        groups_per_student=groups_per_student,
    )
    announce(session, LiveEvent(commission_id=commission.id, kind="roster"))
    return len(delegates)


def _nowhere_to_seat(reason: str) -> str:
    if reason == seating.NO_MEMBER_DELEGATION:
        return _(
            "No delegation is a member, so auto-assign has nowhere to seat new students. Make a "
            "delegation a member under Delegations and partners, then try again."
        )
    return _(
        "This commission has no sectors, so auto-assign cannot give students one. Seat them "
        "by hand instead."
    )


@dataclass(frozen=True)
class BriefSharing:
    """What the console says about private briefs: too few for the class, and who shares one."""

    delegates: int
    briefs: int
    shared: list[tuple[RoleBrief, list[Participant]]]  # briefs held by two or more delegates
    unused: list[RoleBrief]

    @property
    def too_few(self) -> bool:
        return 0 < self.briefs < self.delegates


def brief_sharing(data: Roster) -> BriefSharing:
    """From what the roster page loaded already: no query of its own."""
    delegates = [p for p in data.participants if p.role == "delegate"]
    holders: dict[int, list[Participant]] = {}
    for participant in delegates:
        if participant.role_brief_id is not None:
            holders.setdefault(participant.role_brief_id, []).append(participant)
    return BriefSharing(
        delegates=len(delegates),
        briefs=len(data.briefs),
        shared=[(b, holders[b.id]) for b in data.briefs if len(holders.get(b.id, ())) > 1],
        unused=[b for b in data.briefs if b.id not in holders],
    )
