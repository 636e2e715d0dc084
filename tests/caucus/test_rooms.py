"""A delegation's caucus room through its pages and the API: its own members read and speak."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.caucus.models import CaucusMessage
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.test_permissions import bearer, post

ROOM = "/commissions/{}/caucus/frontier-technology"


def stored(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CaucusMessage)) or 0


def test_caucus_rooms_stay_inside_the_delegation(
    client: TestClient, db: Session, cast: Cast
) -> None:
    c = cast.commission.id
    sign_in(client, "ursula")
    post(
        client,
        f"/commissions/{c}/caucus/frontier-technology",
        {"body": "Our red line: no inspections."},
    )
    client.cookies.clear()
    sign_in(client, "pei")
    for url in (
        f"/commissions/{c}/caucus/frontier-technology",
        f"/commissions/{c}/caucus/frontier-technology?delegation=US",
    ):
        assert "no inspections" not in client.get(url).text
    api = client.get(
        f"/api/v1/commissions/{c}/caucus/frontier-technology", headers=bearer(db, cast.prc_delegate)
    )
    assert "no inspections" not in api.text
    # Pei cannot post into the US room either: a post always goes to the poster's own room.
    post(client, f"/commissions/{c}/caucus/frontier-technology", {"body": "PRC note"})
    client.cookies.clear()
    sign_in(client, "ines")
    us_room = client.get(f"/commissions/{c}/caucus/frontier-technology?delegation=US").text
    assert "no inspections" in us_room
    assert "PRC note" not in us_room
    client.cookies.clear()
    sign_in(client, "stan")
    assert client.get(f"/commissions/{c}/caucus/frontier-technology").status_code == 404


def test_unseated_participant_has_no_caucus(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "newcomer")
    assert (
        client.get(f"/commissions/{cast.commission.id}/caucus/frontier-technology").status_code
        == 403
    )


def test_a_refused_message_is_redrawn_with_what_was_typed(
    client: TestClient, db: Session, cast: Cast
) -> None:
    room = ROOM.format(cast.commission.id)
    sign_in(client, "ursula")
    for body, message in (("   ", "Write a message."), ("x" * 10_001, "at most 10,000")):
        token = csrf_from(client.get(room).text)
        refused = client.post(room, data={"body": body, "csrf_token": token})
        assert refused.status_code == 422
        assert message in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert f">{body}</textarea>" in refused.text
    assert stored(db) == 0


def test_an_instructor_reads_each_room_and_speaks_in_none(
    client: TestClient, db: Session, cast: Cast
) -> None:
    room = ROOM.format(cast.commission.id)
    sign_in(client, "pei")
    post(client, room, {"body": "Hold the line on audits."})
    client.cookies.clear()
    sign_in(client, "ines")
    us_room = client.get(room)  # the first delegation's room unless another is asked for
    assert us_room.status_code == 200
    assert "Caucus of United States" in us_room.text
    assert "Hold the line on audits." not in us_room.text
    prc_room = client.get(room + "?delegation=PRC").text
    assert "Hold the line on audits." in prc_room
    assert 'name="body"' not in prc_room  # no form to speak with
    assert client.get(room + "?delegation=EU").status_code == 403
    assert post(client, room, {"body": "Instructor here."}).status_code == 403
    assert stored(db) == 1


def test_the_api_reads_and_speaks_in_the_callers_own_room(
    client: TestClient, db: Session, cast: Cast
) -> None:
    api = f"/api/v1/commissions/{cast.commission.id}/caucus/FT"
    ursula = bearer(db, cast.us_delegate)
    posted = client.post(api, json={"body": "  Stay with the **48 hours**.  "}, headers=ursula)
    assert posted.status_code == 201
    message = posted.json()
    assert message["body"] == "Stay with the **48 hours**."
    assert message["author"]["display_name"] == "Ursula US"
    assert message["author"]["delegation"] == "US"
    assert client.get(api, headers=bearer(db, cast.us_colleague)).json() == [message]
    assert client.get(api, headers=bearer(db, cast.prc_delegate)).json() == []
    assert client.get(api, headers=bearer(db, cast.instructor)).status_code == 403
    assert client.post(api, json={"body": " "}, headers=ursula).status_code == 422
    assert stored(db) == 1
