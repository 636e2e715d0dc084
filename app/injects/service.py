"""Crisis injects: written, edited, published now, at a time or when the session reaches a given
moment; disarmed, cancelled and restored. Every change goes in the activity log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.activity.service import record
from app.commissions.models import Commission, Delegation, WorkingGroup
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import gettext as _
from app.injects import rules
from app.injects.models import Inject
from app.live.broker import LiveEvent
from app.live.events import announce

# An inject's plan changed (written, edited, armed...): instructors' dashboards redraw their list.
PLAN_EVENT = "inject_plan"


@dataclass(frozen=True)
class InjectChanges:
    """An inject as the instructor wants it now; status and timing change through the actions."""

    title: str
    body: str
    group_id: int | None
    delegation_id: int | None
    trigger: str
    idle_minutes: int | None
    # A scheduled inject's new time; None keeps the time it has.
    scheduled_for: datetime | None = None


def list_injects(session: Session, commission_id: int) -> list[Inject]:
    return list(
        session.scalars(
            select(Inject).where(Inject.commission_id == commission_id).order_by(Inject.id)
        )
    )


def choices(session: Session, commission_id: int) -> tuple[list[WorkingGroup], list[Delegation]]:
    """The working groups and delegations an inject of this commission can name."""
    groups = session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.commission_id == commission_id)
        .order_by(WorkingGroup.position, WorkingGroup.id)
    ).all()
    delegations = session.scalars(
        select(Delegation)
        .where(Delegation.commission_id == commission_id)
        .order_by(Delegation.position, Delegation.id)
    ).all()
    return list(groups), list(delegations)


def inject_in(session: Session, commission_id: int, inject_id: int) -> Inject:
    """One inject of this commission; another commission's inject is not found here."""
    inject = session.get(Inject, inject_id)
    if inject is None or inject.commission_id != commission_id:
        raise NotFound(_("There is no such inject in this commission."))
    return inject


def _inject_for(session: Session, commission_id: int, inject_id: int, action: str) -> Inject:
    """The inject, locked, if `action` may be done to it now."""
    inject = session.get(Inject, inject_id, with_for_update=True)
    if inject is None or inject.commission_id != commission_id:
        raise NotFound(_("There is no such inject in this commission."))
    refused = rules.refusal(action, inject.status, concluded=_concluded(session, commission_id))
    if refused:
        raise Conflict(refused)
    return inject


def _concluded(session: Session, commission_id: int) -> bool:
    commission = session.get(Commission, commission_id)
    return commission is not None and commission.status == "concluded"


def _plan_changed(session: Session, inject: Inject) -> None:
    announce(
        session,
        LiveEvent(commission_id=inject.commission_id, kind=PLAN_EVENT, subject_id=inject.id),
    )


def publish(session: Session, inject: Inject, *, actor_id: int | None) -> Inject:
    """Send the inject out. What sent it stays readable on the inject: the instructor (trigger
    "manual", no time), its schedule (the time kept) or its trigger (kept)."""
    by_hand = actor_id is not None
    if by_hand or inject.status == "scheduled":
        inject.trigger, inject.idle_minutes = "manual", None
    if by_hand or inject.status == "armed":
        inject.scheduled_for = None
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
    inject = _inject_for(session, commission_id, inject_id, "publish")
    return publish(session, inject, actor_id=actor_id)


def _check_time(when: datetime) -> None:
    refused = rules.schedule_refusal(utcnow(), when)
    if refused:
        raise Invalid(refused, field="minutes")


def schedule(
    session: Session, commission_id: int, inject_id: int, minutes: int, actor_id: int
) -> Inject:
    inject = _inject_for(session, commission_id, inject_id, "schedule")
    when = utcnow() + timedelta(minutes=minutes)
    _check_time(when)
    inject.status, inject.scheduled_for, inject.armed_at = "scheduled", when, None
    record(session, commission_id, "inject.scheduled", actor_id=actor_id, inject=inject.id)
    _plan_changed(session, inject)
    return inject


def _check_trigger(status: str, trigger: str, idle_minutes: int | None) -> None:
    refused = rules.trigger_refusal(status, trigger, idle_minutes)
    if refused:
        field, message = refused
        raise Invalid(message, field=field)


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
    inject = _inject_for(session, commission_id, inject_id, "arm")
    _check_trigger("armed", trigger, idle_minutes)
    _check_group(session, commission_id, group_id)
    inject.status, inject.trigger, inject.working_group_id = "armed", trigger, group_id
    inject.idle_minutes = idle_minutes if trigger == "on_idle" else None
    inject.scheduled_for, inject.armed_at = None, utcnow()
    record(
        session, commission_id, "inject.armed", actor_id=actor_id, inject=inject.id, trigger=trigger
    )
    _plan_changed(session, inject)
    return inject


def disarm(session: Session, commission_id: int, inject_id: int, actor_id: int) -> Inject:
    """Back to a draft: nothing will send it; its trigger stays as a suggestion."""
    return _unplan(
        session, commission_id, inject_id, actor_id, "disarm", "draft", "inject.disarmed"
    )


def cancel(session: Session, commission_id: int, inject_id: int, actor_id: int) -> Inject:
    """Set aside for this run: it will not go out, and stays listed until restored."""
    return _unplan(
        session, commission_id, inject_id, actor_id, "cancel", "cancelled", "inject.cancelled"
    )


def _unplan(
    session: Session,
    commission_id: int,
    inject_id: int,
    actor_id: int,
    action: str,
    status: str,
    kind: str,
) -> Inject:
    """Neither scheduled nor armed any more, in `status`; the record says what it was."""
    inject = _inject_for(session, commission_id, inject_id, action)
    was = inject.status
    inject.status, inject.scheduled_for, inject.armed_at = status, None, None
    record(session, commission_id, kind, actor_id=actor_id, inject=inject.id, was=was)
    _plan_changed(session, inject)
    return inject


def restore(session: Session, commission_id: int, inject_id: int, actor_id: int) -> Inject:
    inject = _inject_for(session, commission_id, inject_id, "restore")
    inject.status = "draft"
    record(session, commission_id, "inject.restored", actor_id=actor_id, inject=inject.id)
    _plan_changed(session, inject)
    return inject


def _check_group(session: Session, commission_id: int, group_id: int | None) -> None:
    if group_id is not None:
        group = session.get(WorkingGroup, group_id)
        if group is None or group.commission_id != commission_id:
            raise Invalid(_("Choose a working group of this commission."), field="group_id")


def _check_delegation(session: Session, commission_id: int, delegation_id: int | None) -> None:
    if delegation_id is not None:
        delegation = session.get(Delegation, delegation_id)
        if delegation is None or delegation.commission_id != commission_id:
            raise Invalid(_("Choose a delegation of this commission."), field="delegation_id")


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = " ".join(title.split()), body.strip()
    if not title:
        raise Invalid(_("Give the inject a headline."), field="title")
    if len(title) > 200:
        raise Invalid(_("Use at most 200 characters."), field="title")
    if len(body) > 10_000:
        raise Invalid(_("Use at most 10,000 characters."), field="body")
    return title, body


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
    if _concluded(session, commission_id):
        raise Conflict(_("This commission has concluded; its record is final."))
    title, body = _clean_text(title, body)
    _check_group(session, commission_id, group_id)
    _check_delegation(session, commission_id, delegation_id)
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
    _plan_changed(session, inject)
    return inject


def edit(
    session: Session, commission_id: int, inject_id: int, changes: InjectChanges, actor_id: int
) -> Inject:
    """Rewrite a waiting inject (draft, scheduled or armed); a published one was seen already."""
    inject = _inject_for(session, commission_id, inject_id, "edit")
    title, body = _clean_text(changes.title, changes.body)
    if body == inject.body.strip():
        body = inject.body  # the same text (a scenario's body may end with a newline)
    _check_group(session, commission_id, changes.group_id)
    _check_delegation(session, commission_id, changes.delegation_id)
    _check_trigger(inject.status, changes.trigger, changes.idle_minutes)
    if changes.scheduled_for is not None:
        if inject.status != "scheduled":
            raise Invalid(
                _("Only a scheduled inject has a time to move; schedule it first."),
                field="minutes",
            )
        _check_time(changes.scheduled_for)
    new = {
        "title": title,
        "body": body,
        "working_group_id": changes.group_id,
        "target_delegation_id": changes.delegation_id,
        "trigger": changes.trigger,
        "idle_minutes": changes.idle_minutes if changes.trigger == "on_idle" else None,
        "scheduled_for": changes.scheduled_for or inject.scheduled_for,
    }
    changed = sorted(name for name, value in new.items() if getattr(inject, name) != value)
    if not changed:
        return inject
    if inject.status == "armed" and {"trigger", "idle_minutes", "working_group_id"} & set(changed):
        inject.armed_at = utcnow()  # armed anew: a quiet spell counts from now
    for name, value in new.items():
        setattr(inject, name, value)
    record(
        session,
        commission_id,
        "inject.edited",
        actor_id=actor_id,
        inject=inject.id,
        changed=changed,
    )
    _plan_changed(session, inject)
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
            select(Inject.id)
            .join(Commission, Commission.id == Inject.commission_id)
            .where(
                Inject.status == "scheduled",
                Inject.scheduled_for <= now,
                Commission.status != "concluded",
            )
        )
    )
    idle = session.execute(
        select(Inject, Commission.status)
        .join(Commission, Commission.id == Inject.commission_id)
        .where(Inject.status == "armed", Inject.trigger == "on_idle")
    ).all()
    for inject, commission_status in idle:
        last = session.scalar(
            select(func.max(Activity.created_at)).where(
                Activity.commission_id == inject.commission_id,
                (Activity.working_group_id == inject.working_group_id)
                if inject.working_group_id is not None
                else Activity.working_group_id.is_not(None),
            )
        )
        if rules.quiet_long_enough(
            now=now,
            last_activity=last,
            armed_at=inject.armed_at or inject.created_at,
            idle_minutes=inject.idle_minutes,
            in_session=commission_status == "in_session",
        ):
            due.append(inject.id)
    return due


def publish_due(session: Session) -> int:
    published = 0
    for inject_id in due_inject_ids(session):
        inject = session.get(Inject, inject_id, with_for_update=True)
        # Looked at again under the lock: the instructor may have disarmed or changed it since.
        if inject is None:
            continue
        on_time = inject.status == "scheduled" and inject.scheduled_for is not None
        on_quiet = inject.status == "armed" and inject.trigger == "on_idle"
        if on_time or on_quiet:
            publish(session, inject, actor_id=None)
            published += 1
    return published


def copy_from_scenario(
    session: Session, commission_id: int, scenario_injects: Iterable[Any]
) -> None:
    """The scenario's injects (app.scenarios.models.ScenarioInject) as the new commission's drafts,
    aimed at its copies of their group and delegation. The scenario's trigger is a suggestion:
    nothing fires until the instructor arms it."""
    groups = dict(
        session.execute(
            select(WorkingGroup.code, WorkingGroup.id).where(
                WorkingGroup.commission_id == commission_id
            )
        ).all()
    )
    delegations = dict(
        session.execute(
            select(Delegation.code, Delegation.id).where(Delegation.commission_id == commission_id)
        ).all()
    )
    session.add_all(
        Inject(
            commission_id=commission_id,
            code=j.code,
            title=j.title,
            body=j.body,
            trigger=j.trigger,
            idle_minutes=j.idle_minutes,
            working_group_id=groups[j.working_group_code] if j.working_group_code else None,
            target_delegation_id=delegations[j.delegation_code] if j.delegation_code else None,
            status="draft",
        )
        for j in scenario_injects
    )
    session.flush()
