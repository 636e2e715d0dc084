"""Joining a commission with its code on /join."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Participant
from tests.conftest import Cast, make_user, post_form, sign_in


def join(client: TestClient, **fields: str) -> object:
    return post_form(client, "/join", "/join", fields)


def test_new_student_joins_with_code_and_lands_on_the_overview(
    client: TestClient, db: Session, cast: Cast
) -> None:
    code = cast.commission.join_code
    response = join(
        client,
        code=f" {code[:4].lower()}-{code[4:]} ",
        display_name="Quinn Student",
        username="quinn",
        password="a long password",
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == f"/commissions/{cast.commission.id}"  # type: ignore[attr-defined]
    user = db.scalar(select(User).where(User.username == "quinn"))
    assert user is not None and not user.is_instructor
    seat = db.scalar(select(Participant).where(Participant.user_id == user.id))
    assert seat is not None and seat.role == "delegate"
    overview = client.get(f"/commissions/{cast.commission.id}")
    assert overview.status_code == 200
    assert "Quinn Student" in overview.text


def test_wrong_code_keeps_what_was_typed(client: TestClient, cast: Cast) -> None:
    page = join(client, code="ZZZZ-ZZZZ", display_name="Rae", username="rae-student", password="pw")
    assert page.status_code == 400  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "No commission has that join code" in text
    assert "Use at least 8 characters." in text
    assert 'value="ZZZZ-ZZZZ"' in text
    assert 'value="Rae"' in text
    assert 'value="rae-student"' in text


def test_taken_username_is_refused_without_creating_anything(
    client: TestClient, db: Session, cast: Cast
) -> None:
    before = db.scalar(select(func.count()).select_from(User))
    page = join(
        client,
        code=cast.commission.join_code,
        display_name="Impostor",
        username="ursula",
        password="a long password",
    )
    assert page.status_code == 400  # type: ignore[attr-defined]
    assert "That sign-in name is taken" in page.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_signed_in_user_joins_with_only_the_code(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "stan")
    response = join(client, code=cast.commission.join_code)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert client.get(f"/commissions/{cast.commission.id}").status_code == 200
    # Joining again changes nothing.
    join(client, code=cast.commission.join_code)
    count = db.scalar(
        select(func.count()).select_from(Participant).where(Participant.user_id == cast.stranger.id)
    )
    assert count == 1


def test_concluded_commission_takes_no_new_members(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.commission.status = "concluded"
    db.flush()
    page = join(
        client,
        code=cast.commission.join_code,
        display_name="Late",
        username="late-comer",
        password="a long password",
    )
    assert page.status_code == 400  # type: ignore[attr-defined]
    assert "has concluded" in page.text  # type: ignore[attr-defined]


def test_join_page_prefills_code_from_link(client: TestClient) -> None:
    page = client.get("/join?code=KX7P-M2QD")
    assert 'value="KX7P-M2QD"' in page.text


def test_joining_does_not_make_an_instructor(client: TestClient, db: Session, cast: Cast) -> None:
    make_user(db, "sly")
    sign_in(client, "sly")
    join(client, code=cast.commission.join_code)
    seat = db.scalar(
        select(Participant).where(
            Participant.user_id == db.scalar(select(User.id).where(User.username == "sly"))
        )
    )
    assert seat is not None and seat.role == "delegate"
