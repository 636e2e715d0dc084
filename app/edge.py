"""Text the database cannot store is refused at the edge, before any route sees it.

PostgreSQL's text types cannot hold the NUL character (U+0000): a statement carrying one fails
("A string literal cannot contain NUL"), which answered 500 and lost what was typed. Rather
than each route and service guarding every string, this middleware looks at everything a
request brings as text: the path, the query, the fields of a plain (url-encoded) form and
every string, keys too, of a JSON body.

* A path with a NUL names nothing: 404.
* The API answers 422 in its usual error shape, naming each field (`title`, `q`, `groups.0`).
* A page answers 422 with the page the form was on (HTMX's HX-Current-URL, else the same-site
  Referer), drawn afresh with `request.state.refused_text`: app.web.render then fills the
  forms with what was posted, NULs taken out, and marks the fields; the page's header says why
  and shows that text in full, so nothing typed is lost even on a form that is not refilled.
  A GET (a search) is drawn again at its own address without the NULs.

Uploaded files (multipart bodies) pass through: their parsers judge their content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext as _

NUL = "\x00"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Never echoed back into a page: the browser has them, and they are not the text to keep.
NOT_ECHOED = ("password", "csrf_token")


@dataclass
class RefusedText:
    """What a page form sent with NULs in it: the fields at fault and every value, cleaned."""

    fields: list[str]
    values: dict[str, str] = field(default_factory=dict)
    on_its_page: bool = True  # False: drawn on the error page, where no form takes it back

    @property
    def message(self) -> str:
        return _(
            "The text you sent contains a NUL character (an invisible control character, "
            "often pasted along from another program), which cannot be stored. Nothing was "
            "saved. It has been taken out below: check the text and send it again."
        )

    @property
    def errors(self) -> dict[str, str]:
        message = _("This field contained a NUL character; it has been taken out.")
        return dict.fromkeys(self.fields, message)

    @property
    def shown(self) -> dict[str, str]:
        """The refused fields' cleaned text, for the page header (nothing typed is lost)."""
        return {name: self.values[name] for name in self.fields if name in self.values}


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(location, string) for every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}.{i}" if where else str(i))
    elif isinstance(value, dict):
        for key, item in value.items():
            inside = f"{where}.{key}" if where else key
            yield inside, key
            yield from _strings(item, inside)


def _pairs(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True, errors="replace")


def nul_fields_of_query(query_string: bytes) -> list[str]:
    return [k for k, v in _pairs(query_string.decode("latin-1")) if NUL in k or NUL in v]


def nul_fields_of_form(body: bytes) -> list[str]:
    return [k.replace(NUL, "") for k, v in _pairs(body.decode("latin-1")) if NUL in k + v]


def nul_fields_of_json(body: bytes) -> list[str]:
    """JSON carries a NUL only as the escape \\u0000; a body that does not parse is left to the
    route's own validation."""
    if b"\\u0000" not in body.lower():
        return []
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    return sorted({where for where, text in _strings(parsed, "") if NUL in text})


class RefuseUnstorableText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        if NUL in scope["path"]:
            await _not_found(scope, receive, send, api=api)
            return
        in_query = nul_fields_of_query(scope["query_string"])
        content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip()
        body: bytes | None = None
        in_body: list[str] = []
        if scope["method"] not in ("GET", "HEAD") and content_type in (FORM, JSON):
            body = await _read_body(receive)
            in_body = (nul_fields_of_form if content_type == FORM else nul_fields_of_json)(body)
        if in_query or in_body:
            if api:
                where = [*in_query, *in_body]
                await _api_refusal(where)(scope, receive, send)
            else:
                await self._redraw(scope, receive, send, body, in_query, in_body)
            return
        await self.app(scope, _replay(body, receive) if body is not None else receive, send)

    async def _redraw(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes | None,
        in_query: list[str],
        in_body: list[str],
    ) -> None:
        """The page the form was on, drawn afresh with the refused text in it (see the module)."""
        query = [(k.replace(NUL, ""), v.replace(NUL, "")) for k, v in _pairs(_query(scope))]
        if scope["method"] == "GET":
            page: str | None = scope["path"] + (f"?{urlencode(query)}" if query else "")
            posted = query
        else:
            page = _page_of_form(scope)
            posted = [(k.replace(NUL, ""), v.replace(NUL, "")) for k, v in _pairs(_text(body))]
        refused = RefusedText(
            fields=[*in_query, *in_body] if scope["method"] == "GET" else in_body,
            values={k: v for k, v in posted if k not in NOT_ECHOED},
        )
        state = {**scope.get("state", {}), "refused_text": refused}
        if page is None:
            await _refusal_page(scope, state, refused)(scope, receive, send)
            return
        path, _sep, page_query = page.partition("?")
        get_scope = {
            **scope,
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": page_query.encode(),
            "headers": [
                (k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")
            ],
            "state": state,
        }
        started: list[Message] = []

        async def redrawn(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)
                if message["status"] != 200:
                    return
                message = {**message, "status": 422}
                headers = MutableHeaders(scope=message)
                if Headers(scope=scope).get("hx-request") == "true":
                    headers["HX-Replace-Url"] = page
            elif started and started[0]["status"] != 200:
                return  # the page is not there for this reader: the plain refusal instead
            await send(message)

        await self.app(get_scope, _replay(b"", receive), redrawn)
        if started and started[0]["status"] != 200:
            await _refusal_page(scope, state, refused)(scope, receive, send)


def _query(scope: Scope) -> str:
    return str(scope["query_string"].decode("latin-1"))


def _text(body: bytes | None) -> str:
    return (body or b"").decode("latin-1")


def _page_of_form(scope: Scope) -> str | None:
    """The same-site page a form was posted from: HTMX names it, browsers send the Referer."""
    headers = Headers(scope=scope)
    host = headers.get("host", "")
    for address in (headers.get("hx-current-url"), headers.get("referer")):
        parts = urlsplit(address or "")
        if parts.netloc == host and parts.path.startswith("/") and NUL not in parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then listens as before."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _api_refusal(where: list[str]) -> Response:
    message = _("Text may not contain the NUL character (U+0000).")
    return JSONResponse(
        {
            "detail": _("The request is not valid."),
            "errors": [{"field": name, "message": message} for name in where],
        },
        status_code=422,
    )


async def _not_found(scope: Scope, receive: Receive, send: Send, *, api: bool) -> None:
    message = _("There is nothing at this address.")
    if api:
        response: Response = JSONResponse({"detail": message}, status_code=404)
    else:
        response = _page(scope, scope.get("state", {}), 404, _("Not found"), message)
    await response(scope, receive, send)


def _refusal_page(scope: Scope, state: dict[str, Any], refused: RefusedText) -> Response:
    """Where no page of the form can be drawn: the message and the text, on the error page."""
    message = _("Copy your text from above, go back to the form and send it again.")
    state = {**state, "refused_text": replace(refused, on_its_page=False)}
    return _page(scope, state, 422, _("Something in the request is wrong"), message)


def _page(scope: Scope, state: dict[str, Any], status: int, title: str, message: str) -> Response:
    from app.web import render  # the template environment imports app modules in turn

    request = Request({**scope, "method": "GET", "state": dict(state)})
    context = {"status_code": status, "title": title, "message": message}
    return render(request, "errors/error.html", context, status_code=status)
