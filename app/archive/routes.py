"""The archive download: a whole commission as one JSON file, for its instructors."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.accounts.auth import CurrentUser
from app.archive import service
from app.commissions import rules as commission_rules
from app.commissions import service as commissions
from app.db import SessionDep
from app.errors import NotFound
from app.i18n import gettext as _
from app.ids import Id

router = APIRouter()


@router.get("/commissions/{commission_id}/archive.json", name="commission_archive")
def download(session: SessionDep, user: CurrentUser, commission_id: Id) -> Response:
    """The archive holds every account and every word the instructor may read (caucus rooms
    included, students' private drafts not); to anybody but the commission's instructors it
    does not exist."""
    participant = commissions.participant_for(session, commission_id, user)
    if participant is None or not commission_rules.can_manage(commissions.viewer_of(participant)):
        raise NotFound(_("There is no commission here."))
    archive = service.export_commission(session, commission_id, reader=participant)
    return Response(
        service.archive_json(archive),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="commission-{commission_id}.json"'},
    )
