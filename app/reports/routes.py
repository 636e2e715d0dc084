"""The after-action report: a page to read and print, the participation CSV, and sharing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.auth import OptionalUser
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Commission, Participant
from app.commissions.rules import Viewer
from app.db import SessionDep
from app.errors import NotAllowed, NotFound
from app.i18n import format_datetime, format_percent
from app.i18n import gettext as _
from app.ids import Id
from app.reports import charts, rules, service, timeline
from app.web import render

router = APIRouter()


def _readable_report(
    session: Session, commission_id: int, user: User | None
) -> tuple[Commission, Participant | None, Viewer]:
    """A report the viewer may not read is answered as not found: its existence stays private."""
    commission = session.get(Commission, commission_id)
    if commission is None:
        raise NotFound(_("There is no report here."))
    me = commissions.participant_for(session, commission_id, user)
    viewer = commissions.viewer_of(me)
    if not rules.can_read_report(viewer, commission.report_shared_with_class):
        raise NotFound(_("There is no report here."))
    return commission, me, viewer


def report_charts(report: service.Report, show_people: bool) -> dict[str, charts.Chart]:
    """The page's three charts: activity over time, who spoke, which sectors voted together."""
    span_days = report.buckets and report.buckets[-1].start.date() != report.buckets[0].start.date()
    moment = "day_time" if span_days else "time"
    if show_people:
        spoke = [
            (p.name, p.counts.arguments) for p in report.participants if p.role != "instructor"
        ]
    else:
        spoke = [(row.label or _("No sector"), row.counts.arguments) for row in report.by_sector]
    speakers = sorted((charts.Item(name, n, str(n)) for name, n in spoke), key=lambda i: -i.value)
    across = [
        charts.Item(f"{a} – {b}", agreement.share or 0.0, format_percent(agreement.share or 0))
        for a, b, agreement in report.sector_agreement_across.ranked()
    ]
    activity = [
        charts.Item(format_datetime(b.start, moment), b.count, str(b.count)) for b in report.buckets
    ]
    return {
        "activity": charts.columns(activity),
        "speakers": charts.horizontal_bars(speakers),
        "across": charts.horizontal_bars(across, maximum=1.0),
    }


@router.get("/commissions/{commission_id}/report", name="report")
def report_page(
    request: Request, session: SessionDep, user: OptionalUser, commission_id: Id
) -> Response:
    commission, _me, viewer = _readable_report(session, commission_id, user)
    report = service.load_report(session, commission, viewer)
    show_people = commissions.names_people_to(commission, viewer)
    return render(
        request,
        "reports/report.html",
        {
            "report": report,
            "viewer": viewer,
            "show_people": show_people,
            "charts": report_charts(report, show_people),
            "timeline_limit": timeline.TIMELINE_LIMIT,
        },
    )


@router.get("/commissions/{commission_id}/report/participation.csv", name="participation_csv")
def participation_csv(session: SessionDep, user: OptionalUser, commission_id: Id) -> Response:
    commission, _me, viewer = _readable_report(session, commission_id, user)
    if not rules.can_export_participation(viewer):
        raise NotAllowed(_("The participation export is for the commission's instructors."))
    people = service.load_participation(session, commission)
    return Response(
        service.participation_csv(people),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="participation-{commission_id}.csv"'
        },
    )


@router.post("/commissions/{commission_id}/report/sharing")
def report_sharing(
    session: SessionDep,
    user: OptionalUser,
    commission_id: Id,
    shared: Annotated[bool, Form()] = False,
) -> Response:
    commission, me, viewer = _readable_report(session, commission_id, user)
    if not rules.can_share_report(viewer):
        raise NotAllowed(_("Only the instructors of this commission can share its report."))
    assert me is not None
    service.share_with_class(session, commission, me, shared)
    return RedirectResponse(f"/commissions/{commission_id}/report#sharing", status_code=303)
