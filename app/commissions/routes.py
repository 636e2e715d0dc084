"""Home, joining with a code, and the commission overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from app.accounts import service as accounts
from app.accounts.auth import OptionalUser, SignInRequired, remember_device, set_session_cookie
from app.accounts.rules import normalize_username, password_problem, username_problem
from app.accounts.waiting import client_address, retry_after, try_again_in
from app.commissions import pages, rules, service
from app.config import get_settings
from app.db import SessionDep, utcnow
from app.forms import FormState
from app.i18n import gettext as _
from app.ids import Id
from app.web import render

router = APIRouter()


@router.get("/", name="home")
def home(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    entries = service.commissions_of(session, user) if user else []
    return render(request, "commissions/home.html", {"entries": entries})


def _join_context(form: FormState) -> dict[str, object]:
    return {"values": form.values, "errors": form.errors}


@router.get("/join", name="join")
def join_page(request: Request, user: OptionalUser, code: str = "") -> Response:
    return render(request, "commissions/join.html", _join_context(FormState(values={"code": code})))


@router.post("/join")
def join(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    code: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    settings = get_settings()
    form = FormState(values={"code": code, "display_name": display_name, "username": username})
    client, now = client_address(request), utcnow()
    # Wrong join codes count against the address's sign-in limit (a classroom's worth of typos).
    if wait := accounts.join_code_wait(session, client, now):
        form.error("code", _("Too many wrong join codes.") + " " + try_again_in(wait))
        page = render(request, "commissions/join.html", _join_context(form), status_code=429)
        return retry_after(page, wait)
    commission = service.find_by_join_code(session, code)
    if not code.strip():
        form.error("code", _("Enter the join code your instructor gave you."))
    elif commission is None:
        accounts.record_wrong_join_code(session, client, now)
        form.error("code", _("No commission has that join code. Check it with your instructor."))
    elif commission.status == "concluded":
        form.error("code", _("This commission has concluded and takes no new members."))

    name = normalize_username(username)
    if user is None:
        display = display_name.strip()
        if not display:
            form.error("display_name", _("Enter the name others will see."))
        elif len(display) > 80:
            form.error("display_name", _("Use at most 80 characters."))
        if problem := username_problem(name):
            form.error("username", _(problem))
        elif accounts.username_taken(session, name):
            form.error("username", _("That sign-in name is taken. Choose another."))
        if problem := password_problem(password):
            form.error("password", _(problem))
    if not form.ok or commission is None:
        return render(request, "commissions/join.html", _join_context(form), status_code=400)

    response = RedirectResponse(f"/commissions/{commission.id}", status_code=303)
    if user is None:
        try:
            with session.begin_nested():
                user = accounts.create_user(
                    session, username=name, display_name=display_name.strip(), password=password
                )
        except IntegrityError:
            # Someone took the name between our check and the insert.
            form.error("username", _("That sign-in name is taken. Choose another."))
            return render(request, "commissions/join.html", _join_context(form), status_code=400)
        new = accounts.start_session(session, user, settings, request.headers.get("user-agent"))
        set_session_cookie(response, new.token)
        accounts.remember_sign_in(session, name, client, now)
        remember_device(request, response, name)
    service.join_commission(session, commission, user)
    return response


@router.get("/commissions/{commission_id}", name="commission_overview")
def overview(
    request: Request, session: SessionDep, user: OptionalUser, commission_id: Id
) -> Response:
    if user is None:
        raise SignInRequired(request.url.path)
    data = service.load_overview(session, commission_id, user)
    if data is None:
        raise HTTPException(404, _("There is no commission here."))
    if not rules.can_view_commission(data.viewer):
        raise HTTPException(
            403, _("Only members of this commission can see it. Ask your instructor for the code.")
        )
    news = pages.news(session, commission_id, data.viewer)
    return render(
        request,
        "commissions/overview.html",
        {
            "overview": data,
            "news": news,
            "join_code": service.format_join_code(data.commission.join_code),
            "can_read_delegation_brief": rules.can_read_delegation_brief,
        },
    )
