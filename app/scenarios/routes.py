"""Scenario pages: for instructors read, clone, export and edit (the upload of a scenario file is
the instructor home's form, in app.instructor.routes); for anyone, what the classes that ran the
scenario adopted, side by side (app.scenarios.comparison)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.auth import CurrentUser, OptionalUser
from app.accounts.models import User
from app.db import SessionDep
from app.errors import NotAllowed, NotFound
from app.forms import FormFields, refused, whole_number
from app.i18n import gettext as _
from app.ids import Id
from app.scenarios import comparison, rules, service
from app.scenarios.models import Scenario
from app.web import render

router = APIRouter()


def _readable(session: Session, scenario_id: int, user: User) -> Scenario:
    scenario = service.load_scenario(session, scenario_id)
    if scenario is None or not rules.can_read(scenario, user):
        raise NotFound(_("There is no scenario here."))
    return scenario


def _editable(session: Session, scenario_id: int, user: User) -> Scenario:
    scenario = _readable(session, scenario_id, user)
    if not rules.can_edit(scenario, user):
        raise NotAllowed(_("Built-in scenarios cannot be changed. Clone it and edit the copy."))
    return scenario


def _page(
    request: Request,
    session: Session,
    scenario: Scenario,
    user: User,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    context: dict[str, Any] = {
        "scenario": scenario,
        "editable": rules.can_edit(scenario, user),
        "file_text": service.dump_scenario_file(service.scenario_to_file(scenario)),
        "file_problems": [],
        "brief_errors": {},
        "basics_errors": {},
        "part_errors": {},
        "part_values": {},
    }
    context.update(extra)
    return render(
        request,
        "scenarios/scenario.html",
        context,
        status_code=status_code,
        page_url=f"/scenarios/{scenario.id}",
    )


@router.get("/scenarios/{scenario_id}", name="scenario")
def scenario_page(
    request: Request, session: SessionDep, user: CurrentUser, scenario_id: Id
) -> Response:
    return _page(request, session, _readable(session, scenario_id, user), user)


@router.get("/scenarios/{scenario_id}/export", name="export_scenario")
def export(session: SessionDep, user: CurrentUser, scenario_id: Id) -> Response:
    scenario = _readable(session, scenario_id, user)
    text = service.dump_scenario_file(service.scenario_to_file(scenario))
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{scenario.slug}.yaml"'},
    )


@router.post("/scenarios/{scenario_id}/clone")
def clone(session: SessionDep, user: CurrentUser, scenario_id: Id) -> Response:
    copy = service.clone_scenario(session, _readable(session, scenario_id, user), user)
    return RedirectResponse(f"/scenarios/{copy.id}", status_code=303)


@router.post("/scenarios/{scenario_id}/file")
def replace_file(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scenario_id: Id,
    text: Annotated[str, Form()] = "",
) -> Response:
    scenario = _editable(session, scenario_id, user)
    try:
        spec = service.parse_scenario_file(text)
    except service.ScenarioFileError as error:
        return _page(
            request, session, scenario, user, 422, file_text=text, file_problems=error.problems
        )
    if spec.slug != scenario.slug:
        spec = spec.model_copy(update={"slug": scenario.slug})
    service.replace_from_file(session, scenario, spec)
    return RedirectResponse(f"/scenarios/{scenario.id}", status_code=303)


@router.post("/scenarios/{scenario_id}/basics")
def edit_basics(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scenario_id: Id,
    title: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    public_briefing: Annotated[str, Form()] = "",
) -> Response:
    scenario = _editable(session, scenario_id, user)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        return _page(
            request,
            session,
            scenario,
            user,
            422,
            basics_errors={"title": _("Give the scenario a title of at most 200 characters.")},
            basics_values={"title": title, "summary": summary, "public_briefing": public_briefing},
        )
    scenario.title, scenario.summary, scenario.public_briefing = (
        title,
        summary.strip(),
        public_briefing.strip(),
    )
    return RedirectResponse(f"/scenarios/{scenario.id}#basics", status_code=303)


@router.post("/scenarios/{scenario_id}/briefs/{brief_id}")
def edit_brief(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scenario_id: Id,
    brief_id: Id,
    title: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    goals: Annotated[str, Form()] = "",
    red_lines: Annotated[str, Form()] = "",
) -> Response:
    scenario = _editable(session, scenario_id, user)
    brief = next((b for b in scenario.role_briefs if b.id == brief_id), None)
    if brief is None:
        raise NotFound(_("There is no such brief in this scenario."))
    try:
        service.update_role_brief(
            brief, title=title, summary=summary, goals=goals, red_lines=red_lines
        )
    except service.ScenarioFileError as error:
        return _page(
            request,
            session,
            scenario,
            user,
            422,
            brief_errors={brief_id: error.problems[0]},
            brief_values={
                brief_id: {
                    "title": title,
                    "summary": summary,
                    "goals": goals,
                    "red_lines": red_lines,
                }
            },
        )
    return RedirectResponse(f"/scenarios/{scenario.id}#brief-{brief_id}", status_code=303)


@router.post("/scenarios/{scenario_id}/{part}/{item_id}")
def edit_part(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    form: FormFields,
    scenario_id: Id,
    part: str,
    item_id: Id,
) -> Response:
    """One working group, delegation, sector or inject, from its own form."""
    if part not in service.EDITABLE_PARTS:
        raise NotFound(_("There is no such part of a scenario."))
    scenario = _editable(session, scenario_id, user)
    try:
        problems = service.update_part(scenario, part, item_id, form)
    except KeyError as error:
        raise NotFound(_("There is no such item in this scenario.")) from error
    if problems:
        refusal = refused(session, service.ScenarioFileError(problems))
        return _page(
            request,
            session,
            _editable(session, scenario_id, user),
            user,
            refusal.status_code,
            part_errors={(part, item_id): problems},
            part_values={(part, item_id): form},
        )
    return RedirectResponse(f"/scenarios/{scenario.id}#{part}-{item_id}", status_code=303)


@router.get("/scenarios/{scenario_id}/comparison", name="comparison")
def comparison_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    scenario_id: Id,
    c: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    """Classes on one scenario side by side; only charters the viewer may read take part."""
    wanted = [n for n in map(whole_number, c) if n is not None]
    found = comparison.compare(session, user, scenario_id, wanted)
    if found is None:
        raise NotFound(_("There is nothing to compare here."))
    return render(request, "norms/comparison.html", {"cmp": found, "margin": comparison.margin})
