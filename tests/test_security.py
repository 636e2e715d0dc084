"""Security properties every page shares: headers, CSP-safe markup, CSRF on every unsafe route."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.main import PAGE_ROUTERS
from app.markdown import render_markdown
from tests.conftest import Cast, csrf_from, sign_in
from tests.page_sweep import World, seed_world

# The policy written out here, not imported, so that weakening the app's copy fails this test.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}

# Who visits, and as whom they sign in. The rival is an instructor of none of these commissions;
# the newcomer joined the live commission but has no seat yet; the observer sits for the
# European Union, an observer delegation of the live commission.
ROLES = {
    "visitor": None,
    "stranger": "stan",
    "rival": "rita",
    "newcomer": "newcomer",
    "us": "ursula",
    "prc": "pei",
    "observer": "olga",
    "instructor": "ines",
}

# Every GET page, as every role: the answer each must get. `in` is a 303 to the sign-in page
# (coming back here afterwards), `home` a 303 to the home page; a line starting with `HX`
# is asked for by HTMX. Ids come from tests/page_sweep.py: {live} is in session, {concluded}
# has a public charter (FT-1, CY-1), {class_only} a charter for its class (FT-1), {in_setup}
# has not started; the live commission's proposals are named by stage, {draft} is Ursula's
# and {prc_draft} Pei's, {debate} has two revisions; {b_adopted} and {b_withdrawn} belong to
# the concluded commission; {builtin} is "Cooling Off" and {own} the instructor's copy of it.
# {inject} is a published inject, {waiting_inject} one not yet published. Nobody but Ursula,
# Ulysses, Pei and the instructor sits in the concluded commissions.
PAGES = """
                                                    visitor    rival      us         observer
                                                         stranger   newcomer   prc        instructor
/                                                       200  200  200  200  200  200  200  200
/sign-in                                                200  home home home home home home home
/join                                                   200  200  200  200  200  200  200  200
/join?code=ABCD-EFGH                                    200  200  200  200  200  200  200  200
/account                                                in   200  200  200  200  200  200  200
/secret-ballots                                         200  200  200  200  200  200  200  200
/docs                                                   200  200  200  200  200  200  200  200
/instructor                                             in   403  200  403  403  403  403  200
/commissions/{live}                                     in   403  403  200  200  200  200  200
/commissions/{concluded}                                in   403  403  403  200  200  403  200
/commissions/{in_setup}                                 in   403  403  403  403  403  403  200
/commissions/999999                                     in   404  404  404  404  404  404  404
/commissions/{live}/groups/frontier-technology          in   404  404  200  200  200  200  200
/commissions/{live}/groups/CY                           in   404  404  200  200  200  200  200
/commissions/{concluded}/groups/disinformation          in   404  404  404  200  200  404  200
/commissions/{live}/groups/nowhere                      in   404  404  404  404  404  404  404
/commissions/{live}/caucus/frontier-technology          in   404  404  403  200  200  200  200
/commissions/{live}/caucus/cybersecurity?delegation=EU  in   404  404  403  200  200  200  200
/commissions/{concluded}/caucus/frontier-technology     in   404  404  404  200  200  404  200
/commissions/{live}/caucus/nowhere                      in   404  404  404  404  404  404  404
/proposals/{draft}                                      in   404  404  404  200  404  404  404
/proposals/{prc_draft}                                  in   404  404  404  404  200  404  404
/proposals/{tabled}                                     in   404  404  200  200  200  200  200
/proposals/{debate}                                     in   404  404  200  200  200  200  200
/proposals/{voting}                                     in   404  404  200  200  200  200  200
/proposals/{adopted}                                    in   404  404  200  200  200  200  200
/proposals/{rejected}                                   in   404  404  200  200  200  200  200
/proposals/{withdrawn}                                  in   404  404  200  200  200  200  200
/proposals/{b_adopted}                                  in   404  404  404  200  200  404  200
/proposals/{b_withdrawn}                                in   404  404  404  200  200  404  200
/proposals/999999                                       in   404  404  404  404  404  404  404
/proposals/{draft}/edit                                 in   404  404  404  200  404  404  404
/proposals/{prc_draft}/edit                             in   404  404  404  404  200  404  404
/proposals/{rejected}/edit                              in   404  404  403  200  403  403  403
/proposals/{debate}/edit                                in   404  404  403  403  403  403  403
/proposals/{debate}/diff                                in   404  404  200  200  200  200  200
/proposals/{debate}/diff?from=2&to=1                    in   404  404  200  200  200  200  200
/proposals/{debate}/diff?from=1&to=9                    in   404  404  422  422  422  422  422
/proposals/{draft}/diff                                 in   404  404  404  200  404  404  404
/proposals/{b_adopted}/diff                             in   404  404  404  200  200  404  200
/commissions/{live}/manage                              in   403  403  403  403  403  403  200
/commissions/{concluded}/manage                         in   403  403  403  403  403  403  200
/commissions/{in_setup}/manage                          in   403  403  403  403  403  403  200
/commissions/999999/manage                              in   404  404  404  404  404  404  404
/commissions/{live}/join-code                           in   403  403  403  403  403  403  200
/commissions/{live}/manage/roster-example.csv           in   403  403  403  403  403  403  200
/commissions/{in_setup}/join-code                       in   403  403  403  403  403  403  200
/commissions/{live}/manage/conclude                     in   403  403  403  403  403  403  200
/commissions/{concluded}/manage/conclude                in   403  403  403  403  403  403  200
/commissions/{live}/dashboard                           in   403  403  403  403  403  403  200
/commissions/{live}/manage/injects/{waiting_inject}/edit in  403  403  403  403  403  403  200
/commissions/{live}/manage/injects/{inject}/edit        in   403  403  403  403  403  403  409
/notices                                                in   200  200  200  200  200  200  200
/commissions/{concluded}/dashboard                      in   403  403  403  403  403  403  200
/scenarios/{builtin}                                    in   404  200  404  404  404  404  200
/scenarios/{own}                                        in   404  404  404  404  404  404  200
/scenarios/999999                                       in   404  404  404  404  404  404  404
/scenarios/{builtin}/export                             in   404  200  404  404  404  404  200
/scenarios/{own}/export                                 in   404  404  404  404  404  404  200
/scenarios/{builtin}/comparison                         200  200  200  200  200  200  200  200
/scenarios/{own}/comparison                             404  404  404  404  404  404  404  404
/commissions/{live}/charter                             404  404  404  404  404  404  404  200
/commissions/{concluded}/charter                        200  200  200  200  200  200  200  200
/commissions/{class_only}/charter                       404  404  404  404  200  200  404  200
/commissions/999999/charter                             404  404  404  404  404  404  404  404
/commissions/{live}/charter.json                        404  404  404  404  404  404  404  200
/commissions/{concluded}/charter.md                     200  200  200  200  200  200  200  200
/commissions/{concluded}/charter.json                   200  200  200  200  200  200  200  200
/commissions/{concluded}/charter.csv                    200  200  200  200  200  200  200  200
/commissions/{concluded}/charter.pdf                    404  404  404  404  404  404  404  404
/commissions/{class_only}/charter.csv                   404  404  404  404  200  200  404  200
/norms                                                  200  200  200  200  200  200  200  200
/norms?q=incident&group=FT&delegation=US&sort=code      200  200  200  200  200  200  200  200
/norms?commission={class_only}&page=2                   200  200  200  200  200  200  200  200
HX /norms?q=incident                                    200  200  200  200  200  200  200  200
/norms/{live}/FT-1                                      404  404  404  404  404  404  404  200
/norms/{concluded}/FT-1                                 200  200  200  200  200  200  200  200
/norms/{concluded}/CY-1                                 200  200  200  200  200  200  200  200
/norms/{concluded}/FT-9                                 404  404  404  404  404  404  404  404
/norms/{class_only}/FT-1                                404  404  404  404  200  200  404  200
/norms/999999/FT-1                                      404  404  404  404  404  404  404  404
/commissions/{live}/report                              404  404  404  404  404  404  404  200
/commissions/{concluded}/report                         404  404  404  404  404  404  404  200
/commissions/999999/report                              404  404  404  404  404  404  404  404
/commissions/{live}/report/participation.csv            404  404  404  404  404  404  404  200
/commissions/{concluded}/report/participation.csv       404  404  404  404  404  404  404  200
/commissions/{live}/archive.json                        in   404  404  404  404  404  404  200
/commissions/{concluded}/archive.json                   in   404  404  404  404  404  404  200
"""

# Not pages: the JSON API, static files (the API docs' assets among them), the event stream.
NOT_PAGES = ("/api/", "/static", "/commissions/{commission_id}/events")


@dataclass(frozen=True)
class Visit:
    url: str
    route: str  # the route template the app answers the URL with
    expected: dict[str, str]  # role -> status, `in` or `home`
    htmx: bool


def get_routes(app: FastAPI) -> list[str]:
    """The app's GET route templates in matching order, through included routers too."""

    def flatten(routes: Iterable[Any]) -> Iterator[Any]:
        for route in routes:
            included = getattr(route, "effective_route_contexts", None)
            yield from included() if included else [route]

    return [
        route.path
        for route in flatten(app.routes)
        if "GET" in (getattr(route, "methods", None) or ())
    ]


def page_routes(app: FastAPI) -> list[str]:
    return [path for path in get_routes(app) if not path.startswith(NOT_PAGES)]


def route_of(routes: list[str], url: str) -> str | None:
    """The first route whose template matches the URL's path, as the router picks it."""
    path = urlsplit(url).path
    for route in routes:
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", route))
        if re.fullmatch(pattern, path):
            return route
    return None


def visits(app: FastAPI, world: World) -> list[Visit]:
    routes = get_routes(app)
    found = []
    for line in PAGES.strip().splitlines()[2:]:
        words = line.split()
        htmx = words[0] == "HX"
        url, *statuses = words[1:] if htmx else words
        assert len(statuses) == len(ROLES), line
        url = url.format(**world.ids())
        route = route_of(routes, url)
        assert route is not None and not route.startswith(NOT_PAGES), f"no page route for {url}"
        found.append(Visit(url, route, dict(zip(ROLES, statuses, strict=True)), htmx))
    return found


class InlineCode(HTMLParser):
    """Collects what the CSP forbids in markup: inline scripts, handlers, javascript: URLs and
    inline styles (htmx's hx-on handlers are scripts too)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "a" and "download" in attributes and attributes.get("hx-boost") != "false":
            # hx-boost on the body would fetch the file and swap it in as the page.
            self.found.append(f"<a download href={attributes.get('href')}> boosted")
        for name, value in attrs:
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}=>")
            if name == "style":
                self.found.append(f"<{tag} style=>")
            # Browsers drop spaces and control characters inside a URL's scheme.
            scheme = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if scheme.startswith(("javascript:", "vbscript:")) or (
                name in ("hx-vals", "hx-headers") and scheme.startswith("js:")
            ):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def answer_problems(visit: Visit, role: str, response: Any) -> list[str]:
    """Everything wrong with one answer, each as a line that names the visit."""
    where = f"{role:>10} {visit.url}"
    expected = visit.expected[role]
    problems = []
    if expected in ("in", "home"):
        location = {"in": "/sign-in?next=" + quote(visit.url, safe="/"), "home": "/"}[expected]
        if response.status_code != 303 or response.headers.get("location") != location:
            problems.append(
                f"{where}: {response.status_code} {response.headers.get('location')}, "
                f"expected 303 to {location}"
            )
    elif response.status_code != int(expected):
        problems.append(f"{where}: {response.status_code}, expected {expected}")
    for header, value in SECURITY_HEADERS.items():
        if response.headers.get(header) != value:
            problems.append(f"{where}: {header} is {response.headers.get(header)!r}")
    if response.headers.get("content-type", "").startswith("text/html"):
        scanner = InlineCode()
        scanner.feed(response.text)
        problems.extend(f"{where}: {found}" for found in scanner.found)
    return problems


def test_every_page_route_has_a_line_in_the_sweep(app: FastAPI, db: Session, cast: Cast) -> None:
    """A new page must say who may read it: add its line to PAGES, with ids from page_sweep."""
    swept = {visit.route for visit in visits(app, seed_world(db, cast))}
    assert set(page_routes(app)) - swept == set()
    assert {"/norms", "/commissions/{commission_id}", "/proposals/{proposal_id}"} <= swept
    # And a page added without its line is caught.
    app.add_api_route("/commissions/{commission_id}/new-page", lambda commission_id: None)
    assert set(page_routes(app)) - swept == {"/commissions/{commission_id}/new-page"}


def test_every_page_answers_each_role_as_expected_without_inline_code(
    app: FastAPI, client: TestClient, db: Session, cast: Cast
) -> None:
    """Every GET page as every role: the expected status, the security headers, and markup
    that needs no inline script or style (the CSP would block it)."""
    planned = visits(app, seed_world(db, cast))
    problems = []
    for role, username in ROLES.items():
        client.cookies.clear()
        if username:
            sign_in(client, username)
        for visit in planned:
            headers = {"HX-Request": "true"} if visit.htmx else {}
            problems += answer_problems(visit, role, client.get(visit.url, headers=headers))
    assert problems == [], "\n".join(problems)


def test_the_markup_check_finds_inline_code() -> None:
    """The sweep's scanner itself: each kind of inline code is caught, plain markup is not."""
    for html in (
        "<script>alert(1)</script>",
        '<p onclick="x()">',
        '<img src=x ONERROR="x()"/>',
        '<a href=" java\tscript:alert(1)">',
        '<a href="&#106;avascript:alert(1)">',
        '<div style="color: red">',
        "<style>p {}</style>",
        '<button hx-on:click="x()">',
        '<form hx-vals="js:{a: x()}">',
        '<a href="/x.csv" download>',
    ):
        scanner = InlineCode()
        scanner.feed(html)
        assert scanner.found, html
    clean = InlineCode()
    clean.feed(
        '<script src="/static/js/app.js" defer></script><p class="on">onion=1 style= here</p>'
        '<a href="/norms?q=javascript:">search</a><input name="onward" value="x">'
        '<a href="/x.csv" download hx-boost="false">CSV</a>'
    )
    assert clean.found == [], clean.found


def test_every_unsafe_page_route_refuses_a_post_without_csrf(
    client: TestClient, cast: Cast
) -> None:
    """Walk every page route that changes something and post to it with no token."""
    unsafe = [
        (route.path, method)
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert len(unsafe) >= 5
    sign_in(client, "ursula")
    for path, method in unsafe:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.request(method, url, data={"code": cast.commission.join_code})
        assert response.status_code == 403, (method, path)


@pytest.mark.parametrize(
    "path", ["/sign-out", "/join", "/account/tokens", "/account/tokens/1/revoke"]
)
def test_posts_without_a_token_are_refused(client: TestClient, cast: Cast, path: str) -> None:
    sign_in(client, "ursula")
    response = client.post(path, data={"name": "x", "code": cast.commission.join_code})
    assert response.status_code == 403
    assert "did not come from this site" in response.text


def test_htmx_requests_may_send_the_token_as_a_header(client: TestClient, cast: Cast) -> None:
    sign_in(client, "stan")
    page = client.get("/join").text
    token = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', page)
    assert token
    response = client.post(
        "/join",
        data={"code": cast.commission.join_code},
        headers={"X-CSRF-Token": token.group(1), "HX-Request": "true"},
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<iframe src=//evil></iframe>", "<iframe"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
    ],
)
def test_user_markdown_is_sanitized(source: str, forbidden: str) -> None:
    assert forbidden not in str(render_markdown(source))


def test_markdown_keeps_ordinary_formatting() -> None:
    html = str(
        render_markdown("# Title\n\n**Bold** and [a link](https://example.org)\n\n- one\n- two")
    )
    assert "<h2>Title</h2>" in html  # the page's own h1 stays unique
    assert "<strong>Bold</strong>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


def test_user_text_is_escaped_in_pages(client: TestClient, db: Session, cast: Cast) -> None:
    cast.us_delegate.display_name = "<b>Ursula</b><script>x()</script>"
    db.flush()
    sign_in(client, "ursula")
    html = client.get(f"/commissions/{cast.commission.id}").text
    assert "<script>x()</script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


def test_a_stale_header_does_not_spoil_a_valid_form_token(client: TestClient, cast: Cast) -> None:
    """After sign-in, an HTMX page may still hold the visitor's old header token."""
    stale = re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', client.get("/sign-in").text)
    assert stale
    sign_in(client, "ursula")
    fresh = csrf_from(client.get("/").text)
    response = client.post(
        "/sign-out", data={"csrf_token": fresh}, headers={"X-CSRF-Token": stale.group(1)}
    )
    assert response.status_code == 303
