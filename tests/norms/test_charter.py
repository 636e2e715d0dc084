"""The charter: norms by working group, readable as its visibility allows, and exported."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.norms.models import Norm
from app.proposals.models import Proposal
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def adopt(db: Session, cast: Cast, group: str = "FT") -> Proposal:
    proposal = to_stage(db, cast, "voting", group=group)
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    return proposal


def url(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}/charter"


@pytest.mark.parametrize(
    ("visibility", "readers", "refused"),
    [
        ("private", ["ines"], ["ursula", "stan", None]),
        ("class", ["ines", "ursula", "pei"], ["stan", None]),
        ("public", ["ines", "ursula", "stan", None], []),
    ],
)
def test_who_reads_the_charter(
    client: TestClient,
    db: Session,
    cast: Cast,
    visibility: str,
    readers: list[str | None],
    refused: list[str | None],
) -> None:
    adopt(db, cast)
    cast.commission.charter_visibility = visibility
    db.flush()
    for who, expected in [(r, 200) for r in readers] + [(r, 404) for r in refused]:
        client.cookies.clear()
        if who:
            sign_in(client, who)
        for suffix in ("", ".md", ".json", ".csv"):
            response = client.get(url(cast) + suffix)
            assert response.status_code == expected, (visibility, who, suffix)
            if expected == 404:
                assert "Joint AI incident" not in response.text


def test_the_charter_names_delegations_never_people(
    client: TestClient, db: Session, cast: Cast
) -> None:
    adopt(db, cast)
    cast.commission.charter_visibility = "public"
    db.flush()
    page = client.get(url(cast)).text
    assert "FT-1" in page
    assert "Joint AI incident reporting" in page
    assert "People&#39;s Republic of China" in page
    for person in ("Ursula US", "Ulysses US", "Pei PRC"):
        assert person not in page


def test_exports(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = adopt(db, cast)
    norm = db.query(Norm).filter_by(proposal_id=proposal.id).one()
    norm.title = "=HYPERLINK(evil)"
    cast.commission.charter_visibility = "public"
    db.flush()
    md = client.get(url(cast) + ".md")
    assert md.headers["content-disposition"].startswith("attachment")
    assert "### FT-1. =HYPERLINK(evil)" in md.text
    data = json.loads(client.get(url(cast) + ".json").text)
    assert data["norms"][0]["code"] == "FT-1"
    assert data["norms"][0]["tally"]["US"]["yes"] == 2
    rows = list(csv.DictReader(io.StringIO(client.get(url(cast) + ".csv").text)))
    assert rows[0]["code"] == "FT-1"
    assert rows[0]["title"] == "'=HYPERLINK(evil)"  # neutralised for spreadsheets
    assert client.get(url(cast) + ".pdf").status_code == 404


def test_charter_queries_do_not_grow_with_norms(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    cast.commission.charter_visibility = "public"
    adopt(db, cast)
    client.get(url(cast))
    count_queries.statements.clear()
    assert "FT-1" in client.get(url(cast)).text
    one = count_queries.count
    for group in ("DI", "FT"):
        adopt(db, cast, group)
    count_queries.statements.clear()
    page = client.get(url(cast))
    assert count_queries.count == one, count_queries.statements
    assert page.status_code == 200
    assert all(code in page.text for code in ("FT-1", "FT-2", "DI-1"))


def test_the_norm_page_tells_how_the_text_came_to_be(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.proposals.amendments import accept_amendment, propose_amendment

    proposal = to_stage(db, cast, "debate")
    amendment = propose_amendment(
        db,
        acting(db, proposal, cast.prc_delegate),
        text="Both sides report serious AI incidents to each other within 48 hours.",
        rationale="Faster.",
    )
    accept_amendment(db, acting(db, proposal, cast.us_delegate), amendment.id)
    voting.open_vote(db, acting(db, proposal, cast.instructor))
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    cast.commission.charter_visibility = "public"
    db.flush()
    page = client.get(f"/norms/{cast.commission.id}/ft-1")
    assert page.status_code == 200
    assert "within 48 hours" in page.text
    assert "<del>72</del><ins>48</ins>" in page.text
    assert "Amendments it absorbed" in page.text
    # A visitor knows the amendment's author by delegation and sector, never by name.
    assert "Pei PRC" not in page.text
    assert "People&#39;s Republic of China · Academia: accepted as friendly" in page.text
    assert "Read the debate" not in page.text  # a visitor
    cast.commission.credit_students_by_name = True
    db.flush()
    credited = client.get(f"/norms/{cast.commission.id}/FT-1").text
    assert "Pei PRC (People&#39;s Republic of China · Academia)" in credited
    # The Chatham House Rule outweighs crediting.
    cast.commission.chatham_house = True
    db.flush()
    hidden = client.get(f"/norms/{cast.commission.id}/FT-1").text
    assert "Pei PRC" not in hidden
    assert "People&#39;s Republic of China · Academia" in hidden
    assert client.get(f"/norms/{cast.commission.id}/FT-9").status_code == 404
    cast.commission.charter_visibility = "class"
    db.flush()
    assert client.get(f"/norms/{cast.commission.id}/FT-1").status_code == 404
    sign_in(client, "pei")
    assert "Read the debate" in client.get(f"/norms/{cast.commission.id}/FT-1").text
