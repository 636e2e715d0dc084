"""The instructor's live dashboard page: the working groups' boards and the injects' board."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.auth import CurrentUser
from app.commissions.service import managed_commission
from app.db import SessionDep
from app.ids import Id
from app.injects import views as inject_views
from app.instructor.dashboard import service
from app.web import render

router = APIRouter()


@router.get("/commissions/{commission_id}/dashboard", name="dashboard")
def dashboard(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id
) -> Response:
    commission, _me = managed_commission(session, commission_id, user)
    return render(
        request,
        "instructor/dashboard.html",
        {
            "commission": commission,
            "boards": service.dashboard(session, commission.id),
            "inject_board": inject_views.board(session, commission.id),
        },
    )
