"""The archive download: the commission's instructors only; to anybody else it is not there."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.archive.helpers import rich_commission
from tests.conftest import Cast, make_user, sign_in


def test_only_the_commissions_instructors_download_its_archive(
    client: TestClient, db: Session, cast: Cast
) -> None:
    rich_commission(db, cast)
    url = f"/commissions/{cast.commission.id}/archive.json"
    assert client.get(url).status_code == 303  # sign in first
    for who in ("ursula", "pei", "newcomer", "stan"):
        client.cookies.clear()
        sign_in(client, who)
        response = client.get(url)
        assert response.status_code == 404, who
        assert "Hold firm" not in response.text
    client.cookies.clear()
    sign_in(client, "ines")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert f"commission-{cast.commission.id}.json" in response.headers["content-disposition"]
    archive = response.json()
    assert archive["format"] == "commission-archive"
    assert archive["commission"]["title"] == "Seminar A"
    assert "argon2" not in response.text


def test_an_instructor_of_another_commission_is_a_stranger_here(
    client: TestClient, db: Session, cast: Cast
) -> None:
    make_user(db, "olga", instructor=True)
    sign_in(client, "olga")
    assert client.get(f"/commissions/{cast.commission.id}/archive.json").status_code == 404
    assert client.get("/commissions/999999/archive.json").status_code == 404
