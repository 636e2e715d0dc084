"""The proposals JSON API: the whole life of a proposal, and JSON errors with the right status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from tests.conftest import Cast
from tests.proposals.helpers import make_co_chair


def bearer(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.create_api_token(db, user, 'api')[1]}"}


def test_a_proposal_through_the_api(client: TestClient, db: Session, cast: Cast) -> None:
    us, prc, chair = (
        bearer(db, cast.us_delegate),
        bearer(db, cast.prc_delegate),
        bearer(db, cast.instructor),
    )
    c = cast.commission.id
    created = client.post(
        f"/api/v1/commissions/{c}/groups/DI/proposals",
        json={
            "title": "No state-run troll farms",
            "text": "Neither state runs covert influence campaigns.",
        },
        headers=us,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    pid = body["id"]
    assert body["stage"] == "draft"
    assert body["tabling_needs"] == ["A sponsor from People's Republic of China must accept."]

    refused = client.post(f"/api/v1/proposals/{pid}/stage", json={"action": "table"}, headers=us)
    assert refused.status_code == 409
    assert "Tabling needs more sponsors." in refused.json()["detail"]

    pei = cast.participants["pei"].id
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/sponsors", json={"participant_id": pei}, headers=us
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/sponsorship", json={"accept": True}, headers=prc
        ).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/proposals/{pid}/stage", json={"action": "table"}, headers=us).json()[
            "stage"
        ]
        == "tabled"
    )
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/stage", json={"action": "open_debate"}, headers=chair
        ).json()["stage"]
        == "debate"
    )

    argued = client.post(
        f"/api/v1/proposals/{pid}/arguments",
        json={"stance": "question", "body": "Who checks?"},
        headers=prc,
    )
    assert argued.status_code == 201
    assert (
        client.get(f"/api/v1/proposals/{pid}/arguments", headers=us).json()[0]["body"]
        == "Who checks?"
    )

    amendment = client.post(
        f"/api/v1/proposals/{pid}/amendments",
        json={"text": "Neither state runs or pays for covert influence campaigns."},
        headers=prc,
    ).json()
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/amendments/{amendment['id']}/vote", headers=us
        ).status_code
        == 403
    )
    voted_on = client.post(
        f"/api/v1/proposals/{pid}/amendments/{amendment['id']}/vote", headers=chair
    )
    assert voted_on.status_code == 200
    amendment_vote = voted_on.json()["vote"]
    assert amendment_vote["amendment_id"] == amendment["id"]
    for who in (us, prc, bearer(db, cast.us_colleague)):
        cast_ = client.post(
            f"/api/v1/proposals/{pid}/votes/{amendment_vote['id']}/ballots",
            json={"choice": "yes"},
            headers=who,
        )
        assert cast_.status_code == 201
    closed = client.post(
        f"/api/v1/proposals/{pid}/votes/{amendment_vote['id']}/close", headers=chair
    ).json()
    assert closed["revision"] == 2
    assert "pays for" in closed["text"]
    diff = client.get(f"/api/v1/proposals/{pid}/diff?from=1&to=2", headers=us).json()
    assert {"kind": "inserted", "text": " or pays for"} in diff

    opened = client.post(
        f"/api/v1/proposals/{pid}/stage",
        json={"action": "open_vote", "deadline_minutes": 30},
        headers=chair,
    )
    vote = opened.json()["vote"]
    assert vote["deadline"] is not None
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/votes/{vote['id']}/ballots",
            json={"choice": "yes"},
            headers=us,
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/proposals/{pid}/votes/{vote['id']}/ballots",
            json={"choice": "no"},
            headers=prc,
        ).status_code
        == 201
    )
    tally = client.get(f"/api/v1/proposals/{pid}/vote", headers=us).json()
    assert tally["final"] is False
    assert tally["adopted"] is False
    assert (
        "People's Republic of China: 0 yes, 1 no, 0 abstain: no majority." in tally["explanation"]
    )
    final = client.post(f"/api/v1/proposals/{pid}/votes/{vote['id']}/close", headers=chair).json()
    assert final["stage"] == "rejected"
    assert final["vote"]["final"] is True

    # A rejected proposal is revised and tabled again for a new round.
    revised = client.patch(
        f"/api/v1/proposals/{pid}",
        json={
            "title": "No state-run troll farms",
            "text": "Neither state runs covert influence campaigns abroad.",
        },
        headers=us,
    )
    assert revised.json()["revision"] == 3
    again = client.post(
        f"/api/v1/proposals/{pid}/stage", json={"action": "table"}, headers=us
    ).json()
    assert again["stage"] == "tabled"
    assert again["round"] == 2


def test_bad_input_is_a_json_422_naming_the_field(
    client: TestClient, db: Session, cast: Cast
) -> None:
    c = cast.commission.id
    us = bearer(db, cast.us_delegate)
    empty = client.post(
        f"/api/v1/commissions/{c}/groups/FT/proposals", json={"title": " ", "text": "x"}, headers=us
    )
    assert empty.status_code == 422
    assert empty.json() == {"detail": "Give the proposal a title.", "field": "title"}
    wrong = client.post(
        f"/api/v1/commissions/{c}/groups/FT/proposals", json={"title": "t"}, headers=us
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "text"


def test_errors_are_json_with_the_right_status(client: TestClient, db: Session, cast: Cast) -> None:
    us = bearer(db, cast.us_delegate)
    assert client.get("/api/v1/proposals/99999", headers=us).status_code == 404
    assert client.get("/api/v1/proposals/1").status_code == 401
    unknown_group = client.post(
        f"/api/v1/commissions/{cast.commission.id}/groups/XX/proposals",
        json={"title": "t", "text": "x"},
        headers=us,
    )
    assert unknown_group.status_code == 404
    assert unknown_group.headers["content-type"].startswith("application/json")


def test_co_chair_moves_stages_through_the_api(client: TestClient, db: Session, cast: Cast) -> None:
    make_co_chair(db, cast, "pei", "FT")
    cast.groups["FT"].sponsorship = "none"
    db.flush()
    us = bearer(db, cast.us_delegate)
    pid = client.post(
        f"/api/v1/commissions/{cast.commission.id}/groups/FT/proposals",
        json={"title": "t", "text": "x"},
        headers=us,
    ).json()["id"]
    client.post(f"/api/v1/proposals/{pid}/stage", json={"action": "table"}, headers=us)
    moved = client.post(
        f"/api/v1/proposals/{pid}/stage",
        json={"action": "open_debate"},
        headers=bearer(db, cast.prc_delegate),
    )
    assert moved.status_code == 200
    assert moved.json()["stage"] == "debate"
