"""The conclusion page: what concluding will close, and the form that concludes the commission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.auth import CurrentUser
from app.commissions.models import Commission
from app.commissions.service import managed_commission
from app.db import SessionDep
from app.errors import DomainError
from app.forms import refused
from app.ids import Id
from app.instructor.conclusion import service
from app.web import render

router = APIRouter()


@router.get("/commissions/{commission_id}/manage/conclude", name="conclude_commission")
def conclude_page(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id
) -> Response:
    commission, _me = managed_commission(session, commission_id, user)
    return _conclude_page(request, session, commission)


def _conclude_page(
    request: Request,
    session: Session,
    commission: Commission,
    *,
    error: str | None = None,
    status_code: int = 200,
    visibility: str = "class",
    credit_students_by_name: bool = False,
) -> Response:
    return render(
        request,
        "instructor/conclude.html",
        {
            "commission": commission,
            "preview": service.conclusion_preview(session, commission),
            "error": error,
            # A refused form keeps what the instructor chose.
            "chosen": {"visibility": visibility, "credit": credit_students_by_name},
        },
        status_code=status_code,
    )


@router.post("/commissions/{commission_id}/manage/conclude")
def conclude(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    visibility: Annotated[str, Form()] = "",
    credit_students_by_name: Annotated[bool, Form()] = False,
) -> Response:
    commission, me = managed_commission(session, commission_id, user)
    try:
        service.conclude(
            session,
            commission,
            me,
            visibility=visibility,
            credit_students_by_name=credit_students_by_name,
        )
    except DomainError as error:
        refusal = refused(session, error)
        return _conclude_page(
            request,
            session,
            commission,
            error=refusal.message,
            status_code=refusal.status_code,
            visibility=visibility,
            credit_students_by_name=credit_students_by_name,
        )
    return RedirectResponse(f"/commissions/{commission_id}/manage", status_code=303)
