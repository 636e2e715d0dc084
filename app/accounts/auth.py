"""Who is asking: cookie sessions for pages, bearer tokens for the API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from starlette.responses import Response

from app.accounts import service
from app.accounts.models import User
from app.config import get_settings
from app.db import SAFE_METHODS, SessionDep, begin_writing
from app.i18n import gettext as _
from app.i18n import request_choice

SESSION_COOKIE = "commission_session"
# Remembers which accounts signed in with this browser, so that the sign-in limits others can
# run up (for a name, for a shared address) never hold it up (docs/sign-in-limits.md).
DEVICE_COOKIE = "commission_device"
DEVICE_COOKIE_DAYS = 365
DEVICE_COOKIE_ACCOUNTS = 20


@dataclass(frozen=True)
class SignedIn:
    """Plain facts about the signed-in user for templates; they survive a rolled-back request."""

    id: int
    username: str
    display_name: str
    is_instructor: bool
    locale: str | None = None  # the saved language preference (app.i18n.LOCALES)


class SignInRequired(Exception):
    """Raised by page routes; answered with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url

    @property
    def location(self) -> str:
        return "/sign-in?next=" + quote(self.next_url, safe="/")


def _signer(secret_key: str | None = None) -> TimestampSigner:
    return TimestampSigner(secret_key or get_settings().secret_key, salt="commission.session")


def session_cookie_value(token: str, secret_key: str | None = None) -> str:
    """What the session cookie holds: the session's random token, signed."""
    return _signer(secret_key).sign(token).decode()


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie_value(token),
        max_age=settings.session_days * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="commission.device")


def _account_mark(name: str) -> str:
    """What the device cookie keeps of a sign-in name: a keyed digest, not the name itself."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"commission.device:" + name.encode(), hashlib.sha256).hexdigest()[:24]


def _device_cookie(request: Request) -> tuple[str, list[str]] | None:
    """The device cookie's random id and account marks, when it is present and genuine."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_COOKIE_DAYS * 24 * 3600)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    marks = data.get("accounts")
    return data["id"], [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def device_for(request: Request, name: str) -> str | None:
    """The device cookie's id when this browser has signed in as `name` before, else None."""
    cookie = _device_cookie(request)
    if cookie is None or _account_mark(name) not in cookie[1]:
        return None
    return cookie[0]


def remember_device(request: Request, response: Response, name: str) -> None:
    """Note in the device cookie that this browser signed in as `name` (newest first)."""
    device_id, marks = _device_cookie(request) or (secrets.token_urlsafe(16), [])
    mark = _account_mark(name)
    marks = [mark, *(m for m in marks if m != mark)][:DEVICE_COOKIE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps({"id": device_id, "accounts": marks}),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


def current_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in user of a page request, or None. Also remembers the session record."""
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    request.state.user = None
    request.state.user_session = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        settings = get_settings()
        try:
            token = _signer().unsign(raw, max_age=settings.session_days * 24 * 3600).decode()
        except BadSignature:
            token = None
        found = service.find_session(session, token) if token else None
        if found is not None:
            user_session, found_user = found
            request.state.user_session, request.state.user = user_session, found_user
            # The user's saved language comes with the row loaded anyway: no query of its own.
            if (choice := request_choice()) is not None:
                choice.learn_preference(found_user.locale)
            # Copies for rendering: an error page is drawn after the transaction rolls back.
            request.state.csrf_secret = user_session.csrf_token
            request.state.signed_in = SignedIn(
                id=found_user.id,
                username=found_user.username,
                display_name=found_user.display_name,
                is_instructor=found_user.is_instructor,
                locale=found_user.locale,
            )
    return request.state.user  # type: ignore[no-any-return]


def identify_for_error_page(request: Request) -> None:
    """Who is signed in, for an error page drawn before any route ran (404, 405): its header
    then shows the person's own navigation, not the visitor's. Blocking: run in a thread."""
    if hasattr(request.state, "user") or SESSION_COOKIE not in request.cookies:
        return
    from sqlalchemy.orm import Session

    from app.db import get_engine

    with Session(bind=get_engine(get_settings().database_url)) as session:
        try:
            current_user(request, session)
        finally:
            session.rollback()


def required_user(request: Request, user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return user


def api_user(request: Request, session: SessionDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            _("Send a personal API token as 'Authorization: Bearer <token>'."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = service.find_api_token(session, token.strip())
    if found is None:
        raise HTTPException(
            401, _("That API token is not valid."), headers={"WWW-Authenticate": "Bearer"}
        )
    record, user = found
    if service.token_use_is_stale(record):
        if request.method in SAFE_METHODS:
            begin_writing(session)  # an API read writes only here, every few minutes
        service.record_token_use(session, record.id)
    return user


OptionalUser = Annotated[User | None, Depends(current_user)]
CurrentUser = Annotated[User, Depends(required_user)]
ApiUser = Annotated[User, Depends(api_user)]
