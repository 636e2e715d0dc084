"""The header's count costs one query per page of a signed-in user, however much waits; visitors,
fragments and redirects pay nothing for it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.notices.service import CANDIDATES
from app.proposals import service as proposals
from app.proposals.amendments import propose_amendment
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, csrf_from, sign_in
from tests.notices.helpers import header_count
from tests.proposals.helpers import acting, draft, open_vote_of, to_stage


def notice_queries(counter: QueryCounter) -> int:
    return sum(CANDIDATES in statement for statement in counter.statements)


def load(client: TestClient, url: str, counter: QueryCounter, **kwargs: object) -> str:
    counter.statements.clear()
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, url
    return response.text


def pile_up(db: Session, cast: Cast, n: int) -> None:
    """n invitations for Pei, n drafts he co-authors, n open votes and n amendments to his."""
    for i in range(n):
        invited = draft(db, cast, group=("FT", "CY", "DI")[i % 3])
        proposals.invite_sponsor(
            db, acting(db, invited, cast.us_delegate), cast.participants["pei"].id
        )
        coauthored = draft(db, cast, group="CY")
        proposals.add_coauthor(
            db, acting(db, coauthored, cast.us_delegate), cast.participants["pei"].id
        )
        to_stage(db, cast, "voting", group="DI")
        debated = draft(db, cast, group="FT", author="pei")
        proposals.invite_sponsor(
            db, acting(db, debated, cast.prc_delegate), cast.participants["ursula"].id
        )
        proposals.respond_to_sponsorship(db, acting(db, debated, cast.us_delegate), accept=True)
        proposals.move_stage(db, acting(db, debated, cast.prc_delegate), "table")
        proposals.move_stage(db, acting(db, debated, cast.instructor), "open_debate")
        propose_amendment(
            db, acting(db, debated, cast.us_delegate), text=f"Version {i}.", rationale=""
        )


def test_the_header_count_is_one_query_however_much_waits(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    sign_in(client, "pei")
    pages = ("/", "/norms", f"/commissions/{cast.commission.id}", "/notices")
    pile_up(db, cast, 1)
    few = {}
    for url in pages:
        html = load(client, url, count_queries)
        assert header_count(html) == 4, url
        assert notice_queries(count_queries) == 1, (url, count_queries.statements)
        few[url] = count_queries.count
    pile_up(db, cast, 12)
    for url in pages:
        html = load(client, url, count_queries)
        assert header_count(html) == 4 * 13, url
        assert notice_queries(count_queries) == 1, url
        assert count_queries.count == few[url], (url, count_queries.statements)


def test_the_proposal_page_pays_one_query_for_the_header(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    proposal = to_stage(db, cast, "voting")
    sign_in(client, "pei")
    url = f"/proposals/{proposal.id}"
    load(client, url, count_queries)
    assert notice_queries(count_queries) == 1
    voting.cast_ballot(
        db, acting(db, proposal, cast.prc_delegate), open_vote_of(db, proposal).id, "yes"
    )
    load(client, url, count_queries)
    assert notice_queries(count_queries) == 1


def test_visitors_pay_nothing_for_notices(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    pile_up(db, cast, 2)
    for url in ("/", "/norms", "/sign-in", "/join"):
        html = load(client, url, count_queries)
        assert notice_queries(count_queries) == 0, url
        assert 'href="/notices"' not in html


def test_fragments_and_redirects_pay_nothing_for_notices(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    pile_up(db, cast, 1)
    sign_in(client, "pei")
    fragment = load(client, "/norms", count_queries, headers={"HX-Request": "true"})
    assert "<header" not in fragment
    assert notice_queries(count_queries) == 0
    boosted = load(
        client, "/norms", count_queries, headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert header_count(boosted) == 4
    assert notice_queries(count_queries) == 1
    invited = draft(db, cast, group="DI")
    proposals.invite_sponsor(db, acting(db, invited, cast.us_delegate), cast.participants["pei"].id)
    token_page = client.get("/notices").text
    count_queries.statements.clear()
    answered = client.post(
        f"/proposals/{invited.id}/sponsorship",
        data={"answer": "accept", "csrf_token": csrf_from(token_page)},
    )
    assert answered.status_code == 303
    assert notice_queries(count_queries) == 0
