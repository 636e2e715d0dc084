"""Enrolling a class from a CSV file, and auto-assigning seats."""

from __future__ import annotations

import codecs
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.commissions.models import Participant, Sector
from app.instructor import service as instructor
from app.instructor.roster import example_roster, parse_roster
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


# --- The enrol form explains the file and offers an example ------------------------------------


def test_the_enrol_form_shows_the_columns_and_links_an_example(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/manage").text
    enrol = page.split('id="enrol"', 1)[1].split("</section>", 1)[0]
    assert '<code class="csv-header">name,email,delegation,sector</code>' in enrol
    for column in ("name", "email", "delegation", "sector"):
        assert f"<dt><code>{column}</code></dt>" in enrol
    assert "(US, PRC)" in enrol  # this commission's own delegation codes
    assert f'href="/commissions/{cast.commission.id}/manage/roster-example.csv" download' in enrol


def test_the_example_roster_downloads_and_parses_cleanly(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    example = client.get(f"/commissions/{cast.commission.id}/manage/roster-example.csv")
    assert example.status_code == 200
    assert example.headers["content-type"] == "text/csv; charset=utf-8"
    assert example.headers["content-disposition"] == 'attachment; filename="roster-example.csv"'
    assert example.content.startswith(codecs.BOM_UTF8)
    assert example.content.decode("utf-8-sig").splitlines()[0] == "name,email,delegation,sector"
    data = instructor.roster(db, cast.commission.id)
    rows, problems = parse_roster(
        example.content,
        delegations={d.code: d.name for d in data.delegations},
        sectors={s.code: s.name for s in data.sectors},
    )
    assert problems == []
    assert [(r.name, r.delegation, r.sector) for r in rows] == [
        ("Ada Okafor", "US", "government"),
        ("José Núñez", "PRC", "military"),
        ("Li Mei", None, None),
    ]
    # And the console takes it as it is.
    before = accounts(db)
    sheet = upload(client, cast, example.content)
    assert sheet.status_code == 200  # type: ignore[attr-defined]
    assert accounts(db) == before + 3


def test_the_example_roster_fits_a_commission_with_few_delegations_or_sectors() -> None:
    text = example_roster(delegations=["EU"], sectors=[])
    rows, problems = parse_roster(text.encode(), delegations={"EU": "European Union"}, sectors={})
    assert problems == []
    assert [(r.delegation, r.sector) for r in rows] == [("EU", None), (None, None), (None, None)]


@pytest.mark.parametrize("who", ["ursula", "stan"])
def test_only_the_instructors_download_the_example(
    client: TestClient, db: Session, cast: Cast, who: str
) -> None:
    sign_in(client, who)
    assert (
        client.get(f"/commissions/{cast.commission.id}/manage/roster-example.csv").status_code
        == 403
    )


def test_signed_out_the_example_asks_to_sign_in(client: TestClient, cast: Cast) -> None:
    answer = client.get(f"/commissions/{cast.commission.id}/manage/roster-example.csv")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


# --- Auto-assign: the groups choice, briefs running short, refusals ----------------------------


def auto_seat(client: TestClient, cast: Cast, **data: str) -> Any:
    token = csrf_from(client.get(f"/commissions/{cast.commission.id}/manage").text)
    return client.post(
        f"/commissions/{cast.commission.id}/manage/auto-seat", data={"csrf_token": token, **data}
    )


def delegates(db: Session, cast: Cast) -> list[Participant]:
    db.expire_all()
    return list(
        db.scalars(
            select(Participant)
            .where(Participant.commission_id == cast.commission.id, Participant.role == "delegate")
            .options(selectinload(Participant.memberships))
        )
    )


def test_auto_seat_puts_each_student_in_the_chosen_number_of_groups(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    names = "\n".join(f"Student {i}" for i in range(20))
    assert upload(client, cast, f"name\n{names}\n".encode()).status_code == 200  # type: ignore[attr-defined]
    assert auto_seat(client, cast, groups_per_student="1", reseat_all="true").status_code == 303
    seated = delegates(db, cast)
    sizes: Counter[int] = Counter()
    by_delegation: Counter[tuple[int | None, int]] = Counter()
    for p in seated:
        chaired = [m for m in p.memberships if m.is_co_chair]
        assert len(p.memberships) == max(1, len(chaired))
        for m in p.memberships:
            sizes[m.working_group_id] += 1
            by_delegation[p.delegation_id, m.working_group_id] += 1
    assert len(sizes) == 3 and max(sizes.values()) - min(sizes.values()) <= 1
    for delegation in {p.delegation_id for p in seated}:
        counts = [by_delegation[delegation, g] for g in sizes]
        assert max(counts) - min(counts) <= 1

    assert auto_seat(client, cast, groups_per_student="0").status_code == 303
    assert all(len(p.memberships) == 3 for p in delegates(db, cast))


def test_a_bad_number_of_groups_is_explained_and_the_choice_kept(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    refused = auto_seat(client, cast, groups_per_student="7", reseat_all="true")
    assert refused.status_code == 422
    assert "Choose how many working groups each student sits in: from 1 to 3." in refused.text
    assert 'name="reseat_all" value="true" checked' in refused.text


def test_briefs_running_short_are_announced_on_the_console(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    console = f"/commissions/{cast.commission.id}/manage"
    assert 'id="brief-warning"' not in client.get(console).text  # 4 students, 12 briefs
    names = "\n".join(f"Student {i}" for i in range(10))
    assert upload(client, cast, f"name\n{names}\n".encode()).status_code == 200  # type: ignore[attr-defined]
    page = client.get(console).text
    assert "There are more students to seat (14) than private briefs (12)." in page
    assert 'id="shared-briefs"' not in page

    assert auto_seat(client, cast, reseat_all="true").status_code == 303
    page = client.get(console).text
    assert 'id="brief-warning"' in page
    shared = page.split('id="shared-briefs"', 1)[1].split("</div>", 1)[0]
    # Fourteen students, twelve briefs: exactly two briefs have a second holder, and every
    # brief has been handed out.
    assert shared.count("<li>") == 2
    assert "Not handed out yet" not in shared
    briefs = Counter(p.role_brief_id for p in delegates(db, cast))
    assert len(briefs) == 12 and sorted(briefs.values())[-3:] == [1, 2, 2]


def test_auto_seat_without_a_member_delegation_says_what_to_do(
    client: TestClient, db: Session, cast: Cast
) -> None:
    for delegation in cast.delegations.values():
        delegation.status = "observer"
    db.flush()
    sign_in(client, "ines")
    refused = auto_seat(client, cast, reseat_all="true")
    assert refused.status_code == 409
    assert "No delegation is a member, so auto-assign has nowhere to seat new students." in (
        refused.text
    )
    assert "ValueError" not in refused.text and "there is no member delegation" not in refused.text


def test_auto_seat_without_sectors_says_so(client: TestClient, db: Session, cast: Cast) -> None:
    db.execute(delete(Sector).where(Sector.commission_id == cast.commission.id))
    db.flush()
    sign_in(client, "ines")
    refused = auto_seat(client, cast, reseat_all="true")
    assert refused.status_code == 409
    assert "This commission has no sectors, so auto-assign cannot give students one." in (
        refused.text
    )


def test_the_api_takes_the_groups_choice_and_explains_refusals(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.accounts import service as account_service

    prof = {
        "Authorization": f"Bearer {account_service.create_api_token(db, cast.instructor, 'lms')[1]}"
    }
    url = f"/api/v1/commissions/{cast.commission.id}/auto-seat"
    seated = client.post(url, json={"reseat_all": True, "groups_per_student": 2}, headers=prof)
    assert seated.status_code == 204, seated.text
    assert all(
        len(p.memberships) == max(2, sum(m.is_co_chair for m in p.memberships))
        for p in delegates(db, cast)
    )
    too_many = client.post(url, json={"groups_per_student": 4}, headers=prof)
    assert too_many.status_code == 422
    assert too_many.json() == {
        "detail": "Choose how many working groups each student sits in: from 1 to 3.",
        "field": "groups_per_student",
    }
    for delegation in cast.delegations.values():
        delegation.status = "observer"
    db.flush()
    nowhere = client.post(url, json={"reseat_all": True}, headers=prof)
    assert nowhere.status_code == 409
    assert nowhere.json()["detail"].startswith("No delegation is a member")
