"""A course scripts its set-up through the API: open, enrol, seat, rules, partners, injects."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from tests.conftest import Cast


def bearer(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.create_api_token(db, user, 'lms')[1]}"}


def test_a_course_sets_up_a_commission_by_script(
    client: TestClient, db: Session, cast: Cast
) -> None:
    prof = bearer(db, cast.instructor)
    opened = client.post("/api/v1/commissions", json={"title": "Scripted seminar"}, headers=prof)
    assert opened.status_code == 201, opened.text
    c = opened.json()["id"]
    assert len(opened.json()["join_code"]) == 8

    roster = (
        "name,email,delegation,sector\nAmy Zhu,amy@example.edu,US,ngo\nBo Li,,PRC,\nCai Wen,,,\n"
    )
    enrolled = client.post(f"/api/v1/commissions/{c}/roster", json={"csv": roster}, headers=prof)
    assert enrolled.status_code == 201, enrolled.text
    credentials = enrolled.json()
    assert [x["username"] for x in credentials] == ["amy.zhu", "bo.li", "cai.wen"]
    assert all(len(x["password"]) >= 12 for x in credentials)

    assert (
        client.post(f"/api/v1/commissions/{c}/auto-seat", json={}, headers=prof).status_code == 204
    )
    people = {
        p["username"]: p
        for p in client.get(f"/api/v1/commissions/{c}/participants", headers=prof).json()
    }
    assert people["amy.zhu"]["delegation"] == "US"
    assert people["cai.wen"]["delegation"] in ("US", "PRC")

    seated = client.put(
        f"/api/v1/commissions/{c}/participants/{people['bo.li']['id']}/seat",
        json={
            "delegation": "PRC",
            "sector": "military",
            "brief": "prc-ams-cyber",
            "groups": ["FT"],
            "co_chair_of": ["CY"],
            "head": True,
        },
        headers=prof,
    )
    assert seated.status_code == 204, seated.text
    bo = next(
        p
        for p in client.get(f"/api/v1/commissions/{c}/participants", headers=prof).json()
        if p["username"] == "bo.li"
    )
    assert (bo["brief"], bo["groups"], bo["co_chair_of"], bo["head"]) == (
        "prc-ams-cyber",
        ["CY", "FT"],
        ["CY"],
        True,
    )

    rules = client.patch(
        f"/api/v1/commissions/{c}/groups/cy",
        json={"voting_rule": "consensus", "quorum_percent": 60},
        headers=prof,
    )
    assert rules.status_code == 204
    partner = client.post(
        f"/api/v1/commissions/{c}/delegations",
        json={"code": "EU", "name": "European Union"},
        headers=prof,
    )
    assert partner.json() == {"code": "EU", "name": "European Union", "status": "observer"}

    written = client.post(
        f"/api/v1/commissions/{c}/injects",
        json={"title": "Leaked memo", "delegation": "US", "group": "DI", "publish": True},
        headers=prof,
    )
    assert written.status_code == 201
    assert written.json()["status"] == "published"
    listed = client.get(f"/api/v1/commissions/{c}/injects", headers=prof).json()
    port = next(i for i in listed if i["code"] == "port-ransomware")
    assert (port["status"], port["trigger"]) == ("draft", "on_vote_opened")
    assert not any(i["status"] == "armed" for i in listed), "nothing is armed until the instructor"

    assert client.post(f"/api/v1/commissions/{c}/start", headers=prof).status_code == 204
    assert client.post(f"/api/v1/commissions/{c}/start", headers=prof).status_code == 409
    assert (
        client.post(
            f"/api/v1/commissions/{c}/conclude", json={"visibility": "class"}, headers=prof
        ).status_code
        == 204
    )


def test_a_bad_roster_lists_every_problem_and_imports_nothing(
    client: TestClient, db: Session, cast: Cast
) -> None:
    prof = bearer(db, cast.instructor)
    c = cast.commission.id
    before = len(client.get(f"/api/v1/commissions/{c}/participants", headers=prof).json())
    response = client.post(
        f"/api/v1/commissions/{c}/roster",
        json={"csv": "name,delegation\nAda,US\n@SUM(A1:A9),US\nBea,Mars\n"},
        headers=prof,
    )
    assert response.status_code == 422
    assert [p["line"] for p in response.json()["problems"]] == [3, 4]
    assert len(client.get(f"/api/v1/commissions/{c}/participants", headers=prof).json()) == before


def test_unknown_codes_are_named(client: TestClient, db: Session, cast: Cast) -> None:
    prof = bearer(db, cast.instructor)
    response = client.put(
        f"/api/v1/commissions/{cast.commission.id}/participants/{cast.participants['pei'].id}/seat",
        json={"delegation": "XX"},
        headers=prof,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "delegation"
    assert "US" in response.json()["detail"]


def test_delegates_get_403_on_every_instructor_endpoint(
    client: TestClient, db: Session, cast: Cast
) -> None:
    student = bearer(db, cast.us_delegate)
    c = cast.commission.id
    pid = cast.participants["pei"].id
    calls = [
        ("post", "/api/v1/commissions", {"title": "Mine"}),
        ("post", f"/api/v1/commissions/{c}/start", None),
        ("post", f"/api/v1/commissions/{c}/roster", {"csv": "name\nX\n"}),
        ("put", f"/api/v1/commissions/{c}/participants/{pid}/seat", {"delegation": "US"}),
        ("post", f"/api/v1/commissions/{c}/auto-seat", {}),
        (
            "patch",
            f"/api/v1/commissions/{c}/groups/FT",
            {"voting_rule": "unanimity", "quorum_percent": 1},
        ),
        ("post", f"/api/v1/commissions/{c}/delegations", {"code": "EU", "name": "EU"}),
        ("get", f"/api/v1/commissions/{c}/injects", None),
        ("post", f"/api/v1/commissions/{c}/injects", {"title": "Fake"}),
        ("post", f"/api/v1/commissions/{c}/conclude", {"visibility": "public"}),
        ("get", f"/api/v1/commissions/{c}/participants", None),
    ]
    for method, url, body in calls:
        response = client.request(method.upper(), url, json=body, headers=student)
        assert response.status_code == 403, (method, url, response.text)
        assert response.headers["content-type"].startswith("application/json")
