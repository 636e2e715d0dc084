"""What features above core lend to a commission's pages, as parts of app.page_parts (installed
where the app starts, app.main.PAGE_PARTS), typed here for their callers:

- the console, drawn by the instructor feature: it holds the injects' forms, so a refused
  inject draws it again with its message, without injects importing instructor;
- the news feed of the overview, the published injects this viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import page_parts
from app.commissions.models import Commission
from app.commissions.rules import Viewer
from app.forms import Refusal


class CommissionPage(Protocol):
    def __call__(
        self,
        request: Request,
        session: Session,
        commission: Commission,
        status_code: int = 200,
        **extra: Any,
    ) -> Response: ...


class NewsFeed(Protocol):
    def __call__(
        self,
        session: Session,
        commission_id: int,
        *,
        is_instructor: bool,
        delegation_id: int | None,
    ) -> Sequence[Any]: ...


def console_page(
    request: Request, session: Session, commission: Commission, status_code: int = 200, **extra: Any
) -> Response:
    """The instructor's console of the commission, with `extra` over its context."""
    page: CommissionPage = page_parts.required("commission.console")
    return page(request, session, commission, status_code, **extra)


def redraw_console(
    request: Request, session: Session, commission: Commission, refusal: Refusal, **extra: Any
) -> Response:
    """The console again after a refused form: the refusal's status, its message at the top."""
    return console_page(
        request, session, commission, refusal.status_code, error=refusal.message, **extra
    )


def news(session: Session, commission_id: int, viewer: Viewer) -> Sequence[Any]:
    """What the overview's news feed lists for this viewer (injects.views.visible_injects)."""
    feed: NewsFeed = page_parts.required("commission.news")
    return feed(
        session,
        commission_id,
        is_instructor=viewer.is_instructor,
        delegation_id=viewer.delegation_id,
    )
