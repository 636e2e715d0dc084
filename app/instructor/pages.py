"""The instructor's two pages that forms draw again: the instructor home (with the scenarios
to open a commission from, and the scenario upload) and the console of one commission. The
injects' forms sit on the console too: app.main offers it to them (app.commissions.pages)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, Participant
from app.errors import NotAllowed
from app.i18n import gettext as _
from app.injects.console import console_section
from app.instructor import roster as roster_files
from app.instructor import rules, seats, service
from app.scenarios.models import Scenario
from app.web import render


def _scenarios_for(session: Session, user: User) -> list[Scenario]:
    return list(
        session.scalars(
            select(Scenario)
            .where(or_(Scenario.is_builtin.is_(True), Scenario.owner_id == user.id))
            .order_by(Scenario.is_builtin.desc(), Scenario.title)
        )
    )


def _my_commissions(session: Session, user: User) -> list[Commission]:
    return list(
        session.scalars(
            select(Commission)
            .join(Participant, Participant.commission_id == Commission.id)
            .where(Participant.user_id == user.id, Participant.role == "instructor")
            .order_by(Commission.created_at.desc())
        )
    )


def instructor_home_page(
    request: Request, session: Session, user: User, *, status_code: int = 200, **extra: Any
) -> Response:
    if not rules.can_open_commissions(user.is_instructor):
        raise NotAllowed(_("This page is for instructors."))
    context: dict[str, Any] = {
        "scenarios": _scenarios_for(session, user),
        "commissions": _my_commissions(session, user),
        "import_problems": [],
    }
    context.update(extra)
    return render(request, "instructor/home.html", context, status_code=status_code)


def _manage_context(session: Session, commission: Commission, **extra: Any) -> dict[str, Any]:
    data = service.roster(session, commission.id)
    defaults: dict[str, Any] = {
        "error": None,
        "error_row": None,
        "error_group": None,
        "roster_problems": [],
        "partner_errors": {},
        "partner_values": {},
        "auto_seat_values": {},
    }
    return {
        **defaults,
        "commission": commission,
        "roster": data,
        "join_code": commissions.format_join_code(commission.join_code),
        **console_section(session, commission.id),
        "brief_sharing": seats.brief_sharing(data),
        "roster_columns": roster_files.POSITIONAL_COLUMNS,
        "concluded": rules.console_change_refusal(commission.status) is not None,
        "memberships": {
            p.id: {m.working_group_id: m.is_co_chair for m in p.memberships}
            for p in data.participants
        },
        **extra,
    }


def manage_page(
    request: Request, session: Session, commission: Commission, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "instructor/manage.html",
        _manage_context(session, commission, **extra),
        status_code=status_code,
        page_url=f"/commissions/{commission.id}/manage",
    )
