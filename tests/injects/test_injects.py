"""Crisis injects: published now, at a time, or on a session event; to all or one delegation."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.commissions.models import Participant
from app.db import utcnow
from app.injects import rules
from app.injects import service as injects
from app.injects.models import Inject
from app.live.broker import LiveEvent
from app.live.routes import StreamViewer, render_for
from app.voting import service as voting
from tests.conftest import Cast, csrf_from, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def inject(db: Session, cast: Cast, code: str) -> Inject:
    found = db.scalar(
        select(Inject).where(Inject.commission_id == cast.commission.id, Inject.code == code)
    )
    assert found is not None
    return found


def instructor_id(db: Session, cast: Cast) -> int:
    me = db.scalar(select(Participant.id).where(Participant.user_id == cast.instructor.id))
    assert me is not None
    return me


def test_visibility_rules() -> None:
    assert rules.can_see(is_instructor=False, viewer_delegation_id=1, target_id=None)
    assert rules.can_see(is_instructor=False, viewer_delegation_id=1, target_id=1)
    assert not rules.can_see(is_instructor=False, viewer_delegation_id=2, target_id=1)
    assert not rules.can_see(is_instructor=False, viewer_delegation_id=None, target_id=1)
    assert rules.can_see(is_instructor=True, viewer_delegation_id=None, target_id=1)
    assert rules.fires_on("on_vote_opened", "on_vote_opened", None, 5)
    assert rules.fires_on("on_vote_opened", "on_vote_opened", 5, 5)
    assert not rules.fires_on("on_vote_opened", "on_vote_opened", 4, 5)
    assert not rules.fires_on("on_vote_failed", "on_vote_opened", None, 5)


def test_an_armed_inject_fires_when_a_cybersecurity_vote_opens(db: Session, cast: Cast) -> None:
    port = inject(db, cast, "port-ransomware")
    assert port.status == "armed"  # armed from the scenario: on_vote_opened in CY
    to_stage(db, cast, "voting", group="FT")
    db.flush()
    assert port.status == "armed", "a vote in another group does not fire it"
    to_stage(db, cast, "voting", group="CY", sponsorship="none")
    db.flush()
    assert port.status == "published"
    assert db.scalar(select(Activity).where(Activity.kind == "inject.published")) is not None


def test_an_inject_armed_on_failure_fires_when_a_vote_fails(db: Session, cast: Cast) -> None:
    talk = inject(db, cast, "talking-shop")
    injects.arm(
        db,
        cast.commission.id,
        talk.id,
        trigger="on_vote_failed",
        group_id=None,
        idle_minutes=None,
        actor_id=instructor_id(db, cast),
    )
    assert talk.status == "armed"
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "no")
    db.flush()
    assert talk.status == "armed", "a vote that opens or takes a no does not fire it"
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    db.flush()
    assert proposal.stage == "rejected"
    assert talk.status == "published"


def test_scheduled_and_idle_injects_go_out_when_due(db: Session, cast: Cast) -> None:
    me = instructor_id(db, cast)
    quantum = inject(db, cast, "quantum-milestone")
    injects.schedule(db, cast.commission.id, quantum.id, 5, me)
    assert quantum.id not in injects.due_inject_ids(db)
    quantum.scheduled_for = utcnow() - timedelta(seconds=1)
    deepfake = inject(db, cast, "cochair-deepfake")
    assert deepfake.trigger == "on_idle"
    deepfake.created_at = utcnow() - timedelta(minutes=30)
    db.flush()
    due = injects.due_inject_ids(db)
    assert quantum.id in due
    assert deepfake.id in due
    assert injects.publish_due(db) == 2
    assert injects.publish_due(db) == 0


def test_an_inject_for_one_delegation_reaches_only_it(db: Session, cast: Cast) -> None:
    memo = inject(db, cast, "leaked-persona-memo")
    assert memo.target_delegation_id == cast.delegations["US"].id
    injects.publish_now(db, cast.commission.id, memo.id, instructor_id(db, cast))
    event = LiveEvent(
        commission_id=cast.commission.id,
        kind="inject",
        subject_id=memo.id,
        delegation_id=memo.target_delegation_id,
    )

    def viewer(name: str) -> StreamViewer:
        participant = cast.participants[name]
        return StreamViewer(
            user_id=participant.user_id,
            participant_id=participant.id,
            role=participant.role,
            delegation_id=participant.delegation_id,
            csrf_token="t" * 64,
        )

    assert render_for(db, viewer("pei"), [event]) == []
    banner = dict(render_for(db, viewer("ursula"), [event]))["inject"]
    assert memo.title.replace("'", "&#39;") in banner
    us_news = injects.visible_injects(
        db, cast.commission.id, is_instructor=False, delegation_id=cast.delegations["US"].id
    )
    prc_news = injects.visible_injects(
        db, cast.commission.id, is_instructor=False, delegation_id=cast.delegations["PRC"].id
    )
    assert memo in us_news
    assert memo not in prc_news


def test_the_console_publishes_and_writes_injects(
    client: TestClient, db: Session, cast: Cast
) -> None:
    manage = f"/commissions/{cast.commission.id}/manage"
    sign_in(client, "ines")
    token = csrf_from(client.get(manage).text)
    india = inject(db, cast, "india-observer-request")
    published = client.post(f"{manage}/injects/{india.id}/publish", data={"csrf_token": token})
    assert published.status_code == 303
    again = client.post(f"{manage}/injects/{india.id}/publish", data={"csrf_token": token})
    assert again.status_code == 409
    written = client.post(
        f"{manage}/injects",
        data={
            "csrf_token": token,
            "title": "Grid failure in Guangzhou",
            "body": "Lights out.",
            "delegation_id": str(cast.delegations["PRC"].id),
            "publish_now": "true",
        },
    )
    assert written.status_code == 303
    empty = client.post(
        f"{manage}/injects", data={"csrf_token": token, "title": " ", "body": "kept text"}
    )
    assert empty.status_code == 422
    assert "kept text" in empty.text
    # The PRC delegate reads both in the news feed; a US delegate only the one for everyone.
    client.cookies.clear()
    sign_in(client, "pei")
    overview = client.get(f"/commissions/{cast.commission.id}").text
    assert "Grid failure in Guangzhou" in overview
    assert india.title.replace("'", "&#39;") in overview
    client.cookies.clear()
    sign_in(client, "ursula")
    assert "Grid failure in Guangzhou" not in client.get(f"/commissions/{cast.commission.id}").text


def test_delegates_cannot_publish_injects(client: TestClient, db: Session, cast: Cast) -> None:
    sign_in(client, "ursula")
    token = csrf_from(client.get("/").text)
    india = inject(db, cast, "india-observer-request")
    manage = f"/commissions/{cast.commission.id}/manage"
    assert (
        client.post(f"{manage}/injects/{india.id}/publish", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        client.post(f"{manage}/injects", data={"csrf_token": token, "title": "Fake"}).status_code
        == 403
    )
    db.refresh(india)
    assert india.status == "draft"
