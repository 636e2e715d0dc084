"""The injects API: a script edits, arms, schedules, disarms, cancels and restores injects;
published ones stay as they were; delegates and other commissions' ids are refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.db import utcnow
from tests.conftest import Cast
from tests.injects.helpers import inject, other_commission


def bearer(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.create_api_token(db, user, 'lms')[1]}"}


def test_a_script_manages_injects(client: TestClient, db: Session, cast: Cast) -> None:
    prof = bearer(db, cast.instructor)
    base = f"/api/v1/commissions/{cast.commission.id}/injects"
    listed = client.get(base, headers=prof).json()
    assert {i["status"] for i in listed} == {"draft"}
    port = next(i for i in listed if i["code"] == "port-ransomware")
    url = f"{base}/{port['id']}"
    assert client.get(url, headers=prof).json() == port
    assert (port["trigger"], port["group"], port["delegation"]) == ("on_vote_opened", "CY", None)

    edited = client.patch(
        url, json={"title": "Blackout in Busan", "delegation": "PRC", "group": None}, headers=prof
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["title"], body["delegation"], body["group"]) == ("Blackout in Busan", "PRC", None)
    assert body["body"] == port["body"] and body["trigger"] == "on_vote_opened", "the rest kept"

    armed = client.post(
        f"{url}/arm", json={"trigger": "on_idle", "group": "DI", "idle_minutes": 15}, headers=prof
    ).json()
    assert (armed["status"], armed["trigger"], armed["group"], armed["idle_minutes"]) == (
        "armed",
        "on_idle",
        "DI",
        15,
    )
    assert armed["armed_at"] is not None
    rearmed = client.patch(url, json={"idle_minutes": 5}, headers=prof).json()
    assert (rearmed["status"], rearmed["idle_minutes"]) == ("armed", 5)
    disarmed = client.post(f"{url}/disarm", headers=prof).json()
    assert (disarmed["status"], disarmed["trigger"], disarmed["armed_at"]) == (
        "draft",
        "on_idle",
        None,
    )

    scheduled = client.post(f"{url}/schedule", json={"minutes": 10}, headers=prof).json()
    assert scheduled["status"] == "scheduled"
    moved = client.patch(url, json={"minutes": 60}, headers=prof).json()
    when = datetime.fromisoformat(moved["scheduled_for"])
    assert utcnow() + timedelta(minutes=55) < when <= utcnow() + timedelta(minutes=60)

    assert client.post(f"{url}/cancel", headers=prof).json()["status"] == "cancelled"
    assert client.post(f"{url}/publish", headers=prof).status_code == 409
    assert client.post(f"{url}/restore", headers=prof).json()["status"] == "draft"
    published = client.post(f"{url}/publish", headers=prof).json()
    assert published["status"] == "published" and published["published_at"] is not None

    # A published inject was seen: it can no longer be edited, disarmed or cancelled.
    for method, path, payload in [
        ("PATCH", url, {"title": "Rewritten"}),
        ("POST", f"{url}/cancel", None),
        ("POST", f"{url}/disarm", None),
        ("POST", f"{url}/arm", {"trigger": "on_vote_opened"}),
    ]:
        refused = client.request(method, path, json=payload, headers=prof)
        assert refused.status_code == 409, (method, path)
        assert "published already" in refused.json()["detail"]
    assert client.get(url, headers=prof).json()["title"] == "Blackout in Busan"


def test_bad_input_gets_a_json_error_that_names_the_field(
    client: TestClient, db: Session, cast: Cast
) -> None:
    prof = bearer(db, cast.instructor)
    port = inject(db, cast.commission.id, "port-ransomware")
    url = f"/api/v1/commissions/{cast.commission.id}/injects/{port.id}"
    for method, path, payload, field in [
        ("PATCH", url, {"title": "  "}, "title"),
        ("PATCH", url, {"group": "XX"}, "group"),
        ("PATCH", url, {"trigger": "on_idle"}, "idle_minutes"),
        ("PATCH", url, {"minutes": 30}, "minutes"),
        ("POST", f"{url}/arm", {"trigger": "on_idle", "idle_minutes": 0}, "idle_minutes"),
        ("POST", f"{url}/schedule", {"minutes": 0}, "minutes"),
        ("POST", f"{url}/schedule", {"minutes": 1441}, "minutes"),
    ]:
        response = client.request(method, path, json=payload, headers=prof)
        assert response.status_code == 422, (path, payload, response.text)
        body = response.json()  # a rule's refusal names its field; a value past the schema's
        named = [body["field"]] if "field" in body else [e["field"] for e in body["errors"]]
        assert named == [field], (path, payload)
    response = client.post(f"{url}/arm", json={"trigger": "manual"}, headers=prof)
    assert response.status_code == 422
    db.refresh(port)
    assert (port.status, port.trigger) == ("draft", "on_vote_opened")


def inject_endpoints(commission_id: int, inject_id: int) -> list[tuple[str, str, object]]:
    base = f"/api/v1/commissions/{commission_id}/injects"
    url = f"{base}/{inject_id}"
    return [
        ("GET", base, None),
        ("POST", base, {"title": "Fake"}),
        ("GET", url, None),
        ("PATCH", url, {"title": "Fake"}),
        ("POST", f"{url}/publish", None),
        ("POST", f"{url}/schedule", {"minutes": 5}),
        ("POST", f"{url}/arm", {"trigger": "on_vote_opened"}),
        ("POST", f"{url}/disarm", None),
        ("POST", f"{url}/cancel", None),
        ("POST", f"{url}/restore", None),
    ]


def test_delegates_get_403_on_every_inject_endpoint(
    client: TestClient, db: Session, cast: Cast
) -> None:
    port = inject(db, cast.commission.id, "port-ransomware")
    for user in (cast.us_delegate, cast.unseated, cast.stranger):
        token = bearer(db, user)
        for method, url, body in inject_endpoints(cast.commission.id, port.id):
            response = client.request(method, url, json=body, headers=token)
            assert response.status_code == 403, (user.username, method, url)
            assert response.headers["content-type"].startswith("application/json")
    db.refresh(port)
    assert (port.status, port.title) == (
        "draft",
        "FLASH: Ransomware blackout in a Pacific port city",
    )


def test_another_commissions_inject_ids_are_refused(
    client: TestClient, db: Session, cast: Cast
) -> None:
    other = other_commission(db)
    theirs = inject(db, other.id, "port-ransomware")
    prof = bearer(db, cast.instructor)
    for method, url, body in inject_endpoints(cast.commission.id, theirs.id)[2:]:
        response = client.request(method, url, json=body, headers=prof)
        assert response.status_code == 404, (method, url, response.text)
    for method, url, body in inject_endpoints(other.id, theirs.id):
        response = client.request(method, url, json=body, headers=prof)
        assert response.status_code == 403, (method, url)
    db.refresh(theirs)
    assert (theirs.status, theirs.title) == (
        "draft",
        "FLASH: Ransomware blackout in a Pacific port city",
    )
