"""Personal API tokens: created on the account page, used as bearer tokens, revocable."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import ApiToken
from tests.conftest import Cast, QueryCounter, csrf_from, make_user, post_form, sign_in


def create_token(client: TestClient, name: str = "roster sync") -> str:
    page = post_form(client, "/account", "/account/tokens", {"name": name})
    assert page.status_code == 200
    match = re.search(r"(cmt_[A-Za-z0-9_-]+)", page.text)
    assert match
    return match.group(1)


def test_token_is_shown_once_and_stored_hashed(client: TestClient, db: Session) -> None:
    make_user(db, "kim")
    sign_in(client, "kim")
    token = create_token(client)
    (stored,) = db.scalars(select(ApiToken.token_hash)).all()
    assert stored == accounts.hash_token(token) != token
    later = client.get("/account")
    assert later.status_code == 200
    assert "roster sync" in later.text  # the token is listed, by name only
    assert token not in later.text


def test_bearer_token_reads_the_api(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ursula")
    token = create_token(client)
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "ursula"
    listing = client.get("/api/v1/commissions", headers={"Authorization": f"Bearer {token}"})
    assert [c["title"] for c in listing.json()] == ["Seminar A"]


def test_revoked_token_stops_working(client: TestClient, db: Session) -> None:
    make_user(db, "lee")
    sign_in(client, "lee")
    token = create_token(client)
    token_id = db.scalar(select(ApiToken.id))
    page = client.get("/account").text
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client: TestClient, db: Session) -> None:
    make_user(db, "max")
    sign_in(client, "max")
    create_token(client)
    token_id = db.scalar(select(ApiToken.id))
    client.cookies.clear()
    make_user(db, "ned")
    sign_in(client, "ned")
    page = client.get("/account").text
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404
    assert db.scalar(select(ApiToken.revoked_at)) is None


def test_empty_token_name_is_explained(client: TestClient, db: Session) -> None:
    make_user(db, "olga")
    sign_in(client, "olga")
    page = post_form(client, "/account", "/account/tokens", {"name": "  "})
    assert page.status_code == 400
    assert "Name the token" in page.text


def test_account_page_needs_sign_in(client: TestClient) -> None:
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/account")


def test_token_use_is_noted_at_most_every_few_minutes(client: TestClient, db: Session) -> None:
    from datetime import timedelta

    from app.accounts import service
    from app.db import utcnow

    user = make_user(db, "pat")
    record, token = service.create_api_token(db, user, "script")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.refresh(record)
    first = record.last_used_at
    assert first is not None
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.refresh(record)
    assert record.last_used_at == first
    record.last_used_at = utcnow() - timedelta(minutes=10)
    db.flush()
    client.get("/api/v1/me", headers=headers)
    db.refresh(record)
    assert record.last_used_at is not None
    assert record.last_used_at > first


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_an_api_read_costs_one_lookup_and_writes_only_when_the_last_use_is_stale(
    client: TestClient, db: Session, count_queries: QueryCounter
) -> None:
    user = make_user(db, "pat")
    record, token = accounts.create_api_token(db, user, "script")
    headers = {"Authorization": f"Bearer {token}"}
    count_queries.statements.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    first = [s.split()[0].upper() for s in count_queries.statements]
    assert first.count("UPDATE") == 1, count_queries.statements  # never used: noted now
    count_queries.statements.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Within the resolution: the token and its user in one statement, and nothing written.
    statements = [
        s for s in count_queries.statements if not s.upper().startswith(("BEGIN", "COMMIT"))
    ]
    assert len(statements) == 1 and "api_tokens" in statements[0], statements
    assert not any(s.lstrip().upper().startswith(WRITES) for s in statements)
    db.refresh(record)
    assert record.last_used_at is not None


def test_a_signed_in_page_writes_nothing(
    client: TestClient, cast: Cast, count_queries: QueryCounter
) -> None:
    sign_in(client, "ursula")
    url = f"/commissions/{cast.commission.id}"
    assert client.get(url).status_code == 200
    count_queries.statements.clear()
    assert client.get(url).status_code == 200
    assert not any(s.lstrip().upper().startswith(WRITES) for s in count_queries.statements)
    sessions = [s for s in count_queries.statements if "FROM user_sessions" in s]
    assert len(sessions) == 1, count_queries.statements
