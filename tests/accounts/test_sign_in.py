"""Sign-in and sign-out: sessions, cookies, CSRF, rate limits and no account enumeration."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.auth import SESSION_COOKIE
from app.accounts.models import UserSession
from tests.accounts.conftest import Clock
from tests.conftest import PASSWORD, csrf_from, make_user, post_form, sign_in


def test_sign_in_sets_a_signed_httponly_samesite_cookie(client: TestClient, db: Session) -> None:
    make_user(db, "alice")
    response = post_form(
        client, "/sign-in", "/sign-in", {"username": "Alice ", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    # The cookie holds a signed random token; the database keeps only its hash.
    value = cookie.split(";")[0].split("=", 1)[1].strip('"')
    token = value.split(".")[0]
    stored = db.scalars(select(UserSession.token_hash)).all()
    assert token not in stored
    assert client.get("/account").status_code == 200


def test_password_is_stored_as_argon2(db: Session) -> None:
    user = make_user(db, "bob")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_wrong_password_and_unknown_name_get_the_same_answer(
    client: TestClient, db: Session
) -> None:
    make_user(db, "carol")
    wrong = post_form(
        client, "/sign-in", "/sign-in", {"username": "carol", "password": "nope-nope"}
    )
    unknown = post_form(
        client, "/sign-in", "/sign-in", {"username": "nobody-here", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 400
    message = "That sign-in name and password do not match an account."
    assert message in wrong.text
    assert message in unknown.text
    # What was typed stays in the form; the password never comes back.
    assert 'value="carol"' in wrong.text
    assert "nope-nope" not in wrong.text


def test_empty_form_names_each_missing_field(client: TestClient) -> None:
    page = post_form(client, "/sign-in", "/sign-in", {"username": "", "password": ""})
    assert page.status_code == 400
    assert "Enter your sign-in name." in page.text
    assert "Enter your password." in page.text
    assert 'aria-invalid="true"' in page.text


def test_repeated_failures_are_rate_limited_even_with_the_right_password(
    client: TestClient, db: Session, clock: Clock
) -> None:
    make_user(db, "dave")
    for _ in range(6):
        post_form(client, "/sign-in", "/sign-in", {"username": "dave", "password": "wrong-guess"})
    limited = post_form(client, "/sign-in", "/sign-in", {"username": "dave", "password": PASSWORD})
    assert limited.status_code == 429
    assert "Too many failed sign-ins. Try again in 2 seconds." in limited.text
    assert SESSION_COOKIE not in limited.headers.get("set-cookie", "")


def test_rate_limit_reads_the_same_for_unknown_names(
    client: TestClient, db: Session, clock: Clock
) -> None:
    """A limited unknown name gets the very page a limited real account gets: the limit does
    not tell which names exist."""
    make_user(db, "dave")

    def limited_page(name: str, password: str) -> tuple[int, str, str]:
        for _ in range(6):
            post_form(client, "/sign-in", "/sign-in", {"username": name, "password": "wrong-guess"})
        limited = post_form(
            client, "/sign-in", "/sign-in", {"username": name, "password": password}
        )
        page = re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", limited.text)
        return limited.status_code, limited.headers["retry-after"], page.replace(name, "NAME")

    status, retry_after, page = limited_page("ghost", "x" * 9)
    assert status == 429
    assert "Too many failed sign-ins" in page
    assert limited_page("dave", PASSWORD) == (status, retry_after, page)


def test_sign_in_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    make_user(db, "erin")
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "erin", "password": PASSWORD})
    assert response.status_code == 403
    forged = client.post(
        "/sign-in", data={"username": "erin", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403


def test_csrf_token_of_another_visitor_is_refused(
    app: object, client: TestClient, db: Session
) -> None:
    make_user(db, "fay")
    other = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    stolen = csrf_from(other.get("/sign-in").text)
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"username": "fay", "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 403


def test_sign_out_revokes_the_session_on_the_server(client: TestClient, db: Session) -> None:
    make_user(db, "gil")
    sign_in(client, "gil")
    old_cookie = client.cookies.get(SESSION_COOKIE)
    assert old_cookie
    home = client.get("/").text
    response = client.post("/sign-out", data={"csrf_token": csrf_from(home)})
    assert response.status_code == 303
    # Replaying the old cookie does not bring the session back.
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/account").status_code == 303
    assert db.scalar(select(UserSession.revoked_at)) is not None


def test_tampered_session_cookie_is_ignored(client: TestClient, db: Session) -> None:
    make_user(db, "hal")
    sign_in(client, "hal")
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/account").status_code == 303


def test_next_only_goes_to_this_site(client: TestClient, db: Session) -> None:
    make_user(db, "ivy")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = post_form(
            client,
            "/sign-in",
            "/sign-in",
            {"username": "ivy", "password": PASSWORD, "next": target},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        client.cookies.clear()
    response = post_form(
        client, "/sign-in", "/sign-in", {"username": "ivy", "password": PASSWORD, "next": "/join"}
    )
    assert response.headers["location"] == "/join"


def test_signed_in_user_visiting_sign_in_is_sent_on(client: TestClient, db: Session) -> None:
    make_user(db, "joe")
    sign_in(client, "joe")
    assert client.get("/sign-in").status_code == 303
