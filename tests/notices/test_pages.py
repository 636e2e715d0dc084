"""Notices through the pages: the header's count on every page, the /notices list, and who sees
what (a notice never names a draft to someone who may not read it)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.notices import service as notices
from app.proposals import service as proposals
from app.proposals.acting import load_proposal
from app.proposals.amendments import propose_amendment
from app.voting import service as voting
from tests.conftest import Cast, post_form, sign_in
from tests.notices.helpers import header_count
from tests.proposals.helpers import acting, draft, open_vote_of, to_stage

TITLE = "Joint AI incident reporting"


def as_user(client: TestClient, name: str) -> TestClient:
    client.cookies.clear()
    sign_in(client, name)
    return client


def invite(db: Session, cast: Cast, proposal_id: int, invitee: str) -> None:
    proposal = load_proposal(db, proposal_id)
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants[invitee].id
    )


def test_an_invitation_to_sponsor_shows_on_every_page_and_on_the_notices_page(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = draft(db, cast)
    invite(db, cast, proposal.id, "pei")
    as_user(client, "pei")
    for page in ("/", "/norms", "/account", f"/commissions/{cast.commission.id}"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert header_count(response.text) == 1, page
    listing = client.get("/notices")
    assert listing.status_code == 200
    assert header_count(listing.text) == 1
    assert 'aria-current="page"' in listing.text.split('href="/notices"')[1].split(">")[0]
    assert f'href="/proposals/{proposal.id}#people-heading"' in listing.text
    assert TITLE in listing.text and "ask you to sponsor" in listing.text
    assert cast.commission.title in listing.text


def test_accepting_or_declining_clears_the_invitation(
    client: TestClient, db: Session, cast: Cast
) -> None:
    first = draft(db, cast)
    second = draft(db, cast, group="CY")
    invite(db, cast, first.id, "pei")
    invite(db, cast, second.id, "pei")
    as_user(client, "pei")
    assert header_count(client.get("/").text) == 2
    accepted = post_form(
        client, "/notices", f"/proposals/{first.id}/sponsorship", {"answer": "accept"}
    )
    assert accepted.status_code == 303
    assert header_count(client.get("/").text) == 1
    declined = post_form(
        client, "/notices", f"/proposals/{second.id}/sponsorship", {"answer": "decline"}
    )
    assert declined.status_code == 303
    page = client.get("/notices").text
    assert header_count(page) == 0
    assert "Nothing waits for you." in page and TITLE not in page


def test_a_notice_never_shows_a_draft_to_those_who_may_not_read_it(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = draft(db, cast)
    invite(db, cast, proposal.id, "pei")
    # A colleague of the drafter, an unseated newcomer, someone from no commission, the instructor.
    for name in ("ulysses", "newcomer", "stan", "ines"):
        as_user(client, name)
        page = client.get("/notices")
        assert page.status_code == 200, name
        assert header_count(page.text) == 0, name
        assert TITLE not in page.text, name
        assert f"/proposals/{proposal.id}" not in page.text, name
    as_user(client, "ursula")  # the drafter waits for the answer; nothing waits for her
    assert header_count(client.get("/notices").text) == 0


def test_visitors_see_no_notices_link_and_the_page_asks_them_to_sign_in(
    client: TestClient, db: Session, cast: Cast
) -> None:
    invite(db, cast, draft(db, cast).id, "pei")
    home = client.get("/")
    assert 'href="/notices"' not in home.text
    response = client.get("/notices")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/notices"


def test_a_co_author_is_told_until_the_draft_is_tabled(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = draft(db, cast)
    proposals.add_coauthor(db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id)
    as_user(client, "pei")
    page = client.get("/notices").text
    assert header_count(page) == 1
    assert "made a co-author" in page and f'href="/proposals/{proposal.id}"' in page
    as_user(client, "ursula")
    assert header_count(client.get("/").text) == 0  # her own draft is no notice
    proposals.move_stage(db, acting(db, proposal, cast.us_delegate), "table")
    as_user(client, "pei")
    assert header_count(client.get("/").text) == 0


def test_an_open_vote_waits_for_each_voter_until_they_vote(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    for name in ("ursula", "ulysses", "pei"):
        as_user(client, name)
        page = client.get("/notices").text
        assert header_count(page) == 1, name
        assert f'href="/proposals/{proposal.id}#proposal-{proposal.id}-vote"' in page
        assert "you have not voted yet" in page
    for name in ("ines", "newcomer", "stan"):
        as_user(client, name)
        assert header_count(client.get("/").text) == 0, name
    as_user(client, "pei")
    cast_it = post_form(
        client,
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/votes/{vote.id}/ballot",
        {"choice": "yes"},
    )
    assert cast_it.status_code == 303
    assert header_count(client.get("/").text) == 0
    as_user(client, "ursula")
    assert header_count(client.get("/").text) == 1


def test_a_vote_outside_ones_groups_does_not_wait(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.commissions.models import WorkingGroupMembership

    membership = db.get(
        WorkingGroupMembership, (cast.participants["ulysses"].id, cast.groups["FT"].id)
    )
    db.delete(membership)
    db.flush()
    to_stage(db, cast, "voting")
    as_user(client, "ulysses")
    assert header_count(client.get("/").text) == 0


def test_under_ballot_unit_delegation_the_vote_waits_for_the_head_only(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.participants["ursula"].is_head_of_delegation = True
    db.flush()
    proposal = to_stage(db, cast, "voting", ballot_unit="delegation")
    as_user(client, "ulysses")
    assert header_count(client.get("/").text) == 0
    as_user(client, "ursula")
    assert header_count(client.get("/").text) == 1
    voting.cast_ballot(
        db, acting(db, proposal, cast.us_delegate), open_vote_of(db, proposal).id, "yes"
    )
    assert header_count(client.get("/").text) == 0


def test_an_amendment_waits_for_the_authors_decision(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale="Faster."
    )
    as_user(client, "ursula")
    page = client.get("/notices").text
    assert header_count(page) == 1
    assert f'href="/proposals/{proposal.id}#amendment-{amendment.id}"' in page
    for name in ("pei", "ulysses"):  # its author, and a delegate who did not write the proposal
        as_user(client, name)
        assert header_count(client.get("/").text) == 0, name
    as_user(client, "ursula")
    accepted = post_form(
        client,
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/amendments/{amendment.id}/accept",
        {},
    )
    assert accepted.status_code == 303
    assert header_count(client.get("/").text) == 0


def test_nothing_waits_in_a_concluded_commission(
    client: TestClient, db: Session, cast: Cast
) -> None:
    to_stage(db, cast, "voting")
    invite(db, cast, draft(db, cast, group="CY").id, "pei")
    as_user(client, "pei")
    assert header_count(client.get("/").text) == 2
    cast.commission.status = "concluded"
    db.flush()
    assert header_count(client.get("/").text) == 0
    assert notices.waiting_for(db, cast.prc_delegate.id) == []


def test_a_signed_in_users_error_page_still_renders(client: TestClient, cast: Cast) -> None:
    as_user(client, "pei")
    missing = client.get("/proposals/999999")
    assert missing.status_code == 404
    assert 'href="/notices"' in missing.text
    refused = client.get(f"/commissions/{cast.commission.id}/dashboard")
    assert refused.status_code in (403, 404)
    assert 'href="/notices"' in refused.text


def test_the_most_urgent_notice_comes_first(client: TestClient, db: Session, cast: Cast) -> None:
    from datetime import timedelta

    from app.db import utcnow

    invite(db, cast, draft(db, cast, group="CY").id, "pei")
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    vote.deadline = utcnow() + timedelta(minutes=10)
    db.flush()
    waiting = notices.waiting_for(db, cast.prc_delegate.id)
    assert [n.kind for n in waiting] == ["ballot", "sponsor"]
    as_user(client, "pei")
    page = client.get("/notices").text
    assert page.index("you have not voted yet") < page.index("ask you to sponsor")
    assert "Closes " in page


def test_the_notices_page_has_no_inline_script_or_style(
    client: TestClient, db: Session, cast: Cast
) -> None:
    invite(db, cast, draft(db, cast).id, "pei")
    as_user(client, "pei")
    page = client.get("/notices")
    assert page.status_code == 200
    assert "content-security-policy" in page.headers
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None
    assert re.search(r"\sstyle=", page.text) is None
    assert re.search(r"\son[a-z]+=", page.text) is None
