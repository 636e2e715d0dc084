"""Concluding closes what is open and publishes the charter at the chosen visibility."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.norms.models import Norm
from app.voting import service as voting
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def test_concluding_says_what_will_close_then_closes_it(
    client: TestClient, db: Session, cast: Cast
) -> None:
    voting_now = to_stage(db, cast, "voting")
    vote = open_vote_of(db, voting_now)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, voting_now, user), vote.id, "yes")
    in_debate = to_stage(db, cast, "debate", group="DI")
    draft = to_stage(db, cast, "draft", group="CY")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    sign_in(client, "ines")
    preview = client.get(url).text
    assert "1 open vote will close" in preview
    assert "1 proposal that never came to a vote will be withdrawn" in preview
    response = client.post(url, data={"csrf_token": csrf_from(preview), "visibility": "public"})
    assert response.status_code == 303
    for item in (voting_now, in_debate, draft):
        db.refresh(item)
    db.refresh(cast.commission)
    assert voting_now.stage == "adopted"
    assert db.scalar(select(Norm.code).where(Norm.proposal_id == voting_now.id)) == "FT-1"
    assert in_debate.stage == "withdrawn"
    assert draft.stage == "draft"
    assert cast.commission.status == "concluded"
    assert cast.commission.charter_visibility == "public"
    again = client.post(
        url, data={"csrf_token": csrf_from(client.get(url).text), "visibility": "class"}
    )
    assert again.status_code == 409


def test_only_instructors_conclude(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "pei")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get("/").text)
    assert client.post(url, data={"csrf_token": token, "visibility": "public"}).status_code == 403
    db.refresh(cast.commission)
    assert cast.commission.status == "in_session"


def test_a_visibility_must_be_chosen(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ines")
    url = f"/commissions/{cast.commission.id}/manage/conclude"
    response = client.post(
        url, data={"csrf_token": csrf_from(client.get(url).text), "visibility": "everyone"}
    )
    assert response.status_code == 422
    assert "Choose who may read the charter." in response.text


def test_nothing_can_be_written_after_conclusion(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from tests.proposals.helpers import acting as acting_on

    proposal = to_stage(db, cast, "debate")
    cast.commission.status = "concluded"
    db.flush()
    facts = acting_on(db, proposal, cast.prc_delegate).facts
    assert facts.session_over
    sign_in(client, "pei")
    token = csrf_from(client.get(f"/proposals/{proposal.id}").text)
    argued = client.post(
        f"/proposals/{proposal.id}/arguments",
        data={"csrf_token": token, "stance": "support", "body": "Too late?"},
    )
    assert argued.status_code == 403
    group = f"/commissions/{cast.commission.id}/groups/frontier-technology"
    drafted = client.post(
        f"{group}/proposals", data={"csrf_token": token, "title": "t", "text": "x"}
    )
    assert drafted.status_code == 409
    caucus = f"/commissions/{cast.commission.id}/caucus/frontier-technology"
    assert client.post(caucus, data={"csrf_token": token, "body": "hi"}).status_code == 409
