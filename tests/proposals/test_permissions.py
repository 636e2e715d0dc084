"""Every proposal route refuses who it should: drafts and secret ballots never leak."""

from __future__ import annotations

import json

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.models import Activity
from app.commissions.models import Participant, WorkingGroupMembership
from app.proposals import service as proposals
from app.proposals.acting import acting_on
from app.proposals.amendments import propose_amendment
from app.voting import service as voting
from app.voting import tally
from app.voting.models import RollCallBallot
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.helpers import acting, make_co_chair, open_vote_of, to_stage


def bearer(db: Session, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.create_api_token(db, user, 't')[1]}"}


def post(client: TestClient, url: str, data: dict[str, str] | None = None) -> httpx2.Response:
    token = csrf_from(client.get("/").text)
    return client.post(url, data={**(data or {}), "csrf_token": token})


# --- drafts --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/edit", "/diff?from=1&to=1"])
def test_a_draft_is_hidden_from_other_delegates_and_instructors(
    client: TestClient, db: Session, cast: Cast, path: str
) -> None:
    proposal = to_stage(db, cast, "draft")
    for name in ("pei", "ulysses", "ines", "stan"):
        client.cookies.clear()
        sign_in(client, name)
        response = client.get(f"/proposals/{proposal.id}{path}")
        assert response.status_code == 404, name
        assert "Joint AI incident" not in response.text


def test_a_draft_is_hidden_from_the_api_and_the_group_list(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "draft")
    headers = bearer(db, cast.prc_delegate)
    assert client.get(f"/api/v1/proposals/{proposal.id}", headers=headers).status_code == 404
    listing = client.get(f"/api/v1/commissions/{cast.commission.id}/proposals", headers=headers)
    assert listing.json() == []
    sign_in(client, "pei")
    page = client.get(f"/commissions/{cast.commission.id}/groups/frontier-technology")
    assert "Joint AI incident" not in page.text


def test_only_authors_edit_table_or_ask_sponsors(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "draft")
    proposals.invite_sponsor(
        db, acting(db, proposal, cast.us_delegate), cast.participants["pei"].id
    )
    sign_in(client, "pei")  # asked to sponsor: may read, may not edit or table
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    refused = post(client, f"/proposals/{proposal.id}/edit", {"title": "Mine", "text": "Mine."})
    assert refused.status_code == 403
    assert post(client, f"/proposals/{proposal.id}/stage", {"action": "table"}).status_code == 403
    asked = post(
        client,
        f"/proposals/{proposal.id}/sponsors",
        {"participant_id": str(cast.participants["ulysses"].id)},
    )
    assert asked.status_code == 403


def test_only_chairs_and_instructors_move_stages(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "tabled")
    sign_in(client, "ulysses")
    assert (
        post(client, f"/proposals/{proposal.id}/stage", {"action": "open_debate"}).status_code
        == 403
    )
    make_co_chair(db, cast, "ulysses", "FT")
    assert (
        post(client, f"/proposals/{proposal.id}/stage", {"action": "open_debate"}).status_code
        == 303
    )


def test_co_chairs_cannot_move_stages_when_the_group_forbids_it(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "tabled", chairs_move_stages=False)
    make_co_chair(db, cast, "ulysses", "FT")
    sign_in(client, "ulysses")
    assert (
        post(client, f"/proposals/{proposal.id}/stage", {"action": "open_debate"}).status_code
        == 403
    )


def test_a_stage_cannot_be_skipped(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "tabled")
    sign_in(client, "ines")
    assert (
        post(client, f"/proposals/{proposal.id}/stage", {"action": "open_vote"}).status_code == 409
    )


# --- voting --------------------------------------------------------------------------------


def ballot_url(db: Session, proposal_id: int) -> str:
    from app.proposals.models import Proposal

    proposal = db.get(Proposal, proposal_id)
    assert proposal is not None
    return f"/proposals/{proposal_id}/votes/{open_vote_of(db, proposal).id}/ballots"


def test_nobody_votes_outside_the_voting_stage(client: TestClient, db: Session, cast: Cast) -> None:
    """Before the vote opens there is no ballot box; after it closes its box takes no ballot."""
    headers = bearer(db, cast.us_delegate)
    debated = to_stage(db, cast, "debate")
    assert tally.current_vote(db, debated) is None
    decided = to_stage(db, cast, "voting")
    vote = open_vote_of(db, decided)
    voting.close_vote(db, acting(db, decided, cast.instructor), vote.id)
    assert decided.stage == "rejected"  # nobody voted: no quorum
    for proposal, status, detail in (
        (debated, 404, "There is no such vote on this proposal."),
        (decided, 409, "This vote has closed."),
    ):
        response = client.post(
            f"/api/v1/proposals/{proposal.id}/votes/{vote.id}/ballots",
            json={"choice": "yes"},
            headers=headers,
        )
        assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert db.scalars(select(RollCallBallot)).all() == []


def test_outside_the_working_group_there_is_no_vote(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    membership = db.get(
        WorkingGroupMembership, (cast.participants["ulysses"].id, cast.groups["FT"].id)
    )
    db.delete(membership)
    db.flush()
    response = client.post(
        "/api/v1" + ballot_url(db, proposal.id),
        json={"choice": "yes"},
        headers=bearer(db, cast.us_colleague),
    )
    assert response.status_code == 403
    assert "working group" in response.json()["detail"]


@pytest.mark.parametrize("who", ["ines", "newcomer", "stan"])
def test_instructors_unseated_and_strangers_cannot_vote(
    client: TestClient, db: Session, cast: Cast, who: str
) -> None:
    proposal = to_stage(db, cast, "voting")
    user = db.scalar(select(User).where(User.username == who))
    assert user is not None
    response = client.post(
        "/api/v1" + ballot_url(db, proposal.id), json={"choice": "yes"}, headers=bearer(db, user)
    )
    assert response.status_code in (403, 404)
    standing = tally.standing(
        db, open_vote_of(db, proposal), cast.commission.id, cast.groups["FT"].id
    )
    assert standing.result is not None and standing.result.cast == 0


def test_observer_delegations_speak_but_do_not_vote(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    cast.delegations["PRC"].status = "observer"
    db.flush()
    headers = bearer(db, cast.prc_delegate)
    response = client.post(
        "/api/v1" + ballot_url(db, proposal.id), json={"choice": "no"}, headers=headers
    )
    assert response.status_code == 403
    assert db.scalars(select(RollCallBallot)).all() == []
    spoken = client.post(
        f"/api/v1/proposals/{proposal.id}/arguments",
        json={"stance": "oppose", "body": "China observes, and objects."},
        headers=headers,
    )
    assert spoken.status_code == 201
    listed = client.get(f"/api/v1/proposals/{proposal.id}/arguments", headers=headers).json()
    assert [a["body"] for a in listed] == ["China observes, and objects."]


def test_a_second_ballot_is_a_409_and_changes_nothing(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting")
    url = "/api/v1" + ballot_url(db, proposal.id)
    headers = bearer(db, cast.us_delegate)
    assert client.post(url, json={"choice": "yes"}, headers=headers).status_code == 201
    second = client.post(url, json={"choice": "no"}, headers=headers)
    assert second.status_code == 409
    assert "already" in second.json()["detail"]
    choices = db.scalars(select(RollCallBallot.choice)).all()
    assert choices == ["yes"]


def test_head_votes_once_for_the_delegation(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting", ballot_unit="delegation")
    url = "/api/v1" + ballot_url(db, proposal.id)
    assert (
        client.post(url, json={"choice": "yes"}, headers=bearer(db, cast.us_delegate)).status_code
        == 403
    )
    for name in ("ursula", "ulysses"):
        cast.participants[name].is_head_of_delegation = name == "ursula"
    db.flush()
    assert (
        client.post(url, json={"choice": "yes"}, headers=bearer(db, cast.us_delegate)).status_code
        == 201
    )
    # The head changes; the new head cannot vote again for the same delegation.
    cast.participants["ursula"].is_head_of_delegation = False
    cast.participants["ulysses"].is_head_of_delegation = True
    db.flush()
    again = client.post(url, json={"choice": "no"}, headers=bearer(db, cast.us_colleague))
    assert again.status_code == 409


def test_a_ballot_for_another_proposals_vote_is_refused(
    client: TestClient, db: Session, cast: Cast
) -> None:
    first = to_stage(db, cast, "voting")
    second = to_stage(db, cast, "debate")
    vote_id = open_vote_of(db, first).id
    response = client.post(
        f"/api/v1/proposals/{second.id}/votes/{vote_id}/ballots",
        json={"choice": "yes"},
        headers=bearer(db, cast.us_delegate),
    )
    assert response.status_code == 404


def test_secret_ballots_never_reveal_a_voter(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting", ballot_type="secret")
    url = "/api/v1" + ballot_url(db, proposal.id)
    for user, choice in (
        (cast.us_delegate, "no"),
        (cast.us_colleague, "yes"),
        (cast.prc_delegate, "yes"),
    ):
        response = client.post(url, json={"choice": choice}, headers=bearer(db, user))
        assert response.status_code == 201
        assert response.json()["your_choice"] is None
        assert response.json()["you_voted"] is True
    assert db.scalars(select(RollCallBallot)).all() == []
    logged = db.scalars(select(Activity.data).where(Activity.kind == "ballot.cast")).all()
    assert logged
    assert all("choice" not in entry for entry in logged)
    # The only tables holding a choice have no column that could name a voter.
    for table in ("secret_ballot_counts", "roll_call_ballots"):
        columns = {c["name"] for c in inspect(db.connection()).get_columns(table)}
        assert "choice" in columns
    assert {c["name"] for c in inspect(db.connection()).get_columns("secret_ballot_counts")} == {
        "vote_id",
        "delegation_id",
        "choice",
        "count",
    }
    assert {c["name"] for c in inspect(db.connection()).get_columns("sealed_ballots")} == {
        "id",
        "vote_id",
        "delegation_id",
        "sealed",
    }
    # While the vote is open nothing is counted: three sealed ballots of one length.
    assert db.execute(text("SELECT count(*) FROM secret_ballot_counts")).scalar() == 0
    sealed = db.execute(text("SELECT sealed FROM sealed_ballots")).scalars().all()
    assert len(sealed) == 3
    assert {len(bytes(s)) for s in sealed} == {29}
    # Instructors see the turnout only, like everyone.
    sign_in(client, "ines")
    page = client.get(f"/proposals/{proposal.id}").text
    assert "You voted" not in page
    assert "Secret ballot: only totals are kept." in page
    assert "3 of 3 eligible have voted." in page
    assert "tally-row" not in page
    instructor = bearer(db, cast.instructor)
    api = client.get(f"/api/v1/proposals/{proposal.id}/vote", headers=instructor).json()
    assert api["counts_hidden"] is True
    assert (api["cast"], api["adopted"], api["summary"]) == (3, None, None)
    assert {d["delegation"]: (d["yes"], d["no"]) for d in api["by_delegation"]} == {
        "US": (None, None),
        "PRC": (None, None),
    }
    closed = client.post(
        f"/api/v1/proposals/{proposal.id}/votes/{open_vote_of(db, proposal).id}/close",
        headers=instructor,
    )
    assert closed.status_code == 200, closed.text
    api = client.get(f"/api/v1/proposals/{proposal.id}/vote", headers=instructor).json()
    assert {d["delegation"]: (d["yes"], d["no"]) for d in api["by_delegation"]} == {
        "US": (1, 1),
        "PRC": (1, 0),
    }
    assert db.execute(text("SELECT count(*) FROM sealed_ballots")).scalar() == 0
    assert "voter" not in json.dumps(api)


def test_hidden_running_tally_shows_only_turnout_until_close(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting", hide_running_tally=True)
    url = "/api/v1" + ballot_url(db, proposal.id)
    assert (
        client.post(url, json={"choice": "yes"}, headers=bearer(db, cast.us_delegate)).status_code
        == 201
    )
    body = client.get(
        f"/api/v1/proposals/{proposal.id}/vote", headers=bearer(db, cast.prc_delegate)
    ).json()
    assert body["counts_hidden"] is True
    assert body["cast"] == 1
    assert all(d["yes"] is None for d in body["by_delegation"])
    assert body["summary"] is None
    sign_in(client, "pei")
    page = client.get(f"/proposals/{proposal.id}").text
    assert "hidden in this working group until the vote closes" in page


# --- debate, amendments --------------------------------------------------------------------


def test_only_instructors_hide_arguments_and_must_say_why(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    argument = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="oppose", body="No."
    )
    sign_in(client, "ursula")
    assert (
        post(
            client, f"/proposals/{proposal.id}/arguments/{argument.id}/hide", {"reason": "x"}
        ).status_code
        == 403
    )
    client.cookies.clear()
    sign_in(client, "ines")
    assert (
        post(
            client, f"/proposals/{proposal.id}/arguments/{argument.id}/hide", {"reason": " "}
        ).status_code
        == 422
    )
    assert (
        post(
            client,
            f"/proposals/{proposal.id}/arguments/{argument.id}/hide",
            {"reason": "Off topic"},
        ).status_code
        == 303
    )
    logged = db.scalar(select(Activity.data).where(Activity.kind == "argument.hidden"))
    assert logged is not None and logged["reason"] == "Off topic"


def test_arguments_wait_for_debate(client: TestClient, db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "tabled")
    sign_in(client, "pei")
    refused = post(
        client, f"/proposals/{proposal.id}/arguments", {"stance": "support", "body": "Yes!"}
    )
    assert refused.status_code == 403


def test_only_authors_accept_friendly_amendments(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "debate")
    amendment = propose_amendment(
        db, acting(db, proposal, cast.prc_delegate), text="Within 48 hours.", rationale=""
    )
    sign_in(client, "pei")
    assert (
        post(client, f"/proposals/{proposal.id}/amendments/{amendment.id}/accept").status_code
        == 403
    )
    assert (
        post(client, f"/proposals/{proposal.id}/amendments/{amendment.id}/vote").status_code == 403
    )


def test_strangers_see_no_working_group(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "stan")
    assert (
        client.get(f"/commissions/{cast.commission.id}/groups/frontier-technology").status_code
        == 404
    )
    proposal = to_stage(db, cast, "debate")
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_participants_of_another_commission_cannot_be_invited(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.commissions import service as commissions
    from app.scenarios import service as scenarios

    proposal = to_stage(db, cast, "draft")
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    other = scenarios.open_commission(db, scenario, "Seminar B", cast.instructor)
    outsider = commissions.join_commission(db, other, cast.stranger)
    outsider.delegation_id = db.scalar(
        select(Participant.delegation_id).where(Participant.id == cast.participants["pei"].id)
    )
    db.flush()
    sign_in(client, "ursula")
    for participant_id in (outsider.id, 999999):
        response = post(
            client, f"/proposals/{proposal.id}/sponsors", {"participant_id": str(participant_id)}
        )
        assert response.status_code == 422
        assert "seated delegate of this commission" in response.text


def test_the_ballot_shortcut_sees_what_the_full_path_sees(db: Session, cast: Cast) -> None:
    from app.errors import NotFound as Missing
    from app.voting.ballot import voter_for

    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    for user in (
        cast.us_delegate,
        cast.us_colleague,
        cast.prc_delegate,
        cast.instructor,
        cast.unseated,
    ):
        full = acting_on(db, proposal.id, user)
        short = voter_for(db, proposal.id, vote.id, user)
        assert short.seat == full.seat
        assert short.vote.id == vote.id
        assert (short.commission_id, short.working_group_id) == (
            full.proposal.commission_id,
            full.group.id,
        )
    with pytest.raises(Missing, match="no proposal"):
        voter_for(db, proposal.id, vote.id, cast.stranger)
    with pytest.raises(Missing, match="no such vote"):
        voter_for(db, proposal.id, vote.id + 1000, cast.us_delegate)
    draft = to_stage(db, cast, "draft")
    with pytest.raises(Missing, match="no proposal"):
        voter_for(db, draft.id, vote.id, cast.us_delegate)
