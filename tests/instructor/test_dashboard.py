"""The live dashboard: turnout and who has not voted, never how anyone voted; controls; bounded."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commissions.models import Participant
from app.live.broker import LiveEvent
from app.live.registry import StreamViewer, render_for
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, csrf_from, make_user, seat, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def test_dashboard_shows_turnout_and_who_has_not_voted(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "voting", ballot_type="secret")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "no")
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/dashboard")
    assert page.status_code == 200
    board = page.text.split(f'id="board-{cast.groups["FT"].id}"')[1].split("</section>")[0]
    assert "1 of 3 eligible have voted." in board
    not_voted = board.split("Not yet voted:")[1].split("</p>")[0]
    assert "Ulysses US" in not_voted
    assert "Pei PRC" in not_voted
    assert "Ursula US" not in not_voted
    # The dashboard shows turnout, never choices: no tally, no yes/no/abstain counts.
    assert "Abstain" not in board
    assert "tally" not in board


def test_a_dashboard_control_returns_to_the_dashboard(
    client: TestClient, db: Session, cast: Cast
) -> None:
    proposal = to_stage(db, cast, "tabled")
    sign_in(client, "ines")
    url = f"/commissions/{cast.commission.id}/dashboard"
    token = csrf_from(client.get(url).text)
    moved = client.post(
        f"/proposals/{proposal.id}/stage",
        data={"csrf_token": token, "action": "open_debate", "return_to": url},
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == url
    elsewhere = client.post(
        f"/proposals/{proposal.id}/stage",
        data={"csrf_token": token, "action": "open_vote", "return_to": "https://evil.example/"},
    )
    assert elsewhere.headers["location"] == f"/proposals/{proposal.id}"


def test_only_instructors_see_the_dashboard(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ursula")
    assert client.get(f"/commissions/{cast.commission.id}/dashboard").status_code == 403


def test_dashboard_queries_do_not_grow_with_the_room(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    to_stage(db, cast, "voting")
    url = f"/commissions/{cast.commission.id}/dashboard"
    sign_in(client, "ines")
    client.get(url)
    count_queries.statements.clear()
    assert client.get(url).status_code == 200
    small = count_queries.count
    parts = {
        "commission": cast.commission,
        "delegations": cast.delegations,
        "sectors": cast.sectors,
        "groups": cast.groups,
        "briefs": cast.briefs,
    }
    for i in range(30):
        seat(db, parts, make_user(db, f"room-{i:02d}"), ("US", "PRC")[i % 2], "academia", None)
    debated = [to_stage(db, cast, "debate") for _ in range(3)]
    count_queries.statements.clear()
    board = client.get(url).text
    assert count_queries.count == small, count_queries.statements
    # The bigger room is on the page: everyone who has not voted, and the proposals in debate.
    assert "0 of 33 eligible have voted." in board
    assert "Room 00" in board and "Room 29" in board
    assert all(f'<a href="/proposals/{p.id}">' in board for p in debated)


def test_the_stream_updates_dashboards_for_instructors_only(db: Session, cast: Cast) -> None:
    proposal = to_stage(db, cast, "voting")
    event = LiveEvent(commission_id=cast.commission.id, kind="tally", proposal_id=proposal.id)

    def viewer(name: str) -> StreamViewer:
        p = cast.participants.get(name) or db.scalar(
            select(Participant).where(Participant.user_id == cast.instructor.id)
        )
        assert p is not None
        return StreamViewer(
            user_id=p.user_id,
            participant_id=p.id,
            role=p.role,
            delegation_id=p.delegation_id,
        )

    names = [name for name, _ in render_for(db, viewer("ines"), [event])]
    assert f"dashboard-{cast.groups['FT'].id}" in names
    assert not any(n.startswith("dashboard-") for n, _ in render_for(db, viewer("ursula"), [event]))


def test_an_argument_is_hidden_from_the_dashboard(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.proposals import service as proposals

    proposal = to_stage(db, cast, "debate")
    argument = proposals.post_argument(
        db, acting(db, proposal, cast.prc_delegate), stance="oppose", body="Off-topic rant."
    )
    url = f"/commissions/{cast.commission.id}/dashboard"
    sign_in(client, "ines")
    page = client.get(url).text
    assert "Off-topic rant." in page
    response = client.post(
        f"/proposals/{proposal.id}/arguments/{argument.id}/hide",
        data={"csrf_token": csrf_from(page), "reason": "Off topic", "return_to": url},
    )
    assert response.status_code == 303
    assert response.headers["location"] == url
    assert "Off-topic rant." not in client.get(url).text


def test_latest_arguments_show_their_time_and_plain_text(
    client: TestClient, db: Session, cast: Cast
) -> None:
    from app.proposals import service as proposals

    proposal = to_stage(db, cast, "debate")
    argument = proposals.post_argument(
        db,
        acting(db, proposal, cast.prc_delegate),
        stance="oppose",
        body="## Two problems\n\n- the **scope** is vague\n- no <b>deadline</b>",
    )
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/dashboard").text
    item = page.split(f'href="/proposals/{proposal.id}#argument-{argument.id}"')[0]
    assert (
        item.rsplit("<li>", 1)[1]
        .lstrip()
        .startswith(f'<time datetime="{argument.created_at.isoformat()}">')
    )
    snippet = page.split('<p class="snippet">')[1].split("</p>")[0]
    assert snippet == "Two problems\n• the scope is vague\n• no &lt;b&gt;deadline&lt;/b&gt;"
