"""Students' names stay in the class: every surface a visitor or a stranger can reach names
delegations and sectors, never a participant, unless the instructor credited students by name.

Each check looks for every participant of the commission (instructor included), by display
name and by username, in the whole body of the page, export or API answer.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.accounts import service as accounts
from app.accounts.models import User
from app.commissions.models import Participant
from app.injects.models import Inject
from app.norms.models import Norm
from app.proposals import service as proposals
from app.proposals.amendments import accept_amendment, propose_amendment
from app.proposals.models import Proposal
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, make_user, sign_in
from tests.proposals.helpers import acting, draft, open_vote_of

VOTERS = ("us_delegate", "us_colleague", "prc_delegate")
PUBLIC_SEATS = (
    "United States · Private sector",  # Ursula, who drafted both norms
    "United States · NGO",  # Ulysses, her co-author on FT-1
    "People&#39;s Republic of China · Academia",  # Pei, whose amendment FT-1 absorbed
)


@dataclass
class Published:
    """A concluded commission with a public charter of two norms and a history to tell."""

    cast: Cast
    proposals: list[Proposal]
    codes: list[str]
    names: list[str]  # display names and usernames of everyone in the commission

    @property
    def id(self) -> int:
        return self.cast.commission.id


def adopt(db: Session, cast: Cast, proposal: Proposal) -> None:
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    vote = open_vote_of(db, proposal)
    for user in (getattr(cast, v) for v in VOTERS):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)


def debated(db: Session, cast: Cast, group: str, *, coauthor: bool) -> Proposal:
    """Drafted by Ursula (with Ulysses as co-author if asked), sponsored by Pei, in debate."""
    proposal = draft(db, cast, group)
    if coauthor:
        proposals.add_coauthor(
            db, acting(db, proposal, cast.us_delegate), cast.participants["ulysses"].id
        )
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id
    )
    proposals.respond_to_sponsorship(db, acting(db, proposal, cast.prc_delegate), accept=True)
    proposals.move_stage(db, acting(db, proposal, cast.us_delegate), "table")
    proposals.move_stage(db, acting(db, proposal, cast.instructor), "open_debate")
    proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="support", body="Worth it."
    )
    return proposal


@pytest.fixture
def published(db: Session, cast: Cast) -> Published:
    first = debated(db, cast, "FT", coauthor=True)
    amendment = propose_amendment(
        db,
        acting(db, first, cast.prc_delegate),
        text="Both sides report serious AI incidents to each other within 48 hours.",
        rationale="Faster.",
    )
    accept_amendment(db, acting(db, first, cast.us_delegate), amendment.id)
    adopt(db, cast, first)
    second = debated(db, cast, "CY", coauthor=False)
    adopt(db, cast, second)
    cast.commission.status = "concluded"
    cast.commission.charter_visibility = "public"
    db.flush()
    codes = list(db.scalars(select(Norm.code).where(Norm.commission_id == cast.commission.id)))
    assert sorted(codes) == ["CY-1", "FT-1"]
    users = db.scalars(
        select(User)
        .join(Participant, Participant.user_id == User.id)
        .where(Participant.commission_id == cast.commission.id)
    ).all()
    assert len(users) == 5  # the instructor, three seated delegates and one not yet seated
    names = [n for u in users for n in (u.display_name, u.username)]
    return Published(cast, [first, second], codes, names)


def named_in(body: str, names: list[str], *, ignore_case: bool = True) -> list[str]:
    """Which of these names or usernames occur in the body, as words (escaped for HTML, too)."""
    flags = re.IGNORECASE if ignore_case else 0
    found = []
    for name in names:
        for form in {name, html.escape(name)}:
            if re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", body, flags):
                found.append(name)
                break
    return found


def public_surfaces(p: Published) -> list[str]:
    """Every address a visitor can read for this commission."""
    scenario = p.cast.commission.scenario_id
    return [
        "/norms",
        "/norms?q=incidents",
        f"/norms?commission={p.id}&group=FT&sort=newest",
        f"/commissions/{p.id}/charter",
        f"/commissions/{p.id}/charter.md",
        f"/commissions/{p.id}/charter.json",
        f"/commissions/{p.id}/charter.csv",
        *(f"/norms/{p.id}/{code}" for code in p.codes),
        f"/scenarios/{scenario}/comparison",
        f"/scenarios/{scenario}/comparison?c={p.id}",
    ]


READERS = ("visitor", "stranger")


def read_as(client: TestClient, cast: Cast, reader: str) -> None:
    client.cookies.clear()
    if reader == "stranger":
        sign_in(client, "stan")  # signed in, but not in this commission
    elif reader == "another instructor":
        sign_in(client, "olga")  # runs other classes, not this one


@pytest.mark.parametrize("reader", READERS)
def test_public_surfaces_name_no_participant(
    client: TestClient, published: Published, reader: str
) -> None:
    read_as(client, published.cast, reader)
    for url in public_surfaces(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert named_in(response.text, published.names) == [], url
    # Names are not searchable: the index holds a norm's code, title and text.
    assert "0 norms match your search." in client.get("/norms?q=Ursula").text
    # As the visitor types, the registry answers with its results block alone.
    typed = client.get("/norms?q=incidents", headers={"HX-Request": "true"})
    assert typed.status_code == 200 and "FT-1" in typed.text
    assert named_in(typed.text, published.names) == []


@pytest.mark.parametrize("reader", READERS)
def test_outside_the_room_people_are_their_delegation_and_sector(
    client: TestClient, published: Published, reader: str
) -> None:
    read_as(client, published.cast, reader)
    norm = client.get(f"/norms/{published.id}/FT-1").text
    for seat in PUBLIC_SEATS:
        assert seat in norm, seat
    assert "People are named by delegation and sector." in norm
    charter = client.get(f"/commissions/{published.id}/charter").text
    assert "Drafted by: United States · Private sector; United States · NGO." in charter
    exported = json.loads(client.get(f"/commissions/{published.id}/charter.json").text)
    assert exported["people_named"] is False
    ft = next(n for n in exported["norms"] if n["code"] == "FT-1")
    assert ft["authors"] == ["United States · Private sector", "United States · NGO"]
    rows = csv.DictReader(io.StringIO(client.get(f"/commissions/{published.id}/charter.csv").text))
    assert {r["code"]: r["authors"] for r in rows}["CY-1"] == "United States · Private sector"
    markdown = client.get(f"/commissions/{published.id}/charter.md").text
    assert "Drafted by: United States · Private sector; United States · NGO." in markdown


def test_inside_the_room_classmates_are_named_on_the_norm_page(
    client: TestClient, published: Published
) -> None:
    sign_in(client, "ulysses")
    norm = client.get(f"/norms/{published.id}/FT-1").text
    assert "Pei PRC (People&#39;s Republic of China · Academia)" in norm
    assert "Ursula US (United States · Private sector)" in norm
    # The charter is a publication: it reads as it will when printed or downloaded.
    charter = client.get(f"/commissions/{published.id}/charter").text
    assert named_in(charter.replace("Ulysses US", ""), published.names) == []  # own name: nav
    markdown = client.get(f"/commissions/{published.id}/charter.md").text
    assert named_in(markdown, published.names) == []


def test_under_the_chatham_house_rule_classmates_are_seats_too(
    client: TestClient, db: Session, published: Published
) -> None:
    published.cast.commission.chatham_house = True
    db.flush()
    sign_in(client, "ulysses")
    norm = client.get(f"/norms/{published.id}/FT-1").text
    assert named_in(norm.replace("Ulysses US", ""), published.names) == []
    assert "People&#39;s Republic of China · Academia" in norm
    client.cookies.clear()
    sign_in(client, "ines")  # the instructor runs the room and sees names
    assert (
        "Pei PRC (People&#39;s Republic of China · Academia)"
        in client.get(f"/norms/{published.id}/FT-1").text
    )


def test_credited_by_name_visitors_read_the_students_names(
    client: TestClient, db: Session, published: Published
) -> None:
    published.cast.commission.credit_students_by_name = True
    db.flush()
    norm = client.get(f"/norms/{published.id}/FT-1").text
    assert "Pei PRC (People&#39;s Republic of China · Academia)" in norm
    assert "Ursula US (United States · Private sector)" in norm
    assert "People are named by delegation and sector." not in norm
    charter = client.get(f"/commissions/{published.id}/charter").text
    assert "Ursula US (United States · Private sector); Ulysses US (United States · NGO)" in charter
    assert "Students are credited by name" in charter
    exported = json.loads(client.get(f"/commissions/{published.id}/charter.json").text)
    assert exported["people_named"] is True
    assert {a for n in exported["norms"] for a in n["authors"]} == {
        "Ursula US (United States · Private sector)",
        "Ulysses US (United States · NGO)",
    }
    for suffix in (".md", ".csv"):
        assert (
            "Ulysses US (United States · NGO)"
            in client.get(f"/commissions/{published.id}/charter{suffix}").text
        )
    # Crediting names the authors; it never shows sign-in names (lower case, unlike names).
    usernames = [u for u in published.names if u.islower()]
    assert usernames == ["ines", "ursula", "ulysses", "pei", "newcomer"]
    for surface in public_surfaces(published):
        body = client.get(surface).text
        assert named_in(body, usernames, ignore_case=False) == [], surface
    # The Chatham House Rule outweighs crediting.
    published.cast.commission.chatham_house = True
    db.flush()
    for surface in public_surfaces(published):
        assert named_in(client.get(surface).text, published.names) == [], surface


# --- every other address, as somebody outside the room ----------------------------------------


# Values for the path parameters of GET routes; a new parameter fails the walk until added here.
def path_values(p: Published) -> dict[str, list[str]]:
    session = object_session(p.cast.commission)
    assert session is not None
    inject_ids = session.scalars(
        select(Inject.id).where(Inject.commission_id == p.id).order_by(Inject.id).limit(2)
    ).all()
    return {
        "inject_id": [str(i) for i in inject_ids],
        "commission_id": [str(p.id)],
        "scenario_id": [str(p.cast.commission.scenario_id)],
        "proposal_id": [str(x.id) for x in p.proposals],
        "code": p.codes,
        "pillar": ["FT", "CY"],
        "fmt": ["md", "json", "csv"],
    }


def get_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The app's GET routes, through the routers it includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from get_routes(included.routes)
        elif isinstance(route, APIRoute) and "GET" in (route.methods or ()):
            yield route


def addresses(app: Any, p: Published) -> Iterator[str]:
    values = path_values(p)
    for route in get_routes(app.routes):
        if route.path.endswith("/events"):
            continue  # a stream: refused to strangers in tests/live, endless for members
        params = re.findall(r"\{(\w+)\}", route.path)
        unknown = [name for name in params if name not in values]
        assert unknown == [], f"{route.path}: add values for {unknown} to path_values()"
        urls = [route.path]
        for name in params:
            urls = [u.replace(f"{{{name}}}", v, 1) for u in urls for v in values[name]]
        yield from urls
    # Diffs between the revisions of the amended norm, in the page and the API.
    first = p.proposals[0].id
    yield f"/proposals/{first}/diff?from=1&to=2"
    yield f"/api/v1/proposals/{first}/diff?from=1&to=2"


@pytest.mark.parametrize("reader", [*READERS, "another instructor"])
def test_no_address_names_a_participant_to_someone_outside(
    app: Any, client: TestClient, db: Session, published: Published, reader: str
) -> None:
    """Every GET route of the app, pages and API, with this commission's ids: whatever each
    answers (a page, an export, a refusal, a sign-in redirect), it names nobody."""
    headers = {}
    if reader != "visitor":
        account = (
            published.cast.stranger
            if reader == "stranger"
            else make_user(db, "olga", instructor=True, name="Olga Other")
        )
        _record, token = accounts.create_api_token(db, account, "tests")
        db.flush()
        headers = {"Authorization": f"Bearer {token}"}
    read_as(client, published.cast, reader)
    seen = 0
    for url in addresses(app, published):
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        assert response.status_code < 500, url
        assert named_in(response.text, published.names) == [], (url, response.status_code)
        seen += 1
    assert seen > 40  # the walk reached the app's routes, not a handful


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/commissions/{id}",
        "/api/v1/commissions/{id}/proposals",
        "/api/v1/commissions/{id}/participants",
        "/api/v1/commissions/{id}/caucus/FT",
        "/api/v1/proposals/{proposal}",
        "/api/v1/proposals/{proposal}/revisions",
        "/api/v1/proposals/{proposal}/arguments",
        "/api/v1/proposals/{proposal}/amendments",
        "/api/v1/proposals/{proposal}/vote",
    ],
)
def test_the_api_tells_a_caller_outside_the_commission_nothing(
    client: TestClient, db: Session, published: Published, path: str
) -> None:
    stranger = published.cast.stranger
    _record, token = accounts.create_api_token(db, stranger, "tests")
    db.flush()
    url = path.format(id=published.id, proposal=published.proposals[0].id)
    answer = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (403, 404), answer.text
    assert set(answer.json()) == {"detail"}
    assert named_in(answer.text, published.names) == []
    # A member reads the same address (names inside the room are the class's own).
    member_token = accounts.create_api_token(db, published.cast.us_colleague, "tests")[1]
    db.flush()
    inside = client.get(url, headers={"Authorization": f"Bearer {member_token}"})
    expected = 403 if path.endswith("/participants") else 200  # the roster API: instructors
    assert inside.status_code == expected, inside.text


def test_naming_people_costs_the_same_queries_however_many_there_are(
    client: TestClient, published: Published, count_queries: QueryCounter
) -> None:
    """FT-1 has two drafters, two revisions and an amendment; CY-1 one of each but the last."""
    counts = []
    for code in ("CY-1", "FT-1"):
        client.get(f"/norms/{published.id}/{code}")
        count_queries.statements.clear()
        assert client.get(f"/norms/{published.id}/{code}").status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1], count_queries.statements
