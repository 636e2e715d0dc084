"""NUL characters (U+0000) are refused at the edge (app/edge.py): never a 500, nothing lost.

PostgreSQL cannot store a NUL in text: a caucus message "a\\u0000b" or the sign-in name
"a%00b" failed the statement. Each test sends one and checks the refusal: 422 naming the
field for the API; for a page, the page the form is on drawn again with the text kept
(NULs taken out), the field marked and a message; and nothing stored. The suite runs this
module on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where the NUL did the harm.
"""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.caucus.models import CaucusMessage
from app.demo import DEMO_PASSWORD
from app.edge import nul_fields_of_form, nul_fields_of_json, nul_fields_of_query
from tests.conftest import Cast, csrf_from, sign_in
from tests.servers import ServedApp, api_token, csrf_in, page_sign_in
from tests.test_api import bearer

REFUSED = "contains a NUL character"
MARKED = "This field contained a NUL character"
CAUCUS = "/commissions/{}/caucus/frontier-technology"


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]* name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1))


def messages(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CaucusMessage)) or 0


def test_the_edge_finds_nuls_in_forms_queries_and_json() -> None:
    assert nul_fields_of_form(b"body=a%00b&title=fine&csrf_token=x") == ["body"]
    assert nul_fields_of_form(b"na%00me=x") == ["name"]
    assert nul_fields_of_form(b"body=plain+text%25+100%") == []
    assert nul_fields_of_query(b"q=a%00b&group=FT") == ["q"]
    assert nul_fields_of_json(b'{"body": "a\\u0000b", "title": "ok"}') == ["body"]
    assert nul_fields_of_json(b'{"groups": ["FT", "C\\u0000Y"], "x": {"k\\u0000": 1}}') == [
        "groups.1",
        "x.k\x00",
    ]
    # An escaped backslash followed by "u0000" is six characters of text, not a NUL.
    assert nul_fields_of_json(b'{"body": "C:\\\\u0000"}') == []
    assert nul_fields_of_json(b'{"body": "a\\u0000b"') == []  # not JSON: the route's 422


def test_a_caucus_message_with_a_nul_redraws_the_room_with_the_text(
    client: TestClient, db: Session, cast: Cast
) -> None:
    room = CAUCUS.format(cast.commission.id)
    sign_in(client, "ursula")
    token = csrf_from(client.get(room).text)
    before = messages(db)
    response = client.post(
        room,
        data={"body": "Hold the line on\x00 chips.", "csrf_token": token},
        headers={
            "HX-Request": "true",
            "HX-Boosted": "true",
            "HX-Current-URL": f"http://testserver{room}",
        },
    )
    assert response.status_code == 422
    assert response.headers["HX-Replace-Url"] == room
    assert REFUSED in response.text and MARKED in response.text
    assert textarea(response.text, "body") == "Hold the line on chips."
    assert messages(db) == before
    # Sent again as it was given back, it goes through.
    again = client.post(room, data={"body": "Hold the line on chips.", "csrf_token": token})
    assert again.status_code == 303
    assert messages(db) == before + 1


def test_a_plain_form_post_finds_its_page_by_the_referer(
    client: TestClient, db: Session, cast: Cast
) -> None:
    group = f"/commissions/{cast.commission.id}/groups/frontier-technology"
    sign_in(client, "ursula")
    token = csrf_from(client.get(group).text)
    response = client.post(
        f"{group}/proposals",
        data={"title": "Chips\x00", "text": "Both sides\x00 report.", "csrf_token": token},
        headers={"Referer": f"http://testserver{group}"},
    )
    assert response.status_code == 422
    assert 'value="Chips"' in response.text
    assert textarea(response.text, "text") == "Both sides report."
    assert "HX-Replace-Url" not in response.headers


def test_without_the_forms_page_the_refusal_still_gives_the_text_back(
    client: TestClient, cast: Cast
) -> None:
    room = CAUCUS.format(cast.commission.id)
    sign_in(client, "ursula")
    token = csrf_from(client.get(room).text)
    response = client.post(
        room,
        data={"body": "Kept\x00 all the same.", "csrf_token": token},
        headers={"Referer": "https://elsewhere.example/page"},
    )
    assert response.status_code == 422
    assert REFUSED in response.text
    assert "Kept all the same." in unescape(response.text)


def test_the_sign_in_form_refuses_a_nul_and_keeps_the_name(client: TestClient, cast: Cast) -> None:
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        content=f"username=urs%00ula&password=secret%00pw&csrf_token={token}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "http://testserver/sign-in",
        },
    )
    assert response.status_code == 422
    assert REFUSED in response.text
    assert 'value="ursula"' in response.text
    assert "secretpw" not in response.text  # a password is never written into a page
    assert "commission_session" not in response.headers.get("set-cookie", "")


def test_the_api_refuses_a_nul_in_a_json_body_by_field(
    client: TestClient, db: Session, cast: Cast
) -> None:
    before = messages(db)
    response = client.post(
        f"/api{CAUCUS.format(cast.commission.id).replace('/commissions', '/v1/commissions')}",
        content='{"body": "a\\u0000b"}',
        headers={**bearer(db, cast.us_delegate), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert [e["field"] for e in body["errors"]] == ["body"]
    assert "NUL" in body["errors"][0]["message"]
    assert messages(db) == before


def test_a_search_with_a_nul_is_drawn_again_without_it(client: TestClient) -> None:
    response = client.get("/norms?q=inci%00dent")
    assert response.status_code == 422
    assert REFUSED in response.text
    assert 'name="q" value="incident"' in response.text


def test_a_path_with_a_nul_names_nothing(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ursula")
    page = client.get(f"/commissions/{cast.commission.id}/groups/frontier%00technology")
    assert page.status_code == 404
    api = client.get(
        f"/api/v1/commissions/{cast.commission.id}/caucus/F%00T",
        headers=bearer(db, cast.us_delegate),
    )
    assert api.status_code == 404
    assert api.json() == {"detail": "There is nothing at this address."}


def test_the_served_app_refuses_nuls_on_a_form_the_sign_in_and_the_api(
    served_demo: ServedApp,
) -> None:
    """The real server, on PostgreSQL when the suite runs there."""
    room = "/commissions/1/caucus/frontier-technology"
    with served_demo.client() as visitor:
        token = csrf_in(visitor.get("/sign-in").text)
        refused = visitor.post(
            "/sign-in",
            content=f"username=us-l%00ab&password=x&csrf_token={token}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{served_demo.base_url}/sign-in",
            },
        )
        assert refused.status_code == 422
        assert 'value="us-lab"' in refused.text
    with served_demo.client() as browser:
        page_sign_in(browser, "us-lab", DEMO_PASSWORD)
        token = csrf_in(browser.get(room).text)
        page = browser.post(
            room,
            data={"body": "Draft our\x00 line.", "csrf_token": token},
            headers={"Referer": f"{served_demo.base_url}{room}"},
        )
        assert page.status_code == 422
        assert textarea(page.text, "body") == "Draft our line."
        assert "Draft our line." not in browser.get(room).text  # nothing was stored
        key = api_token(browser)
    with served_demo.client(headers={"Authorization": f"Bearer {key}"}) as script:
        api = script.post(f"/api/v1{room}", json={"body": "a\x00b"})
        assert api.status_code == 422
        assert [e["field"] for e in api.json()["errors"]] == ["body"]
        assert script.get(f"/api/v1{room}").status_code == 200
