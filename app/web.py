"""The one template environment, rendering helpers, CSRF and the request-context middleware."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2_fragments import render_block as render_block_of
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import ROOT_DIR, get_settings
from app.i18n import (
    HTML_LANG,
    LANGUAGE_NAMES,
    LOCALE_COOKIE,
    LocaleChoice,
    format_datetime,
    format_number,
    format_percent,
    get_locale,
    gettext,
    html_lang,
    locale_scope,
    ngettext,
)
from app.markdown import plain_text
from app.textdiff import diff_lines

CSRF_COOKIE = "commission_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


_EVENT_WORD = re.compile(r"[a-z]+")


def sse_event(*parts: str | int) -> str:
    """The name of a live event, on the stream and on the element that takes it (`sse-swap`).

    `sse_event("proposal", 7, "vote")` is "proposal-7-vote". The stream's fragments name what
    they send with it and the templates (a Jinja global) the elements that take them, so the
    two cannot drift apart. Parts are lowercase words and ids; anything else (an id that is
    None) is a bug, refused here rather than sent as an event no page listens to.
    """
    if not parts:
        raise ValueError("a live event needs a name")
    for part in parts:
        word = isinstance(part, str) and _EVENT_WORD.fullmatch(part)
        id_ = type(part) is int and part > 0
        if not (word or id_):
            raise ValueError(f"a live event name is made of words and ids, not {part!r}")
    return "-".join(str(part) for part in parts)


# A translated message without variables, as Markup: the same few words are asked for hundreds of
# times on a page (a reply form under each argument). Keyed by the translated text, so it holds
# whatever the catalogs say.
_ESCAPED: dict[str, Markup] = {}


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext (the translation, Markup when
    escaping, then `% variables`, so "%%" is "%"), with the Markup of a message without
    variables made once and not on every call."""
    text = gettext(message)
    if not eval_ctx.autoescape:
        return text % variables
    if variables:
        return Markup(text) % variables  # noqa: S704 - the variables are escaped by %
    markup = _ESCAPED.get(text)
    if markup is None:
        markup = _ESCAPED[text] = Markup(text) % {}  # noqa: S704 - a catalog's text, escaped
    return markup


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(ROOT_DIR / "templates")),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["_"] = env.globals["gettext"] = _template_gettext
    env.filters["plain_text"] = plain_text
    env.filters["diff_lines"] = diff_lines
    # In the reader's locale (app.i18n): `when | datetime`, `datetime("date")`, `datetime("time")`.
    env.filters["datetime"] = format_datetime
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent
    env.globals["language_names"] = LANGUAGE_NAMES
    env.globals["html_langs"] = HTML_LANG
    env.globals["sse_event"] = sse_event
    return env


templates = Jinja2Blocks(env=build_environment())


def is_htmx(request: Request) -> bool:
    """An HTMX request for part of a page; a boosted link or form wants the whole page."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-boosted") != "true"


def csrf_seed(request: Request) -> str:
    """The secret a page's CSRF token is derived from: the session's, or the visitor cookie's."""
    secret = getattr(request.state, "csrf_secret", None)
    return str(secret if secret is not None else request.state.csrf_anon)


def csrf_token(request: Request) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, csrf_seed(request).encode(), hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request from a page unless it carries this visitor's CSRF token.

    The token may come as the form field or as the header HTMX sends; either must match.
    """
    if request.method not in UNSAFE_METHODS:
        return
    expected = csrf_token(request)
    candidates = [request.headers.get(CSRF_HEADER)]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        candidates.append(value if isinstance(value, str) else None)
    if not any(c and hmac.compare_digest(c, expected) for c in candidates):
        raise HTTPException(
            status_code=403,
            detail=gettext(
                "This form has expired or did not come from this site. "
                "Reload the page and try again."
            ),
        )


def _path_of(url: str) -> str:
    """The path and query of an address (what goes in the address bar of this site)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def address_headers(request: Request, page_url: str | None) -> dict[str, str]:
    """Where the address bar should point after a boosted form that drew a page (a refusal).

    A form that succeeds redirects, and HTMX shows the page it lands on. A refused form redraws
    a page in place; left alone, the bar would show the form's POST address, and reloading it
    answers 405. So the bar is set to the page drawn: `page_url` when the redraw is another page
    than the form's (a dashboard control refused on the proposal page), else the page the form
    was on. Replaced, not pushed: a refusal is not a step back to return to.
    """
    if request.method not in UNSAFE_METHODS or request.headers.get("hx-request") != "true":
        return {}
    target = page_url or _path_of(request.headers.get("hx-current-url", ""))
    return {"HX-Replace-Url": target} if target.startswith("/") else {}


def page_address(request: Request) -> str:
    """The page a reader is on, for a form that brings them back to it (the language switch).

    A page drawn for a GET is its own address. One drawn for a form (a refusal) is not worth
    coming back to by its POST address, which answers 405: the page the form was on, when the
    browser says which (HTMX's current URL, or the same-site Referer), else the home page.
    """
    if request.method == "GET":
        return _path_of(str(request.url))
    for header in ("hx-current-url", "referer"):
        parts = urlsplit(request.headers.get(header, ""))
        if parts.netloc == request.url.netloc and parts.path.startswith("/"):
            return _path_of(request.headers[header])
    return "/"


def _notices_waiting(request: Request) -> int | None:
    """The header's count of what waits for the signed-in user; None for visitors.

    Pages of signed-in users carry a counter (app.notices.routes.header_count); it is
    called only here, where a whole page, header and all, is drawn.
    """
    count = getattr(request.state, "count_notices", None)
    return count() if count is not None else None


def template_context(
    csrf: str, current_user: object | None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a template is drawn with, in a page (`render`) and in a live push (the stream).

    One function for both, so a block reads the same names in each and renders the same: the
    viewer's CSRF token (its forms post), the signed-in user, the locale, no refused values or
    errors (a push never redraws a refused form), then the caller's `values`.
    """
    return {
        "current_user": current_user,
        "csrf_token": csrf,
        "csrf_field": CSRF_FIELD,
        "locale": get_locale(),
        "html_lang": html_lang(),
        "errors": {},
        "values": {},
        **(values or {}),
    }


def render_block(name: str, block: str, values: Mapping[str, Any]) -> str:
    """One named block of a template, as HTML (what the stream pushes)."""
    return render_block_of(templates.env, name, block, values)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: Mapping[str, str] | None = None,
    page_url: str | None = None,
) -> Response:
    """Render a page, or only its named block when HTMX asks for a fragment.

    `page_url` is the address of the page drawn, for a form that redraws another page than
    the one it sits on (see address_headers).
    """
    headers = {**address_headers(request, page_url), **(headers or {})}
    full_context: dict[str, Any] = {
        "request": request,
        "is_htmx": is_htmx(request),
        **template_context(csrf_token(request), getattr(request.state, "signed_in", None), context),
    }
    refused = getattr(request.state, "refused_text", None)
    if refused is not None:  # a form refused at the edge (app.edge): its text goes back in
        full_context["values"] = {**full_context["values"], **refused.values}
        full_context["errors"] = {**full_context["errors"], **refused.errors}
    full_context["refused_text"] = refused
    fragment = block is not None and is_htmx(request)
    if not fragment and "notices_waiting" not in full_context:
        full_context["notices_waiting"] = _notices_waiting(request)
    if not fragment:
        full_context["page_address"] = page_address(request)
    if fragment:
        return templates.TemplateResponse(
            request, name, full_context, status_code=status_code, headers=headers, block_name=block
        )
    return templates.TemplateResponse(
        request, name, full_context, status_code=status_code, headers=headers
    )


class RequestContextMiddleware:
    """Per request: the locale, a CSRF cookie for visitors, and the security headers.

    The locale starts from the language cookie and Accept-Language; the session lookup and a
    commission's pages add what they know (app.i18n.LocaleChoice)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:
            cookies = SimpleCookie()
        anon = cookies[CSRF_COOKIE].value if CSRF_COOKIE in cookies else ""
        new_anon = not (16 <= len(anon) <= 64 and anon.isalnum())
        if new_anon:
            anon = secrets.token_hex(16)
        scope.setdefault("state", {})["csrf_anon"] = anon
        choice = LocaleChoice(
            cookie=cookies[LOCALE_COOKIE].value if LOCALE_COOKIE in cookies else None,
            accept_language=headers.get("accept-language"),
        )
        settings = get_settings()
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    response_headers.setdefault(name, value)
                if new_anon:
                    cookie = f"{CSRF_COOKIE}={anon}; Path=/; HttpOnly; SameSite=Lax"
                    if settings.secure_cookies:
                        cookie += "; Secure"
                    response_headers.append("set-cookie", cookie)
                if settings.server_timing:
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    response_headers.append("server-timing", f"app;dur={elapsed_ms:.2f}")
            await send(message)

        with locale_scope(choice):
            await self.app(scope, receive, send_with_headers)
