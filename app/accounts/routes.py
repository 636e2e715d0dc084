"""Sign-in, sign-out, the user's own page (API tokens, language) and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.auth import (
    CurrentUser,
    OptionalUser,
    clear_session_cookie,
    device_for,
    remember_device,
    set_session_cookie,
)
from app.accounts.rules import normalize_username
from app.accounts.waiting import client_address, retry_after, try_again_in
from app.config import get_settings
from app.db import SessionDep, utcnow
from app.forms import FormState, safe_next_url
from app.i18n import LOCALE_COOKIE, known_locale
from app.i18n import gettext as _
from app.ids import Id
from app.web import render

router = APIRouter()


@router.get("/sign-in", name="sign_in")
def sign_in_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next_url(next), status_code=303)
    return render(request, "accounts/sign_in.html", {"next": safe_next_url(next)})


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = get_settings()
    form = FormState(values={"username": username})
    name = normalize_username(username)
    if not name:
        form.error("username", _("Enter your sign-in name."))
    if not password:
        form.error("password", _("Enter your password."))
    context = {"values": form.values, "errors": form.errors, "next": safe_next_url(next)}
    if not form.ok:
        return render(request, "accounts/sign_in.html", context, status_code=400)
    now = utcnow()
    check = service.check_sign_in(
        session, name, client_address(request), device_for(request, name), now
    )
    if check.wait:
        # Refused before the password is looked at: a guess made now tells nothing.
        form.error("form", _("Too many failed sign-ins.") + " " + try_again_in(check.wait))
        page = render(request, "accounts/sign_in.html", context, status_code=429)
        return retry_after(page, check.wait)
    user = service.authenticate(session, name, password)
    if user is None:
        service.record_failed_sign_in(session, check, now)
        # The same words whether or not the name exists: no account enumeration.
        form.error("form", _("That sign-in name and password do not match an account."))
        return render(request, "accounts/sign_in.html", context, status_code=400)
    service.record_sign_in(session, check, now)
    new = service.start_session(session, user, settings, request.headers.get("user-agent"))
    response = RedirectResponse(safe_next_url(next), status_code=303)
    set_session_cookie(response, new.token)
    remember_device(request, response, name)
    return response


@router.post("/sign-out", name="sign_out")
def sign_out(request: Request, user: OptionalUser) -> Response:
    user_session = getattr(request.state, "user_session", None)
    if user_session is not None:
        service.end_session(user_session)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


# A visitor's choice of language is kept for a year, like the device cookie.
LOCALE_COOKIE_DAYS = 365


def keep_language(response: Response, locale: str | None) -> None:
    """Remember the language in this browser's cookie; None forgets it (the browser decides)."""
    if locale is None:
        response.delete_cookie(LOCALE_COOKIE, path="/", httponly=True, samesite="lax")
        return
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


@router.post("/language", name="switch_language")
def switch_language(
    user: OptionalUser,
    locale: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The switch in every page's header: this browser's language, and the signed-in user's
    saved preference, then back to the page it was pressed on."""
    chosen = known_locale(locale)
    if chosen is None:
        raise HTTPException(400, _("Choose one of the languages offered."))
    if user is not None:
        user.locale = chosen
    response = RedirectResponse(safe_next_url(next), status_code=303)
    keep_language(response, chosen)
    return response


@router.post("/account/language", name="account_language")
def account_language(user: CurrentUser, locale: Annotated[str, Form()] = "") -> Response:
    """The account page's preference: a language, or none ("as my browser asks")."""
    chosen = known_locale(locale)
    if locale and chosen is None:
        raise HTTPException(400, _("Choose one of the languages offered."))
    user.locale = chosen
    response = RedirectResponse("/account", status_code=303)
    keep_language(response, chosen)
    return response


@router.get("/account", name="account")
def account_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request,
        "accounts/account.html",
        {"tokens": service.list_api_tokens(session, user), "new_token": None},
    )


@router.post("/account/tokens", name="create_api_token")
def create_api_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form()] = "",
) -> Response:
    form = FormState(values={"name": name})
    name = name.strip()
    if not name:
        form.error("name", _("Name the token, for example after the script that will use it."))
    elif len(name) > 80:
        form.error("name", _("Use at most 80 characters."))
    new_token = None
    if form.ok:
        _record, new_token = service.create_api_token(session, user, name)
        form.values = {}
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": service.list_api_tokens(session, user),
            "new_token": new_token,
            "values": form.values,
            "errors": form.errors,
        },
        status_code=200 if form.ok else 400,
    )


@router.post("/account/tokens/{token_id}/revoke", name="revoke_api_token")
def revoke_api_token(session: SessionDep, user: CurrentUser, token_id: Id) -> Response:
    if not service.revoke_api_token(session, user, token_id):
        raise HTTPException(404, _("No such token."))
    return RedirectResponse("/account", status_code=303)
