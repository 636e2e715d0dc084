"""The injects API under /api/v1/commissions/{id}/injects: the console's inject actions, for
scripts. Only the commission's instructors reach it; another commission's inject is not found."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy.orm import Session

from app.accounts.auth import ApiUser
from app.accounts.models import User
from app.commissions.models import Delegation, WorkingGroup
from app.commissions.service import managed_commission
from app.db import SessionDep, utcnow
from app.errors import Invalid
from app.i18n import gettext as _
from app.ids import Id
from app.injects import schemas as s
from app.injects import service as injects
from app.injects.models import Inject

router = APIRouter(prefix="/api/v1/commissions/{commission_id}/injects", tags=["injects"])


class Codes:
    """The commission's working groups and delegations, by code and by id."""

    def __init__(self, groups: list[WorkingGroup], delegations: list[Delegation]) -> None:
        self.group_codes = {g.id: g.code for g in groups}
        self.delegation_codes = {d.id: d.code for d in delegations}

    @classmethod
    def of(cls, session: Session, commission_id: int) -> Codes:
        return cls(*injects.choices(session, commission_id))

    def group_id(self, code: str | None) -> int | None:
        return _id_of(self.group_codes, code, "group")

    def delegation_id(self, code: str | None) -> int | None:
        return _id_of(self.delegation_codes, code, "delegation")

    def out(self, inject: Inject) -> s.InjectOut:
        return s.InjectOut(
            id=inject.id,
            code=inject.code,
            title=inject.title,
            body=inject.body,
            status=inject.status,
            trigger=inject.trigger,
            idle_minutes=inject.idle_minutes,
            group=self.group_codes.get(inject.working_group_id or 0),
            delegation=self.delegation_codes.get(inject.target_delegation_id or 0),
            scheduled_for=inject.scheduled_for,
            armed_at=inject.armed_at,
            published_at=inject.published_at,
        )


def _id_of(codes: dict[int, str], code: str | None, field: str) -> int | None:
    if code is None or code == "":
        return None
    ids = {c.upper(): i for i, c in codes.items()}
    if code.upper() not in ids:
        raise Invalid(
            _(
                "Unknown code %(code)s; use one of: %(codes)s.",
                code=code,
                codes=", ".join(codes.values()),
            ),
            field=field,
        )
    return ids[code.upper()]


def _step(
    session: Session,
    user: User,
    commission_id: int,
    inject_id: int,
    step: Callable[[Session, int, int, int], Inject],
) -> s.InjectOut:
    """One inject moved on by a service step that takes (commission, inject, actor) ids."""
    commission, me = managed_commission(session, commission_id, user)
    inject = step(session, commission.id, inject_id, me.id)
    return Codes.of(session, commission.id).out(inject)


@router.get("")
def list_injects(session: SessionDep, user: ApiUser, commission_id: Id) -> list[s.InjectOut]:
    commission, _me = managed_commission(session, commission_id, user)
    codes = Codes.of(session, commission.id)
    return [codes.out(i) for i in injects.list_injects(session, commission.id)]


@router.post("", status_code=201)
def write_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, body: s.InjectIn
) -> s.InjectOut:
    commission, me = managed_commission(session, commission_id, user)
    codes = Codes.of(session, commission.id)
    inject = injects.write(
        session,
        commission.id,
        title=body.title,
        body=body.body,
        group_id=codes.group_id(body.group),
        delegation_id=codes.delegation_id(body.delegation),
        actor_id=me.id,
    )
    if body.publish:
        injects.publish(session, inject, actor_id=me.id)
    return codes.out(inject)


@router.get("/{inject_id}")
def read_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id
) -> s.InjectOut:
    commission, _me = managed_commission(session, commission_id, user)
    inject = injects.inject_in(session, commission.id, inject_id)
    return Codes.of(session, commission.id).out(inject)


@router.patch("/{inject_id}")
def edit_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id, body: s.InjectPatch
) -> s.InjectOut:
    """Change what was sent and keep the rest. A published inject is refused with 409."""
    commission, me = managed_commission(session, commission_id, user)
    codes = Codes.of(session, commission.id)
    current = injects.inject_in(session, commission.id, inject_id)
    sent = body.model_fields_set
    trigger = body.trigger if "trigger" in sent and body.trigger else current.trigger
    changes = injects.InjectChanges(
        title=body.title if body.title is not None else current.title,
        body=body.body if body.body is not None else current.body,
        group_id=codes.group_id(body.group) if "group" in sent else current.working_group_id,
        delegation_id=(
            codes.delegation_id(body.delegation)
            if "delegation" in sent
            else current.target_delegation_id
        ),
        trigger=trigger,
        idle_minutes=body.idle_minutes if "idle_minutes" in sent else current.idle_minutes,
        scheduled_for=(
            utcnow() + timedelta(minutes=body.minutes) if body.minutes is not None else None
        ),
    )
    inject = injects.edit(session, commission.id, inject_id, changes, me.id)
    return codes.out(inject)


@router.post("/{inject_id}/publish")
def publish_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id
) -> s.InjectOut:
    return _step(session, user, commission_id, inject_id, injects.publish_now)


@router.post("/{inject_id}/schedule")
def schedule_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id, body: s.ScheduleIn
) -> s.InjectOut:
    commission, me = managed_commission(session, commission_id, user)
    inject = injects.schedule(session, commission.id, inject_id, body.minutes, me.id)
    return Codes.of(session, commission.id).out(inject)


@router.post("/{inject_id}/arm")
def arm_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id, body: s.ArmIn
) -> s.InjectOut:
    commission, me = managed_commission(session, commission_id, user)
    codes = Codes.of(session, commission.id)
    inject = injects.arm(
        session,
        commission.id,
        inject_id,
        trigger=body.trigger,
        group_id=codes.group_id(body.group),
        idle_minutes=body.idle_minutes,
        actor_id=me.id,
    )
    return codes.out(inject)


@router.post("/{inject_id}/disarm")
def disarm_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id
) -> s.InjectOut:
    """Back to a draft: nothing sends it until it is published, scheduled or armed again."""
    return _step(session, user, commission_id, inject_id, injects.disarm)


@router.post("/{inject_id}/cancel")
def cancel_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id
) -> s.InjectOut:
    """It will not go out; a published inject is refused with 409."""
    return _step(session, user, commission_id, inject_id, injects.cancel)


@router.post("/{inject_id}/restore")
def restore_inject(
    session: SessionDep, user: ApiUser, commission_id: Id, inject_id: Id
) -> s.InjectOut:
    return _step(session, user, commission_id, inject_id, injects.restore)
