"""Security properties every page shares: headers, CSP-safe markup, CSRF on every unsafe route."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.main import PAGE_ROUTERS
from app.markdown import render_markdown
from tests.conftest import Cast, csrf_from, sign_in


def pages_for(cast: Cast) -> list[str]:
    return ["/", "/sign-in", "/join", "/account", f"/commissions/{cast.commission.id}", "/nowhere"]


def test_every_page_sends_security_headers(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ursula")
    for url in pages_for(cast):
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_style_or_handlers(client: TestClient, cast: Cast) -> None:
    """The CSP forbids inline code, so the markup must not need any."""
    sign_in(client, "ines")
    for url in pages_for(cast):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert "<style" not in html, url


def test_every_unsafe_page_route_refuses_a_post_without_csrf(
    client: TestClient, cast: Cast
) -> None:
    """Walk every page route that changes something and post to it with no token."""
    unsafe = [
        (route.path, method)
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods & {"POST", "PUT", "PATCH", "DELETE"}
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
