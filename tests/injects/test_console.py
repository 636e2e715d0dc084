"""The console's injects over HTTP: write, edit, publish, schedule, arm, disarm, cancel, restore;
delegates and other commissions' ids refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.injects import service as injects
from tests.conftest import Cast, csrf_from, sign_in
from tests.injects.helpers import inject, instructor_id, other_commission


def console(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}/manage"


def card(page: str, inject_id: int) -> str:
    """One inject's card on the console."""
    return page.split(f'id="inject-{inject_id}"')[1].split("</li>")[0]


def test_the_console_publishes_and_writes_injects(
    client: TestClient, db: Session, cast: Cast
) -> None:
    manage = console(cast)
    sign_in(client, "ines")
    token = csrf_from(client.get(manage).text)
    india = inject(db, cast.commission.id, "india-observer-request")
    published = client.post(f"{manage}/injects/{india.id}/publish", data={"csrf_token": token})
    assert published.status_code == 303
    again = client.post(f"{manage}/injects/{india.id}/publish", data={"csrf_token": token})
    assert again.status_code == 409
    written = client.post(
        f"{manage}/injects",
        data={
            "csrf_token": token,
            "title": "Grid failure in Guangzhou",
            "body": "Lights out.",
            "delegation_id": str(cast.delegations["PRC"].id),
            "publish_now": "true",
        },
    )
    assert written.status_code == 303
    empty = client.post(
        f"{manage}/injects", data={"csrf_token": token, "title": " ", "body": "kept text"}
    )
    assert empty.status_code == 422
    assert "kept text" in empty.text
    # The PRC delegate reads both in the news feed; a US delegate only the one for everyone.
    client.cookies.clear()
    sign_in(client, "pei")
    overview = client.get(f"/commissions/{cast.commission.id}").text
    assert "Grid failure in Guangzhou" in overview
    assert india.title.replace("'", "&#39;") in overview
    client.cookies.clear()
    sign_in(client, "ursula")
    assert "Grid failure in Guangzhou" not in client.get(f"/commissions/{cast.commission.id}").text


def test_the_console_says_what_will_send_each_inject(
    client: TestClient, db: Session, cast: Cast
) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    sign_in(client, "ines")
    page = client.get(console(cast)).text
    assert "not armed" in card(page, port.id)
    assert "nothing sends it until you arm it (suggested: when a vote opens in Cybersecurity)" in (
        card(page, port.id)
    )
    assert "Disarm" not in card(page, port.id)
    injects.arm(
        db,
        cast.commission.id,
        port.id,
        trigger="on_vote_opened",
        group_id=cast.groups["CY"].id,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    db.flush()
    armed = card(client.get(console(cast)).text, port.id)
    assert "fires when a vote opens in Cybersecurity" in armed
    assert "Disarm" in armed


def test_the_console_edits_a_waiting_inject(client: TestClient, db: Session, cast: Cast) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    edit = f"{console(cast)}/injects/{port.id}/edit"
    sign_in(client, "ines")
    page = client.get(edit)
    assert page.status_code == 200
    assert 'value="FLASH: Ransomware blackout in a Pacific port city"' in page.text
    assert "Suggested moment" in page.text
    saved = client.post(
        edit,
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Blackout  in Busan",
            "body": "A **new** account.",
            "group_id": str(cast.groups["FT"].id),
            "delegation_id": str(cast.delegations["PRC"].id),
            "trigger": "on_idle",
            "idle_minutes": "7",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{console(cast)}#inject-{port.id}"
    db.refresh(port)
    assert (port.title, port.body, port.status) == (
        "Blackout in Busan",
        "A **new** account.",
        "draft",
    )
    assert (port.working_group_id, port.target_delegation_id) == (
        cast.groups["FT"].id,
        cast.delegations["PRC"].id,
    )
    assert (port.trigger, port.idle_minutes) == ("on_idle", 7)
    shown = card(client.get(console(cast)).text, port.id)
    assert "Blackout in Busan" in shown
    assert "only to People&#39;s Republic of China" in shown


def test_a_refused_edit_says_why_and_keeps_what_was_typed(
    client: TestClient, db: Session, cast: Cast
) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    edit = f"{console(cast)}/injects/{port.id}/edit"
    sign_in(client, "ines")
    token = csrf_from(client.get(edit).text)
    typed = {"csrf_token": token, "title": " ", "body": "A draft I do not want to lose."}
    refused = client.post(edit, data={**typed, "trigger": "on_vote_opened"})
    assert refused.status_code == 422
    assert "Give the inject a headline." in refused.text
    assert "A draft I do not want to lose." in refused.text
    quiet = client.post(
        edit,
        data={**typed, "title": "Deepfake", "trigger": "on_idle", "idle_minutes": "forever"},
    )
    assert quiet.status_code == 422
    assert "Say after how many quiet minutes (1 to 600)." in quiet.text
    assert 'value="Deepfake"' in quiet.text
    assert re.search(r'<option value="on_idle" selected>', quiet.text)
    db.refresh(port)
    assert port.title == "FLASH: Ransomware blackout in a Pacific port city"


def test_a_scheduled_inject_is_moved_or_unscheduled(
    client: TestClient, db: Session, cast: Cast
) -> None:
    quantum = inject(db, cast.commission.id, "quantum-milestone")
    base = f"{console(cast)}/injects/{quantum.id}"
    sign_in(client, "ines")
    token = csrf_from(client.get(console(cast)).text)
    assert (
        client.post(f"{base}/schedule", data={"csrf_token": token, "minutes": "0"}).status_code
        == 422
    )
    assert (
        client.post(f"{base}/schedule", data={"csrf_token": token, "minutes": "10"}).status_code
        == 303
    )
    db.refresh(quantum)
    first = quantum.scheduled_for
    assert quantum.status == "scheduled" and first is not None
    page = client.get(f"{base}/edit").text
    assert "Move it: in how many minutes from now" in page
    moved = client.post(
        f"{base}/edit",
        data={
            "csrf_token": token,
            "title": quantum.title,
            "body": quantum.body,
            "group_id": str(quantum.working_group_id),
            "trigger": "manual",
            "minutes": "90",
        },
    )
    assert moved.status_code == 303
    db.refresh(quantum)
    assert quantum.status == "scheduled" and quantum.scheduled_for > first  # type: ignore[operator]
    assert "Unschedule" in card(client.get(console(cast)).text, quantum.id)
    assert client.post(f"{base}/disarm", data={"csrf_token": token}).status_code == 303
    db.refresh(quantum)
    assert (quantum.status, quantum.scheduled_for) == ("draft", None)


def test_the_console_disarms_cancels_and_restores(
    client: TestClient, db: Session, cast: Cast
) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    base = f"{console(cast)}/injects/{port.id}"
    sign_in(client, "ines")
    token = csrf_from(client.get(console(cast)).text)
    armed = client.post(
        f"{base}/arm",
        data={"csrf_token": token, "trigger": "on_vote_opened", "group_id": ""},
    )
    assert armed.status_code == 303
    assert armed.headers["location"].endswith(f"#inject-{port.id}")
    db.refresh(port)
    assert port.status == "armed"
    assert client.post(f"{base}/disarm", data={"csrf_token": token}).status_code == 303
    db.refresh(port)
    assert port.status == "draft"
    again = client.post(f"{base}/disarm", data={"csrf_token": token})
    assert again.status_code == 409
    assert "This inject is neither armed nor scheduled." in again.text
    assert client.post(f"{base}/cancel", data={"csrf_token": token}).status_code == 303
    db.refresh(port)
    assert port.status == "cancelled"
    cancelled = card(client.get(console(cast)).text, port.id)
    assert "Restore" in cancelled and "Publish now" not in cancelled
    assert client.post(f"{base}/publish", data={"csrf_token": token}).status_code == 409
    assert client.post(f"{base}/restore", data={"csrf_token": token}).status_code == 303
    db.refresh(port)
    assert port.status == "draft"
    assert client.post(f"{base}/explode", data={"csrf_token": token}).status_code == 404


def test_a_published_inject_cannot_be_edited_or_cancelled(
    client: TestClient, db: Session, cast: Cast
) -> None:
    india = inject(db, cast.commission.id, "india-observer-request")
    base = f"{console(cast)}/injects/{india.id}"
    injects.publish_now(db, cast.commission.id, india.id, instructor_id(db, cast))
    db.flush()
    sign_in(client, "ines")
    page = client.get(console(cast)).text
    token = csrf_from(page)
    assert f"{base}/edit" not in page and f"{base}/cancel" not in page
    refused_page = client.get(f"{base}/edit")
    assert refused_page.status_code == 409
    assert "published already" in refused_page.text
    for action in ("cancel", "disarm", "schedule", "arm"):
        response = client.post(f"{base}/{action}", data={"csrf_token": token, "minutes": "5"})
        assert response.status_code == 409, action
    edited = client.post(
        f"{base}/edit", data={"csrf_token": token, "title": "Rewritten", "trigger": "manual"}
    )
    assert edited.status_code == 409
    db.refresh(india)
    assert (india.status, india.title) == (
        "published",
        "India asks for observer status; Brussels is watching",
    )


def inject_routes(cast: Cast, commission_id: int, inject_id: int) -> list[tuple[str, str]]:
    base = f"/commissions/{commission_id}/manage/injects"
    return [
        ("post", base),
        ("get", f"{base}/{inject_id}/edit"),
        ("post", f"{base}/{inject_id}/edit"),
        *[
            ("post", f"{base}/{inject_id}/{action}")
            for action in ("publish", "schedule", "arm", "disarm", "cancel", "restore")
        ],
    ]


@pytest.mark.parametrize("name", ["ursula", "newcomer", "stan"])
def test_only_the_commissions_instructors_reach_its_injects(
    client: TestClient, db: Session, cast: Cast, name: str
) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    injects.arm(
        db,
        cast.commission.id,
        port.id,
        trigger="on_vote_opened",
        group_id=None,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    db.flush()
    sign_in(client, name)
    token = csrf_from(client.get("/").text)
    form = {"csrf_token": token, "title": "Fake", "minutes": "5", "trigger": "on_vote_opened"}
    for method, url in inject_routes(cast, cast.commission.id, port.id):
        data = form if method == "post" else None
        response = client.request(method.upper(), url, data=data)
        assert response.status_code == 403, (name, method, url)
    db.refresh(port)
    assert (port.status, port.title) == (
        "armed",
        "FLASH: Ransomware blackout in a Pacific port city",
    )


def test_another_commissions_inject_ids_are_refused(
    client: TestClient, db: Session, cast: Cast
) -> None:
    other = other_commission(db)
    theirs = inject(db, other.id, "port-ransomware")
    sign_in(client, "ines")
    token = csrf_from(client.get(console(cast)).text)
    form = {"csrf_token": token, "title": "Hijacked", "minutes": "5", "trigger": "on_vote_opened"}
    # Their inject through my commission's console: not found here.
    for method, url in inject_routes(cast, cast.commission.id, theirs.id)[1:]:
        response = client.request(method.upper(), url, data=form if method == "post" else None)
        assert response.status_code == 404, (method, url)
    # Their commission's console: not mine to run.
    for method, url in inject_routes(cast, other.id, theirs.id):
        response = client.request(method.upper(), url, data=form if method == "post" else None)
        assert response.status_code == 403, (method, url)
    db.refresh(theirs)
    assert (theirs.status, theirs.title) == (
        "draft",
        "FLASH: Ransomware blackout in a Pacific port city",
    )


def test_a_concluded_commissions_console_offers_no_inject_action(
    client: TestClient, db: Session, cast: Cast
) -> None:
    india = inject(db, cast.commission.id, "india-observer-request")
    cast.commission.status = "concluded"
    db.flush()
    sign_in(client, "ines")
    page = client.get(console(cast)).text
    assert "Publish now" not in page and "Save inject" not in page
    refused = client.post(
        f"{console(cast)}/injects/{india.id}/publish", data={"csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 409
    assert "This commission has concluded; its record is final." in refused.text
    db.refresh(india)
    assert india.status == "draft"
