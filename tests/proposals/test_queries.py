"""The proposal page reads a fixed number of queries, however long the debate."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.proposals import service as proposals
from app.proposals.amendments import propose_amendment
from app.proposals.models import Argument
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def page_queries(client: TestClient, url: str, counter: QueryCounter) -> int:
    counter.statements.clear()
    response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_proposal_page_with_200_arguments(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    proposal = to_stage(db, cast, "debate")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale="Faster."
    )
    del amendment
    url = f"/proposals/{proposal.id}"
    sign_in(client, "ursula")
    client.get(url)
    speakers = (cast.us_delegate, cast.us_colleague, cast.prc_delegate)
    for i in range(5):
        proposals.post_argument(
            db, acting(db, proposal, speakers[i % 3]), stance="support", body=f"Point {i}"
        )
    few = page_queries(client, url, count_queries)
    roots: list[Argument] = []
    for i in range(195):
        speaker = acting(db, proposal, speakers[i % 3])
        parent = roots[i % len(roots)].id if roots and i % 4 == 0 else None
        argument = proposals.post_argument(
            db,
            speaker,
            stance=("support", "oppose", "question", "note")[i % 4],
            body=f"Argument {i}",
            parent_id=parent,
        )
        if parent is None:
            roots.append(argument)
    many = page_queries(client, url, count_queries)
    assert many == few, count_queries.statements
    assert many <= 25, count_queries.statements


def test_proposal_page_during_a_vote_does_not_grow_with_ballots(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    proposal = to_stage(db, cast, "voting")
    url = f"/proposals/{proposal.id}"
    sign_in(client, "pei")
    client.get(url)
    before = page_queries(client, url, count_queries)
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    after = page_queries(client, url, count_queries)
    assert after == before, count_queries.statements


def test_group_page_queries_do_not_grow_with_its_proposals(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    to_stage(db, cast, "debate")
    url = f"/commissions/{cast.commission.id}/groups/{cast.groups['FT'].pillar}"
    sign_in(client, "ursula")
    client.get(url)
    few = page_queries(client, url, count_queries)
    for stage in ("draft", "tabled", "debate", "voting", "draft", "tabled"):
        to_stage(db, cast, stage)
    many = page_queries(client, url, count_queries)
    assert many == few, count_queries.statements
    assert many <= 12, count_queries.statements
    assert client.get(url).text.count('href="/proposals/') >= 7
