"""Ids out of the id columns' range, wherever a request carries one: never a 500.

Id columns are INTEGER: 32-bit on PostgreSQL, 64-bit on SQLite. 2**31 overflowed the one and
2**63 the other, in the statement itself: a 500 instead of "not found". Every route with an id
in its path answers 404 for them (nothing can be at that address); a query or JSON id answers
422 naming the field; a posted form id draws the form again with a message. The suite runs this
module on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.forms import form_id, form_ids, required_form_id, whole_number
from app.ids import MAX_ID
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.helpers import to_stage
from tests.test_api import bearer

BEYOND = (2**31, 2**63)  # past PostgreSQL's INTEGER, past SQLite's
NOTHING_HERE = "There is nothing at this address."


def routes_with_ids(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """(method, path template, names of its integer path parameters) for every route of the
    app, through included routers, as tests/test_security.py's page sweep finds them."""

    def flatten(routes: Iterable[Any]) -> Iterator[Any]:
        for route in routes:
            included = getattr(route, "effective_route_contexts", None)
            yield from included() if included else [route]

    found = []
    for route in flatten(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        ids = [p.name for p in dependant.path_params if p.field_info.annotation is int]
        if ids:
            found += [(method, route.path, ids) for method in sorted(route.methods)]
    return found


def address(path: str, ids: list[str], number: int) -> str:
    """The path with `number` for every id and a word for every other parameter."""
    filled = path
    for name in ids:
        filled = filled.replace("{" + name + "}", str(number))
    return re.sub(r"\{[^}]+\}", "x", filled)


@pytest.fixture
def instructor_client(client: TestClient, db: Session, cast: Cast) -> TestClient:
    """The commission's instructor, signed in (pages, with the CSRF header HTMX sends) and with
    an API token: the requests get past sign-in, CSRF and the token to the ids themselves."""
    sign_in(client, "ines")
    client.headers["X-CSRF-Token"] = csrf_from(client.get("/account").text)
    client.headers.update(bearer(db, cast.instructor))
    return client


def test_the_sweep_finds_the_routes_with_ids(app: FastAPI) -> None:
    found = {(method, path) for method, path, _ids in routes_with_ids(app)}
    assert len(found) >= 90
    for route in (
        ("GET", "/proposals/{proposal_id}"),
        ("POST", "/proposals/{proposal_id}/votes/{vote_id}/ballot"),
        ("GET", "/commissions/{commission_id}/events"),
        ("GET", "/api/v1/proposals/{proposal_id}/diff"),
        ("POST", "/api/v1/proposals/{proposal_id}/votes/{vote_id}/ballots"),
        ("PATCH", "/api/v1/commissions/{commission_id}/injects/{inject_id}"),
    ):
        assert route in found


def test_every_route_with_an_id_answers_404_past_the_columns_range(
    app: FastAPI, instructor_client: TestClient
) -> None:
    problems = []
    for method, path, ids in routes_with_ids(app):
        api = path.startswith("/api/")
        for number in BEYOND:
            url = address(path, ids, number)
            response = instructor_client.request(
                method, url, json={} if api and method != "GET" else None
            )
            said = response.json()["detail"] if api else response.text
            if response.status_code != 404 or NOTHING_HERE not in said:
                problems.append(f"{method} {url}: {response.status_code} {said[:120]!r}")
    assert problems == [], "\n".join(problems)


def test_the_largest_id_a_column_holds_reaches_the_route(
    app: FastAPI, instructor_client: TestClient
) -> None:
    """2**31 - 1 is a valid id: it passes the edge and the routes answer it themselves."""
    answers = {}
    for method, path, ids in routes_with_ids(app):
        if method != "GET" or path.endswith("/events"):
            continue
        response = instructor_client.get(address(path, ids, MAX_ID))
        answers[path] = response.status_code
        assert response.status_code < 500, path
    assert instructor_client.get(f"/proposals/{MAX_ID}").status_code == 404
    assert NOTHING_HERE not in instructor_client.get(f"/proposals/{MAX_ID}").text
    assert (
        instructor_client.get(f"/api/v1/commissions/{MAX_ID}").json()["detail"]
        == "There is no commission here."
    )
    assert len(answers) >= 30


@pytest.mark.parametrize("number", BEYOND)
def test_query_ids_past_the_range_are_refused(
    instructor_client: TestClient, db: Session, cast: Cast, number: int
) -> None:
    proposal = to_stage(db, cast, "debate")
    api = instructor_client.get(f"/api/v1/proposals/{proposal.id}/diff?from={number}&to=1")
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["from"]
    page = instructor_client.get(f"/proposals/{proposal.id}/diff?from=1&to={number}")
    assert page.status_code == 400
    assert "less than or equal to 2147483647" in page.text


@pytest.mark.parametrize("number", BEYOND)
def test_json_ids_past_the_range_are_refused(
    client: TestClient, db: Session, cast: Cast, number: int
) -> None:
    proposal = to_stage(db, cast, "debate")
    ursula = bearer(db, cast.us_delegate)
    for path, body, field in (
        ("coauthors", {"participant_id": number}, "participant_id"),
        ("arguments", {"stance": "note", "body": "Hm.", "parent_id": number}, "parent_id"),
    ):
        response = client.post(f"/api/v1/proposals/{proposal.id}/{path}", json=body, headers=ursula)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("number", BEYOND)
def test_posted_ids_past_the_range_draw_the_form_again_with_a_message(
    client: TestClient, db: Session, cast: Cast, number: int
) -> None:
    proposal = to_stage(db, cast, "debate")
    sign_in(client, "ursula")
    page = f"/proposals/{proposal.id}"
    token = csrf_from(client.get(page).text)
    reply = client.post(
        f"{page}/arguments",
        data={"stance": "note", "body": "My reply, kept.", "parent_id": str(number)},
        headers={"X-CSRF-Token": token},
    )
    assert reply.status_code == 422
    assert "Choose one of the options offered." in reply.text
    assert "My reply, kept." in reply.text
    draft = to_stage(db, cast, "draft")  # co-authors are added while it is a draft
    coauthor = client.post(
        f"/proposals/{draft.id}/coauthors",
        data={"participant_id": str(number)},
        headers={"X-CSRF-Token": token},
    )
    assert coauthor.status_code == 422
    assert "Choose one of the options offered." in coauthor.text


@pytest.mark.parametrize("number", BEYOND)
def test_instructor_forms_refuse_ids_past_the_range(
    client: TestClient, cast: Cast, number: int
) -> None:
    sign_in(client, "ines")
    token = csrf_from(client.get("/instructor").text)
    opened = client.post(
        "/instructor/commissions",
        data={"title": "Seminar B", "scenario_id": str(number), "csrf_token": token},
    )
    assert opened.status_code == 422
    assert "Choose one of the options offered." in opened.text
    assert 'value="Seminar B"' in opened.text
    commission = cast.commission.id
    participant = cast.participants["ursula"].id
    for field in ("delegation_id", "sector_id", "role_brief_id", "group_ids"):
        seated = client.post(
            f"/commissions/{commission}/manage/participants/{participant}",
            data={field: str(number), "csrf_token": token},
        )
        assert seated.status_code == 422, field
        assert "Choose one of the options offered." in seated.text
    inject = client.post(
        f"/commissions/{commission}/manage/injects",
        data={"title": "News", "body": "Text", "group_id": str(number), "csrf_token": token},
    )
    assert inject.status_code == 422
    assert "Choose one of the options offered." in inject.text


def test_whole_numbers_are_plain_digits_within_the_columns_range() -> None:
    assert whole_number(" 42 ") == 42
    assert whole_number("0") == 0
    assert whole_number(str(MAX_ID)) == MAX_ID
    for junk in ("", "-1", "+1", "1.0", "²", "٣", "1e3", str(MAX_ID + 1), "9" * 5000, None):
        assert whole_number(junk) is None, junk


def test_form_ids_are_none_for_the_empty_choice_and_refuse_what_names_no_row() -> None:
    assert form_id("", field="x") is None
    assert form_id("7", field="x") == 7
    assert form_ids(["3", "", "4"], field="g") == {3, 4}
    for junk in ("0", "-3", "abc", "²", str(2**31), str(2**63)):
        with pytest.raises(Invalid) as refused:
            form_id(junk, field="delegation_id")
        assert refused.value.field == "delegation_id"
    with pytest.raises(Invalid):
        required_form_id("", field="participant_id")
