"""The instructor API under /api/v1: script a course's set-up with the console's own services."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.accounts.auth import ApiUser
from app.commissions import service as commissions
from app.db import SessionDep
from app.errors import Invalid
from app.i18n import gettext as _
from app.ids import Id
from app.instructor import enrolment, seats, service
from app.instructor import roster as roster_files
from app.instructor import schemas as s
from app.instructor.conclusion import service as conclusion
from app.instructor.seats import SeatChoice
from app.instructor.service import GroupRules, Roster
from app.scenarios.models import Scenario

router = APIRouter(prefix="/api/v1", tags=["instructor"])


def _id_of(items: dict[str, int], code: str | None, field: str) -> int | None:
    if code is None or code == "":
        return None
    if code not in items:
        raise Invalid(
            _("Unknown code %(code)s; use one of: %(codes)s.", code=code, codes=", ".join(items)),
            field=field,
        )
    return items[code]


@router.post("/commissions", status_code=201)
def open_commission(session: SessionDep, user: ApiUser, body: s.CommissionIn) -> s.OpenedOut:
    scenario_id = session.scalar(select(Scenario.id).where(Scenario.slug == body.scenario))
    commission = service.open_from_scenario(session, user, scenario_id or 0, body.title)
    return s.OpenedOut(
        id=commission.id,
        title=commission.title,
        status=commission.status,
        join_code=commission.join_code,
    )


@router.post("/commissions/{commission_id}/start", status_code=204)
def start(session: SessionDep, user: ApiUser, commission_id: Id) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    service.start_session(session, commission, me)
    return Response(status_code=204)


@router.post(
    "/commissions/{commission_id}/roster",
    status_code=201,
    response_model=None,
    responses={201: {"model": list[s.CredentialOut]}, 422: {"model": s.RosterRefusedOut}},
)
def enrol(
    session: SessionDep, user: ApiUser, commission_id: Id, body: s.RosterIn
) -> list[s.CredentialOut] | JSONResponse:
    """All or nothing: a file with any bad line imports no one and lists every problem."""
    commission, me = commissions.managed_commission(session, commission_id, user)
    data = service.roster(session, commission.id)
    rows, problems = roster_files.parse_roster(
        body.csv.encode("utf-8"),
        delegations={d.code: d.name for d in data.delegations},
        sectors={x.code: x.name for x in data.sectors},
    )
    if problems:
        return JSONResponse(
            {
                "detail": _("Nothing was imported. Fix these lines and send the file again."),
                "problems": [{"line": p.line, "message": p.message} for p in problems],
            },
            status_code=422,
        )
    credentials = enrolment.enrol(session, commission, me, rows)
    return [s.CredentialOut(**vars(c)) for c in credentials]


def _choice(data: Roster, body: s.SeatIn) -> SeatChoice:
    groups = {g.code: g.id for g in data.groups}
    return SeatChoice(
        delegation_id=_id_of(
            {d.code: d.id for d in data.delegations}, body.delegation, "delegation"
        ),
        sector_id=_id_of({x.code: x.id for x in data.sectors}, body.sector, "sector"),
        role_brief_id=_id_of({b.code: b.id for b in data.briefs}, body.brief, "brief"),
        group_ids=frozenset(i for c in body.groups if (i := _id_of(groups, c, "groups"))),
        co_chair_group_ids=frozenset(
            i for c in body.co_chair_of if (i := _id_of(groups, c, "co_chair_of"))
        ),
        head=body.head,
    )


@router.put("/commissions/{commission_id}/participants/{participant_id}/seat", status_code=204)
def seat(
    session: SessionDep, user: ApiUser, commission_id: Id, participant_id: Id, body: s.SeatIn
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    choice = _choice(service.roster(session, commission.id), body)
    seats.seat_participant(session, commission, me, participant_id, choice)
    return Response(status_code=204)


@router.post("/commissions/{commission_id}/auto-seat", status_code=204)
def auto_seat(
    session: SessionDep, user: ApiUser, commission_id: Id, body: s.AutoSeatIn
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    seats.auto_seat(
        session,
        commission,
        me,
        reseat_all=body.reseat_all,
        groups_per_student=body.groups_per_student,
    )
    return Response(status_code=204)


@router.patch("/commissions/{commission_id}/groups/{code}", status_code=204)
def change_rules(
    session: SessionDep, user: ApiUser, commission_id: Id, code: str, body: s.RulesIn
) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    service.change_rules(session, commission, me, code.upper(), GroupRules(**body.model_dump()))
    return Response(status_code=204)


@router.post("/commissions/{commission_id}/delegations", status_code=201)
def add_partner(
    session: SessionDep, user: ApiUser, commission_id: Id, body: s.PartnerIn
) -> dict[str, str]:
    commission, me = commissions.managed_commission(session, commission_id, user)
    delegation = service.add_partner(session, commission, me, **body.model_dump())
    return {"code": delegation.code, "name": delegation.name, "status": delegation.status}


@router.post("/commissions/{commission_id}/conclude", status_code=204)
def conclude(session: SessionDep, user: ApiUser, commission_id: Id, body: s.ConcludeIn) -> Response:
    commission, me = commissions.managed_commission(session, commission_id, user)
    conclusion.conclude(
        session,
        commission,
        me,
        visibility=body.visibility,
        credit_students_by_name=body.credit_students_by_name,
    )
    return Response(status_code=204)


@router.get("/commissions/{commission_id}/participants")
def participants(session: SessionDep, user: ApiUser, commission_id: Id) -> list[dict[str, object]]:
    commission, _me = commissions.managed_commission(session, commission_id, user)
    data = service.roster(session, commission.id)
    groups = {g.id: g.code for g in data.groups}
    return [
        {
            "id": p.id,
            "name": p.user.display_name,
            "username": p.user.username,
            "role": p.role,
            "delegation": p.delegation.code if p.delegation else None,
            "sector": p.sector.code if p.sector else None,
            "brief": p.role_brief.code if p.role_brief else None,
            "head": p.is_head_of_delegation,
            "groups": sorted(groups[m.working_group_id] for m in p.memberships),
            "co_chair_of": sorted(
                groups[m.working_group_id] for m in p.memberships if m.is_co_chair
            ),
        }
        for p in data.participants
    ]
