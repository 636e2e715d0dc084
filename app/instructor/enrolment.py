"""Enrolling a checked roster file (app.instructor.roster) with an account and a seat per student,
and a new password for a student who lost theirs; passwords are shown once. Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.service import record
from app.commissions.models import Commission, Delegation, Participant, Sector
from app.db import utcnow
from app.errors import NotAllowed, NotFound
from app.i18n import gettext as _
from app.instructor import rules
from app.instructor.credentials import new_password, suggest_username
from app.instructor.roster import RosterRow
from app.instructor.service import refuse_when_concluded
from app.live.broker import LiveEvent
from app.live.events import announce


@dataclass(frozen=True)
class Credential:
    name: str
    username: str
    password: str
    email: str | None
    delegation: str | None
    sector: str | None


def enrol(
    session: Session, commission: Commission, me: Participant, rows: list[RosterRow]
) -> list[Credential]:
    """An account and a seat for each row of a checked roster file; passwords shown once.

    All or nothing: the caller's transaction holds every account, so one failure undoes them all.
    """
    refuse_when_concluded(commission)
    taken = set(session.scalars(select(User.username)))
    delegations = {
        d.code: d.id
        for d in session.scalars(
            select(Delegation).where(Delegation.commission_id == commission.id)
        )
    }
    sectors = {
        x.code: x.id
        for x in session.scalars(select(Sector).where(Sector.commission_id == commission.id))
    }
    credentials = []
    for row in rows:
        username = suggest_username(row.name, taken)
        taken.add(username)
        password = new_password()
        user = accounts.create_user(
            session,
            username=username,
            display_name=row.name,
            password=password,
            email=row.email,
            generated_password=True,
        )
        session.add(
            Participant(
                commission_id=commission.id,
                user_id=user.id,
                role="delegate",
                delegation_id=delegations.get(row.delegation or ""),
                sector_id=sectors.get(row.sector or ""),
                joined_at=utcnow(),
            )
        )
        credentials.append(
            Credential(
                name=row.name,
                username=username,
                password=password,
                email=row.email,
                delegation=row.delegation,
                sector=row.sector,
            )
        )
    session.flush()
    record(session, commission.id, "roster.imported", actor_id=me.id, count=len(credentials))
    announce(session, LiveEvent(commission_id=commission.id, kind="roster"))
    return credentials


@dataclass(frozen=True)
class NewPassword:
    """A student's new password, for the instructor to pass on; shown once, never stored."""

    name: str
    username: str
    password: str


def reset_password(
    session: Session, commission: Commission, me: Participant, participant_id: int
) -> NewPassword:
    """A new random password for a student of this commission, who is signed out everywhere.

    Allowed after conclusion too: students still sign in to read the charter and the report.
    The activity log records who was reset and by whom, never the password.
    """
    participant = session.scalar(
        select(Participant)
        .where(Participant.id == participant_id, Participant.commission_id == commission.id)
        .options(joinedload(Participant.user))
    )
    if participant is None:
        raise NotFound(_("There is no such participant in this commission."))
    user = participant.user
    instructs = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.user_id == user.id, Participant.role == "instructor")
    )
    if refusal := rules.password_reset_refusal(
        role=participant.role,
        instructor_account=user.is_instructor,
        instructs_a_commission=bool(instructs),
    ):
        raise NotAllowed(refusal)
    password = new_password()
    accounts.replace_password(session, user, password, generated_password=True)
    record(
        session,
        commission.id,
        "participant.password_reset",
        actor_id=me.id,
        participant=participant.id,
    )
    return NewPassword(name=user.display_name, username=user.username, password=password)
