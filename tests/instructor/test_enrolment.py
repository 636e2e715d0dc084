"""Enrolling a class from a CSV file, and auto-assigning seats."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Participant
from tests.conftest import Cast, csrf_from, sign_in


def upload(client: TestClient, cast: Cast, content: bytes) -> object:
    token = csrf_from(client.get("/").text)
    return client.post(
        f"/commissions/{cast.commission.id}/manage/roster",
        data={"csrf_token": token},
        files={"file": ("roster.csv", content, "text/csv")},
    )


def accounts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(User)) or 0)


def test_a_good_file_creates_accounts_and_prints_credentials(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    before = accounts(db)
    sheet = upload(
        client,
        cast,
        "name,email,delegation,sector\n"
        "José Núñez,jose@example.edu,US,academia\n"
        "王芳,wang@example.edu,People's Republic of China,private sector\n"
        "Sam Lee,,,\n".encode(),
    )
    assert sheet.status_code == 200, sheet.text  # type: ignore[attr-defined]
    text = sheet.text  # type: ignore[attr-defined]
    assert "3 accounts created." in text
    assert "jose.nunez" in text
    assert "王芳" in text
    assert accounts(db) == before + 3
    jose = db.scalar(select(User).where(User.username == "jose.nunez"))
    assert jose is not None
    seat = db.scalar(select(Participant).where(Participant.user_id == jose.id))
    assert seat is not None
    assert seat.delegation_id == cast.delegations["US"].id
    assert seat.sector_id == cast.sectors["academia"].id


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    before = accounts(db)
    page = upload(
        client,
        cast,
        b'name,email,delegation\nAda,ada@example.edu,US\n=HYPERLINK("http://x"),b@example.edu,US\n'
        b"Bo,bo@example.edu,EU\n",
    )
    assert page.status_code == 400  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "Nothing was imported" in text
    assert "Line 3" in text
    assert "Line 4" in text
    assert accounts(db) == before


def test_a_file_in_a_wrong_encoding_gets_advice(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = upload(client, cast, "name\nJosé\n".encode("latin-1"))
    assert page.status_code == 400  # type: ignore[attr-defined]
    assert "UTF-8" in page.text  # type: ignore[attr-defined]


def test_a_huge_file_is_refused_without_reading_it_all(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = upload(client, cast, b"name\n" + b"A" * 1_100_000)
    assert page.status_code == 400  # type: ignore[attr-defined]
    # The route reads one byte past the limit, and no more: that is the size reported.
    assert "larger than 1 MB (1000001 bytes)" in page.text  # type: ignore[attr-defined]


def test_a_delegate_cannot_upload_a_roster(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ursula")
    before = accounts(db)
    assert upload(client, cast, b"name\nIntruder\n").status_code == 403  # type: ignore[attr-defined]
    assert accounts(db) == before


def test_auto_seat_balances_the_class(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    names = "\n".join(f"Student {i}" for i in range(24))
    assert upload(client, cast, f"name\n{names}\n".encode()).status_code == 200  # type: ignore[attr-defined]
    token = csrf_from(client.get("/").text)
    response = client.post(
        f"/commissions/{cast.commission.id}/manage/auto-seat", data={"csrf_token": token}
    )
    assert response.status_code == 303
    seats = db.scalars(
        select(Participant).where(
            Participant.commission_id == cast.commission.id, Participant.role == "delegate"
        )
    ).all()
    assert all(p.delegation_id and p.sector_id for p in seats)
    sizes = Counter(p.delegation_id for p in seats)
    assert max(sizes.values()) - min(sizes.values()) <= 1
    heads = Counter(p.delegation_id for p in seats if p.is_head_of_delegation)
    assert set(heads.values()) == {1}
    # People seated before keep their seats.
    db.refresh(cast.participants["ursula"])
    assert cast.participants["ursula"].delegation_id == cast.delegations["US"].id
