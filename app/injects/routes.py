"""The console's crisis injects: write one, edit it, then publish, schedule, arm, disarm, cancel
or restore it. Plain forms that redirect to the console; a refusal draws the console (or the
edit page) again with its message and what was typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.auth import CurrentUser
from app.commissions.models import Commission
from app.commissions.pages import console_page, redraw_console
from app.commissions.service import managed_commission
from app.db import SessionDep, utcnow
from app.errors import DomainError, NotFound
from app.forms import form_id, refused, whole_number
from app.i18n import gettext as _
from app.ids import Id
from app.injects import rules
from app.injects import service as injects
from app.injects.models import Inject
from app.web import render

router = APIRouter()


def _minutes(value: str) -> int | None:
    """A minutes field: empty is None; anything but a whole number becomes -1, which is refused."""
    if not value.strip():
        return None
    number = whole_number(value)
    return -1 if number is None else number


def _console(commission_id: int, inject_id: int | None = None) -> RedirectResponse:
    anchor = f"#inject-{inject_id}" if inject_id else "#injects"
    return RedirectResponse(f"/commissions/{commission_id}/manage{anchor}", status_code=303)


@router.post("/commissions/{commission_id}/manage/injects")
def write_inject(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
    delegation_id: Annotated[str, Form()] = "",
    publish_now: Annotated[bool, Form()] = False,
) -> Response:
    commission, me = managed_commission(session, commission_id, user)
    try:
        inject = injects.write(
            session,
            commission.id,
            title=title,
            body=body,
            group_id=form_id(group_id, field="group_id"),
            delegation_id=form_id(delegation_id, field="delegation_id"),
            actor_id=me.id,
        )
        if publish_now:
            injects.publish(session, inject, actor_id=me.id)
    except DomainError as error:
        refusal = refused(session, error)
        return console_page(
            request,
            session,
            commission,
            refusal.status_code,
            inject_errors=refusal.errors("title"),
            inject_values={
                "title": title,
                "body": body,
                "group_id": group_id,
                "delegation_id": delegation_id,
            },
        )
    return _console(commission_id)


def _edit_page(
    request: Request,
    session: Session,
    commission: Commission,
    inject: Inject,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    groups, delegations = injects.choices(session, commission.id)
    context: dict[str, Any] = {
        "commission": commission,
        "inject": inject,
        "groups": groups,
        "delegations": delegations,
        "errors": errors or {},
        "values": values
        or {
            "title": inject.title,
            "body": inject.body,
            "group_id": str(inject.working_group_id or ""),
            "delegation_id": str(inject.target_delegation_id or ""),
            "trigger": inject.trigger,
            "idle_minutes": str(inject.idle_minutes or ""),
            "minutes": "",
        },
    }
    return render(request, "injects/edit.html", context, status_code=status_code)


@router.get("/commissions/{commission_id}/manage/injects/{inject_id}/edit", name="edit_inject")
def edit_page(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id, inject_id: Id
) -> Response:
    commission, _me = managed_commission(session, commission_id, user)
    inject = injects.inject_in(session, commission.id, inject_id)
    if refusal := rules.refusal("edit", inject.status):
        return console_page(
            request, session, commission, 409, error=refusal, error_inject=inject.id
        )
    return _edit_page(request, session, commission, inject)


@router.post("/commissions/{commission_id}/manage/injects/{inject_id}/edit")
def edit_inject(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    inject_id: Id,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
    delegation_id: Annotated[str, Form()] = "",
    trigger: Annotated[str, Form()] = "manual",
    idle_minutes: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
) -> Response:
    commission, me = managed_commission(session, commission_id, user)
    moved_by = _minutes(minutes)
    try:
        changes = injects.InjectChanges(
            title=title,
            body=body,
            group_id=form_id(group_id, field="group_id"),
            delegation_id=form_id(delegation_id, field="delegation_id"),
            trigger=trigger,
            idle_minutes=_minutes(idle_minutes),
            scheduled_for=utcnow() + timedelta(minutes=moved_by) if moved_by is not None else None,
        )
        injects.edit(session, commission.id, inject_id, changes, me.id)
    except DomainError as error:
        refusal = refused(session, error, reraise=(NotFound,))
        inject = injects.inject_in(session, commission.id, inject_id)
        if refusal.field is None:  # it was published or cancelled meanwhile
            return redraw_console(request, session, commission, refusal, error_inject=inject_id)
        typed = {
            "title": title,
            "body": body,
            "group_id": group_id,
            "delegation_id": delegation_id,
            "trigger": trigger,
            "idle_minutes": idle_minutes,
            "minutes": minutes,
        }
        return _edit_page(
            request,
            session,
            commission,
            inject,
            status_code=refusal.status_code,
            errors=refusal.errors(),
            values=typed,
        )
    return _console(commission_id, inject_id)


@router.post("/commissions/{commission_id}/manage/injects/{inject_id}/{action}")
def inject_action(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    inject_id: Id,
    action: str,
    minutes: Annotated[str, Form()] = "",
    trigger: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
    idle_minutes: Annotated[str, Form()] = "",
) -> Response:
    """Publish, schedule, arm, disarm, cancel or restore one inject from its card."""
    commission, me = managed_commission(session, commission_id, user)
    cid = commission.id
    try:
        if action == "publish":
            injects.publish_now(session, cid, inject_id, me.id)
        elif action == "schedule":
            injects.schedule(session, cid, inject_id, _minutes(minutes) or 0, me.id)
        elif action == "arm":
            injects.arm(
                session,
                cid,
                inject_id,
                trigger=trigger,
                group_id=form_id(group_id, field="group_id"),
                idle_minutes=_minutes(idle_minutes),
                actor_id=me.id,
            )
        elif action == "disarm":
            injects.disarm(session, cid, inject_id, me.id)
        elif action == "cancel":
            injects.cancel(session, cid, inject_id, me.id)
        elif action == "restore":
            injects.restore(session, cid, inject_id, me.id)
        else:
            raise NotFound(_("Unknown action."))
    except DomainError as error:
        refusal = refused(session, error, reraise=(NotFound,))
        return redraw_console(request, session, commission, refusal, error_inject=inject_id)
    return _console(commission_id, inject_id)
