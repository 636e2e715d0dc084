"""A commission's charter: a page to read and print, and exports as Markdown, JSON and CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.auth import OptionalUser
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission
from app.commissions.rules import Viewer
from app.db import SessionDep
from app.errors import NotFound
from app.forms import whole_number
from app.i18n import gettext as _
from app.ids import Id
from app.norms import registry, rules, service
from app.web import is_htmx, render

router = APIRouter()

EXPORTS = {
    "md": ("text/markdown; charset=utf-8", service.charter_markdown),
    "json": ("application/json", service.charter_json),
    "csv": ("text/csv; charset=utf-8", service.charter_csv),
}


def _charter_reader(
    session: Session, commission_id: int, user: User | None, missing: str
) -> tuple[Commission, Viewer]:
    """The commission, if the viewer may read its charter; else `missing` as not found, so that
    a charter's existence stays private."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(missing)
    viewer = commissions.viewer_of(commissions.participant_for(session, commission_id, user))
    if not rules.can_read_charter(viewer, commission.charter_visibility):
        raise NotFound(missing)
    return commission, viewer


def _readable_charter(session: Session, commission_id: int, user: User | None) -> service.Charter:
    commission, _viewer = _charter_reader(
        session, commission_id, user, _("There is no charter here.")
    )
    return service.load_charter(session, commission)


@router.get("/commissions/{commission_id}/charter", name="charter")
def charter_page(
    request: Request, session: SessionDep, user: OptionalUser, commission_id: Id
) -> Response:
    charter = _readable_charter(session, commission_id, user)
    return render(request, "norms/charter.html", {"charter": charter})


@router.get("/commissions/{commission_id}/charter.{fmt}", name="charter_export")
def charter_export(
    session: SessionDep, user: OptionalUser, commission_id: Id, fmt: str
) -> Response:
    if fmt not in EXPORTS:
        raise NotFound(_("Choose md, json or csv."))
    charter = _readable_charter(session, commission_id, user)
    media_type, write = EXPORTS[fmt]
    return Response(
        write(charter),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="charter-{commission_id}.{fmt}"'},
    )


@router.get("/norms", name="registry")
def registry_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    q: str = "",
    group: str = "",
    commission: str = "",
    delegation: str = "",
    sort: str = "relevance",
    page: str = "1",
) -> Response:
    """Every norm the viewer may read; HTMX asks for the results block as the visitor types."""
    query = registry.RegistryQuery(
        q=q[:200],
        group=group[:8].upper(),
        commission=whole_number(commission),
        delegation=delegation[:12].upper(),
        sort=sort if sort in registry.SORTS else "relevance",
        page=whole_number(page) or 1,
    )
    # As the visitor types, only the results are redrawn: the filters' options are not needed.
    results = registry.search(session, user, query, with_choices=not is_htmx(request))
    # The address bar follows the search, without the empty fields a form sends.
    address = "/norms" + (f"?{urlencode(params)}" if (params := query.params()) else "")
    return render(
        request,
        "norms/registry.html",
        {"results": results, "sorts": registry.SORTS, "count_limit": registry.COUNT_LIMIT},
        block="results",
        headers={"HX-Push-Url": address},
    )


@router.get("/norms/{commission_id}/{code}", name="norm")
def norm_page(
    request: Request, session: SessionDep, user: OptionalUser, commission_id: Id, code: str
) -> Response:
    """A norm at a stable address: its text, sponsors, vote and how the text came to be."""
    commission, viewer = _charter_reader(session, commission_id, user, _("There is no norm here."))
    page = service.load_norm_page(session, commission, code, viewer)
    if page is None:
        raise NotFound(_("There is no norm here."))
    return render(request, "norms/norm.html", {"page": page, "can_see_debate": viewer.is_member})
