"""Opening, joining and reading commissions. Functions take a session and never commit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.models import User
from app.commissions.models import (
    GROUP_RULE_FIELDS,
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
)
from app.commissions.rules import NOBODY, Person, Viewer, can_manage, names_people
from app.db import Base, utcnow
from app.errors import NotAllowed, NotFound
from app.i18n import gettext as _
from app.i18n import name_sort_key

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a projector
JOIN_CODE_LENGTH = 8

Copy = TypeVar("Copy", bound=Base)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw).upper()


def format_join_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == JOIN_CODE_LENGTH else code


class ScenarioParts(Protocol):
    """What a commission copies of its scenario: an app.scenarios.models.Scenario loaded with
    all its parts (named by what it holds, as core does not import the scenarios feature)."""

    @property
    def id(self) -> int: ...
    @property
    def public_briefing(self) -> str: ...
    @property
    def delegations(self) -> Sequence[Any]: ...
    @property
    def sectors(self) -> Sequence[Any]: ...
    @property
    def working_groups(self) -> Sequence[Any]: ...
    @property
    def role_briefs(self) -> Sequence[Any]: ...


def open_commission(
    session: Session, scenario: ScenarioParts, title: str, instructor: User
) -> Commission:
    """A new commission with its own copy of the scenario, so later scenario edits do not touch it.

    Needs the scenario loaded with all its parts (scenarios.service.load_scenario). The copy of
    the scenario's injects is the injects feature's: scenarios.service.open_commission does both.
    """
    code = new_join_code()
    while session.scalar(select(Commission.id).where(Commission.join_code == code)) is not None:
        code = new_join_code()
    commission = Commission(
        scenario_id=scenario.id,
        title=title,
        public_briefing=scenario.public_briefing,
        join_code=code,
        created_by_id=instructor.id,
    )
    session.add(commission)
    session.flush()
    cid = commission.id
    delegations = {
        d.code: _copied(Delegation, d, ("code", "name", "status", "brief", "position"), cid)
        for d in scenario.delegations
    }
    sectors = {
        s.code: _copied(Sector, s, ("code", "name", "description", "position"), cid)
        for s in scenario.sectors
    }
    groups = {
        g.code: _copied(
            WorkingGroup,
            g,
            ("code", "pillar", "name", "mandate", "position", *GROUP_RULE_FIELDS),
            cid,
        )
        for g in scenario.working_groups
    }
    session.add_all([*delegations.values(), *sectors.values(), *groups.values()])
    session.flush()
    session.add_all(
        _copied(
            RoleBrief,
            r,
            ("code", "title", "summary", "goals", "red_lines", "position"),
            cid,
            delegation_id=delegations[r.delegation_code].id if r.delegation_code else None,
            sector_id=sectors[r.sector_code].id if r.sector_code else None,
        )
        for r in scenario.role_briefs
    )
    session.add(Participant(commission_id=commission.id, user_id=instructor.id, role="instructor"))
    session.flush()
    return commission


def _copied(
    model: type[Copy], source: object, names: Iterable[str], commission_id: int, **values: Any
) -> Copy:
    """A row of the commission copied from a part of its scenario, field by field."""
    return model(
        commission_id=commission_id, **{name: getattr(source, name) for name in names}, **values
    )


def default_locale(session: Session, commission_id: int) -> str | None:
    """The language the commission's pages open in for a reader who chose none, if it has one."""
    return session.scalar(select(Commission.default_locale).where(Commission.id == commission_id))


def find_by_join_code(session: Session, raw_code: str) -> Commission | None:
    code = normalize_join_code(raw_code)
    if not code:
        return None
    return session.scalar(select(Commission).where(Commission.join_code == code))


def participant_for(
    session: Session, commission_id: int, user: User | None, *, with_delegation: bool = False
) -> Participant | None:
    """This user's place in the commission, if any; `with_delegation` loads the delegation too
    (what acting on proposals needs)."""
    if user is None:
        return None
    statement = select(Participant).where(
        Participant.commission_id == commission_id, Participant.user_id == user.id
    )
    if with_delegation:
        statement = statement.options(joinedload(Participant.delegation))
    return session.scalar(statement)


def managed_commission(
    session: Session, commission_id: int, user: User
) -> tuple[Commission, Participant]:
    """The commission and the instructor's own seat in it; anyone else is refused."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(_("There is no commission here."))
    me = participant_for(session, commission_id, user)
    if not can_manage(viewer_of(me)):
        raise NotAllowed(_("Only the instructors of this commission can run it."))
    assert me is not None
    return commission, me


def join_commission(session: Session, commission: Commission, user: User) -> Participant:
    """Seat a user as a delegate; joining twice returns the existing seat."""
    existing = participant_for(session, commission.id, user)
    if existing is not None:
        return existing
    participant = Participant(commission_id=commission.id, user_id=user.id, role="delegate")
    session.add(participant)
    session.flush()
    return participant


def start_session(commission: Commission) -> None:
    commission.status = "in_session"
    commission.opened_at = commission.opened_at or utcnow()


def viewer_of(participant: Participant | None) -> Viewer:
    if participant is None:
        return NOBODY
    return Viewer(
        participant_id=participant.id,
        role=participant.role,
        delegation_id=participant.delegation_id,
    )


def names_people_to(commission: Commission, reader: Viewer) -> bool:
    """Whether pages of this commission name people to this reader (commissions.rules)."""
    return names_people(
        reader,
        chatham_house=commission.chatham_house,
        credit_students=commission.credit_students_by_name,
    )


def persons(session: Session, participant_ids: Collection[int | None]) -> dict[int, Person]:
    """Participants as pages mention them (name, role, delegation and sector), in one query."""
    wanted = {pid for pid in participant_ids if pid}
    if not wanted:
        return {}
    rows = session.execute(
        select(Participant.id, Participant.role, User.display_name, Delegation.name, Sector.name)
        .join(User, User.id == Participant.user_id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(Sector, Sector.id == Participant.sector_id)
        .where(Participant.id.in_(wanted))
    ).all()
    return {
        pid: Person(name, role, delegation, sector) for pid, role, name, delegation, sector in rows
    }


@dataclass
class HomeEntry:
    commission: Commission
    participant: Participant


def commissions_of(session: Session, user: User) -> list[HomeEntry]:
    rows = session.execute(
        select(Participant, Commission)
        .join(Commission, Commission.id == Participant.commission_id)
        .where(Participant.user_id == user.id)
        .options(joinedload(Participant.delegation))
        .order_by(Commission.created_at.desc())
    ).all()
    return [HomeEntry(commission=c, participant=p) for p, c in rows]


def seated_participants(session: Session, commission_id: int) -> list[Participant]:
    """Everyone in the commission with user, seat, brief and groups loaded (two queries)."""
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.commission_id == commission_id)
            .options(
                joinedload(Participant.user),
                joinedload(Participant.delegation),
                joinedload(Participant.sector),
                joinedload(Participant.role_brief),
                selectinload(Participant.memberships),
            )
            .order_by(Participant.role != "instructor", Participant.id)
        )
    )


@dataclass(frozen=True)
class GroupSeat:
    participant: Participant
    is_co_chair: bool


@dataclass
class Overview:
    """Everything the commission overview shows, loaded in a fixed number of queries."""

    commission: Commission
    viewer: Viewer
    me: Participant | None
    delegations: list[Delegation]
    sectors: list[Sector]
    working_groups: list[WorkingGroup]
    participants: list[Participant]
    seats_by_group: dict[int, list[GroupSeat]] = field(default_factory=dict)

    def groups_of(self, participant: Participant) -> list[tuple[WorkingGroup, bool]]:
        """The participant's working groups, each with whether they co-chair it."""
        return [
            (group, seat.is_co_chair)
            for group in self.working_groups
            for seat in self.seats_by_group.get(group.id, [])
            if seat.participant.id == participant.id
        ]


def load_overview(session: Session, commission_id: int, user: User | None) -> Overview | None:
    commission = session.scalar(
        select(Commission)
        .where(Commission.id == commission_id)
        .options(
            selectinload(Commission.delegations),
            selectinload(Commission.sectors),
            selectinload(Commission.working_groups),
        )
    )
    if commission is None:
        return None
    participants = seated_participants(session, commission_id)
    me = next((p for p in participants if user is not None and p.user_id == user.id), None)
    seats_by_group: dict[int, list[GroupSeat]] = {g.id: [] for g in commission.working_groups}
    for participant in participants:
        for membership in participant.memberships:
            seats_by_group.setdefault(membership.working_group_id, []).append(
                GroupSeat(participant, membership.is_co_chair)
            )
    participants.sort(
        key=lambda p: (
            p.role != "instructor",
            p.delegation.position if p.delegation else 99,
            not p.is_head_of_delegation,
            name_sort_key(p.user.display_name),
        )
    )
    return Overview(
        commission=commission,
        viewer=viewer_of(me),
        me=me,
        delegations=list(commission.delegations),
        sectors=list(commission.sectors),
        working_groups=list(commission.working_groups),
        participants=participants,
        seats_by_group=seats_by_group,
    )


def assign_seat(
    participant: Participant,
    *,
    delegation: Delegation | None,
    sector: Sector | None,
    role_brief: RoleBrief | None,
    head_of_delegation: bool = False,
) -> None:
    participant.delegation_id = delegation.id if delegation else None
    participant.sector_id = sector.id if sector else None
    participant.role_brief_id = role_brief.id if role_brief else None
    participant.is_head_of_delegation = head_of_delegation and delegation is not None
