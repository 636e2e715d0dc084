"""A commission's page that one feature draws and another draws again: the instructor's console
holds the injects' forms, so a refused inject redraws the console with its message. The
instructor feature offers the console here where the app starts (app.main), never as a side
effect of an import; injects asks for it without importing instructor."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.commissions.models import Commission


class CommissionPage(Protocol):
    def __call__(
        self,
        request: Request,
        session: Session,
        commission: Commission,
        status_code: int = 200,
        **extra: Any,
    ) -> Response: ...


_console: list[CommissionPage] = []


def offer_console(page: CommissionPage) -> None:
    _console[:] = [page]


def console_page(
    request: Request, session: Session, commission: Commission, status_code: int = 200, **extra: Any
) -> Response:
    """The instructor's console of the commission, with `extra` over its context."""
    if not _console:
        raise LookupError("No console page is offered: app.main.create_app offers it.")
    return _console[0](request, session, commission, status_code, **extra)
