"""The instructor console: upload a scenario, open a commission from one, show its code, enrol
and seat the roster, rules.

The dashboard and the conclusion have their own packages, whose pages this router carries too;
the console's inject forms are app.injects.routes'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.auth import CurrentUser
from app.commissions import service as commissions
from app.commissions.models import Commission, Participant
from app.commissions.pages import redraw_console
from app.db import SessionDep
from app.errors import DomainError, NotAllowed
from app.forms import form_id, form_ids, refused, whole_number
from app.i18n import gettext as _
from app.ids import Id
from app.instructor import enrolment, seats, service
from app.instructor import roster as roster_files
from app.instructor.conclusion import routes as conclusion
from app.instructor.dashboard import routes as dashboard
from app.instructor.pages import instructor_home_page, manage_page
from app.instructor.seats import SeatChoice
from app.instructor.service import GroupRules
from app.scenarios import service as scenarios
from app.web import render

router = APIRouter()

UPLOAD_LIMIT = roster_files.MAX_BYTES
SCENARIO_UPLOAD_LIMIT = 2_000_000


@router.get("/instructor", name="instructor_home")
def instructor_home(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return instructor_home_page(request, session, user)


@router.post("/instructor/commissions")
def open_commission(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    title: Annotated[str, Form()] = "",
    scenario_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        chosen = form_id(scenario_id, field="scenario_id")
        commission = service.open_from_scenario(session, user, chosen or 0, title)
    except DomainError as error:
        refusal = refused(session, error, reraise=(NotAllowed,))
        return instructor_home_page(
            request,
            session,
            user,
            status_code=refusal.status_code,
            values={"title": title, "scenario_id": scenario_id},
            errors=refusal.errors("title"),
        )
    return RedirectResponse(f"/commissions/{commission.id}/manage", status_code=303)


@router.post("/instructor/scenarios")
def import_file(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if not user.is_instructor:
        raise NotAllowed(_("This page is for instructors."))
    # Sync route (threadpool): parsing and storing a scenario never runs on the event loop.
    data = file.file.read(SCENARIO_UPLOAD_LIMIT + 1) if file is not None else b""
    problems: list[str] = []
    if not data:
        problems = [_("Choose a scenario file to upload.")]
    elif len(data) > SCENARIO_UPLOAD_LIMIT:
        problems = [_("The file is larger than 2 MB.")]
    else:
        try:
            spec = scenarios.parse_scenario_file(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            problems = [_("The file is not UTF-8 text.")]
        except scenarios.ScenarioFileError as error:
            problems = error.problems
    if problems:
        return instructor_home_page(
            request, session, user, status_code=400, import_problems=problems
        )
    scenario = scenarios.import_for(session, spec, user)
    return RedirectResponse(f"/scenarios/{scenario.id}", status_code=303)


@router.get("/commissions/{commission_id}/manage", name="manage_commission")
def manage(request: Request, session: SessionDep, user: CurrentUser, commission_id: Id) -> Response:
    commission, _me = commissions.managed_commission(session, commission_id, user)
    return manage_page(request, session, commission)


@router.get("/commissions/{commission_id}/join-code", name="join_code")
def join_code(
    request: Request, session: SessionDep, user: CurrentUser, commission_id: Id
) -> Response:
    commission, _me = commissions.managed_commission(session, commission_id, user)
    return render(
        request,
        "instructor/join_code.html",
        {
            "commission": commission,
            "join_code": commissions.format_join_code(commission.join_code),
            "join_url": str(request.base_url).rstrip("/") + "/join",
        },
    )


@router.post("/commissions/{commission_id}/manage/start")
def start(request: Request, session: SessionDep, user: CurrentUser, commission_id: Id) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        service.start_session(session, commission, me)
    except DomainError as error:
        return redraw_console(request, session, commission, refused(session, error))
    return RedirectResponse(f"/commissions/{commission_id}/manage", status_code=303)


@router.post("/commissions/{commission_id}/manage/language")
def default_language(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    locale: Annotated[str, Form()] = "",
) -> Response:
    commission, _me = commissions.managed_commission(session, commission_id, user)
    try:
        service.set_default_locale(commission, locale)
    except DomainError as error:
        return redraw_console(request, session, commission, refused(session, error))
    return RedirectResponse(f"/commissions/{commission_id}/manage#language", status_code=303)


@router.post("/commissions/{commission_id}/manage/participants/{participant_id}")
def seat(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    participant_id: Id,
    delegation_id: Annotated[str, Form()] = "",
    sector_id: Annotated[str, Form()] = "",
    role_brief_id: Annotated[str, Form()] = "",
    group_ids: Annotated[list[str] | None, Form()] = None,
    co_chair_group_ids: Annotated[list[str] | None, Form()] = None,
    head: Annotated[bool, Form()] = False,
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        choice = SeatChoice(
            delegation_id=form_id(delegation_id, field="delegation_id"),
            sector_id=form_id(sector_id, field="sector_id"),
            role_brief_id=form_id(role_brief_id, field="role_brief_id"),
            group_ids=form_ids(group_ids, field="group_ids"),
            co_chair_group_ids=form_ids(co_chair_group_ids, field="co_chair_group_ids"),
            head=head,
        )
        seats.seat_participant(session, commission, me, participant_id, choice)
    except DomainError as error:
        return redraw_console(
            request, session, commission, refused(session, error), error_row=participant_id
        )
    return RedirectResponse(
        f"/commissions/{commission_id}/manage#participant-{participant_id}", status_code=303
    )


@router.post("/commissions/{commission_id}/manage/auto-seat")
def auto_seat(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    reseat_all: Annotated[bool, Form()] = False,
    groups_per_student: Annotated[str, Form()] = "0",
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    per_student = whole_number(groups_per_student)
    per_student = -1 if per_student is None else per_student  # refused by auto_seat
    try:
        seats.auto_seat(
            session, commission, me, reseat_all=reseat_all, groups_per_student=per_student
        )
    except DomainError as error:
        return redraw_console(
            request,
            session,
            commission,
            refused(session, error),
            auto_seat_values={"groups_per_student": groups_per_student, "reseat_all": reseat_all},
        )
    return RedirectResponse(f"/commissions/{commission_id}/manage#roster", status_code=303)


@router.post("/commissions/{commission_id}/manage/participants/{participant_id}/password")
def reset_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    participant_id: Id,
) -> Response:
    """A plain `def`: hashing the new password takes a while and must not hold the event loop."""
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        reset = enrolment.reset_password(session, commission, me, participant_id)
    except NotAllowed as error:
        return redraw_console(
            request, session, commission, refused(session, error), error_row=participant_id
        )
    # The password is in this page only: never in a URL, a log or the history of a cache.
    return render(
        request,
        "instructor/new_password.html",
        {"commission": commission, "reset": reset, "sign_in_url": _sign_in_url(request)},
        headers={"Cache-Control": "no-store"},
    )


def _sign_in_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/sign-in"


@router.get("/commissions/{commission_id}/manage/roster-example.csv", name="roster_example")
def roster_example(session: SessionDep, user: CurrentUser, commission_id: Id) -> Response:
    """A small roster file to start from, with this commission's own delegations and sectors."""
    commission, _me = commissions.managed_commission(session, commission_id, user)
    data = service.roster(session, commission.id)
    return Response(
        roster_files.example_roster(
            delegations=[d.code for d in data.delegations], sectors=[s.code for s in data.sectors]
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="roster-example.csv"'},
    )


@router.post("/commissions/{commission_id}/manage/roster")
def upload_roster(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    # A plain `def`: FastAPI runs it in the threadpool, so the database work and the password
    # hashes of a whole class never hold up the event loop (the live streams, the sweeper).
    commission, me = commissions.managed_commission(session, commission_id, user)
    data = file.file.read(UPLOAD_LIMIT + 1) if file is not None else b""
    return enrol_from_bytes(request, session, commission, me, data)


def enrol_from_bytes(
    request: Request, session: Session, commission: Commission, me: Participant, data: bytes
) -> Response:
    roster = service.roster(session, commission.id)
    if not data:
        return manage_page(
            request, session, commission, 400, roster_problems=[_("Choose a CSV file to upload.")]
        )
    rows, problems = roster_files.parse_roster(
        data,
        delegations={d.code: d.name for d in roster.delegations},
        sectors={s.code: s.name for s in roster.sectors},
    )
    if problems:
        return manage_page(
            request,
            session,
            commission,
            400,
            roster_problems=[p.message for p in problems],
        )
    credentials = enrolment.enrol(session, commission, me, rows)
    return render(
        request,
        "instructor/credentials.html",
        {
            "commission": commission,
            "credentials": credentials,
            "join_url": str(request.base_url).rstrip("/") + "/sign-in",
        },
    )


@router.post("/commissions/{commission_id}/manage/groups/{code}")
def change_rules(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    code: str,
    voting_rule: Annotated[str, Form()] = "",
    quorum_percent: Annotated[str, Form()] = "",
    ballot_unit: Annotated[str, Form()] = "",
    ballot_type: Annotated[str, Form()] = "",
    sponsorship: Annotated[str, Form()] = "",
    hide_running_tally: Annotated[bool, Form()] = False,
    chairs_move_stages: Annotated[bool, Form()] = False,
    texts_must_agree: Annotated[bool, Form()] = False,
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        quorum = int(quorum_percent)
    except ValueError:
        quorum = -1
    try:
        service.change_rules(
            session,
            commission,
            me,
            code,
            GroupRules(
                voting_rule=voting_rule,
                quorum_percent=quorum,
                ballot_unit=ballot_unit,
                ballot_type=ballot_type,
                sponsorship=sponsorship,
                hide_running_tally=hide_running_tally,
                chairs_move_stages=chairs_move_stages,
                texts_must_agree=texts_must_agree,
            ),
        )
    except DomainError as error:
        return redraw_console(
            request, session, commission, refused(session, error), error_group=code
        )
    return RedirectResponse(f"/commissions/{commission_id}/manage#rules-{code}", status_code=303)


@router.post("/commissions/{commission_id}/manage/delegations")
def add_partner(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "observer",
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        service.add_partner(session, commission, me, code=code, name=name, status=status)
    except DomainError as error:
        refusal = refused(session, error)
        return manage_page(
            request,
            session,
            commission,
            refusal.status_code,
            # A refusal of the whole form (the commission has concluded) goes at the top.
            error=refusal.general(),
            partner_errors=refusal.errors(),
            partner_values={"code": code, "name": name, "status": status},
        )
    return RedirectResponse(f"/commissions/{commission_id}/manage#partners", status_code=303)


@router.post("/commissions/{commission_id}/manage/delegations/{delegation_id}")
def partner_status(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    commission_id: Id,
    delegation_id: Id,
    status: Annotated[str, Form()] = "",
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    try:
        service.set_partner_status(session, commission, me, delegation_id, status)
    except DomainError as error:
        return redraw_console(request, session, commission, refused(session, error))
    return RedirectResponse(f"/commissions/{commission_id}/manage#partners", status_code=303)


router.include_router(dashboard.router)
router.include_router(conclusion.router)
