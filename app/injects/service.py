"""Publishing crisis injects: now, at a time, or when the session reaches a given moment."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.activity.service import record
from app.commissions.models import Delegation, WorkingGroup
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.injects import rules
from app.injects.models import Inject
from app.live.broker import LiveEvent
from app.live.events import announce

MAX_MINUTES = 24 * 60


def list_injects(session: Session, commission_id: int) -> list[Inject]:
    return list(
        session.scalars(
            select(Inject).where(Inject.commission_id == commission_id).order_by(Inject.id)
        )
    )


def _inject_of(session: Session, commission_id: int, inject_id: int) -> Inject:
    inject = session.get(Inject, inject_id, with_for_update=True)
    if inject is None or inject.commission_id != commission_id:
        raise NotFound(_("There is no such inject in this commission."))
    if inject.status == "published":
        raise Conflict(_("This inject has been published already."))
    return inject


def publish(session: Session, inject: Inject, *, actor_id: int | None) -> Inject:
    inject.status, inject.published_at = "published", utcnow()
    record(
        session,
        inject.commission_id,
        "inject.published",
        actor_id=actor_id,
        working_group_id=inject.working_group_id,
        delegation_id=inject.target_delegation_id,
        inject=inject.id,
        title=inject.title,
    )
    announce(
        session,
        LiveEvent(
            commission_id=inject.commission_id,
            kind="inject",
            subject_id=inject.id,
            delegation_id=inject.target_delegation_id,
        ),
    )
    return inject


def publish_now(session: Session, commission_id: int, inject_id: int, actor_id: int) -> Inject:
    return publish(session, _inject_of(session, commission_id, inject_id), actor_id=actor_id)


def schedule(
    session: Session, commission_id: int, inject_id: int, minutes: int, actor_id: int
) -> Inject:
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(_("Choose between 1 minute and 24 hours."), field="minutes")
    inject = _inject_of(session, commission_id, inject_id)
    inject.status, inject.scheduled_for = "scheduled", utcnow() + timedelta(minutes=minutes)
    record(session, commission_id, "inject.scheduled", actor_id=actor_id, inject=inject.id)
    return inject


def arm(
    session: Session,
    commission_id: int,
    inject_id: int,
    *,
    trigger: str,
    group_id: int | None,
    idle_minutes: int | None,
    actor_id: int,
) -> Inject:
    if trigger not in ("on_vote_opened", "on_vote_failed", "on_idle"):
        raise Invalid(_("Choose the moment that fires the inject."), field="trigger")
    if trigger == "on_idle" and not (idle_minutes and 1 <= idle_minutes <= 600):
        raise Invalid(_("Say after how many quiet minutes (1 to 600)."), field="idle_minutes")
    _check_group(session, commission_id, group_id)
    inject = _inject_of(session, commission_id, inject_id)
    inject.status, inject.trigger, inject.working_group_id = "armed", trigger, group_id
    inject.idle_minutes = idle_minutes if trigger == "on_idle" else None
    inject.scheduled_for = None
    record(
        session, commission_id, "inject.armed", actor_id=actor_id, inject=inject.id, trigger=trigger
    )
    return inject


def _check_group(session: Session, commission_id: int, group_id: int | None) -> None:
    if group_id is not None:
        group = session.get(WorkingGroup, group_id)
        if group is None or group.commission_id != commission_id:
            raise Invalid(_("Choose a working group of this commission."), field="group_id")


def write(
    session: Session,
    commission_id: int,
    *,
    title: str,
    body: str,
    group_id: int | None,
    delegation_id: int | None,
    actor_id: int,
) -> Inject:
    """An inject written on the spot; it waits as a draft until published, scheduled or armed."""
    title, body = " ".join(title.split()), body.strip()
    if not title:
        raise Invalid(_("Give the inject a headline."), field="title")
    if len(title) > 200:
        raise Invalid(_("Use at most 200 characters."), field="title")
    if len(body) > 10_000:
        raise Invalid(_("Use at most 10,000 characters."), field="body")
    _check_group(session, commission_id, group_id)
    if delegation_id is not None:
        delegation = session.get(Delegation, delegation_id)
        if delegation is None or delegation.commission_id != commission_id:
            raise Invalid(_("Choose a delegation of this commission."), field="delegation_id")
    inject = Inject(
        commission_id=commission_id,
        title=title,
        body=body,
        working_group_id=group_id,
        target_delegation_id=delegation_id,
    )
    session.add(inject)
    session.flush()
    record(session, commission_id, "inject.written", actor_id=actor_id, inject=inject.id)
    return inject


def fire(session: Session, commission_id: int, trigger: str, group_id: int | None) -> list[Inject]:
    """Publish the armed injects that answer a session event (a vote opened, a vote failed)."""
    armed = session.scalars(
        select(Inject)
        .where(Inject.commission_id == commission_id, Inject.status == "armed")
        .with_for_update()
    ).all()
    return [
        publish(session, inject, actor_id=None)
        for inject in armed
        if rules.fires_on(trigger, inject.trigger, inject.working_group_id, group_id)
    ]


def due_inject_ids(session: Session) -> list[int]:
    """Scheduled injects whose time has come, and idle-armed ones whose group has gone quiet."""
    now = utcnow()
    due = list(
        session.scalars(
            select(Inject.id).where(Inject.status == "scheduled", Inject.scheduled_for <= now)
        )
    )
    for inject in session.scalars(
        select(Inject).where(Inject.status == "armed", Inject.trigger == "on_idle")
    ):
        last = session.scalar(
            select(func.max(Activity.created_at)).where(
                Activity.commission_id == inject.commission_id,
                (Activity.working_group_id == inject.working_group_id)
                if inject.working_group_id is not None
                else Activity.working_group_id.is_not(None),
            )
        )
        quiet_since = last or inject.created_at
        if inject.idle_minutes and now - quiet_since >= timedelta(minutes=inject.idle_minutes):
            due.append(inject.id)
    return due


def publish_due(session: Session) -> int:
    published = 0
    for inject_id in due_inject_ids(session):
        inject = session.get(Inject, inject_id, with_for_update=True)
        if inject is not None and inject.status in ("scheduled", "armed"):
            publish(session, inject, actor_id=None)
            published += 1
    return published


def visible_injects(
    session: Session, commission_id: int, *, is_instructor: bool, delegation_id: int | None
) -> list[Inject]:
    published = session.scalars(
        select(Inject)
        .where(Inject.commission_id == commission_id, Inject.status == "published")
        .order_by(Inject.published_at.desc())
    ).all()
    return [
        inject
        for inject in published
        if rules.can_see(
            is_instructor=is_instructor,
            viewer_delegation_id=delegation_id,
            target_id=inject.target_delegation_id,
        )
    ]
